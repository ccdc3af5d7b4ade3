//! REPL transcripts through `repl::Engine` (no terminal), snapshotted; and the binary with piped
//! stdin, which reads lines and prints results plainly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use dynlang::diagnostics::render::Style;
use dynlang::repl::{Engine, Reply};

/// Feeds `lines` to a fresh engine as the plain front end does (an open brace keeps reading) and
/// returns the transcript: each input after `dyn> `, continuation lines after `...> `, replies.
fn transcript_in(dir: &Path, lines: &[&str]) -> String {
    let mut engine = Engine::new(dir, Style::Plain);
    let mut out = String::new();
    let mut buffer = String::new();
    for line in lines {
        out.push_str(if buffer.is_empty() { "dyn> " } else { "...> " });
        out.push_str(line);
        out.push('\n');
        buffer.push_str(line);
        buffer.push('\n');
        if Engine::is_incomplete(&buffer) {
            continue;
        }
        let input = std::mem::take(&mut buffer);
        match engine.eval_line(input.trim_end()) {
            Reply::Text(t) => out.push_str(&t),
            Reply::Error(e) => {
                out.push_str("[error]\n");
                out.push_str(&e);
            }
            Reply::Silent => {}
            Reply::Quit => {
                out.push_str("[quit]\n");
                break;
            }
        }
    }
    out
}

fn transcript(lines: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    transcript_in(dir.path(), lines)
}

fn reply(engine: &mut Engine, line: &str) -> String {
    match engine.eval_line(line) {
        Reply::Text(t) => t,
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn values_print_with_units() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = Engine::new(dir.path(), Style::Plain);
    assert_eq!(reply(&mut e, "1 / (10 ms)"), "100 Hz\n");
    assert_eq!(reply(&mut e, "2 * 10 ms"), "20 ms\n");
    assert_eq!(reply(&mut e, "5 pA + 1 nA"), "1.005 nA\n");
    assert_eq!(reply(&mut e, "3 pF * 1 V / (1 pA)"), "3 s\n");
    assert_eq!(reply(&mut e, "1 + 2 * 3"), "7\n");
    assert_eq!(reply(&mut e, "[1, 2, 3] * 1 nA"), "[1, 2, 3] nA (shape [3])\n");
    assert_eq!(reply(&mut e, "0..4 * 1 pA"), "[0, 1, 2, 3] pA (shape [4])\n");
    assert_eq!(reply(&mut e, "10 us"), "10 us\n");
    assert_eq!(reply(&mut e, "63 fF"), "63 fF\n");
    assert_eq!(reply(&mut e, "5 %"), "0.05\n");
}

#[test]
fn evaluation_transcript() {
    insta::assert_snapshot!(transcript(&[
        "1 / (10 ms)",
        "let tau = 2 * 10 ms",
        "tau",
        "1 / tau",
        "let tau2 = tau * 3",
        "tau2 - tau",
        ":type tau * 3 pA",
        ":type 4",
        ":type 1 / tau",
        ":units 5 kHz",
        ":units 25 mV",
        "",
        "[[1, 2], [3, 4]]",
        "0..4",
        "true",
        "\"a string\"",
    ]));
}

#[test]
fn multi_line_items_while_a_brace_is_open() {
    insta::assert_snapshot!(transcript(&[
        "use dynapse2",
        "device chip = dynapse2.default {",
        "    Iscale = 1 nA   // a comment with a { brace",
        "    seed = 3",
        "}",
        "network net {",
        "    input x[2]",
        "    neurons h[3] { tau_mem = 20 ms }",
        "    x -> h = [[1, 0, 1],",
        "              [0, 1, 0]]",
        "    output h",
        "}",
        ":check",
        ":limits chip",
        "let s = \"a { in a string\"",
        "s",
    ]));
}

#[test]
fn errors_render_as_diagnostics_and_the_session_goes_on() {
    insta::assert_snapshot!(transcript(&[
        "let tau = 10 ms",
        "tau + 1 pA",
        "tua",
        "10 * ms",
        "let tau = 20 ms",
        "tau",
        "let x = 5 mv",
        "device chip = dynapse2.defalt",
        "1 + ",
        ":frob",
        ":type",
        ":show nothing",
        ":limits chip",
        ":run nothing",
        "tau",
    ]));
}

#[test]
fn commands() {
    let out = transcript(&[":help", ":h", ":reset", "let a = 1", ":reset", "a", ":quit", "1 / (10 ms)"]);
    assert!(out.ends_with("dyn> :quit\n[quit]\n"), "{out}");
    assert!(!out.contains("100 Hz"), "input after :quit was read");
    for command in [":type", ":units", ":show", ":load", ":run", ":check", ":limits", ":reset", ":help", ":quit"] {
        assert!(out.contains(command), "{command} missing from :help");
    }
    insta::assert_snapshot!(out);
    // aliases
    assert_eq!(transcript(&[":q"]), "dyn> :q\n[quit]\n");
    assert_eq!(transcript(&[":exit"]), "dyn> :exit\n[quit]\n");
}

#[test]
fn show_fills_in_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = Engine::new(dir.path(), Style::Plain);
    assert_eq!(e.eval_line("device chip = dynapse2.default { Iscale = 1 nA }"), Reply::Silent);
    let json: serde_json::Value = serde_json::from_str(&reply(&mut e, ":show chip")).unwrap();
    assert_eq!(json["kind"], "dynapse2");
    assert_eq!(json["fields"]["Iscale"], 1e-9);
    assert_eq!(json["fields"]["dt"], 0.001);
    assert_eq!(json["fields"]["cam_entries"], 64);
    let json: serde_json::Value = serde_json::from_str(&reply(&mut e, ":show bss2.neuron_target")).unwrap();
    assert_eq!(json["item"], "preset");
}

