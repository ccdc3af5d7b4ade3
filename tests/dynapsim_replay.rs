//! Every Rockpool DynapSim vector (tests/data/dynapsim, copied from shared/reference/vectors)
//! replayed the way a user runs it: a `.dyn` file with the device settings, per-neuron
//! parameters, weights and input spikes as `.npy` files, run by `dyn run`'s entry point; the
//! written `.npy` outputs are loaded back and compared with what Rockpool recorded.
//!
//! Tolerances: spike events (step, neuron, count) identical; every recorded current within 1e-4
//! relative of the reference, and Vmem within (Ut/kappa)·1e-4 (the same relative error of the
//! current it is the log of), at every step. dynapse2_dynapsim_vectors.json documents the
//! float32-sensitive cases: its float64 transcription and Rockpool's float32 spike steps differ
//! in some scenarios. There a float64 run is held to the transcription (spikes and traces) and a
//! float32 run to Rockpool's spike steps; a float32 run's traces are compared with the float64
//! transcription only where the spike steps agree, and not within one step of a spike (a
//! supra-threshold Vmem amplifies the float32 rounding).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{f64s, matrix, quiet_run, read_json, save, strip_seconds};
use dynlang::output::npy::read_npy;
use dynlang::run::run_file;
use ndarray::{Array1, Array2};
use serde_json::Value;

/// Relative tolerance on currents and voltages away from spike steps.
const REL_TOL: f64 = 1e-4;
/// The per-neuron parameters of DynapSim, with the unit each is written in.
const PARAMS: &[(&str, &str)] = &[
    ("Idc", "A"),
    ("If_nmda", "A"),
    ("Igain_ahp", "A"),
    ("Igain_mem", "A"),
    ("Igain_syn", "A"),
    ("Ipulse_ahp", "A"),
    ("Ipulse", "A"),
    ("Iref", "A"),
    ("Ispkthr", "A"),
    ("Itau_ahp", "A"),
    ("Itau_mem", "A"),
    ("Itau_syn", "A"),
    ("Iw_ahp", "A"),
    ("C_ahp", "F"),
    ("C_syn", "F"),
    ("C_pulse_ahp", "F"),
    ("C_pulse", "F"),
    ("C_ref", "F"),
    ("C_mem", "F"),
    ("Io", "A"),
    ("kappa_n", ""),
    ("kappa_p", ""),
    ("Ut", "V"),
    ("Vth", "V"),
];
/// Recorded state in dyn -> key in the vectors.
const STATES: &[(&str, &str)] = &[("Isyn", "isyn"), ("Imem", "imem"), ("Iahp", "iahp"), ("Vmem", "vmem")];

