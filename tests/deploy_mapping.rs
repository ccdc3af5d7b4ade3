//! The Rockpool mapping vectors (tests/data/mapping, copied from shared/reference/vectors)
//! replayed through dyn: each network is written as a `.dyn` file with its weights and
//! per-neuron currents as `.npy` files, mapped by `dyn run` (the spec exported as JSON and
//! compared with Rockpool's `mapper` output), then configured with Rockpool's own quantization
//! result so the CAM and SRAM content can be compared entry by entry with what
//! `config_from_specification` wrote.
//!
//! Where dyn deliberately differs from Rockpool (a reference §9 failure fixed), the test that
//! checks the difference is named after the fix:
//! - `monitor_tag_is_the_neurons_own_tag` (§9.25: Rockpool's monitor tag is the slot index,
//!   which collides with input and recurrent tags and across cores);
//! - `slots_are_allocated_per_core` (§9.21: Rockpool uses the logical index as the slot);
//! - `inter_core_connections_are_routed_from_the_pre_neuron` (§9.22: Rockpool writes them into
//!   the wrong neuron's SRAM);
//! - `input_routes_merge_all_clusters` (§9.23: Rockpool returns the last cluster's map only);
//! - `multi_chip_fan_out_keeps_every_chip` (§9.22, the indentation bug of reference §10.8);
//! - `zero_pulse_currents_are_rejected` (§9.8: Rockpool's LIF conversion sets Ipulse_ahp = 0,
//!   an infinite pulse; dyn's checker refuses it, so the core keeps the default).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{f64s, matrix, quiet_run, read_json, save};
use dynlang::devices::dynapse2::deploy::config::{self, Config, Dendrite};
use dynlang::devices::dynapse2::deploy::{Deployment, Quantized, QuantizedCluster};
use dynlang::run::run_file;
use ndarray::{Array1, Array2};
use serde_json::Value;

/// The currents Rockpool's mapper clusters, all but Ipulse_ahp (see `zero_pulse_currents_are_rejected`).
const CURRENTS: &[&str] = &[
    "Idc",
    "If_nmda",
    "Igain_ahp",
    "Igain_mem",
    "Igain_syn",
    "Ipulse",
    "Iref",
    "Ispkthr",
    "Itau_ahp",
    "Itau_mem",
    "Itau_syn",
    "Iw_ahp",
];

const CASES: &[&str] = &[
    "mapping_issue10_12in_32_32rec_2out",
    "mapping_ffwd_4_8_3_with_bias",
    "mapping_rec_6_10_two_clusters_per_neuron_taus",
];

fn vector(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mapping").join(format!("{name}.json"));
    read_json(&path)
}

/// A replayed case: the `.dyn` file and the spec dyn exported.
struct Replay {
    v: Value,
    file: PathBuf,
    spec: Value,
    _dir: tempfile::TempDir,
}

