//! Atomic file replacement: write to a temporary sibling, then rename into place.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::ReportError;

/// Runs `write` against a temporary file next to `path`, then renames it to `path`.
///
/// The temporary name is `.<stem>.tmp.<ext>` (e.g. `.trials.tmp.csv`) in the same directory,
/// so the rename stays within one file system and is atomic, and writers that infer the
/// format from the extension (the PNG encoder) still see the right one. On failure the
/// temporary file is removed and the final name is left untouched.
pub(crate) fn write_atomically<F>(path: &Path, write: F) -> Result<(), ReportError>
where
    F: FnOnce(&Path) -> Result<(), ReportError>,
{
    let tmp = temporary_sibling(path);
    let result = write(&tmp).and_then(|()| {
        fs::rename(&tmp, path).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        // Best effort: the original error matters more than a failed clean-up.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Atomically replaces `path` with `bytes`, flushed to disk before the rename.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_atomically(path, |tmp| {
        write_and_sync(tmp, bytes).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })
    })
}

fn write_and_sync(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The temporary name used while `path` is being written.
pub(crate) fn temporary_sibling(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!(".{stem}.tmp.{}", ext.to_string_lossy()),
        None => format!(".{stem}.tmp"),
    };
    path.with_file_name(name)
}
