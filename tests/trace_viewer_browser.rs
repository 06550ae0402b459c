//! `trace.html` in a real browser: Debian's `chromium`, headless, opens a harness page from a
//! `file://` URL that loads the trace page in an iframe and drives it as a user would (real
//! `click`, hence `input` and `change`, events on its checkboxes, list rows and buttons), then
//! writes what it saw into its own DOM, which `--dump-dom` prints.
//!
//! Checked: the page finished building itself; it shows every event of the trace but the
//! routine rejections, hidden by default and counted in the label, and all of them once that
//! toggle is off; unticking a message kind, then a node, shows exactly the events left (counted
//! here from the data embedded in the page, independently of the page's script); clicking a
//! row of the event list shows that event's fields; "next rejection" and "next view change"
//! select the right events and keep the window within the trace; the pre-prepare swatch has
//! the chart's colour; the zoom button narrows the time window; and nothing reached the console (the
//! harness's hooks and chromium's `CONSOLE` log lines on stderr, which also carry errors thrown
//! while the page built itself).
//!
//! Without `chromium` on the PATH the test fails when the `CI` variable is set (`.ci/run`
//! installs it) and is skipped with a notice otherwise. Chromium runs under the shared
//! [`common::TIMEOUT`], so a hang fails the test; the chromium helpers are shared with
//! `tests/report_browser.rs` (`common::chromium`).

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use common::chromium::{chromium_present, run_harness};
use common::{pbft_sim, Scratch};

/// A scenario whose first trial has a byzantine (silent) primary and a view change, n = 4,
/// 100 requests: a few thousand events.
const SCENARIO: &str = "scenarios/silent-primary.ron";

/// The data embedded in `page` (the element the Rust side wrote).
fn embedded_data(page: &str) -> Value {
    let open = r#"<script type="application/json" id="trace-data">"#;
    let start = page.find(open).expect("the page embeds its data") + open.len();
    let len = page[start..]
        .find("</script>")
        .expect("the data element ends");
    serde_json::from_str(&page[start..start + len]).expect("the data is JSON")
}

/// The events embedded in `page`.
fn embedded_events(page: &str) -> Vec<Value> {
    embedded_data(page)["events"]
        .as_array()
        .expect("an events array")
        .clone()
}

/// What the harness should see, computed from the events.
struct Expected {
    total: usize,
    /// Events shown at first: all but the routine rejections.
    shown: usize,
    routine: usize,
    kind: String,
    without_kind: usize,
    node: String,
    without_node: usize,
    /// The first view change after event 0, the first rejection after that (or after event 0
    /// when there is no view change), the first violation after that.
    next_view: Option<usize>,
    next_reject: Option<usize>,
    next_violation: Option<usize>,
}

fn expected(events: &[Value], routine_reasons: &[Value]) -> Expected {
    let routine = |e: &Value| e["ev"] == "reject" && routine_reasons.contains(&e["reason"]);
    let count =
        |keep: &dyn Fn(&Value) -> bool| events.iter().filter(|e| !routine(e) && keep(e)).count();
    let kind = most_common(events, "msg");
    let node = most_common(events, "node");
    let next = |ev: &str, after: usize| {
        (after + 1..events.len()).find(|&k| events[k]["ev"] == ev && !routine(&events[k]))
    };
    let next_view = next("view_entered", 0);
    let next_reject = next("reject", next_view.unwrap_or(0));
    let next_violation = next("violation", next_reject.or(next_view).unwrap_or(0));
    Expected {
        total: events.len(),
        shown: count(&|_| true),
        routine: events.iter().filter(|e| routine(e)).count(),
        without_kind: count(&|e| e["msg"] != kind.as_str()),
        without_node: count(&|e| e["node"] != node.as_str()),
        next_view,
        next_reject,
        next_violation,
        kind,
        node,
    }
}

/// The most frequent string value of `field` among the events (the first by name on a tie).
fn most_common(events: &[Value], field: &str) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for value in events.iter().filter_map(|e| e[field].as_str()) {
        *counts.entry(value).or_default() += 1;
    }
    let most = counts.values().copied().max().unwrap_or(0);
    counts
        .into_iter()
        .find(|&(_, c)| c == most)
        .map(|(v, _)| v.to_string())
        .unwrap_or_else(|| panic!("no event has a {field}"))
}

