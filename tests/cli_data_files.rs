//! The data files of a run, read as a user's script would: `requests.csv` holds one row per
//! request the clients were to issue and agrees with `trials.csv`; `summary.json` holds what
//! `summary.csv` holds; `trials.csv`'s `violation_details` says, for a split-brain coalition
//! beyond f, which property broke, at which sequence number, by which replicas, consistently
//! with the `violations` text (`docs/data.md`).

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::collections::BTreeMap;

use common::{pbft_sim, read_csv, Scratch};

/// n = 4 (f = 1), 2 clients x 3 requests; Silent replicas swept 0 and 2: at 2 (beyond f)
/// nothing completes, so requests stay unaccepted and later ones are never sent.
const SILENT: &str = r#"Scenario(
    name: "data-files",
    seed: 3,
    trials: 3,
    replicas: 4,
    workload: (clients: 2, requests: 3),
    network: (delay: Uniform(min_ms: 2.0, max_ms: 12.0), drop: 0.02),
    byzantine: [(count: 0, placement: Backups, behaviour: Silent)],
    time_limit_ms: 3000.0,
    sweep: [(path: "byzantine[0].count", values: Values([0, 2]))],
)
"#;

/// n = 4 (f = 1), a SplitBrain coalition of 2 = 2q - n members with the primary: agreement
/// breaks in every trial.
const SPLIT_BRAIN: &str = r#"Scenario(
    name: "split-data",
    seed: 23,
    trials: 4,
    replicas: 4,
    workload: (clients: 2, requests: 3),
    network: (delay: Uniform(min_ms: 1.0, max_ms: 20.0)),
    byzantine: [(count: 2, placement: Primary, behaviour: SplitBrain)],
    time_limit_ms: 20000.0,
)
"#;

/// Runs `text` into a fresh folder and returns it.
fn run(scratch: &Scratch, text: &str) -> std::path::PathBuf {
    let file = scratch.write("scenario.ron", text);
    let out = scratch.path("out");
    let run = pbft_sim([
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    out
}

fn number(text: &str, what: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|e| panic!("{what}: `{text}` is not a number: {e}"))
}

#[test]
fn requests_csv_has_a_row_per_request_that_agrees_with_trials_csv() {
    let scratch = Scratch::new("data-requests");
    let out = run(&scratch, SILENT);
    let (header, requests) = read_csv(&out.join("requests.csv"));
    assert_eq!(
        header,
        [
            "point",
            "trial",
            "client",
            "timestamp",
            "sent",
            "accepted",
            "latency"
        ]
    );
    let (_, trials) = read_csv(&out.join("trials.csv"));
    let mut by_trial: BTreeMap<(String, String), Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for r in &requests {
        by_trial
            .entry((r["point"].clone(), r["trial"].clone()))
            .or_default()
            .push(r);
    }
    assert_eq!(by_trial.len(), trials.len(), "every trial has its requests");
    let (mut unsent, mut unaccepted) = (0, 0);
    for t in &trials {
        let key = (t["point"].clone(), t["trial"].clone());
        let rows = &by_trial[&key];
        // Only the requests sent have rows: never more than the trial was to issue, the
        // rest never sent because the trial ended first.
        let requests: usize = t["requests"].parse().expect("a count");
        assert!(rows.len() <= requests, "rows of trial {key:?}");
        unsent += requests - rows.len();
        // (client, timestamp) order, each client's timestamps 1, 2, ... without gaps.
        let ids: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r["client"].clone(), r["timestamp"].clone()))
            .collect();
        let want: Vec<(String, String)> = (0..2)
            .flat_map(|c| {
                let sent = rows.iter().filter(|r| r["client"] == c.to_string()).count();
                (1..=sent).map(move |ts| (c.to_string(), ts.to_string()))
            })
            .collect();
        assert_eq!(ids, want, "trial {key:?}");
        let mut latencies = Vec::new();
        for r in rows {
            assert!(!r["sent"].is_empty(), "a row is a request sent: {r:?}");
            if r["accepted"].is_empty() {
                unaccepted += 1;
                assert!(r["latency"].is_empty(), "{r:?}");
                continue;
            }
            let (sent, accepted) = (
                number(&r["sent"], "sent"),
                number(&r["accepted"], "accepted"),
            );
            let latency = number(&r["latency"], "latency");
            assert!(
                (accepted - sent - latency).abs() <= 0.0015 && latency > 0.0,
                "latency = accepted - sent: {r:?}"
            );
            latencies.push(latency);
        }
        assert_eq!(latencies.len().to_string(), t["completed"], "trial {key:?}");
        if !latencies.is_empty() {
            let mean = latencies.iter().sum::<f64>() / latencies.len() as f64;
            let want = number(&t["latency_ms"], "latency_ms");
            assert!(
                (mean - want).abs() <= 0.001,
                "trial {key:?}: mean {mean} vs {want}"
            );
        }
    }
    assert!(
        unsent > 0 && unaccepted > 0,
        "the beyond-f point leaves requests unaccepted ({unaccepted}) and unsent ({unsent})"
    );
}

