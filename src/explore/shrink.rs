//! Shrinking a failing scenario to the smallest one that still fails the same way.
//!
//! Greedy, in the order of moves (`shrink_faults`, `shrink_moves`, `shrink_network`): fewer timed
//! faults (last first), shorter and later fault windows, fewer requests then fewer clients,
//! fewer byzantine replicas, a smaller n, constant delays, no loss/duplication/reordering,
//! simpler protocol parameters. The first move whose candidate still fails with the same
//! signature is accepted, and the moves start again from the first; shrinking ends when no
//! move is accepted or the trial budget is spent. Each candidate must be a valid scenario and
//! stays at or above the space's floor.
//!
//! A candidate runs with its own seed first, then with up to `seeds - 1` seeds derived from
//! it: a failure that needs a lucky schedule (SplitBrain's) survives a change that keeps it
//! possible. The first failing seed becomes the scenario's seed. A candidate once rejected is
//! not run again (it would be rejected again: everything here is deterministic).

use std::collections::BTreeSet;

use super::shrink_faults as faults;
use super::shrink_moves::{self as moves, Candidate};
use super::shrink_network as network;
use super::{try_scenario, ExploreError, Floor, Property, ShrinkOptions, Signature, Verdict};
use crate::scenario::Scenario;
use crate::sim::seeds::splitmix64;

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

/// Every move from `s`, in the order they are tried.
fn candidates(s: &Scenario, floor: &Floor) -> Vec<Candidate> {
    let mut out = faults::fewer_faults(s, floor);
    out.extend(faults::shorter_windows(s));
    out.extend(moves::smaller_workload(s, floor));
    out.extend(moves::fewer_byzantine(s, floor));
    out.extend(moves::fewer_replicas(s, floor));
    out.extend(network::constant_delays(s));
    out.extend(network::perfect_links(s));
    out.extend(network::simpler_protocol(s, floor));
    out
}

/// The `k`-th seed tried for a candidate whose own seed is `seed` (`k = 0`: `seed` itself).
pub fn candidate_seed(seed: u64, k: u32) -> u64 {
    if k == 0 {
        seed
    } else {
        splitmix64(seed ^ u64::from(k).wrapping_mul(0xA076_1D64_78BD_642F))
    }
}

/// Trials run so far, against the budget.
struct Budget {
    runs: u32,
    max: u32,
}

impl Budget {
    fn spent(&self) -> bool {
        self.runs >= self.max
    }
}

/// Runs `scenario` with its seed, then the derived ones, until one fails with `signature`:
/// that scenario (its seed set) and the failure's detail; `None` if none did (or the budget
/// ran out).
fn fails_with(
    scenario: &Scenario,
    properties: &[Property],
    signature: &Signature,
    options: &ShrinkOptions,
    budget: &mut Budget,
) -> Result<Option<(Scenario, String)>, ExploreError> {
    let mut tried = scenario.clone();
    for k in 0..options.seeds.max(1) {
        if budget.spent() {
            return Ok(None);
        }
        tried.seed = candidate_seed(scenario.seed, k);
        budget.runs += 1;
        let (_, verdict) = try_scenario(properties, &tried)?;
        if let Verdict::Fail {
            signature: got,
            detail,
        } = verdict
        {
            if got == *signature {
                return Ok(Some((tried, detail)));
            }
        }
    }
    Ok(None)
}

/// Shrinks `failing` (which fails `properties` with `signature`) to the smallest scenario that
/// still fails with `signature`, never below `floor`.
///
/// `failing` is run first, as it is (one trial); if it does not fail with `signature`, the
/// result is an `ExploreError::Input` saying so. At most `options.max_runs` trials run in all.
pub fn shrink(
    failing: &Scenario,
    properties: &[Property],
    signature: &Signature,
    floor: &Floor,
    options: &ShrinkOptions,
) -> Result<Shrunk, ExploreError> {
    let mut budget = Budget {
        runs: 1,
        max: options.max_runs.max(1),
    };
    let (_, verdict) = try_scenario(properties, failing)?;
    let mut detail = match verdict {
        Verdict::Fail {
            signature: got,
            detail,
        } if got == *signature => detail,
        other => {
            return Err(ExploreError::Input(format!(
                "scenario `{}` (seed {}) does not fail with {signature} when run again \
                 (verdict: {}); nothing to shrink",
                failing.name,
                failing.seed,
                other
                    .signature()
                    .map_or_else(|| "pass".to_string(), ToString::to_string)
            )))
        }
    };
    let mut current = failing.clone();
    let mut steps = Vec::new();
    let mut rejected: BTreeSet<String> = BTreeSet::new();
    'moves: while !budget.spent() {
        for candidate in candidates(&current, floor) {
            if budget.spent() {
                break 'moves;
            }
            if candidate.scenario == current
                || crate::scenario::validate::validate(&candidate.scenario).is_err()
            {
                continue;
            }
            // A candidate that cannot be written (none can, in practice) is never skipped.
            let key = crate::scenario::to_ron(&candidate.scenario).ok();
            if key.as_ref().is_some_and(|k| rejected.contains(k)) {
                continue;
            }
            match fails_with(
                &candidate.scenario,
                properties,
                signature,
                options,
                &mut budget,
            )? {
                Some((smaller, why)) => {
                    let step = if smaller.seed == current.seed {
                        candidate.step
                    } else {
                        format!("{} (seed {})", candidate.step, smaller.seed)
                    };
                    steps.push(step);
                    detail = why;
                    current = smaller;
                    continue 'moves;
                }
                None if budget.spent() => break 'moves,
                None => {
                    rejected.extend(key);
                }
            }
        }
        break;
    }
    Ok(Shrunk {
        scenario: current,
        detail,
        runs: budget.runs,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_candidate_tries_its_own_seed_first_then_distinct_derived_ones() {
        assert_eq!(candidate_seed(23, 0), 23);
        let seeds: BTreeSet<u64> = (0..64).map(|k| candidate_seed(23, k)).collect();
        assert_eq!(seeds.len(), 64);
        assert_eq!(candidate_seed(23, 5), candidate_seed(23, 5));
        assert_ne!(candidate_seed(23, 1), candidate_seed(24, 1));
    }
}
