//! `trace.html`: one self-contained page to explore a trial's event trace (`docs/trace.md`) in
//! a browser, with no network access and no external file (the script, the style sheet and the
//! events are all inline; a Content-Security-Policy forbids anything else).
//!
//! The page shows a lane per replica and client (byzantine replicas labelled with their
//! behaviour), the trial's timed faults shaded, message arrows from send to arrival coloured by
//! kind (Castro & Liskov §4.2-4.4: pre-prepare, prepare, commit, checkpoint, view change...),
//! and the protocol's steps as marks on their replica's lane. The user zooms and pans along
//! virtual time, filters by event kind, message kind and node, clicks an event for its fields,
//! and jumps to the next view change (§4.4), oracle violation or rejected input. Drawing and
//! the event list touch only what is on screen, so traces of tens of thousands of events stay
//! usable.
//!
//! The events are embedded as JSON (serde_json) in a `<script type="application/json">`
//! element, with every `<` written as `\u003c` so that no text in the data (a violation's
//! description, say) can close the element. The viewer itself is `trace_viewer.js` and
//! `trace_viewer.css`, included at compile time.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::atomic::write_bytes_atomically;
use super::ReportError;
use crate::records::trace::{TraceEvent, TraceTrial, TRACE_VERSION};

/// The viewer's script, inlined into every page.
const SCRIPT: &str = include_str!("trace_viewer.js");
/// The viewer's style sheet, inlined into every page.
const STYLE: &str = include_str!("trace_viewer.css");

/// Everything `trace.html` shows about one trial.
pub(crate) struct TracePage<'a> {
    /// Who is who in the trial, and its timed faults.
    pub trial: &'a TraceTrial,
    /// The events, in engine order (possibly cut to a window by the caller).
    pub events: &'a [TraceEvent],
    /// The page's heading, e.g. `"seed-no-view-change · point 0 · trial 3"`.
    pub title: String,
    /// The trial's `trials.csv` row as (column, value) pairs, shown in a summary box.
    pub row: &'a [(String, String)],
    /// A remark on what the page holds, e.g. `"first 200,000 events only"`.
    pub note: Option<String>,
}

/// The data the script reads, as embedded in the page.
#[derive(Serialize)]
struct EmbeddedTrace<'a> {
    version: u32,
    title: &'a str,
    note: Option<&'a str>,
    trial: &'a TraceTrial,
    row: &'a [(String, String)],
    events: &'a [TraceEvent],
}

/// Writes `page` to `path` as one self-contained HTML file (atomically: a temporary file
/// renamed into place).
pub(crate) fn write_trace_html(page: &TracePage, path: &Path) -> Result<(), ReportError> {
    let html = render_trace_html(page).map_err(|source| ReportError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    write_bytes_atomically(path, &html)
}

/// The page's bytes.
fn render_trace_html(page: &TracePage) -> Result<Vec<u8>, serde_json::Error> {
    let title = escape_html(&page.title);
    let mut html = Vec::with_capacity(SCRIPT.len() + STYLE.len() + 256 * page.events.len());
    let head = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · pbft-sim trace</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <noscript>This page needs JavaScript to show the trace.</noscript>\n\
         <script type=\"application/json\" id=\"trace-data\">"
    );
    html.extend_from_slice(head.as_bytes());
    let data = EmbeddedTrace {
        version: TRACE_VERSION,
        title: &page.title,
        note: page.note.as_deref(),
        trial: page.trial,
        row: page.row,
        events: page.events,
    };
    serde_json::to_writer(ScriptSafe(&mut html), &data)?;
    html.extend_from_slice(b"</script>\n<script>\n");
    html.extend_from_slice(SCRIPT.as_bytes());
    html.extend_from_slice(b"</script>\n</body>\n</html>\n");
    Ok(html)
}

/// A writer that passes JSON through with every `<` written as the JSON escape `\u003c`. A
/// `<` can only occur inside a JSON string, where the escape means the same character, so the
/// data parses to the same values, and no `</script>` or `<!--` can appear in the element.
struct ScriptSafe<'a>(&'a mut Vec<u8>);

impl Write for ScriptSafe<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        for part in bytes.split_inclusive(|b| *b == b'<') {
            match part.split_last() {
                Some((b'<', before)) => {
                    self.0.extend_from_slice(before);
                    self.0.extend_from_slice(b"\\u003c");
                }
                _ => self.0.extend_from_slice(part),
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `text` with the characters HTML gives a meaning to replaced by entities.
fn escape_html(text: &str) -> String {
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

