//! Text for stdout: an aligned per-point table and a throughput line.

use super::run_json::{messages_per_second, total_messages};
use super::summary::PointSummary;
use crate::records::RunResult;

/// A compact, aligned table with one line per point: the axis values, trials, success rate,
/// trials with a safety violation, mean and p95 latency (ms; `-` when nothing completed) and
/// mean messages per trial. Every line ends with a newline.
pub fn summary_table(run: &RunResult, summaries: &[PointSummary]) -> String {
    let mut rows = vec![table_header(run)];
    rows.extend(summaries.iter().map(|s| table_row(s, run.axes.len())));
    render_aligned(&rows, 0)
}

/// Exactly `N trials, M messages in X s (Y messages/s)`, with X to three decimals and Y
/// rounded to the nearest integer (0 when the wall time is not positive).
pub fn throughput_line(run: &RunResult) -> String {
    let rate = messages_per_second(run).unwrap_or(0.0).round() as u64;
    format!(
        "{} trials, {} messages in {:.3} s ({} messages/s)",
        run.records.len(),
        total_messages(run),
        run.wall_s,
        rate
    )
}

fn table_header(run: &RunResult) -> Vec<String> {
    let mut header = vec!["point".to_string()];
    header.extend(run.axes.iter().cloned());
    header.extend(
        [
            "trials",
            "success",
            "safety_viol",
            "lat_mean_ms",
            "lat_p95_ms",
            "msgs_mean",
        ]
        .map(String::from),
    );
    header
}

fn table_row(summary: &PointSummary, axis_count: usize) -> Vec<String> {
    let mut row = vec![summary.point.to_string()];
    row.extend((0..axis_count).map(|i| summary.axis_values.get(i).cloned().unwrap_or_default()));
    row.extend([
        summary.trials.to_string(),
        format!("{:.1}%", summary.success_rate * 100.0),
        summary.safety_violations.to_string(),
        optional_ms(summary.latency_mean_ms),
        optional_ms(summary.latency_p95_ms),
        format!("{:.1}", summary.messages_mean),
    ]);
    row
}

fn optional_ms(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"))
}

/// Pads every column to its widest cell, columns separated by two spaces: the first `left`
/// columns left-aligned (trailing spaces trimmed), the others right-aligned.
pub(crate) fn render_aligned(rows: &[Vec<String>], left: usize) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, width))| {
                if c < left {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
