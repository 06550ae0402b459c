//! `index.html` of a suite: one row per scenario that ran (its name linking its folder's page,
//! its description, points, trials, success within f and beyond f apart, safety violations,
//! mean latency, wall time and a thumbnail of its success chart, linking the full-size PNG),
//! then the files that failed validation with their errors.
//!
//! Shaded as a problem: a success rate within f below 100 % (PBFT promises liveness there) and
//! any safety violation. A success rate beyond f is not shaded: failures there are what the
//! protocol predicts, and a scenario that crosses f is meant to show them.

use std::fmt::Write as _;
use std::path::Path;

use super::{escape, page_start, percent, rate_class, PAGE_END};
use crate::records::InvalidScenario;
use crate::report::atomic::write_bytes_atomically;
use crate::report::index::{url_component, IndexRow};
use crate::report::ReportError;

/// Width in pixels of a success-chart thumbnail (readable: its title, axis labels and the f
/// line show at this size; the full PNG is a click away).
const THUMBNAIL_WIDTH: u32 = 320;

/// Writes the suite's page to `path` (atomically).
pub(crate) fn write_suite_html(
    path: &Path,
    rows: &[IndexRow],
    invalid: &[InvalidScenario],
) -> Result<(), ReportError> {
    write_bytes_atomically(path, suite_html(rows, invalid).as_bytes())
}

