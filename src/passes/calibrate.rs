//! The `calibrate` pass: calix's neuron calibration of a simulated BrainScaleS-2 chip
//! (devices::bss2), then optional refinement and leak over threshold (step options). Writes
//! calibration.json, per-neuron .npy arrays and calibration.svg through the stage; every neuron
//! that misses a target is named in a warning.

use serde_json::json;

use super::{calibration_export, Ctx, Ir};
use crate::check::calibration::pair_values;
use crate::check::settings::Settings;
use crate::check::value::Value;
use crate::devices::bss2::calibrate::targets::{Options, Synin, Targets};
use crate::devices::bss2::calibrate::{self as bss2cal, Calibration};
use crate::devices::bss2::plant::PlantParams;
use crate::diagnostics::{codes, Diag, Diagnostics};
use crate::model::{Step, StepPlan};

/// Runs the step; returns its figures for summary.json.
pub fn apply(step: &Step, ir: &mut Ir, ctx: &Ctx) -> Result<serde_json::Value, Diagnostics> {
    let StepPlan::Calibrate { calibration, targets, options } = &step.plan else {
        return Ok(json!({}));
    };
    let params = plant_params(&ctx.device.settings, options);
    let n = params.neurons;
    let t = targets_from(targets, n);
    let opts = options_from(options, n);
    let progress = ctx.progress.start(&format!("calibrate with {calibration}"), 1);
    let result = bss2cal::run(params, &t, &opts);
    progress.finish();
    let cal = result.map_err(|e| {
        Diagnostics::from(
            Diag::error(&codes::RUN_FAILED, format!("the calibration cannot complete: {e}"))
                .label(step.span, "this calibration")
                .help(e.help()),
        )
    })?;
    for warning in warnings(&cal, step) {
        ir.warnings.push(warning);
    }
    calibration_export::write_outputs(step, ir, ctx, &cal)?;
    let figures = calibration_export::figures(&cal);
    ir.bss2 = Some(cal);
    Ok(figures)
}

/// The device's plant; the step's `seed` drives search noise and read noise.
pub fn plant_params(device: &Settings, options: &Settings) -> PlantParams {
    let d = PlantParams::default();
    let num = |name: &str, default: f64| device.number(name).unwrap_or(default);
    PlantParams {
        seed: device.int("seed").map_or(0, |s| s.unsigned_abs()),
        noise_seed: options.int("seed").map_or(0, |s| s.unsigned_abs()),
        neurons: device.count("neurons").unwrap_or(d.neurons).clamp(1, d.neurons),
        vlsb: num("vlsb", d.vlsb),
        crosstalk: device.flag("crosstalk").unwrap_or(false),
        k_same: num("k_same", d.k_same),
        k_block: num("k_block", d.k_block),
        readout_noise: num("readout_noise", d.readout_noise),
        channel_offset: num("channel_offset", d.channel_offset),
        speedup: num("speedup", d.speedup),
        sigma_offset: num("mismatch_offset", d.sigma_offset),
        sigma_gain: num("mismatch_gain", d.sigma_gain),
        sigma_conductance: num("mismatch_conductance", d.sigma_conductance),
        sigma_tau_syn: num("mismatch_tau_syn", d.sigma_tau_syn),
        sigma_dac: num("mismatch_dac", d.sigma_dac),
        sigma_synin_offset: num("synin_offset", d.sigma_synin_offset),
        fit_noise: num("fit_noise", d.fit_noise),
        membrane_noise: num("membrane_noise", d.membrane_noise),
    }
}

/// A field as one value per neuron (a scalar broadcast), or None when absent.
fn per_neuron(settings: &Settings, name: &str, n: usize) -> Option<Vec<f64>> {
    match settings.value(name)? {
        Value::Number(x) => Some(vec![x.value; n]),
        Value::Array(a) if a.data.len() == n => Some(a.data.iter().copied().collect()),
        Value::Array(a) if a.data.len() == 1 => Some(vec![a.data.iter().next().copied().unwrap_or(0.0); n]),
        _ => None,
    }
}

fn code(x: f64) -> i32 {
    x.round().clamp(0.0, 1022.0) as i32
}

