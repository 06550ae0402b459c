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
use super::html::escape;
use super::spacetime::{chart_window, palette, Palette, ROUTINE_REJECTIONS};
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
    /// The trial's seed in decimal: a u64 needs more digits than a JavaScript number holds.
    seed: String,
    title: &'a str,
    note: Option<&'a str>,
    trial: &'a TraceTrial,
    row: &'a [(String, String)],
    /// The chart's colours (one palette for the PNG and the page).
    palette: Palette,
    /// Rejection reasons that are routine housekeeping (drawn lighter, hidden by default).
    routine_rejections: &'a [&'a str],
    /// The window the page opens on: the chart's default window.
    window: OpeningWindow,
    events: &'a [TraceEvent],
}

/// The window the viewer opens on, in virtual ms.
#[derive(Serialize)]
struct OpeningWindow {
    from_ms: f64,
    /// `None`: to the end of the trace.
    until_ms: Option<f64>,
    /// What it starts just before ("the first partition"), when not at the first event.
    anchor: Option<String>,
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
    let title = escape(&page.title);
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
        seed: page.trial.seed.to_string(),
        title: &page.title,
        note: page.note.as_deref(),
        trial: page.trial,
        row: page.row,
        palette: palette(),
        routine_rejections: &ROUTINE_REJECTIONS,
        window: opening_window(page),
        events: page.events,
    };
    serde_json::to_writer(ScriptSafe(&mut html), &data)?;
    html.extend_from_slice(b"</script>\n<script>\n");
    html.extend_from_slice(SCRIPT.as_bytes());
    html.extend_from_slice(b"</script>\n</body>\n</html>\n");
    Ok(html)
}

