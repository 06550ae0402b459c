//! Progress bars on stderr for the command line: the runner's [`Progress`] drawn with
//! indicatif, only when asked for and stderr is a terminal. A single run shows one bar; a suite
//! shows an overall bar and, above it, the running scenario's bar. Every bar is cleared when
//! its run (or the suite) ends, so the table printed after it starts on a clean line.
//!
//! Each bar shows the trials done out of all, the rate (trials per second, smoothed by
//! indicatif over the last seconds, counting only the trials run now: a resumed run's saved
//! trials do not count), the time elapsed and the estimated time left (ETA).
//!
//! When asked ([`Bars::watching_long_runs`]), the bars also warn once, on stderr, drawn or not,
//! when the rate of the trials so far says that the run (or the suite) will take over
//! [`SECONDS_LIMIT`]: the warning for runs too small for `estimate.rs`'s pilot.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::estimate::{duration, SECONDS_LIMIT};
use crate::runner::Progress;

/// How long trials must have run before their rate is trusted for the warning.
const WATCH_AFTER_S: f64 = 2.0;

/// The bars of one `run`, `merge` or `suite` invocation.
pub(crate) struct Bars {
    multi: MultiProgress,
    /// A suite's overall bar, how many scenarios it has and how many have started.
    suite: Option<SuiteBar>,
    /// The bar of the run in progress.
    run: Option<ProgressBar>,
    /// Whether to warn of a long run from its rate, and what it has seen.
    watch: Option<Watch>,
}

/// The trials of a run (or a suite) since it started, for the warning of a long run.
struct Watch {
    /// When the trials to run started (`None` until a run or suite starts).
    started: Option<Instant>,
    /// Trials to run (saved ones apart).
    total: u64,
    /// Trials finished since.
    done: u64,
    /// Whether the warning was given (it is given once).
    warned: bool,
    /// "this run" or "this suite".
    what: &'static str,
}

impl Watch {
    /// The warning, the first time the rate so far says the whole will pass the limit.
    fn check(&mut self) -> Option<String> {
        let started = self.started?;
        let elapsed = started.elapsed().as_secs_f64();
        if self.warned || self.done == 0 || elapsed < WATCH_AFTER_S {
            return None;
        }
        let projected = elapsed * self.total as f64 / self.done as f64;
        if projected <= SECONDS_LIMIT {
            return None;
        }
        self.warned = true;
        Some(format!(
            "warning: at the rate of its first {}, {} will take about {} in all ({} more); \
             it goes on (Ctrl-C stops it and --resume finishes it later; --no-estimate-warning \
             silences this)",
            match self.done {
                1 => "trial".to_string(),
                n => format!("{n} trials"),
            },
            self.what,
            duration(projected),
            duration(projected - elapsed)
        ))
    }
}

struct SuiteBar {
    bar: ProgressBar,
    scenarios: usize,
    started: usize,
    /// The widest scenario name (or `suite`), so that every bar's label lines up.
    width: usize,
}

impl Bars {
    /// Bars on stderr when `wanted` and stderr is a terminal; drawn nowhere otherwise.
    pub(crate) fn new(wanted: bool) -> Bars {
        let target = if wanted && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Bars {
            multi: MultiProgress::with_draw_target(target),
            suite: None,
            run: None,
            watch: None,
        }
    }

    /// These bars, also warning once when the rate of the trials so far says that the run (or
    /// suite) will take over [`SECONDS_LIMIT`].
    pub(crate) fn watching_long_runs(mut self) -> Bars {
        self.watch = Some(Watch {
            started: None,
            total: 0,
            done: 0,
            warned: false,
            what: "this run",
        });
        self
    }
}

impl Progress for Bars {
    fn suite_started(&mut self, names: &[&str], trials: u64) {
        if let Some(watch) = &mut self.watch {
            watch.started = Some(Instant::now());
            watch.total = trials;
            watch.what = "this suite";
        }
        let width = names
            .iter()
            .map(|n| n.chars().count())
            .chain(std::iter::once("suite".len()))
            .max()
            .unwrap_or(0);
        let bar = self.multi.add(ProgressBar::new(trials));
        style(
            &bar,
            "{prefix} [{bar:30}] {pos}/{len} trials, {rate}, {elapsed_precise}, ETA {eta} {msg}",
        );
        bar.set_prefix(format!("{:<width$}", "suite"));
        self.suite = Some(SuiteBar {
            bar,
            scenarios: names.len(),
            started: 0,
            width,
        });
    }

