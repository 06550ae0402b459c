//! The campaign: draw scenarios 0, 1, 2, ... from a space, run each one's trial on the worker
//! pool (`runner::pool`, one actix System per thread), judge it against the space's
//! properties, save its row as it finishes, and at the end write `campaign.csv` (a row per drawn
//! scenario, in index order), each signature's first failure shrunk into
//! `counterexamples/<signature>.ron`, `failures.csv` (one row per signature) and, last,
//! `campaign.json`.
//!
//! Which indices: `0..budget`, or with `--shard I/N` those with `index % N == I - 1`. A time
//! limit stops the handing out of new indices (the trials running finish), so the indices that
//! ran are still a prefix of the campaign's (or shard's) list. The rows are a function of
//! (space, index) only, so the files are the same at any thread count, after a `--resume`, and
//! after `merge` of shards (`campaign_merge`). Files: `campaign_rows` (a row),
//! `campaign_files` (the files), `campaign_failures` (grouping and shrinking failures).

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::campaign_failures::{group_failures, shrink_groups, write_failures_csv, FailureGroup};
use super::campaign_files::{
    read_rows, write_campaign_csv, write_campaign_json, CampaignJson, RowsAppender,
    CAMPAIGN_FORMAT, CAMPAIGN_JSON, PARTIAL, SHARD_ROWS,
};
use super::campaign_rows::{row_of, CampaignRow};
use super::property::liveness_time_limit_ms;
use super::{draw, judge, trial_of, ExploreError, Space};
use crate::net::PositiveMillis;
use crate::report;
use crate::runner::pool::{run_pool, Told};
use crate::runner::{Progress, Shard};
use crate::scenario::{Scenario, MAX_TRIALS};

/// How to run a campaign.
#[derive(Clone, Debug)]
pub(crate) struct CampaignOptions {
    /// The campaign's folder.
    pub out: PathBuf,
    /// The space file, as given.
    pub space_file: String,
    /// The space file's text, copied to `space.ron`.
    pub space_text: String,
    /// Trials (drawn scenarios) of the whole campaign; `None`: only the time bounds it (and
    /// [`MAX_TRIALS`]).
    pub budget: Option<u64>,
    /// Stop handing out indices after this many seconds.
    pub time_s: Option<f64>,
    /// Worker threads.
    pub threads: usize,
    /// Only this shard's indices.
    pub shard: Option<Shard>,
    /// Keep the rows saved in `out` and run the rest.
    pub resume: bool,
    /// Stop once this many rows are saved, as a kill would (a test hook).
    pub stop_after: Option<usize>,
}

/// A campaign that did not finish.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CampaignError {
    /// It could not go on.
    #[error(transparent)]
    Explore(#[from] ExploreError),
    /// It was told to stop after this many trials (the test hook).
    #[error("stopped after {0} trials, as asked")]
    Stopped(usize),
}

/// What a finished campaign found and wrote.
#[derive(Clone, Debug)]
pub(crate) struct CampaignReport {
    /// `campaign.json`'s content.
    pub json: CampaignJson,
    /// The failures, one group per signature, in first-index order.
    pub groups: Vec<FailureGroup>,
    /// Rows kept from an earlier session.
    pub reused: u64,
}