#[test]
fn summary_json_holds_what_summary_csv_holds() {
    let scratch = Scratch::new("data-summary");
    let out = run(&scratch, SILENT);
    let (header, rows) = read_csv(&out.join("summary.csv"));
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("summary.json is JSON");
    assert_eq!(json["scenario"], "data-files");
    assert_eq!(json["axes"], serde_json::json!(["byzantine[0].count"]));
    let objects = json["rows"].as_array().expect("rows");
    assert_eq!(objects.len(), rows.len());
    for (object, row) in objects.iter().zip(&rows) {
        let object = object.as_object().expect("a row object");
        let keys: Vec<&String> = object.keys().collect();
        let mut columns: Vec<&String> = header.iter().collect();
        columns.sort();
        assert_eq!(keys, columns, "the same columns");
        for column in &header {
            let (field, value) = (&row[column], &object[column]);
            if field.is_empty() {
                assert!(
                    value.is_null(),
                    "{column}: empty in the CSV, {value} in JSON"
                );
            } else {
                let got = value
                    .as_f64()
                    .unwrap_or_else(|| panic!("{column}: {value} is not a number"));
                assert_eq!(got, number(field, column), "{column}");
            }
        }
    }
    // Key order follows the CSV's columns.
    let first_keys: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("\"rows\""))
        .skip(1)
        .filter_map(|l| l.trim().strip_prefix('"').and_then(|l| l.split('"').next()))
        .take(header.len())
        .collect();
    assert_eq!(first_keys, header, "{text}");
    // A latency of a point where nothing completed is null, not 0.
    assert!(
        objects.iter().any(|o| o["latency_mean_ms"].is_null()),
        "{text}"
    );
}

/// One `violation_details` entry: kind, then key -> value.
fn parse_detail(entry: &str) -> (String, BTreeMap<String, String>) {
    let mut parts = entry.split(':');
    let kind = parts.next().expect("a kind").to_string();
    let fields = parts
        .map(|p| {
            let (k, v) = p
                .split_once('=')
                .unwrap_or_else(|| panic!("`{p}` in `{entry}` is not key=value"));
            (k.to_string(), v.to_string())
        })
        .collect();
    (kind, fields)
}

#[test]
fn violation_details_name_kind_seq_and_replicas_beyond_f() {
    let scratch = Scratch::new("data-violations");
    let out = run(&scratch, SPLIT_BRAIN);
    let (header, trials) = read_csv(&out.join("trials.csv"));
    assert_eq!(header.last().map(String::as_str), Some("violation_details"));
    let mut agreements = 0;
    for t in &trials {
        let (text, details) = (&t["violations"], &t["violation_details"]);
        assert_eq!(text.is_empty(), details.is_empty(), "{t:?}");
        if text.is_empty() {
            continue;
        }
        // The text cannot be split reliably (a description may hold "; "): each entry's
        // description is found from its kind and time, in order.
        let entries: Vec<&str> = details.split(';').collect();
        let starts: Vec<usize> = entries
            .iter()
            .map(|entry| {
                let (kind, fields) = parse_detail(entry);
                let head = format!("{kind} at {} ms: ", fields["at_ms"]);
                text.find(&head)
                    .unwrap_or_else(|| panic!("`{entry}` has no description in `{text}`"))
            })
            .collect();
        assert_eq!(starts.first(), Some(&0), "{t:?}");
        assert!(starts.windows(2).all(|w| w[0] < w[1]), "in order: {t:?}");
        for (i, entry) in entries.iter().enumerate() {
            let end = starts.get(i + 1).map_or(text.len(), |next| next - 2);
            let description = &text[starts[i]..end];
            let (kind, fields) = parse_detail(entry);
            assert!(
                ["agreement", "validity", "integrity", "state"].contains(&kind.as_str()),
                "{entry}"
            );
            let replicas: Vec<u32> = fields["replicas"]
                .split('+')
                .map(|r| r.parse().unwrap_or_else(|e| panic!("{entry}: {e}")))
                .collect();
            assert!(
                replicas.windows(2).all(|w| w[0] < w[1]),
                "ascending: {entry}"
            );
            if kind == "agreement" {
                agreements += 1;
                let seq = &fields["seq"];
                assert!(
                    description.contains(&format!("at sequence number {seq},")),
                    "`{entry}` vs `{description}`"
                );
                assert_eq!(replicas.len(), 2, "{entry}");
                for r in &replicas {
                    assert!(description.contains(&format!("replica {r} ")), "{entry}");
                }
            }
        }
    }
    assert!(agreements > 0, "the coalition beyond f breaks agreement");
}
