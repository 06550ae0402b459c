//! The summary tables of a run's page: the rows of `summary.csv` as two tables that each fit a
//! window 1400 px wide, the statistics (rates as percentages, problems shaded) and, when the
//! file has them, the 95 % intervals, each `X_ci_low`/`X_ci_high` pair one column `X_ci`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{escape, percent, rate_class};

/// The rows of `summary.csv` as two tables, so that each fits a window 1400 px wide: the
/// statistics (the sweep axes' columns first, then `point` and the others; rates as
/// percentages, a success rate below 1 marked unless the point is in `beyond_f`, a count of
/// safety violations above 0 marked), then,
/// when the file has intervals, the 95 % intervals (the axes and `point` again, the sample
/// count `latency_samples`, and each `X_ci_low`/`X_ci_high` pair as one column `X_ci`, or
/// `X_ci_ms`, whose cells read `low–high`).
pub(super) fn summary_table(
    summary_csv: &str,
    axes: &[String],
    beyond_f: &BTreeSet<String>,
) -> Result<String, csv::Error> {
    let mut reader = csv::Reader::from_reader(summary_csv.as_bytes());
    let header: Vec<String> = reader.headers()?.iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    let is_axis = |name: &str| axes.iter().any(|a| a == name);
    let (statistics, intervals) = summary_columns(&header, is_axis);
    let point = header.iter().position(|h| h == "point");
    let shaded_rate = |row: &csv::StringRecord| {
        point
            .and_then(|i| row.get(i))
            .is_none_or(|p| !beyond_f.contains(p))
    };
    let mut html = table_html(&header, &rows, &statistics, is_axis, shaded_rate);
    if intervals.iter().any(|c| matches!(c, Column::Interval(_))) {
        html.push_str(
            "<h3>95 % intervals by sweep point</h3>\n<p class=\"note\">Success and safety: \
             Wilson intervals of the rates; latency: order-statistic intervals of the \
             percentiles over <code>latency_samples</code> requests (≥ where the sample bounds \
             only the low side; docs/charts.md).</p>\n",
        );
        html.push_str(&table_html(
            &header,
            &rows,
            &intervals,
            is_axis,
            shaded_rate,
        ));
    }
    Ok(html)
}

/// One table of the summary's `rows`, in `columns`; a row's success rate below 1 is marked
/// when `shaded_rate` says so of the row.
fn table_html(
    header: &[String],
    rows: &[csv::StringRecord],
    columns: &[Column],
    is_axis: impl Fn(&str) -> bool,
    shaded_rate: impl Fn(&csv::StringRecord) -> bool,
) -> String {
    let mut html = String::from("<div class=\"table-wrap\"><table class=\"summary\">\n<tr>");
    for column in columns {
        match *column {
            Column::Field(i) => {
                let class = if is_axis(&header[i]) {
                    ""
                } else {
                    " class=\"num\""
                };
                // A break opportunity after each underscore keeps long column names narrow.
                let name = escape(&header[i]).replace('_', "_<wbr>");
                let _ = write!(html, "<th{class}>{name}</th>");
            }
            Column::Interval(interval) => {
                let _ = write!(
                    html,
                    "<th class=\"num\" title=\"95 % interval: {} to {}\">{}</th>",
                    escape(&header[interval.low]),
                    escape(&header[interval.high]),
                    escape(&interval.name(header)).replace('_', "_<wbr>")
                );
            }
        }
    }
    html.push_str("</tr>\n");
    for row in rows {
        html.push_str("<tr>");
        for column in columns {
            let field = |i: usize| row.get(i).unwrap_or_default();
            let (class, text) = match *column {
                Column::Field(i) => {
                    summary_cell(&header[i], field(i), is_axis(&header[i]), shaded_rate(row))
                }
                Column::Interval(interval) => (
                    "num",
                    interval_text(field(interval.low), field(interval.high), interval.rate),
                ),
            };
            let _ = write!(html, "<td class=\"{class}\">{}</td>", escape(&text));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table></div>\n");
    html
}

/// A column of the summary table: one of the file's, or an interval made of two.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Column {
    /// The file's column at this index.
    Field(usize),
    /// The `_ci_low` and `_ci_high` columns of one statistic.
    Interval(Interval),
}

/// The two columns of one 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Interval {
    /// The index of `X_ci_low` (`X_ci_low_ms`).
    low: usize,
    /// The index of `X_ci_high` (`X_ci_high_ms`).
    high: usize,
    /// A rate (shown as percentages), not milliseconds.
    rate: bool,
}