/// The checked targets (potentials already in CADC) as per-neuron numbers.
pub fn targets_from(s: &Settings, n: usize) -> Targets {
    let d = Targets::defaults(n);
    let synin = match s.value("i_synin_gm") {
        Some(Value::Number(x)) => Synin::Matching(code(x.value)),
        Some(Value::Array(a)) if a.data.shape() == [2] => {
            let v: Vec<f64> = a.data.iter().copied().collect();
            Synin::PerInput([code(v.first().copied().unwrap_or(500.0)), code(v.get(1).copied().unwrap_or(500.0))])
        }
        Some(_) => match pair_values(s, "i_synin_gm", n) {
            Some([e, i]) => Synin::Uncalibrated([e.into_iter().map(code).collect(), i.into_iter().map(code).collect()]),
            None => d.synin.clone(),
        },
        None => d.synin.clone(),
    };
    Targets {
        leak: per_neuron(s, "leak", n).unwrap_or(d.leak),
        reset: per_neuron(s, "reset", n).unwrap_or(d.reset),
        threshold: per_neuron(s, "threshold", n).unwrap_or(d.threshold),
        tau_mem: per_neuron(s, "tau_mem", n).unwrap_or(d.tau_mem),
        tau_syn: pair_values(s, "tau_syn", n).unwrap_or(d.tau_syn),
        synin,
        e_coba_reversal: pair_values(s, "e_coba_reversal", n),
        e_coba_reference: pair_values(s, "e_coba_reference", n),
        capacitance: per_neuron(s, "membrane_capacitance", n)
            .map_or(d.capacitance, |v| v.into_iter().map(|c| c.round().clamp(0.0, 63.0) as u8).collect()),
        refractory_time: per_neuron(s, "refractory_time", n).unwrap_or(d.refractory_time),
        holdoff_time: per_neuron(s, "holdoff_time", n).unwrap_or(d.holdoff_time),
        synapse_dac_bias: s.number("synapse_dac_bias").map_or(d.synapse_dac_bias, code),
        tau_icc: per_neuron(s, "tau_icc", n),
    }
}

pub fn options_from(s: &Settings, n: usize) -> Options {
    Options {
        seed: s.int("seed").map_or(0, |x| x.unsigned_abs()),
        refine_potentials: s.flag("refine_potentials").unwrap_or(false),
        leak_over_threshold_rate: per_neuron(s, "leak_over_threshold_rate", n),
    }
}

/// Names at most this many neurons in a warning.
const NAMED: usize = 12;

fn list(neurons: &[usize]) -> String {
    let mut s: Vec<String> = neurons.iter().take(NAMED).map(ToString::to_string).collect();
    if neurons.len() > NAMED {
        s.push(format!("... ({} in all)", neurons.len()));
    }
    s.join(", ")
}

/// A warning per missed target naming the neurons; the calibration's own warnings.
fn warnings(cal: &Calibration, step: &Step) -> Vec<Diag> {
    let mut out = Vec::new();
    for (name, neurons) in &cal.missed {
        let tolerance = cal.targets.iter().find(|t| t.name == *name).map_or_else(
            || "2 CADC LSB".to_string(),
            |t| match t.tolerance {
                bss2cal::report::Tolerance::Absolute(a) => format!("{a} {}", t.unit),
                bss2cal::report::Tolerance::Relative(r) => format!("{} %", r * 100.0),
                bss2cal::report::Tolerance::Rate => "8 kHz + 8 %".to_string(),
            },
        );
        out.push(
            Diag::warning(
                &codes::CALIBRATION_UNREACHED,
                format!(
                    "{} {} `{name}` by more than {tolerance}: {}",
                    neurons.len(),
                    if neurons.len() == 1 { "neuron misses" } else { "neurons miss" },
                    list(neurons)
                ),
            )
            .label(step.span, "calibrated here")
            .help("calibration.json lists each neuron's target, achieved value, residual and success flag"),
        );
    }
    for w in &cal.warnings {
        out.push(
            Diag::warning(&codes::CALIBRATION_FEASIBLE, w.clone())
                .label(step.span, "calibrated here")
                .help("expect a poorer calibration for these neurons"),
        );
    }
    out
}
