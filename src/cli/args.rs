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
    /// Stop once this many trials are saved, as a kill would (for tests).
    #[arg(long, hide = true)]
    pub(super) abort_after: Option<usize>,
}
