//! `dyn check FILE...`

use std::path::PathBuf;

use crate::diagnostics::render::{render_all, Style};

pub fn run(files: &[PathBuf], style: Style) -> i32 {
    let mut code = 0;
    for file in files {
        let (sources, result) = crate::check_file(file);
        match result {
            Ok(checked) => {
                if !checked.warnings.is_empty() {
                    eprint!("{}", render_all(&checked.warnings, &sources, style));
                }
                if style != Style::Json {
                    let m = &checked.model;
                    super::out(&format!(
                        "{}: ok ({} devices, {} networks, {} experiments)\n",
                        file.display(),
                        m.devices.len(),
                        m.networks.len(),
                        m.experiments.len()
                    ));
                }
            }
            Err(diags) => {
                eprint!("{}", render_all(&diags, &sources, style));
                code = 1;
            }
        }
    }
    code
}
