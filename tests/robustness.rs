//! No input panics or aborts. The hostile inputs of issue 2 go through the real binary (exit code
//! 1 with a diagnostic, or 0 when the input is valid; never a crash); then a seeded fuzzer mutates
//! the examples and feeds them to parse + check in-process, asserting no panic and that every
//! diagnostic's spans lie inside their source, on character boundaries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dynlang::diagnostics::Diagnostics;
use dynlang::syntax::span::SourceMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// ---- hostile inputs through the binary ------------------------------------------------------

fn dyn_check(dir: &Path, name: &str, bytes: &[u8]) -> Output {
    std::fs::write(dir.join(name), bytes).unwrap();
    Command::new(env!("CARGO_BIN_EXE_dyn"))
        .args(["check", name])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

/// Exit code 1 with the expected diagnostic code on stderr, and no panic message.
fn assert_diagnosed(out: &Output, code: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: expected exit code 1\n{}", clip(&stderr));
    assert!(stderr.contains(code), "{what}: expected {code}\n{}", clip(&stderr));
    assert!(!stderr.contains("panicked"), "{what}: panicked\n{}", clip(&stderr));
}

fn assert_valid(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{what}: expected exit code 0\n{}", clip(&stderr));
}

fn clip(s: &str) -> String {
    s.chars().take(2000).collect()
}

#[test]
fn deeply_nested_brackets() {
    let dir = tempfile::tempdir().unwrap();
    let n = 200_000;
    for (name, open, close) in [("lists.dyn", "[", "]"), ("parens.dyn", "(", ")"), ("blocks.dyn", "{", "}")] {
        let text = format!("let x = {}1{}\n", open.repeat(n), close.repeat(n));
        let out = dyn_check(dir.path(), name, text.as_bytes());
        assert_diagnosed(&out, "dyn::syntax::too_deep", name);
    }
    // unbalanced: only opening brackets
    let out = dyn_check(dir.path(), "open.dyn", format!("let x = {}", "(".repeat(n)).as_bytes());
    assert_diagnosed(&out, "dyn::syntax::too_deep", "open.dyn");
    // 200,000 unary minus signs are nesting too
    let out = dyn_check(dir.path(), "minus.dyn", format!("let x = {}1\n", "-".repeat(n)).as_bytes());
    assert_diagnosed(&out, "dyn::syntax::too_deep", "minus.dyn");
    // nesting the checker accepts: 150 levels
    let text = format!("let x = {}1{}\n", "(".repeat(150), ")".repeat(150));
    assert_valid(&dyn_check(dir.path(), "fine.dyn", text.as_bytes()), "150 parentheses");
}

#[test]
fn invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8])] = &[
        ("latin1.dyn", b"let caf\xe9 = 1\n"),
        ("lone_continuation.dyn", b"let x = 1 // \x80\x80\n"),
        ("truncated.dyn", b"let x = \"\xe2\x82\""),
        ("at_start.dyn", b"\xff\xfeu\x00s\x00e\x00"),
        ("in_string.dyn", b"use \"lab/\xc3(.dyn\" as lab\n"),
    ];
    for (name, bytes) in cases {
        let out = dyn_check(dir.path(), name, bytes);
        assert_diagnosed(&out, "dyn::syntax::invalid_utf8", name);
    }
}

