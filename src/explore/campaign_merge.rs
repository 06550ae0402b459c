//! Merging the folders of `explore --shard I/N` into the files of the unsharded campaign:
//! every shard of one space and budget exactly once, each finished (its `campaign.json` says
//! so). The rows are joined in index order, the failures regrouped, and each signature's
//! first failure shrunk again into the merged folder's `counterexamples/`, exactly as the
//! unsharded campaign shrinks and writes it (a counterexample file names its own path, so a
//! copy from the shard's folder would name the shard's); the result is checked against the
//! counterexample of the shard that holds that failure. So `campaign.csv`, `failures.csv` and
//! the counterexamples are byte-identical to those of the unsharded campaign written there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::campaign::{rate, remove_if_there};
use super::campaign_failures::{group_failures, shrink_groups, write_failures_csv, FailureGroup};
use super::campaign_files::{
    read_campaign_json, read_rows, write_campaign_csv, write_campaign_json, CampaignJson,
    CounterexampleEntry, CAMPAIGN_JSON, SHARD_ROWS,
};
use super::campaign_rows::CampaignRow;
use super::{parse_space, ExploreError};
use crate::report;
use crate::runner::Shard;

/// What `merge` wrote.
#[derive(Clone, Debug)]
pub(crate) struct MergedCampaign {
    /// The merged `campaign.json`.
    pub json: CampaignJson,
    /// The failures, in first-index order.
    pub groups: Vec<FailureGroup>,
    /// Shards merged.
    pub shards: usize,
}

/// Whether `dir` holds a campaign shard (its `campaign.json` names a shard), so that `merge`
/// treats the folders as explore shards.
pub(crate) fn is_campaign_shard(dir: &Path) -> bool {
    matches!(read_campaign_json(dir), Ok(Some(json)) if json.shard.is_some())
        || dir.join(super::campaign_files::PARTIAL).is_file()
}

fn bad(message: String) -> ExploreError {
    ExploreError::Input(format!("merge: {message}"))
}

/// A shard folder's summary, checked to be a finished shard.
fn finished_shard(dir: &Path) -> Result<(CampaignJson, Shard), ExploreError> {
    let json = read_campaign_json(dir)?.ok_or_else(|| {
        bad(format!(
            "{}: not a finished explore shard (no {CAMPAIGN_JSON}; finish it with \
             `explore SPACE --shard I/N --out {} --resume`)",
            dir.display(),
            dir.display()
        ))
    })?;
    let shard: Shard = json
        .shard
        .as_deref()
        .ok_or_else(|| {
            bad(format!(
                "{}: a whole campaign, not a shard (its {CAMPAIGN_JSON} names no shard)",
                dir.display()
            ))
        })?
        .parse()
        .map_err(|e| bad(format!("{}: {CAMPAIGN_JSON}: shard: {e}", dir.display())))?;
    if !json.complete {
        return Err(bad(format!(
            "{}: shard {shard} did not finish (its time ran out or it was stopped); finish it \
             with `explore SPACE --shard {shard} --out {} --resume`",
            dir.display(),
            dir.display()
        )));
    }
    Ok((json, shard))
}

