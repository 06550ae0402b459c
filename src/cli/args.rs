//! The command line's grammar: the verbs of `pbft-sim` and their options, as clap types.
//! [`super::main_from`] parses them; `verbs.rs` carries them out.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::runner::Shard;

/// Shown under the verbs of `pbft-sim --help` (and of a bare `pbft-sim`).
const EXAMPLES: &str = "\
Examples:
  pbft-sim run scenarios/seed.ron
      the main job: 60 trials, CSV and charts in results/seed/
  pbft-sim suite scenarios/ --out results/suite
      every scenario of the catalogue, each in its folder, with an index
  pbft-sim run s.ron --out results/s --resume
      finish an interrupted run: only the trials not yet saved run
  pbft-sim trace scenarios/seed.ron --point 4 --trial 0
      one trial's events, a message-sequence chart and a viewer
  pbft-sim explore space.ron --budget 100000
      search a space of scenarios for counterexamples, shrunk into files `run` replays
  pbft-sim list behaviours
      what a scenario can name (also: delays, faults, placements, columns)

The catalogue of scenarios, one phenomenon each: scenarios/README.md in the repository
(`pbft-sim check scenarios/` lists their sweeps). What a scenario may contain:
`pbft-sim list behaviours|delays|faults|placements|columns`.";

/// Deterministic, virtual-time simulator of PBFT (Castro & Liskov).
#[derive(Parser)]
#[command(
    name = "pbft-sim",
    version,
    about,
    after_help = EXAMPLES,
    arg_required_else_help = true
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

