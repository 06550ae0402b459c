//! The index of a suite: one row per scenario that ran, as `index.csv`, as a Markdown table in
//! `index.md` (linking each scenario's folder and charts, and listing the files that failed
//! validation), and as a compact table for stdout.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::atomic::write_bytes_atomically;
use super::run_json::total_messages;
use super::table::render_aligned;
use super::tidy_csv::{column_names, optional_ms, CsvBytes, Decimals, Ms, Rate};
use super::within_f::FaultBoundSplit;
use super::ReportError;
use crate::records::InvalidScenario;
use crate::records::RunResult;

/// One row of `index.csv`; its fields are the file's columns, in order.
#[derive(Serialize, Default)]
struct IndexColumns<'a> {
    name: &'a str,
    file: &'a str,
    points: usize,
    trials: usize,
    success_rate: Rate,
    safety_violations: usize,
    latency_mean_ms: Option<Ms>,
    wall_s: Ms,
    success_rate_within_f: Option<Rate>,
    success_rate_beyond_f: Option<Rate>,
    trials_within_f: usize,
    trials_beyond_f: usize,
}

/// One scenario of a suite, aggregated over all its trials.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexRow {
    /// The scenario's name (its results folder under the suite's output folder).
    pub name: String,
    /// The scenario file, as given or as found in the folder.
    pub file: String,
    /// The scenario's description (may be empty).
    pub description: String,
    /// Sweep points.
    pub points: usize,
    /// Trials over all points.
    pub trials: usize,
    /// Share of all trials that succeeded, in 0..=1 (0 without trials).
    pub success_rate: f64,
    /// Trials whose safety oracle found a violation.
    pub safety_violations: usize,
    /// Mean latency of every completed request of every trial (pooled); `None` if none completed.
    pub latency_mean_ms: Option<f64>,
    /// Point-to-point messages over all trials.
    pub messages: u64,
    /// Wall-clock seconds the trials took (as in the scenario's `run.json`).
    pub wall_s: f64,
    /// Trials whose byzantine count was at most their f.
    pub trials_within_f: usize,
    /// Of those, the trials that succeeded.
    pub succeeded_within_f: usize,
    /// Trials whose byzantine count exceeded their f.
    pub trials_beyond_f: usize,
    /// Of those, the trials that succeeded.
    pub succeeded_beyond_f: usize,
}

impl IndexRow {
    /// The row of a finished run of the scenario in `file`, described by `description`.
    pub fn from_run(file: &str, description: &str, run: &RunResult) -> IndexRow {
        let split = FaultBoundSplit::of(&run.records);
        let trials = run.records.len();
        let succeeded = run.records.iter().filter(|r| r.outcome.success).count();
        let (sum, count) = run
            .records
            .iter()
            .flat_map(|r| r.outcome.latencies_ms.iter())
            .fold((0.0, 0usize), |(sum, count), l| (sum + l, count + 1));
        IndexRow {
            name: run.name.clone(),
            file: file.to_string(),
            description: description.to_string(),
            points: run.points,
            trials,
            success_rate: if trials == 0 {
                0.0
            } else {
                succeeded as f64 / trials as f64
            },
            safety_violations: run.records.iter().filter(|r| !r.outcome.safety_ok).count(),
            latency_mean_ms: (count > 0).then(|| sum / count as f64),
            messages: total_messages(run),
            wall_s: run.wall_s,
            trials_within_f: split.within_trials,
            succeeded_within_f: split.within_succeeded,
            trials_beyond_f: split.beyond_trials,
            succeeded_beyond_f: split.beyond_succeeded,
        }
    }

    /// The trials within f and beyond f, as counted in this row.
    pub(crate) fn split(&self) -> FaultBoundSplit {
        FaultBoundSplit {
            within_trials: self.trials_within_f,
            within_succeeded: self.succeeded_within_f,
            beyond_trials: self.trials_beyond_f,
            beyond_succeeded: self.succeeded_beyond_f,
        }
    }

