//! Replays Rockpool 3.1.0's `autoencoder_quantization` vectors (tests/data/quantization, copied
//! from shared/reference/vectors/quantization) through dyn's autoencoder library, starting from
//! the initial encoder parameters Rockpool recorded, so that the two runs are comparable.
//!
//! Asserted per cluster: the final loss (Rockpool's `quantization_loss`: the loss recorded at the
//! last epoch, before its update) is at most 1.01x Rockpool's, at least 90 % of the non-zero
//! weights get the same integer mask, signs are equal, and zeros stay zero.

use dynlang::devices::dynapse2::deploy::autoencoder::{quantize_cluster, Init, Optimizer, Schedule, Settings};
use ndarray::{concatenate, Array2, Axis};
use serde_json::Value;

/// The fraction of non-zero weights whose mask must equal Rockpool's.
const SAME_MASKS: f64 = 0.90;
/// The largest final loss, relative to Rockpool's.
const LOSS_RATIO: f64 = 1.01;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/quantization/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Option<Array2<f64>> {
    let rows = v.as_array()?;
    let cols = rows.first()?.as_array()?.len();
    let data: Vec<f64> = rows.iter().flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap())).collect();
    Some(Array2::from_shape_vec((rows.len(), cols), data).unwrap())
}

fn flat_f32(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32))
        .collect()
}

struct Replayed {
    loss: f64,
    rockpool_loss: f64,
    same_masks: f64,
}

fn replay(name: &str) -> Vec<Replayed> {
    let case = load(name);
    let inputs = &case["inputs"];
    assert_eq!(inputs["optimizer"], "adam");
    assert_eq!(inputs["fixed_epoch"], true);
    let settings = Settings {
        n_bits: inputs["n_bits"].as_u64().unwrap() as usize,
        fixed_epoch: true,
        num_epoch: inputs["num_epoch"].as_u64().unwrap(),
        optimizer: Optimizer::adam(),
        step_size: Schedule::Constant(inputs["step_size"].as_f64().unwrap()),
        ..Settings::default()
    };
    let iscale = inputs["Iscale"].as_f64().unwrap();
    let w_in = matrix(&inputs["weights_in"]);
    let w_rec = matrix(&inputs["weights_rec"]);
    let n_in = w_in.as_ref().map_or(0, |w| w.nrows());
    let global = match (&w_in, &w_rec) {
        (Some(a), Some(b)) => concatenate(Axis(0), &[a.view(), b.view()]).unwrap(),
        (Some(a), None) | (None, Some(a)) => a.clone(),
        (None, None) => unreachable!(),
    };
    let core_map: Vec<u64> =
        inputs["core_map"].as_array().unwrap().iter().map(|c| c.as_f64().unwrap() as u64).collect();
    let clusters = &case["outputs"]["per_cluster"];
    let mut out = Vec::new();
    for (c, expected) in clusters.as_array().unwrap().iter().enumerate() {
        let mut w = global.clone();
        for (j, core) in core_map.iter().enumerate() {
            if *core != c as u64 {
                w.column_mut(j).fill(0.0);
            }
        }
        let enc = &inputs["initial_encoder"][c];
        let init = Init::Given { w_en: flat_f32(&enc["w_en"]), w_dec: flat_f32(&enc["w_dec"]) };
        let q = quantize_cluster(w.view(), iscale, &settings, &init).unwrap();
        // Rockpool's masks and signs, stacked the same way
        let mut want_masks = matrix(&expected["weights_in"]).unwrap();
        let mut want_signs = matrix(&expected["sign_in"]).unwrap();
        if w_rec.is_some() && w_in.is_some() {
            want_masks =
                concatenate(Axis(0), &[want_masks.view(), matrix(&expected["weights_rec"]).unwrap().view()]).unwrap();
            want_signs =
                concatenate(Axis(0), &[want_signs.view(), matrix(&expected["sign_rec"]).unwrap().view()]).unwrap();
        }
        assert_eq!(want_masks.nrows(), n_in + w_rec.as_ref().map_or(0, |w| w.nrows()));
        let mut nonzero = 0usize;
        let mut same = 0usize;
        for ((((got, want), sign), want_sign), weight) in
            q.masks.iter().zip(&want_masks).zip(&q.signs).zip(&want_signs).zip(&w)
        {
            assert_eq!(f64::from(*sign), *want_sign, "{name} cluster {c}: signs");
            if *weight == 0.0 {
                assert_eq!(*got, 0, "{name} cluster {c}: a zero weight got a mask");
            } else {
                nonzero += 1;
                same += usize::from(f64::from(*got) == *want);
            }
        }
        let rockpool_loss = expected["quantization_loss"].as_f64().unwrap();
        let loss = q.loss.unwrap();
        let same_masks = same as f64 / nonzero as f64;
        eprintln!(
            "{name} cluster {c}: loss {loss:.6} (rockpool {rockpool_loss:.6}, ratio {:.4}), masks equal {same}/{nonzero}, \
             Iw {:?} (rockpool {:?})",
            loss / rockpool_loss,
            q.iw,
            (0..4).map(|k| expected[format!("Iw_{k}")].as_f64().unwrap()).collect::<Vec<_>>()
        );
        out.push(Replayed { loss, rockpool_loss, same_masks });
    }
    out
}

fn check(name: &str, clusters: usize) {
    let replayed = replay(name);
    assert_eq!(replayed.len(), clusters);
    for (c, r) in replayed.iter().enumerate() {
        assert!(
            r.loss <= LOSS_RATIO * r.rockpool_loss,
            "{name} cluster {c}: loss {} > {LOSS_RATIO} x Rockpool's {}",
            r.loss,
            r.rockpool_loss
        );
        assert!(r.same_masks >= SAME_MASKS, "{name} cluster {c}: only {:.1} % of masks equal", 100.0 * r.same_masks);
    }
}

#[test]
fn one_cluster_input_and_recurrent() {
    check("quant_1cluster_8in_8neurons_in_and_rec", 1);
}

#[test]
fn two_clusters() {
    check("quant_2clusters_4in_16neurons", 2);
}

#[test]
fn input_only() {
    check("quant_1cluster_input_only_8x8", 1);
}
