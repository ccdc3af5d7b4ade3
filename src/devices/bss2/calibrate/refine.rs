//! `refine_potentials` (calix.md §3.6): CapMem crosstalk moves potentials calibrated early, so
//! threshold, reset and leak are calibrated again at the end, in that order, with the
//! threshold comparator off for reset and leak and on again afterwards.

use super::context::{CalibError, Calibrator};
use super::neuron::{calibrate_leak, calibrate_reset, calibrate_threshold};
use super::targets::Targets;

pub fn refine_potentials(cal: &mut Calibrator<'_>, t: &Targets) -> Result<(), CalibError> {
    let saved: Vec<([bool; 2], bool)> = cal.plant.config.iter().map(|c| (c.synin_enable, c.threshold_enable)).collect();
    calibrate_threshold(cal, &t.threshold)?;
    for c in &mut cal.plant.config {
        c.threshold_enable = false;
        c.synin_enable = [false; 2];
    }
    calibrate_reset(cal, &t.reset)?;
    calibrate_leak(cal, &t.leak)?;
    for (c, (synin, threshold)) in cal.plant.config.iter_mut().zip(saved) {
        c.synin_enable = synin;
        c.threshold_enable = threshold;
    }
    cal.step_done("refine potentials");
    Ok(())
}
