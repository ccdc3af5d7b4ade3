//! `.npy` files: the arrays a run writes (`X.pop.npy` float64, `spikes.pop.npy` uint8, weights,
//! calibration results) go through the [`OutputStage`]; [`read_npy`] serves the front end's
//! `load("x.npy")`, accepting the common numeric dtypes and converting them to float64.

mod header;

use std::path::{Path, PathBuf};

use ndarray::{ArrayBase, ArrayD, Data, Dimension};
use ndarray_npy::{ReadNpyExt, WritableElement, WriteNpyExt};

use super::staging::{OutputStage, StageError};

pub use header::MAGIC;

/// Why an array could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    /// The file to load does not exist.
    #[error("cannot find the array file `{path}`")]
    Missing {
        /// The path as opened.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("cannot read the array file `{path}`")]
    Read {
        /// The path as opened.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid `.npy` file; `reason` is a sentence starting with "it".
    #[error("`{path}` is not a valid .npy file: {reason}")]
    Malformed {
        /// The path as opened.
        path: PathBuf,
        /// What is wrong, e.g. "it ends before the data does (96 bytes expected, 50 found)".
        reason: String,
    },
    /// A valid `.npy` file with an element type dyn does not load.
    #[error(
        "`{path}` holds `{descr}` elements; dyn loads float64, float32, int64, int32, int16, \
         int8, uint64, uint32, uint16, uint8 and bool arrays"
    )]
    UnsupportedDtype {
        /// The path as opened.
        path: PathBuf,
        /// The dtype string from the header, e.g. `<c16`.
        descr: String,
    },
    /// Encoding the array failed (does not happen for in-memory buffers in practice).
    #[error("cannot encode the array for `{path}` as .npy: {reason}")]
    Encode {
        /// The output path.
        path: String,
        /// The encoder's message.
        reason: String,
    },
    /// Staging the encoded file failed.
    #[error(transparent)]
    Stage(#[from] StageError),
}

/// The element type a loaded array had on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NpyDtype {
    /// `<f8`
    Float64,
    /// `<f4`
    Float32,
    /// `<i8` (values beyond 2^53 lose precision as float64)
    Int64,
    /// `<i4`
    Int32,
    /// `<i2`
    Int16,
    /// `|i1`
    Int8,
    /// `<u8` (values beyond 2^53 lose precision as float64)
    Uint64,
    /// `<u4`
    Uint32,
    /// `<u2`
    Uint16,
    /// `|u1`
    Uint8,
    /// `|b1`, loaded as 0.0 / 1.0
    Bool,
}

impl NpyDtype {
    /// numpy's name for it: `float64`, `uint8`, `bool`, ...
    pub fn name(self) -> &'static str {
        match self {
            Self::Float64 => "float64",
            Self::Float32 => "float32",
            Self::Int64 => "int64",
            Self::Int32 => "int32",
            Self::Int16 => "int16",
            Self::Int8 => "int8",
            Self::Uint64 => "uint64",
            Self::Uint32 => "uint32",
            Self::Uint16 => "uint16",
            Self::Uint8 => "uint8",
            Self::Bool => "bool",
        }
    }

    /// True for the integer and bool types (labels, codes, spike counts).
    pub fn is_integer(self) -> bool {
        !matches!(self, Self::Float64 | Self::Float32)
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Self::Float64 | Self::Int64 | Self::Uint64 => 8,
            Self::Float32 | Self::Int32 | Self::Uint32 => 4,
            Self::Int16 | Self::Uint16 => 2,
            Self::Int8 | Self::Uint8 | Self::Bool => 1,
        }
    }

    /// The dtype for a header `descr`, in either byte order.
    fn from_descr(descr: &str) -> Option<Self> {
        // Exactly the spellings numpy writes (and ndarray-npy decodes).
        Some(match descr {
            "<f8" | ">f8" => Self::Float64,
            "<f4" | ">f4" => Self::Float32,
            "<i8" | ">i8" => Self::Int64,
            "<i4" | ">i4" => Self::Int32,
            "<i2" | ">i2" => Self::Int16,
            "|i1" | "i1" | "b" => Self::Int8,
            "<u8" | ">u8" => Self::Uint64,
            "<u4" | ">u4" => Self::Uint32,
            "<u2" | ">u2" => Self::Uint16,
            "|u1" | "u1" | "B" => Self::Uint8,
            "|b1" => Self::Bool,
            _ => return None,
        })
    }
}

/// An array loaded from a `.npy` file, converted to float64.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The values, in the file's shape (row-major indexing whatever the file's order).
    pub data: ArrayD<f64>,
    /// The element type on disk.
    pub dtype: NpyDtype,
}

impl NpyArray {
    /// The shape on disk (`[]` for a 0-d array).
    pub fn shape(&self) -> &[usize] {
        self.data.shape()
    }
}

/// Encodes an array as `.npy` bytes, always row-major (`fortran_order: False`).
pub fn npy_bytes<A, S, D>(array: &ArrayBase<S, D>) -> Result<Vec<u8>, String>
where
    A: WritableElement + Clone,
    S: Data<Elem = A>,
    D: Dimension,
{
    let mut buffer = Vec::with_capacity(128 + array.len() * std::mem::size_of::<A>());
    // Borrowed when already row-major, copied otherwise.
    let written = array.as_standard_layout().write_npy(&mut buffer);
    written.map_err(|e| e.to_string())?;
    Ok(buffer)
}

/// Stages any numpy-writable array as `path` (relative to the experiment folder) and returns its
/// final path.
pub fn write_array<A, S, D>(stage: &mut OutputStage, path: &str, array: &ArrayBase<S, D>) -> Result<PathBuf, NpyError>
where
    A: WritableElement + Clone,
    S: Data<Elem = A>,
    D: Dimension,
{
    let bytes = npy_bytes(array).map_err(|reason| NpyError::Encode { path: path.into(), reason })?;
    Ok(stage.write(path, &bytes)?)
}

