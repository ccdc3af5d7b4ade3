//! Outputs of `calibrate` and `export calibration` / `export config` on a bss2 device:
//! calibration.json, `.npy` arrays per target and per CapMem parameter, calibration.svg.

use ndarray::Array1;
use serde_json::json;

use super::{output_error, Ctx, Ir};
use crate::devices::bss2::calibrate::report::Tolerance;
use crate::devices::bss2::calibrate::Calibration;
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::Step;
use crate::output::svg::{calibration_svg, TargetHistogram};
use crate::output::{json as out_json, names, npy};

fn tolerance(t: Tolerance) -> serde_json::Value {
    match t {
        Tolerance::Absolute(a) => json!({ "absolute": a }),
        Tolerance::Relative(r) => json!({ "relative": r }),
        Tolerance::Rate => json!({ "absolute": 8e3, "relative": 0.08 }),
    }
}

/// calibration.json (DESIGN.md §4), plus residuals, tolerances, range-end hits and the
/// refractory settings.
pub fn calibration_json(cal: &Calibration) -> serde_json::Value {
    let mut targets = serde_json::Map::new();
    for t in &cal.targets {
        targets.insert(
            t.name.to_string(),
            json!({
                "unit": t.unit,
                "target": t.target,
                "before": t.before,
                "achieved": t.achieved,
                "residual": t.residual(),
                "tolerance": tolerance(t.tolerance),
                "missed": t.missed(),
            }),
        );
    }
    let warnings: Vec<String> = cal
        .missed
        .iter()
        .map(|(name, n)| format!("{} neurons miss `{name}`: {n:?}", n.len()))
        .chain(cal.warnings.iter().cloned())
        .collect();
    json!({
        "neurons": cal.plant.neurons(),
        "targets": targets,
        "codes": cal.codes(),
        "success": cal.success,
        "missed": cal.missed,
        "at_boundary": cal.at_boundary,
        "refractory": {
            "time": cal.refractory.refractory,
            "holdoff": cal.refractory.holdoff,
            "fast_scaler": cal.refractory.fast_scaler,
            "slow_scaler": cal.refractory.slow_scaler,
        },
        "synapse_dac": {
            "codes": cal.plant.dac,
            "line_drop": cal.sequence.dac_drop,
            "target": cal.sequence.dac_target,
            "rows": cal.sequence.dac_rows,
        },
        "tau_mem_method": cal.sequence.tau_mem_method,
        "steps": cal.steps.iter().map(|(s, m)| json!({ "step": s, "measurements": m })).collect::<Vec<_>>(),
        "measurements": cal.measurements,
        "hardware_seconds": cal.hardware_time,
        "warnings": warnings,
    })
}

/// The chip configuration: codes and switches per neuron, DAC per quadrant.
pub fn config_json(cal: &Calibration) -> serde_json::Value {
    json!({
        "device": "bss2",
        "neurons": cal.plant.neurons(),
        "codes": cal.codes(),
        "synapse_dac_bias": cal.plant.dac,
        "refractory": { "fast_scaler": cal.refractory.fast_scaler, "slow_scaler": cal.refractory.slow_scaler },
    })
}

/// Writes calibration.json, the arrays and (with plots) calibration.svg.
pub fn write_outputs(step: &Step, ir: &mut Ir, ctx: &Ctx, cal: &Calibration) -> Result<(), Diagnostics> {
    let err = |e: &dyn std::fmt::Display| output_error(e, step.span);
    out_json::write_json(&mut ir.stage, names::CALIBRATION, &calibration_json(cal)).map_err(|e| err(&e))?;
    for t in &cal.targets {
        for (kind, values) in [
            ("target", t.target.clone()),
            ("before", t.before.clone()),
            ("achieved", t.achieved.clone()),
            ("residual", t.residual()),
        ] {
            let path = crate::output::dotted_file(kind, t.name, "npy");
            npy::write_f64(&mut ir.stage, &path, &Array1::from(values)).map_err(|e| err(&e))?;
        }
    }
    for (name, values) in cal.codes() {
        let path = crate::output::dotted_file("codes", name, "npy");
        npy::write_f64(&mut ir.stage, &path, &Array1::from(values)).map_err(|e| err(&e))?;
    }
    let success: Array1<u8> = cal.success.iter().map(|&s| u8::from(s)).collect();
    npy::write_u8(&mut ir.stage, names::SUCCESS, &success).map_err(|e| err(&e))?;
    if ctx.plots {
        let panels: Vec<TargetHistogram<'_>> = cal
            .targets
            .iter()
            .map(|t| TargetHistogram {
                name: t.name,
                unit: t.unit,
                target: &t.target,
                before: &t.before,
                achieved: &t.achieved,
            })
            .collect();
        let svg = calibration_svg(&panels).map_err(|e| err(&e))?;
        ir.stage.write(names::CALIBRATION_SVG, svg.as_bytes()).map_err(|e| err(&e))?;
    }
    Ok(())
}

fn stats(values: &[f64]) -> (f64, f64) {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    (mean, (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt())
}

/// Figures for summary.json.
pub fn figures(cal: &Calibration) -> serde_json::Value {
    let mut targets = serde_json::Map::new();
    for t in &cal.targets {
        // Over the neurons that have this target (leak over threshold replaces the threshold).
        let has = |v: &[f64]| -> Vec<f64> {
            v.iter().zip(&t.target).filter(|(_, t)| t.is_finite()).map(|(x, _)| *x).collect()
        };
        let (mean, sd) = stats(&has(&t.achieved));
        let (_, sd_before) = stats(&has(&t.before));
        let residual = has(&t.residual());
        let rms = (residual.iter().map(|r| r * r).sum::<f64>() / residual.len().max(1) as f64).sqrt();
        targets.insert(
            t.name.to_string(),
            json!({
                "unit": t.unit,
                "neurons": residual.len(),
                "mean": mean,
                "sd_before": sd_before,
                "sd_after": sd,
                "rms_residual": rms,
                "missed": t.missed().len(),
            }),
        );
    }
    json!({
        "neurons": cal.plant.neurons(),
        "succeeded": cal.success.iter().filter(|s| **s).count(),
        "targets": targets,
        "measurements": cal.measurements,
        "hardware_seconds": cal.hardware_time,
    })
}

fn nothing(step: &Step) -> Diagnostics {
    Diag::error(&codes::RUN_FAILED, "there is no calibration to export")
        .label(step.span, "this export")
        .help("put `calibrate with C` before the export")
        .into()
}

/// `export calibration to PATH`.
pub fn export_calibration(step: &Step, ir: &mut Ir, path: &str) -> Result<serde_json::Value, Diagnostics> {
    let json = ir.bss2.as_ref().map(calibration_json).ok_or_else(|| nothing(step))?;
    out_json::write_json(&mut ir.stage, path, &json).map_err(|e| output_error(e, step.span))?;
    Ok(json!({ "file": path }))
}

/// `export config to PATH` on a bss2 device.
pub fn export_config(step: &Step, ir: &mut Ir, path: &str) -> Result<serde_json::Value, Diagnostics> {
    let json = ir.bss2.as_ref().map(config_json).ok_or_else(|| nothing(step))?;
    out_json::write_json(&mut ir.stage, path, &json).map_err(|e| output_error(e, step.span))?;
    Ok(json!({ "file": path }))
}