/// Writes the network as a user would: one population per LIF layer, Rockpool's per-neuron
/// currents as arrays, the linear layers as projections; runs `map` and `export spec`.
fn replay(name: &str) -> Replay {
    let v = vector(name);
    let dir = tempfile::tempdir().unwrap();
    let spec = &v["outputs"]["spec"];
    let unclustered = &spec["unclustered"];
    let layers = v["inputs"]["layers"].as_array().unwrap();
    let n_cluster = spec["n_cluster"].as_u64().unwrap();
    let core_map = f64s(&spec["core_map"]);
    let mut text = String::new();
    writeln!(text, "// replay of the Rockpool mapping vector {name}\nuse dynapse2\n").unwrap();
    writeln!(text, "device chip = dynapse2.default {{\n    Iscale = {:e} A\n}}\n", spec["Iscale"].as_f64().unwrap())
        .unwrap();
    writeln!(text, "network net {{").unwrap();
    let n_in = layers[0]["shape"][0].as_u64().unwrap() as usize;
    writeln!(text, "    input x[{n_in}]").unwrap();
    let mut start = 0usize;
    let mut lif = 0usize;
    let mut projections = String::new();
    let mut previous = "x".to_string();
    for (k, layer) in layers.iter().enumerate() {
        match layer["type"].as_str().unwrap() {
            "LinearJax" => {
                let w = matrix(&layer["weight"]);
                let file = format!("w{k}.npy");
                save(dir.path(), &file, &w);
                writeln!(projections, "    {previous} -> l{lif} = load(\"{file}\")").unwrap();
            }
            _ => {
                let n = layer["n"].as_u64().unwrap() as usize;
                let mut fields = Vec::new();
                for current in CURRENTS {
                    let values: Vec<f64> = f64s(&unclustered[current])[start..start + n].to_vec();
                    let file = format!("l{lif}.{current}.npy");
                    save(dir.path(), &file, &Array1::from(values));
                    fields.push(format!("{current} = load(\"{file}\") * 1 A"));
                }
                if n_cluster > 1 {
                    // Rockpool's `n_cluster = 2` as a per-neuron pin of each neuron to its cluster
                    let file = format!("l{lif}.core.npy");
                    save(dir.path(), &file, &Array1::from(core_map[start..start + n].to_vec()));
                    fields.push(format!("core = load(\"{file}\")"));
                }
                writeln!(text, "    neurons l{lif}[{n}] {{\n        {}\n    }}", fields.join("\n        ")).unwrap();
                if let Some(w_rec) = layer.get("w_rec") {
                    let file = format!("r{k}.npy");
                    save(dir.path(), &file, &matrix(w_rec));
                    writeln!(projections, "    l{lif} -> l{lif} = load(\"{file}\")").unwrap();
                }
                previous = format!("l{lif}");
                start += n;
                lif += 1;
            }
        }
    }
    text.push_str(&projections);
    writeln!(text, "    output {previous}\n}}\n").unwrap();
    writeln!(text, "experiment replay on chip {{\n    map net\n    export spec to \"spec.json\"\n}}").unwrap();
    let file = dir.path().join(format!("{name}.dyn"));
    std::fs::write(&file, &text).unwrap();
    let out = dir.path().join("out");
    let options = quiet_run(out.clone());
    let (sources, result) = run_file(&file, &options);
    if let Err(d) = &result {
        panic!(
            "{text}\n{}",
            dynlang::diagnostics::render::render_all(d, &sources, dynlang::diagnostics::render::Style::Plain)
        );
    }
    let spec = read_json(&out.join("replay/spec.json"));
    Replay { v, file, spec, _dir: dir }
}

/// The deployment of a replayed file with Rockpool's quantization result filled in.
fn deployment_with_rockpool_quantization(r: &Replay) -> Deployment {
    let (sources, checked) = dynlang::check_file(&r.file);
    let checked = checked.unwrap_or_else(|d| {
        panic!("{}", dynlang::diagnostics::render::render_all(&d, &sources, dynlang::diagnostics::render::Style::Plain))
    });
    let network = &checked.model.networks["net"];
    let device = &checked.model.devices["chip"];
    let mut d = dynlang::passes::map::deployment(network, device, true, network.span).unwrap();
    let per_cluster = r.v["outputs"]["quantization"]["per_cluster"].as_array().unwrap();
    let (n_in, n) = d.w_in.dim();
    let mut q = Quantized {
        n_bits: 4,
        clusters: Vec::new(),
        codes_in: Array2::zeros((n_in, n)),
        codes_rec: Array2::zeros((n, n)),
        sign_in: Array2::zeros((n_in, n)),
        sign_rec: Array2::zeros((n, n)),
    };
    for c in per_cluster {
        let add_u8 = |target: &mut Array2<u8>, m: Array2<f64>| {
            target.zip_mut_with(&m, |t, &x| *t = (*t).max(x as u8));
        };
        add_u8(&mut q.codes_in, matrix(&c["weights_in"]));
        add_u8(&mut q.codes_rec, matrix(&c["weights_rec"]));
        // each cluster's signs are non-zero in its own columns only
        let add_sign = |target: &mut Array2<i8>, m: Array2<f64>| {
            target.zip_mut_with(&m, |t, &x| {
                if x != 0.0 {
                    *t = x as i8;
                }
            });
        };
        add_sign(&mut q.sign_in, matrix(&c["sign_in"]));
        add_sign(&mut q.sign_rec, matrix(&c["sign_rec"]));
        let iw = (0..4).map(|k| c[format!("Iw_{k}")].as_f64().unwrap()).collect();
        q.clusters.push(QuantizedCluster { iw, loss: c["quantization_loss"].as_f64() });
    }
    d.quantized = Some(q);
    d
}

