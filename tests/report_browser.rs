//! The HTML reports in a real browser: `pbft-sim run` (with `--trace-failures`) on a small
//! sweep that crosses f, and `pbft-sim suite` on a folder of two valid scenarios (one within
//! f only, one beyond f too) and one invalid file; headless Debian `chromium` then opens a
//! harness page from a `file://` URL that loads each `index.html` in an iframe and writes what
//! it found into its own DOM, which `--dump-dom` prints.
//!
//! Checked on both pages: every `<img>` loaded (complete, natural width above 0), every
//! relative link leads to a file that exists, and nothing reached the console (chromium's
//! `CONSOLE` lines on stderr, which carry content-security-policy refusals, and the harness's
//! hooks). On the run's page: the description shown as written (it holds `<`, `&` and
//! quotes), the headline's trials and within-f / beyond-f rates as `trials.csv` gives them, one
//! summary row per point with the sweep axis first, its intervals one column each and the
//! whole table in sight at 1400 px (no sideways scrolling), the link to the traced trial, the
//! scenario as run. On the suite's page: one row per valid scenario with the rates of
//! `index.csv` (`-` for a class without trials), only within-f rates below 100 % and safety
//! violations shaded (never a rate beyond f), a thumbnail per row at least 320 px wide linking
//! its PNG, no sideways scrolling, and the invalid file with its error.
//!
//! Without `chromium` on the PATH the test fails when the `CI` variable is set (`.ci/run`
//! installs it) and is skipped with a notice otherwise.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::path::Path;

use serde_json::Value;

use common::chromium::{chromium_present, run_harness};
use common::{pbft_sim, Scratch};

/// n = 4 (f = 1), 0..=2 SeedAdversary replicas: points within and beyond f. Its description
/// holds markup characters, to be shown as text.
const CROSSING: &str = r#"Scenario(
    name: "crossing",
    description: "n = 4 & 0..=2 <byzantine> \"seed\" replicas",
    seed: 5,
    trials: 3,
    replicas: 4,
    workload: (clients: 1, requests: 2),
    network: (delay: Uniform(min_ms: 5.0, max_ms: 20.0)),
    byzantine: [(count: 0, placement: Random, behaviour: SeedAdversary)],
    time_limit_ms: 2000.0,
    sweep: [(path: "byzantine[0].count", values: Range(from: 0, to: 2))],
)
"#;

/// n = 4, no faults: every trial within f.
const CALM: &str = r#"Scenario(
    name: "calm",
    description: "n = 4, no faults",
    seed: 2,
    trials: 2,
    replicas: 4,
    workload: (clients: 1, requests: 3),
    network: (delay: Constant(ms: 10.0)),
    time_limit_ms: 2000.0,
)
"#;

/// Not a valid scenario: `replicas` is not a number.
const BROKEN: &str = r#"Scenario(
    name: "broken",
    replicas: "four",
)
"#;

/// The harness page: loads `index.html` in an iframe and reports its images, links, tables,
/// headline, lists and errors as JSON in `<pre id="results">`.
const HARNESS: &str = r##"<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<pre id="results">pending</pre>
<iframe id="page" src="index.html" style="width:1400px;height:900px"></iframe>
<script>
"use strict";
const out = { errors: [] };
window.addEventListener("error", (e) => out.errors.push("error: " + e.message));
const frame = document.getElementById("page");
frame.addEventListener("load", () => {
  try {
    const d = frame.contentWindow.document;
    const text = (el) => (el ? el.textContent : null);
    out.title = d.title;
    out.images = [...d.images].map((i) => ({ src: i.getAttribute("src"), complete: i.complete, width: i.naturalWidth }));
    out.links = [...d.querySelectorAll("a[href]")].map((a) => a.getAttribute("href"));
    const table = d.querySelector("table");
    out.headers = table ? [...table.rows[0].cells].map(text) : [];
    out.rows = table ? [...table.rows].slice(1).map((tr) => [...tr.cells].map(text)) : [];
    out.headline = Object.fromEntries([...d.querySelectorAll("dl.headline div")].map((b) => [text(b.querySelector("dt")), text(b.querySelector("dd"))]));
    out.description = text(d.querySelector("p.description"));
    out.invalid = [...d.querySelectorAll("ul.invalid li")].map(text);
    out.scenario = text(d.querySelector("pre.scenario"));
    out.scripts = d.scripts.length;
    const root = d.documentElement;
    out.pageOverflow = root.scrollWidth - root.clientWidth;
    out.tableHeaders = [...d.querySelectorAll("table")].map((t) => [...t.rows[0].cells].map(text));
    out.tableOverflow = [...d.querySelectorAll(".table-wrap")].map((w) => w.scrollWidth - w.clientWidth);
    out.shaded = table ? [...d.querySelectorAll("td.low")].map((td) => text(table.rows[0].cells[td.cellIndex])) : [];
    out.thumbnails = [...d.querySelectorAll("td.thumb img")].map((i) => ({ shown: i.getBoundingClientRect().width, link: i.closest("a") ? i.closest("a").getAttribute("href") : null }));
  } catch (e) {
    out.errors.push("harness: " + e);
  }
  document.getElementById("results").textContent = "RESULTS " + JSON.stringify(out) + " END";
});
</script></body></html>
"##;

