//! The command line's grammar: the verbs of `pbft-sim` and their options, as clap types.
//! [`super::main_from`] parses them; `verbs.rs` carries them out.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::runner::Shard;

/// Deterministic, virtual-time simulator of PBFT (Castro & Liskov).
#[derive(Parser)]
#[command(name = "pbft-sim", version, about)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

/// The verbs.
#[derive(Subcommand)]
pub(super) enum Command {
    /// Run every trial of a scenario's sweep; write CSV, JSON and charts.
    Run {
        /// The scenario file (RON).
        scenario: PathBuf,
        #[command(flatten)]
        args: RunArgs,
    },
    /// Re-run one trial exactly, writing its event trace: trace.jsonl, trial.csv (its row),
    /// spacetime.svg and .png (a message-sequence chart), trace.html (a viewer).
    Trace {
        /// The scenario file (RON).
        scenario: PathBuf,
        #[command(flatten)]
        args: TraceArgs,
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

/// `run`'s options.
#[derive(clap::Args)]
pub(super) struct RunArgs {
    /// Output folder [default: results/<scenario name>/].
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    /// Worker threads [default: all cores]; results do not depend on it.
    #[arg(long)]
    pub(super) threads: Option<usize>,
    /// Trials per sweep point, instead of the scenario's.
    #[arg(long)]
    pub(super) trials: Option<u32>,
    /// Scenario seed, instead of the scenario's.
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// No progress bar.
    #[arg(long)]
    pub(super) quiet: bool,
    /// Keep the trials already saved in the output folder (same scenario only); run the rest.
    #[arg(long)]
    pub(super) resume: bool,
    /// Run only shard I of N (every N-th trial) into a shard folder, for `merge`.
    #[arg(long, value_name = "I/N")]
    pub(super) shard: Option<Shard>,
    /// After the summary, print one line of rates and peak memory.
    #[arg(long)]
    pub(super) stats: bool,
    /// Then trace the first N unsuccessful or unsafe trials, in (point, trial) order, into
    /// OUT/traces/trace-P-T/ (as `trace` would).
    #[arg(long, value_name = "N")]
    pub(super) trace_failures: Option<usize>,
    /// Stop once this many trials are saved, as a kill would (for tests).
    #[arg(long, hide = true)]
    pub(super) abort_after: Option<usize>,
}

/// `trace`'s options.
#[derive(clap::Args)]
pub(super) struct TraceArgs {
    /// The sweep point (as `check` numbers them).
    #[arg(long, default_value_t = 0, value_name = "P")]
    pub(super) point: usize,
    /// The trial within the point.
    #[arg(long, default_value_t = 0, value_name = "T")]
    pub(super) trial: usize,
    /// Output folder [default: results/<scenario name>/trace-P-T/].
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    /// Only events at or after this virtual time (ms); the trial still runs whole.
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    pub(super) from: Option<f64>,
    /// Only events before this virtual time (ms).
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    pub(super) until: Option<f64>,
    /// Only events of any of these event kinds (deliver, reject, view_entered, ...) or message
    /// kinds (pre-prepare, commit, ...), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "KIND,...")]
    pub(super) only: Vec<String>,
    /// Only events at or concerning these nodes (r0, c1, or a replica id), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub(super) nodes: Vec<String>,
    /// Scenario seed, instead of the scenario's (as given to `run --seed`).
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// Trials per sweep point, instead of the scenario's (as given to `run --trials`).
    #[arg(long)]
    pub(super) trials: Option<u32>,
}
