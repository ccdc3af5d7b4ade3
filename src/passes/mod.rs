//! The passes of `dyn run`, in pipeline order. Each pass is one file exposing `apply`, which
//! reads the experiment's intermediate results ([`Ir`]), adds its own, stages its output files
//! and returns a [`Report`] for summary.json.

pub mod calibrate;
// bss2: calibration outputs
pub mod calibration_export;
// dynapse2: spec, config and weights exports
pub mod deploy_export;
pub mod deployed;
pub mod export;
pub mod layout;
pub mod map;
pub mod neurons;
pub mod quantize;
pub mod simulate;
pub mod train;
// crossbar: tile settings and exports
pub mod crossbar_export;
pub mod crossbar_tile;

use std::time::Instant;

use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::{Checked, Device, Experiment, Step, StepPlan};
use crate::output::{OutputStage, ProgressPolicy};

/// What every pass may read.
pub struct Ctx<'a> {
    pub checked: &'a Checked,
    pub device: &'a Device,
    pub experiment: &'a Experiment,
    pub progress: ProgressPolicy,
    /// Whether to draw SVG pictures.
    pub plots: bool,
}

/// Results passed from step to step within one experiment.
pub struct Ir {
    /// Where every output file goes until the experiment succeeds.
    pub stage: OutputStage,
    /// Warnings for summary.json (and stderr).
    pub warnings: Vec<Diag>,
    /// crossbar: the trained network of the last `train` step.
    pub crossbar: Option<train::Trained>,
    /// bss2: the calibrated chip of the last `calibrate` step.
    pub bss2: Option<crate::devices::bss2::calibrate::Calibration>,
    /// dynapse2: the deployment of the last `map` (quantization filled by `quantize`).
    pub deploy: Option<crate::devices::dynapse2::deploy::Deployment>,
}

/// What one pass did, for summary.json.
#[derive(Debug, Clone)]
pub struct Report {
    pub pass: &'static str,
    pub seconds: f64,
    /// Pass-specific figures (counts, losses, residuals).
    pub figures: serde_json::Value,
}

/// Runs one step.
pub fn apply(step: &Step, ir: &mut Ir, ctx: &Ctx) -> Result<Report, Diagnostics> {
    let started = Instant::now();
    let (pass, figures) = match &step.plan {
        StepPlan::Map { .. } => ("map", map::apply(step, ir, ctx)?),
        StepPlan::Quantize { .. } => ("quantize", quantize::apply(step, ir, ctx)?),
        StepPlan::Calibrate { .. } => ("calibrate", calibrate::apply(step, ir, ctx)?),
        StepPlan::Train { .. } => ("train", train::apply(step, ir, ctx)?),
        StepPlan::Simulate { .. } => ("simulate", simulate::apply(step, ir, ctx)?),
        StepPlan::Export { .. } => ("export", export::apply(step, ir, ctx)?),
    };
    Ok(Report { pass, seconds: started.elapsed().as_secs_f64(), figures })
}

/// The error of a step whose pass this build does not contain yet.
pub fn not_built(step: &Step, name: &str) -> Diagnostics {
    Diag::error(&codes::RUN_FAILED, format!("the `{name}` pass is not part of this build"))
        .label(step.span, "this step")
        .help("this version of dyn checks the step but cannot run it yet")
        .into()
}

/// A diagnostic for a failure to write an output file.
pub fn output_error(error: impl std::fmt::Display, span: crate::syntax::span::Span) -> Diagnostics {
    Diag::error(&codes::RUN_OUTPUT, format!("cannot write the results: {error}"))
        .label(span, "while running this step")
        .help("check that the output folder (-o) is writable and has free space")
        .into()
}
