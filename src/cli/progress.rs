//! Progress bars on stderr for the command line: the runner's [`Progress`] drawn with
//! indicatif, only when asked for and stderr is a terminal. A single run shows one bar; a suite
//! shows an overall bar and, above it, the running scenario's bar. Every bar is cleared when
//! its run (or the suite) ends, so the table printed after it starts on a clean line.
//!
//! Each bar shows the trials done out of all, the rate (trials per second, smoothed by
//! indicatif over the last seconds, counting only the trials run now: a resumed run's saved
//! trials do not count), the time elapsed and the estimated time left (ETA).

use std::fmt::Write as _;
use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::runner::Progress;

/// The bars of one `run`, `merge` or `suite` invocation.
pub(crate) struct Bars {
    multi: MultiProgress,
    /// A suite's overall bar, how many scenarios it has and how many have started.
    suite: Option<SuiteBar>,
    /// The bar of the run in progress.
    run: Option<ProgressBar>,
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
        }
    }
}

impl Progress for Bars {
    fn suite_started(&mut self, names: &[&str], trials: u64) {
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
                    "{prefix} [{bar:40}] {pos}/{len} trials, {rate}, {elapsed_precise}, ETA {eta}",
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
    fn the_rate_reads_as_trials_per_second() {
        assert_eq!(rate(1234.4), "1234 trials/s");
        assert_eq!(rate(2.46), "2.5 trials/s");
        assert_eq!(rate(0.0), "0 trials/s");
    }
}
