//! Counterexample files. STUB: the shrinker's owner replaces this file; `Origin`, `Written` and
//! `write` keep their signatures.

use std::path::{Path, PathBuf};

use super::{ExploreError, Shrunk, Signature};
use crate::scenario::Scenario;

/// Where a failure was found.
#[derive(Clone, Debug)]
pub(crate) struct Origin<'a> {
    /// The space file, as given.
    pub space_file: &'a str,
    /// The space's seed.
    pub space_seed: u64,
    /// The drawn scenario's index.
    pub index: u64,
    /// Trials the campaign ran (so far).
    pub campaign_trials: u64,
}

/// What `write` wrote.
#[derive(Clone, Debug)]
pub(crate) struct Written {
    /// `DIR/<signature>.ron`.
    pub ron: PathBuf,
    /// The trace folder beside it, if one was written.
    pub trace: Option<PathBuf>,
}

/// Writes `DIR/<signature>.ron` (the shrunk scenario, a header saying what fails and how it was
/// found) and its trace beside it.
pub(crate) fn write(
    dir: &Path,
    signature: &Signature,
    shrunk: &Shrunk,
    original: &Scenario,
    origin: &Origin<'_>,
) -> Result<Written, ExploreError> {
    let _ = (original, origin);
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| ExploreError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let ron_path = dir.join(format!("{signature}.ron"));
    let text = crate::scenario::to_ron(&shrunk.scenario)
        .map_err(|e| ExploreError::Input(e.to_string()))?;
    std::fs::write(&ron_path, text).map_err(io(&ron_path))?;
    Ok(Written {
        ron: ron_path,
        trace: None,
    })
}