fn suite_html(rows: &[IndexRow], invalid: &[InvalidScenario]) -> String {
    let trials: usize = rows.iter().map(|r| r.trials).sum();
    let mut html = page_start("pbft-sim suite", true);
    html.push_str("<h1>pbft-sim suite</h1>\n");
    let _ = writeln!(
        html,
        "<p class=\"meta\">{} scenario{}, {trials} trials. \"Within f\": trials with at most f \
         byzantine replicas, where PBFT promises safety and liveness; \"beyond f\": the others, \
         where failures are expected. Shaded: success within f below 100 % and any safety \
         violation. A thumbnail opens its chart at full size. Also as \
         <a href=\"index.csv\">index.csv</a> and <a href=\"index.md\">index.md</a>.</p>",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    if !rows.is_empty() {
        scenario_table(&mut html, rows);
    }
    if !invalid.is_empty() {
        html.push_str("<h2>Invalid scenario files</h2>\n<ul class=\"invalid\">\n");
        for bad in invalid {
            let _ = writeln!(html, "<li><code>{}</code></li>", escape(&bad.message));
        }
        html.push_str("</ul>\n");
    }
    html.push_str(PAGE_END);
    html
}

fn scenario_table(html: &mut String, rows: &[IndexRow]) {
    html.push_str("<div class=\"table-wrap\"><table class=\"suite\">\n<tr>");
    for (head, numeric) in [
        ("scenario", false),
        ("description", false),
        ("points", true),
        ("trials", true),
        ("success within f", true),
        ("success beyond f", true),
        ("safety violations", true),
        ("latency mean (ms)", true),
        ("wall (s)", true),
        ("success chart", false),
    ] {
        let class = if numeric { " class=\"num\"" } else { "" };
        let _ = write!(html, "<th{class}>{head}</th>");
    }
    html.push_str("</tr>\n");
    for row in rows {
        let folder = escape(&url_component(&row.name));
        let split = row.split();
        let violations = if row.safety_violations > 0 {
            "num low"
        } else {
            "num"
        };
        let _ = writeln!(
            html,
            "<tr><td><a href=\"{folder}/index.html\">{name}</a><br><code>{file}</code></td>\
             <td class=\"description\">{description}</td><td class=\"num\">{points}</td><td class=\"num\">{trials}</td>\
             {within}{beyond}<td class=\"{violations}\">{unsafe_trials}</td>\
             <td class=\"num\">{latency}</td><td class=\"num\">{wall:.3}</td>\
             <td class=\"thumb\"><a href=\"{folder}/success.png\" title=\"the chart at full size\">\
             <img src=\"{folder}/success.png\" width=\"{THUMBNAIL_WIDTH}\" \
             alt=\"success chart of {name}\"></a></td></tr>",
            name = escape(&row.name),
            file = escape(&row.file),
            description = escape(&row.description),
            points = row.points,
            trials = row.trials,
            within = class_cell(split.within_rate(), split.within_trials, Shade::BelowFull),
            beyond = class_cell(split.beyond_rate(), split.beyond_trials, Shade::Never),
            unsafe_trials = row.safety_violations,
            latency = row
                .latency_mean_ms
                .map_or_else(|| "-".to_string(), |l| format!("{l:.1}")),
            wall = row.wall_s,
        );
    }
    html.push_str("</table></div>\n");
}

/// Whether a success-rate cell is shaded.
#[derive(Clone, Copy)]
enum Shade {
    /// Below 100 %: within f, where PBFT promises every request completes.
    BelowFull,
    /// Never: beyond f, where failures are the expected outcome.
    Never,
}

/// A success-rate cell of one class: the rate and its trial count, or `-` without trials.
fn class_cell(rate: Option<f64>, trials: usize, shade: Shade) -> String {
    let class = match shade {
        Shade::BelowFull => rate_class(rate),
        Shade::Never => "num",
    };
    match rate {
        Some(_) => format!(
            "<td class=\"{class}\">{}<br><small>of {trials}</small></td>",
            percent(rate)
        ),
        None => "<td class=\"num\">-</td>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, description: &str) -> IndexRow {
        IndexRow {
            name: name.to_string(),
            file: format!("scenarios/{name}.ron"),
            description: description.to_string(),
            points: 2,
            trials: 8,
            success_rate: 0.75,
            safety_violations: 1,
            latency_mean_ms: Some(50.0),
            messages: 1000,
            wall_s: 0.25,
            trials_within_f: 8,
            succeeded_within_f: 6,
            trials_beyond_f: 0,
            succeeded_beyond_f: 0,
        }
    }

    #[test]
    fn rows_escape_names_and_descriptions_and_split_the_classes() {
        let html = suite_html(
            &[row("a<b", "x & \"y\"")],
            &[InvalidScenario {
                file: "bad<.ron".into(),
                message: "bad<.ron:1:1: the file is <empty>".into(),
            }],
        );
        assert!(
            html.contains("<a href=\"a%3Cb/index.html\">a&lt;b</a>"),
            "{html}"
        );
        assert!(
            html.contains("<td class=\"description\">x &amp; &quot;y&quot;</td>"),
            "{html}"
        );
        assert!(html.contains(
            "<a href=\"a%3Cb/success.png\" title=\"the chart at full size\"><img src=\"a%3Cb/success.png\" width=\"320\""
        ));
        assert!(html.contains(
            "<td class=\"num low\">75.0%<br><small>of 8</small></td><td class=\"num\">-</td>"
        ));
        assert!(html.contains("<td class=\"num low\">1</td>"));
        assert!(html.contains("<li><code>bad&lt;.ron:1:1: the file is &lt;empty&gt;</code></li>"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn failures_beyond_f_are_not_shaded_but_within_f_are() {
        let mut crossing = row("crossing", "over f");
        crossing.safety_violations = 0;
        (crossing.trials_within_f, crossing.succeeded_within_f) = (4, 4);
        (crossing.trials_beyond_f, crossing.succeeded_beyond_f) = (4, 0);
        let html = suite_html(&[crossing.clone()], &[]);
        assert!(
            html.contains(
                "<td class=\"num\">100.0%<br><small>of 4</small></td>\
                 <td class=\"num\">0.0%<br><small>of 4</small></td><td class=\"num\">0</td>"
            ),
            "{html}"
        );
        crossing.succeeded_within_f = 3;
        let html = suite_html(&[crossing], &[]);
        assert!(
            html.contains(
                "<td class=\"num low\">75.0%<br><small>of 4</small></td><td class=\"num\">0.0%"
            ),
            "{html}"
        );
    }
}
