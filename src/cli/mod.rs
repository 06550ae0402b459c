//! The `pbft-sim` command line: `run` a scenario's sweep (whole, resumed, or one shard of it),
//! `trace` one of its trials, `explore` a space of scenarios for counterexamples, `merge` shards, `check` scenario files, run a `suite` of
//! scenarios, `list` what a scenario can name, print shell `completions`. The only place that
//! prints to a terminal. Exit codes: 0 done, 2 bad input, 1 anything else.
//!
//! [`main`] is the whole `pbft-sim` binary, and any binary can be it: one that registers its
//! own behaviours first gets every verb, with scenarios naming them as
//! `behaviour: Custom(name: "...")` (`examples/custom_behaviour.rs` is a complete one):
//!
//! ```no_run
//! use pbft_sim::adversary::{register, Behaviour, BuildContext};
//!
//! /// An honest replica under another name: every hook keeps its default.
//! struct Honest;
//!
//! impl Behaviour for Honest {
//!     fn name(&self) -> &str {
//!         "Honest"
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     register("Honest", |_ctx: &mut BuildContext| Honest);
//!     pbft_sim::cli::main()
//! }
//! ```
//!
//! The program name in usage lines and `--version` is the binary's file name (its first
//! argument), so a user's binary `my-sim` says `my-sim (pbft-sim 0.1.0)`; `pbft-sim` says
//! `pbft-sim 0.1.0`. [`main_from`] takes the arguments instead of reading the process's, for
//! tests and programs that embed the command line.
//!
//! Files: `args.rs` the verbs and options (clap, with the examples `--help` shows),
//! `verbs.rs` what each verb does (`explore.rs` the explorer's), `listing.rs` and `columns.rs` what `list` prints,
//! `estimate.rs` the warning before a large run, `progress.rs` the progress bars.

/// `print!` to stdout, but a closed pipe (`pbft-sim check ... | head -1`) ends the output
/// quietly instead of panicking: what is left to print is dropped, the verb goes on.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*))
    };
}

/// `println!` as [`out!`] does it.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod args;
mod columns;
mod estimate;
mod explore;
mod listing;
mod progress;
mod verbs;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use self::args::{Cli, Command};
use crate::report;
use crate::runner::trace::TraceError;
use crate::runner::SessionError;

/// Writes to stdout, ignoring a closed pipe or a full disk: the files a verb writes are its
/// results, stdout only a summary of them.
fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_fmt(args);
}

/// The name the simulator's own binary goes by.
const OWN_NAME: &str = "pbft-sim";

/// `--version` of a binary with another name: the simulator it runs on.
const ON_VERSION: &str = concat!("(pbft-sim ", env!("CARGO_PKG_VERSION"), ")");