#[test]
fn one_megabyte_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mb = 1 << 20;
    // valid: a long comment, a long list, a long string
    let comment = format!("// {}\nlet x = 1\n", "a".repeat(mb));
    assert_valid(&dyn_check(dir.path(), "comment.dyn", comment.as_bytes()), "1 MB comment");
    let list = format!("let x = [{}1]\n", "1, ".repeat(mb / 3));
    assert_valid(&dyn_check(dir.path(), "list.dyn", list.as_bytes()), "1 MB list");
    let string = format!("let x = \"{}\"\n", "s".repeat(mb));
    assert_valid(&dyn_check(dir.path(), "string.dyn", string.as_bytes()), "1 MB string");
    // a sum of 300,000 terms is nested too deeply for the checker
    let sum = format!("let x = {}1\n", "1 + ".repeat(mb / 4));
    assert_diagnosed(&dyn_check(dir.path(), "sum.dyn", sum.as_bytes()), "dyn::syntax::too_deep", "1 MB sum");
    // garbage on one line: a syntax error, quoted without flooding the terminal
    let junk = format!("let x = 1 {}\n", "@".repeat(mb));
    let out = dyn_check(dir.path(), "junk.dyn", junk.as_bytes());
    assert_diagnosed(&out, "dyn::syntax::unexpected", "1 MB junk");
    assert!(out.stderr.len() < 10_000, "the report quotes the whole line: {} bytes", out.stderr.len());
    // one identifier of a megabyte
    let name = format!("let {} = 1\nlet y = {}x\n", "a".repeat(mb), "a".repeat(mb));
    let out = dyn_check(dir.path(), "name.dyn", name.as_bytes());
    assert_diagnosed(&out, "dyn::names::unknown", "1 MB name");
    assert!(out.stderr.len() < 10_000, "the report quotes the whole line: {} bytes", out.stderr.len());
}

#[test]
fn thirty_digit_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let digits = "123456789012345678901234567890";
    for (name, text) in [
        ("integer.dyn", format!("let n = {digits}\n")),
        ("size.dyn", format!("network n {{ input x[{digits}] }}\n")),
        ("range.dyn", format!("let r = 0..{digits}\n")),
        ("seed.dyn", format!("use dynapse2\ndevice d = dynapse2.default {{ seed = {digits} }}\n")),
    ] {
        assert_diagnosed(&dyn_check(dir.path(), name, text.as_bytes()), "dyn::syntax::number", name);
    }
    // as a float it is a number; as a quantity too
    assert_valid(&dyn_check(dir.path(), "float.dyn", format!("let n = {digits}.0\n").as_bytes()), "float");
    assert_valid(&dyn_check(dir.path(), "amps.dyn", format!("let n = {digits}.5 pA\n").as_bytes()), "quantity");
    // a float beyond f64
    let out = dyn_check(dir.path(), "huge.dyn", b"let n = 1e400\n");
    assert_diagnosed(&out, "dyn::syntax::number", "1e400");
    // an integer that fits but a population that is absurd
    let out = dyn_check(dir.path(), "pop.dyn", b"network n { input x[9223372036854775807] }\n");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    // a weight matrix too large to draw
    let out = dyn_check(
        dir.path(),
        "matrix.dyn",
        b"network n { input x[1000000]\n neurons h[1000000]\n x -> h = uniform(0, 1, seed = 1) }\n",
    );
    assert_diagnosed(&out, "dyn::network::size", "a 10^12 matrix");
}

#[test]
fn empty_and_blank_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("empty.dyn", ""),
        ("newlines.dyn", "\n\n\n"),
        ("comment.dyn", "// nothing here"),
        ("bom.dyn", "\u{feff}"),
        ("block_comment.dyn", "/* nothing */"),
    ] {
        assert_valid(&dyn_check(dir.path(), name, text.as_bytes()), name);
    }
    // an unterminated block comment is a syntax error, not a hang
    assert_diagnosed(&dyn_check(dir.path(), "open.dyn", b"/* never closed"), "dyn::syntax::", "open comment");
}

#[test]
fn files_that_import_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let out = dyn_check(dir.path(), "me.dyn", b"use \"me.dyn\" as me\nlet x = 1\n");
    assert_diagnosed(&out, "dyn::names::import_cycle", "self import");
    // the cycle through a folder and back, spelt differently
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/b.dyn"), "use \"../a.dyn\" as a\nlet y = 2\n").unwrap();
    let out = dyn_check(dir.path(), "a.dyn", b"use \"./sub/b.dyn\" as b\nlet x = b.y\n");
    assert_diagnosed(&out, "dyn::names::import_cycle", "a -> b -> a");
    // importing a folder, or a binary file
    let out = dyn_check(dir.path(), "folder.dyn", b"use \"sub\" as s\n");
    assert_diagnosed(&out, "dyn::names::import_file", "a folder");
    std::fs::write(dir.path().join("bin.dyn"), b"\x00\xff\x00").unwrap();
    let out = dyn_check(dir.path(), "binary.dyn", b"use \"bin.dyn\" as b\n");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn files_that_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let run =
        |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_dyn")).args(args).current_dir(dir.path()).output().unwrap();
    let out = run(&["check", "missing.dyn"]);
    assert_diagnosed(&out, "dyn::cli::file", "a missing file");
    std::fs::create_dir(dir.path().join("folder.dyn")).unwrap();
    let out = run(&["check", "folder.dyn"]);
    assert_diagnosed(&out, "dyn::cli::file", "a folder");
}