#[test]
fn load_and_run_a_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cell.dyn"),
        "use dynapse2\ndevice chip = dynapse2.default\nnetwork net {\n    neurons n[1] { Idc = 50 pA }\n}\n\
         experiment drive on chip {\n    simulate net for 20 ms { record spikes(n) }\n}\n",
    )
    .unwrap();
    let out = transcript_in(dir.path(), &[":load cell.dyn", ":check", ":run drive", ":load missing.dyn"]);
    let out = out.replace(&dir.path().display().to_string(), "[DIR]");
    insta::assert_snapshot!(out);
    assert!(dir.path().join("out/drive/spikes.n.npy").exists());
}

#[test]
fn incomplete_input_detection() {
    assert!(Engine::is_incomplete("device d = dynapse2 {"));
    assert!(Engine::is_incomplete("let x = [1,\n2,"));
    assert!(Engine::is_incomplete("let x = (1 +"));
    assert!(!Engine::is_incomplete("let x = \"{\""));
    assert!(!Engine::is_incomplete("let x = 1 // {"));
    assert!(!Engine::is_incomplete("device d = dynapse2 { }"));
    // a stray closing brace is complete (and a syntax error), not a wait for more
    assert!(!Engine::is_incomplete("}"));
}

// ---- the binary, stdin not a terminal --------------------------------------------------------

fn piped(input: &str, args: &[&str], dir: &Path) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dyn"))
        .arg("repl")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn piped_stdin_prints_plain_results() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = piped("1 / (10 ms)\n:quit\n", &[], dir.path());
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "100 Hz\n");
    // multi-line input, then end of input without :quit
    let (code, stdout, _) =
        piped("let tau = 2 * 10 ms\ndevice d = dynapse2.default {\n  tau_mem = tau\n}\ntau\n", &[], dir.path());
    assert_eq!((code, stdout.as_str()), (Some(0), "20 ms\n"));
    // an error goes to stderr as a diagnostic, the session continues, the exit code says so
    let (code, stdout, stderr) = piped("10 ms + 1 pA\n1 / (10 ms)\n", &[], dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "100 Hz\n");
    assert!(stderr.contains("dyn::units::incompatible") && !stderr.contains('\u{1b}'), "{stderr}");
}

