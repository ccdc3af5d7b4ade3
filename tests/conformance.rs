//! DESIGN.md's fixed constructs, one small file each, as held-out files would write them: each
//! must check (or fail with the stated code) exactly as the design says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

use dynlang::check_text;

mod common;

/// Checks `text` in `dir`; panics with the diagnostics if it does not check.
fn checks_in(dir: &Path, text: &str) {
    let (_, result) = check_text("conformance.dyn", text, dir);
    if let Err(diags) = result {
        let messages: Vec<_> = diags.items.iter().map(|d| format!("{}: {}", d.code.id, d.message)).collect();
        panic!("{text}\n{messages:#?}");
    }
}

fn checks(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    checks_in(dir.path(), text);
}

#[test]
fn a_used_module_does_not_hide_the_kind_of_its_name() {
    checks(
        "use dynapse2\nuse crossbar\nuse bss2\n\
         device a = dynapse2 { seed = 1 }\n\
         device b = crossbar { algorithm = \"tiki-taka\" }\n\
         device c = bss2\n\
         preset fast: dynapse2 = dynapse2.default { dt = 0.1 ms }\n\
         device d = fast\n",
    );
}

/// §2's deploy experiment at a small size, run: §4's files, dtypes and shapes.
#[test]
fn deploy_outputs_are_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let w = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| 0.1 * (i + j) as f64);
    common::save(dir.path(), "w0.npy", &w);
    let text = r#"
use dynapse2
let n_hidden = 4
device chip = dynapse2.default { Iscale = 100 nA, percent_mismatch = 5 %, seed = 1 }
network net {
    input   x[3]
    neurons h1[n_hidden] { Idc = 0..4 * 1 pA }
    neurons out[2]
    x  -> h1  = load("w0.npy")
    h1 -> h1  = normal(0, 0.2, seed = 3, density = 0.5)
    h1 -> out = [[0.5, -0.5], [0.25, 0.0], [1, 1], [1_000e-3, 2]]
    output out
}
quantization q4 = autoencoder { n_bits = 4, fixed_epoch = true, num_epoch = 20, optimizer = adam }
experiment deploy on chip {
    map net
    quantize with q4
    export config to "deploy.config.json"
    simulate for 10.5 ms {
        x <- poisson(rate = 40 Hz, seed = 7)
        record spikes(out), Imem(h1)
    }
}
"#;
    run_in(dir.path(), text);
    let out = dir.path().join("out");
    let exp = out.join("deploy");
    // 10.5 ms / 1 ms rounds to 11 steps
    let spikes: ndarray::Array2<u8> = ndarray_npy::read_npy(exp.join("spikes.out.npy")).unwrap();
    assert_eq!(spikes.dim(), (11, 2));
    let imem: ndarray::Array2<f64> = ndarray_npy::read_npy(exp.join("Imem.h1.npy")).unwrap();
    assert_eq!(imem.dim(), (11, 4));
    assert!(imem.iter().all(|i| *i > 0.0 && *i < 1e-3), "currents in amperes");
    // quantization.json: per cluster, its neurons with their codes, base weights, loss curve
    let q = common::read_json(&exp.join("quantization.json"));
    let cluster = &q["clusters"][0];
    assert_eq!(cluster["neurons"].as_array().unwrap().len(), 6);
    let codes = cluster["codes"].as_array().unwrap();
    assert_eq!((codes.len(), codes[0].as_array().unwrap().len()), (6, 3 + 6));
    assert_eq!(cluster["Iw"].as_array().unwrap().len(), 4);
    assert!(!cluster["loss_curve"].as_array().unwrap().is_empty());
    let codes_in: ndarray::Array2<u8> = ndarray_npy::read_npy(exp.join("quantized.codes_in.npy")).unwrap();
    assert_eq!(codes_in.dim(), (3, 6));
    assert_eq!(codes[5][1].as_u64(), Some(u64::from(codes_in[[1, 5]])));
    // export config maps each logical neuron to its address
    let config = common::read_json(&exp.join("deploy.config.json"));
    let out1 = config["neurons"].as_array().unwrap().iter().find(|n| n["name"] == "out[1]").unwrap();
    assert!(out1["chip"].is_u64() && out1["core"].is_u64() && out1["neuron"].is_u64());
    // summary.json: every pass with its wall time
    let summary = common::read_json(&exp.join("summary.json"));
    let passes: Vec<&str> = summary["passes"].as_array().unwrap().iter().map(|p| p["pass"].as_str().unwrap()).collect();
    assert_eq!(passes, ["map", "quantize", "export", "simulate"]);
    assert!(summary["passes"].as_array().unwrap().iter().all(|p| p["seconds"].is_f64()));
    assert_eq!(summary["passes"][3]["steps"], 11);
}

