//! The HTML reports: `index.html` of one run's folder (the scenario, its headline numbers, the
//! charts, the summary table, the scenario as run, links to the files and traces) and
//! `index.html` of a suite (one row per scenario, success within f and beyond f apart, a
//! thumbnail of each success chart, the files that failed validation).
//!
//! Both pages are self-contained: one file with its CSS inline, no script, no network; the
//! images and links are relative to the page, so the folder can be opened from disk or moved
//! whole. Every text from a scenario or a file system (names, descriptions, paths, error
//! messages, the scenario's RON) is HTML-escaped. The bytes depend only on the results, but
//! for the wall time the run took (as in `run.json`).

mod run_page;
mod suite_page;
mod summary_tables;

pub(crate) use run_page::{add_trace_links, write_run_html, RunPage, TraceLink};
pub(crate) use suite_page::write_suite_html;

use std::fmt::Write as _;

/// The pages' style sheet, inlined into each page.
const STYLE: &str = include_str!("report.css");

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities: safe in text and in quoted
/// attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The start of a page: doctype, a content security policy that allows no script and no
/// network (images from the page's own folder only), the title and the inline style; `wide`
/// gives the page's column more room (the suite's table).
fn page_start(title: &str, wide: bool) -> String {
    let mut html = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
    html.push_str("<meta charset=\"utf-8\">\n");
    html.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         img-src 'self'; style-src 'unsafe-inline'\">\n",
    );
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(html, "<title>{}</title>", escape(title));
    let main = if wide {
        "<main class=\"wide\">"
    } else {
        "<main>"
    };
    let _ = writeln!(html, "<style>\n{STYLE}</style>\n</head>\n<body>\n{main}");
    html
}

/// The end of a page.
const PAGE_END: &str = "</main>\n</body>\n</html>\n";

/// A rate in 0..=1 as a percentage with one decimal, or `-` when unknown.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// The class of a table cell holding a rate: `num low` when it is below 1, `num` otherwise.
fn rate_class(rate: Option<f64>) -> &'static str {
    match rate {
        Some(r) if r < 1.0 => "num low",
        _ => "num",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_replaces_every_markup_character() {
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(escape("plain é"), "plain é");
    }

    #[test]
    fn rates_below_one_are_marked() {
        assert_eq!(percent(Some(0.5)), "50.0%");
        assert_eq!(percent(None), "-");
        assert_eq!(rate_class(Some(0.999)), "num low");
        assert_eq!(rate_class(Some(1.0)), "num");
        assert_eq!(rate_class(None), "num");
    }
}
