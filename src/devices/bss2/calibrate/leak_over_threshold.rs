//! `calibrate_leak_over_threshold` (calix.md §3.5): with no input, each neuron fires regularly
//! at its rate because its resting potential lies above its threshold. Only `v_threshold`
//! changes; a rate of 0 leaves that neuron's threshold exactly as it was.

use super::context::{CalibError, Calibrator};
use super::neuron::calibrate_threshold;
use super::search::Search;
use crate::devices::bss2::plant::config::Row;

/// Counts below this (20 % of the 8-bit counter's 80 % fill) are imprecise: calix warns.
pub const LOW_COUNT: f64 = 20.4;

/// The counter window for the largest rate: the fastest neuron fills 80 % of the counter.
pub fn window(rates: &[f64]) -> f64 {
    let r_max = rates.iter().copied().fold(0.0, f64::max);
    (0.8f64 * 255.0).floor() / r_max
}

pub fn calibrate_leak_over_threshold(cal: &mut Calibrator<'_>, rates: &[f64]) -> Result<(), CalibError> {
    if rates.iter().any(|r| *r < 0.0 || !r.is_finite()) || rates.iter().all(|r| *r == 0.0) {
        return Err(CalibError::Invalid("leak-over-threshold rates must be non-negative and not all zero".into()));
    }
    let r_max = rates.iter().copied().fold(0.0, f64::max);
    let a = window(rates);
    // Rate 0: calibrated to the maximum rate internally, then not copied back.
    let targets: Vec<f64> = rates.iter().map(|&r| if r > 0.0 { r * a } else { r_max * a }).collect();
    let low = targets.iter().filter(|t| **t < LOW_COUNT).count();
    if low > 0 {
        cal.warnings.push(format!(
            "{low} neurons aim at fewer than {LOW_COUNT} spikes in the counter window: the requested rates span \
             more than 10x; calibrate the slow neurons in a second run"
        ));
    }
    let before = cal.plant.row(Row::VThreshold);
    let saved = cal.plant.config.clone();
    for c in &mut cal.plant.config {
        c.threshold_enable = false;
        c.synin_enable = [false; 2];
    }
    // Floor: thresholds below the reset potential give no spikes at all (a backend bug) and
    // would fool the search, so find the codes where the threshold meets the reset read.
    let reset_reads = cal.plant.reset_read();
    let floor = calibrate_threshold(cal, &reset_reads)?;
    for (c, s) in cal.plant.config.iter_mut().zip(&saved) {
        c.synin_enable = s.synin_enable;
        c.threshold_enable = true;
    }
    let outcome = cal.search(Row::VThreshold, Search::noisy(true), &targets, &mut |c| {
        let codes = c.plant.row(Row::VThreshold);
        let counts = c.plant.spike_counts(a);
        counts
            .iter()
            .zip(codes.iter().zip(&floor))
            .map(|(&n, (&code, &f))| if code < f { 65025.0 } else { n })
            .collect()
    })?;
    let codes: Vec<i32> = outcome
        .codes
        .iter()
        .zip(&before)
        .zip(rates)
        .map(|((&new, &old), &r)| if r > 0.0 { new } else { old })
        .collect();
    for (c, s) in cal.plant.config.iter_mut().zip(saved) {
        *c = s;
    }
    cal.plant.set_row(Row::VThreshold, &codes);
    cal.step_done("leak over threshold");
    Ok(())
}