/// Opens `dir/index.html` through the harness; checks what both pages must satisfy (images
/// loaded, links resolve, no errors, no script) and returns what the harness saw.
fn open_page(dir: &Path) -> Value {
    assert!(
        dir.join("index.html").is_file(),
        "{}/index.html",
        dir.display()
    );
    let (got, console) = run_harness(dir, "harness.html", HARNESS, "1400,1000");
    assert_eq!(got["errors"], Value::Array(vec![]), "errors: {got}");
    assert!(console.is_empty(), "console output: {console:#?}");
    assert_eq!(got["scripts"], 0, "the page has no script: {got}");
    let images = got["images"].as_array().expect("the images");
    assert!(!images.is_empty(), "the page shows images: {got}");
    for image in images {
        assert!(
            image["complete"] == true && image["width"].as_u64().is_some_and(|w| w > 0),
            "an image did not load: {image} in {}",
            dir.display()
        );
    }
    for link in got["links"].as_array().expect("the links") {
        let href = link.as_str().expect("an href");
        assert!(
            !href.contains(':') && !href.starts_with('/'),
            "a relative link: {href}"
        );
        let target = dir.join(href.split('#').next().unwrap_or(href));
        assert!(
            target.is_file(),
            "the link {href} leads to no file in {}",
            dir.display()
        );
    }
    got
}

/// The rows of a CSV file as maps from column to field (no field here holds a comma or a
/// quote).
fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

/// `s` unless `count` is 1.
fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// A rate in 0..=1 as the pages show it.
fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