/// The chart's default window of the page's events (the same function draws the chart).
fn opening_window(page: &TracePage) -> OpeningWindow {
    let window = chart_window(page.trial, page.events);
    let ms = |ns: u64| ns as f64 / 1e6;
    OpeningWindow {
        from_ms: ms(window.from_ns),
        until_ms: window.until_ns.map(ms),
        anchor: window.anchor,
    }
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

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::protocol::message::{Digest, NodeId};
    use crate::protocol::{Change, Rejection};
    use crate::records::trace::{FaultPeriod, Happening, MessageSummary, Node, NodeRole};
    use crate::sim::trace::TraceSink;

    /// A hostile violation text: it tries to close the data element and run a script.
    const HOSTILE: &str =
        "agreement: </script><script>alert(1)</script> <!-- see https://x.example/";

    fn trial() -> TraceTrial {
        let node = |id, role, behaviour: Option<&str>| NodeRole {
            node: Node(id),
            role,
            behaviour: behaviour.map(str::to_string),
        };
        TraceTrial {
            seed: 42,
            n: 4,
            f: 1,
            clients: 1,
            time_limit_ms: 100.0,
            nodes: vec![
                node(NodeId::Replica(0), "replica", Some("equivocate</script>")),
                node(NodeId::Replica(1), "replica", None),
                node(NodeId::Replica(2), "replica", None),
                node(NodeId::Replica(3), "replica", None),
                node(NodeId::Client(0), "client", None),
            ],
            periods: vec![FaultPeriod {
                kind: "crash",
                replicas: vec![3],
                from_ms: 2.0,
                until_ms: None,
                detail: String::new(),
            }],
        }
    }

    fn events() -> Vec<TraceEvent> {
        let r = |i| Some(NodeId::Replica(i));
        let digest = Digest::of(&[b"batch"]);
        let pp = MessageSummary {
            msg: "pre-prepare",
            view: Some(0),
            seq: Some(1),
            digest: Some(digest),
            timestamp: None,
        };
        let happenings = [
            (
                r(0),
                Happening::Send {
                    to: Node(NodeId::Replica(1)),
                    message: pp,
                    delays_ns: vec![1_000_000],
                    slowed: None,
                },
            ),
            (
                r(1),
                Happening::Deliver {
                    from: Node(NodeId::Replica(0)),
                    message: pp,
                },
            ),
            (
                r(1),
                Happening::PrePrepared {
                    view: 0,
                    seq: 1,
                    digest,
                },
            ),
            (
                r(2),
                Happening::Reject {
                    reason: Rejection::ConflictingPrePrepare,
                    class: Rejection::ConflictingPrePrepare.class(),
                    from: Some(Node(NodeId::Replica(0))),
                    message: Some(pp),
                },
            ),
            (
                r(0),
                Happening::Tamper {
                    change: Change::Changed,
                    to: Some(Node(NodeId::Replica(2))),
                    msg: "pre-prepare",
                },
            ),
            (
                None,
                Happening::PartitionStart {
                    groups: vec![vec![0, 1], vec![2, 3]],
                    one_way: false,
                },
            ),
            (r(1), Happening::ViewEntered { view: 1 }),
            (
                None,
                Happening::Violation {
                    text: HOSTILE.to_string(),
                },
            ),
        ];
        happenings
            .into_iter()
            .enumerate()
            .map(|(i, (node, what))| TraceEvent::new(i as u64, 1_000_000 * i as u64, node, what))
            .collect()
    }

    fn page_html(title: &str) -> String {
        let trial = trial();
        let events = events();
        let row = vec![("success".to_string(), "false".to_string())];
        let page = TracePage {
            trial: &trial,
            events: &events,
            title: title.to_string(),
            row: &row,
            note: Some("a <note>".to_string()),
        };
        let bytes = render_trace_html(&page).expect("the sample page renders");
        String::from_utf8(bytes).expect("the page is UTF-8")
    }

    /// The embedded data element's text, and the page with it cut out.
    fn split_data(html: &str) -> (&str, String) {
        let open = r#"<script type="application/json" id="trace-data">"#;
        let start = html.find(open).expect("the data element") + open.len();
        let len = html[start..]
            .find("</script>")
            .expect("the data element's end");
        let rest = format!("{}{}", &html[..start], &html[start + len..]);
        (&html[start..start + len], rest)
    }

    /// Collects a traced trial's header and events.
    #[derive(Default)]
    struct Collected(Rc<RefCell<(Option<TraceTrial>, Vec<TraceEvent>)>>);

    impl TraceSink for Collected {
        fn start(&mut self, trial: &TraceTrial) {
            self.0.borrow_mut().0 = Some(trial.clone());
        }
        fn event(&mut self, event: TraceEvent) {
            self.0.borrow_mut().1.push(event);
        }
    }

    /// The first unsuccessful trial of `seed-no-view-change` at 1 byzantine replica (a stalled
    /// byzantine primary), traced.
    fn stalled_trial() -> (TraceTrial, Vec<TraceEvent>, bool) {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/seed-no-view-change.ron"
        );
        let plan = crate::scenario::load(std::path::Path::new(file)).expect("the scenario loads");
        let point = &plan.points[1];
        let mut last = None;
        for trial in 0..plan.trials() as usize {
            let spec = crate::scenario::trial_spec(
                &point.scenario,
                crate::sim::trial_seed(point.scenario.seed, 1, trial),
            );
            let sink = Collected::default();
            let shared = Rc::clone(&sink.0);
            let outcome = crate::sim::run_trial_reference_traced(&spec, Box::new(sink))
                .expect("the trial runs");
            let (trial, events) = shared.take();
            last = Some((trial.expect("the trace started"), events, outcome.success));
            if !outcome.success {
                break;
            }
        }
        last.expect("the point has trials")
    }

    #[test]
    fn a_real_trials_trace_is_embedded_whole() {
        let (trial, events, success) = stalled_trial();
        assert!(
            !success,
            "a trial at point 1 stalls (its primary is byzantine)"
        );
        let row = vec![("success".to_string(), success.to_string())];
        let page = TracePage {
            trial: &trial,
            events: &events,
            title: "seed-no-view-change".to_string(),
            row: &row,
            note: None,
        };
        let html = String::from_utf8(render_trace_html(&page).expect("renders")).expect("UTF-8");
        let (data, _) = split_data(&html);
        let parsed: serde_json::Value = serde_json::from_str(data).expect("the data is JSON");
        let embedded = parsed["events"].as_array().expect("an events array");
        assert_eq!(embedded.len(), events.len());
        assert!(embedded
            .iter()
            .zip(&events)
            .all(|(e, f)| e["i"] == f.i && e["ev"] == f.what.name()));
        let behaviours = parsed["trial"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["behaviour"].is_string())
            .count();
        assert_eq!(
            behaviours, 1,
            "the byzantine replica's lane is labelled with its behaviour"
        );
        if let Ok(out) = std::env::var("PBFT_SIM_REAL_TRACE_HTML") {
            std::fs::write(out, &html).expect("copied");
        }
    }

    #[test]
    fn the_data_round_trips_even_when_a_text_holds_a_closing_script_tag() {
        let html = page_html("t");
        let (data, _) = split_data(&html);
        assert!(!data.contains('<'), "a raw < in the data element");
        let parsed: serde_json::Value = serde_json::from_str(data).expect("the data is JSON");
        let events = parsed["events"].as_array().expect("an events array");
        assert_eq!(events.len(), 8);
        assert_eq!(events[7]["ev"], "violation");
        assert_eq!(events[7]["text"], HOSTILE);
        assert_eq!(
            parsed["trial"]["nodes"][0]["behaviour"],
            "equivocate</script>"
        );
        assert_eq!(parsed["note"], "a <note>");
        assert_eq!(parsed["row"][0][1], "false");
        assert_eq!(parsed["seed"], "42");
        // Exactly two script elements: the data and the viewer; nothing the data held opened one.
        assert_eq!(html.matches("<script").count(), 2);
        assert_eq!(html.matches("</script>").count(), 2);
    }

    #[test]
    fn the_page_refers_to_nothing_outside_itself() {
        let html = page_html("t");
        let (data, rest) = split_data(&html);
        // The only URL is the one inside a violation's text, in the data.
        assert!(data.contains("https://x.example/"));
        for scheme in [
            "http://", "https://", "//cdn", "url(", "@import", "src=", "href=",
        ] {
            assert!(
                !rest.contains(scheme),
                "the page outside its data holds {scheme:?}"
            );
        }
        assert!(
            rest.contains("default-src 'none'"),
            "the CSP forbids loading anything"
        );
    }

    #[test]
    fn the_page_carries_the_charts_colours_and_window() {
        let html = page_html("t");
        let (data, _) = split_data(&html);
        let parsed: serde_json::Value = serde_json::from_str(data).expect("the data is JSON");
        let messages = parsed["palette"]["messages"]
            .as_array()
            .expect("message colours");
        assert_eq!(messages.len(), crate::report::spacetime::KINDS.len());
        for ((kind, colour), carried) in crate::report::spacetime::KINDS.iter().zip(messages) {
            let hex = format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2);
            assert_eq!(carried[0], *kind);
            assert_eq!(carried[1], hex, "{kind}'s colour");
        }
        assert_eq!(
            parsed["palette"]["messages"][1][1], "#1f77b4",
            "pre-prepare is blue"
        );
        let periods = parsed["palette"]["periods"]
            .as_array()
            .expect("period colours");
        assert!(periods.iter().any(|p| p[0] == "partition"));
        let routine = parsed["routine_rejections"]
            .as_array()
            .expect("routine reasons");
        assert!(routine.iter().any(|r| r == "already_executed"));
        // Eight events fit: the window is the whole trace, from the first event.
        assert_eq!(parsed["window"]["from_ms"], 0.0);
        assert!(parsed["window"]["until_ms"].is_null());
    }

    #[test]
    fn the_title_is_escaped() {
        let html = page_html("a <b> & \"c\"");
        assert!(html.contains("<title>a &lt;b&gt; &amp; &quot;c&quot; · pbft-sim trace</title>"));
    }

    #[test]
    fn the_inlined_viewer_cannot_close_its_own_elements() {
        assert!(!SCRIPT.contains("</script") && !SCRIPT.contains("<!--"));
        assert!(!STYLE.contains("</style"));
    }

    #[test]
    fn the_page_is_written_atomically_to_its_path() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("trace.html");
        let (trial, events) = (trial(), events());
        let page = TracePage {
            trial: &trial,
            events: &events,
            title: "t".to_string(),
            row: &[],
            note: None,
        };
        write_trace_html(&page, &path).expect("written");
        let written = std::fs::read_to_string(&path).expect("readable");
        assert!(written.starts_with("<!DOCTYPE html>") && written.ends_with("</html>\n"));
        if let Ok(out) = std::env::var("PBFT_SIM_SAMPLE_TRACE_HTML") {
            std::fs::copy(&path, out).expect("copied");
        }
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("listable").collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
    }
}