/// The space's fingerprint: a hash of its parsed form, so that a reformatted file is the
/// same space.
pub(crate) fn fingerprint(space: &Space) -> Result<String, ExploreError> {
    use sha2::{Digest as _, Sha256};
    let text = ron::to_string(space).map_err(|e| ExploreError::Input(e.to_string()))?;
    let digest = Sha256::digest(text.as_bytes());
    Ok(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// Scenario `index` of `space`, as the campaign runs and shrinks it: `draw`'s, with the time
/// limit the space's liveness property sets (`heal_by_ms + grace_ms`, part of `draw`'s contract;
/// made sure of here so that no liveness verdict is given on another horizon).
pub(crate) fn drawn(space: &Space, index: u64) -> Scenario {
    let mut scenario = draw(space, index);
    if let Some(limit) =
        liveness_time_limit_ms(&space.properties).and_then(|ms| PositiveMillis::new(ms).ok())
    {
        scenario.time_limit_ms = limit;
    }
    scenario
}

/// The indices a campaign (or shard) covers: `0..bound`, or those of shard I/N.
#[derive(Clone, Copy, Debug)]
struct Indices {
    bound: u64,
    shard: Option<Shard>,
}

impl Indices {
    fn new(budget: Option<u64>, shard: Option<Shard>) -> Indices {
        Indices {
            bound: budget.unwrap_or(MAX_TRIALS),
            shard,
        }
    }

    /// Whether `index` is one of them.
    fn contains(&self, index: u64) -> bool {
        index < self.bound
            && self
                .shard
                .is_none_or(|s| index % s.count as u64 == s.index as u64 - 1)
    }

    /// How many there are.
    fn len(&self) -> u64 {
        match self.shard {
            None => self.bound,
            Some(s) => self
                .bound
                .saturating_sub(s.index as u64 - 1)
                .div_ceil(s.count as u64),
        }
    }

    /// Them, in order.
    fn iter(&self) -> impl Iterator<Item = u64> {
        let (first, step) = self.shard.map_or((0, 1), |s| (s.index as u64 - 1, s.count));
        (first..self.bound).step_by(step)
    }

    /// As `campaign.json` says them.
    fn describe(&self) -> String {
        match self.shard {
            None => format!("0..{}", self.bound),
            Some(s) => format!("i % {} == {} in 0..{}", s.count, s.index - 1, self.bound),
        }
    }
}

/// Runs the campaign of `space` as `options` say, telling `progress`.
pub(crate) fn run_campaign(
    space: &Space,
    options: &CampaignOptions,
    progress: &mut dyn Progress,
) -> Result<CampaignReport, CampaignError> {
    let out = &options.out;
    let fingerprint = fingerprint(space)?;
    std::fs::create_dir_all(out).map_err(|source| ExploreError::Io {
        path: out.display().to_string(),
        source,
    })?;
    remove_if_there(&out.join(CAMPAIGN_JSON))?;
    report::write_bytes_atomically(&out.join("space.ron"), options.space_text.as_bytes())
        .map_err(ExploreError::from)?;
    let all = Indices::new(options.budget, options.shard);
    let partial = out.join(PARTIAL);
    let mut rows: Vec<CampaignRow> = if options.resume && partial.is_file() {
        kept_rows(read_rows(&partial, &fingerprint)?, all)
    } else {
        Vec::new()
    };
    let reused = rows.len() as u64;
    let saved: std::collections::BTreeSet<u64> = rows.iter().map(|r| r.index).collect();
    let todo: Vec<u64> = all.iter().filter(|i| !saved.contains(i)).collect();
    let mut appender = RowsAppender::create(&partial, &space.name, &fingerprint, &rows)?;

    let label = match options.shard {
        Some(s) => format!("explore {} (shard {s})", space.name),
        None => format!("explore {}", space.name),
    };
    progress.run_started(&label, all.len(), reused);
    let started = Instant::now();
    let deadline = options
        .time_s
        .map(|s| started + std::time::Duration::from_secs_f64(s.max(0.0)));
    let mut failures = rows.iter().filter(|r| r.failed).count() as u64;
    if failures > 0 {
        progress.failures_so_far(failures);
    }
    let mut count = rows.len();
    let work = |k: usize| {
        let index = todo.get(k).copied().unwrap_or_default();
        async move {
            let scenario = drawn(space, index);
            let result = crate::sim::run_trial(&trial_of(&scenario))
                .await
                .map(|outcome| {
                    let verdict = judge(&space.properties, &scenario, &outcome);
                    (outcome, verdict)
                });
            Ok::<_, CampaignError>(row_of(index, &scenario, &space.properties, &result))
        }
    };
    let ran = run_pool(
        todo.len(),
        options.threads,
        deadline,
        &work,
        &mut |told| match told {
            Told::Done(row) => {
                appender.push(row)?;
                count += 1;
                if options.stop_after.is_some_and(|limit| count >= limit) {
                    appender.flush()?;
                    return Err(CampaignError::Stopped(count));
                }
                progress.trial_finished();
                if row.failed {
                    failures += 1;
                    progress.failures_so_far(failures);
                }
                Ok(())
            }
            Told::Gathered => Ok(appender.flush()?),
        },
    );
    progress.run_finished();
    let ran = ran?;
    appender.flush()?;
    drop(appender);
    let wall_s = started.elapsed().as_secs_f64();
    let ran_now = ran.len() as u64;
    if rows.is_empty() {
        rows = ran.into_iter().map(|(_, row)| row).collect();
    } else {
        rows.extend(ran.into_iter().map(|(_, row)| row));
        rows.sort_by_key(|r| r.index);
    }
    let complete = rows.len() as u64 == all.len();

    // Every index of the whole campaign, when it is complete: the same in a shard as unsharded.
    let campaign_trials = match (complete, options.shard) {
        (true, Some(_)) => options.budget.unwrap_or(rows.len() as u64),
        _ => rows.len() as u64,
    };
    let mut groups = group_failures(&rows);
    let counterexamples = shrink_groups(
        space,
        &options.space_file,
        campaign_trials,
        out,
        &mut groups,
    )?;
    write_campaign_csv(&out.join("campaign.csv"), &rows)?;
    write_failures_csv(&out.join("failures.csv"), &groups)?;
    if options.shard.is_some() && complete {
        // The shard's rows, kept for `merge`.
        RowsAppender::create(&out.join(SHARD_ROWS), &space.name, &fingerprint, &rows)?;
    }
    if complete {
        remove_if_there(&partial)?;
    }
    let json = CampaignJson {
        format: CAMPAIGN_FORMAT.to_string(),
        space: space.name.clone(),
        file: options.space_file.clone(),
        fingerprint,
        seed: space.seed,
        budget: options.budget,
        shard: options.shard.map(|s| s.to_string()),
        indices: all.describe(),
        trials: rows.len() as u64,
        ran: ran_now,
        wall_s,
        trials_per_s: rate(ran_now, wall_s),
        time_limit_s: options.time_s,
        time_ran_out: !complete && deadline.is_some_and(|d| Instant::now() >= d),
        complete,
        threads: options.threads,
        failures: groups
            .iter()
            .map(|g| (g.signature.clone(), g.trials))
            .collect(),
        counterexamples,
    };
    write_campaign_json(&out.join(CAMPAIGN_JSON), &json)?;
    Ok(CampaignReport {
        json,
        groups,
        reused,
    })
}

/// `trials / wall_s`, 0 when no time passed.
pub(crate) fn rate(trials: u64, wall_s: f64) -> f64 {
    if wall_s > 0.0 {
        trials as f64 / wall_s
    } else {
        0.0
    }
}

/// The saved rows that belong to this campaign's indices, the first of each index.
fn kept_rows(saved: Vec<CampaignRow>, all: Indices) -> Vec<CampaignRow> {
    let mut seen = std::collections::BTreeSet::new();
    saved
        .into_iter()
        .filter(|r| all.contains(r.index) && seen.insert(r.index))
        .collect()
}

/// Removes `path` if it exists.
pub(crate) fn remove_if_there(path: &Path) -> Result<(), ExploreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ExploreError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_covers_every_nth_index_and_the_shards_cover_all() {
        let budget = Some(31);
        let whole = Indices::new(budget, None);
        assert_eq!(whole.len(), 31);
        let mut covered: Vec<u64> = Vec::new();
        for index in 1..=3 {
            let shard = Indices::new(budget, Some(Shard { index, count: 3 }));
            let listed: Vec<u64> = shard.iter().collect();
            assert_eq!(listed.len() as u64, shard.len());
            assert!(listed
                .iter()
                .all(|&i| shard.contains(i) && i % 3 == index as u64 - 1));
            covered.extend(listed);
        }
        covered.sort_unstable();
        assert_eq!(covered, whole.iter().collect::<Vec<_>>());
        let last = Indices::new(Some(2), Some(Shard { index: 3, count: 3 }));
        assert_eq!(
            (last.len(), last.iter().count()),
            (0, 0),
            "more shards than indices"
        );
    }
}
