//! Pulse-response curves of every device model and preset, replayed against aihwkit 1.2.0
//! (tests/data/crossbar/pulse, reduced from shared/reference/vectors/aihwkit/pulse).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod crossbar_common;

use crossbar_common::{device_from_dump, load};
use dynlang::devices::crossbar::device::array::DeviceArray;
use dynlang::devices::crossbar::device::{pulse, Hidden, Model};
use dynlang::devices::crossbar::rng::{stream, Purpose};
use serde_json::Value;

const FILES: &[&str] = &[
    "pulse_constantstep_default",
    "pulse_linearstep_gamma",
    "pulse_softbounds_default",
    "pulse_expstep_default",
    "pulse_powstep_default",
    "pulse_piecewisestep_5nodes",
    "pulse_preset_reram_es",
    "pulse_preset_reram_sb",
    "pulse_preset_capacitor",
    "pulse_preset_ecram",
    "pulse_preset_idealized",
    "pulse_preset_gokmen_vlasov",
];

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// Runs `n_up` up then `n_down` down pulses on one device; returns the trace (index 0 = start).
fn trace(spec: &dynlang::devices::crossbar::device::DeviceSpec, h: &Hidden, n_up: usize, n_down: usize) -> Vec<f64> {
    let mut rng = stream(1, 0, Purpose::Pulse);
    let mut w = 0.0;
    let mut out = vec![w];
    for k in 0..n_up + n_down {
        w = pulse(spec, h, w, k < n_up, &mut rng);
        out.push(w);
    }
    out
}

/// aihwkit accumulates in float32: each pulse may round by half an ulp of |w| (2⁻²⁴·|w|), so N
/// pulses may drift by N·2⁻²⁴·max|w|; on top, 1% of a step for the f32 step sizes themselves.
fn f32_tolerance(trace: &[f64], dw_min: f64) -> f64 {
    let top = trace.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    0.01 * dw_min + trace.len() as f64 * top * 2f64.powi(-24)
}

fn hidden_of(hp: &Value, k: Option<usize>, model: &Model) -> Hidden {
    let get = |name: &str| -> f64 {
        match (hp.get(name), k) {
            (Some(Value::Array(a)), Some(k)) => a[k].as_f64().unwrap(),
            (Some(v), None) => v.as_f64().unwrap(),
            _ => 0.0,
        }
    };
    let (su, sd) = match model {
        Model::PowStep(_) => (get("gamma_up"), get("gamma_down")),
        _ => (get("slope_up"), get("slope_down")),
    };
    Hidden {
        max_bound: get("max_bound"),
        min_bound: get("min_bound"),
        dw_up: get("dwmin_up"),
        dw_down: get("dwmin_down"),
        slope_up: su,
        slope_down: sd,
        reference: get("reference"),
        decay: 1.0,
        diffusion: 0.0,
        reset_bias: get("reset_bias"),
    }
}

/// Without any variation the trace is deterministic: it must follow aihwkit's pulse by pulse.
#[test]
fn ideal_traces_follow_aihwkit() {
    for name in FILES {
        let data = load(&format!("pulse/{name}.json"));
        let ideal = &data["outputs"]["ideal"];
        let spec = device_from_dump(&ideal["device"]);
        let h = hidden_of(&ideal["hidden_parameters"], None, &spec.model);
        let want = floats(&ideal["trace"]);
        let n_up = data["inputs"]["n_up"].as_u64().unwrap() as usize;
        let got = trace(&spec, &h, n_up, want.len() - 1 - n_up);
        let worst = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
        assert!(worst < f32_tolerance(&want, spec.common.dw_min), "{name}: worst deviation {worst}");
    }
}

/// With d2d variation only, each traced device is deterministic given its recorded hidden
/// parameters.
#[test]
fn d2d_traces_follow_recorded_hidden_parameters() {
    for name in FILES {
        let data = load(&format!("pulse/{name}.json"));
        let run = &data["outputs"]["d2d_only"];
        let spec = device_from_dump(&run["device"]);
        let n_up = data["inputs"]["n_up"].as_u64().unwrap() as usize;
        for (k, want) in run["traces"].as_array().unwrap().iter().enumerate() {
            let want = floats(want);
            let h = hidden_of(&run["hidden_parameters_of_traced_devices"], Some(k), &spec.model);
            let got = trace(&spec, &h, n_up, want.len() - 1 - n_up);
            let worst = got.iter().zip(&want).map(|(g, w)| (g - w).abs()).fold(0.0, f64::max);
            assert!(worst < f32_tolerance(&want, spec.common.dw_min), "{name} device {k}: worst deviation {worst}");
        }
    }
}

/// Our own seeded population of 64×64 devices: the mean response over devices after every pulse
/// lies within 2% (of the curve's largest magnitude) of aihwkit's, for d2d-only and for the full
/// model (d2d + c2c + write noise). The two populations share no draws (aihwkit's construction
/// stream is C++'s default engine), so this is a statistical comparison.
#[test]
fn population_means_within_two_percent() {
    let mut report = Vec::new();
    for name in FILES {
        let data = load(&format!("pulse/{name}.json"));
        let (rows, cols) = (64, 64);
        let n_up = data["inputs"]["n_up"].as_u64().unwrap() as usize;
        for run_name in ["d2d_only", "full"] {
            let run = &data["outputs"][run_name];
            let spec = device_from_dump(&run["device"]);
            // With write noise, compare the hidden persistent weight: the visible one only adds
            // zero-mean read noise (std write_noise_std·dw_min per device) on both sides.
            let persistent = run.get("persistent_mean").is_some();
            let want = floats(if persistent { &run["persistent_mean"] } else { &run["mean"] });
            let mut construction = stream(11, 0, Purpose::Construction);
            let mut rng = stream(11, 0, Purpose::Pulse);
            let mut array = DeviceArray::new(spec, rows, cols, &mut construction);
            array.set_weights(&vec![0.0; rows * cols], &mut rng);
            let scale = want.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            let mut worst = 0.0_f64;
            for (step, w) in want.iter().enumerate() {
                if step > 0 {
                    for k in 0..rows * cols {
                        array.pulse(k, step <= n_up, &mut rng);
                    }
                }
                let weights = if persistent { array.persistent() } else { array.weights() };
                let mean = weights.iter().sum::<f64>() / (rows * cols) as f64;
                worst = worst.max((mean - w).abs() / scale);
            }
            report.push(format!("{name}/{run_name}: {worst:.4}"));
            assert!(worst < 0.02, "{name} {run_name}: mean off by {worst:.4} of its range");
        }
    }
    println!("{}", report.join("\n"));
}