// ---- seeded fuzzing of parse + check ----------------------------------------------------------

/// Tokens worth inserting: keywords, punctuation, units, numbers at the edges.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    "=",
    "->",
    "<-",
    "..",
    ".",
    ":",
    "-",
    "+",
    "*",
    "/",
    "\"",
    "//",
    "/*",
    "use",
    "let",
    "device",
    "preset",
    "network",
    "input",
    "neurons",
    "layer",
    "output",
    "experiment",
    "on",
    "map",
    "quantize",
    "calibrate",
    "train",
    "simulate",
    "export",
    "with",
    "for",
    "to",
    "record",
    "deployed",
    "quantization",
    "calibration",
    "ms",
    "pA",
    "nA",
    "mV",
    "kHz",
    "%",
    "µs",
    "fF",
    "0",
    "-1",
    "1e308",
    "1e-320",
    "9223372036854775807",
    "99999999999999999999",
    "0..0",
    "5..2",
    "0.0",
    "load(\"x.npy\")",
    "load(\"\")",
    "uniform(0, 1, seed = 1)",
    "normal(0, 1, seed = -1)",
    "fill(1)",
    "one_to_one(1)",
    "poisson(rate = -1 Hz)",
    "dynapse2",
    "bss2",
    "crossbar",
    "autoencoder",
    "default",
    "x",
    "h",
    "net",
    "chip",
    "\n",
    " ",
    "\t",
    "µ",
    "é",
    "\u{0}",
    "\u{feff}",
    "[[1, 2], [3]]",
    "[]",
    "[[]]",
    "1 / 0",
    "0 / 0 ms",
    "1 / (0 ms)",
];

fn mutate(rng: &mut ChaCha8Rng, text: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        let len = out.len();
        let a = rng.gen_range(0..=len);
        let b = (a + rng.gen_range(0..=64)).min(len);
        match rng.gen_range(0..6) {
            // delete a range
            0 => {
                out.drain(a..b);
            }
            // duplicate a range
            1 => {
                let piece = out[a..b].to_vec();
                out.splice(b..b, piece);
            }
            // swap two ranges
            2 => {
                let c = rng.gen_range(b..=len);
                let d = (c + rng.gen_range(0..=64)).min(len);
                let (first, second) = (out[a..b].to_vec(), out[c..d].to_vec());
                out.splice(c..d, first);
                out.splice(a..b, second);
            }
            // insert a token
            3 | 4 => {
                let token = TOKENS[rng.gen_range(0..TOKENS.len())];
                out.splice(a..a, token.bytes());
            }
            // flip a byte (may break UTF-8)
            _ => {
                if let Some(byte) = out.get_mut(a) {
                    *byte ^= 1 << rng.gen_range(0..8);
                }
            }
        }
    }
    out
}

/// Every label of every diagnostic lies inside its source, on character boundaries.
fn assert_spans(diags: &Diagnostics, sources: &SourceMap, case: &str) {
    for d in &diags.items {
        assert!(!d.message.is_empty(), "{case}: a diagnostic without a message ({})", d.code.id);
        for label in &d.labels {
            let source = sources.get(label.span.source).unwrap_or_else(|| panic!("{case}: label in no source"));
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            let text = &source.text;
            assert!(start <= end && end <= text.len(), "{case}: span {start}..{end} outside {} bytes", text.len());
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{case}: span {start}..{end} splits a character ({})",
                d.message
            );
        }
    }
}

fn examples() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dyn"))
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
}