/// One replay: everything the `.dyn` file and its arrays need.
struct Case {
    name: String,
    n: usize,
    steps: usize,
    dt: f64,
    iscale: f64,
    precision: &'static str,
    /// Per-neuron parameter values (length n each), in SI units.
    params: Vec<(&'static str, Vec<f64>)>,
    /// Input weights (channels, n) and spike counts (steps, channels), when there is input.
    input: Option<(Array2<f64>, Array2<u8>)>,
    w_rec: Option<Array2<f64>>,
}

/// What a replay must reproduce.
struct Expected {
    /// (step, neuron, count), in step then neuron order.
    spikes: Vec<(usize, usize, u32)>,
    /// State name in dyn -> (steps, n) trace; absent states are not compared.
    traces: Vec<(&'static str, Array2<f64>)>,
    /// Traces are compared from this step on (0 unless the reference started from another state).
    from_step: usize,
    /// Skip steps within one step of a spike (float32 run against float64 traces only).
    skip_near_spikes: bool,
}

/// What a replay produced.
struct Replayed {
    spikes: Vec<(usize, usize, u32)>,
    traces: Vec<(&'static str, Array2<f64>)>,
    summary: Value,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dynapsim")
}

/// `x` as a dyn literal that reads back as the same f64.
fn literal(x: f64) -> String {
    let s = format!("{x:e}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// Writes the case's arrays and `.dyn` file into `dir`; returns the file.
fn write_case(case: &Case, dir: &Path) -> PathBuf {
    let mut text = String::new();
    writeln!(text, "// replay of the Rockpool vector {}", case.name).unwrap();
    writeln!(text, "use dynapse2\n").unwrap();
    writeln!(text, "device chip = dynapse2.default {{").unwrap();
    writeln!(text, "    Iscale = {} A", literal(case.iscale)).unwrap();
    writeln!(text, "    dt = {} s", literal(case.dt)).unwrap();
    writeln!(text, "    precision = {}", case.precision).unwrap();
    writeln!(text, "}}\n\nnetwork net {{").unwrap();
    if let Some((w_in, _)) = &case.input {
        writeln!(text, "    input x[{}]", w_in.nrows()).unwrap();
    }
    writeln!(text, "    neurons h[{}] {{", case.n).unwrap();
    for (name, values) in &case.params {
        let file = format!("param_{name}.npy");
        save(dir, &file, &Array1::from(values.clone()));
        let unit = PARAMS.iter().find(|(p, _)| p == name).map_or("", |(_, u)| *u);
        let scale = if unit.is_empty() { String::new() } else { format!(" * 1 {unit}") };
        writeln!(text, "        {name} = load(\"{file}\"){scale}").unwrap();
    }
    writeln!(text, "    }}").unwrap();
    if let Some((w_in, counts)) = &case.input {
        save(dir, "w_in.npy", w_in);
        save(dir, "input.npy", counts);
        writeln!(text, "    x -> h = load(\"w_in.npy\")").unwrap();
    }
    if let Some(w_rec) = &case.w_rec {
        save(dir, "w_rec.npy", w_rec);
        writeln!(text, "    h -> h = load(\"w_rec.npy\")").unwrap();
    }
    writeln!(text, "}}\n\nexperiment replay on chip {{").unwrap();
    #[allow(clippy::cast_precision_loss)]
    let duration = case.steps as f64 * case.dt;
    writeln!(text, "    simulate net for {} s {{", literal(duration)).unwrap();
    if case.input.is_some() {
        writeln!(text, "        x <- spikes(load(\"input.npy\"))").unwrap();
    }
    writeln!(text, "        record spikes(h), Isyn(h), Imem(h), Iahp(h), Vmem(h)").unwrap();
    writeln!(text, "    }}\n}}").unwrap();
    let path = dir.join(format!("{}.dyn", case.name));
    std::fs::write(&path, text).unwrap();
    path
}

/// Writes, checks and runs the case as `dyn run` does, and loads what it wrote.
fn replay(case: &Case) -> Replayed {
    let work = tempfile::tempdir().unwrap();
    let file = write_case(case, work.path());
    let out = work.path().join("out");
    let options = quiet_run(out.clone());
    let (sources, result) = run_file(&file, &options);
    if let Err(d) = result {
        let rendered =
            dynlang::diagnostics::render::render_all(&d, &sources, dynlang::diagnostics::render::Style::Plain);
        panic!("{}: the replay file does not run:\n{rendered}\n{}", case.name, std::fs::read_to_string(&file).unwrap());
    }
    let dir = out.join("replay");
    let load = |name: &str| -> Array2<f64> {
        let a = read_npy(&dir.join(name)).unwrap();
        assert_eq!(a.shape(), &[case.steps, case.n], "{}: shape of {name}", case.name);
        a.data.into_dimensionality().unwrap()
    };
    let counts = load("spikes.h.npy");
    let mut spikes = Vec::new();
    for ((t, j), &c) in counts.indexed_iter() {
        if c > 0.0 {
            spikes.push((t, j, c as u32));
        }
    }
    let traces = STATES.iter().map(|(state, _)| (*state, load(&format!("{state}.h.npy")))).collect();
    let summary = read_json(&dir.join("summary.json"));
    Replayed { spikes, traces, summary }
}

/// Steps at which neuron `j` spikes in either list, widened by one step each side.
fn near_spike(a: &[(usize, usize, u32)], b: &[(usize, usize, u32)], t: usize, j: usize) -> bool {
    a.iter().chain(b).any(|&(s, n, _)| n == j && s + 1 >= t && s <= t + 1)
}

/// `Ut / kappa` of neuron `j`: Vmem = (Ut/kappa)·ln(Imem/Io), so a relative error e of a
/// current is an absolute error (Ut/kappa)·e of Vmem.
fn ut_over_kappa(case: &Case, j: usize) -> f64 {
    let get = |name: &str| case.params.iter().find(|(p, _)| *p == name).unwrap().1[j];
    get("Ut") / ((get("kappa_n") + get("kappa_p")) / 2.0)
}

/// Asserts the replay against the expectation; returns the largest relative trace error
/// (for Vmem: the error of the current it stands for).
fn compare(case: &Case, got: &Replayed, want: &Expected) -> f64 {
    assert_eq!(got.spikes, want.spikes, "{}: spike events (step, neuron, count) differ", case.name);
    compare_traces(&case.name, &got.traces, &got.spikes, want, |state, j| {
        if state == "Vmem" {
            ut_over_kappa(case, j)
        } else {
            0.0
        }
    })
}

/// Compares traces (away from spikes of either side if asked); `scale(state, j)`, when non-zero, turns a
/// state's absolute error into a relative one (Vmem) instead of dividing by the value.
fn compare_traces(
    name: &str,
    got: &[(&'static str, Array2<f64>)],
    mine_spikes: &[(usize, usize, u32)],
    want: &Expected,
    scale: impl Fn(&str, usize) -> f64,
) -> f64 {
    let mut worst: f64 = 0.0;
    for (state, reference) in &want.traces {
        let (_, mine) = got.iter().find(|(s, _)| s == state).unwrap();
        assert_eq!(mine.dim(), reference.dim(), "{name}: {state} shape");
        for ((t, j), &r) in reference.indexed_iter() {
            if t < want.from_step || (want.skip_near_spikes && near_spike(mine_spikes, &want.spikes, t, j)) {
                continue;
            }
            let m = mine[[t, j]];
            let s = scale(state, j);
            let rel = if s > 0.0 {
                ((m - r) / s).abs()
            } else if r == 0.0 {
                m.abs()
            } else {
                ((m - r) / r).abs()
            };
            worst = worst.max(rel);
            assert!(rel <= REL_TOL, "{name}: {state}[step {t}, neuron {j}] = {m:e}, reference {r:e} (error {rel:e})");
        }
    }
    worst
}

/// Summary without wall times, floats rounded, for a snapshot.
fn snapshot_summary(summary: &Value) -> Value {
    let mut s = summary.clone();
    strip_seconds(&mut s);
    dynlang::output::json::round_floats(&mut s, 6);
    s
}

// ---------------------------------------------------------------------------------------------
// The recorded Rockpool runs (vectors/dynapsim/*.json)

fn rockpool_case(v: &Value) -> (Case, Expected) {
    let inputs = &v["inputs"];
    let n = inputs["n_neurons"].as_u64().unwrap() as usize;
    let steps = inputs["n_steps"].as_u64().unwrap() as usize;
    let eff = &inputs["params_effective"];
    let params = PARAMS
        .iter()
        .map(|(name, _)| {
            let values = f64s(&eff[*name]);
            assert_eq!(values.len(), n, "{name}");
            (*name, values)
        })
        .collect();
    let input = if inputs["has_input_layer"].as_bool().unwrap() {
        let w_in = matrix(&inputs["w_in"]);
        let mut counts = Array2::<u8>::zeros((steps, w_in.nrows()));
        for e in inputs["input_spikes"]["events"].as_array().unwrap() {
            let (t, c, k) = (e[0].as_u64().unwrap(), e[1].as_u64().unwrap(), e[2].as_u64().unwrap());
            counts[[t as usize, c as usize]] += u8::try_from(k).unwrap();
        }
        Some((w_in, counts))
    } else {
        None
    };
    let w_rec = if inputs["has_rec"].as_bool().unwrap() { Some(matrix(&inputs["w_rec"])) } else { None };
    let case = Case {
        name: v["name"].as_str().unwrap().to_string(),
        n,
        steps,
        dt: eff["dt"].as_f64().unwrap(),
        iscale: eff["Iscale"].as_f64().unwrap(),
        precision: "f32",
        params,
        input,
        w_rec,
    };
    let outputs = &v["outputs"];
    let spikes = outputs["spike_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_u64().unwrap() as usize, e[1].as_u64().unwrap() as usize, e[2].as_f64().unwrap() as u32))
        .collect();
    let traces = STATES.iter().map(|(state, key)| (*state, matrix(&outputs["record"][*key]))).collect();
    let from_step = settling_steps(&case, &inputs["initial_state"]);
    (case, Expected { spikes, traces, from_step, skip_near_spikes: false })
}

/// A run starts with every current at its neuron's `Io`. Rockpool starts from the *nominal* Io
/// when it applies mismatch (the vector's notes), and a `.dyn` file can state only the
/// effective one; then the start differs by the mismatch of Io, a difference that decays with
/// the synapse's time constant. Traces are compared after ten of them (e^-10 of a few percent
/// is far below the tolerance); `initial_state_is_the_only_difference` covers the first steps.
fn settling_steps(case: &Case, initial: &Value) -> usize {
    let io = &case.params.iter().find(|(p, _)| *p == "Io").unwrap().1;
    let starts_at_io = ["iampa", "iahp", "imem"].iter().all(|key| f64s(&initial[*key]) == *io);
    if starts_at_io {
        return 0;
    }
    let get = |name: &str, j: usize| case.params.iter().find(|(p, _)| *p == name).unwrap().1[j];
    let tau_syn = (0..case.n)
        .map(|j| ut_over_kappa(case, j) * get("C_syn", j) / get("Itau_syn", j).max(get("Io", j)))
        .fold(0.0, f64::max);
    (10.0 * tau_syn / case.dt).ceil() as usize
}

#[test]
fn rockpool_vectors_replay_through_dyn_run() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|f| f.to_string_lossy().starts_with("dynapsim_")))
        .collect();
    files.sort();
    assert_eq!(files.len(), 9, "every recorded DynapSim vector is replayed");
    for path in files {
        let v = read_json(&path);
        let (case, expected) = rockpool_case(&v);
        let got = replay(&case);
        let worst = compare(&case, &got, &expected);
        eprintln!("{}: {} spike events identical, worst relative trace error {worst:.1e}", case.name, got.spikes.len());
        insta::assert_json_snapshot!(format!("rockpool_{}", case.name), snapshot_summary(&got.summary));
    }
}

// ---------------------------------------------------------------------------------------------
// The float64 transcription with Rockpool's float32 spike steps (dynapse2_dynapsim_vectors.json)

/// Splits a (steps, n) weighted drive into per-neuron input weights and whole spike counts:
/// each neuron's non-zero drive is a whole multiple of one weight (true of every scenario).
fn drive_as_input(drive: &Array2<f64>) -> Option<(Array2<f64>, Array2<u8>)> {
    let (steps, n) = drive.dim();
    if drive.iter().all(|&x| x == 0.0) {
        return None;
    }
    let mut w_in = Array2::zeros((n, n));
    let mut counts = Array2::<u8>::zeros((steps, n));
    for j in 0..n {
        let column = drive.column(j);
        let Some(&w) = column.iter().find(|&&x| x != 0.0) else { continue };
        w_in[[j, j]] = w;
        for (t, &x) in column.iter().enumerate() {
            let k = x / w;
            assert!(k >= 0.0 && k.fract() == 0.0 && k <= 255.0, "drive {x} is not a count of weight {w}");
            counts[[t, j]] = k as u8;
        }
    }
    Some((w_in, counts))
}

fn transcription_case(defaults: &Value, s: &Value, precision: &'static str) -> Case {
    let n = s["n_neurons"].as_u64().unwrap() as usize;
    let overrides = &s["param_overrides"];
    let params = PARAMS
        .iter()
        .map(|(name, _)| {
            let values = match &overrides[*name] {
                Value::Array(_) => f64s(&overrides[*name]),
                Value::Number(x) => vec![x.as_f64().unwrap(); n],
                _ => vec![defaults[*name].as_f64().unwrap(); n],
            };
            (*name, values)
        })
        .collect();
    Case {
        name: format!("{}_{precision}", s["name"].as_str().unwrap()),
        n,
        steps: s["n_steps"].as_u64().unwrap() as usize,
        dt: defaults["dt"].as_f64().unwrap(),
        iscale: defaults["Iscale"].as_f64().unwrap(),
        precision,
        params,
        input: drive_as_input(&matrix(&s["weighted_input"])),
        w_rec: (!s["w_rec"].is_null()).then(|| matrix(&s["w_rec"])),
    }
}

/// Spike events from per-neuron step lists, and the count at each from a (steps, n) trace.
fn events(steps_per_neuron: &Value, counts: &Array2<f64>) -> Vec<(usize, usize, u32)> {
    let mut out: Vec<(usize, usize, u32)> = steps_per_neuron
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .flat_map(|(j, list)| {
            list.as_array().unwrap().iter().map(move |t| (t.as_u64().unwrap() as usize, j)).collect::<Vec<_>>()
        })
        .map(|(t, j)| (t, j, (counts[[t, j]] as u32).max(1)))
        .collect();
    out.sort_unstable();
    out
}

#[test]
fn float64_transcription_and_float32_spike_steps_replay_through_dyn_run() {
    let v = read_json(&data_dir().join("dynapse2_dynapsim_vectors.json"));
    let defaults = &v["defaults"];
    let scenarios = v["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 10);
    for s in scenarios {
        let expected = &s["expected"];
        let traces: Vec<(&'static str, Array2<f64>)> =
            STATES.iter().map(|(state, key)| (*state, matrix(&expected[*key]))).collect();
        let counts = matrix(&expected["spikes"]);
        let f64_spikes = events(&s["spike_steps"], &counts);
        let f32_spikes = events(&s["spike_steps_float32_rockpool"], &counts);

        // float64: the transcription's spikes and traces
        let case = transcription_case(defaults, s, "f64");
        let got = replay(&case);
        let worst = compare(
            &case,
            &got,
            &Expected { spikes: f64_spikes.clone(), traces: traces.clone(), from_step: 0, skip_near_spikes: false },
        );
        eprintln!("{}: worst relative trace error {worst:.1e}", case.name);
        insta::assert_json_snapshot!(format!("transcription_{}", case.name), snapshot_summary(&got.summary));

        // float32: Rockpool's spike steps; traces too where float32 does not move a spike
        let case = transcription_case(defaults, s, "f32");
        let got = replay(&case);
        let same = f32_spikes.iter().map(|e| (e.0, e.1)).eq(f64_spikes.iter().map(|e| (e.0, e.1)));
        let want_traces = if same { traces } else { Vec::new() };
        let worst = compare(
            &case,
            &got,
            &Expected { spikes: f32_spikes, traces: want_traces, from_step: 0, skip_near_spikes: true },
        );
        eprintln!("{}: spikes as Rockpool's float32 run, worst relative trace error {worst:.1e}", case.name);
        insta::assert_json_snapshot!(format!("transcription_{}", case.name), snapshot_summary(&got.summary));
    }
}

/// The mismatch vector through the library with Rockpool's initial state (nominal Io): every
/// step agrees, so the settling steps skipped by the `.dyn` replay differ only by that start.
#[test]
fn initial_state_is_the_only_difference() {
    use dynlang::devices::dynapse2::simulation::{
        simulate, CountsView, DynapSimParams, Observable, ParamValue, Precision, RecordRequest, RunOptions, SimState,
        SparseWeights, Stimulus, Trace,
    };
    let v = read_json(&data_dir().join("dynapsim_net4x8_mismatch_5pct_seed7.json"));
    let (case, mut expected) = rockpool_case(&v);
    assert!(expected.from_step > 0, "the mismatch vector starts from the nominal Io");
    expected.from_step = 0;
    let mut params = DynapSimParams::defaults(case.n);
    for (name, values) in &case.params {
        params.assign(name, 0..case.n, ParamValue::PerNeuron(values)).unwrap();
    }
    params.dt = case.dt;
    params.iscale = case.iscale;
    let initial = &v["inputs"]["initial_state"];
    let rest = SimState {
        isyn: f64s(&initial["iampa"]),
        iahp: f64s(&initial["iahp"]),
        imem: f64s(&initial["imem"]),
        vmem: f64s(&initial["vmem"]),
        timer_ref: f64s(&initial["timer_ref"]),
        spikes: vec![0; case.n],
    };
    let (w_in, counts) = case.input.as_ref().unwrap();
    let w_in = SparseWeights::from_dense("w_in", w_in.view()).unwrap();
    let w_rec = SparseWeights::from_dense("w_rec", case.w_rec.as_ref().unwrap().view()).unwrap();
    let observables = [Observable::Isyn, Observable::Imem, Observable::Iahp, Observable::Vmem, Observable::Spikes];
    let record = observables.iter().map(|&observable| RecordRequest { observable, neurons: 0..case.n }).collect();
    let options = RunOptions { precision: Precision::F32, record, initial: Some(rest) };
    let stimulus = Stimulus::Counts { counts: CountsView::U8(counts.view()), w_in: &w_in };
    let out = simulate(&params, Some(&w_rec), &stimulus, &options, &mut |_| {}).unwrap();
    let mut traces = Vec::new();
    for ((state, _), traced) in STATES.iter().zip(&out.traces) {
        let Trace::Values(values) = &traced.trace else { panic!("{state} is a value trace") };
        traces.push((*state, values.clone()));
    }
    let spikes: Vec<(usize, usize, u32)> =
        out.spike_events.iter().map(|e| (e.step as usize, e.neuron as usize, e.count)).collect();
    assert_eq!(spikes, expected.spikes);
    let worst = compare_traces(&case.name, &traces, &spikes, &expected, |state, j| {
        if state == "Vmem" {
            ut_over_kappa(&case, j)
        } else {
            0.0
        }
    });
    eprintln!("{}: from Rockpool's initial state, worst relative trace error {worst:.1e}", case.name);
}

/// `dynapse2.default` holds Rockpool's default parameters: cast to float32, every one is the
/// value Rockpool's DynapSim stored (a vector recorded with default biases).
#[test]
fn the_default_preset_is_rockpools_defaults_in_float32() {
    let v = read_json(&data_dir().join("dynapsim_net4x8_poisson_input.json"));
    let effective = &v["inputs"]["params_effective"];
    let text = "use dynapse2\ndevice chip = dynapse2.default\nnetwork net { neurons h[1] }\n\
                experiment e on chip { simulate net for 1 ms { record spikes(h) } }\n";
    let (_, checked) = dynlang::check_text("defaults.dyn", text, Path::new("."));
    let checked = checked.unwrap_or_else(|d| panic!("{d:?}"));
    let network = &checked.model.networks["net"];
    let layout = dynlang::passes::layout::Layout::of(network);
    let p = dynlang::passes::neurons::parameters(network, &layout, &checked.model.devices["chip"]).unwrap().params;
    for info in dynlang::devices::dynapse2::simulation::PARAMETERS {
        let ours = p.values(info.param)[0] as f32;
        let rockpool = f64s(&effective[info.name])[0] as f32;
        assert_eq!(ours.to_bits(), rockpool.to_bits(), "{}: {ours:e} vs Rockpool's {rockpool:e}", info.name);
    }
    assert_eq!(p.dt as f32, effective["dt"].as_f64().unwrap() as f32);
    assert_eq!(p.iscale as f32, effective["Iscale"].as_f64().unwrap() as f32);
}

/// examples/adaptation.dyn sets the AHP with high-level forms (tau_ahp, r_gain_ahp,
/// t_pulse_ahp) that convert to the currents of the Rockpool vector
/// dynapsim_single_neuron_dc_ahp_adaptation: it reproduces that vector's spikes and traces.
#[test]
fn high_level_forms_reproduce_the_adaptation_vector() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/adaptation.dyn");
    let out = tempfile::tempdir().unwrap();
    let options = quiet_run(out.path().to_path_buf());
    run_file(&example, &options).1.unwrap_or_else(|d| panic!("{d:?}"));
    let v = read_json(&data_dir().join("dynapsim_single_neuron_dc_ahp_adaptation.json"));
    let (case, expected) = rockpool_case(&v);
    let dir = out.path().join("adapt");
    let load = |name: &str| -> Array2<f64> { read_npy(&dir.join(name)).unwrap().data.into_dimensionality().unwrap() };
    let counts = load("spikes.n.npy");
    let spikes: Vec<(usize, usize, u32)> =
        counts.indexed_iter().filter(|(_, &c)| c > 0.0).map(|((t, j), &c)| (t, j, c as u32)).collect();
    assert_eq!(spikes, expected.spikes, "spike events");
    let traces = vec![("Imem", load("Imem.n.npy")), ("Iahp", load("Iahp.n.npy"))];
    let want = Expected {
        spikes: expected.spikes.clone(),
        traces: expected.traces.into_iter().filter(|(s, _)| matches!(*s, "Imem" | "Iahp")).collect(),
        from_step: 0,
        skip_near_spikes: false,
    };
    let worst = compare_traces(&case.name, &traces, &spikes, &want, |_, _| 0.0);
    eprintln!("adaptation.dyn: {} spikes as Rockpool, worst relative trace error {worst:.1e}", spikes.len());
}
