//! The `pbft-sim` command line: `run` a scenario's sweep (whole, resumed, or one shard of it),
//! `merge` shards, `check` scenario files, run a `suite` of scenarios. The only place that
//! prints to a terminal. Exit codes: 0 done, 2 bad input, 1 anything else.
//!
//! [`main`] is the whole `pbft-sim` binary; a user's binary that registered its own behaviours
//! (`pbft_sim::adversary::register`) calls it to get every verb.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod progress;

use crate::report;
use crate::runner::session::{self, Finished};
use crate::runner::{self, suite, SessionError, SessionOptions, Shard, SuiteOptions};
use crate::scenario::{self, describe_point, Plan};

/// Deterministic, virtual-time simulator of PBFT (Castro & Liskov).
#[derive(Parser)]
#[command(name = "pbft-sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every trial of a scenario's sweep; write CSV, JSON and charts.
    Run {
        /// The scenario file (RON).
        scenario: PathBuf,
        #[command(flatten)]
        args: RunArgs,
    },
    /// Merge the folders of `run --shard` into the files of one unsharded run.
    Merge {
        /// Shard folders, every shard of one scenario exactly once.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output folder [default: results/<scenario name>/].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Validate scenario files and print their expanded sweeps.
    Check {
        /// Scenario files (RON).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run many scenarios; write each one's results and an index of them all.
    Suite {
        /// A folder (every *.ron directly in it, by file name) or scenario files (in order).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output folder: one folder per scenario, index.csv, index.md [default: results/suite/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores]; results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// No progress bars.
        #[arg(long)]
        quiet: bool,
    },
}

/// Bad input (exit 2) or a failure while running (exit 1).
enum Failure {
    Input(String),
    /// Bad input already reported on stderr.
    Reported,
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

/// Parses the process's arguments and runs the verb they name; returns the exit code
/// (0 done, 2 bad input, 1 anything else).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // A usage error: one line, like every other bad input.
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("error: bad arguments");
            eprintln!("{first} (see --help)");
            return ExitCode::from(2);
        }
        Err(e) => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let result = match cli.command {
        Command::Run { scenario, args } => run(&scenario, args),
        Command::Merge { shards, out } => merge(&shards, out),
        Command::Check { scenarios } => check(&scenarios),
        Command::Suite {
            inputs,
            out,
            threads,
            quiet,
        } => run_suite(&inputs, out, threads, quiet),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Reported) => ExitCode::from(2),
        Err(Failure::Other(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn load(path: &Path) -> Result<Plan, Failure> {
    scenario::load(path).map_err(|e| Failure::Input(e.to_string()))
}

fn check(paths: &[PathBuf]) -> Result<(), Failure> {
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
    println!(
        "{}: {} — {} points x {} trials = {} trials",
        plan.file,
        plan.scenario.name,
        plan.points.len(),
        plan.trials(),
        plan.total_trials()
    );
    for point in &plan.points {
        println!(
            "  point {:>3}: {}",
            point.index,
            describe_point(&plan.axes, &point.values)
        );
    }
}

/// `run`'s options.
#[derive(clap::Args)]
struct RunArgs {
    /// Output folder [default: results/<scenario name>/].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores]; results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Trials per sweep point, instead of the scenario's.
    #[arg(long)]
    trials: Option<u32>,
    /// Scenario seed, instead of the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Keep the trials already saved in the output folder (same scenario only); run the rest.
    #[arg(long)]
    resume: bool,
    /// Run only shard I of N (every N-th trial) into a shard folder, for `merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// After the summary, print one line of rates and peak memory.
    #[arg(long)]
    stats: bool,
    /// Stop once this many trials are saved, as a kill would (for tests).
    #[arg(long, hide = true)]
    abort_after: Option<usize>,
}

fn run(path: &Path, args: RunArgs) -> Result<(), Failure> {
    let mut plan = load(path)?;
    if args.threads == Some(0) {
        return Err(Failure::Input("--threads: must be at least 1".into()));
    }
    if let Some(trials) = args.trials {
        if trials == 0 {
            return Err(Failure::Input("--trials: must be at least 1".into()));
        }
        plan.set_trials(trials);
        scenario::check_trial_count(plan.total_trials())
            .map_err(|m| Failure::Input(format!("--trials: {m}")))?;
    }
    if let Some(seed) = args.seed {
        plan.set_seed(seed);
    }
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
        println!("{note}");
    }
    if let Some(table) = session::table(&report) {
        print!("{table}");
    }
    match &report.finished {
        Finished::Run { result, .. } | Finished::Shard { result, .. } => {
            println!("{}", report::throughput_line(result));
        }
        Finished::AlreadyComplete { .. } => {}
    }
    if args.stats {
        println!("{}", report.stats.line(runner::peak_rss_bytes()));
    }
    match &report.finished {
        Finished::Shard { .. } => println!("shard in {}", out.display()),
        _ => println!("results in {}", out.display()),
    }
    Ok(())
}

fn merge(shards: &[PathBuf], out: Option<PathBuf>) -> Result<(), Failure> {
    let merged = runner::load_shards(shards)?;
    let out = out.unwrap_or_else(|| Path::new("results").join(&merged.plan.scenario.name));
    let done = runner::write_merged(&out, &merged)?;
    println!("merged {} shards", done.shards);
    print!("{}", report::summary_table(&done.result, &done.summaries));
    println!("{}", report::throughput_line(&done.result));
    println!("results in {}", out.display());
    Ok(())
}

/// Every scenario of `inputs`; bad files are reported and skipped (exit 2 once the others ran,
/// or at once, writing nothing, when none is valid).
fn run_suite(
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
    print!("{}", report::index_table(&done.rows));
    println!("{}", done.totals_line());
    if done.invalid.is_empty() {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}

impl From<SessionError> for Failure {
    fn from(e: SessionError) -> Self {
        if e.is_bad_input() {
            Failure::Input(e.to_string())
        } else {
            Failure::Other(e.into())
        }
    }
}

impl From<report::ReportError> for Failure {
    fn from(e: report::ReportError) -> Self {
        Failure::Other(e.into())
    }
}
