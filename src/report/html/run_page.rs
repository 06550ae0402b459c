//! `index.html` of one run's results folder: what the scenario is, the headline numbers, the
//! charts, the summary table (the rows of `summary.csv`, the sweep axes first), the traces of
//! failed trials when some were written, the files, and the scenario as run.
//!
//! The traces of `run --trace-failures` are written after the run's files, so the page has a
//! delimited traces section that [`add_trace_links`] fills in afterwards.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use super::{escape, page_start, percent, rate_class, PAGE_END};
use crate::records::RunResult;
use crate::report::atomic::write_bytes_atomically;
use crate::report::charts::DrawnChart;
use crate::report::within_f::FaultBoundSplit;
use crate::report::ReportError;

/// Opens the page's traces section (an HTML comment, so it shows nothing).
const TRACES_START: &str = "<!-- traces: start -->";
/// Closes the page's traces section.
const TRACES_END: &str = "<!-- traces: end -->";

/// What the page of one run shows.
pub(crate) struct RunPage<'a> {
    /// The scenario's name.
    pub(crate) name: &'a str,
    /// The scenario's description (may be empty).
    pub(crate) description: &'a str,
    /// The scenario file, as given.
    pub(crate) file: &'a str,
    /// The finished run.
    pub(crate) run: &'a RunResult,
    /// The charts drawn, in the order to show them.
    pub(crate) charts: &'a [DrawnChart],
    /// The text of the folder's `summary.csv`.
    pub(crate) summary_csv: &'a str,
    /// The text of the folder's `scenario.ron`.
    pub(crate) scenario_ron: &'a str,
    /// The result files to link, by name, in order.
    pub(crate) files: &'a [String],
}

/// A trace of one failed trial, to link from the page.
pub(crate) struct TraceLink {
    /// The trial's sweep point.
    pub(crate) point: usize,
    /// The trial's index at its point.
    pub(crate) trial: usize,
    /// The sweep axes' values at the point, as `path = value`, joined.
    pub(crate) at: String,
    /// What went wrong: "unsuccessful", "unsafe" or both.
    pub(crate) problem: String,
    /// The trace page, relative to the results folder (e.g. `traces/trace-0-3/trace.html`).
    pub(crate) href: String,
}

/// Writes the page of `page` to `path` (atomically), with an empty traces section.
pub(crate) fn write_run_html(path: &Path, page: &RunPage<'_>) -> Result<(), ReportError> {
    let html = run_html(page).map_err(|e| ReportError::Csv {
        path: path.to_path_buf(),
        source: e,
    })?;
    write_bytes_atomically(path, html.as_bytes())
}

/// Replaces the traces section of the page at `path` with links to `traces` (atomically).
/// Does nothing when there is no page (a shard's folder has none).
pub(crate) fn add_trace_links(path: &Path, traces: &[TraceLink]) -> Result<(), ReportError> {
    let io_error = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let html = match std::fs::read_to_string(path) {
        Ok(html) => html,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(e)),
    };
    let section = html.find(TRACES_START).and_then(|start| {
        let end = html[start..].find(TRACES_END)? + start + TRACES_END.len();
        Some((start, end))
    });
    let Some((start, end)) = section else {
        return Err(io_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the page has no traces section (not written by this version of pbft-sim); \
             the trace links were not added",
        )));
    };
    let updated = format!(
        "{}{}{}",
        &html[..start],
        traces_section(traces),
        &html[end..]
    );
    write_bytes_atomically(path, updated.as_bytes())
}

fn run_html(page: &RunPage<'_>) -> Result<String, csv::Error> {
    let run = page.run;
    let mut html = page_start(&format!("{} · pbft-sim", page.name), false);
    let _ = writeln!(html, "<h1>{}</h1>", escape(page.name));
    if !page.description.is_empty() {
        let _ = writeln!(
            html,
            "<p class=\"description\">{}</p>",
            escape(page.description)
        );
    }
    let _ = writeln!(
        html,
        "<p class=\"meta\">Scenario file <code>{}</code>{}</p>",
        escape(page.file),
        cluster_note(run)
    );
    headline(&mut html, run);
    charts(&mut html, page.charts);
    html.push_str("<h2>Summary by sweep point</h2>\n");
    html.push_str(&summary_table(
        page.summary_csv,
        &run.axes,
        &points_beyond_f(run),
    )?);
    html.push_str(&traces_section(&[]));
    html.push('\n');
    html.push_str("<h2>Files</h2>\n<ul class=\"files\">\n");
    for file in page.files {
        let _ = writeln!(
            html,
            "<li><a href=\"{0}\">{0}</a></li>",
            escape(file.as_str())
        );
    }
    html.push_str("</ul>\n<h2>The scenario as run</h2>\n");
    html.push_str(
        "<p class=\"note\">Every default filled in, as in <a href=\"scenario.ron\">scenario.ron</a>.</p>\n",
    );
    let _ = writeln!(
        html,
        "<pre class=\"scenario\">{}</pre>",
        escape(page.scenario_ron)
    );
    html.push_str(PAGE_END);
    Ok(html)
}

