//! `load("x.npy")`: reads a NumPy array at check time, so shapes are known before anything runs.

use std::path::Path;

use super::units::Dim;
use super::value::Array;
use crate::diagnostics::{codes, Diag};
use crate::output::npy::{read_npy, NpyError};
use crate::syntax::span::Span;

/// Reads `path` (relative to `base`) as a float64 array, accepting numpy's numeric dtypes.
pub fn load_npy(base: &Path, path: &str, path_span: Span, call_span: Span) -> Result<Array, Diag> {
    let full = base.join(path);
    let missing = |why: &str| {
        Diag::error(&codes::LOAD_MISSING, format!("cannot read `{path}`: {why}"))
            .label(path_span, "this file")
            .help(format!("paths are relative to the .dyn file's folder; looked for {}", full.display()))
    };
    let array = read_npy(&full).map_err(|e| match e {
        NpyError::Missing { .. } => missing("no such file"),
        // a folder, FIFO or device: refused before it is opened, so nothing blocks or reads forever
        NpyError::Read { source, .. } if crate::files::is_not_regular(&source) => {
            Diag::error(&codes::LOAD_MISSING, format!("cannot read `{path}`: {source}"))
                .label(path_span, "not a regular file")
                .help("`load` reads a .npy file saved with numpy.save; copy a pipe's or device's data into one first")
        }
        NpyError::Read { source, .. } => missing(&source.to_string()),
        other => Diag::error(&codes::LOAD_MALFORMED, format!("`{path}` is not a usable .npy array"))
            .label(call_span, short_reason(&other))
            .help("save it with numpy.save(path, array); float, int, uint and bool dtypes are read"),
    })?;
    let integer = array.dtype.is_integer();
    if let Some(i) = array.data.iter().position(|v| !v.is_finite()) {
        return Err(Diag::error(
            &codes::LOAD_MALFORMED,
            format!("`{path}` holds a NaN or infinite value (flat index {i})"),
        )
        .label(call_span, "loaded here")
        .help("every loaded value must be finite"));
    }
    Ok(Array { data: array.data, dim: Dim::NONE, integer })
}

fn short_reason(error: &NpyError) -> String {
    match error {
        NpyError::Malformed { reason, .. } => reason.clone(),
        NpyError::UnsupportedDtype { descr, .. } => format!("its dtype {descr} is not numeric"),
        other => other.to_string(),
    }
}
