//! Every file in examples/ checks, runs (plots off), and its summary and output files are
//! snapshots. A new example needs no new test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::path::Path;

use common::{quiet_run, strip_seconds};
use dynlang::output::json::round_floats;
use dynlang::run::run_file;
use serde_json::{json, Value};

/// Shape and dtype of every .npy the run wrote.
fn arrays(dir: &Path) -> Value {
    let mut out = serde_json::Map::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "npy")) {
        let array = dynlang::output::npy::read_npy(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        out.insert(name, json!({ "dtype": array.dtype.name(), "shape": array.shape() }));
    }
    Value::Object(out)
}

#[test]
fn examples() {
    insta::glob!("../examples", "*.dyn", |path| {
        let out = tempfile::tempdir().unwrap();
        let options = quiet_run(out.path().to_path_buf());
        let (sources, result) = run_file(path, &options);
        let outcomes = match result {
            Ok(o) => o,
            Err(d) => panic!(
                "{}",
                dynlang::diagnostics::render::render_all(&d, &sources, dynlang::diagnostics::render::Style::Plain)
            ),
        };
        let mut report = serde_json::Map::new();
        for outcome in outcomes {
            let mut summary = outcome.summary.clone();
            strip_seconds(&mut summary);
            round_floats(&mut summary, 6);
            report.insert(outcome.name.clone(), json!({ "summary": summary, "arrays": arrays(&outcome.dir) }));
        }
        insta::assert_json_snapshot!(Value::Object(report));
    });
}
