//! The `export` pass: writes a spec, a hardware configuration, weights or a calibration to a
//! file. What each export means depends on the device family, so this file only dispatches.

use super::{Ctx, Ir};
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::{DeviceKind, ExportKind, Step, StepPlan};

/// Runs the step; returns its figures for summary.json.
pub fn apply(step: &Step, ir: &mut Ir, ctx: &Ctx) -> Result<serde_json::Value, Diagnostics> {
    let StepPlan::Export { what, path } = &step.plan else {
        return Ok(serde_json::json!({}));
    };
    match (ctx.device.kind, what) {
        (DeviceKind::Crossbar, ExportKind::Config) => super::crossbar_export::export_config(step, ir, ctx, path),
        (DeviceKind::Crossbar, ExportKind::Weights) => super::crossbar_export::export_weights(step, ir, path),
        (DeviceKind::Dynapse2, ExportKind::Spec) => super::deploy_export::export_spec(step, ir, path),
        (DeviceKind::Dynapse2, ExportKind::Config) => super::deploy_export::export_config(step, ir, ctx, path),
        (DeviceKind::Dynapse2, ExportKind::Weights) => super::deploy_export::export_weights(step, ir, path),
        (DeviceKind::Bss2, ExportKind::Calibration) => super::calibration_export::export_calibration(step, ir, path),
        (DeviceKind::Bss2, ExportKind::Config) => super::calibration_export::export_config(step, ir, path),
        (kind, _) => Err(Diag::error(
            &codes::RUN_FAILED,
            format!("a {} device has nothing to export as `{}`", kind.name(), export_name(*what)),
        )
        .label(step.span, "this export")
        .help("dynapse2 exports spec, config and weights; bss2 calibration and config; crossbar config and weights")
        .into()),
    }
}

fn export_name(what: ExportKind) -> &'static str {
    match what {
        ExportKind::Config => "config",
        ExportKind::Spec => "spec",
        ExportKind::Weights => "weights",
        ExportKind::Calibration => "calibration",
    }
}
