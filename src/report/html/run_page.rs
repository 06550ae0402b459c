//! `index.html` of one run's results folder: what the scenario is, the headline numbers, the
//! charts, the summary table (the rows of `summary.csv`, the sweep axes first), the traces of
//! failed trials when some were written, the files, and the scenario as run.
//!
//! The summary tables are `summary_tables.rs`'s. The traces of `run --trace-failures` are
//! written after the run's files, so the page has a
//! delimited traces section that [`add_trace_links`] fills in afterwards.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use super::summary_tables::summary_table;
use super::{escape, page_start, percent, PAGE_END};
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
        if record.within_f() {
            within.insert(record.point);
        }
    }
    seen.difference(&within).map(|p| p.to_string()).collect()
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
            cost_warmups: None,
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
            cost_warmups: None,
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
