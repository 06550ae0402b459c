//! How fast a session ran: trials, delivered events and messages per wall-clock second of the
//! trials run, and the process's peak resident memory (`run --stats`).

use crate::records::TrialRecord;

/// Totals over the trials one session ran.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunStats {
    /// Trials run.
    pub trials: usize,
    /// Events the networks processed, summed over those trials.
    pub events: u64,
    /// Point-to-point messages, summed over those trials.
    pub messages: u64,
    /// Wall-clock seconds the trials took.
    pub wall_s: f64,
}

impl RunStats {
    /// The totals of `records`, run in `wall_s` seconds.
    pub fn of(records: &[TrialRecord], wall_s: f64) -> RunStats {
        RunStats {
            trials: records.len(),
            events: records.iter().map(|r| r.outcome.events).sum(),
            messages: records.iter().map(|r| r.outcome.messages).sum(),
            wall_s,
        }
    }

    /// `count` per second of wall time (0 when the wall time is not positive).
    fn rate(&self, count: f64) -> f64 {
        if self.wall_s.is_finite() && self.wall_s > 0.0 {
            count / self.wall_s
        } else {
            0.0
        }
    }

    /// Exactly `stats: T trials in X s, R trials/s, E events/s, M messages/s, peak RSS P`:
    /// X to three decimals, R to one, E and M rounded to integers, P in MiB to one decimal
    /// (`n/a` when `peak_rss_bytes` is `None`).
    pub fn line(&self, peak_rss_bytes: Option<u64>) -> String {
        let peak = peak_rss_bytes.map_or_else(
            || "n/a".to_string(),
            |b| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        );
        format!(
            "stats: {} trials in {:.3} s, {:.1} trials/s, {} events/s, {} messages/s, peak RSS {peak}",
            self.trials,
            self.wall_s,
            self.rate(self.trials as f64),
            self.rate(self.events as f64).round() as u64,
            self.rate(self.messages as f64).round() as u64,
        )
    }
}

/// The process's peak resident set size (`VmHWM` in `/proc/self/status`); `None` where that
/// is not available.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

/// `VmHWM:   1234 kB` -> 1234 * 1024.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut words = line["VmHWM:".len()..].split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => value.checked_mul(1024),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_in_bytes() {
        let status = "Name:\tpbft-sim\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(2048 * 1024));
        assert_eq!(parse_vm_hwm("Name: x\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM: lots\n"), None);
    }

    #[test]
    fn the_line_has_every_rate() {
        let stats = RunStats {
            trials: 10,
            events: 5000,
            messages: 2000,
            wall_s: 0.5,
        };
        assert_eq!(
            stats.line(Some(3 * 1024 * 1024)),
            "stats: 10 trials in 0.500 s, 20.0 trials/s, 10000 events/s, 4000 messages/s, \
             peak RSS 3.0 MiB"
        );
        assert!(RunStats::default()
            .line(None)
            .ends_with("0 messages/s, peak RSS n/a"));
    }
}
