//! `calibrate()`: calix's neuron calibration sequence (calix.md §3.2) and its sub-calibrations
//! (§3.3), in calix's order. Why this order: time constants and the DAC bias first (they change
//! amplitudes), synaptic strength at a long tau_mem, each potential after the bias that shifts
//! it, the leak last.

use super::context::{CalibError, Calibrator};
use super::search::Search;
use super::targets::{Synin, Targets};
use crate::devices::bss2::plant::config::{Row, Scale};
use crate::devices::bss2::plant::measure::median;

/// Amplitudes from the synaptic strength calibration, per input: the target, and per neuron the
/// amplitude at the requested bias and after calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct SyninReport {
    pub input: usize,
    pub events: usize,
    pub target: f64,
    pub before: Vec<f64>,
    pub achieved: Vec<f64>,
}

/// COBA of one input: the reversal asked for and the one extrapolated from amplitudes at the
/// reference and at the second operating point, before (median codes) and after.
#[derive(Debug, Clone, PartialEq)]
pub struct CobaReport {
    pub input: usize,
    pub target: Vec<f64>,
    pub before: Vec<f64>,
    pub achieved: Vec<f64>,
}

/// What the sequence leaves besides the chip configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SequenceReport {
    pub synin: Vec<SyninReport>,
    /// Per quadrant: the synapse-line drop asked for and reached, and the rows used.
    pub dac_target: f64,
    pub dac_drop: [f64; 4],
    pub dac_rows: f64,
    /// `offset` or `reset`: how tau_mem was measured.
    pub tau_mem_method: &'static str,
    pub coba: Vec<CobaReport>,
}

/// Step 1: calix's "hagen-like" base configuration (every non-zero row write noisy).
fn base_config(cal: &mut Calibrator<'_>) {
    for (row, value) in [
        (Row::VLeak, 700),
        (Row::VReset, 700),
        (Row::IBiasLeak, 200),
        (Row::IBiasReset, 1012),
        (Row::IBiasGmExc, 0),
        (Row::IBiasGmInh, 0),
        (Row::IShiftExc, 310),
        (Row::IShiftInh, 310),
        (Row::IBiasTauExc, 1017),
        (Row::IBiasTauInh, 1017),
        (Row::IOffset, 0),
    ] {
        cal.fill(row, value);
    }
    for c in &mut cal.plant.config {
        c.leak_scale = Scale::Normal;
        c.high_resistance = [false; 2];
        c.offset_enable = false;
    }
    disable_inputs(cal);
}

/// Step 2 (and 10): threshold and synaptic inputs off.
fn disable_inputs(cal: &mut Calibrator<'_>) {
    for c in &mut cal.plant.config {
        c.threshold_enable = false;
        c.synin_enable = [false; 2];
    }
}

/// Leak potential (§3.3.7): one CADC read, not inverted.
pub fn calibrate_leak(cal: &mut Calibrator<'_>, targets: &[f64]) -> Result<Vec<i32>, CalibError> {
    Ok(cal.search(Row::VLeak, Search::noisy(false), targets, &mut |c| c.plant.rest_read())?.codes)
}

/// Reset potential (§3.3.7): read during a long refractory clamp, not inverted.
pub fn calibrate_reset(cal: &mut Calibrator<'_>, targets: &[f64]) -> Result<Vec<i32>, CalibError> {
    let saved: Vec<bool> = cal.plant.config.iter().map(|c| c.threshold_enable).collect();
    for c in &mut cal.plant.config {
        c.threshold_enable = false;
    }
    let codes = cal.search(Row::VReset, Search::noisy(false), targets, &mut |c| c.plant.reset_read())?.codes;
    for (c, t) in cal.plant.config.iter_mut().zip(saved) {
        c.threshold_enable = t;
    }
    Ok(codes)
}

