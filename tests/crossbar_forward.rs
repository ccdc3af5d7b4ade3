//! The analog forward/backward pipeline replayed against aihwkit 1.2.0 (tests/data/crossbar/forward):
//! noise-free cases value by value, noisy cases by their mean and spread over 4000 calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod crossbar_common;

use crossbar_common::{load, Dump};
use dynlang::devices::crossbar::io::{Direction, IoParams, Pipeline};
use dynlang::devices::crossbar::rng::{stream, Purpose};
use serde_json::{json, Value};

fn matrix(v: &Value) -> Vec<Vec<f32>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect())
        .collect()
}

/// Runs every row of `inputs` through the pipeline once.
fn run(io: &IoParams, w: &[Vec<f32>], dir: Direction, inputs: &[Vec<f32>], seed: u64) -> Vec<Vec<f32>> {
    let (rows, cols) = (w.len(), w[0].len());
    let flat: Vec<f32> = w.iter().flatten().copied().collect();
    let outputs = if dir == Direction::Forward { rows } else { cols };
    let mut rng = stream(seed, 0, Purpose::Read);
    let mut p = Pipeline::new(io.clone(), outputs, &mut rng);
    inputs
        .iter()
        .map(|x| {
            let mut out = vec![0.0; outputs];
            p.apply(&flat, cols, dir, x, &mut out, &mut rng);
            out
        })
        .collect()
}

/// Noise-free: every value equals aihwkit's (float32, relative 1e-5): the quantisation steps and
/// ties are computed as the core computes them.
fn assert_values(name: &str, got: &[Vec<f32>], want: &[Vec<f32>]) -> usize {
    for (g, w) in got.iter().flatten().zip(want.iter().flatten()) {
        assert!((g - w).abs() <= 1e-5 * w.abs().max(1.0), "{name}: {g} vs {w}");
    }
    want.iter().flatten().count()
}

fn io_of(dump: &Value, changes: &Value) -> IoParams {
    let mut merged = dump.clone();
    if let (Some(m), Some(c)) = (merged.as_object_mut(), changes.as_object()) {
        for (k, v) in c {
            m.insert(k.clone(), v.clone());
        }
    }
    IoParams::from_fields(&Dump(&merged))
}

#[test]
fn noise_free_quantised_forward_and_backward() {
    for file in ["forward_noisefree_quant_8x16", "forward_noisefree_quant_other_res_6x24"] {
        let data = load(&format!("forward/{file}.json"));
        let io = io_of(&data["inputs"]["io_parameters"], &data["inputs"]["io_parameters_changed"]);
        let w = matrix(&data["inputs"]["weights"]);
        let q = &data["outputs"]["quantized"];
        let fwd = run(&io, &w, Direction::Forward, &matrix(&data["inputs"]["x"]), 1);
        let n = assert_values(file, &fwd, &matrix(&q["forward"]["values"]));
        let bwd = run(&io, &w, Direction::Backward, &matrix(&data["inputs"]["d"]), 1);
        let m = assert_values(file, &bwd, &matrix(&q["backward"]["values"]));
        println!("{file}: {n} forward and {m} backward values identical");
        let perfect = IoParams { is_perfect: true, ..io.clone() };
        let p = run(&perfect, &w, Direction::Forward, &matrix(&data["inputs"]["x"]), 1);
        for (g, w) in p.iter().flatten().zip(matrix(&data["outputs"]["perfect"]["forward"]).iter().flatten()) {
            assert!((g - w).abs() < 1e-5, "{file} perfect: {g} vs {w}");
        }
    }
}