/// Parses and checks one mutated text; returns whether it checked cleanly.
fn check_case(case: &str, bytes: &[u8], dir: &Path, scratch: &Path) -> bool {
    let result = catch_unwind(AssertUnwindSafe(|| match std::str::from_utf8(bytes) {
        Ok(text) => dynlang::check_text("fuzz.dyn", text, dir),
        // invalid UTF-8 goes through the file loader, which decodes and reports it
        Err(_) => {
            let path = scratch.join("fuzz.dyn");
            std::fs::write(&path, bytes).unwrap();
            dynlang::check_file(&path)
        }
    }));
    let (sources, result) = match result {
        Ok(r) => r,
        Err(e) => {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("{case}: check panicked: {msg:?}\n---\n{}", String::from_utf8_lossy(bytes));
        }
    };
    match result {
        Ok(checked) => {
            assert_spans(&checked.warnings, &sources, case);
            true
        }
        Err(diags) => {
            assert!(diags.has_errors(), "{case}: Err without an error");
            assert_spans(&diags, &sources, case);
            // rendering every report must not panic either
            let rendered = catch_unwind(AssertUnwindSafe(|| {
                dynlang::diagnostics::render::render_all(&diags, &sources, dynlang::diagnostics::render::Style::Plain)
            }));
            assert!(rendered.is_ok(), "{case}: rendering panicked\n{}", String::from_utf8_lossy(bytes));
            false
        }
    }
}

#[test]
fn mutated_examples_never_panic() {
    const CASES: usize = 3000;
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_d1a9);
    let examples = examples();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let scratch = tempfile::tempdir().unwrap();
    let mut clean = 0;
    for i in 0..CASES {
        let (path, text) = &examples[rng.gen_range(0..examples.len())];
        let bytes = mutate(&mut rng, text);
        let case = format!("case {i} ({})", path.file_name().unwrap().to_string_lossy());
        if check_case(&case, &bytes, &dir, scratch.path()) {
            clean += 1;
        }
    }
    // Some mutations (whitespace, comments, a duplicated field) keep the file valid.
    assert!(clean > 0 && clean < CASES, "{clean} of {CASES} mutated files checked cleanly");
}

