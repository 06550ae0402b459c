//! A campaign's failures: its rows grouped by signature (in the order of each signature's first
//! failing index), each group's first failure shrunk (`shrink::shrink`) and written as
//! `counterexamples/<signature>.ron` with its trace (`counterexample::write`), and
//! `failures.csv`, one row per group.

use std::collections::BTreeMap;
use std::path::Path;

use super::campaign::drawn;
use super::campaign_files::{write_csv, CounterexampleEntry, FAILURES_COLUMNS};
use super::campaign_rows::{CampaignRow, ENGINE_ERROR};
use super::counterexample::{self, Origin};
use super::{shrink, ExploreError, Shrunk, Signature, Space};
use crate::scenario::Scenario;

/// How many failing indices `failures.csv` lists per signature.
pub(crate) const EXAMPLES: usize = 5;

/// The folder of counterexamples, inside the campaign's.
pub(crate) const COUNTEREXAMPLES: &str = "counterexamples";

/// The failures of one signature.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FailureGroup {
    /// The signature.
    pub signature: String,
    /// Failing trials.
    pub trials: u64,
    /// The first failing index.
    pub first_index: u64,
    /// The first [`EXAMPLES`] failing indices.
    pub examples: Vec<u64>,
    /// The first failure's detail.
    pub detail: String,
    /// Its counterexample, once written.
    pub counterexample: Option<CounterexampleEntry>,
}

/// The failures among `rows` (in index order), grouped by signature, in first-index order.
pub(crate) fn group_failures(rows: &[CampaignRow]) -> Vec<FailureGroup> {
    let mut groups: BTreeMap<&str, FailureGroup> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.failed) {
        let group = groups
            .entry(row.signature.as_str())
            .or_insert_with(|| FailureGroup {
                signature: row.signature.clone(),
                trials: 0,
                first_index: row.index,
                examples: Vec::new(),
                detail: row.detail.clone(),
                counterexample: None,
            });
        group.trials += 1;
        if group.examples.len() < EXAMPLES {
            group.examples.push(row.index);
        }
    }
    let mut groups: Vec<FailureGroup> = groups.into_values().collect();
    groups.sort_by_key(|g| g.first_index);
    groups
}

/// Shrinks each group's first failure and writes its counterexample into
/// `out/counterexamples/`; returns the entries written, in group order. `campaign_trials` is
/// the campaign's trial count the counterexamples' headers give. A trial the engine could not
/// run is written as drawn, unshrunk; so is one whose shrinking fails (its detail says why).
pub(crate) fn shrink_groups(
    space: &Space,
    space_file: &str,
    campaign_trials: u64,
    out: &Path,
    groups: &mut [FailureGroup],
) -> Result<Vec<CounterexampleEntry>, ExploreError> {
    let dir = out.join(COUNTEREXAMPLES);
    let mut entries = Vec::new();
    for group in groups.iter_mut() {
        let failing = drawn(space, group.first_index);
        let signature = Signature(group.signature.clone());
        let shrunk = if group.signature == ENGINE_ERROR {
            unshrunk(&failing, group.detail.clone())
        } else {
            match shrink(
                &failing,
                &space.properties,
                &signature,
                &space.floor(),
                &space.shrink,
            ) {
                Ok(shrunk) => shrunk,
                Err(ExploreError::Sim(e)) => {
                    unshrunk(&failing, format!("{} (not shrunk: {e})", group.detail))
                }
                Err(other) => return Err(other),
            }
        };
        let origin = Origin {
            space_file,
            space_seed: space.seed,
            index: group.first_index,
            campaign_trials,
        };
        let written = counterexample::write(&dir, &signature, &shrunk, &failing, &origin)?;
        let relative = |path: &Path| path.strip_prefix(out).unwrap_or(path).display().to_string();
        let s = &shrunk.scenario;
        let entry = CounterexampleEntry {
            signature: group.signature.clone(),
            first_index: group.first_index,
            file: relative(&written.ron),
            trace: written.trace.as_deref().map(relative),
            n: s.replicas,
            byzantine: s.byzantine.iter().map(|g| g.count).sum(),
            faults: s.faults.len() as u32,
            requests: u64::from(s.workload.clients.get()).saturating_mul(s.workload.requests.get()),
            runs: shrunk.runs,
            detail: shrunk.detail.clone(),
        };
        group.counterexample = Some(entry.clone());
        entries.push(entry);
    }
    Ok(entries)
}

/// `failing` as its own counterexample.
fn unshrunk(failing: &Scenario, detail: String) -> Shrunk {
    Shrunk {
        scenario: failing.clone(),
        detail,
        runs: 0,
        steps: Vec::new(),
    }
}

/// Writes `failures.csv`: one row per group.
pub(crate) fn write_failures_csv(path: &Path, groups: &[FailureGroup]) -> Result<(), ExploreError> {
    let records = groups.iter().map(|g| {
        let c = g.counterexample.as_ref();
        let cell = |f: &dyn Fn(&CounterexampleEntry) -> String| c.map(f).unwrap_or_default();
        vec![
            g.signature.clone(),
            g.trials.to_string(),
            g.first_index.to_string(),
            g.examples
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            cell(&|c| c.file.clone()),
            cell(&|c| c.n.to_string()),
            cell(&|c| c.byzantine.to_string()),
            cell(&|c| c.faults.to_string()),
            cell(&|c| c.requests.to_string()),
            cell(&|c| c.runs.to_string()),
            c.map_or_else(|| g.detail.clone(), |c| c.detail.clone()),
        ]
    });
    write_csv(path, FAILURES_COLUMNS, records)
}