/// The verbs.
#[derive(Subcommand)]
pub(super) enum Command {
    /// Run every trial of a scenario's sweep; write CSV, JSON and charts.
    #[command(after_help = "Examples:\n  \
        pbft-sim run scenarios/seed.ron\n  \
        pbft-sim run s.ron --out results/s --trials 100 --threads 4\n  \
        pbft-sim run s.ron --out results/s --resume      (after an interruption)\n  \
        pbft-sim run s.ron --shard 2/8 --out shards/2     (then `pbft-sim merge shards/*`)")]
    Run {
        /// The scenario file (RON).
        scenario: PathBuf,
        #[command(flatten)]
        args: RunArgs,
    },
    /// Re-run one trial exactly, writing its event trace: trace.jsonl, trial.csv (its row),
    /// spacetime.svg and .png (a message-sequence chart), trace.html (a viewer).
    #[command(after_help = "Examples:\n  \
        pbft-sim trace scenarios/seed.ron --point 4 --trial 0\n  \
        pbft-sim trace s.ron --point 2 --from 150 --until 600 --only pre-prepare,view_entered\n\n\
        Points are numbered as `pbft-sim check s.ron` prints them.")]
    Trace {
        /// The scenario file (RON).
        scenario: PathBuf,
        #[command(flatten)]
        args: TraceArgs,
    },
    /// Search a space of scenarios for counterexamples: draw, run and judge scenarios; shrink
    /// each distinct failure into a scenario file that `run` replays. Exit 0: nothing failed;
    /// 1: some property failed (counterexamples written); 2: bad input.
    #[command(after_help = "Examples:\n  \
        pbft-sim explore space.ron --budget 100000\n  \
        pbft-sim explore space.ron --time 600 --out results/x      (stop after 10 minutes)\n  \
        pbft-sim explore space.ron --out results/x --resume        (after an interruption)\n  \
        pbft-sim explore space.ron --shard 2/8 --out shards/2       (then `pbft-sim merge shards/*`)\n\n\
        Scenario i is drawn from (space seed, i); shard I/N runs the indices i with\n\
        i % N == I - 1. Outputs: campaign.csv, failures.csv, counterexamples/, campaign.json.\n\
        Exit codes: 0 nothing failed, 1 some property failed, 2 bad input.")]
    Explore {
        /// The search space file (RON).
        space: PathBuf,
        #[command(flatten)]
        args: ExploreArgs,
    },
    /// Merge the folders of `run --shard` (or `explore --shard`) into the files of one
    /// unsharded run (or campaign).
    #[command(after_help = "Example:\n  \
        pbft-sim merge shards/1 shards/2 shards/3 shards/4 --out results/s")]
    Merge {
        /// Shard folders, every shard of one scenario exactly once.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Output folder [default: results/<scenario name>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write even into a folder that holds another scenario's results.
        #[arg(long)]
        force: bool,
    },
    /// Validate scenario files and print their expanded sweeps.
    #[command(after_help = "Examples:\n  \
        pbft-sim check scenarios/seed.ron\n  \
        pbft-sim check scenarios/        (every *.ron directly in the folder, by file name)")]
    Check {
        /// Scenario files (RON), or folders (every *.ron directly in one, by file name).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run many scenarios; write each one's results and an index of them all.
    #[command(after_help = "Examples:\n  \
        pbft-sim suite scenarios/ --out results/suite\n  \
        pbft-sim suite scenarios/seed.ron scenarios/split-brain.ron --out results/two")]
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
        /// Write even into folders that hold another scenario's results.
        #[arg(long)]
        force: bool,
        /// No warning before a suite estimated to write over 1 GB or to take over 10 minutes.
        #[arg(long)]
        no_estimate_warning: bool,
    },
    /// List what a scenario can name, from the simulator itself: behaviours, delay profiles,
    /// timed faults, placements, or the columns of trials.csv and summary.csv.
    #[command(after_help = "Examples:\n  \
        pbft-sim list behaviours\n  \
        pbft-sim list delays")]
    List {
        /// What to list.
        #[arg(value_enum)]
        what: Listing,
    },
    /// Print a shell completion script on stdout.
    #[command(after_help = "Examples:\n  \
        pbft-sim completions bash > ~/.local/share/bash-completion/completions/pbft-sim\n  \
        pbft-sim completions zsh > ~/.zfunc/_pbft-sim\n  \
        pbft-sim completions fish > ~/.config/fish/completions/pbft-sim.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// What `list` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Listing {
    /// Byzantine behaviours (`byzantine[i].behaviour`).
    #[value(alias = "behaviors")]
    Behaviours,
    /// Link delay profiles (`network.delay`, regions' and links' `delay`).
    Delays,
    /// Timed faults (`faults`).
    Faults,
    /// Where byzantine replicas are placed (`byzantine[i].placement`).
    Placements,
    /// The columns of trials.csv and summary.csv.
    Columns,
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
    /// Write even into a folder that holds another scenario's results.
    #[arg(long)]
    pub(super) force: bool,
    /// No warning before a run estimated to write over 1 GB or to take over 10 minutes.
    #[arg(long)]
    pub(super) no_estimate_warning: bool,
    /// Stop once this many trials are saved, as a kill would (for tests).
    #[arg(long, hide = true)]
    pub(super) abort_after: Option<usize>,
}

/// `explore`'s options.
#[derive(clap::Args)]
pub(super) struct ExploreArgs {
    /// Trials (drawn scenarios) of the whole campaign, over all shards [default: 10000; with only
    /// --time, 10000000].
    #[arg(long, value_name = "TRIALS")]
    pub(super) budget: Option<u64>,
    /// Stop handing out scenarios after SECONDS of wall time (those running finish, so the
    /// scenarios run are still the first ones of the sequence).
    #[arg(long, value_name = "SECONDS")]
    pub(super) time: Option<f64>,
    /// Worker threads [default: all cores]; results do not depend on it.
    #[arg(long)]
    pub(super) threads: Option<usize>,
    /// Output folder [default: results/explore-<space name>/].
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    /// Run only shard I of N (the indices i with i % N == I - 1) into a shard folder, for
    /// `merge`.
    #[arg(long, value_name = "I/N")]
    pub(super) shard: Option<Shard>,
    /// Keep the trials already saved in the output folder (same space only); run the rest.
    #[arg(long)]
    pub(super) resume: bool,
    /// Write even into a folder that holds another space's campaign or a run's results.
    #[arg(long)]
    pub(super) force: bool,
    /// No progress bar.
    #[arg(long)]
    pub(super) quiet: bool,
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
    /// Write even into a folder that holds another scenario's results.
    #[arg(long)]
    pub(super) force: bool,
}
