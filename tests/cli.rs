//! The command line through the real binary: `check` on several files, exit codes (0 clean,
//! 1 diagnosed, 2 usage), `--help` everywhere, `show` as JSON with defaults in SI units,
//! `--message-format json`, and `run` with `-e` and `-o`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dyn_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dyn"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap()
}

fn dyn_at_root(args: &[&str]) -> Output {
    dyn_in(&root(), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_several_files() {
    let out = dyn_at_root(&["check", "examples/recurrent_4x8.dyn", "examples/train_sgd.dyn"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "examples/recurrent_4x8.dyn: ok (1 devices, 1 networks, 1 experiments)\n\
         examples/train_sgd.dyn: ok (1 devices, 1 networks, 1 experiments)\n"
    );
    assert!(out.stderr.is_empty());
    // one bad file among good ones: every file is checked, the exit code is 1
    let out = dyn_at_root(&[
        "check",
        "tests/errors/units.mismatch.dyn",
        "examples/recurrent_4x8.dyn",
        "tests/errors/names.unknown.dyn",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "examples/recurrent_4x8.dyn: ok (1 devices, 1 networks, 1 experiments)\n");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("dyn::units::mismatch") && stderr.contains("dyn::names::unknown"), "{stderr}");
    // every example checks
    let mut args = vec!["check".to_string()];
    let mut examples: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dyn"))
        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    examples.sort();
    args.extend(examples);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = dyn_at_root(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn every_error_of_a_file_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("many.dyn"),
        "use dynapse2\nlet a = 10 ms + 1 pA\nlet b = n_hiden\nlet n_hidden = 3\n\
         device chip = dynapse2.default { Itau_mme = 5 pA, Iscale = 5 ms }\n\
         network net {\n    input x[2]\n    neurons h[3]\n    x -> h = [[1, 2], [3, 4]]\n}\n\
         network ok {\n    input x[2]\n    neurons h[3]\n    x -> h = fill(1)\n}\n\
         experiment e on chip {\n    calibrate with q\n    simulate ok for -1 ms { record spkes(h), Imme(h) }\n}\n",
    )
    .unwrap();
    let out = dyn_in(dir.path(), &["check", "many.dyn"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for code in [
        "dyn::units::incompatible",
        "dyn::names::unknown",
        "dyn::names::unknown_field",
        "dyn::units::mismatch",
        "dyn::shapes::mismatch",
        "dyn::experiment::device",
        "dyn::experiment::duration",
        "dyn::experiment::state",
    ] {
        assert!(stderr.contains(code), "{code} not reported\n{stderr}");
    }
    assert_eq!(stderr.matches("dyn::experiment::state").count(), 2, "{stderr}");
    assert!(stderr.contains("did you mean `n_hidden`?"), "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        &[][..],
        &["check"][..],
        &["frobnicate"][..],
        &["check", "--frob", "x.dyn"][..],
        &["show", "examples/recurrent_4x8.dyn"][..],
        &["run"][..],
        &["--message-format", "xml", "check", "examples/recurrent_4x8.dyn"][..],
    ] {
        let out = dyn_at_root(args);
        assert_eq!(out.status.code(), Some(2), "dyn {args:?}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "dyn {args:?} printed to stdout");
        assert!(!out.stderr.is_empty(), "dyn {args:?}: nothing on stderr");
    }
}

#[test]
fn help_everywhere() {
    for args in [
        &["--help"][..],
        &["-h"][..],
        &["help"][..],
        &["check", "--help"][..],
        &["run", "--help"][..],
        &["show", "--help"][..],
        &["repl", "--help"][..],
        &["help", "run"][..],
    ] {
        let out = dyn_at_root(args);
        assert_eq!(out.status.code(), Some(0), "dyn {args:?}");
        let stdout = text(&out.stdout);
        assert!(stdout.contains("Usage: dyn"), "dyn {args:?}: {stdout}");
    }
    let run_help = text(&dyn_at_root(&["run", "--help"]).stdout);
    for flag in ["-o", "--out", "-e", "--experiment", "--no-plots", "--message-format"] {
        assert!(run_help.contains(flag), "`dyn run --help` does not mention {flag}");
    }
    let out = dyn_at_root(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("dyn "));
    insta::assert_snapshot!("help", text(&dyn_at_root(&["--help"]).stdout));
}

#[test]
fn show_fills_in_every_default_in_si_units() {
    let out = dyn_at_root(&["show", "examples/recurrent_4x8.dyn", "chip"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(json["kind"], "dynapse2");
    let fields = &json["fields"];
    // set in the file: Iscale = 10 nA, seed = 3
    assert_eq!(fields["Iscale"], 1e-8);
    assert_eq!(fields["seed"], 3);
    // defaults from stdlib/dynapse2.dyn, in SI units
    assert_eq!(fields["dt"], 0.001);
    assert_eq!(fields["C_mem"], 3e-12);
    assert_eq!(fields["Ut"], 0.025);
    assert_eq!(fields["cam_entries"], 64);
    assert_eq!(fields["precision"], "f32");
    insta::assert_json_snapshot!("show_device", json["fields"]);
    // a stdlib preset, a network, a constant
    let out = dyn_at_root(&["show", "examples/recurrent_4x8.dyn", "dynapse2.default"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!((json["item"].as_str(), json["fields"]["Iscale"].as_f64()), (Some("preset"), Some(1e-8)));
    let out = dyn_at_root(&["show", "examples/recurrent_4x8.dyn", "net"]);
    let json: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    insta::assert_json_snapshot!("show_network", json);
    let out = dyn_at_root(&["show", "examples/network_1024.dyn", "n"]);
    let json: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!((json["item"].as_str(), json["value"].as_i64()), (Some("constant"), Some(1024)));
    // an unknown name
    let out = dyn_at_root(&["show", "examples/recurrent_4x8.dyn", "chp"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("did you mean `chip`?"));
}

#[test]
fn message_format_json() {
    let out = dyn_in(
        &root().join("tests/errors"),
        &["--message-format", "json", "check", "units.mismatch.dyn", "shapes.mismatch.dyn", "units.unknown.dyn"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "json mode prints nothing on stdout: {}", text(&out.stdout));
    let stderr = text(&out.stderr);
    let reports: Vec<serde_json::Value> =
        stderr.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(reports.len(), 3, "{stderr}");
    for r in &reports {
        assert!(r["code"].as_str().unwrap().starts_with("dyn::"), "{r}");
        assert!(!r["help"].as_str().unwrap().is_empty(), "{r}");
        assert!(!r["message"].as_str().unwrap().is_empty(), "{r}");
        let labels = r["labels"].as_array().unwrap();
        assert!(!labels.is_empty(), "{r}");
        assert!(labels[0]["span"]["offset"].is_u64() && labels[0]["span"]["length"].is_u64(), "{r}");
    }
    // the offset points at what the label names
    let source = std::fs::read_to_string(root().join("tests/errors/units.mismatch.dyn")).unwrap();
    let span = &reports[0]["labels"][0]["span"];
    let (offset, length) = (span["offset"].as_u64().unwrap() as usize, span["length"].as_u64().unwrap() as usize);
    assert_eq!(&source[offset..offset + length], "10 ms");
    insta::assert_snapshot!("message_format_json", stderr);
    // a clean file: nothing at all
    let out = dyn_at_root(&["--message-format", "json", "check", "examples/recurrent_4x8.dyn"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty() && out.stdout.is_empty());
}

#[test]
fn run_with_an_unknown_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("results");
    let example = root().join("examples/recurrent_4x8.dyn");
    let out = dyn_in(
        dir.path(),
        &["run", example.to_str().unwrap(), "-e", "driev", "-o", out_dir.to_str().unwrap(), "--quiet"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("dyn::experiment::unknown") && stderr.contains("did you mean `drive`?"), "{stderr}");
    assert!(!out_dir.exists(), "nothing is written when the experiment is unknown");
}

#[test]
fn run_into_an_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("results");
    let example = root().join("examples/single_neuron_dc.dyn");
    let out = dyn_in(
        dir.path(),
        &["run", example.to_str().unwrap(), "-o", out_dir.to_str().unwrap(), "--quiet", "--no-plots"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let experiments: Vec<PathBuf> = std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(experiments.len(), 1);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(experiments[0].join("summary.json")).unwrap()).unwrap();
    assert!(summary.is_object());
    assert!(std::fs::read_dir(&experiments[0]).unwrap().any(|e| e
        .unwrap()
        .path()
        .extension()
        .is_some_and(|x| x == "npy")));
    assert!(!std::fs::read_dir(&experiments[0]).unwrap().any(|e| e
        .unwrap()
        .path()
        .extension()
        .is_some_and(|x| x == "svg")));
    // stdout names what was written
    assert!(text(&out.stdout).contains(out_dir.to_str().unwrap()), "{}", text(&out.stdout));
    // default folder: ./out
    let out = dyn_in(dir.path(), &["run", example.to_str().unwrap(), "--quiet", "--no-plots"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(dir.path().join("out").is_dir());
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dyn"))
        .args(["show", "examples/recurrent_4x8.dyn", "chip"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
}