impl Interval {
    /// `X_ci` for `X_ci_low`, `X_ci_ms` for `X_ci_low_ms`.
    fn name(&self, header: &[String]) -> String {
        header[self.low].replacen("_ci_low", "_ci", 1)
    }
}

/// The columns of the two tables for `header`: the statistics (the axes, then every column
/// but the intervals and their sample count, in the file's order) and the intervals (the axes,
/// `point`, `latency_samples`, then each interval pair joined, in the file's order).
fn summary_columns(
    header: &[String],
    is_axis: impl Fn(&str) -> bool,
) -> (Vec<Column>, Vec<Column>) {
    let intervals: Vec<Interval> = header
        .iter()
        .enumerate()
        .filter_map(|(low, name)| {
            let (stem, unit) = name.split_once("_ci_low")?;
            let high_name = format!("{stem}_ci_high{unit}");
            let high = header.iter().position(|h| *h == high_name)?;
            Some(Interval {
                low,
                high,
                rate: unit.is_empty(),
            })
        })
        .collect();
    let in_interval = |i: usize| intervals.iter().any(|iv| iv.low == i || iv.high == i);
    let any_interval = !intervals.is_empty();
    let beside_intervals = |i: usize| header[i] == "latency_samples" && any_interval;
    let axes = (0..header.len()).filter(|&i| is_axis(&header[i]));
    let statistics = axes
        .clone()
        .chain(
            (0..header.len())
                .filter(|&i| !is_axis(&header[i]) && !in_interval(i) && !beside_intervals(i)),
        )
        .map(Column::Field)
        .collect();
    let point = (0..header.len()).filter(|&i| header[i] == "point");
    let samples = (0..header.len()).filter(|&i| beside_intervals(i));
    let fields: Vec<Column> = axes
        .chain(point)
        .chain(samples)
        .map(Column::Field)
        .collect();
    let interval_columns = fields
        .into_iter()
        .chain(intervals.iter().copied().map(Column::Interval))
        .collect();
    (statistics, interval_columns)
}

/// An interval's cell: `low–high` (rates as percentages), `≥ low` or `≤ high` where the sample
/// bounds only one side, `-` where it bounds neither.
fn interval_text(low: &str, high: &str, rate: bool) -> String {
    let shown = |value: &str| -> Option<String> {
        let x: f64 = value.parse().ok()?;
        Some(if rate {
            format!("{:.1}", x * 100.0)
        } else {
            value.to_string()
        })
    };
    let unit = if rate { "%" } else { "" };
    match (shown(low), shown(high)) {
        (Some(low), Some(high)) => format!("{low}–{high}{unit}"),
        (Some(low), None) => format!("≥ {low}{unit}"),
        (None, Some(high)) => format!("≤ {high}{unit}"),
        (None, None) => "-".to_string(),
    }
}