/// §2's crossbar network and training, run: summary.json's `train.epochs` and `export weights`
/// with every layer's trained bias (digital and analog), for a preset and an algorithm by string.
#[test]
fn training_outputs_are_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let x = ndarray::Array2::from_shape_fn((20, 4), |(i, j)| ((i * 7 + j * 3) % 5) as f64 / 5.0);
    let y = ndarray::Array1::from_shape_fn(20, |i| (i % 3) as i64);
    common::save(dir.path(), "x.npy", &x);
    common::save(dir.path(), "y.npy", &y);
    let text = r#"
use crossbar
device tile = crossbar.EcRam { algorithm = "c-ttv2", io { out_noise = 0.06 }, seed = 1 }
network mlp {
    input x[4]
    layer h[8] { activation = sigmoid, bias = analog }
    layer out[3] { activation = none }
    x -> h = analog
    h -> out = analog
    output out
}
experiment fit on tile {
    train mlp with {
        data = load("x.npy"), labels = load("y.npy")
        test_data = load("x.npy"), test_labels = load("y.npy")
        epochs = 2, batch_size = 5, lr = 0.1, loss = cross_entropy, seed = 1
    }
    export weights to "w.npy"
}
"#;
    run_in(dir.path(), text);
    let out = dir.path().join("out");
    let exp = out.join("fit");
    let summary = common::read_json(&exp.join("summary.json"));
    let epochs = summary["train"]["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 2);
    for key in ["train_loss", "train_accuracy", "test_loss", "test_accuracy"] {
        assert!(epochs[1][key].is_f64(), "{key}");
    }
    let w: ndarray::Array2<f64> = ndarray_npy::read_npy(exp.join("w.x-h.npy")).unwrap();
    assert_eq!(w.dim(), (4, 8));
    let analog: ndarray::Array1<f64> = ndarray_npy::read_npy(exp.join("w.h.bias.npy")).unwrap();
    let digital: ndarray::Array1<f64> = ndarray_npy::read_npy(exp.join("w.out.bias.npy")).unwrap();
    assert_eq!((analog.len(), digital.len()), (8, 3));
}

/// `simulate [NET | deployed] for DURATION { STIMULI; record ... }`, as DESIGN §2 writes it.
#[test]
fn a_semicolon_separates_stimuli_from_records() {
    checks(
        "device chip = dynapse2\n\
         network net { input x[2], neurons h[2], x -> h = [[1, 0], [0, 1]], output h }\n\
         experiment e on chip {\n\
             simulate net for 10 ms { x <- regular(period = 2 ms); record spikes(h), Imem(h) }\n\
         }\n",
    );
}

/// Checks and runs `text` in `dir`, writing `dir/out/<experiment>/`.
fn run_in(dir: &Path, text: &str) {
    let (_, checked) = check_text("run.dyn", text, dir);
    let checked = checked.unwrap_or_else(|d| panic!("{:?}", d.items));
    dynlang::run::run(&checked, &common::quiet_run(dir.join("out"))).unwrap_or_else(|d| panic!("{:?}", d.items));
}

const SMALL_NET: &str = "use dynapse2
device chip = dynapse2.default { seed = 1 }
network net {
    input   x[3]
    neurons h1[4]
    neurons out[2]
    x  -> h1  = uniform(0, 1, seed = 2)
    h1 -> out = uniform(0, 1, seed = 3)
    output out
}
quantization q = autoencoder { fixed_epoch = true, num_epoch = 20 }
";

/// Runs [`SMALL_NET`] followed by `items` (experiments, more declarations) in a fresh directory.
fn run_small_net(items: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), &format!("{SMALL_NET}{items}"));
    dir
}

