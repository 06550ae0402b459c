//! The verbs of the command line, carried out: `check` prints a scenario's expanded sweep,
//! `run` runs it (whole, resumed, or one shard), `trace` re-runs one trial with its event
//! trace, `merge` joins shards, `suite` runs many. Each
//! prints what it did on stdout and returns a [`Failure`] for `main` to report.
//!
//! Those that write a results folder first make sure it holds no other scenario's results
//! (unless `--force`), and `run` and `suite` say on stderr when they are estimated to be large
//! (`estimate.rs`).

use std::path::{Path, PathBuf};

use super::args::{RunArgs, TraceArgs};
use super::estimate::{self, Estimate};
use super::progress;
use super::Failure;
use crate::report;
use crate::runner::output::{results_in, results_of_another, suite_index_in};
use crate::runner::saved::PARTIAL;
use crate::runner::session::{self, Finished};
use crate::runner::trace::{self as tracing, TraceOptions, Traced};
use crate::runner::{self, suite, SessionOptions, SuiteOptions};
use crate::scenario::{self, describe_point, Plan};

fn load(path: &Path) -> Result<Plan, Failure> {
    scenario::load(path).map_err(|e| Failure::Input(e.to_string()))
}

/// Refuses to write into `out` when it holds a suite's results or those of a scenario other
/// than `name` (unless `force`): bad input, naming the folder, whose results and the way out.
pub(super) fn refuse_another(out: &Path, name: &str, force: bool) -> Result<(), Failure> {
    if force {
        return Ok(());
    }
    if let Some(index) = suite_index_in(out) {
        return Err(Failure::Input(format!(
            "{}: holds a suite's results ({}), not a single run's; give another --out DIR, or \
             --force to write over the suite's report",
            out.display(),
            index.display()
        )));
    }
    refuse_other_scenario(out, name)
}

/// Refuses `out` when it holds the results of a scenario other than `name`.
fn refuse_other_scenario(out: &Path, name: &str) -> Result<(), Failure> {
    match results_of_another(out, name) {
        Some(found) => Err(Failure::Input(format!(
            "{}: holds the results of scenario {:?} ({}), not {name:?}; give another --out DIR, \
             or --force to write over them",
            out.display(),
            found.scenario,
            found.file.display()
        ))),
        _ => Ok(()),
    }
}

/// Prints `estimate`'s warning on stderr if it has one (the run goes on); says whether it did.
fn warn_if_large(estimate: &Estimate, what: &str, threads: usize) -> bool {
    match estimate.warning(what, threads) {
        Some(line) => {
            eprintln!("{line}");
            true
        }
        None => false,
    }
}

/// The files `check` reads for `inputs`: a folder stands for every `*.ron` directly in it, by
/// file name (as for `suite`); an empty folder is bad input.
fn check_files(inputs: &[PathBuf]) -> Result<Vec<Result<PathBuf, String>>, Failure> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let found = suite::scenario_files_in(input).map_err(anyhow::Error::from)?;
            if found.is_empty() {
                files.push(Err(format!(
                    "{}: no scenario files (*.ron) in the folder",
                    input.display()
                )));
            }
            files.extend(found.into_iter().map(Ok));
        } else {
            files.push(Ok(input.clone()));
        }
    }
    Ok(files)
}

/// `check`: every file's sweep, or its error; bad files do not stop the others. A folder
/// stands for its `*.ron` files.
pub(super) fn check(inputs: &[PathBuf]) -> Result<(), Failure> {
    let mut invalid = 0;
    for file in check_files(inputs)? {
        let path = match file {
            Ok(path) => path,
            Err(message) => {
                eprintln!("error: {message}");
                invalid += 1;
                continue;
            }
        };
        if is_space_file(&path) {
            match crate::explore::load_space(&path) {
                Ok(space) => print_space(&path, &space),
                Err(e) => {
                    eprintln!("error: {e}");
                    invalid += 1;
                }
            }
            continue;
        }
        match load(&path) {
            Ok(plan) => print_plan(&plan),
            Err(Failure::Input(message)) => {
                eprintln!("error: {message}");
                invalid += 1;
            }
            Err(other) => return Err(other),
        }
    }
    if invalid > 0 {
        Err(Failure::Reported)
    } else {
        Ok(())
    }
}

/// Whether the file at `path` is a search space (its first code, after `//` comments, is
/// `Space(`): `check` checks it as `explore` reads it.
fn is_space_file(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| {
        text.lines()
            .map(str::trim_start)
            .find(|line| !line.is_empty() && !line.starts_with("//"))
            .is_some_and(|line| line.starts_with("Space("))
    })
}

fn print_space(path: &Path, space: &crate::explore::Space) {
    let properties: Vec<&str> = space.properties.iter().map(|p| p.label()).collect();
    outln!(
        "{}: search space {} — checks {}; run it with `pbft-sim explore {}`",
        path.display(),
        space.name,
        properties.join(" and "),
        path.display()
    );
}

