//! One small bad file per diagnostic code in tests/errors/. Each is run through the real binary
//! (plain output: stderr is a pipe, so no colour, fixed width) and its rendered report is a
//! snapshot. A fixture's first line names the code it must produce: `// error: dyn::<phase>::<name>`.
//! An optional second line `// dyn: CMD ARGS...` runs `dyn CMD FIXTURE ARGS...` instead of
//! `dyn check FIXTURE` (for `run`, `-o <temp dir>` is added and redacted from the snapshot).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use dynlang::diagnostics::codes;

/// Codes that no fixture can reach yet, each with the reason. Keep this list short.
const NOT_YET_REACHABLE: &[&str] = &[];

/// The fixture's directives: the code it must produce and the command line to run.
struct Fixture {
    code: String,
    command: Vec<String>,
}

fn read_fixture(path: &Path) -> Fixture {
    let bytes = std::fs::read(path).unwrap();
    // Fixtures may hold invalid UTF-8 after their header: read only the header lines as text.
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let code = first
        .strip_prefix("// error: ")
        .or_else(|| first.strip_prefix("// warning: "))
        .unwrap_or_else(|| panic!("{}: first line must be `// error: dyn::<phase>::<name>`", path.display()))
        .trim()
        .to_string();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let command = match lines.next().and_then(|l| l.strip_prefix("// dyn: ")) {
        Some(directive) => {
            let mut words = directive.split_whitespace().map(str::to_string);
            let sub = words.next().unwrap();
            let mut cmd = vec![sub.clone(), name];
            cmd.extend(words);
            cmd
        }
        None => vec!["check".to_string(), name],
    };
    Fixture { code, command }
}

/// `units.mismatch.variant.dyn` -> `dyn::units::mismatch`.
fn code_of_name(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut parts = name.trim_end_matches(".dyn").split('.');
    let (phase, code) = (parts.next().unwrap(), parts.next().unwrap_or_default());
    format!("dyn::{phase}::{code}")
}

#[test]
fn fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/errors");
    insta::glob!("errors", "*.dyn", |path| {
        let fixture = read_fixture(path);
        assert_eq!(fixture.code, code_of_name(path), "{}: file name and first line disagree", path.display());
        assert!(codes::by_id(&fixture.code).is_some(), "{}: unknown code {}", path.display(), fixture.code);
        let out = tempfile::tempdir().unwrap();
        let out_dir = out.path().to_string_lossy().into_owned();
        let mut args = fixture.command.clone();
        if args.first().is_some_and(|c| c == "run") {
            if !args.iter().any(|a| a == "-o") {
                args.extend(["-o".to_string(), out_dir.clone()]);
            }
            args.extend(["--quiet".to_string(), "--no-plots".to_string()]);
        }
        let output = Command::new(env!("CARGO_BIN_EXE_dyn"))
            .args(&args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).replace(&out_dir, "[OUT]");
        let status = output.status.code();
        assert!(
            status == Some(1) || status == Some(0) && is_warning(&fixture.code),
            "{}: exit status {status:?}, expected 1\n{stderr}",
            path.display()
        );
        assert!(stderr.contains(&fixture.code), "{}: {} not reported\n{stderr}", path.display(), fixture.code);
        assert!(!stderr.contains("Rule::"), "{}: a pest rule name leaked\n{stderr}", path.display());
        insta::with_settings!({ description => format!("dyn {}", args.join(" ").replace(&out_dir, "[OUT]")), omit_expression => true }, {
            insta::assert_snapshot!(stderr);
        });
    });
}

/// Warning-only codes say so in their documentation.
fn is_warning(code: &str) -> bool {
    codes::by_id(code).is_some_and(|c| c.doc.contains("(warning)"))
}

#[test]
fn every_code_has_a_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/errors");
    let covered: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dyn"))
        .map(|p| code_of_name(&p))
        .collect();
    let missing: Vec<&str> = codes::ALL
        .iter()
        .map(|c| c.id)
        .filter(|id| !covered.contains(*id) && !NOT_YET_REACHABLE.contains(id))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture in tests/errors/: {missing:#?}");
    let stale: Vec<&&str> = NOT_YET_REACHABLE.iter().filter(|id| covered.contains(**id)).collect();
    assert!(stale.is_empty(), "codes in NOT_YET_REACHABLE now have a fixture; remove them: {stale:?}");
}
