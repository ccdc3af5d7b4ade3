//! High-level neuron settings (time constants, pulse widths, gain ratios) <-> DynapSim bias
//! currents, reference §3.2-3.4: the `simulate` pass applies these after the population's
//! direct current overrides and before mismatch.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::error::SimError;
use super::params::{DynapSimParams, Param, ParamValue};

/// Mean subthreshold slope factor used by every conversion: `(kappa_n + kappa_p) / 2`.
pub fn kappa(kappa_n: f64, kappa_p: f64) -> f64 {
    (kappa_n + kappa_p) / 2.0
}

/// Time constant (s) -> leakage current (A): `Itau = (Ut/kappa)·C/tau`.
/// The same formula maps a current back to its time constant (it is an involution).
pub fn tau_to_itau(tau: f64, c: f64, ut: f64, kappa: f64) -> f64 {
    (ut / kappa) * c / tau
}

/// Leakage current (A) -> time constant (s): `tau = (Ut/kappa)·C/Itau`.
pub fn itau_to_tau(itau: f64, c: f64, ut: f64, kappa: f64) -> f64 {
    (ut / kappa) * c / itau
}

/// Pulse width (s) -> pulse current (A): `I = Vth·C/t` (no kappa, as in Rockpool's code).
pub fn pulse_width_to_current(t: f64, c: f64, vth: f64) -> f64 {
    (vth * c) / t
}

/// Pulse current (A) -> pulse width (s): `t = Vth·C/I`.
pub fn current_to_pulse_width(i: f64, c: f64, vth: f64) -> f64 {
    (vth * c) / i
}

/// Gain ratio -> gain current: `Igain = r_gain·Itau`.
pub fn gain_current(r_gain: f64, itau: f64) -> f64 {
    r_gain * itau
}

/// Gain current -> gain ratio: `r_gain = Igain/Itau`.
pub fn gain_ratio(igain: f64, itau: f64) -> f64 {
    igain / itau
}

/// High-level settings for a range of neurons; `None` keeps the current as it is.
/// Times in seconds, ratios dimensionless.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HighLevel<'a> {
    /// Membrane time constant -> `Itau_mem` (with `C_mem`).
    pub tau_mem: Option<ParamValue<'a>>,
    /// Synapse time constant -> `Itau_syn` (with `C_syn`).
    pub tau_syn: Option<ParamValue<'a>>,
    /// AHP time constant -> `Itau_ahp` (with `C_ahp`).
    pub tau_ahp: Option<ParamValue<'a>>,
    /// Refractory period -> `Iref` (with `C_ref`).
    pub t_ref: Option<ParamValue<'a>>,
    /// Synapse pulse width -> `Ipulse` (with `C_pulse`).
    pub t_pulse: Option<ParamValue<'a>>,
    /// AHP pulse width -> `Ipulse_ahp` (with `C_pulse_ahp`).
    pub t_pulse_ahp: Option<ParamValue<'a>>,
    /// `Igain_mem / Itau_mem`.
    pub r_gain_mem: Option<ParamValue<'a>>,
    /// `Igain_syn / Itau_syn`.
    pub r_gain_syn: Option<ParamValue<'a>>,
    /// `Igain_ahp / Itau_ahp`.
    pub r_gain_ahp: Option<ParamValue<'a>>,
}

/// The high-level reading of a parameter set, one value per neuron (for `dyn show`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HighLevelValues {
    /// Membrane time constant (s).
    pub tau_mem: Vec<f64>,
    /// Synapse time constant (s).
    pub tau_syn: Vec<f64>,
    /// AHP time constant (s).
    pub tau_ahp: Vec<f64>,
    /// Refractory period (s).
    pub t_ref: Vec<f64>,
    /// Synapse pulse width (s).
    pub t_pulse: Vec<f64>,
    /// AHP pulse width (s).
    pub t_pulse_ahp: Vec<f64>,
    /// Membrane gain ratio.
    pub r_gain_mem: Vec<f64>,
    /// Synapse gain ratio.
    pub r_gain_syn: Vec<f64>,
    /// AHP gain ratio.
    pub r_gain_ahp: Vec<f64>,
}

