//! Shrinking a failing scenario. STUB: the shrinker's owner replaces this file; `shrink` and
//! `Shrunk` keep their signatures.

use super::{ExploreError, Floor, Property, ShrinkOptions, Signature};
use crate::scenario::Scenario;

/// A failure, shrunk.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The smallest failing scenario found (one trial; its seed is the failing one).
    pub scenario: Scenario,
    /// The failure's one-line detail, from the shrunk scenario's trial.
    pub detail: String,
    /// Trials run while shrinking.
    pub runs: u32,
    /// Each accepted step, in order, e.g. `removed fault 2 (Loss)`.
    pub steps: Vec<String>,
}

/// Shrinks `failing` (which fails `properties` with `signature`) to the smallest scenario that
/// still fails with `signature`, never below `floor`.
pub fn shrink(
    failing: &Scenario,
    properties: &[Property],
    signature: &Signature,
    floor: &Floor,
    options: &ShrinkOptions,
) -> Result<Shrunk, ExploreError> {
    let _ = (floor, options, signature);
    let (_, verdict) = super::try_scenario(properties, failing)?;
    let detail = match verdict {
        super::Verdict::Fail { detail, .. } => detail,
        super::Verdict::Pass => String::new(),
    };
    Ok(Shrunk {
        scenario: failing.clone(),
        detail,
        runs: 1,
        steps: Vec::new(),
    })
}
