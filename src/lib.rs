//! dyn: a declarative experiment language for neuromorphic and analog-AI hardware.
//!
//! The pipeline is a chain of stages, one module each:
//!
//! ```text
//!  .dyn text ──syntax──▶ AST with spans ──check──▶ Checked model (SI units, shapes, limits)
//!            ──lower──▶ a plan of passes ──passes──▶ map · quantize · simulate · calibrate · train
//!            ──output──▶ npy, json and svg files, written atomically
//! ```
//!
//! ```
//! let text = "let tau = 2 * 10 ms\ndevice chip = dynapse2.default { tau_mem = tau }";
//! let (_, checked) = dynlang::check_text("doc.dyn", text, std::path::Path::new("."));
//! let checked = checked.expect("a valid file");
//! assert!(checked.model.devices.contains_key("chip"));
//! ```
//!
//! Device physics lives in `devices`, one folder per device family; `diagnostics` renders every
//! mistake as a miette report with a stable code.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, unsafe_code)]

pub mod check;
pub mod cli;
pub mod devices;
pub mod diagnostics;
pub mod files;
pub mod lower;
pub mod model;
pub mod output;
pub mod passes;
pub mod repl;
pub mod run;
pub mod stdlib;
pub mod syntax;

use std::path::Path;

use check::program::{load, Input};
use diagnostics::Diagnostics;
use model::Checked;
use syntax::span::SourceMap;

/// Parses and checks a file and everything it imports.
pub fn check_file(path: &Path) -> (SourceMap, Result<Checked, Diagnostics>) {
    let (program, diags) = load(Input::File(path));
    let result = check::check(&program, diags);
    (program.sources, result)
}

/// Parses and checks text as if it were a file named `name` in folder `dir`.
pub fn check_text(name: &str, text: &str, dir: &Path) -> (SourceMap, Result<Checked, Diagnostics>) {
    let (program, diags) = load(Input::Text { name, text, dir });
    let result = check::check(&program, diags);
    (program.sources, result)
}

/// Runs one experiment of a checked session for the REPL, into `dir/out/`; returns what to print,
/// or the run's diagnostics (spans in `checked.sources`) for the REPL to render.
pub fn run_in_repl(checked: &Checked, experiment: &str, dir: &Path) -> Result<String, Diagnostics> {
    let options = run::RunOptions {
        out_dir: dir.join("out"),
        experiment: Some(experiment.to_string()),
        plots: true,
        progress: output::ProgressPolicy::hidden(),
    };
    let outcomes = run::run(checked, &options)?;
    Ok(outcomes.iter().map(|o| format!("{}: {} files in {}\n", o.name, o.files.len(), o.dir.display())).collect())
}
