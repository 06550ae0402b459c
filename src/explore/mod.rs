//! Exploration: search a space of scenarios for counterexamples to PBFT's promises, shrink each
//! distinct failure to the smallest scenario that still fails the same way, and write it as an
//! ordinary scenario file that `pbft-sim run` replays byte for byte.
//!
//! The idea is random testing of BFT protocols (ByzzFuzz, OOPSLA'23; Twins, DiemBFT) joined to
//! the shrinking of property-based testing: because a scenario and a seed are the whole world of
//! a trial, a failure can be cut down step by step and replayed exactly.
//!
//! Data flows one way: a search space (`space`, RON) -> concrete scenarios drawn from
//! (space seed, index) (`draw`) -> one trial each, run as `pbft-sim run` would run the drawn
//! scenario -> a verdict against the space's properties (`property`) -> the campaign's rows and
//! failure groups (`campaign`) -> each group's first failure shrunk (`shrink`) and written with
//! its trace (`counterexample`). The layer sits above `runner` and below `cli`.

pub mod draw;
pub mod property;
pub mod shrink;
pub mod space;

pub(crate) mod campaign;
pub(crate) mod campaign_failures;
pub(crate) mod campaign_files;
pub(crate) mod campaign_merge;
pub(crate) mod campaign_rows;
pub mod counterexample;
mod shrink_faults;
mod shrink_moves;
mod shrink_network;

pub use draw::draw;
pub use property::{judge, Property, Signature, Verdict};
pub use shrink::{shrink, Shrunk};
pub use space::{load_space, parse_space, Space};

use serde::{Deserialize, Serialize};

use crate::report::ReportError;
use crate::scenario::{trial_spec, ProtocolConfig, Scenario};
use crate::sim::seeds::trial_seed;
use crate::sim::{SimError, TrialOutcome, TrialSpec};

/// The one trial a drawn (or shrunk) scenario stands for: trial 0 of point 0, exactly as
/// `pbft-sim run` runs the scenario written to a file (its seed from `trial_seed`).
pub fn trial_of(scenario: &Scenario) -> TrialSpec {
    trial_spec(scenario, trial_seed(scenario.seed, 0, 0))
}

/// Runs `scenario`'s one trial (on a fresh actix system, blocking) and judges it against
/// `properties`.
pub fn try_scenario(
    properties: &[Property],
    scenario: &Scenario,
) -> Result<(TrialOutcome, Verdict), SimError> {
    let outcome = crate::sim::run_trial_blocking(&trial_of(scenario))?;
    let verdict = judge(properties, scenario, &outcome);
    Ok((outcome, verdict))
}

/// The name of the variant `value` serialises as in RON (`Crash`, `Uniform`, `SplitBrain`):
/// how campaign rows and shrink steps name faults, delay profiles and behaviours.
pub(crate) fn variant_name<T: Serialize>(value: &T) -> String {
    let text = ron::to_string(value).unwrap_or_default();
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// What shrinking may not go below: the search space's own minimums, so that a counterexample
/// stays inside the space the user asked about.
#[derive(Clone, Debug, PartialEq)]
pub struct Floor {
    /// Fewest replicas.
    pub replicas: u32,
    /// Fewest clients.
    pub clients: u32,
    /// Fewest requests per client.
    pub requests: u64,
    /// Fewest byzantine replicas (all groups together).
    pub byzantine: u32,
    /// Fewest timed faults.
    pub faults: u32,
    /// The simplest protocol parameters the space allows (its fixed base, each drawn
    /// parameter at its simplest value); shrinking moves each parameter to it. `None`: leave
    /// the protocol as drawn.
    pub protocol: Option<ProtocolConfig>,
}

impl Default for Floor {
    fn default() -> Self {
        Floor {
            replicas: 1,
            clients: 1,
            requests: 1,
            byzantine: 0,
            faults: 0,
            protocol: None,
        }
    }
}

/// How hard shrinking tries (the space's `shrink` section).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShrinkOptions {
    /// Seeds tried for each candidate before it is given up (the failing scenario's own seed
    /// first): a failure that needs a lucky schedule survives a change that keeps it possible.
    pub seeds: u32,
    /// Trials run while shrinking one failure, at most.
    pub max_runs: u32,
}

impl Default for ShrinkOptions {
    fn default() -> Self {
        ShrinkOptions {
            seeds: 16,
            max_runs: 4000,
        }
    }
}

/// An exploration that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum ExploreError {
    /// The engine failed on a trial.
    #[error("the engine failed: {0}")]
    Sim(#[from] SimError),
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A report file could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The input (a space, a results folder, a shard) cannot be used; the message says why.
    #[error("{0}")]
    Input(String),
}

/// What the explorer's unit tests share.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::scenario::Scenario;

    /// The one scenario of `text` (a scenario without a sweep).
    pub(crate) fn scenario(text: &str) -> Scenario {
        crate::scenario::parse("t.ron", text)
            .expect("a valid scenario")
            .points
            .remove(0)
            .scenario
    }
}
