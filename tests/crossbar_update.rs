//! One stochastic pulsed update, repeated, against aihwkit 1.2.0's pulse-count statistics
//! (tests/data/crossbar/update): a noise-free 2×4 ConstantStep tile, so ΔW/dw_min counts pulses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod crossbar_common;

use crossbar_common::{load, Dump};
use dynlang::devices::crossbar::device::array::DeviceArray;
use dynlang::devices::crossbar::device::{Common, DeviceSpec, Model};
use dynlang::devices::crossbar::rng::{stream, Purpose};
use dynlang::devices::crossbar::update::{apply, UpdateParams, VectorUpdate};

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn replay(file: &str) {
    let data = load(&format!("update/{file}.json"));
    let inp = &data["inputs"];
    let (x, d) = (floats(&inp["x"]), floats(&inp["d"]));
    let lr = inp["learning_rate"].as_f64().unwrap();
    let params = UpdateParams::from_fields(&Dump(&inp["update_parameters"]));
    let repeats = inp["repeats"].as_u64().unwrap() as usize;
    let spec = DeviceSpec {
        common: Common {
            dw_min: 0.001,
            dw_min_dtod: 0.0,
            dw_min_std: 0.0,
            up_down_dtod: 0.0,
            w_max: 10.0,
            w_min: -10.0,
            w_max_dtod: 0.0,
            w_min_dtod: 0.0,
            ..Common::default()
        },
        model: Model::ConstantStep,
    };
    let mut construction = stream(1, 0, Purpose::Construction);
    let mut array = DeviceArray::new(spec, d.len(), x.len(), &mut construction);
    let mut rng = stream(1, 0, Purpose::Pulse);
    let n = d.len() * x.len();
    let (mut sum, mut sq) = (vec![0.0; n], vec![0.0; n]);
    for r in 0..repeats {
        array.set_weights(&vec![0.0; n], &mut rng);
        let u =
            VectorUpdate { params: &params, x: &x, d: &d, lr, x_flip: None, d_flip: None, seed: 7, counter: r as u64 };
        apply(&mut array, &u, 0.001);
        for (k, w) in array.weights().iter().enumerate() {
            let c = (w / 0.001).round();
            sum[k] += c;
            sq[k] += c * c;
        }
    }
    let want_mean: Vec<f64> = data["outputs"]["mean_count"].as_array().unwrap().iter().flat_map(floats).collect();
    let want_std: Vec<f64> =
        data["outputs"]["std_dW"].as_array().unwrap().iter().flat_map(floats).map(|s| s / 0.001).collect();
    let r = repeats as f64;
    for k in 0..n {
        let mean = sum[k] / r;
        let std = (sq[k] / r - mean * mean).max(0.0).sqrt();
        let se = ((std * std + want_std[k] * want_std[k]) / r).sqrt();
        // Means within 5 standard errors of the difference (or exactly equal when deterministic).
        assert!((mean - want_mean[k]).abs() <= 5.0 * se + 1e-9, "{file} [{k}]: mean {mean} vs {}", want_mean[k]);
        // Spreads within 10% (absolute 0.01 pulses where the count is fixed). Our counts are
        // exactly Binomial(BL, p_x·p_d) as §5.3 describes; aihwkit's recorded spread is binomial
        // for every element but one: (0, 2) of the fixed-BL case is 7% wider (1.171 vs 1.095)
        // with a binomial mean. We keep the binomial model deliberately and allow for it here.
        assert!((std - want_std[k]).abs() <= 0.10 * want_std[k] + 0.01, "{file} [{k}]: std {std} vs {}", want_std[k]);
    }
}

#[test]
fn update_management_bl31() {
    replay("update_um_ublm_bl31_eta0.01");
}

#[test]
fn update_management_clipped() {
    replay("update_um_ublm_clipped_eta0.1");
}

#[test]
fn update_management_small_k() {
    replay("update_um_ublm_small_k");
}

#[test]
fn fixed_bl_without_management() {
    replay("update_fixed_bl31_no_um");
}

#[test]
fn deterministic_implicit() {
    replay("update_deterministic_implicit_bl31");
}