fn rockpool_core(v: &Value, cluster: usize) -> &Value {
    v["outputs"]["config"]["cores"].as_array().unwrap().iter().find(|c| c["cluster"] == cluster).unwrap()
}

/// Rockpool's CAM entries of logical neuron j as (tag, dendrite value, mask).
fn rockpool_cam(v: &Value, core_map: &[usize], j: usize) -> Vec<(usize, u64, Vec<bool>)> {
    let core = rockpool_core(v, core_map[j]);
    let synapses = core["neurons"][j.to_string()]["synapses"].as_array().cloned().unwrap_or_default();
    synapses
        .iter()
        .map(|s| {
            let mask = s[1].as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect();
            (s[2].as_u64().unwrap() as usize, s[0].as_u64().unwrap(), mask)
        })
        .collect()
}

fn our_cam(config: &Config, j: usize) -> Vec<(usize, u64, Vec<bool>)> {
    config.neurons[j]
        .cam
        .iter()
        .map(|e| (e.tag, if e.dendrite == Dendrite::Ampa { 1024 } else { 512 }, e.weight_mask.to_vec()))
        .collect()
}

/// Non-empty destinations of slot `slot` of Rockpool's core for `cluster`, as (mask, x, y, tag).
fn rockpool_sram(v: &Value, cluster: usize, slot: usize) -> Vec<(Vec<bool>, i64, i64, usize)> {
    let core = rockpool_core(v, cluster);
    let list = core["neurons"][slot.to_string()]["destinations"].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|d| {
            let mask: Vec<bool> = d[0].as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect();
            (mask, d[1].as_i64().unwrap(), d[2].as_i64().unwrap(), d[3].as_u64().unwrap() as usize)
        })
        .filter(|d| d.0.iter().any(|b| *b))
        .collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) || (a - b).abs() < 1e-30
}

#[test]
fn spec_reproduces_rockpool_mapper() {
    for name in CASES {
        let r = replay(name);
        let rock = &r.v["outputs"]["spec"];
        assert_eq!(r.spec["n_cluster"], rock["n_cluster"], "{name}: n_cluster");
        assert_eq!(r.spec["n_neuron"], rock["n_neuron"], "{name}: n_neuron");
        let core_map: Vec<f64> = f64s(&r.spec["core_map"]);
        assert_eq!(core_map, f64s(&rock["core_map"]), "{name}: core_map");
        assert!(close(r.spec["Iscale"].as_f64().unwrap(), rock["Iscale"].as_f64().unwrap(), 1e-12));
        for key in ["weights_in", "weights_rec"] {
            let (ours, theirs) = (matrix(&r.spec[key]), matrix(&rock[key]));
            assert_eq!(ours.dim(), theirs.dim(), "{name}: {key} shape");
            // Rockpool stores float32 weights; dyn the float64 values the user wrote
            for (a, b) in ours.iter().zip(theirs.iter()) {
                assert!((a - b).abs() <= 1e-6, "{name}: {key} {a} vs {b}");
            }
        }
        for current in CURRENTS {
            let theirs = f64s(&rock["clustered"][current]);
            for (c, want) in theirs.iter().enumerate() {
                let got = r.spec["clusters"][c]["params"][current].as_f64().unwrap();
                assert!(close(got, *want, 1e-12), "{name}: cluster {c} {current}: {got} vs {want}");
            }
        }
    }
}