    fn run_started(&mut self, label: &str, trials: u64, done: u64) {
        if let (Some(watch), None) = (&mut self.watch, &self.suite) {
            watch.started = Some(Instant::now());
            watch.total = trials.saturating_sub(done);
        }
        let bar = match &mut self.suite {
            Some(suite) => {
                suite.started += 1;
                suite
                    .bar
                    .set_message(format!("scenario {}/{}", suite.started, suite.scenarios));
                let bar = self
                    .multi
                    .insert_before(&suite.bar, ProgressBar::new(trials));
                style(
                    &bar,
                    "{prefix} [{bar:30}] {pos}/{len} trials, {rate}, {elapsed_precise}, ETA {eta}",
                );
                bar.set_prefix(format!("{label:<width$}", width = suite.width));
                bar
            }
            None => {
                let bar = self.multi.add(ProgressBar::new(trials));
                style(
                    &bar,
                    "{prefix} [{bar:40}] {pos}/{len} trials, {rate}, {elapsed_precise}, ETA {eta} {msg}",
                );
                bar.set_prefix(label.to_string());
                bar
            }
        };
        bar.set_position(done);
        // The saved trials came at once: they are not a rate.
        bar.reset_eta();
        self.run = Some(bar);
    }

    fn trial_finished(&mut self) {
        if let Some(bar) = &self.run {
            bar.inc(1);
        }
        if let Some(suite) = &self.suite {
            suite.bar.inc(1);
        }
        let warning = self.watch.as_mut().and_then(|watch| {
            watch.done += 1;
            watch.check()
        });
        if let Some(line) = warning {
            // Above the bars, which are redrawn under it.
            self.multi.suspend(|| eprintln!("{line}"));
        }
    }

    fn failures_so_far(&mut self, failures: u64) {
        if let Some(bar) = &self.run {
            bar.set_message(match failures {
                1 => "1 failure".to_string(),
                n => format!("{n} failures"),
            });
        }
    }

    fn run_finished(&mut self) {
        if let Some(bar) = self.run.take() {
            bar.finish_and_clear();
        }
    }

    fn suite_finished(&mut self) {
        self.run_finished();
        if let Some(suite) = self.suite.take() {
            suite.bar.finish_and_clear();
        }
        // Best effort: leave the terminal clean for the table or the error line.
        let _ = self.multi.clear();
    }
}

/// Applies an indicatif `template` with the bar characters `=> ` and the key `{rate}`
/// ([`rate`]); the default style if the template does not parse.
fn style(bar: &ProgressBar, template: &str) {
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(
            style
                .with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&rate(state.per_sec()));
                    },
                )
                .progress_chars("=> "),
        );
    }
}

/// `per_sec` trials per second as the bar shows it: `1234 trials/s`, `2.5 trials/s`.
fn rate(per_sec: f64) -> String {
    let mut text = String::new();
    let _ = if per_sec >= 10.0 || per_sec == 0.0 {
        write!(text, "{per_sec:.0} trials/s")
    } else {
        write!(text, "{per_sec:.1} trials/s")
    };
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_is_warned_of_once_from_its_rate() {
        let mut watch = Watch {
            started: Some(Instant::now() - std::time::Duration::from_secs(3)),
            total: 1200,
            done: 4,
            warned: false,
            what: "this run",
        };
        // 4 trials in 3 s: 1200 take 900 s.
        let line = watch.check().expect("over 10 minutes");
        assert!(
            line.contains("first 4 trials, this run will take about 15 min"),
            "{line}"
        );
        assert_eq!(watch.check(), None, "once");
        let mut quick = Watch {
            done: 1000,
            warned: false,
            ..watch
        };
        assert_eq!(quick.check(), None, "1200 trials in under 4 s");
        let mut early = Watch {
            started: Some(Instant::now()),
            done: 1,
            warned: false,
            ..quick
        };
        assert_eq!(early.check(), None, "not before 2 s");
    }

    #[test]
    fn the_rate_reads_as_trials_per_second() {
        assert_eq!(rate(1234.4), "1234 trials/s");
        assert_eq!(rate(2.46), "2.5 trials/s");
        assert_eq!(rate(0.0), "0 trials/s");
    }
}