/// Which current a time setting produces, from which capacitance, by which formula.
#[derive(Clone, Copy)]
enum Kind {
    Tau,
    Pulse,
}

/// Applies `high` to the neurons `range` in Rockpool's construction order (§3.4): first the
/// pulse currents and leakage currents from the times (each neuron's own `C_x`, `Ut`,
/// `kappa`, `Vth`), then every `Igain_x = r_gain_x · Itau_x` with the *new* `Itau_x`.
/// Every value is checked first (times and ratios must be finite and > 0, where Rockpool
/// silently produces "none"); on error nothing is changed.
pub fn apply_high_level(
    params: &mut DynapSimParams,
    range: Range<usize>,
    high: &HighLevel<'_>,
) -> Result<(), SimError> {
    let times = [
        ("t_pulse_ahp", high.t_pulse_ahp, Param::IpulseAhp, Param::CPulseAhp, Kind::Pulse),
        ("t_pulse", high.t_pulse, Param::Ipulse, Param::CPulse, Kind::Pulse),
        ("t_ref", high.t_ref, Param::Iref, Param::CRef, Kind::Pulse),
        ("tau_ahp", high.tau_ahp, Param::ItauAhp, Param::CAhp, Kind::Tau),
        ("tau_syn", high.tau_syn, Param::ItauSyn, Param::CSyn, Kind::Tau),
        ("tau_mem", high.tau_mem, Param::ItauMem, Param::CMem, Kind::Tau),
    ];
    let gains = [
        ("r_gain_ahp", high.r_gain_ahp, Param::IgainAhp, Param::ItauAhp),
        ("r_gain_syn", high.r_gain_syn, Param::IgainSyn, Param::ItauSyn),
        ("r_gain_mem", high.r_gain_mem, Param::IgainMem, Param::ItauMem),
    ];
    let n_neurons = params.n_neurons();
    if range.start > range.end || range.end > n_neurons {
        return Err(SimError::RangeOutOfBounds { start: range.start, end: range.end, n_neurons });
    }
    let named = times.iter().map(|t| (t.0, t.1)).chain(gains.iter().map(|g| (g.0, g.1)));
    for (name, value) in named {
        if let Some(value) = value {
            check_positive(name, value, range.clone())?;
        }
    }
    for (_, value, current, cap, kind) in times {
        if let Some(value) = value {
            set_from_time(params, range.clone(), value, current, cap, kind);
        }
    }
    for (_, value, gain, itau) in gains {
        if let Some(value) = value {
            set_gain(params, range.clone(), value, gain, itau);
        }
    }
    Ok(())
}

/// Reads every neuron's time constants, pulse widths and gain ratios back from its currents.
pub fn read_high_level(params: &DynapSimParams) -> HighLevelValues {
    let n = params.n_neurons();
    let time = |current: Param, cap: Param, kind: Kind| -> Vec<f64> {
        let x = params.values(current);
        (0..n).map(|j| time_of(params, j, x.get(j).copied().unwrap_or(f64::NAN), cap, kind)).collect()
    };
    let ratio = |gain: Param, itau: Param| -> Vec<f64> {
        let (g, t) = (params.values(gain), params.values(itau));
        g.iter().zip(t).map(|(&g, &t)| gain_ratio(g, t)).collect()
    };
    HighLevelValues {
        tau_mem: time(Param::ItauMem, Param::CMem, Kind::Tau),
        tau_syn: time(Param::ItauSyn, Param::CSyn, Kind::Tau),
        tau_ahp: time(Param::ItauAhp, Param::CAhp, Kind::Tau),
        t_ref: time(Param::Iref, Param::CRef, Kind::Pulse),
        t_pulse: time(Param::Ipulse, Param::CPulse, Kind::Pulse),
        t_pulse_ahp: time(Param::IpulseAhp, Param::CPulseAhp, Kind::Pulse),
        r_gain_mem: ratio(Param::IgainMem, Param::ItauMem),
        r_gain_syn: ratio(Param::IgainSyn, Param::ItauSyn),
        r_gain_ahp: ratio(Param::IgainAhp, Param::ItauAhp),
    }
}