/// The class and text of one summary cell of column `name`; `shaded_rate` marks a success rate
/// below 1.
fn summary_cell(name: &str, value: &str, axis: bool, shaded_rate: bool) -> (&'static str, String) {
    if axis {
        return ("axis", value.to_string());
    }
    let number: Option<f64> = value.parse().ok();
    if name.contains("_rate") {
        if let Some(rate) = number {
            let class = if name == "success_rate" && shaded_rate {
                rate_class(Some(rate))
            } else {
                "num"
            };
            return (class, percent(Some(rate)));
        }
    }
    if name == "safety_violations" && number.is_some_and(|v| v > 0.0) {
        return ("num low", value.to_string());
    }
    match (number, value.is_empty()) {
        (_, true) => ("num", "-".to_string()),
        (Some(_), false) => ("num", value.to_string()),
        (None, false) => ("", value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: &str = "point,byzantine[0].count,trials,success_rate,safety_violations,\
latency_mean_ms\n0,0,4,1.0000,0,12.500\n1,4,4,0.2500,2,\n";

    #[test]
    fn intervals_are_one_column_each_in_a_table_of_their_own() {
        let csv = "point,x,success_rate,latency_p50_ms,success_ci_low,success_ci_high,\
latency_samples,latency_p50_ci_low_ms,latency_p50_ci_high_ms\n0,1,0.5000,12.000,0.2000,0.8000,\
4,10.500,\n1,2,1.0000,,0.6097,1.0000,0,,\n";
        let html = summary_table(csv, &["x".to_string()], &BTreeSet::new()).expect("parses");
        let (statistics, intervals) = html.split_once("<h3>").expect("two tables");
        assert!(
            statistics.contains(
                "<tr><th>x</th><th class=\"num\">point</th><th class=\"num\">success_<wbr>rate</th>\
                 <th class=\"num\">latency_<wbr>p50_<wbr>ms</th></tr>"
            ),
            "{html}"
        );
        assert!(
            intervals.contains(
                "<tr><th>x</th><th class=\"num\">point</th><th class=\"num\">latency_<wbr>samples</th>\
                 <th class=\"num\" title=\"95 % interval: success_ci_low to success_ci_high\">\
                 success_<wbr>ci</th><th class=\"num\" title=\"95 % interval: \
                 latency_p50_ci_low_ms to latency_p50_ci_high_ms\">latency_<wbr>p50_<wbr>ci_<wbr>ms</th></tr>"
            ),
            "{html}"
        );
        assert!(
            intervals.contains(
                "<tr><td class=\"axis\">1</td><td class=\"num\">0</td><td class=\"num\">4</td>\
                 <td class=\"num\">20.0–80.0%</td><td class=\"num\">≥ 10.500</td></tr>"
            ),
            "{html}"
        );
        assert!(
            intervals.contains("<td class=\"num\">-</td></tr>"),
            "{html}"
        );
        // Without intervals, one table.
        let plain = summary_table(SUMMARY, &[], &BTreeSet::new()).expect("parses");
        assert!(!plain.contains("<h3>"), "{plain}");
    }

    #[test]
    fn the_summary_table_puts_axes_first_and_marks_failures() {
        let axes = ["byzantine[0].count".to_string()];
        let html = summary_table(SUMMARY, &axes, &BTreeSet::new()).expect("parses");
        assert!(html.contains(
            "<tr><th>byzantine[0].count</th><th class=\"num\">point</th><th class=\"num\">trials</th>"
        ));
        assert!(html.contains(
            "<tr><td class=\"axis\">0</td><td class=\"num\">0</td><td class=\"num\">4</td>\
             <td class=\"num\">100.0%</td><td class=\"num\">0</td><td class=\"num\">12.500</td></tr>"
        ));
        assert!(html.contains(
            "<td class=\"num low\">25.0%</td><td class=\"num low\">2</td><td class=\"num\">-</td>"
        ));
        // Point 1 beyond f: its low success rate is what PBFT predicts, not marked; its
        // safety violations still are.
        let beyond: BTreeSet<String> = ["1".to_string()].into();
        let html = summary_table(SUMMARY, &axes, &beyond).expect("parses");
        assert!(html.contains(
            "<td class=\"num\">25.0%</td><td class=\"num low\">2</td><td class=\"num\">-</td>"
        ));
    }
}