/// Input that ends inside a block is not dropped: the parser reports the open brace at the end,
/// and the exit code says the session failed.
#[test]
fn piped_stdin_ending_inside_a_block_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = piped("1 / (10 ms)\nnetwork n {\n  neurons a[2]\n", &[], dir.path());
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stdout, "100 Hz\n");
    assert!(stderr.contains("dyn::syntax::unexpected") && stderr.contains("found the end of the file"), "{stderr}");
    assert!(stderr.contains("check that every `{`, `[` and `(` is closed"), "{stderr}");
    // a trailing blank line after complete input is nothing to report
    let (code, _, stderr) = piped("1 / (10 ms)\n\n\n", &[], dir.path());
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn piped_stdin_with_a_file_loaded_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.dyn"), "let rate = 1 / (10 ms)\n").unwrap();
    let (code, stdout, stderr) = piped("rate * 2\n:quit\n", &["c.dyn"], dir.path());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.ends_with("200 Hz\n"), "{stdout}");
}

/// A name keeps its kind in a session: `let q = 3` after `quantization q` is a clear
/// `dyn::names::duplicate`, while an item of the same kind replaces the earlier one.
#[test]
fn redefining_a_name_as_another_kind_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("q.dyn"),
        "use dynapse2\ndevice chip = dynapse2.default\nnetwork net {\n    input x[2]\n    neurons h[2]\n    \
         x -> h = [[1, 0], [0, 1]]\n}\nquantization q = autoencoder { num_epoch = 10 }\n\
         experiment e on chip {\n    map net\n    quantize with q\n}\n",
    )
    .unwrap();
    let out = transcript_in(
        dir.path(),
        &[
            ":load q.dyn",
            "let q = 3",
            "device net = dynapse2.default",
            "quantization q = autoencoder { num_epoch = 20 }",
            ":check",
            "let tau = 1 ms",
            "let tau = 2 ms",
            "tau",
        ],
    );
    insta::assert_snapshot!(out.replace(&dir.path().display().to_string(), "[DIR]"));
}

/// After `:load`, a diagnostic about an item of the file names the file and points into its text
/// (line and column as in the file), also once items before it were replaced at the prompt.
#[test]
fn errors_about_loaded_items_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("n.dyn"),
        "// a loaded file\nuse dynapse2\nlet n = 2\ndevice chip = dynapse2.default\nnetwork net {\n    input x[2]\n    \
         neurons h[n]\n    x -> h = uniform(0, 1, seed = 1)\n}\n",
    )
    .unwrap();
    let out = transcript_in(
        dir.path(),
        &[":load n.dyn", "let net = 3", "let n = 0", "let n = 1 ms", "n", "let n = 3", "let net = 3"],
    );
    let out = out.replace(&dir.path().display().to_string(), "[DIR]");
    assert!(!out.contains("<repl>"), "{out}");
    // before and after `let n = 3` replaced the file's `let n = 2`
    assert_eq!(out.matches("[DIR]/n.dyn:5:9").count(), 2, "the network's name in the file\n{out}");
    assert!(out.contains("[DIR]/n.dyn:7:15"), "`h[n]` in the file\n{out}");
    insta::assert_snapshot!(out);
}

/// A warning is shown once: by the `:load` or the item that brings it, not again with every
/// later item (the whole session is checked each time).
#[test]
fn warnings_are_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("w.dyn"),
        "use dynapse2\ndevice chip = dynapse2.default\nnetwork cell {\n    neurons n[1] { Idc = 1 nA }\n}\n\
         experiment dc on chip {\n    simulate cell for 20 ms { record Imem(n), imem(n) }\n}\n",
    )
    .unwrap();
    let out = transcript_in(dir.path(), &[":load w.dyn", "let a = 1 ms", "let b = 2 ms"]);
    assert_eq!(out.matches("dyn::experiment::case").count(), 1, "{out}");
    assert!(out.find("dyn::experiment::case") < out.find("loaded "), "shown by the :load\n{out}");
    // a new item that adds a warning shows that one only
    let out = transcript_in(
        dir.path(),
        &[
            ":load w.dyn",
            "experiment Dc on chip {",
            "    simulate cell for 20 ms { record spikes(n) }",
            "}",
            "let c = 3 ms",
        ],
    );
    assert_eq!(out.matches("dyn::experiment::case").count(), 2, "{out}");
    assert_eq!(out.matches("differ only in letter case").count(), 2, "{out}");
    assert!(out.contains("experiments `Dc` and `dc`"), "{out}");
}