#[test]
fn bound_management_cases() {
    let data = load("forward/forward_bound_management.json");
    let base = &data["inputs"]["io_parameters"]["noisefree_nm_absmax_bm_iterative"];
    let o = &data["outputs"];
    for (key, changes) in [
        ("ones_rows_default_noisefree", json!({})),
        ("ones_rows_bm_none_noisefree", json!({"bound_management": "none"})),
    ] {
        let io = io_of(base, &changes);
        for case in o[key].as_array().unwrap() {
            let n = case["n"].as_u64().unwrap() as usize;
            let got = run(&io, &[vec![1.0; n]], Direction::Forward, &[vec![1.0; n]], 1)[0][0];
            let want = case["y"][0].as_f64().unwrap() as f32;
            assert!((got - want).abs() <= 1e-5 * want.abs(), "{key} n={n}: {got} vs {want}");
        }
    }
    let w = matrix(&data["inputs"]["weights"]);
    let x = matrix(&data["inputs"]["x"]);
    let d = matrix(&data["inputs"]["d"]);
    for (key, changes) in [
        ("dense_nm_absmax_bm_iterative_noisefree", json!({})),
        ("dense_nm_absmax_bm_none_noisefree", json!({"bound_management": "none"})),
        ("dense_nm_none_bm_iterative_noisefree", json!({"noise_management": "none"})),
        ("dense_nm_none_bm_none_noisefree", json!({"noise_management": "none", "bound_management": "none"})),
    ] {
        let io = io_of(base, &changes);
        assert_values(key, &run(&io, &w, Direction::Forward, &x, 1), &matrix(&o[key]["forward"]["values"]));
        assert_values(key, &run(&io, &w, Direction::Backward, &d, 1), &matrix(&o[key]["backward"]["values"]));
    }
}

/// Noisy: mean and std over 4000 calls. Means agree within 5 standard errors of the difference of
/// two 4000-sample means; stds within 10%.
fn assert_statistics(name: &str, io: &IoParams, w: &[Vec<f32>], dir: Direction, x: &[Vec<f32>], rec: &Value) {
    let repeats = rec["repeats"].as_u64().unwrap() as usize;
    let want_mean = matrix(&rec["mean"]);
    let want_std = matrix(&rec["std"]);
    let mut sum = vec![vec![0.0_f64; want_mean[0].len()]; x.len()];
    let mut sq = sum.clone();
    let flat: Vec<f32> = w.iter().flatten().copied().collect();
    let cols = w[0].len();
    let outputs = want_mean[0].len();
    let mut rng = stream(5, 0, Purpose::Read);
    let mut p = Pipeline::new(io.clone(), outputs, &mut rng);
    for _ in 0..repeats {
        for (i, xi) in x.iter().enumerate() {
            let mut out = vec![0.0; outputs];
            p.apply(&flat, cols, dir, xi, &mut out, &mut rng);
            for (k, v) in out.iter().enumerate() {
                sum[i][k] += f64::from(*v);
                sq[i][k] += f64::from(*v) * f64::from(*v);
            }
        }
    }
    let mut worst_z = 0.0_f64;
    let mut worst_std = 0.0_f64;
    for i in 0..x.len() {
        for k in 0..outputs {
            let n = repeats as f64;
            let mean = sum[i][k] / n;
            let std = (sq[i][k] / n - mean * mean).max(0.0).sqrt();
            let ws = f64::from(want_std[i][k]);
            let se = ((std * std + ws * ws) / n).sqrt().max(1e-9);
            worst_z = worst_z.max((mean - f64::from(want_mean[i][k])).abs() / se);
            if ws > 1e-6 {
                worst_std = worst_std.max((std - ws).abs() / ws);
            }
        }
    }
    println!("{name}: worst mean z {worst_z:.2}, worst relative std error {worst_std:.3}");
    assert!(worst_z < 5.0, "{name}: mean off by {worst_z:.2} standard errors");
    assert!(worst_std < 0.10, "{name}: std off by {worst_std:.3}");
}

#[test]
fn default_noise_statistics() {
    let data = load("forward/forward_default_io_8x16.json");
    let io = IoParams::from_fields(&Dump(&data["inputs"]["io_parameters"]));
    let w = matrix(&data["inputs"]["weights"]);
    let rec = &data["outputs"]["default_io"];
    assert_statistics("8x16 forward", &io, &w, Direction::Forward, &matrix(&data["inputs"]["x"]), &rec["forward"]);
    assert_statistics("8x16 backward", &io, &w, Direction::Backward, &matrix(&data["inputs"]["d"]), &rec["backward"]);
    let data = load("forward/forward_bound_management.json");
    let io = IoParams::from_fields(&Dump(&data["inputs"]["io_parameters"]["default_noise"]));
    let w = matrix(&data["inputs"]["weights"]);
    let rec = &data["outputs"]["dense_nm_absmax_bm_iterative_default_noise"];
    assert_statistics("dense forward", &io, &w, Direction::Forward, &matrix(&data["inputs"]["x"]), &rec["forward"]);
    assert_statistics("dense backward", &io, &w, Direction::Backward, &matrix(&data["inputs"]["d"]), &rec["backward"]);
}
