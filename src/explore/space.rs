//! The search space: a RON file of ranges and choices for every scenario dimension, and the
//! properties to check (`docs/explore.md`). STUB: the space's owner replaces this file; the
//! items below are the interface the rest of `explore` uses and keep their signatures.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Floor, Property, ShrinkOptions};
use crate::scenario::ScenarioError;

/// A search space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    /// Name; the default output folder is `results/explore-<name>/`.
    pub name: String,
    /// What the space is for.
    #[serde(default)]
    pub description: String,
    /// The space seed: scenario `i` is drawn from (seed, i).
    #[serde(default)]
    pub seed: u64,
    /// What every trial is checked against, in order.
    #[serde(default = "default_properties")]
    pub properties: Vec<Property>,
    /// How hard shrinking tries.
    #[serde(default)]
    pub shrink: ShrinkOptions,
}

fn default_properties() -> Vec<Property> {
    vec![Property::Safety]
}

impl Space {
    /// What shrinking may not go below.
    pub fn floor(&self) -> Floor {
        Floor::default()
    }
}

/// Reads and checks a space file.
pub fn load_space(path: &Path) -> Result<Space, ScenarioError> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    parse_space(&file, &source)
}

/// Parses and checks space text; `file` names it in errors.
pub fn parse_space(file: &str, source: &str) -> Result<Space, ScenarioError> {
    ron::from_str(source).map_err(|e| ScenarioError::Read {
        file: file.to_string(),
        reason: e.to_string(),
    })
}
