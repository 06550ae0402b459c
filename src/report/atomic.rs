//! Atomic file replacement: every result file is written under a temporary name in its own
//! folder (a `tempfile::NamedTempFile`) and renamed over the final name, so an interrupted run
//! never leaves a half-written file under that name. The rename stays within one file system,
//! so it is atomic; a write that fails removes the temporary file and leaves the final name
//! untouched.
//!
//! Durability (an OS crash or power loss, not a kill: a killed process's writes are in the page
//! cache and survive it either way): the result files are flushed to disk (`fsync`) before
//! their rename, because `run.json` marks a folder complete and `--resume` then trusts it. The
//! files a run writes at its start and rewrites at its end (the saved rows' header, the tidy
//! `trials.csv` of the rows saved so far) are not: the rows appended to them later are not
//! synced either (they survive a kill, which is what `--resume` is for), so syncing the header
//! alone protected nothing. Nor are the charts' PNG and SVG files: pictures of `summary.csv`,
//! which is synced; after a power loss they can be drawn again by running the scenario again.

use std::io::Write;
use std::path::Path;

use tempfile::NamedTempFile;

use super::ReportError;

/// Runs `write` against a fresh temporary file next to `path` (it may reopen and truncate it by
/// path, as the chart encoders do), then renames it to `path`.
///
/// The temporary name is `.<stem>.<random>.tmp.<ext>` (e.g. `.latency.x7Gq2a.tmp.png`), so
/// writers that infer the format from the extension (the PNG encoder) still see the right one.
pub(crate) fn write_atomically<F>(path: &Path, write: F) -> Result<(), ReportError>
where
    F: FnOnce(&Path) -> Result<(), ReportError>,
{
    let tmp = temporary_sibling(path)?;
    write(tmp.path())?;
    persist(tmp, path)
}

/// Atomically replaces `path` with `bytes`, flushed to disk (`fsync`) before the rename.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    replace_with_bytes(path, bytes, true)
}

/// Atomically replaces `path` with `bytes`, without flushing them to disk first (see the module
/// documentation for which files need not be).
pub fn write_bytes_atomically_unsynced(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    replace_with_bytes(path, bytes, false)
}

/// Writes `bytes` to a temporary sibling of `path`, flushed to disk first if `sync`, and
/// renames it to `path`.
fn replace_with_bytes(path: &Path, bytes: &[u8], sync: bool) -> Result<(), ReportError> {
    let mut tmp = temporary_sibling(path)?;
    tmp.write_all(bytes)
        .and_then(|()| {
            if sync {
                tmp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(|source| io_error(path, source))?;
    persist(tmp, path)
}

/// A new, empty temporary file in `path`'s folder, named after `path`, readable as a file the
/// process creates directly would be (`tempfile` alone makes it owner-only).
fn temporary_sibling(path: &Path) -> Result<NamedTempFile, ReportError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = match path.extension() {
        Some(ext) => format!(".tmp.{}", ext.to_string_lossy()),
        None => ".tmp".to_string(),
    };
    let prefix = format!(".{stem}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(&suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // As `File::create`: 0o666 less the umask.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(dir)
        .map_err(|source| io_error(path, source))
}

/// Renames `tmp` to `path` (on failure `tmp` is dropped, which removes it).
fn persist(tmp: NamedTempFile, path: &Path) -> Result<(), ReportError> {
    tmp.persist(path)
        .map(drop)
        .map_err(|e| io_error(path, e.error))
}

fn io_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}