fn print_plan(plan: &Plan) {
    outln!(
        "{}: {} — {} x {} = {}",
        plan.file,
        plan.scenario.name,
        counted(plan.points.len() as u64, "point"),
        counted(u64::from(plan.trials()), "trial"),
        counted(plan.total_trials(), "trial")
    );
    for point in &plan.points {
        outln!(
            "  point {:>3}: {}",
            point.index,
            describe_point(&plan.axes, &point.values)
        );
    }
}

/// `count` and `noun`, plural unless `count` is 1: `1 point`, `3 trials`.
fn counted(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `plan` with `--trials` and `--seed` applied.
fn adjust(plan: &mut Plan, trials: Option<u32>, seed: Option<u64>) -> Result<(), Failure> {
    if let Some(trials) = trials {
        if trials == 0 {
            return Err(Failure::Input("--trials: must be at least 1".into()));
        }
        plan.set_trials(trials);
        scenario::check_trial_count(plan.total_trials())
            .map_err(|m| Failure::Input(format!("--trials: {m}")))?;
    }
    if let Some(seed) = seed {
        plan.set_seed(seed);
    }
    Ok(())
}

/// `trace`: one trial re-run with its trace, into its folder.
pub(super) fn trace(path: &Path, args: TraceArgs) -> Result<(), Failure> {
    let mut plan = load(path)?;
    adjust(&mut plan, args.trials, args.seed)?;
    let out = args.out.unwrap_or_else(|| {
        Path::new("results")
            .join(&plan.scenario.name)
            .join(tracing::folder(args.point, args.trial))
    });
    refuse_another(&out, &plan.scenario.name, args.force)?;
    let options = TraceOptions {
        out,
        from_ms: args.from,
        until_ms: args.until,
        only: args.only,
        nodes: args.nodes,
    };
    let traced = tracing::trace(&plan, args.point, args.trial, &options)?;
    print_traced(&plan, &traced);
    Ok(())
}

fn print_traced(plan: &Plan, traced: &Traced) {
    let r = &traced.record;
    let o = &r.outcome;
    let at = describe_point(&plan.axes, &plan.points[r.point].values);
    outln!(
        "{}: point {}{}, trial {} (seed {}): {} events, {} written",
        plan.scenario.name,
        r.point,
        if at.is_empty() {
            String::new()
        } else {
            format!(" ({at})")
        },
        r.trial,
        r.seed,
        traced.events,
        traced.written
    );
    outln!(
        "  {}, {}; {} of {} requests completed; {} view changes, final view {}{}",
        if o.success { "success" } else { "no success" },
        if o.safety_ok { "safe" } else { "UNSAFE" },
        o.completed,
        o.requests,
        o.view_changes,
        o.final_view,
        match o.violations.first() {
            Some(v) => format!("; violation: {v}"),
            None => String::new(),
        }
    );
    if traced.written == 0 {
        outln!(
            "  note: no event passed the window and filters (the trial's events end at {} ms); \
             the chart and the viewer are empty",
            o.time_ms
        );
    }
    outln!("trace in {}", traced.out.display());
}

/// `run`: one scenario's sweep into its output folder.
pub(super) fn run(path: &Path, args: RunArgs) -> Result<(), Failure> {
    let mut plan = load(path)?;
    if args.threads == Some(0) {
        return Err(Failure::Input("--threads: must be at least 1".into()));
    }
    adjust(&mut plan, args.trials, args.seed)?;
    let out = args.out.unwrap_or_else(|| {
        let name = &plan.scenario.name;
        match args.shard {
            Some(s) => {
                Path::new("results").join(format!("{name}-shard-{}-of-{}", s.index, s.count))
            }
            None => Path::new("results").join(name),
        }
    });
    refuse_another(&out, &plan.scenario.name, args.force)?;
    let threads = args.threads.unwrap_or_else(runner::default_threads);
    // A resumed run was warned about when it started; only a fresh start is estimated.
    let resuming = args.resume && out.join(PARTIAL).is_file();
    let mut bars = progress::Bars::new(!args.quiet);
    if !args.no_estimate_warning && !resuming {
        let fraction = args.shard.map_or(1.0, |s| 1.0 / s.count as f64);
        let estimate = estimate::estimate(&plan, fraction, threads, true);
        if !warn_if_large(&estimate, "this run", threads) {
            bars = bars.watching_long_runs();
        }
    }
    let options = SessionOptions {
        out: out.clone(),
        threads,
        resume: args.resume,
        shard: args.shard,
        stop_after: args.abort_after,
    };
    let report = runner::run_session(&plan, &options, &mut bars)?;

    let note = session::describe(&report, &out);
    if !note.is_empty() {
        outln!("{note}");
    }
    if let Some(table) = session::table(&report) {
        out!("{table}");
    }
    match &report.finished {
        Finished::Run { result, .. } | Finished::Shard { result, .. } => {
            outln!("{}", report::throughput_line(result));
        }
        Finished::AlreadyComplete { .. } => {}
    }
    if let Finished::Run { result, summaries } = &report.finished {
        let table = runner::reference_table(&plan, result, summaries)
            .map_err(|e| Failure::Other(anyhow::Error::new(e)))?;
        if let Some(table) = table {
            out!("{table}");
        }
    }
    if args.stats {
        outln!("{}", report.stats.line(runner::peak_rss_bytes()));
    }
    if let Some(count) = args.trace_failures {
        match &report.finished {
            Finished::Run { result, .. } | Finished::Shard { result, .. } => {
                let traced = tracing::trace_failures(&plan, result, count, &out)?;
                match traced.len() {
                    0 => outln!("no unsuccessful or unsafe trial to trace"),
                    k => outln!(
                        "traced {k} unsuccessful or unsafe trial{} in {}",
                        if k == 1 { "" } else { "s" },
                        out.join("traces").display()
                    ),
                }
            }
            Finished::AlreadyComplete { .. } => {
                outln!(
                    "--trace-failures: the run was already complete; nothing run, nothing traced"
                )
            }
        }
    }
    match &report.finished {
        Finished::Shard { .. } => outln!("shard in {}", out.display()),
        _ => outln!("results in {}", out.display()),
    }
    Ok(())
}

/// `merge`: the shard folders of one run into the files of the unsharded run.
pub(super) fn merge(shards: &[PathBuf], out: Option<PathBuf>, force: bool) -> Result<(), Failure> {
    if shards
        .first()
        .is_some_and(|dir| crate::explore::campaign_merge::is_campaign_shard(dir))
    {
        return super::explore::merge(shards, out, force);
    }
    let merged = runner::load_shards(shards)?;
    let out = out.unwrap_or_else(|| Path::new("results").join(&merged.plan.scenario.name));
    refuse_another(&out, &merged.plan.scenario.name, force)?;
    let done = runner::write_merged(&out, &merged)?;
    outln!("merged {} shards", done.shards);
    out!("{}", report::summary_table(&done.result, &done.summaries));
    outln!("{}", report::throughput_line(&done.result));
    outln!("results in {}", out.display());
    Ok(())
}

/// `suite`'s switches.
pub(super) struct SuiteFlags {
    /// No progress bars.
    pub(super) quiet: bool,
    /// Write over other scenarios' results.
    pub(super) force: bool,
    /// Warn before a large suite.
    pub(super) warn: bool,
}

/// Refuses a suite's output folder `out` that holds a single run's results, or a scenario
/// folder in it that holds another scenario's (unless `force`).
fn refuse_suite_out(out: &Path, plans: &[Plan], force: bool) -> Result<(), Failure> {
    if force {
        return Ok(());
    }
    if let Some(found) = results_in(out) {
        return Err(Failure::Input(format!(
            "{}: holds the results of a single run of scenario {:?} ({}), not a suite's; give \
             another --out DIR, or --force to write the suite there",
            out.display(),
            found.scenario,
            found.file.display()
        )));
    }
    for plan in plans {
        refuse_other_scenario(&out.join(&plan.scenario.name), &plan.scenario.name)?;
    }
    Ok(())
}

/// `suite`: every scenario of `inputs`; bad files are reported and skipped (exit 2 once the
/// others ran, or at once, writing nothing, when none is valid).
pub(super) fn suite(
    inputs: &[PathBuf],
    out: Option<PathBuf>,
    threads: Option<usize>,
    flags: SuiteFlags,
) -> Result<(), Failure> {
    if threads == Some(0) {
        return Err(Failure::Input("--threads: must be at least 1".into()));
    }
    let loaded = runner::load_suite(inputs).map_err(anyhow::Error::from)?;
    for bad in &loaded.invalid {
        eprintln!("error: {}", bad.message);
    }
    if loaded.plans.is_empty() {
        // Nothing valid to run: bad input, and nothing written (an earlier index stays).
        return Err(Failure::Reported);
    }
    let options = SuiteOptions {
        out: out.unwrap_or_else(|| PathBuf::from(suite::DEFAULT_OUT)),
        threads: threads.unwrap_or_else(runner::default_threads),
    };
    refuse_suite_out(&options.out, &loaded.plans, flags.force)?;
    let mut bars = progress::Bars::new(!flags.quiet);
    if flags.warn {
        let estimate = loaded
            .plans
            .iter()
            .map(|plan| estimate::estimate(plan, 1.0, options.threads, true))
            .fold(Estimate::default(), Estimate::plus);
        if !warn_if_large(&estimate, "this suite", options.threads) {
            bars = bars.watching_long_runs();
        }
    }
    let done = runner::run_suite(&loaded, &options, &mut bars).map_err(anyhow::Error::from)?;
    out!("{}", report::index_table(&done.rows));
    outln!("{}", done.totals_line());
    if done.invalid.is_empty() {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}
