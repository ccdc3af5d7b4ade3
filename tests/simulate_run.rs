//! `dyn run` of the simulate step: blow-ups stop the run with a diagnostic, pictures follow the
//! records and `--no-plots`, the high-level forms reach the simulation with Rockpool's
//! conversions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};

use dynlang::diagnostics::Diagnostics;
use dynlang::output::ProgressPolicy;
use dynlang::run::{run_file, ExperimentOutcome, RunOptions};

fn run(file: &Path, out: &Path, plots: bool) -> Result<Vec<ExperimentOutcome>, Diagnostics> {
    let options =
        RunOptions { out_dir: out.to_path_buf(), experiment: None, plots, progress: ProgressPolicy::hidden() };
    run_file(file, &options).1
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn a_blow_up_names_population_neuron_state_and_step_and_writes_nothing() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/errors/run.non_finite.dyn");
    let out = tempfile::tempdir().unwrap();
    let diags = run(&fixture, out.path(), true).unwrap_err();
    let diag = diags.errors().next().unwrap();
    assert_eq!(diag.code.id, "dyn::run::non_finite");
    let message = &diag.message;
    assert!(message.contains("of `n[1]`"), "{message}");
    assert!(["Isyn", "Iahp", "Imem", "Vmem"].iter().any(|s| message.contains(&format!("`{s}`"))), "{message}");
    assert!(message.contains(" at step "), "{message}");
    assert!(files_under(out.path()).is_empty(), "a failed run leaves no file: {:?}", files_under(out.path()));
}

const PICTURES: &str = "use dynapse2
device chip = dynapse2.default
network cell {
    input x[2]
    neurons n[3] { Idc = [1 nA, 200 pA, 0 A] }
    x -> n = fill(2.0)
}
experiment pictures on chip {
    simulate cell for 300 ms {
        x <- regular(period = 50 ms)
        record spikes(n), Imem(n), Vmem(n), Isyn(n)
    }
}
";

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        files_under(dir).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn pictures_follow_the_records_and_no_plots_skips_them() {
    let work = tempfile::tempdir().unwrap();
    let file = write(work.path(), "pictures.dyn", PICTURES);
    run(&file, &work.path().join("with"), true).unwrap();
    run(&file, &work.path().join("without"), false).unwrap();
    let with = names_in(&work.path().join("with"));
    let without = names_in(&work.path().join("without"));
    let svgs: Vec<&String> = with.iter().filter(|n| n.ends_with(".svg")).collect();
    assert_eq!(svgs, ["Imem.n.svg", "Isyn.n.svg", "Vmem.n.svg", "raster.svg"]);
    assert!(without.iter().all(|n| !n.ends_with(".svg")), "{without:?}");
    assert_eq!(with.iter().filter(|n| !n.ends_with(".svg")).collect::<Vec<_>>(), without.iter().collect::<Vec<_>>());
    for svg in svgs {
        let text = std::fs::read_to_string(work.path().join("with/pictures").join(svg)).unwrap();
        assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"), "{svg} is a whole SVG document");
    }
}

/// `tau_mem`, `tau_syn`, `tau_ahp`, `t_ref`, `t_pulse`, `t_pulse_ahp` and the gain ratios, on
/// the device and per population, reach the simulation as the currents of reference §3:
/// Itau = (Ut/kappa)·C/tau, Ipulse = Vth·C/t, Igain = r·Itau (kappa = (0.75 + 0.66)/2).
const HIGH_LEVEL: &str = "use dynapse2
device chip = dynapse2.default {
    tau_mem = 40 ms
    t_ref = 2 ms
    r_gain_mem = 8
}
network net {
    neurons a[3] {
        tau_syn = [5 ms, 10 ms, 20 ms]
        r_gain_syn = 50
        tau_ahp = 100 ms
        r_gain_ahp = 2
        t_pulse = 20 us
        t_pulse_ahp = 2 us
    }
    neurons b[1] { Itau_mem = 10 pA, C_mem = 6 pF, tau_syn = 8 ms }
}
experiment e on chip {
    simulate net for 10 ms {
        record spikes(a)
    }
}
";

fn assert_close(got: f64, want: f64, what: &str) {
    assert!(((got - want) / want).abs() < 1e-12, "{what}: got {got:e}, want {want:e}");
}