/// §2: "simulate deployed ... so one file compares float and deployed behaviour": the first run
/// keeps §4's names, a later one's files name its target (then its position), and summary.json
/// lists each step's files.
#[test]
fn float_and_deployed_runs_record_the_same_probe_side_by_side() {
    let dir = run_small_net(
        "experiment compare on chip {
    simulate net for 20 ms { x <- poisson(rate = 200 Hz, seed = 7); record spikes(out), Imem(h1) }
    map net
    quantize with q
    simulate deployed for 20 ms { x <- poisson(rate = 200 Hz, seed = 7); record spikes(out), Imem(h1) }
    simulate deployed for 20 ms { x <- poisson(rate = 200 Hz, seed = 7); record spikes(out), Vmem(h1) }
    simulate net for 20 ms { record spikes(out) }
}
",
    );
    let exp = dir.path().join("out/compare");
    for (file, rows) in [
        ("spikes.out.npy", 2),
        ("Imem.h1.npy", 4),
        ("spikes.out.deployed.npy", 2),
        ("Imem.h1.deployed.npy", 4),
        ("spikes.out.deployed.step5.npy", 2),
        ("Vmem.h1.npy", 4),
        ("spikes.out.net.npy", 2),
    ] {
        let array = dynlang::output::npy::read_npy(&exp.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(array.shape(), [20, rows], "{file}");
    }
    let summary = common::read_json(&exp.join("summary.json"));
    let files = |step: usize| summary["passes"][step]["files"].clone();
    assert_eq!(files(0), serde_json::json!(["Imem.h1.npy", "spikes.out.npy"]));
    assert_eq!(files(3), serde_json::json!(["Imem.h1.deployed.npy", "spikes.out.deployed.npy"]));
    assert_eq!(files(4), serde_json::json!(["Vmem.h1.npy", "spikes.out.deployed.step5.npy"]));
    assert_eq!(files(5), serde_json::json!(["spikes.out.net.npy"]));
    assert!(summary["files"].as_array().unwrap().iter().any(|f| f == "quantization.json"));
}

/// Exports are the user's names: a recorded file steps around an export's path.
#[test]
fn a_recorded_file_steps_around_an_exported_path() {
    let dir = run_small_net(
        "experiment e on chip {
    map net
    export spec to \"spikes.out.npy\"
    simulate for 5 ms { record spikes(out) }
}
",
    );
    let exp = dir.path().join("out/e");
    let spikes = dynlang::output::npy::read_npy(&exp.join("spikes.out.mapped.npy")).unwrap();
    assert_eq!(spikes.shape(), [5, 2]);
}

/// Rockpool's lowercase record names are aliases; the file keeps the spelling written.
#[test]
fn rockpool_record_names_are_aliases() {
    let dir = run_small_net(
        "experiment e on chip {
    simulate net for 5 ms {
        x <- regular(period = 2 ms)
        record imem(h1), Imem(h1), isyn(h1), iampa(h1), vmem(out), iahp(out), spikes(out)
    }
}
",
    );
    let exp = dir.path().join("out/e");
    let read = |f: &str| -> ndarray::Array2<f64> { ndarray_npy::read_npy(exp.join(f)).unwrap() };
    assert_eq!(read("imem.h1.npy"), read("Imem.h1.npy"));
    assert_eq!(read("isyn.h1.npy"), read("iampa.h1.npy"));
    assert_eq!(read("vmem.out.npy").dim(), (5, 2));
    assert_eq!(read("iahp.out.npy").dim(), (5, 2));
}

/// An input's spikes are the stimulus actually drawn: uint8 counts, (steps, channels).
#[test]
fn an_input_records_the_spikes_it_was_driven_with() {
    let dir = run_small_net(
        "experiment e on chip {
    simulate net for 10 ms { x <- regular(period = 2 ms); record spikes(x), spikes(out) }
}
",
    );
    let spikes: ndarray::Array2<u8> = ndarray_npy::read_npy(dir.path().join("out/e/spikes.x.npy")).unwrap();
    assert_eq!(spikes.dim(), (10, 3));
    assert_eq!(spikes.iter().map(|c| u32::from(*c)).sum::<u32>(), 15, "one spike every 2 steps on 3 channels");
}

/// The issue's `Iw: [4 currents, A]`: with fewer code bits quantization.json still lists the
/// core's four weight registers, the ones no bit selects at 0 A, as the exported config does.
#[test]
fn quantization_json_lists_four_weight_currents_at_any_bit_count() {
    let dir = run_small_net(
        "quantization q2 = autoencoder { n_bits = 2, fixed_epoch = true, num_epoch = 20 }
experiment e on chip {
    map net
    quantize with q2
    export config to \"c.json\"
}
",
    );
    let q = common::read_json(&dir.path().join("out/e/quantization.json"));
    let numbers =
        |v: &serde_json::Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect() };
    let iw = numbers(&q["clusters"][0]["Iw"]);
    assert_eq!(iw.len(), 4);
    assert!(iw[..2].iter().any(|i| *i != 0.0) && iw[2..] == [0.0, 0.0], "{iw:?}");
    let config = common::read_json(&dir.path().join("out/e/c.json"));
    assert_eq!(numbers(&config["cores"][0]["Iw"]), iw);
}