/// Merges the shard folders `dirs` into `out`.
pub(crate) fn merge_campaign(dirs: &[PathBuf], out: &Path) -> Result<MergedCampaign, ExploreError> {
    let Some(first_dir) = dirs.first() else {
        return Err(bad("no shard folders given".into()));
    };
    let mut shards: Vec<(PathBuf, CampaignJson, Shard)> = Vec::new();
    let mut given: BTreeMap<usize, PathBuf> = BTreeMap::new();
    for dir in dirs {
        let (json, shard) = finished_shard(dir)?;
        if let Some((_, first, first_shard)) = shards.first() {
            if json.fingerprint != first.fingerprint || json.budget != first.budget {
                return Err(bad(format!(
                    "{} holds space {:?} (fingerprint {}, budget {}) but {} holds {:?} \
                     (fingerprint {}, budget {}): not shards of one campaign",
                    dir.display(),
                    json.space,
                    json.fingerprint,
                    budget_text(json.budget),
                    first_dir.display(),
                    first.space,
                    first.fingerprint,
                    budget_text(first.budget)
                )));
            }
            if shard.count != first_shard.count {
                return Err(bad(format!(
                    "{} is shard {shard} but {} is shard {first_shard}: shards of one \
                     campaign have one N",
                    dir.display(),
                    first_dir.display()
                )));
            }
        }
        if let Some(earlier) = given.insert(shard.index, dir.clone()) {
            return Err(bad(format!(
                "shard {shard} is given twice ({} and {})",
                earlier.display(),
                dir.display()
            )));
        }
        shards.push((dir.clone(), json, shard));
    }
    let Some((_, first, first_shard)) = shards.first() else {
        return Err(bad("no shard folders given".into()));
    };
    let missing: Vec<String> = (1..=first_shard.count)
        .filter(|i| !given.contains_key(i))
        .map(|i| format!("{i}/{}", first_shard.count))
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!("shards not given: {}", missing.join(", "))));
    }

    let mut rows: Vec<CampaignRow> = Vec::new();
    for (dir, json, _) in &shards {
        let kept = read_rows(&dir.join(SHARD_ROWS), &json.fingerprint)?;
        if kept.len() as u64 != json.trials {
            return Err(bad(format!(
                "{}: {SHARD_ROWS} holds {} rows but {CAMPAIGN_JSON} says {}",
                dir.display(),
                kept.len(),
                json.trials
            )));
        }
        rows.extend(kept);
    }
    rows.sort_by_key(|r| r.index);
    if let Some(pair) = rows.windows(2).find(|w| w[0].index == w[1].index) {
        return Err(bad(format!(
            "index {} is in two shards (overlapping shards)",
            pair[0].index
        )));
    }

    std::fs::create_dir_all(out).map_err(|source| io(out, source))?;
    remove_if_there(&out.join(CAMPAIGN_JSON))?;
    copy_file(&first_dir.join("space.ron"), &out.join("space.ron"))?;
    let space_path = first_dir.join("space.ron");
    let space_text =
        std::fs::read_to_string(&space_path).map_err(|source| io(&space_path, source))?;
    let space =
        parse_space(&first.file, &space_text).map_err(|e| ExploreError::Input(e.to_string()))?;
    if super::campaign::fingerprint(&space)? != first.fingerprint {
        return Err(bad(format!(
            "{}: space.ron does not match {CAMPAIGN_JSON} (was it edited?)",
            first_dir.display()
        )));
    }
    let mut groups = group_failures(&rows);
    let campaign_trials = first.budget.unwrap_or(rows.len() as u64);
    shrink_groups(&space, &first.file, campaign_trials, out, &mut groups)?;
    for group in &groups {
        // The shard that holds this signature's first failure shrank it too: the same result.
        let theirs = shards.iter().find_map(|(dir, json, _)| {
            json.counterexamples
                .iter()
                .find(|c| c.signature == group.signature && c.first_index == group.first_index)
                .map(|c| (dir, c))
        });
        let same = match (&theirs, &group.counterexample) {
            (Some((_, c)), Some(ours)) => same_shrink(c, ours),
            _ => false,
        };
        if !same {
            return Err(bad(format!(
                "{}: the counterexample of {} (first failing index {}) is not the one shrunk                  again here; were the shards run by another version of pbft-sim?",
                theirs.map_or_else(|| "no shard".to_string(), |(d, _)| d.display().to_string()),
                group.signature,
                group.first_index
            )));
        }
    }
    write_campaign_csv(&out.join("campaign.csv"), &rows)?;
    write_failures_csv(&out.join("failures.csv"), &groups)?;
    let ran = shards.iter().map(|(_, j, _)| j.ran).sum();
    let wall_s = shards.iter().map(|(_, j, _)| j.wall_s).sum();
    let bound = first.budget.unwrap_or(rows.len() as u64);
    let json = CampaignJson {
        shard: None,
        indices: format!("0..{bound}"),
        trials: rows.len() as u64,
        ran,
        wall_s,
        trials_per_s: rate(ran, wall_s),
        time_ran_out: false,
        complete: true,
        threads: shards.iter().map(|(_, j, _)| j.threads).max().unwrap_or(1),
        failures: groups
            .iter()
            .map(|g| (g.signature.clone(), g.trials))
            .collect(),
        counterexamples: groups
            .iter()
            .filter_map(|g| g.counterexample.clone())
            .collect(),
        ..first.clone()
    };
    write_campaign_json(&out.join(CAMPAIGN_JSON), &json)?;
    Ok(MergedCampaign {
        json,
        groups,
        shards: shards.len(),
    })
}

/// Whether two shrinks of one failure agree (all but the folder they were written in).
fn same_shrink(a: &CounterexampleEntry, b: &CounterexampleEntry) -> bool {
    (
        a.file.as_str(),
        a.n,
        a.byzantine,
        a.faults,
        a.requests,
        a.runs,
        a.detail.as_str(),
    ) == (
        b.file.as_str(),
        b.n,
        b.byzantine,
        b.faults,
        b.requests,
        b.runs,
        b.detail.as_str(),
    )
}

fn budget_text(budget: Option<u64>) -> String {
    budget.map_or_else(|| "none".to_string(), |b| b.to_string())
}

fn io(path: &Path, source: std::io::Error) -> ExploreError {
    ExploreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Copies `from` to `to` (atomically), making `to`'s folder.
fn copy_file(from: &Path, to: &Path) -> Result<(), ExploreError> {
    let bytes = std::fs::read(from).map_err(|source| io(from, source))?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|source| io(parent, source))?;
    }
    Ok(report::write_bytes_atomically(to, &bytes)?)
}
