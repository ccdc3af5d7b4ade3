//! Simulating a mapped network (a bare `simulate` after `map`): each neuron runs with its
//! core's parameter set, the mean over the core (Rockpool's `dynapsim_net_from_spec`). When every
//! neuron of a core shares its parameters, that is the declared network, spike for spike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::path::Path;

use common::quiet_run;
use dynlang::output::npy::read_npy;
use dynlang::run::run_file;

fn run(text: &str) -> (tempfile::TempDir, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sim.dyn");
    std::fs::write(&file, text).unwrap();
    let options = quiet_run(dir.path().join("out"));
    let (sources, result) = run_file(&file, &options);
    let outcomes = result.unwrap_or_else(|d| {
        panic!("{}", dynlang::diagnostics::render::render_all(&d, &sources, dynlang::diagnostics::render::Style::Plain))
    });
    let summaries = serde_json::Value::Array(outcomes.into_iter().map(|o| o.summary).collect());
    (dir, summaries)
}

fn spikes(dir: &Path, experiment: &str, pop: &str) -> Vec<f64> {
    let a = read_npy(&dir.join("out").join(experiment).join(format!("spikes.{pop}.npy"))).unwrap();
    a.data.iter().copied().collect()
}

fn network(tau_b: &str) -> String {
    format!(
        "use dynapse2\n\
         device chip = dynapse2.default {{ Iscale = 100 nA, Ispkthr = 10 nA, percent_mismatch = 5 %, seed = 3 }}\n\
         network net {{\n\
             input x[4]\n\
             neurons a[6] {{ tau_mem = 20 ms }}\n\
             neurons b[3] {{ tau_mem = {tau_b} }}\n\
             x -> a = uniform(0, 1, seed = 1)\n\
             a -> b = uniform(0, 1, seed = 2)\n\
             a -> a = uniform(-0.5, 0.5, seed = 3, density = 0.5)\n\
         }}\n\
         experiment declared on chip {{\n\
             simulate net for 300 ms {{ x <- poisson(rate = 30 Hz, seed = 4)\n record spikes(a), spikes(b) }}\n\
         }}\n\
         experiment mapped on chip {{\n\
             map net\n\
             simulate for 300 ms {{ x <- poisson(rate = 30 Hz, seed = 4)\n record spikes(a), spikes(b) }}\n\
         }}\n"
    )
}

#[test]
fn mapped_equals_declared_when_a_core_shares_its_parameters() {
    let (dir, summaries) = run(&network("20 ms"));
    assert_eq!(summaries[1]["passes"][1]["mode"], "mapped");
    for pop in ["a", "b"] {
        let (declared, mapped) = (spikes(dir.path(), "declared", pop), spikes(dir.path(), "mapped", pop));
        assert!(declared.iter().sum::<f64>() > 0.0, "{pop} is silent");
        assert_eq!(declared, mapped, "{pop}");
    }
}

#[test]
fn mapped_uses_the_core_mean() {
    // b's neurons share a's core, so their tau_mem becomes the core's mean Itau_mem
    let (dir, summaries) = run(&network("5 ms"));
    assert_eq!(summaries[1]["passes"][0]["n_cluster"], 1);
    assert_ne!(spikes(dir.path(), "declared", "b"), spikes(dir.path(), "mapped", "b"));
}

#[test]
fn deployed_weights_are_codes_times_the_cores_base_currents() {
    use dynlang::devices::dynapse2::deploy::{Quantized, QuantizedCluster};
    use ndarray::{array, Array2};
    // two cores: a on core 0, b pinned to core 1 (different base currents)
    let text = "use dynapse2\ndevice chip = dynapse2.default { Iscale = 10 nA }\nnetwork net {\n    input x[1]\n    neurons a[2]\n    neurons b[1] { core = 1 }\n    x -> a = [[1, -2]]\n    a -> b = [[3], [-4]]\n}\n";
    let (_, checked) = dynlang::check_text("q.dyn", text, Path::new("."));
    let checked = checked.unwrap();
    let network = &checked.model.networks["net"];
    let mut d = dynlang::passes::map::deployment(network, &checked.model.devices["chip"], true, network.span).unwrap();
    assert_eq!(d.core_map, vec![0, 0, 1]);
    d.quantized = Some(Quantized {
        n_bits: 4,
        clusters: vec![
            QuantizedCluster { iw: vec![10e-9, 20e-9, 0.0, 0.0], loss: None },
            QuantizedCluster { iw: vec![5e-9, 0.0, 30e-9, 1e-9], loss: None },
        ],
        codes_in: array![[1u8, 2, 0]],
        codes_rec: array![[0u8, 0, 5], [0, 0, 12], [0, 0, 0]],
        sign_in: array![[1i8, -1, 0]],
        sign_rec: array![[0i8, 0, 1], [0, 0, -1], [0, 0, 0]],
    });
    let (w_in, w_rec) = dynlang::passes::deploy_export::deployed_weights(&d).unwrap();
    // x->a[0]: bit 0 of core 0 = 10 nA = 1.0; x->a[1]: -(bit 1) = -2.0
    // a[0]->b: bits {0, 2} of core 1 = 35 nA = 3.5; a[1]->b: -(bits {2, 3}) = -3.1
    let expected_in = array![[1.0, -2.0, 0.0]];
    let expected_rec: Array2<f64> = array![[0.0, 0.0, 3.5], [0.0, 0.0, -3.1], [0.0, 0.0, 0.0]];
    for (a, b) in w_in.iter().zip(&expected_in).chain(w_rec.iter().zip(&expected_rec)) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}