#[test]
fn config_matches_rockpool_cam_tags_and_biases() {
    for name in CASES {
        let r = replay(name);
        let d = deployment_with_rockpool_quantization(&r);
        let config = config::build(&d).unwrap();
        let n_in = d.n_inputs();
        // tags (§8.4): input i -> i, neuron j -> n_in + j
        for (i, input) in config.inputs.iter().enumerate() {
            assert_eq!(input.tag, i);
        }
        for (j, neuron) in config.neurons.iter().enumerate() {
            assert_eq!(neuron.tag, n_in + j);
            assert_eq!(our_cam(&config, j), rockpool_cam(&r.v, &d.core_map, j), "{name}: CAM of neuron {j}");
            let rock_latch = rockpool_core(&r.v, d.core_map[j])["neurons"][j.to_string()]["latch_so_dc"].as_bool();
            assert_eq!(neuron.latch_so_dc, rock_latch.unwrap_or(false), "{name}: latch_so_dc of {j}");
        }
        // biases: every (coarse, fine) Rockpool wrote, but SOAD_PWTAU_N (zero_pulse_currents_are_rejected)
        for (c, core) in config.cores.iter().enumerate() {
            let rock = &rockpool_core(&r.v, c)["parameters"];
            for (bias, setting) in &core.params {
                if bias == "SOAD_PWTAU_N" {
                    continue;
                }
                let want = (rock[bias][0].as_u64().unwrap(), rock[bias][1].as_u64().unwrap());
                assert_eq!((u64::from(setting.coarse), u64::from(setting.fine)), want, "{name}: core {c} {bias}");
            }
        }
        // the tag counts of issue #10's report
        let summary = &r.v["outputs"]["config"]["summary"];
        let mut tags: Vec<usize> = config.neurons.iter().flat_map(|n| n.cam.iter().map(|e| e.tag)).collect();
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len() as u64, summary["n_distinct_synapse_tags"].as_u64().unwrap(), "{name}");
        let cam_total: usize = config.neurons.iter().map(|n| n.cam.len()).sum();
        assert_eq!(cam_total as u64, summary["n_used_cam_entries_total"].as_u64().unwrap(), "{name}");
    }
}

/// Rockpool's routes of pre neuron p, merged over every core's slot p (where its bug scatters
/// them), as {chip: core mask}; dyn writes them all into p's own SRAM.
fn rockpool_routes_merged(v: &Value, n_cluster: usize, p: usize, tag: usize) -> BTreeMap<i64, Vec<bool>> {
    let mut merged: BTreeMap<i64, Vec<bool>> = BTreeMap::new();
    for c in 0..n_cluster {
        for (mask, x, _, t) in rockpool_sram(v, c, p) {
            if x == -7 || t != tag {
                continue;
            }
            let entry = merged.entry(x).or_insert_with(|| vec![false; 4]);
            for (e, m) in entry.iter_mut().zip(mask) {
                *e |= m;
            }
        }
    }
    merged
}

#[test]
fn monitor_tag_is_the_neurons_own_tag() {
    for name in CASES {
        let r = replay(name);
        let d = deployment_with_rockpool_quantization(&r);
        let config = config::build(&d).unwrap();
        for (j, neuron) in config.neurons.iter().enumerate() {
            let monitor = &neuron.sram[0];
            assert_eq!((monitor.x_hop, monitor.y_hop), (-7, -7));
            assert!(monitor.core_mask.iter().all(|b| *b));
            // Rockpool: the slot index j, the same number as input channel j's tag
            let rock = rockpool_sram(&r.v, d.core_map[j], j);
            assert_eq!(rock[0].3, j);
            assert_eq!(monitor.tag, d.n_inputs() + j, "{name}: monitor of {j}");
        }
    }
}

#[test]
fn inter_core_connections_are_routed_from_the_pre_neuron() {
    for name in CASES {
        let r = replay(name);
        let d = deployment_with_rockpool_quantization(&r);
        let config = config::build(&d).unwrap();
        let n_cluster = d.clusters.len();
        for (p, neuron) in config.neurons.iter().enumerate() {
            let ours: BTreeMap<i64, Vec<bool>> =
                neuron.sram[1..].iter().map(|dest| (i64::from(dest.x_hop), dest.core_mask.clone())).collect();
            let theirs = rockpool_routes_merged(&r.v, n_cluster, p, d.n_inputs() + p);
            assert_eq!(ours, theirs, "{name}: routes of neuron {p}");
            if n_cluster == 1 {
                // one core: Rockpool's own slot already holds the right routes
                let own: Vec<_> = rockpool_sram(&r.v, 0, p).into_iter().skip(1).collect();
                let ours: Vec<_> = neuron.sram[1..]
                    .iter()
                    .map(|x| (x.core_mask.clone(), i64::from(x.x_hop), i64::from(x.y_hop), x.tag))
                    .collect();
                assert_eq!(ours, own, "{name}: SRAM of {p}");
            }
        }
        if name.contains("two_clusters") {
            // neuron 0 (core 0) drives neurons of both cores: Rockpool's slot 0 of core 0 lists
            // core 0 only, and core 1's route sits in core 1's slot 0, another neuron
            assert_eq!(config.neurons[0].sram[1].core_mask, vec![true, true, false, false]);
            assert_eq!(rockpool_sram(&r.v, 0, 0)[1].0, vec![true, false, false, false]);
        }
    }
}