/// Threshold (§3.3.3): leak bias 0, reset code 0, offset current 70, comparator on; the
/// maximum of 3000 reads of the ramp; not inverted. Restores the other settings afterwards.
pub fn calibrate_threshold(cal: &mut Calibrator<'_>, targets: &[f64]) -> Result<Vec<i32>, CalibError> {
    let saved = cal.plant.config.clone();
    cal.plant.set_row(Row::IBiasLeak, &vec![0; cal.plant.neurons()]);
    cal.plant.set_row(Row::VReset, &vec![0; cal.plant.neurons()]);
    cal.fill(Row::IOffset, 70);
    for c in &mut cal.plant.config {
        c.offset_enable = true;
        c.threshold_enable = true;
        c.synin_enable = [false; 2];
        c.refractory = 2.24e-6; // calix's base backend: counter 70 at 32 ns
    }
    let outcome = cal.search(Row::VThreshold, Search::noisy(false), targets, &mut |c| c.plant.threshold_maxread())?;
    for (c, s) in cal.plant.config.iter_mut().zip(saved) {
        let threshold = c.code(Row::VThreshold);
        *c = s;
        c.set(Row::VThreshold, threshold);
    }
    Ok(outcome.codes)
}

/// Synaptic time constant of input `s` (§3.3.1): high resistance where 919 is still too slow
/// to be needed, then an inverted search of the tau bias.
fn calibrate_tau_syn(cal: &mut Calibrator<'_>, s: usize, targets: &[f64]) -> Result<Vec<i32>, CalibError> {
    for c in &mut cal.plant.config {
        if let Some(h) = c.high_resistance.get_mut(s) {
            *h = true;
        }
    }
    cal.fill(Row::tau(s), 919);
    let prelude = cal.plant.tau_syn_fit(s);
    for ((c, tau), target) in cal.plant.config.iter_mut().zip(&prelude).zip(targets) {
        if tau > target {
            if let Some(h) = c.high_resistance.get_mut(s) {
                *h = false;
            }
        }
    }
    Ok(cal.search(Row::tau(s), Search::noisy(true), targets, &mut |c| c.plant.tau_syn_fit(s))?.codes)
}

/// Synapse DAC bias (§3.3.2): find a row count whose weakest quadrant drop lies in 30..40 LSB,
/// then turn every quadrant to that weakest median (never above the request).
fn calibrate_dac(cal: &mut Calibrator<'_>, requested: i32, report: &mut SequenceReport) -> Result<(), CalibError> {
    let n = cal.plant.neurons();
    let saved = (cal.plant.row(Row::IBiasTauExc), cal.plant.row(Row::IBiasTauInh));
    cal.plant.set_row(Row::IBiasTauExc, &vec![0; n]);
    cal.plant.set_row(Row::IBiasTauInh, &vec![0; n]);
    cal.plant.set_dac(&[requested; 4]);
    let weakest = |d: [f64; 4]| d.iter().copied().filter(|x| x.is_finite()).fold(f64::INFINITY, f64::min);
    let mut rows = 64.0f64;
    let mut target = None;
    for _ in 0..30 {
        let w = weakest(cal.plant.synline_drop(rows, 31.0));
        if w > 30.0 && w < 40.0 {
            target = Some(w);
            break;
        }
        rows = if w >= 40.0 { (rows * 0.8).floor() } else { (rows + 1.0).max((rows * 1.1).floor()) };
        rows = rows.clamp(1.0, 256.0);
    }
    let Some(target) = target else {
        return Err(CalibError::NotSuccessful(
            "the synapse DAC calibration found no row count giving a 30..40 LSB line drop".into(),
            "raise `synapse_dac_bias`: at this bias even all 256 synapse rows move the line too little",
        ));
    };
    let mut rng = cal.rng();
    let outcome = Search::plain(false).run(&[target; 4], &mut rng, |codes| {
        cal.plant.set_dac(codes);
        cal.plant.synline_drop(rows, 31.0).to_vec()
    })?;
    let codes: Vec<i32> = outcome.codes.iter().map(|&c| c.min(requested)).collect();
    cal.plant.set_dac(&codes);
    cal.boundary.insert("synapse_dac_bias", outcome.at_boundary.clone());
    report.dac_target = target;
    report.dac_drop = cal.plant.synline_drop(rows, 31.0);
    report.dac_rows = rows;
    cal.plant.set_row(Row::IBiasTauExc, &saved.0);
    cal.plant.set_row(Row::IBiasTauInh, &saved.1);
    Ok(())
}