/// ` · n = N, f = F` when every trial had the same n and f, else nothing.
fn cluster_note(run: &RunResult) -> String {
    let mut sizes = run.records.iter().map(|r| (r.n, r.f));
    match sizes.next() {
        Some(first) if sizes.all(|s| s == first) => {
            format!(" · n = {}, f = {}", first.0, first.1)
        }
        _ => String::new(),
    }
}

/// The headline numbers, as a row of boxes.
fn headline(html: &mut String, run: &RunResult) {
    let split = FaultBoundSplit::of(&run.records);
    let unsafe_trials = run.records.iter().filter(|r| !r.outcome.safety_ok).count();
    let class = |trials: usize| match trials {
        0 => "<small>no trial</small>".to_string(),
        1 => "<small>of 1 trial</small>".to_string(),
        _ => format!("<small>of {trials} trials</small>"),
    };
    let boxes = [
        ("trials", run.records.len().to_string()),
        ("sweep points", run.points.to_string()),
        (
            "success within f",
            format!(
                "{} {}",
                percent(split.within_rate()),
                class(split.within_trials)
            ),
        ),
        (
            "success beyond f",
            format!(
                "{} {}",
                percent(split.beyond_rate()),
                class(split.beyond_trials)
            ),
        ),
        ("trials with a safety violation", unsafe_trials.to_string()),
        ("wall time", format!("{:.3} s", run.wall_s)),
    ];
    html.push_str("<dl class=\"headline\">\n");
    for (label, value) in boxes {
        let _ = writeln!(html, "<div><dt>{label}</dt><dd>{value}</dd></div>");
    }
    html.push_str("</dl>\n");
}

/// The charts, each PNG linking its SVG.
fn charts(html: &mut String, charts: &[DrawnChart]) {
    if charts.is_empty() {
        return;
    }
    html.push_str("<h2>Charts</h2>\n<div class=\"charts\">\n");
    for chart in charts {
        let stem = escape(&chart.stem);
        let title = escape(&chart.title);
        let _ = writeln!(
            html,
            "<figure><a href=\"{stem}.svg\"><img src=\"{stem}.png\" alt=\"{title}\"></a>\
             <figcaption>{title} · <a href=\"{stem}.svg\">SVG</a></figcaption></figure>"
        );
    }
    html.push_str("</div>\n");
}

/// The sweep points (as `summary.csv` writes them) whose every trial had more than f byzantine
/// replicas: there PBFT promises nothing, and a low success rate is the expected outcome.
fn points_beyond_f(run: &RunResult) -> BTreeSet<String> {
    let mut within = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for record in &run.records {
        seen.insert(record.point);
        if record.byzantine <= record.f {
            within.insert(record.point);
        }
    }
    seen.difference(&within).map(|p| p.to_string()).collect()
}