/// The harness page: loads `trace.html` in an iframe, drives it, writes a JSON report into
/// `<pre id="results">`.
fn harness(kind: &str, node: &str) -> String {
    format!(
        r##"<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<pre id="results">pending</pre>
<iframe id="page" src="trace.html" style="width:1400px;height:900px"></iframe>
<script>
"use strict";
const out = {{ errors: [] }};
const frame = document.getElementById("page");
frame.addEventListener("load", () => {{
  try {{
    const w = frame.contentWindow, d = w.document;
    w.addEventListener("error", (e) => out.errors.push("error: " + e.message));
    w.console.error = (...a) => out.errors.push("console.error: " + a.join(" "));
    w.console.warn = (...a) => out.errors.push("console.warn: " + a.join(" "));
    const shown = () => Number(d.getElementById("shown-count").dataset.shown);
    const details = d.getElementById("details");
    out.ready = d.body.dataset.ready === "true";
    out.initial = shown();
    out.count_text = d.getElementById("shown-count").textContent;
    out.trial_text = d.querySelector(".trial-box").textContent;
    out.list_rows = d.querySelectorAll("#list-rows .row").length;
    const kindBox = d.querySelector('input[data-filter="msg"][value="{kind}"]');
    kindBox.click();
    out.kind_checked = kindBox.checked;
    out.without_kind = shown();
    kindBox.click();
    out.restored = shown();
    const nodeBox = d.querySelector('input[data-filter="node"][value="{node}"]');
    nodeBox.click();
    out.without_node = shown();
    nodeBox.click();
    const ppBox = d.querySelector('input[data-filter="msg"][value="pre-prepare"]');
    out.pre_prepare_swatch = ppBox ? ppBox.parentElement.querySelector(".swatch").style.background : null;
    const routine = d.getElementById("hide-routine");
    if (routine) {{ routine.click(); out.with_routine = shown(); routine.click(); out.routine_again = shown(); }}
    const row = d.querySelector('#list-rows .row[data-i="0"]');
    row.children[3].click();
    out.clicked_i = details.dataset.i;
    out.clicked_fields = [...details.querySelectorAll("tr")].map((tr) => tr.children[0].textContent);
    out.row_selected = d.querySelector('#list-rows .row[data-i="0"]').classList.contains("selected");
    const selectedEv = () => [...details.querySelectorAll("tr")].filter((tr) => tr.children[0].textContent === "ev").map((tr) => tr.children[1].textContent)[0];
    d.getElementById("next-view").click();
    out.view_i = details.dataset.i;
    out.view_ev = selectedEv();
    d.getElementById("next-reject").click();
    out.reject_i = details.dataset.i;
    out.reject_ev = selectedEv();
    out.window_reject = d.getElementById("window-label").textContent;
    d.getElementById("next-violation").click();
    out.violation_i = details.dataset.i;
    d.getElementById("fit").click();
    out.window_fit = d.getElementById("window-label").textContent;
    d.getElementById("zoom-in").click();
    out.window_zoomed = d.getElementById("window-label").textContent;
  }} catch (e) {{
    out.errors.push("harness: " + e);
  }}
  document.getElementById("results").textContent = "RESULTS " + JSON.stringify(out) + " END";
}});
</script></body></html>
"##
    )
}

/// Opens `dir/harness.html` (next to `dir/trace.html`) in headless chromium; returns the
/// harness's report and chromium's `CONSOLE` log lines.
fn run_trace_harness(dir: &Path, kind: &str, node: &str) -> (Value, Vec<String>) {
    run_harness(dir, "harness.html", &harness(kind, node), "1500,1000")
}