/// The value of `value` for the `offset`-th neuron of its range.
fn value_at(value: ParamValue<'_>, offset: usize) -> f64 {
    match value {
        ParamValue::Scalar(x) => x,
        // Length checked against the range in `check_positive` before any use.
        ParamValue::PerNeuron(xs) => xs.get(offset).copied().unwrap_or(f64::NAN),
    }
}

fn check_positive(name: &str, value: ParamValue<'_>, range: Range<usize>) -> Result<(), SimError> {
    if let ParamValue::PerNeuron(xs) = value {
        if xs.len() != range.len() {
            let (expected, found) = (range.len(), xs.len());
            return Err(SimError::LengthMismatch { name: name.to_string(), expected, found });
        }
    }
    for (offset, neuron) in range.enumerate() {
        let x = value_at(value, offset);
        if !(x.is_finite() && x > 0.0) {
            let requirement = "finite and positive";
            let name = name.to_string();
            return Err(SimError::InvalidValue { name, neuron, value: x, requirement });
        }
    }
    Ok(())
}

/// Converts a time (or, read the other way, a current) `x` of neuron `j` with that neuron's
/// own capacitance, `Ut`, `kappa` and `Vth`.
fn time_of(params: &DynapSimParams, j: usize, x: f64, cap: Param, kind: Kind) -> f64 {
    let get = |v: &[f64]| v.get(j).copied().unwrap_or(f64::NAN);
    let c = get(params.values(cap));
    match kind {
        Kind::Tau => {
            let k = kappa(get(&params.kappa_n), get(&params.kappa_p));
            tau_to_itau(x, c, get(&params.ut), k)
        }
        Kind::Pulse => pulse_width_to_current(x, c, get(&params.vth)),
    }
}

fn set_from_time(
    params: &mut DynapSimParams,
    range: Range<usize>,
    value: ParamValue<'_>,
    current: Param,
    cap: Param,
    kind: Kind,
) {
    let new: Vec<f64> =
        range.clone().enumerate().map(|(offset, j)| time_of(params, j, value_at(value, offset), cap, kind)).collect();
    if let Some(target) = params.values_mut(current).get_mut(range) {
        target.copy_from_slice(&new);
    }
}