/// calix's CADC method for one long tau_mem (§3.3.5, used to prepare the synaptic-input
/// calibration): reset 50 LSB below rest, read after tau, aim at rest - 50/e; every step
/// re-calibrates the leak.
fn calibrate_tau_mem_cadc(cal: &mut Calibrator<'_>, tau: f64) -> Result<(), CalibError> {
    let n = cal.plant.neurons();
    for c in &mut cal.plant.config {
        c.leak_scale = Scale::Division;
    }
    let rest = cal.plant.rest_read();
    let reset_targets: Vec<f64> = rest.iter().map(|r| r - 50.0).collect();
    let too_low = reset_targets.iter().filter(|r| **r < 30.0).count();
    if too_low * 20 > n {
        return Err(CalibError::NotSuccessful(
            format!("{too_low} neurons would need a reset read below 30 LSB for the CADC tau_mem method"),
            "the chip's leak potentials sit too low to prepare the synaptic-input calibration",
        ));
    }
    calibrate_reset(cal, &reset_targets)?;
    let targets: Vec<f64> = rest.iter().map(|r| r - 50.0 / std::f64::consts::E).collect();
    let rest_for_leak = rest.clone();
    cal.search(Row::IBiasLeak, Search::noisy(false), &targets, &mut |c| {
        let leak_ok = c.search(Row::VLeak, Search::noisy(false), &rest_for_leak, &mut |c| c.plant.rest_read());
        let failed = leak_ok.map(|o| o.at_boundary).unwrap_or_else(|_| vec![true; n]);
        let reads = c.plant.decay_read(tau);
        reads
            .iter()
            .zip(&rest_for_leak)
            .zip(&failed)
            .map(|((&r, &rl), &f)| if f || r > rl + 5.0 { 0.0 } else { r })
            .collect()
    })?;
    Ok(())
}

/// Re-calibrates the reference (shift) of input `s` so that it injects no current at rest:
/// the resting read with the input enabled equals `r0`. Excitation is inverted.
fn calibrate_reference(cal: &mut Calibrator<'_>, s: usize, r0: &[f64]) -> Result<Vec<i32>, CalibError> {
    for c in &mut cal.plant.config {
        c.synin_enable = [s == 0, s == 1];
    }
    let codes = cal.search(Row::shift(s), Search::noisy(s == 0), r0, &mut |c| c.plant.rest_read())?.codes;
    for c in &mut cal.plant.config {
        c.synin_enable = [false; 2];
    }
    Ok(codes)
}

/// PSP amplitude of input `s` after re-calibrating its reference (the nested search of §3.3.4).
fn amplitude(cal: &mut Calibrator<'_>, s: usize, events: usize, r0: &[f64]) -> Vec<f64> {
    if calibrate_reference(cal, s, r0).is_err() {
        return vec![f64::NAN; cal.plant.neurons()];
    }
    for c in &mut cal.plant.config {
        c.synin_enable = [s == 0, s == 1];
    }
    let a = cal.plant.psp_amplitude(s, events);
    for c in &mut cal.plant.config {
        c.synin_enable = [false; 2];
    }
    a
}