#[test]
fn high_level_forms_convert_with_rockpools_formulas() {
    let (_, checked) = dynlang::check_text("high.dyn", HIGH_LEVEL, Path::new("."));
    let checked = checked.unwrap_or_else(|d| panic!("{d:?}"));
    let network = &checked.model.networks["net"];
    let device = &checked.model.devices["chip"];
    let layout = dynlang::passes::layout::Layout::of(network);
    let p = dynlang::passes::neurons::parameters(network, &layout, device).unwrap().params;
    let ut_kappa = 0.025 / 0.705;
    // device level: every neuron that does not override it
    for j in 0..3 {
        assert_close(p.itau_mem[j], ut_kappa * 3e-12 / 40e-3, "Itau_mem from tau_mem = 40 ms"); // 2.659574e-12
        assert_close(p.igain_mem[j], 8.0 * ut_kappa * 3e-12 / 40e-3, "Igain_mem from r_gain_mem = 8");
        assert_close(p.iref[j], 0.7 * 1.5e-12 / 2e-3, "Iref from t_ref = 2 ms"); // 5.25e-10
        assert_close(p.itau_ahp[j], ut_kappa * 40e-12 / 100e-3, "Itau_ahp from tau_ahp = 100 ms"); // 1.418440e-11
        assert_close(p.igain_ahp[j], 2.0 * ut_kappa * 40e-12 / 100e-3, "Igain_ahp from r_gain_ahp = 2");
        assert_close(p.ipulse[j], 0.7 * 0.5e-12 / 20e-6, "Ipulse from t_pulse = 20 us"); // 1.75e-8
        assert_close(p.ipulse_ahp[j], 0.7 * 0.5e-12 / 2e-6, "Ipulse_ahp from t_pulse_ahp = 2 us");
        // 1.75e-7
    }
    // per neuron: tau_syn = 5, 10, 20 ms with C_syn = 24.5 pF
    for (j, tau) in [5e-3, 10e-3, 20e-3].into_iter().enumerate() {
        assert_close(p.itau_syn[j], ut_kappa * 24.5e-12 / tau, "Itau_syn from tau_syn");
        assert_close(p.igain_syn[j], 50.0 * ut_kappa * 24.5e-12 / tau, "Igain_syn from r_gain_syn = 50");
    }
    assert_close(p.itau_syn[1], 8.687_943_262_411_347e-11, "tau_syn = 10 ms is Rockpool's default Itau_ampa");
    // population b: its own current wins over the device's tau_mem
    assert_close(p.itau_mem[3], 10e-12, "an explicit Itau_mem on the population");
    assert_close(p.c_mem[3], 6e-12, "C_mem on the population");
    assert_close(p.itau_syn[3], ut_kappa * 24.5e-12 / 8e-3, "tau_syn = 8 ms on b");
    // without a gain ratio at its level, a gain current keeps its value (reference §3.4)
    assert_close(p.igain_mem[3], 8.0 * ut_kappa * 3e-12 / 40e-3, "Igain_mem of b from the device");
    assert_close(p.igain_syn[3], 8.687_943_262_411_345e-9, "Igain_syn of b unchanged");
}

#[test]
fn dyn_show_gives_the_simulated_currents_and_every_high_level_form() {
    let work = tempfile::tempdir().unwrap();
    let file = write(work.path(), "high.dyn", HIGH_LEVEL);
    let output =
        std::process::Command::new(env!("CARGO_BIN_EXE_dyn")).arg("show").arg(&file).arg("chip").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let simulated = &shown["simulated"];
    let number = |group: &str, name: &str| simulated[group][name].as_f64().unwrap();
    let ut_kappa = 0.025 / 0.705;
    assert_close(number("parameters", "Itau_mem"), ut_kappa * 3e-12 / 40e-3, "Itau_mem");
    assert_close(number("parameters", "Igain_mem"), 8.0 * ut_kappa * 3e-12 / 40e-3, "Igain_mem");
    assert_close(number("parameters", "Iref"), 5.25e-10, "Iref");
    // set forms read back, and the defaults' forms (reference §2.3)
    for (name, want) in [
        ("tau_mem", 40e-3),
        ("t_ref", 2e-3),
        ("r_gain_mem", 8.0),
        ("tau_syn", 10e-3),
        ("tau_ahp", 50e-3),
        ("t_pulse", 10e-6),
        ("t_pulse_ahp", 1e-6),
        ("r_gain_syn", 100.0),
        ("r_gain_ahp", 1.0),
    ] {
        assert_close(number("high_level", name), want, name);
    }
}

/// percent_mismatch as Rockpool applies it (reference §5): every per-neuron parameter scaled by
/// 1 + (p/3)·N(0, 1), drawn from the device's seed; the run still starts at the nominal Io.
#[test]
fn mismatch_has_rockpools_spread_and_follows_the_seed() {
    let text = |seed: u32| {
        format!(
            "use dynapse2\ndevice chip = dynapse2.default {{ percent_mismatch = 30 %, seed = {seed} }}\n\
             network net {{ neurons h[4000] }}\nexperiment e on chip {{ simulate net for 1 ms {{ record spikes(h) }} }}\n"
        )
    };
    let params = |seed: u32| {
        let (_, checked) = dynlang::check_text("mismatch.dyn", &text(seed), Path::new("."));
        let checked = checked.unwrap_or_else(|d| panic!("{d:?}"));
        let network = &checked.model.networks["net"];
        let layout = dynlang::passes::layout::Layout::of(network);
        dynlang::passes::neurons::parameters(network, &layout, &checked.model.devices["chip"]).unwrap()
    };
    let (a, again, other) = (params(1), params(1), params(2));
    assert_eq!(a.params.itau_mem, again.params.itau_mem, "same seed, same draws");
    assert_ne!(a.params.itau_mem, other.params.itau_mem, "another seed, other draws");
    for (name, values, nominal) in [
        ("Itau_mem", &a.params.itau_mem, 5.319_148_936_170_212e-12),
        ("C_mem", &a.params.c_mem, 3e-12),
        ("Io", &a.params.io, 5e-13),
        ("Ut", &a.params.ut, 0.025),
    ] {
        let ratios: Vec<f64> = values.iter().map(|v| v / nominal).collect();
        let n = ratios.len() as f64;
        let mean = ratios.iter().sum::<f64>() / n;
        let std = (ratios.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / n).sqrt();
        // 4000 draws: the standard error of the mean is 0.1/63 = 0.0016, of the std about 0.0011
        assert!((mean - 1.0).abs() < 0.008, "{name}: mean ratio {mean}");
        assert!((std - 0.1).abs() < 0.006, "{name}: relative std {std}, want p/3 = 0.1");
    }
    assert!(a.rest.imem.iter().chain(&a.rest.isyn).chain(&a.rest.iahp).all(|&x| x == 5e-13), "nominal Io start");
}