fn set_gain(params: &mut DynapSimParams, range: Range<usize>, value: ParamValue<'_>, gain: Param, itau: Param) {
    let itaus = params.values(itau).to_vec();
    let gains = params.values_mut(gain);
    for (offset, j) in range.enumerate() {
        if let (Some(g), Some(&t)) = (gains.get_mut(j), itaus.get(j)) {
            *g = gain_current(value_at(value, offset), t);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        ((a - b) / b).abs() < rel
    }

    #[test]
    fn worked_numbers_of_section_3_4() {
        let k = kappa(0.75, 0.66);
        assert!(close(0.025 / k, 0.0354610, 1e-6));
        let itau_mem = tau_to_itau(20e-3, 3e-12, 0.025, k);
        assert!(close(itau_mem, 5.319149e-12, 1e-6));
        assert!(close(gain_current(4.0, itau_mem), 2.127660e-11, 1e-6));
        assert!(close(pulse_width_to_current(1e-3, 1.5e-12, 0.7), 1.05e-9, 1e-12));
        assert!(close(tau_to_itau(10e-3, 24.5e-12, 0.025, k), 8.687943e-11, 1e-6));
        assert!(close(tau_to_itau(50e-3, 40e-12, 0.025, k), 2.836879e-11, 1e-6));
        assert!(close(pulse_width_to_current(10e-6, 0.5e-12, 0.7), 3.5e-8, 1e-12));
        assert!(close(itau_to_tau(itau_mem, 3e-12, 0.025, k), 20e-3, 1e-12));
        assert!(close(current_to_pulse_width(1.05e-9, 1.5e-12, 0.7), 1e-3, 1e-12));
    }

    #[test]
    fn defaults_read_back_as_the_high_level_defaults() {
        let hl = read_high_level(&DynapSimParams::defaults(2));
        for (got, want) in [
            (hl.tau_mem[1], 20e-3),
            (hl.tau_syn[0], 10e-3),
            (hl.tau_ahp[0], 50e-3),
            (hl.t_ref[0], 1e-3),
            (hl.t_pulse[0], 10e-6),
            (hl.t_pulse_ahp[0], 1e-6),
            (hl.r_gain_mem[0], 4.0),
            (hl.r_gain_syn[0], 100.0),
            (hl.r_gain_ahp[0], 1.0),
        ] {
            assert!(close(got, want, 1e-12), "{got} vs {want}");
        }
    }

    #[test]
    fn gains_use_the_new_leakage_current() {
        let mut p = DynapSimParams::defaults(3);
        let high = HighLevel {
            tau_mem: Some(ParamValue::PerNeuron(&[10e-3, 40e-3])),
            r_gain_mem: Some(ParamValue::Scalar(2.0)),
            t_ref: Some(ParamValue::Scalar(2e-3)),
            ..HighLevel::default()
        };
        apply_high_level(&mut p, 1..3, &high).unwrap();
        let itau10 = 0.025 / 0.705 * 3e-12 / 10e-3;
        assert!(close(p.itau_mem[1], itau10, 1e-12));
        assert!(close(p.itau_mem[2], itau10 / 4.0, 1e-12));
        assert!(close(p.igain_mem[1], 2.0 * itau10, 1e-12));
        assert!(close(p.iref[2], 0.525e-9, 1e-12));
        // neuron 0 untouched
        assert_eq!(p.itau_mem[0], DynapSimParams::defaults(1).itau_mem[0]);
        assert_eq!(p.igain_mem[0], DynapSimParams::defaults(1).igain_mem[0]);
    }

    #[test]
    fn uses_each_neurons_own_capacitance() {
        let mut p = DynapSimParams::defaults(2);
        p.c_syn[1] = 49e-12;
        let high = HighLevel { tau_syn: Some(ParamValue::Scalar(10e-3)), ..HighLevel::default() };
        apply_high_level(&mut p, 0..2, &high).unwrap();
        assert!(close(p.itau_syn[1], 2.0 * p.itau_syn[0], 1e-12));
    }

    #[test]
    fn non_positive_times_are_errors_and_change_nothing() {
        let mut p = DynapSimParams::defaults(3);
        let before = p.clone();
        let high = HighLevel {
            tau_mem: Some(ParamValue::Scalar(20e-3)),
            tau_syn: Some(ParamValue::PerNeuron(&[1e-3, 0.0])),
            ..HighLevel::default()
        };
        let err = apply_high_level(&mut p, 1..3, &high).unwrap_err();
        assert!(matches!(err, SimError::InvalidValue { neuron: 2, ref name, .. } if name == "tau_syn"));
        assert_eq!(p, before);
        let neg = HighLevel { t_ref: Some(ParamValue::Scalar(-1e-3)), ..HighLevel::default() };
        assert!(apply_high_level(&mut p, 0..1, &neg).is_err());
        let short = HighLevel { t_ref: Some(ParamValue::PerNeuron(&[1e-3])), ..HighLevel::default() };
        assert!(matches!(
            apply_high_level(&mut p, 0..2, &short),
            Err(SimError::LengthMismatch { expected: 2, found: 1, .. })
        ));
        assert!(matches!(apply_high_level(&mut p, 2..4, &neg), Err(SimError::RangeOutOfBounds { .. })));
    }
}
