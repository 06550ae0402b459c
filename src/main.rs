//! The `pbft-sim` command line: `run` a scenario's sweep, `check` scenario files.
//! The only place that prints to a terminal. Exit codes: 0 done, 2 bad input, 1 anything else.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use pbft_sim::report;
use pbft_sim::runner::{self, RunOptions};
use pbft_sim::scenario::{self, describe_point, Plan};

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
    },
    /// Validate scenario files and print their expanded sweeps.
    Check {
        /// Scenario files (RON).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
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

fn main() -> ExitCode {
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
        Command::Run {
            scenario,
            out,
            threads,
            trials,
            seed,
            quiet,
        } => run(&scenario, out, threads, trials, seed, quiet),
        Command::Check { scenarios } => check(&scenarios),
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

fn run(
    path: &Path,
    out: Option<PathBuf>,
    threads: Option<usize>,
    trials: Option<u32>,
    seed: Option<u64>,
    quiet: bool,
) -> Result<(), Failure> {
    let mut plan = load(path)?;
    if threads == Some(0) {
        return Err(Failure::Input("--threads: must be at least 1".into()));
    }
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
    let out = out.unwrap_or_else(|| Path::new("results").join(&plan.scenario.name));
    prepare_output(&out)?;

    let options = RunOptions {
        threads: threads.unwrap_or_else(runner::default_threads),
        progress: !quiet,
    };
    let bar = runner::progress_bar(plan.total_trials(), options.progress, &plan.scenario.name);
    let result = runner::run(&plan, &options, &bar).context("running the trials")?;
    bar.finish_and_clear();

    let summaries = report::summarize(&result);
    report::write_trials_csv(&out.join("trials.csv"), &result)?;
    report::write_summary_csv(&out.join("summary.csv"), &result, &summaries)?;
    report::draw_charts(&out, &result, &summaries)?;
    let ron = scenario::to_ron(&plan.scenario)
        .map_err(|e| anyhow::anyhow!("cannot write scenario.ron: {e}"))?;
    report::write_bytes_atomically(&out.join("scenario.ron"), ron.as_bytes())?;
    let mut extra = serde_json::Map::new();
    extra.insert("scenario".into(), plan.scenario.name.clone().into());
    extra.insert("file".into(), plan.file.clone().into());
    extra.insert("threads".into(), options.threads.into());
    // run.json last: its presence marks a complete results folder.
    report::write_run_json(&out.join("run.json"), &result, &extra)?;

    print!("{}", report::summary_table(&result, &summaries));
    println!("{}", report::throughput_line(&result));
    println!("results in {}", out.display());
    Ok(())
}

/// Creates the output folder and removes a previous run's `run.json`, so that a run that
/// stops half-way never leaves a folder that looks complete.
fn prepare_output(out: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let marker = out.join("run.json");
    if marker.exists() {
        std::fs::remove_file(&marker)
            .with_context(|| format!("cannot remove the stale {}", marker.display()))?;
    }
    Ok(())
}

impl From<report::ReportError> for Failure {
    fn from(e: report::ReportError) -> Self {
        Failure::Other(e.into())
    }
}