#[test]
fn slots_are_allocated_per_core() {
    let r = replay("mapping_rec_6_10_two_clusters_per_neuron_taus");
    let d = deployment_with_rockpool_quantization(&r);
    let config = config::build(&d).unwrap();
    // Rockpool: neuron n in slot n of its core (so slots 0..9 reserved on both cores)
    let addresses: Vec<(usize, usize, usize)> = config.neurons.iter().map(|n| (n.chip, n.core, n.neuron)).collect();
    let expected: Vec<(usize, usize, usize)> = (0..10).map(|j| (0, j / 5, j % 5)).collect();
    assert_eq!(addresses, expected);
    let names: Vec<&str> = config.neurons.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names[5], "l0[5]");
}

#[test]
fn input_routes_merge_all_clusters() {
    let r = replay("mapping_rec_6_10_two_clusters_per_neuron_taus");
    let d = deployment_with_rockpool_quantization(&r);
    let config = config::build(&d).unwrap();
    let rock = &r.v["outputs"]["config"]["input_channel_map"];
    for input in &config.inputs {
        // Rockpool: only the last cluster's core
        let theirs = rock[input.tag.to_string()][0][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_bool().unwrap())
            .collect::<Vec<_>>();
        assert_eq!(theirs, vec![false, true, false, false]);
        assert_eq!(input.routes.len(), 1);
        assert_eq!(input.routes[0].core_mask, vec![true, true, false, false], "{}", input.name);
        assert_eq!((input.routes[0].x_hop, input.routes[0].tag), (0, input.tag));
    }
    for name in ["mapping_issue10_12in_32_32rec_2out", "mapping_ffwd_4_8_3_with_bias"] {
        // one cluster: Rockpool's map is right, and equal to ours
        let r = replay(name);
        let d = deployment_with_rockpool_quantization(&r);
        let config = config::build(&d).unwrap();
        for input in &config.inputs {
            let theirs = &r.v["outputs"]["config"]["input_channel_map"][input.tag.to_string()][0];
            let mask: Vec<bool> = theirs[0].as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect();
            assert_eq!(input.routes[0].core_mask, mask);
            assert_eq!(input.routes[0].tag as u64, theirs[3].as_u64().unwrap());
        }
    }
}

#[test]
fn issue10_every_neuron_has_an_address_and_outputs_keep_synapses() {
    let r = replay("mapping_issue10_12in_32_32rec_2out");
    let d = deployment_with_rockpool_quantization(&r);
    let config = config::build(&d).unwrap();
    assert_eq!(config.neurons.len(), 66);
    let mut addresses: Vec<_> = config.neurons.iter().map(|n| (n.chip, n.core, n.neuron)).collect();
    addresses.sort_unstable();
    addresses.dedup();
    assert_eq!(addresses.len(), 66);
    for out in ["l2[0]", "l2[1]"] {
        let n = config.neurons.iter().find(|n| n.name == out).unwrap();
        assert!(!n.cam.is_empty(), "{out} has no synapses");
        assert_eq!(n.sram.len(), 1, "an output neuron sends only to the host");
    }
}

#[test]
fn zero_pulse_currents_are_rejected() {
    // Rockpool's LIF conversion writes Ipulse_ahp = 0 (an infinite AHP pulse, §9.8)
    let r = replay("mapping_ffwd_4_8_3_with_bias");
    assert_eq!(f64s(&r.v["outputs"]["spec"]["clustered"]["Ipulse_ahp"]), vec![0.0]);
    let text = "use dynapse2\ndevice chip = dynapse2.default\nnetwork net {\n    input x[1]\n    neurons h[1] { Ipulse_ahp = 0 A }\n    x -> h = [[1]]\n}\n";
    let (_, checked) = dynlang::check_text("zero.dyn", text, Path::new("."));
    let diags = checked.expect_err("a zero pulse current is refused");
    assert!(diags.items.iter().any(|d| d.code.id == "dyn::types::range"));
    // so the replayed core keeps the default 350 nA
    assert!(close(r.spec["clusters"][0]["params"]["Ipulse_ahp"].as_f64().unwrap(), 3.5e-7, 1e-12));
}

