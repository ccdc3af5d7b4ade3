//! The `calibrate` pass: calix's neuron calibration of a simulated BrainScaleS-2 chip.

use super::{not_built, Ctx, Ir};
use crate::diagnostics::Diagnostics;
use crate::model::Step;

/// Runs the step; returns its figures for summary.json.
pub fn apply(step: &Step, _ir: &mut Ir, _ctx: &Ctx) -> Result<serde_json::Value, Diagnostics> {
    Err(not_built(step, "calibrate"))
}