/// Synaptic strength of input `s` (§3.3.4): target = median amplitude at the requested bias
/// (or `matched`), then a search of the OTA bias.
fn calibrate_strength(
    cal: &mut Calibrator<'_>,
    s: usize,
    requested: i32,
    matched: Option<(f64, usize)>,
    r0: &[f64],
) -> Result<SyninReport, CalibError> {
    let n = cal.plant.neurons();
    cal.plant.set_row(Row::gm(s), &vec![requested; n]);
    let (target, events, before) = match matched {
        Some((target, events)) => (target, events, amplitude(cal, s, events, r0)),
        None => {
            let mut events = 15usize;
            let mut before = amplitude(cal, s, events, r0);
            let mut attempts = 0;
            while median(&before) >= 60.0 {
                events = (events as f64 * 0.8) as usize;
                attempts += 1;
                if events == 0 || attempts > 50 {
                    return Err(CalibError::NotSuccessful(
                        "even one synaptic event is too large for the CADC".into(),
                        "lower `synapse_dac_bias` or `i_synin_gm`",
                    ));
                }
                before = amplitude(cal, s, events, r0);
            }
            (median(&before), events, before)
        }
    };
    let upper = ((1.8 * f64::from(requested) + 100.0) as i32).min(1022);
    let search = Search { lower: 0, upper, inverted: false, noise: 5 };
    let r0v = r0.to_vec();
    let outcome = cal.search(Row::gm(s), search, &vec![target; n], &mut |c| amplitude(c, s, events, &r0v))?;
    Ok(SyninReport { input: s, events, target, before, achieved: outcome.results })
}

/// Amplitude of input `s` with the leak at `leak_codes` (the operating point), signed.
fn amplitude_at(cal: &mut Calibrator<'_>, s: usize, events: usize, leak_codes: &[i32]) -> Vec<f64> {
    cal.plant.set_row(Row::VLeak, leak_codes);
    for c in &mut cal.plant.config {
        c.synin_enable = [s == 0, s == 1];
    }
    let a = cal.plant.psp_amplitude(s, events);
    for c in &mut cal.plant.config {
        c.synin_enable = [false; 2];
    }
    a
}

/// Reversal potential extrapolated from amplitudes `a1` at `v1` and `a2` at `v2` (linear,
/// zero at the reversal).
fn extrapolate(a1: f64, v1: f64, a2: f64, v2: f64) -> f64 {
    let slope = (a2 - a1) / (v2 - v1);
    if slope.abs() < 1e-9 {
        return f64::INFINITY * a1.signum();
    }
    v1 - a1 / slope
}

