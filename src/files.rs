//! Reading the user's files with a size cap, so a huge file ends in a diagnostic instead of
//! exhausting memory, and only regular files, so a FIFO (whose `open` blocks until a writer
//! comes), a device such as `/dev/zero` or a folder is refused before it is opened.

use std::io::{self, Read};
use std::path::Path;

/// Largest `.dyn` source read (a source file is text a person wrote).
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// Largest `.npy` file read by `load(...)`.
pub const MAX_ARRAY_BYTES: u64 = 1 << 30;

/// Reads the whole file, failing with [`io::ErrorKind::InvalidData`] once it exceeds `limit`
/// bytes (without reading further), and with [`io::ErrorKind::InvalidInput`] when `path` is not a
/// regular file (see [`require_regular_file`]). A file that does not start with `magic` is read
/// no further than that: its first bytes are returned for the caller's parser to report what is
/// wrong.
pub fn read_bounded(path: &Path, limit: u64, magic: &[u8]) -> io::Result<Vec<u8>> {
    require_regular_file(path)?;
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

/// Fails with [`io::ErrorKind::InvalidInput`] unless `path` (after following symlinks) is a
/// regular file; the message says what it is instead (`it is a named pipe (FIFO), ...`). The
/// check comes before `open` because opening a FIFO for reading blocks until a writer appears.
pub fn require_regular_file(path: &Path) -> io::Result<()> {
    let file_type = std::fs::metadata(path)?.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    Err(io::Error::new(io::ErrorKind::InvalidInput, format!("it is {}, not a regular file", describe(file_type))))
}

/// What a file that is not a regular file is, in words.
fn describe(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// Whether an error from [`read_bounded`] means the path names something other than a regular
/// file (a folder, FIFO, device or socket).
pub fn is_not_regular(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::InvalidInput
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
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_bounded(dir.path(), 100, &[]).unwrap_err();
        assert!(is_not_regular(&err));
        assert_eq!(err.to_string(), "it is a folder, not a regular file");
        // an endless device is never opened
        if Path::new("/dev/zero").exists() {
            let err = read_bounded(Path::new("/dev/zero"), 1 << 40, b"\x93NUMPY").unwrap_err();
            assert_eq!(err.to_string(), "it is a device, not a regular file");
        }
        assert_eq!(read_bounded(&dir.path().join("none"), 100, &[]).unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_fifo_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo on this system
        }
        let err = read_bounded(&fifo, 100, &[]).unwrap_err();
        assert_eq!(err.to_string(), "it is a named pipe (FIFO), not a regular file");
    }
}