#[test]
fn the_run_report_opens_in_headless_chromium() {
    if !chromium_present("report_browser") {
        return;
    }
    let scratch = Scratch::new("report-run");
    let file = scratch.write("crossing.ron", CROSSING);
    let out = scratch.path("out");
    let run = pbft_sim([
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
        "--trace-failures".as_ref(),
        "1".as_ref(),
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let got = open_page(&out);

    assert_eq!(
        got["description"], "n = 4 & 0..=2 <byzantine> \"seed\" replicas",
        "the description as text: {got}"
    );
    let images: Vec<&str> = got["images"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["src"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        images,
        ["success.png", "latency.png", "latency-cdf.png"],
        "{got}"
    );

    // The headline agrees with trials.csv.
    let trials = csv_rows(&out.join("trials.csv"));
    assert_eq!(got["headline"]["trials"], trials.len().to_string(), "{got}");
    let class = |within: bool| {
        let members: Vec<_> = trials
            .iter()
            .filter(|t| {
                let count = |c: &str| t[c].parse::<u32>().expect("a count");
                (count("byzantine") <= count("f")) == within
            })
            .collect();
        let ok = members.iter().filter(|t| t["success"] == "true").count();
        (members.len(), ok as f64 / members.len().max(1) as f64)
    };
    let ((within, within_rate), (beyond, beyond_rate)) = (class(true), class(false));
    assert!(within > 0 && beyond > 0, "the sweep crosses f");
    assert_eq!(
        got["headline"]["success within f"],
        format!(
            "{} of {within} trial{}",
            percent(within_rate),
            plural(within)
        ),
        "{got}"
    );
    assert_eq!(
        got["headline"]["success beyond f"],
        format!(
            "{} of {beyond} trial{}",
            percent(beyond_rate),
            plural(beyond)
        ),
        "{got}"
    );

    // The summary table: the axis first, one row per point, as summary.csv.
    let summary = csv_rows(&out.join("summary.csv"));
    assert_eq!(got["headers"][0], "byzantine[0].count", "{got}");
    assert_eq!(got["headers"][1], "point", "{got}");
    let rows = got["rows"].as_array().expect("the rows");
    assert_eq!(rows.len(), summary.len(), "one row per point: {got}");
    for (row, point) in rows.iter().zip(&summary) {
        assert_eq!(row[0], point["byzantine[0].count"].as_str(), "{got}");
        assert_eq!(row[1], point["point"].as_str(), "{got}");
    }

    // At 1400 px the summary table fits: no scrolling, in its box or in the page; every
    // interval is one column.
    assert_eq!(got["pageOverflow"], 0, "the page scrolls sideways: {got}");
    assert!(
        got["tableOverflow"]
            .as_array()
            .is_some_and(|t| !t.is_empty() && t.iter().all(|o| o == 0)),
        "the summary table scrolls sideways: {got}"
    );
    let tables: Vec<Vec<&str>> = got["tableHeaders"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|h| {
                    h.as_array()
                        .map(|h| h.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        tables.len(),
        2,
        "the statistics and the intervals: {tables:?}"
    );
    assert_eq!(
        tables[1][..3],
        ["byzantine[0].count", "point", "latency_samples"],
        "{tables:?}"
    );
    for interval in [
        "success_ci",
        "safety_ci",
        "latency_p50_ci_ms",
        "latency_p95_ci_ms",
    ] {
        assert!(tables[1].contains(&interval), "{interval}: {tables:?}");
    }
    assert!(
        !tables
            .concat()
            .iter()
            .any(|h| h.contains("ci_low") || h.contains("ci_high")),
        "{tables:?}"
    );

    // The point beyond f fails, as PBFT predicts: its rate is not shaded as a problem.
    assert_eq!(
        summary[2]["success_rate"], "0.0000",
        "crossing fails beyond f"
    );
    assert!(
        !got["shaded"]
            .as_array()
            .is_some_and(|s| s.iter().any(|h| h == "success_rate")),
        "a success rate beyond f is shaded: {got}"
    );

    // The traced trial is linked (open_page checked the file exists); the scenario as run.
    let links = got["links"].as_array().expect("the links");
    assert!(
        links.iter().any(|l| l
            .as_str()
            .is_some_and(|h| h.starts_with("traces/") && h.ends_with("/trace.html"))),
        "a link to the trace: {got}"
    );
    let ron = std::fs::read_to_string(out.join("scenario.ron")).expect("scenario.ron");
    assert_eq!(got["scenario"], ron.as_str(), "the scenario as run: {got}");
}

#[test]
fn the_suite_report_opens_in_headless_chromium() {
    if !chromium_present("report_browser") {
        return;
    }
    let scratch = Scratch::new("report-suite");
    scratch.write("crossing.ron", CROSSING);
    scratch.write("calm.ron", CALM);
    scratch.write("broken.ron", BROKEN);
    let out = scratch.path("out");
    let run = pbft_sim([
        "suite".as_ref(),
        scratch.root().as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(run.code(), Some(2), "a bad file: exit 2\n{}", run.show());
    let got = open_page(&out);

    let index = csv_rows(&out.join("index.csv"));
    let names: Vec<&str> = index.iter().map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["calm", "crossing"], "by file name");
    let rows = got["rows"].as_array().expect("the rows");
    assert_eq!(rows.len(), index.len(), "one row per scenario: {got}");
    let header: Vec<&str> = got["headers"]
        .as_array()
        .map(|h| h.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let cell = |row: &Value, name: &str| {
        let at = header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"));
        row[at].as_str().unwrap_or_default().to_string()
    };
    for (row, csv) in rows.iter().zip(&index) {
        assert!(cell(row, "scenario").starts_with(&csv["name"]), "{row}");
        assert_eq!(cell(row, "trials"), csv["trials"], "{row}");
        for (column, rate, trials) in [
            (
                "success within f",
                "success_rate_within_f",
                "trials_within_f",
            ),
            (
                "success beyond f",
                "success_rate_beyond_f",
                "trials_beyond_f",
            ),
        ] {
            let expected = match csv[rate].as_str() {
                "" => "-".to_string(),
                r => format!("{}of {}", percent(r.parse().expect("a rate")), csv[trials]),
            };
            assert_eq!(cell(row, column), expected, "{column}: {row}");
        }
    }
    assert_eq!(
        index[0]["success_rate_beyond_f"], "",
        "calm has no trial beyond f"
    );
    assert_ne!(
        index[1]["trials_beyond_f"], "0",
        "crossing has trials beyond f"
    );

    let thumbnails: Vec<&str> = got["images"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["src"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        thumbnails,
        ["calm/success.png", "crossing/success.png"],
        "{got}"
    );
    // Thumbnails large enough to read, each opening its chart at full size.
    let shown = got["thumbnails"].as_array().expect("the thumbnails");
    assert_eq!(shown.len(), 2, "{got}");
    for thumbnail in shown {
        assert!(
            thumbnail["shown"].as_f64().is_some_and(|w| w >= 320.0),
            "a thumbnail at least 320 px wide: {thumbnail}"
        );
        assert!(
            thumbnail["link"]
                .as_str()
                .is_some_and(|l| l.ends_with("/success.png")),
            "a thumbnail links its PNG: {thumbnail}"
        );
    }
    // Shaded: a within-f rate below 100 % and safety violations, never a rate beyond f
    // (crossing fails beyond f, as PBFT predicts).
    assert_ne!(
        index[1]["success_rate_beyond_f"], "1.0000",
        "crossing fails beyond f"
    );
    let shaded: Vec<&str> = got["shaded"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(
        !shaded.contains(&"success beyond f"),
        "a rate beyond f is shaded: {shaded:?}"
    );
    let within_shaded = index
        .iter()
        .filter(|r| {
            !r["success_rate_within_f"].is_empty() && r["success_rate_within_f"] != "1.0000"
        })
        .count();
    assert_eq!(
        shaded.iter().filter(|h| **h == "success within f").count(),
        within_shaded,
        "{shaded:?}"
    );
    assert_eq!(
        got["pageOverflow"], 0,
        "the suite page scrolls sideways: {got}"
    );
    let invalid = got["invalid"].as_array().expect("the invalid files");
    assert_eq!(invalid.len(), 1, "{got}");
    let message = invalid[0].as_str().unwrap_or_default();
    let reported = run.stderr.lines().next().unwrap_or_default();
    assert!(
        message.contains("broken.ron:3:") && reported == format!("error: {message}"),
        "the bad file with the error stderr gave: {message}\n{}",
        run.show()
    );
}