/// COBA (§3.3.6), per input with a finite reversal somewhere: the CUBA amplitude half an
/// amplitude before the reference is the target there; the COBA bias is searched so that the
/// amplitude at a second operating point follows the line to zero at the reversal, and inside
/// every step the COBA reference is re-calibrated so the amplitude at the reference stays.
fn calibrate_coba(cal: &mut Calibrator<'_>, t: &Targets, report: &mut SequenceReport) -> Result<(), CalibError> {
    let Some(reversal) = &t.e_coba_reversal else { return Ok(()) };
    if !reversal.iter().flatten().any(|r| r.is_finite()) {
        return Ok(());
    }
    let n = cal.plant.neurons();
    let vlsb = cal.plant.params.vlsb;
    calibrate_tau_mem_cadc(cal, 30e-6)?;
    for s in 0..2 {
        let Some(rev) = reversal.get(s) else { continue };
        let coba: Vec<bool> = rev.iter().map(|r| r.is_finite()).collect();
        if !coba.iter().any(|c| *c) {
            continue;
        }
        let sign = if s == 0 { 1.0 } else { -1.0 };
        let refs: Vec<f64> = (0..n)
            .map(|i| {
                let given = t.e_coba_reference.as_ref().and_then(|r| r.get(s)?.get(i).copied());
                given.filter(|x| x.is_finite()).unwrap_or_else(|| {
                    0.5 * (t.leak.get(i).copied().unwrap_or(80.0) + t.threshold.get(i).copied().unwrap_or(125.0))
                })
            })
            .collect();
        let points: Vec<f64> = refs
            .iter()
            .zip(rev)
            .map(
                |(&r, &e)| {
                    if e.is_finite() {
                        crate::check::calibration::coba_operating_point(r, e).unwrap_or(r)
                    } else {
                        r
                    }
                },
            )
            .collect();
        // Which side of the reference the second point lies on decides the search direction.
        let toward: Vec<f64> = points
            .iter()
            .zip(&refs)
            .zip(rev)
            .map(|((&p, &r), &e)| if (p - r) * (e - r) > 0.0 { 1.0 } else { -1.0 })
            .collect();
        let events = report.synin.iter().find(|r| r.input == s).map_or(15, |r| r.events);
        let base_ref: Vec<f64> = refs.iter().map(|r| r - 15.0 * sign).collect();
        let base_p: Vec<f64> = points.iter().map(|p| p - 15.0 * sign).collect();
        let leak_ref = calibrate_leak(cal, &base_ref)?;
        let leak_p = calibrate_leak(cal, &base_p)?;
        for (c, &on) in cal.plant.config.iter_mut().zip(&coba) {
            if let Some(e) = c.coba_enable.get_mut(s) {
                *e = false;
            }
            let _ = on;
        }
        let a0 = amplitude_at(cal, s, events, &leak_ref);
        let goal: Vec<f64> = (0..n)
            .map(|i| {
                let at = |v: &[f64]| v.get(i).copied().unwrap_or(f64::NAN);
                let (a, e, r, p, d) = (at(&a0), at(rev), at(&refs), at(&points), at(&toward));
                if e.is_finite() {
                    d * a * (e - p) / (e - r)
                } else {
                    0.0
                }
            })
            .collect();
        for (c, &on) in cal.plant.config.iter_mut().zip(&coba) {
            if let Some(e) = c.coba_enable.get_mut(s) {
                *e = on;
            }
        }
        let start: Vec<i32> = refs
            .iter()
            .map(|&r| (crate::devices::bss2::plant::readout::cadc_to_volts(r, vlsb) / vlsb).round() as i32)
            .collect();
        cal.plant.set_row(Row::coba_reference(s), &start);
        let (lr, lp, a0v, tw) = (leak_ref.clone(), leak_p.clone(), a0.clone(), toward.clone());
        let bias = Search { lower: 0, upper: 255, inverted: true, noise: 5 };
        cal.search(Row::coba_bias(s), bias, &goal, &mut |c| {
            let _ =
                c.search(Row::coba_reference(s), Search::noisy(s == 1), &a0v, &mut |c| amplitude_at(c, s, events, &lr));
            amplitude_at(c, s, events, &lp).iter().zip(&tw).map(|(a, d)| a * d).collect()
        })?;
        // CUBA neurons of this input keep no COBA settings.
        let keep =
            |codes: Vec<i32>| -> Vec<i32> { codes.iter().zip(&coba).map(|(&c, &on)| if on { c } else { 0 }).collect() };
        let bias_codes = keep(cal.plant.row(Row::coba_bias(s)));
        let ref_codes = keep(cal.plant.row(Row::coba_reference(s)));
        cal.plant.set_row(Row::coba_bias(s), &bias_codes);
        cal.plant.set_row(Row::coba_reference(s), &ref_codes);
        let measure = |cal: &mut Calibrator<'_>| -> Vec<f64> {
            let (a1, a2) = (amplitude_at(cal, s, events, &leak_ref), amplitude_at(cal, s, events, &leak_p));
            (0..n)
                .map(|i| {
                    let at = |v: &[f64]| v.get(i).copied().unwrap_or(f64::NAN);
                    if coba.get(i).copied().unwrap_or(false) {
                        extrapolate(at(&a1), at(&refs), at(&a2), at(&points))
                    } else {
                        f64::NAN
                    }
                })
                .collect()
        };
        let achieved = measure(cal);
        let saved = (cal.plant.row(Row::coba_bias(s)), cal.plant.row(Row::coba_reference(s)));
        for row in [Row::coba_bias(s), Row::coba_reference(s)] {
            let on: Vec<f64> =
                cal.plant.row(row).iter().zip(&coba).filter(|(_, on)| **on).map(|(c, _)| f64::from(*c)).collect();
            let m = median(&on).round() as i32;
            let codes: Vec<i32> = coba.iter().map(|&on| if on { m } else { 0 }).collect();
            cal.plant.set_row(row, &codes);
        }
        let before = measure(cal);
        cal.plant.set_row(Row::coba_bias(s), &saved.0);
        cal.plant.set_row(Row::coba_reference(s), &saved.1);
        let target = rev.iter().map(|&e| if e.is_finite() { e } else { f64::NAN }).collect();
        report.coba.push(CobaReport { input: s, target, before, achieved });
    }
    Ok(())
}