/// The rows of `summary.csv` as two tables, so that each fits a window 1400 px wide: the
/// statistics (the sweep axes' columns first, then `point` and the others; rates as
/// percentages, a success rate below 1 marked unless the point is in `beyond_f`, a count of
/// safety violations above 0 marked), then,
/// when the file has intervals, the 95 % intervals (the axes and `point` again, the sample
/// count `latency_samples`, and each `X_ci_low`/`X_ci_high` pair as one column `X_ci`, or
/// `X_ci_ms`, whose cells read `low–high`).
fn summary_table(
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
        html.push_str(&table_html(&header, &rows, &intervals, is_axis, shaded_rate));
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
                Column::Field(i) => summary_cell(
                    &header[i],
                    field(i),
                    is_axis(&header[i]),
                    shaded_rate(row),
                ),
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
        .chain((0..header.len()).filter(|&i| {
            !is_axis(&header[i]) && !in_interval(i) && !beside_intervals(i)
        }))
        .map(Column::Field)
        .collect();
    let point = (0..header.len()).filter(|&i| header[i] == "point");
    let samples = (0..header.len()).filter(|&i| beside_intervals(i));
    let fields: Vec<Column> = axes.chain(point).chain(samples).map(Column::Field).collect();
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
fn summary_cell(
    name: &str,
    value: &str,
    axis: bool,
    shaded_rate: bool,
) -> (&'static str, String) {
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

/// The traces section between its markers: nothing but the markers without traces.
fn traces_section(traces: &[TraceLink]) -> String {
    let mut html = String::from(TRACES_START);
    if !traces.is_empty() {
        html.push_str("\n<h2>Traces of failed trials</h2>\n<ul class=\"files\">\n");
        for trace in traces {
            let at = if trace.at.is_empty() {
                String::new()
            } else {
                format!(" ({})", escape(&trace.at))
            };
            let _ = writeln!(
                html,
                "<li><a href=\"{}\">point {}, trial {}</a>{at}: {}</li>",
                escape(&trace.href),
                trace.point,
                trace.trial,
                escape(&trace.problem)
            );
        }
        html.push_str("</ul>\n");
    }
    html.push_str(TRACES_END);
    html
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
        assert!(intervals.contains("<td class=\"num\">-</td></tr>"), "{html}");
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

    #[test]
    fn points_beyond_f_are_those_whose_every_trial_is() {
        let run = RunResult {
            name: "r".into(),
            axes: vec!["byzantine[0].count".into()],
            axis_labels: vec![None],
            axis_numbers: vec![vec![Some(0.0)], vec![Some(1.0)], vec![Some(2.0)]],
            records: vec![record(0, 0, true), record(1, 1, true), record(2, 2, false)],
            points: 3,
            wall_s: 0.5,
        };
        let beyond: Vec<String> = points_beyond_f(&run).into_iter().collect();
        assert_eq!(beyond, ["2"]);
    }

    fn record(point: usize, byzantine: u32, success: bool) -> crate::records::TrialRecord {
        crate::records::TrialRecord {
            point,
            trial: 0,
            seed: 0,
            axis_values: vec![byzantine.to_string()],
            n: 4,
            f: 1,
            byzantine,
            outcome: crate::records::TrialOutcome {
                success,
                safety_ok: true,
                ..Default::default()
            },
        }
    }

    #[test]
    fn the_page_escapes_every_text_and_splits_at_f() {
        let run = RunResult {
            name: "a<b".into(),
            axes: vec!["byzantine[0].count".into()],
            axis_labels: vec![None],
            axis_numbers: vec![vec![Some(0.0)], vec![Some(2.0)]],
            records: vec![record(0, 0, true), record(0, 0, false), record(1, 2, false)],
            points: 2,
            wall_s: 0.5,
        };
        let charts = [DrawnChart {
            stem: "success".into(),
            title: "a<b: success & \"safety\"".into(),
        }];
        let files = ["trials.csv".to_string()];
        let page = RunPage {
            name: "a<b",
            description: "x & y's <desc>",
            file: "dir/<odd>.ron",
            run: &run,
            charts: &charts,
            summary_csv:
                "point,byzantine[0].count,trials,success_rate\n0,0,2,0.5000\n1,2,1,0.0000\n",
            scenario_ron: "Scenario(name: \"a<b\")",
            files: &files,
        };
        let html = run_html(&page).expect("the summary parses");
        assert!(html.contains("<title>a&lt;b · pbft-sim</title>"));
        assert!(html.contains("<h1>a&lt;b</h1>"));
        assert!(html.contains("<p class=\"description\">x &amp; y&#39;s &lt;desc&gt;</p>"));
        assert!(html.contains("<code>dir/&lt;odd&gt;.ron</code> · n = 4, f = 1"));
        assert!(html.contains(
            "<img src=\"success.png\" alt=\"a&lt;b: success &amp; &quot;safety&quot;\">"
        ));
        assert!(html.contains("<pre class=\"scenario\">Scenario(name: &quot;a&lt;b&quot;)</pre>"));
        assert!(html.contains("<dt>success within f</dt><dd>50.0% <small>of 2 trials</small></dd>"));
        assert!(html.contains("<dt>success beyond f</dt><dd>0.0% <small>of 1 trial</small></dd>"));
        assert!(html.contains(&traces_section(&[])));
        assert!(!html.contains("<script"));
        assert!(!html.contains("a<b"), "no unescaped text");
    }

    #[test]
    fn trace_links_replace_the_section() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("index.html");
        let page = format!("<p>before</p>{}<p>after</p>", traces_section(&[]));
        std::fs::write(&path, &page).expect("write");
        let link = TraceLink {
            point: 1,
            trial: 3,
            at: "x = <2>".into(),
            problem: "unsafe".into(),
            href: "traces/trace-1-3/trace.html".into(),
        };
        add_trace_links(&path, &[link]).expect("updated");
        let html = std::fs::read_to_string(&path).expect("read");
        assert!(html.starts_with("<p>before</p><!-- traces: start -->"));
        assert!(html.ends_with("<!-- traces: end --><p>after</p>"));
        assert!(html.contains(
            "<li><a href=\"traces/trace-1-3/trace.html\">point 1, trial 3</a> (x = &lt;2&gt;): unsafe</li>"
        ));
        // Again with none: back to the empty section.
        add_trace_links(&path, &[]).expect("updated");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), page);
    }

    #[test]
    fn a_page_without_a_section_is_an_error_and_no_page_is_skipped() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("index.html");
        add_trace_links(&path, &[]).expect("no page: nothing to do");
        assert!(!path.exists());
        std::fs::write(&path, "<p>edited</p>").expect("write");
        let error = add_trace_links(&path, &[]).expect_err("no section");
        assert!(error.to_string().contains("index.html"), "{error}");
    }
}