#[test]
fn random_token_soup_never_panics() {
    const CASES: usize = 1000;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let scratch = tempfile::tempdir().unwrap();
    for i in 0..CASES {
        let n = rng.gen_range(1..40);
        let text: String = (0..n).map(|_| TOKENS[rng.gen_range(0..TOKENS.len())]).collect::<Vec<_>>().join(" ");
        check_case(&format!("soup {i}"), text.as_bytes(), &dir, scratch.path());
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let scratch = tempfile::tempdir().unwrap();
    for i in 0..300 {
        let n = rng.gen_range(0..200);
        let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
        check_case(&format!("bytes {i}"), &bytes, &dir, scratch.path());
    }
}

#[test]
fn repl_expressions_never_panic() {
    // The REPL parses bare expressions with its own entry point.
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let dir = tempfile::tempdir().unwrap();
    let mut engine = dynlang::repl::Engine::new(dir.path(), dynlang::diagnostics::render::Style::Plain);
    for i in 0..500 {
        let n = rng.gen_range(1..12);
        let text: String = (0..n)
            .map(|_| TOKENS[rng.gen_range(0..TOKENS.len())])
            .filter(|t| !t.starts_with(':'))
            .collect::<Vec<_>>()
            .join(" ");
        let line = text.replace('\n', " ");
        let reply = catch_unwind(AssertUnwindSafe(|| engine.eval_line(&line)));
        assert!(reply.is_ok(), "repl input {i} panicked: {line:?}");
    }
}

// ---- runs that fail, and sizes no experiment needs ---------------------------------------------

fn dyn_run(dir: &Path, name: &str, text: &str, out: &Path) -> Output {
    std::fs::write(dir.join(name), text).unwrap();
    Command::new(env!("CARGO_BIN_EXE_dyn"))
        .args(["run", name, "-o"])
        .arg(out)
        .args(["--quiet", "--no-plots"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

#[test]
fn a_failed_run_leaves_no_outputs() {
    // the first experiment succeeds, the second blows up at run time: neither folder appears
    let text = "use dynapse2\ndevice chip = dynapse2.default\n\
                network ok { neurons n[1] { Idc = 1 nA } }\n\
                network bad { neurons n[1] { Idc = 1 nA, Ut = 1e-30 V } }\n\
                experiment first on chip { simulate ok for 20 ms { record spikes(n) } }\n\
                experiment second on chip { simulate bad for 20 ms { record Imem(n) } }\n";
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh");
    let out = dyn_run(dir.path(), "two.dyn", text, &fresh);
    assert_diagnosed(&out, "dyn::run::non_finite", "second experiment");
    assert!(!fresh.exists(), "a failed run left its output folder behind");
    // an existing output folder is left as it was: empty
    let existing = dir.path().join("existing");
    std::fs::create_dir(&existing).unwrap();
    assert_diagnosed(&dyn_run(dir.path(), "two.dyn", text, &existing), "dyn::run::non_finite", "existing -o");
    assert_eq!(std::fs::read_dir(&existing).unwrap().count(), 0, "a failed run left files behind");
    // the good experiment alone runs and writes its folder
    let out = Command::new(env!("CARGO_BIN_EXE_dyn"))
        .args(["run", "two.dyn", "-e", "first", "--quiet", "--no-plots", "-o"])
        .arg(&existing)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_valid(&out, "-e first");
    assert!(existing.join("first/spikes.n.npy").exists());
}

#[test]
fn a_step_that_would_replace_another_steps_file_fails_the_run() {
    // on a Dynap-SE2 `export weights to "w.npy"` writes w.in.npy and w.rec.npy; the spec export
    // onto one of them is refused (by the check, before the run writes anything; the crossbar's
    // per-projection files, which only the run knows, are fixture experiment.clash.run); a
    // second quantize may rewrite its own files
    let file = |last: &str| {
        format!(
            "use dynapse2\ndevice chip = dynapse2.default\nnetwork net {{ input x[2]\n neurons h[2]\n \
             x -> h = uniform(0, 1, seed = 1) }}\nquantization q = autoencoder {{ num_epoch = 20 }}\n\
             experiment e on chip {{ map net\n quantize with q\n export weights to \"w.npy\"\n {last} }}\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = dyn_run(dir.path(), "clash.dyn", &file("export spec to \"w.rec.npy\""), &out_dir);
    assert_diagnosed(&out, "dyn::experiment::clash", "export onto an export's side file");
    assert!(String::from_utf8_lossy(&out.stderr).contains("two steps write `w.rec.npy`"));
    assert!(!out_dir.exists(), "a failed run left its output folder behind");
    let out = dyn_run(dir.path(), "again.dyn", &file("quantize with q"), &out_dir);
    assert_valid(&out, "a second quantize");
    assert!(out_dir.join("e/quantized.w_in.npy").exists());
}

#[test]
fn export_paths_that_name_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = |path: &str| {
        format!(
            "use dynapse2\ndevice chip = dynapse2.default\nnetwork net {{ input x[2]\n neurons h[2]\n \
             x -> h = uniform(0, 1, seed = 1) }}\nexperiment e on chip {{ map net\n export spec to \"{path}\" }}\n"
        )
    };
    let long = format!("{}.json", "a".repeat(300));
    for path in [".", "./", "sub/..", "", "../x.json", "/tmp/x.json", long.as_str()] {
        let out = dyn_check(dir.path(), "export.dyn", file(path).as_bytes());
        assert_diagnosed(&out, "dyn::experiment::export", path);
    }
    for path in ["summary.json", "./quantization.json", "raster.svg"] {
        let out = dyn_check(dir.path(), "export.dyn", file(path).as_bytes());
        assert_diagnosed(&out, "dyn::experiment::clash", path);
    }
    // one path used as a file and as a folder
    let nested = file("a.json").replace("\" }\n", "\"\n export spec to \"a.json/b.json\" }\n");
    assert_diagnosed(&dyn_check(dir.path(), "nested.dyn", nested.as_bytes()), "dyn::experiment::clash", "nested");
    assert_valid(&dyn_check(dir.path(), "fine.dyn", file("sub/spec.json").as_bytes()), "sub/spec.json");
}

#[test]
fn absurd_sizes_are_refused_by_the_checker() {
    let dir = tempfile::tempdir().unwrap();
    let sim = |pop: &str, duration: &str, dt: &str| {
        format!(
            "use dynapse2\ndevice chip = dynapse2.default {{ dt = {dt} }}\nnetwork net {{ input x[4]\n \
             neurons h[{pop}]\n x -> h = uniform(0, 1, seed = 1) }}\nexperiment e on chip {{ simulate net for \
             {duration} {{ x <- poisson(rate = 10 Hz, seed = 1)\n record spikes(h), Imem(h) }} }}\n"
        )
    };
    let cases = [
        ("1", "1e9 s", "1 ms", "dyn::experiment::duration"),
        ("1", "1000000 s", "1 ms", "dyn::experiment::duration"),
        ("1", "1 s", "1e-320 s", "dyn::experiment::duration"),
        ("1", "1 s", "0 ms", "dyn::types::range"),
        ("4000000000", "1 s", "1 ms", "dyn::types::range"),
        ("0", "1 s", "1 ms", "dyn::types::range"),
        ("1024", "2000 s", "1 ms", "dyn::experiment::size"),
        ("64", "2000 s", "1 ms", "dyn::experiment::size"),
    ];
    for (pop, duration, dt, code) in cases {
        let out = dyn_check(dir.path(), "sim.dyn", sim(pop, duration, dt).as_bytes());
        assert_diagnosed(&out, code, &format!("h[{pop}] for {duration} at dt = {dt}"));
    }
    assert_valid(&dyn_check(dir.path(), "sim.dyn", sim("64", "20 s", "1 ms").as_bytes()), "a modest simulation");
    let train = |hidden: &str, epochs: &str| {
        format!(
            "use crossbar\ndevice tile = crossbar.ReRamSB\nnetwork mlp {{ input x[2]\n layer h[{hidden}]\n \
             layer out[2] {{ activation = none }}\n x -> h = analog\n h -> out = analog\n output out }}\n\
             experiment fit on tile {{ train mlp with {{ data = [[0.1, 0.2], [0.2, 0.1]], labels = [0, 1], \
             epochs = {epochs} }} }}\n"
        )
    };
    for (hidden, epochs, code) in [
        ("8", "1e15", "dyn::types::"),
        ("500000", "1_000_000", "dyn::experiment::size"),
        ("4000000", "1", "dyn::experiment::size"),
    ] {
        let out = dyn_check(dir.path(), "train.dyn", train(hidden, epochs).as_bytes());
        assert_diagnosed(&out, code, &format!("h[{hidden}], {epochs} epochs"));
    }
    assert_valid(&dyn_check(dir.path(), "train.dyn", train("8", "100").as_bytes()), "a modest training run");
    let quantize = |fixed: &str, epochs: &str| {
        format!(
            "use dynapse2\ndevice chip = dynapse2.default\nnetwork net {{ input x[2]\n neurons h[2]\n \
             x -> h = uniform(0, 1, seed = 1) }}\nquantization q = autoencoder {{ fixed_epoch = {fixed}, \
             num_epoch = {epochs} }}\nexperiment e on chip {{ map net\n quantize with q }}\n"
        )
    };
    let out = dyn_check(dir.path(), "q.dyn", quantize("true", "1_000_000_000").as_bytes());
    assert_diagnosed(&out, "dyn::experiment::size", "a billion fixed epochs");
    assert_valid(&dyn_check(dir.path(), "q.dyn", quantize("false", "1_000_000_000").as_bytes()), "stopping rule");
    // the stopping rule checks only every num_epoch_checkpoint epochs
    let huge_chunk = quantize("false", "2000, num_epoch_checkpoint = 4_000_000_000");
    assert_diagnosed(&dyn_check(dir.path(), "q.dyn", huge_chunk.as_bytes()), "dyn::experiment::size", "checkpoint");
}

#[test]
fn endless_files_are_not_read_to_the_end() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dyn")).args(["check", "/dev/zero"]).output().unwrap();
    assert_diagnosed(&out, "dyn::cli::file", "/dev/zero as the file");
    let out = dyn_check(dir.path(), "use.dyn", b"use \"/dev/zero\" as z\n");
    assert_diagnosed(&out, "dyn::names::import_file", "/dev/zero imported");
    let text = "network n { input x[2]\n neurons h[2]\n x -> h = load(\"/dev/zero\") }\n";
    assert_diagnosed(&dyn_check(dir.path(), "load.dyn", text.as_bytes()), "dyn::load::missing", "/dev/zero loaded");
}

/// `dyn check` in `dir`, killed (and the test failed) if it has not finished after 30 s: a FIFO
/// that were opened would block it until a writer came.
#[cfg(unix)]
fn dyn_check_or_hang(dir: &Path, name: &str, bytes: Option<&[u8]>) -> Output {
    if let Some(bytes) = bytes {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_dyn"))
        .args(["check", name])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("dyn check {name} blocked");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn fifos_and_folders_are_refused_before_they_are_opened() {
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new("mkfifo").arg(dir.path().join("pipe.npy")).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system
    }
    std::fs::create_dir(dir.path().join("folder.npy")).unwrap();
    for (target, kind) in [("pipe.npy", "a named pipe (FIFO)"), ("folder.npy", "a folder")] {
        let text = format!("network n {{ input x[2]\n neurons h[2]\n x -> h = load(\"{target}\") }}\n");
        let out = dyn_check_or_hang(dir.path(), "load.dyn", Some(text.as_bytes()));
        assert_diagnosed(&out, "dyn::load::missing", target);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("it is {kind}, not a regular file")), "{target}:\n{stderr}");
        assert!(stderr.contains("not a regular file") && stderr.contains("help:"), "{target}:\n{stderr}");
        let out = dyn_check_or_hang(dir.path(), "use.dyn", Some(format!("use \"{target}\" as m\n").as_bytes()));
        assert_diagnosed(&out, "dyn::names::import_file", target);
    }
    assert_diagnosed(&dyn_check_or_hang(dir.path(), "pipe.npy", None), "dyn::cli::file", "a FIFO as the file");
}

/// Output names that differ only in letter case are one file on macOS and Windows: a warning at
/// check time (valid on Linux, where both are written), while the same spelling in a later
/// simulation still takes a suffix.
#[test]
fn output_names_differing_only_in_case_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let file = |populations: &str, steps: &str| {
        format!(
            "use dynapse2\ndevice chip = dynapse2.default\nnetwork net {{ input x[2]\n {populations}\n }}\n\
             experiment e on chip {{ {steps} }}\n"
        )
    };
    let two = "neurons H[2]\n neurons h[2]\n x -> H = [[1, 0], [0, 1]]\n x -> h = [[1, 0], [0, 1]]";
    let one = "neurons h[2]\n x -> h = [[1, 0], [0, 1]]";
    for (populations, steps, what) in [
        (two, "simulate net for 10 ms { record Imem(H), Imem(h) }", "populations H and h"),
        (one, "simulate net for 10 ms { record Imem(h) }\n simulate net for 10 ms { record imem(h) }", "two steps"),
        (one, "map net\n export spec to \"a.json\"\n export spec to \"A.json\"", "two exports"),
    ] {
        let out = dyn_check(dir.path(), "case.dyn", file(populations, steps).as_bytes());
        assert_valid(&out, what);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("dyn::experiment::case"), "{what}\n{}", clip(&stderr));
    }
    // dyn's own files stay refused in any case: `Summary.json` would replace summary.json there
    let summary = file(one, "map net\n export spec to \"Summary.json\"");
    assert_diagnosed(&dyn_check(dir.path(), "case.dyn", summary.as_bytes()), "dyn::experiment::clash", "Summary.json");
    let same = "simulate net for 10 ms { record Imem(h) }\n simulate net for 10 ms { record Imem(h) }";
    assert_valid(&dyn_check(dir.path(), "case.dyn", file(one, same).as_bytes()), "one spelling in two steps");
}
