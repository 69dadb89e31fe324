//! Reading the files a configuration names: the `dxlclient.config` file and the PEM files.
//!
//! Only regular files are read, and only up to a size limit: a FIFO would block the reader (and
//! `connect` with it) until some writer appears, `/dev/zero` or a runaway file would be read
//! until memory runs out. The file is opened without blocking and checked on the open
//! descriptor, so what is checked is what is read.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The largest configuration or PEM file read. A `dxlclient.config` is a few hundred bytes, a
/// PEM CA bundle rarely more than a few hundred kilobytes.
pub const MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// Reads a regular file of at most `MAX_FILE_SIZE` bytes. Other kinds of files are refused with
/// `InvalidInput` saying what the path is; a larger file with `InvalidData`.
pub fn read_regular_file(path: &Path) -> io::Result<Vec<u8>> {
    let file = open_without_blocking(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({})", describe_kind(&kind)),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {MAX_FILE_SIZE} bytes"),
        ));
    }
    Ok(bytes)
}

/// What a path that is not a regular file is, for error messages; `None` for a regular file or
/// a path that does not exist.
pub fn not_regular(path: &Path) -> Option<String> {
    let kind = std::fs::metadata(path).ok()?.file_type();
    (!kind.is_file()).then(|| describe_kind(&kind))
}

#[cfg(unix)]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer. It changes nothing
    // for a regular file. O_NOCTTY: a terminal path never becomes our controlling terminal.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

fn describe_kind(kind: &std::fs::FileType) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO".into();
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device".into();
        }
        if kind.is_socket() {
            return "a socket".into();
        }
    }
    if kind.is_dir() {
        "a directory".into()
    } else {
        "not a regular file".into()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn refuses_fifos_devices_and_directories_without_blocking() {
        let dir = std::env::temp_dir().join(format!("dxltie-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_regular_file(&fifo).unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
        let e = read_regular_file(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
        let e = read_regular_file(&dir).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        assert_eq!(not_regular(&fifo).as_deref(), Some("a FIFO"));
        let big = dir.join("big");
        std::fs::write(&big, vec![b'x'; MAX_FILE_SIZE as usize + 1]).unwrap();
        let e = read_regular_file(&big).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        let small = dir.join("small");
        std::fs::write(&small, b"ok").unwrap();
        assert_eq!(read_regular_file(&small).unwrap(), b"ok");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