/// Stages a float64 array (`<f8`): recorded traces (steps x neurons), weights, calibration values.
pub fn write_f64<S, D>(stage: &mut OutputStage, path: &str, array: &ArrayBase<S, D>) -> Result<PathBuf, NpyError>
where
    S: Data<Elem = f64>,
    D: Dimension,
{
    write_array(stage, path, array)
}

/// Stages a uint8 array (`|u1`): spike counts per step (steps x neurons).
pub fn write_u8<S, D>(stage: &mut OutputStage, path: &str, array: &ArrayBase<S, D>) -> Result<PathBuf, NpyError>
where
    S: Data<Elem = u8>,
    D: Dimension,
{
    write_array(stage, path, array)
}

/// Loads a `.npy` file of any dimension and a supported dtype as float64. Never panics and never
/// allocates more than the file's size for a malformed header.
pub fn read_npy(path: &Path) -> Result<NpyArray, NpyError> {
    let bytes =
        crate::files::read_bounded(path, crate::files::MAX_ARRAY_BYTES, b"\x93NUMPY").map_err(|source| match source
            .kind()
        {
            std::io::ErrorKind::NotFound => NpyError::Missing { path: path.into() },
            _ => NpyError::Read { path: path.into(), source },
        })?;
    parse_npy(&bytes).map_err(|failure| match failure {
        Failure::Malformed(reason) => NpyError::Malformed { path: path.into(), reason },
        Failure::Unsupported(descr) => NpyError::UnsupportedDtype { path: path.into(), descr },
    })
}

/// What [`parse_npy`] found wrong, before the path is attached.
#[derive(Debug)]
enum Failure {
    Malformed(String),
    Unsupported(String),
}

/// Decodes `.npy` bytes already in memory.
fn parse_npy(bytes: &[u8]) -> Result<NpyArray, Failure> {
    let header = header::parse_header(bytes).map_err(Failure::Malformed)?;
    let dtype = NpyDtype::from_descr(&header.descr).ok_or_else(|| Failure::Unsupported(header.descr.clone()))?;
    check_data_length(&header, dtype, bytes.len()).map_err(Failure::Malformed)?;
    // The header and length are proven consistent, so decoding allocates at most the file size.
    let decoded = match dtype {
        NpyDtype::Float64 => decode::<f64>(bytes, |v| v),
        NpyDtype::Float32 => decode::<f32>(bytes, f64::from),
        NpyDtype::Int64 => decode::<i64>(bytes, |v| v as f64),
        NpyDtype::Int32 => decode::<i32>(bytes, f64::from),
        NpyDtype::Int16 => decode::<i16>(bytes, f64::from),
        NpyDtype::Int8 => decode::<i8>(bytes, f64::from),
        NpyDtype::Uint64 => decode::<u64>(bytes, |v| v as f64),
        NpyDtype::Uint32 => decode::<u32>(bytes, f64::from),
        NpyDtype::Uint16 => decode::<u16>(bytes, f64::from),
        NpyDtype::Uint8 => decode::<u8>(bytes, f64::from),
        NpyDtype::Bool => decode::<bool>(bytes, |v| if v { 1.0 } else { 0.0 }),
    };
    let data = decoded.map_err(Failure::Malformed)?;
    Ok(NpyArray { data, dtype })
}

/// Compares the data size the header promises with the bytes present.
fn check_data_length(header: &header::Header, dtype: NpyDtype, file_len: usize) -> Result<(), String> {
    // ndarray needs the product of the non-zero axis lengths to fit an isize, even when empty.
    let too_large = || format!("its shape {:?} is too large", header.shape);
    let mut nonzero = dtype.size();
    let mut expected = dtype.size();
    for &axis in &header.shape {
        nonzero = nonzero.checked_mul(axis.max(1)).ok_or_else(too_large)?;
        expected = expected.checked_mul(axis).ok_or_else(too_large)?;
    }
    if isize::try_from(nonzero).is_err() {
        return Err(too_large());
    }
    let found = file_len.saturating_sub(header.data_offset);
    if found < expected {
        return Err(format!(
            "it ends before its data does (shape {:?} needs {expected} bytes, found {found})",
            header.shape
        ));
    }
    if found > expected {
        let extra = found - expected;
        return Err(format!("it has {extra} bytes after the data its header describes"));
    }
    Ok(())
}

fn decode<T>(bytes: &[u8], to_f64: impl Fn(T) -> f64) -> Result<ArrayD<f64>, String>
where
    T: ndarray_npy::ReadableElement + Copy,
{
    let array = ArrayD::<T>::read_npy(bytes).map_err(|e| format!("its data is invalid ({e})"))?;
    Ok(array.mapv(to_f64).as_standard_layout().into_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn dtype_names_cover_both_byte_orders() {
        assert_eq!(NpyDtype::from_descr("<f8"), Some(NpyDtype::Float64));
        assert_eq!(NpyDtype::from_descr(">i4"), Some(NpyDtype::Int32));
        assert_eq!(NpyDtype::from_descr("|b1"), Some(NpyDtype::Bool));
        assert_eq!(NpyDtype::from_descr("<c16"), None);
    }

    #[test]
    fn huge_shape_is_rejected_before_allocating() {
        let mut bytes = Vec::from(MAGIC);
        let dict = b"{'descr': '<f8', 'fortran_order': False, 'shape': (0, 9223372036854775807), }\n";
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&u16::try_from(dict.len()).unwrap().to_le_bytes());
        bytes.extend_from_slice(dict);
        assert!(matches!(parse_npy(&bytes), Err(Failure::Malformed(_))));
    }
}
