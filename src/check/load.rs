//! `load("x.npy")`: reads a NumPy array at check time, so shapes are known before anything runs.

use std::path::Path;

use ndarray::ArrayD;
use ndarray_npy::{ReadNpyError, ReadNpyExt};

use super::units::Dim;
use super::value::Array;
use crate::diagnostics::{codes, Diag};
use crate::syntax::span::Span;

/// Largest file `load` reads (a guard against reading a disk image by mistake).
const MAX_BYTES: u64 = 2 << 30;

/// Reads `path` (relative to `base`) as a float64 array, accepting the common numeric dtypes.
pub fn load_npy(base: &Path, path: &str, path_span: Span, call_span: Span) -> Result<Array, Diag> {
    let full = base.join(path);
    let missing = |why: String| {
        Diag::error(&codes::LOAD_MISSING, format!("cannot read `{path}`: {why}"))
            .label(path_span, "this file")
            .help(format!("paths are relative to the .dyn file's folder; looked for {}", full.display()))
    };
    let meta = std::fs::metadata(&full).map_err(|e| missing(io_reason(&e)))?;
    if meta.is_dir() {
        return Err(missing("it is a folder".to_string()));
    }
    if meta.len() > MAX_BYTES {
        return Err(missing(format!("it is larger than {} GiB", MAX_BYTES >> 30)));
    }
    let bytes = std::fs::read(&full).map_err(|e| missing(io_reason(&e)))?;
    decode(&bytes).map_err(|why| {
        Diag::error(&codes::LOAD_MALFORMED, format!("`{path}` is not a usable .npy array: {why}"))
            .label(call_span, "loaded here")
            .help("save it with numpy.save(path, array); dtypes float64, float32, int64, int32, int16, int8, uint8..uint64 and bool are read")
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Decodes .npy bytes of any supported dtype into f64.
pub fn decode(bytes: &[u8]) -> Result<Array, String> {
    macro_rules! attempt {
        ($t:ty, $integer:expr) => {
            match ArrayD::<$t>::read_npy(bytes) {
                Ok(a) => {
                    #[allow(clippy::cast_precision_loss, clippy::cast_lossless)] // numpy's own float conversion
                    let data = a.mapv(|v| v as f64);
                    return finite(Array { data, dim: Dim::NONE, integer: $integer });
                }
                Err(ReadNpyError::WrongDescriptor(_)) => {}
                Err(e) => return Err(describe(&e)),
            }
        };
    }
    attempt!(f64, false);
    attempt!(f32, false);
    attempt!(i64, true);
    attempt!(i32, true);
    attempt!(i16, true);
    attempt!(i8, true);
    attempt!(u64, true);
    attempt!(u32, true);
    attempt!(u16, true);
    attempt!(u8, true);
    match ArrayD::<bool>::read_npy(bytes) {
        Ok(a) => finite(Array { data: a.mapv(|v| if v { 1.0 } else { 0.0 }), dim: Dim::NONE, integer: true }),
        Err(ReadNpyError::WrongDescriptor(d)) => Err(format!("unsupported dtype {d}")),
        Err(e) => Err(describe(&e)),
    }
}

fn finite(a: Array) -> Result<Array, String> {
    match a.data.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(format!("element {i} (flat index) is NaN or infinite")),
        None => Ok(a),
    }
}

fn describe(e: &ReadNpyError) -> String {
    match e {
        ReadNpyError::Io(io) => format!("the file is truncated or unreadable ({io})"),
        ReadNpyError::ParseHeader(_) => "the header is not a valid .npy header".to_string(),
        ReadNpyError::ParseData(_) => "the data does not match its header".to_string(),
        ReadNpyError::LengthOverflow => "the shape is too large".to_string(),
        ReadNpyError::MissingData => "the file ends before all elements were read".to_string(),
        ReadNpyError::ExtraBytes(n) => format!("{n} bytes follow the data"),
        other => other.to_string(),
    }
}