/// Membrane time constant (§3.3.5) with the offset method (all targets >= 3 us) or the reset
/// method, choosing leak division / multiplication per neuron in a prelude.
fn calibrate_tau_mem(cal: &mut Calibrator<'_>, targets: &[f64], report: &mut SequenceReport) -> Result<(), CalibError> {
    let offset_method = targets.iter().all(|t| *t >= 3e-6);
    if offset_method {
        report.tau_mem_method = "offset";
        for c in &mut cal.plant.config {
            c.leak_scale = Scale::Division;
        }
        cal.fill(Row::IBiasLeak, 1017);
        let tau = cal.plant.tau_mem_fit();
        for ((c, t), target) in cal.plant.config.iter_mut().zip(&tau).zip(targets) {
            if t >= target {
                c.leak_scale = Scale::Normal;
            }
        }
    } else {
        report.tau_mem_method = "reset";
        for c in &mut cal.plant.config {
            c.leak_scale = Scale::Normal;
        }
        cal.fill(Row::IBiasLeak, 63);
        let slow = cal.plant.tau_mem_fit();
        cal.fill(Row::IBiasLeak, 959);
        let fast = cal.plant.tau_mem_fit();
        for (((c, s), f), target) in cal.plant.config.iter_mut().zip(&slow).zip(&fast).zip(targets) {
            c.leak_scale = if s < target {
                Scale::Division
            } else if f > target {
                Scale::Multiplication
            } else {
                Scale::Normal
            };
        }
    }
    cal.search(Row::IBiasLeak, Search::noisy(true), targets, &mut |c| c.plant.tau_mem_fit())?;
    Ok(())
}

/// Inter-compartment conductance (multicompartment), x4 / /4 chosen like the reset method.
fn calibrate_tau_icc(cal: &mut Calibrator<'_>, targets: &[f64]) -> Result<(), CalibError> {
    for c in &mut cal.plant.config {
        c.icc_scale = Scale::Normal;
    }
    cal.fill(Row::IBiasNmda, 63);
    let slow = cal.plant.tau_icc_fit();
    cal.fill(Row::IBiasNmda, 959);
    let fast = cal.plant.tau_icc_fit();
    for (((c, s), f), target) in cal.plant.config.iter_mut().zip(&slow).zip(&fast).zip(targets) {
        c.icc_scale = if s < target {
            Scale::Division
        } else if f > target {
            Scale::Multiplication
        } else {
            Scale::Normal
        };
    }
    cal.search(Row::IBiasNmda, Search::noisy(true), targets, &mut |c| c.plant.tau_icc_fit())?;
    Ok(())
}