/// Bad input (exit 2) or a failure while running (exit 1).
#[derive(Debug)]
enum Failure {
    Input(String),
    /// Bad input already reported on stderr.
    Reported,
    /// The verb ran and reported what it found, which is a failure (exit 1, nothing more
    /// printed): `explore` found a counterexample.
    Found,
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
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

impl From<TraceError> for Failure {
    fn from(e: TraceError) -> Self {
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

/// Parses the process's arguments and runs the verb they name; returns the exit code
/// (0 done, 2 bad input, 1 anything else). Behaviours registered before the call
/// (`pbft_sim::adversary::register`) are available to every scenario it loads.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// [`main`] over the given arguments, the first being the program's name (as in
/// `std::env::args_os`): prints what the verb prints, on stdout and stderr, and returns the exit
/// code.
///
/// ```
/// use std::process::ExitCode;
///
/// // Prints `my-sim (pbft-sim 0.1.0)`.
/// assert_eq!(pbft_sim::cli::main_from(["my-sim", "--version"]), ExitCode::SUCCESS);
/// // A usage error: one line on stderr, exit 2.
/// assert_eq!(pbft_sim::cli::main_from(["my-sim", "frobnicate"]), ExitCode::from(2));
/// ```
pub fn main_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match parse(&args) {
        Ok(cli) => cli,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // A bare `pbft-sim`: the verbs and examples, but no verb was run.
            let _ = e.print();
            return ExitCode::from(2);
        }
        Err(e) if e.use_stderr() => {
            // A usage error: one line, like every other bad input.
            let rendered = e.render().to_string();
            eprintln!("{}", one_line(&rendered, verb_usage(&args).as_deref()));
            return ExitCode::from(2);
        }
        Err(e) => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let result = match cli.command {
        Command::Run { scenario, args } => verbs::run(&scenario, args),
        Command::Trace { scenario, args } => verbs::trace(&scenario, args),
        Command::Explore { space, args } => explore::explore(&space, args),
        Command::Merge { shards, out, force } => verbs::merge(&shards, out, force),
        Command::Check { scenarios } => verbs::check(&scenarios),
        Command::Suite {
            inputs,
            out,
            threads,
            quiet,
            force,
            no_estimate_warning,
        } => verbs::suite(
            &inputs,
            out,
            threads,
            verbs::SuiteFlags {
                quiet,
                force,
                warn: !no_estimate_warning,
            },
        ),
        Command::List { what } => listing::print(what),
        Command::Completions { shell } => {
            completions(shell, program_name(&args));
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Reported) => ExitCode::from(2),
        Err(Failure::Found) => ExitCode::from(1),
        Err(Failure::Other(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The usage line of the verb `args` name (`Usage: pbft-sim list <WHAT>`), for the clap errors
/// that do not print one (an invalid value); `None` when no verb is named.
fn verb_usage(args: &[OsString]) -> Option<String> {
    let name = program_name(args);
    let mut command = Cli::command();
    let verb = args
        .iter()
        .skip(1)
        .filter_map(|arg| arg.to_str())
        .find(|arg| !arg.starts_with('-'))?;
    let sub = command.find_subcommand_mut(verb)?;
    let mut sub = sub.clone().bin_name(format!("{name} {verb}"));
    Some(sub.render_usage().to_string())
}

/// A clap error on one line: its first line and what clap says under it (the missing
/// argument's name, the possible values, a "similar argument exists" tip), then the verb's
/// usage line and where its help is (`usage: pbft-sim run <SCENARIO>; see pbft-sim run
/// --help`), so that the form to type is in sight. `fallback_usage` is the verb's usage line
/// for the errors whose text has none.
fn one_line(rendered: &str, fallback_usage: Option<&str>) -> String {
    let lines: Vec<&str> = rendered.lines().map(str::trim).collect();
    let parts: Vec<&str> = lines
        .iter()
        .copied()
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect();
    let mut text = if parts.is_empty() {
        "error: bad arguments".to_string()
    } else {
        parts.join(" ").replace(" tip: ", "; tip: ")
    };
    let usage_line = lines
        .iter()
        .copied()
        .chain(
            fallback_usage
                .iter()
                .flat_map(|usage| usage.lines())
                .map(str::trim),
        )
        .find_map(|line| line.strip_prefix("Usage:"));
    match usage_line {
        Some(usage) => {
            let usage = usage.trim();
            // The command the usage is of: the words before the first argument or option.
            let command: Vec<&str> = usage
                .split_whitespace()
                .take_while(|word| !word.starts_with(['<', '[']))
                .collect();
            text.push_str(&format!(
                "; usage: {usage}; see {} --help",
                command.join(" ")
            ));
        }
        None => text.push_str(" (see --help)"),
    }
    text
}

/// The program name the first of `args` gives (its file stem), or `pbft-sim`.
fn program_name(args: &[OsString]) -> &str {
    args.first()
        .and_then(|program| Path::new(program).file_stem())
        .and_then(|stem| stem.to_str())
        .filter(|stem| !stem.is_empty())
        .unwrap_or(OWN_NAME)
}

/// `completions SHELL`: the shell's completion script for the binary called `name`, on stdout.
fn completions(shell: clap_complete::Shell, name: &str) {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    out!("{}", String::from_utf8_lossy(&script));
}

/// The verb and options of `args`, under the program name its first element gives.
fn parse(args: &[OsString]) -> Result<Cli, clap::Error> {
    let name = program_name(args);
    let mut command = Cli::command().display_name(name);
    if name != OWN_NAME {
        command = command.version(ON_VERSION);
    }
    let matches = command.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}
