//! The `explore` verb, and `merge` of explore shard folders: load the space (its errors are
//! bad input, `FILE:LINE:COL: ...`), check the flags, refuse a folder holding other results,
//! run the campaign with a progress bar, and print what it found: scenarios explored, wall
//! time, trials/s, each failure's signature with its count and counterexample, and the command
//! that replays it. Exit 0 when nothing failed, 1 when some property failed.

use std::path::{Path, PathBuf};

use super::args::ExploreArgs;
use super::progress;
use super::verbs::refuse_another;
use super::Failure;
use crate::explore::campaign::{run_campaign, CampaignError, CampaignOptions};
use crate::explore::campaign_failures::FailureGroup;
use crate::explore::campaign_files::{space_named_in, CampaignJson};
use crate::explore::campaign_merge::merge_campaign;
use crate::explore::{load_space, ExploreError};
use crate::runner;
use crate::scenario::MAX_TRIALS;

/// The budget when neither `--budget` nor `--time` is given.
pub(super) const DEFAULT_BUDGET: u64 = 10_000;

impl From<ExploreError> for Failure {
    fn from(e: ExploreError) -> Self {
        match e {
            ExploreError::Input(message) => Failure::Input(message),
            other => Failure::Other(other.into()),
        }
    }
}

impl From<CampaignError> for Failure {
    fn from(e: CampaignError) -> Self {
        match e {
            CampaignError::Explore(e) => e.into(),
            stopped @ CampaignError::Stopped(_) => Failure::Other(stopped.into()),
        }
    }
}

/// Refuses `out` when it holds a run's or a suite's results, or another space's campaign
/// (unless `force`).
fn refuse_other_results(out: &Path, space: &str, force: bool) -> Result<(), Failure> {
    if force {
        return Ok(());
    }
    if let Some(found) = crate::runner::output::results_in(out) {
        return Err(Failure::Input(format!(
            "{}: holds the results of a run of scenario {:?} ({}), not a campaign; give \
             another --out DIR, or --force to write there",
            out.display(),
            found.scenario,
            found.file.display()
        )));
    }
    refuse_another(out, space, false)?;
    match space_named_in(out) {
        Some(other) if other != space => Err(Failure::Input(format!(
            "{}: holds the campaign of space {other:?}, not {space:?}; give another --out \
             DIR, or --force to write over it",
            out.display()
        ))),
        _ => Ok(()),
    }
}

/// `explore`: a campaign over the space in `path`.
pub(super) fn explore(path: &Path, args: ExploreArgs) -> Result<(), Failure> {
    let space = load_space(path).map_err(|e| Failure::Input(e.to_string()))?;
    let space_text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Input(format!("{}: cannot read the file: {e}", path.display())))?;
    if args.threads == Some(0) {
        return Err(Failure::Input("--threads: must be at least 1".into()));
    }
    match args.budget {
        Some(0) => return Err(Failure::Input("--budget: must be at least 1".into())),
        Some(b) if b > MAX_TRIALS => {
            return Err(Failure::Input(format!(
                "--budget: {b} is over the {MAX_TRIALS} trials a campaign may have; split it \
                 into spaces with other seeds"
            )))
        }
        _ => {}
    }
    if let Some(t) = args.time {
        if !(t.is_finite() && t > 0.0) {
            return Err(Failure::Input(format!(
                "--time: {t} is not a positive number of seconds"
            )));
        }
    }
    let budget = match (args.budget, args.time) {
        (None, None) => Some(DEFAULT_BUDGET),
        (budget, _) => budget,
    };
    let out = args.out.unwrap_or_else(|| {
        let name = format!("explore-{}", space.name);
        match args.shard {
            Some(s) => {
                Path::new("results").join(format!("{name}-shard-{}-of-{}", s.index, s.count))
            }
            None => Path::new("results").join(name),
        }
    });
    refuse_other_results(&out, &space.name, args.force)?;
    let options = CampaignOptions {
        out: out.clone(),
        space_file: path.display().to_string(),
        space_text,
        budget,
        time_s: args.time,
        threads: args.threads.unwrap_or_else(runner::default_threads),
        shard: args.shard,
        resume: args.resume,
        stop_after: args.abort_after,
    };
    let mut bars = progress::Bars::new(!args.quiet);
    let report = run_campaign(&space, &options, &mut bars)?;
    if report.reused > 0 {
        outln!(
            "resumed: {} trials kept from {}, {} run now",
            report.reused,
            out.display(),
            report.json.ran
        );
    }
    print_summary(&report.json, &report.groups, &out);
    if args.shard.is_some() {
        outln!(
            "shard in {} (merge the shards with `pbft-sim merge`)",
            out.display()
        );
    } else {
        outln!("results in {}", out.display());
    }
    if report.groups.is_empty() {
        Ok(())
    } else {
        Err(Failure::Found)
    }
}

/// `merge` of explore shard folders.
pub(super) fn merge(shards: &[PathBuf], out: Option<PathBuf>, force: bool) -> Result<(), Failure> {
    let first = crate::explore::campaign_files::read_campaign_json(
        shards.first().map_or(Path::new("."), PathBuf::as_path),
    )?;
    let name = first.map_or_else(String::new, |j| j.space);
    let out = out.unwrap_or_else(|| Path::new("results").join(format!("explore-{name}")));
    refuse_other_results(&out, &name, force)?;
    let merged = merge_campaign(shards, &out)?;
    outln!("merged {} shards", merged.shards);
    print_summary(&merged.json, &merged.groups, &out);
    outln!("results in {}", out.display());
    Ok(())
}

/// What a campaign found, on stdout.
fn print_summary(json: &CampaignJson, groups: &[FailureGroup], out: &Path) {
    let failing: u64 = groups.iter().map(|g| g.trials).sum();
    outln!(
        "explore {}: {} scenarios explored ({}) in {:.2} s ({:.0} trials/s), {} failing",
        json.space,
        json.trials,
        json.indices,
        json.wall_s,
        json.trials_per_s,
        failing
    );
    if json.time_ran_out {
        outln!(
            "  the time ran out ({} s): the first {} scenarios ran, not the whole budget; \
             --resume runs the rest",
            json.time_limit_s.unwrap_or_default(),
            json.trials
        );
    }
    for group in groups {
        let file = group
            .counterexample
            .as_ref()
            .map(|c| out.join(&c.file).display().to_string());
        outln!(
            "  {}: {} trial{}, first at index {}{}",
            group.signature,
            group.trials,
            if group.trials == 1 { "" } else { "s" },
            group.first_index,
            match &file {
                Some(f) => format!("; counterexample {f}"),
                None => String::new(),
            }
        );
        if let Some(f) = file {
            outln!("    replay: pbft-sim run {f}");
        }
    }
}