    /// The row as written in `index.csv` (and, cell by cell, in `index.md`).
    fn columns(&self) -> IndexColumns<'_> {
        IndexColumns {
            name: &self.name,
            file: &self.file,
            points: self.points,
            trials: self.trials,
            success_rate: Decimals(self.success_rate),
            safety_violations: self.safety_violations,
            latency_mean_ms: optional_ms(self.latency_mean_ms),
            wall_s: Decimals(self.wall_s),
            success_rate_within_f: self.split().within_rate().map(Decimals),
            success_rate_beyond_f: self.split().beyond_rate().map(Decimals),
            trials_within_f: self.trials_within_f,
            trials_beyond_f: self.trials_beyond_f,
        }
    }
}

/// Writes `index.csv`: a header of its column names (`name, file, points, trials,
/// success_rate, safety_violations, latency_mean_ms, wall_s, success_rate_within_f,
/// success_rate_beyond_f, trials_within_f, trials_beyond_f`), then one row per scenario in the
/// given order. "Within f" counts the trials whose byzantine count is at most their f. Rates
/// have four decimals, milliseconds and seconds three; an unknown latency, and the rate of a
/// class without trials, are empty. Only `wall_s` varies between identical suites.
pub fn write_index_csv(path: &Path, rows: &[IndexRow]) -> Result<(), ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let header = column_names::<IndexColumns>().map_err(csv_error)?;
    let mut file = CsvBytes::new(&header).map_err(csv_error)?;
    for row in rows {
        file.serialize(&row.columns()).map_err(csv_error)?;
    }
    write_bytes_atomically(path, &file.finish().map_err(csv_error)?)
}

/// Writes `index.md`: a heading, a table with the columns of `index.csv` (the name linking to
/// the scenario's folder, which sits next to `index.md`) plus links to its `success.png` and
/// `latency.png`, then, when some files failed validation, a list of their one-line errors.
pub fn write_index_md(
    path: &Path,
    rows: &[IndexRow],
    invalid: &[InvalidScenario],
) -> Result<(), ReportError> {
    let md = index_markdown(rows, invalid).map_err(|source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    })?;
    write_bytes_atomically(path, md.as_bytes())
}

fn index_markdown(rows: &[IndexRow], invalid: &[InvalidScenario]) -> Result<String, csv::Error> {
    let trials: usize = rows.iter().map(|r| r.trials).sum();
    let mut md = String::from("# pbft-sim suite\n\n");
    let _ = writeln!(
        md,
        "{} scenarios, {} trials; each scenario's files are in the folder of its name.\n",
        rows.len(),
        trials
    );
    let mut header = column_names::<IndexColumns>()?;
    header.push("charts".into());
    let _ = writeln!(md, "| {} |", header.join(" | "));
    let align: Vec<&str> = header
        .iter()
        .map(|h| match h.as_str() {
            "name" | "file" | "charts" => ":--",
            _ => "--:",
        })
        .collect();
    let _ = writeln!(md, "|{}|", align.join("|"));
    for row in rows {
        let folder = url_component(&row.name);
        let c = row.columns();
        let cells = [
            format!("[{}]({folder}/)", escape_text(c.name)),
            code_span(c.file).replace('|', "\\|"),
            c.points.to_string(),
            c.trials.to_string(),
            c.success_rate.to_string(),
            c.safety_violations.to_string(),
            c.latency_mean_ms.map(|l| l.to_string()).unwrap_or_default(),
            c.wall_s.to_string(),
            c.success_rate_within_f
                .map(|r| r.to_string())
                .unwrap_or_default(),
            c.success_rate_beyond_f
                .map(|r| r.to_string())
                .unwrap_or_default(),
            c.trials_within_f.to_string(),
            c.trials_beyond_f.to_string(),
            format!("[success]({folder}/success.png), [latency]({folder}/latency.png)"),
        ];
        let _ = writeln!(md, "| {} |", cells.join(" | "));
    }
    if !invalid.is_empty() {
        md.push_str("\n## Invalid scenario files\n\n");
        for bad in invalid {
            let _ = writeln!(md, "- {}", code_span(&bad.message));
        }
    }
    Ok(md)
}

