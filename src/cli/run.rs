//! `dyn run FILE [-o DIR] [-e NAME]`

use std::path::Path;

use crate::diagnostics::render::{render_all, Style};
use crate::output::ProgressPolicy;
use crate::run::{run_file, RunOptions};

pub fn run(file: &Path, out: &Path, experiment: Option<String>, plots: bool, quiet: bool, style: Style) -> i32 {
    let options = RunOptions { out_dir: out.to_path_buf(), experiment, plots, progress: ProgressPolicy::detect(quiet) };
    let (sources, result) = run_file(file, &options);
    match result {
        Ok(outcomes) => {
            for outcome in &outcomes {
                if let Some(warnings) = outcome.summary.get("warnings").and_then(|w| w.as_array()) {
                    for w in warnings {
                        let (code, message) = (
                            w.get("code").and_then(|c| c.as_str()).unwrap_or(""),
                            w.get("message").and_then(|m| m.as_str()).unwrap_or(""),
                        );
                        eprintln!("warning[{code}]: {message}");
                    }
                }
                if style != Style::Json {
                    super::out(&format!(
                        "{}: {} files in {}\n",
                        outcome.name,
                        outcome.files.len(),
                        outcome.dir.display()
                    ));
                }
            }
            0
        }
        Err(diags) => {
            eprint!("{}", render_all(&diags, &sources, style));
            1
        }
    }
}