/// Drives `dir/trace.html`, checks everything the module header lists, returns what the
/// harness saw.
fn check_page(dir: &Path) -> Value {
    let page = std::fs::read_to_string(dir.join("trace.html")).expect("trace.html is written");
    let data = embedded_data(&page);
    let events = embedded_events(&page);
    let routine = data["routine_rejections"]
        .as_array()
        .expect("the routine rejection reasons")
        .clone();
    let want = expected(&events, &routine);
    assert!(want.total > 0, "the trace has events");
    assert!(
        want.without_kind < want.total && want.without_node < want.total,
        "the trace has {} and {} events, so the filters are tested",
        want.kind,
        want.node
    );
    let (got, console) = run_trace_harness(dir, &want.kind, &want.node);
    let number = |key: &str| got[key].as_u64().map(|n| n as usize);
    assert_eq!(
        got["errors"],
        Value::Array(vec![]),
        "errors in the page: {got}"
    );
    assert!(console.is_empty(), "console output: {console:#?}");
    assert_eq!(
        got["ready"], true,
        "the page did not finish building: {got}"
    );
    assert_eq!(number("initial"), Some(want.shown), "{got}");
    let hidden = if want.routine > 0 {
        format!(" · {} routine rejections hidden", want.routine)
    } else {
        String::new()
    };
    assert_eq!(
        got["count_text"],
        format!("{} of {} events{hidden}", want.shown, want.total)
    );
    if want.routine > 0 {
        assert_eq!(number("with_routine"), Some(want.total), "{got}");
        assert_eq!(number("routine_again"), Some(want.shown), "{got}");
    }
    if events.iter().any(|e| e["msg"] == "pre-prepare") {
        assert_eq!(
            got["pre_prepare_swatch"], "rgb(31, 119, 180)",
            "the chart's pre-prepare blue: {got}"
        );
    }
    assert!(
        number("list_rows").is_some_and(|n| n > 0 && n < 60),
        "the list is virtualised: {got}"
    );
    assert_eq!(got["kind_checked"], false);
    assert_eq!(
        number("without_kind"),
        Some(want.without_kind),
        "unticking {}: {got}",
        want.kind
    );
    assert_eq!(number("restored"), Some(want.shown), "{got}");
    assert_eq!(
        number("without_node"),
        Some(want.without_node),
        "unticking {}: {got}",
        want.node
    );
    assert_eq!(got["clicked_i"], "0", "clicking row 0 shows event 0: {got}");
    let mut fields: Vec<&str> = got["clicked_fields"]
        .as_array()
        .expect("the fields shown")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let keys: Vec<&str> = events[0]
        .as_object()
        .expect("an event is an object")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable(); // serde_json's map is sorted by key; the page keeps JSON order
    assert_eq!(fields, keys, "the details show event 0's fields");
    assert_eq!(got["row_selected"], true);
    // Each jump selects the next event of its kind, or keeps the selection when there is none.
    let view = want.next_view.unwrap_or(0);
    assert_eq!(got["view_i"], view.to_string(), "next view change: {got}");
    if want.next_view.is_some() {
        assert_eq!(got["view_ev"], "view_entered");
    }
    let reject = want.next_reject.unwrap_or(view);
    assert_eq!(got["reject_i"], reject.to_string(), "next rejection: {got}");
    if want.next_reject.is_some() {
        assert_eq!(got["reject_ev"], "reject");
    }
    // The jump's window stays within the trace: "window A – B ms" with A >= 0.
    let window = got["window_reject"].as_str().unwrap_or_default();
    let start: f64 = window
        .trim_start_matches("window ")
        .split(' ')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("a window label: {window:?}"));
    assert!(start >= 0.0, "the window starts before 0: {window:?}");
    let violation = want.next_violation.unwrap_or(reject);
    assert_eq!(
        got["violation_i"],
        violation.to_string(),
        "next violation: {got}"
    );
    assert_ne!(
        got["window_fit"], got["window_zoomed"],
        "zooming changes the window: {got}"
    );
    got
}

#[test]
fn the_trace_page_works_in_headless_chromium() {
    if !chromium_present("trace_viewer_browser") {
        return;
    }
    let scratch = Scratch::new("trace-viewer");
    let out = scratch.path("trace");
    let run = pbft_sim(["trace", SCENARIO, "--out", &out.display().to_string()]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let jsonl = std::fs::read_to_string(out.join("trace.jsonl")).expect("trace.jsonl is written");
    let page = std::fs::read_to_string(out.join("trace.html")).expect("trace.html is written");
    let events = embedded_events(&page);
    assert_eq!(
        events.len() + 1,
        jsonl.lines().count(),
        "the page holds every event of trace.jsonl"
    );
    assert!(
        events.iter().any(|e| e["ev"] == "view_entered"),
        "the trace has a view change, so the jump is tested"
    );
    let seed = header_seed(&jsonl);
    let shown = check_page(&out);
    let trial_box = shown["trial_text"].as_str().unwrap_or_default();
    assert!(
        trial_box.contains(&format!("seed {seed}")),
        "the trial box shows the seed {seed} exactly: {trial_box:?}"
    );
}

/// The trial's seed as the trace's header line gives it (exact: a JSON integer of up to 20
/// digits).
fn header_seed(jsonl: &str) -> String {
    let header = jsonl.lines().next().expect("a header line");
    let at = header.find(r#""seed":"#).expect("the header has the seed") + r#""seed":"#.len();
    header[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}