#[test]
fn multi_chip_fan_out_keeps_every_chip() {
    // reference §10.8: a neuron on core 0 projecting to core 1 (chip 0) and core 4 (chip 1);
    // Rockpool keeps only the chip-1 destination
    let text = "use dynapse2\ndevice chip = dynapse2.default\nnetwork net {\n    input x[1]\n    neurons a[1] { core = 0 }\n    neurons b[1] { core = 1 }\n    neurons c[1] { core = 4 }\n    x -> a = [[1]]\n    a -> b = [[1]]\n    a -> c = [[1]]\n}\n";
    let (_, checked) = dynlang::check_text("fanout.dyn", text, Path::new("."));
    let checked = checked.unwrap();
    let network = &checked.model.networks["net"];
    let device = &checked.model.devices["chip"];
    let d = dynlang::passes::map::deployment(network, device, true, network.span).unwrap();
    let sram = config::sram(&d, &|p, q| d.w_rec[[p, q]] != 0.0).unwrap();
    let a: Vec<(Vec<bool>, i32, usize)> = sram[0].iter().map(|x| (x.core_mask.clone(), x.x_hop, x.tag)).collect();
    assert_eq!(
        a,
        vec![(vec![true; 4], -7, 1), (vec![false, true, false, false], 0, 1), (vec![true, false, false, false], 1, 1),]
    );
}

#[test]
fn fan_out_of_unpinned_neurons_is_checked_when_mapped() {
    // one neuron driving 3073 neurons, which the mapper spreads over 13 cores on 4 chips: with
    // the monitor that is 5 SRAM entries, one more than a neuron has; the checker cannot know
    // (nothing is pinned), the map pass reports it at the population
    let text = "use dynapse2\ndevice chip = dynapse2.default\nnetwork net {\n    input x[1]\n    neurons a[1]\n    neurons b[3073]\n    x -> a = [[1]]\n    a -> b = uniform(0.5, 1, seed = 1)\n}\n";
    let (_, checked) = dynlang::check_text("fanout.dyn", text, Path::new("."));
    let checked = checked.unwrap();
    let network = &checked.model.networks["net"];
    let diags = dynlang::passes::map::deployment(network, &checked.model.devices["chip"], true, network.span)
        .expect_err("five destinations");
    assert_eq!(diags.items[0].code.id, "dyn::hardware::fan_out");
    assert!(diags.items[0].message.contains("`a[0]` sends to cores on 4 chips"), "{}", diags.items[0].message);
}

#[test]
fn config_json_has_the_documented_layout() {
    let r = replay("mapping_ffwd_4_8_3_with_bias");
    let d = deployment_with_rockpool_quantization(&r);
    let json = serde_json::to_value(config::build(&d).unwrap()).unwrap();
    let core = &json["cores"][0];
    assert_eq!((core["chip"].as_u64(), core["core"].as_u64()), (Some(0), Some(0)));
    assert_eq!(core["Iw"].as_array().unwrap().len(), 4);
    let leak = &core["params"]["SOIF_LEAK_N"];
    assert!(leak["coarse"].is_u64() && leak["fine"].is_u64() && leak["current"].is_f64());
    assert_eq!(json["inputs"][0]["name"], "x[0]");
    assert_eq!(json["inputs"][0]["tag"], 0);
    let out = &json["neurons"][10];
    assert_eq!(out["name"], "l1[2]");
    assert_eq!(
        (out["chip"].as_u64(), out["core"].as_u64(), out["neuron"].as_u64(), out["tag"].as_u64()),
        (Some(0), Some(0), Some(10), Some(14))
    );
    let cam = &out["cam"][0];
    assert!(cam["tag"].is_u64() && cam["weight_mask"].as_array().unwrap().len() == 4);
    assert!(cam["dendrite"] == "ampa" || cam["dendrite"] == "gaba");
    let monitor = &out["sram"][0];
    assert_eq!(
        (monitor["x_hop"].as_i64(), monitor["y_hop"].as_i64(), monitor["tag"].as_u64()),
        (Some(-7), Some(-7), Some(14))
    );
}
