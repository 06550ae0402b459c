//! Merging the folders of `explore --shard I/N` into the files of the unsharded campaign:
//! every shard of one space and budget exactly once, each finished (its `campaign.json` says
//! so). The rows are joined in index order, the failures regrouped, and each signature's
//! counterexample copied from the shard that holds its first failure (the one the unsharded
//! campaign shrinks), so `campaign.csv`, `failures.csv` and the counterexamples are
//! byte-identical to the unsharded campaign's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::campaign::{rate, remove_if_there};
use super::campaign_failures::{group_failures, write_failures_csv, FailureGroup};
use super::campaign_files::{
    read_campaign_json, read_rows, write_campaign_csv, write_campaign_json, CampaignJson,
    CAMPAIGN_JSON, SHARD_ROWS,
};
use super::campaign_rows::CampaignRow;
use super::ExploreError;
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
    let mut groups = group_failures(&rows);
    for group in &mut groups {
        // The shard whose counterexample is of this signature's first failure.
        let found = shards.iter().find_map(|(dir, json, _)| {
            json.counterexamples
                .iter()
                .find(|c| c.signature == group.signature && c.first_index == group.first_index)
                .map(|c| (dir, c))
        });
        let Some((dir, entry)) = found else {
            return Err(bad(format!(
                "no shard holds the counterexample of {} (first failing index {})",
                group.signature, group.first_index
            )));
        };
        copy_file(&dir.join(&entry.file), &out.join(&entry.file))?;
        if let Some(trace) = &entry.trace {
            copy_tree(&dir.join(trace), &out.join(trace))?;
        }
        group.counterexample = Some(entry.clone());
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

/// Copies the folder `from` into `to`, file by file.
fn copy_tree(from: &Path, to: &Path) -> Result<(), ExploreError> {
    let entries = std::fs::read_dir(from).map_err(|source| io(from, source))?;
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|source| io(from, source))?;
    paths.sort();
    for path in paths {
        let Some(name) = path.file_name() else {
            continue;
        };
        if path.is_dir() {
            copy_tree(&path, &to.join(name))?;
        } else {
            copy_file(&path, &to.join(name))?;
        }
    }
    Ok(())
}
