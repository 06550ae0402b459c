//! The verbs of the command line, carried out: `check` prints a scenario's expanded sweep,
//! `run` runs it (whole, resumed, or one shard), `trace` re-runs one trial with its event
//! trace, `merge` joins shards, `suite` runs many. Each
//! prints what it did on stdout and returns a [`Failure`] for `main` to report.

use std::path::{Path, PathBuf};

use super::args::{RunArgs, TraceArgs};
use super::progress;
use super::Failure;
use crate::report;
use crate::runner::session::{self, Finished};
use crate::runner::trace::{self as tracing, TraceOptions, Traced};
use crate::runner::{self, suite, SessionOptions, SuiteOptions};
use crate::scenario::{self, describe_point, Plan};

fn load(path: &Path) -> Result<Plan, Failure> {
    scenario::load(path).map_err(|e| Failure::Input(e.to_string()))
}

/// `check`: every file's sweep, or its error; bad files do not stop the others.
pub(super) fn check(paths: &[PathBuf]) -> Result<(), Failure> {
    let mut invalid = 0;
    for path in paths {
        match load(path) {
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

fn print_plan(plan: &Plan) {
    outln!(
        "{}: {} — {} points x {} trials = {} trials",
        plan.file,
        plan.scenario.name,
        plan.points.len(),
        plan.trials(),
        plan.total_trials()
    );
    for point in &plan.points {
        outln!(
            "  point {:>3}: {}",
            point.index,
            describe_point(&plan.axes, &point.values)
        );
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
    let options = SessionOptions {
        out: out.clone(),
        threads: args.threads.unwrap_or_else(runner::default_threads),
        resume: args.resume,
        shard: args.shard,
        stop_after: args.abort_after,
    };
    let report = runner::run_session(&plan, &options, &mut progress::Bars::new(!args.quiet))?;

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
pub(super) fn merge(shards: &[PathBuf], out: Option<PathBuf>) -> Result<(), Failure> {
    let merged = runner::load_shards(shards)?;
    let out = out.unwrap_or_else(|| Path::new("results").join(&merged.plan.scenario.name));
    let done = runner::write_merged(&out, &merged)?;
    outln!("merged {} shards", done.shards);
    out!("{}", report::summary_table(&done.result, &done.summaries));
    outln!("{}", report::throughput_line(&done.result));
    outln!("results in {}", out.display());
    Ok(())
}

/// `suite`: every scenario of `inputs`; bad files are reported and skipped (exit 2 once the
/// others ran, or at once, writing nothing, when none is valid).
pub(super) fn suite(
    inputs: &[PathBuf],
    out: Option<PathBuf>,
    threads: Option<usize>,
    quiet: bool,
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
    let done = runner::run_suite(&loaded, &options, &mut progress::Bars::new(!quiet))
        .map_err(anyhow::Error::from)?;
    out!("{}", report::index_table(&done.rows));
    outln!("{}", done.totals_line());
    if done.invalid.is_empty() {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}
