//! Progress bars on stderr for the command line: the runner's [`Progress`] drawn with
//! indicatif, only when asked for and stderr is a terminal. A single run shows one bar; a suite
//! shows an overall bar and, above it, the running scenario's bar. Every bar is cleared when
//! its run (or the suite) ends, so the table printed after it starts on a clean line.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

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
            "{prefix} [{bar:30}] {pos}/{len} trials {elapsed_precise} {msg}",
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
                    "{prefix} [{bar:30}] {pos}/{len} trials {elapsed_precise}",
                );
                bar.set_prefix(format!("{label:<width$}", width = suite.width));
                bar
            }
            None => {
                let bar = self.multi.add(ProgressBar::new(trials));
                style(
                    &bar,
                    "{prefix} [{bar:40}] {pos}/{len} trials {elapsed_precise}",
                );
                bar.set_prefix(label.to_string());
                bar
            }
        };
        bar.set_position(done);
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

/// Applies an indicatif `template` with the bar characters `=> ` (the default style if the
/// template does not parse).
fn style(bar: &ProgressBar, template: &str) {
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
}
