//! Reading the user's files with a size cap, so a huge file or a device such as `/dev/zero`
//! named as a source or an array ends in a diagnostic instead of exhausting memory.

use std::io::{self, Read};
use std::path::Path;

/// Largest `.dyn` source read (a source file is text a person wrote).
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// Largest `.npy` file read by `load(...)`.
pub const MAX_ARRAY_BYTES: u64 = 1 << 30;

/// Reads the whole file, failing with [`io::ErrorKind::InvalidData`] once it exceeds `limit`
/// bytes (without reading further). A file that does not start with `magic` is read no further
/// than that: its first bytes are returned for the caller's parser to report what is wrong.
pub fn read_bounded(path: &Path, limit: u64, magic: &[u8]) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let too_large = || {
        io::Error::new(io::ErrorKind::InvalidData, format!("it is larger than {} MiB, the most dyn reads", limit >> 20))
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > limit {
        return Err(too_large());
    }
    let mut reader = file.take(limit.saturating_add(1));
    // a regular file's size is known; a device or pipe grows the buffer as it goes
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    (&mut reader).take(u64::try_from(magic.len()).unwrap_or(0)).read_to_end(&mut bytes)?;
    if !bytes.starts_with(magic) {
        return Ok(bytes);
    }
    reader.read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, [7u8; 100]).unwrap();
        assert_eq!(read_bounded(&path, 100, &[7, 7]).unwrap().len(), 100);
        let err = read_bounded(&path, 99, &[]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(read_bounded(&path, 100, b"\x93NUMPY").unwrap(), [7u8; 6]);
        // an endless device stops at the limit, or at once when it lacks the header
        if Path::new("/dev/zero").exists() {
            assert!(read_bounded(Path::new("/dev/zero"), 1 << 20, &[]).is_err());
            assert_eq!(read_bounded(Path::new("/dev/zero"), 1 << 40, b"\x93NUMPY").unwrap(), [0u8; 6]);
        }
    }
}