/// Markdown text with the characters that could start markup or break a table cell escaped.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span around `text`: fenced by more backticks than its longest run of them.
fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// `text` percent-encoded for use as one component of a relative link.
pub(crate) fn url_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A compact, aligned table for stdout, one line per scenario: name (left-aligned), points,
/// trials, success rate, trials with a safety violation, pooled mean latency (`-` when nothing
/// completed) and wall seconds. Every line ends with a newline.
pub fn index_table(rows: &[IndexRow]) -> String {
    let mut lines = vec![[
        "name",
        "points",
        "trials",
        "success",
        "safety_viol",
        "lat_mean_ms",
        "wall_s",
    ]
    .map(String::from)
    .to_vec()];
    lines.extend(rows.iter().map(|r| {
        vec![
            r.name.clone(),
            r.points.to_string(),
            r.trials.to_string(),
            format!("{:.1}%", r.success_rate * 100.0),
            r.safety_violations.to_string(),
            r.latency_mean_ms
                .map_or_else(|| "-".to_string(), |v| format!("{v:.1}")),
            format!("{:.3}", r.wall_s),
        ]
    }));
    render_aligned(&lines, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, latency: Option<f64>) -> IndexRow {
        IndexRow {
            name: name.to_string(),
            file: format!("scenarios/{name}.ron"),
            description: String::new(),
            points: 2,
            trials: 8,
            success_rate: 0.75,
            safety_violations: 1,
            latency_mean_ms: latency,
            messages: 1000,
            wall_s: 0.25,
            trials_within_f: 6,
            succeeded_within_f: 6,
            trials_beyond_f: 2,
            succeeded_beyond_f: 0,
        }
    }

    #[test]
    fn markdown_table_links_folders_and_charts_and_lists_invalid_files() {
        let rows = [row("quick", Some(50.0)), row("no latency", None)];
        let invalid = [InvalidScenario {
            file: "bad.ron".into(),
            message: "bad.ron:3:5: unknown field `replica`".into(),
        }];
        let md = index_markdown(&rows, &invalid).expect("the header encodes");
        let lines: Vec<&str> = md.lines().collect();
        assert!(lines.contains(
            &"| [quick](quick/) | `scenarios/quick.ron` | 2 | 8 | 0.7500 | 1 | 50.000 | 0.250 | 1.0000 | 0.0000 | 6 | 2 | \
              [success](quick/success.png), [latency](quick/latency.png) |"
        ));
        assert!(lines.contains(
            &"| [no latency](no%20latency/) | `scenarios/no latency.ron` | 2 | 8 | 0.7500 | 1 \
              |  | 0.250 | 1.0000 | 0.0000 | 6 | 2 | [success](no%20latency/success.png), \
              [latency](no%20latency/latency.png) |"
        ));
        assert_eq!(
            lines.last(),
            Some(&"- `` bad.ron:3:5: unknown field `replica` ``")
        );
    }

    #[test]
    fn escapes_and_spans() {
        assert_eq!(escape_text("a_b|c"), "a\\_b\\|c");
        assert_eq!(code_span("x"), "`x`");
        assert_eq!(code_span("a``b"), "``` a``b ```");
        assert_eq!(url_component("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn stdout_table_left_aligns_names() {
        let table = index_table(&[row("quick", Some(50.0)), row("a-longer-name", None)]);
        let expected = "\
name           points  trials  success  safety_viol  lat_mean_ms  wall_s
quick               2       8    75.0%            1         50.0   0.250
a-longer-name       2       8    75.0%            1            -   0.250
";
        assert_eq!(table, expected);
    }
}