/// The whole sequence of calix.md §3.2, steps 0 to 16 (COBA, step 9, is refused earlier).
pub fn calibrate(cal: &mut Calibrator<'_>, t: &Targets) -> Result<SequenceReport, CalibError> {
    let n = cal.plant.neurons();
    let mut report = SequenceReport::default();
    // 0: per-neuron settings that need no measurement.
    let refractory = super::refractory::settings(&t.refractory_time, &t.holdoff_time)?;
    cal.warnings.extend(refractory.warnings.iter().cloned());
    for (c, &cap) in cal.plant.config.iter_mut().zip(&t.capacitance) {
        c.capacitance = cap.min(63);
    }
    // 1, 2
    base_config(cal);
    cal.step_done("base configuration");
    // 3
    let tau_syn_codes = [calibrate_tau_syn(cal, 0, &t.tau_syn[0])?, calibrate_tau_syn(cal, 1, &t.tau_syn[1])?];
    let high_resistance: Vec<[bool; 2]> = cal.plant.config.iter().map(|c| c.high_resistance).collect();
    cal.step_done("tau_syn");
    // 4
    calibrate_dac(cal, t.synapse_dac_bias, &mut report)?;
    cal.step_done("synapse_dac_bias");
    // 5
    calibrate_threshold(cal, &t.threshold)?;
    cal.step_done("threshold");
    // 6: prepare the synaptic-input calibration.
    let thresholds = cal.plant.row(Row::VThreshold);
    base_config(cal);
    cal.plant.set_row(Row::VThreshold, &thresholds);
    let leak_120 = vec![120.0; n];
    calibrate_leak(cal, &leak_120)?;
    for s in 0..2 {
        for c in &mut cal.plant.config {
            if let Some(h) = c.high_resistance.get_mut(s) {
                *h = false;
            }
        }
        cal.search(Row::tau(s), Search::noisy(true), &vec![1.5e-6; n], &mut |c| c.plant.tau_syn_fit(s))?;
    }
    calibrate_tau_mem_cadc(cal, 60e-6)?;
    calibrate_leak(cal, &leak_120)?;
    let r0 = cal.plant.rest_read();
    cal.step_done("synaptic input preparation");
    // 7, 8
    match &t.synin {
        Synin::Matching(bias) => {
            let exc = calibrate_strength(cal, 0, *bias, None, &r0)?;
            let matched = Some((exc.target, exc.events));
            report.synin.push(exc);
            report.synin.push(calibrate_strength(cal, 1, *bias, matched, &r0)?);
        }
        Synin::PerInput(biases) => {
            report.synin.push(calibrate_strength(cal, 0, biases[0], None, &r0)?);
            report.synin.push(calibrate_strength(cal, 1, biases[1], None, &r0)?);
        }
        Synin::Uncalibrated(biases) => {
            cal.plant.set_row(Row::IBiasGmExc, &biases[0]);
            cal.plant.set_row(Row::IBiasGmInh, &biases[1]);
        }
    }
    cal.step_done("synaptic strength");
    calibrate_reference(cal, 1, &r0)?;
    calibrate_reference(cal, 0, &r0)?;
    cal.step_done("synaptic reference");
    // 9
    if t.e_coba_reversal.as_ref().is_some_and(|r| r.iter().flatten().any(|v| v.is_finite())) {
        calibrate_coba(cal, t, &mut report)?;
        cal.step_done("coba");
    }
    // 10: the user's tau_syn.
    cal.plant.set_row(Row::IBiasTauExc, &tau_syn_codes[0]);
    cal.plant.set_row(Row::IBiasTauInh, &tau_syn_codes[1]);
    for (c, h) in cal.plant.config.iter_mut().zip(high_resistance) {
        c.high_resistance = h;
    }
    disable_inputs(cal);
    // 11..14
    calibrate_leak(cal, &t.leak)?;
    cal.step_done("leak (provisional)");
    calibrate_tau_mem(cal, &t.tau_mem, &mut report)?;
    cal.step_done("tau_mem");
    calibrate_reset(cal, &t.reset)?;
    cal.step_done("reset");
    calibrate_leak(cal, &t.leak)?;
    cal.step_done("leak");
    // 15
    if let Some(tau_icc) = &t.tau_icc {
        calibrate_tau_icc(cal, tau_icc)?;
        cal.step_done("tau_icc");
    }
    // 16: the neuron as it will run.
    for (i, c) in cal.plant.config.iter_mut().enumerate() {
        c.threshold_enable = true;
        c.synin_enable = [true; 2];
        c.offset_enable = false;
        c.refractory = refractory.refractory.get(i).copied().unwrap_or(2e-6);
        c.holdoff = refractory.holdoff.get(i).copied().unwrap_or(0.0);
    }
    Ok(report)
}
