//! `pbft-sim trace` and `run --trace-failures` (docs/trace.md): the trial row a trace writes is
//! the row a normal run writes, for every trial of catalogue scenarios with faults; the trace is
//! the same whether the actix engine (by lookahead epochs) or the reference driver (one event at
//! a time) produced it; `trace.jsonl` follows its schema; the window and filters keep only what
//! they say; bad arguments are one-line errors; `--trace-failures` gives the same files at any
//! thread count; and the fault counters show a fault that never fired as zeros.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{pbft_sim, Scratch};
use pbft_sim::sim::trace::{TraceEvent, TraceSink, TraceTrial, EVENT_KINDS};

/// The rows of a CSV file, by (point, trial), each as its full line.
fn rows_by_trial(path: &Path) -> (String, BTreeMap<(usize, usize), String>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().to_string();
    let rows = lines
        .map(|line| {
            let mut fields = line.split(',');
            let point = fields
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(usize::MAX);
            let trial = fields
                .next()
                .and_then(|t| t.parse().ok())
                .unwrap_or(usize::MAX);
            ((point, trial), line.to_string())
        })
        .collect();
    (header, rows)
}

/// For every trial of each scenario: `trace`'s trial.csv is the header and the row of that
/// trial in `run`'s trials.csv, byte for byte.
#[test]
fn the_row_a_trace_writes_is_the_row_of_the_run_for_every_trial() {
    let scratch = Scratch::new("trace-rows");
    // Loss and bursts, partitions, crashes with recovery, byzantine behaviours of every kind,
    // an equivocating primary with view changes.
    let scenarios = [
        "loss-burst",
        "partition-heals",
        "crash-recover",
        "byzantine-zoo",
        "equivocating-primary",
    ];
    let mut traced = 0;
    for name in scenarios {
        let file = format!("scenarios/{name}.ron");
        let out = scratch.path(name);
        let run = pbft_sim(["run", &file, "--quiet", "--out", &out.to_string_lossy()]);
        assert_eq!(run.code(), Some(0), "{}", run.show());
        let (header, rows) = rows_by_trial(&out.join("trials.csv"));
        assert!(header.contains("dropped_loss"), "{header}");
        for ((point, trial), row) in &rows {
            let dir = scratch.path(&format!("{name}-{point}-{trial}"));
            let t = pbft_sim([
                "trace",
                &file,
                "--point",
                &point.to_string(),
                "--trial",
                &trial.to_string(),
                "--out",
                &dir.to_string_lossy(),
            ]);
            assert_eq!(t.code(), Some(0), "{}", t.show());
            let (h, traced_rows) = rows_by_trial(&dir.join("trial.csv"));
            assert_eq!(h, header, "{name}: the same columns");
            assert_eq!(
                traced_rows.get(&(*point, *trial)),
                Some(row),
                "{name} point {point} trial {trial}"
            );
            assert_eq!(traced_rows.len(), 1);
            traced += 1;
        }
    }
    assert_eq!(
        traced,
        32 + 32 + 24 + 50 + 30,
        "every trial of the five scenarios"
    );
}

/// Collects a trace's events, serialized.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<String>>>);

impl TraceSink for Collect {
    fn start(&mut self, trial: &TraceTrial) {
        let line = serde_json::to_string(trial).unwrap_or_default();
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }

    fn event(&mut self, event: TraceEvent) {
        let line = serde_json::to_string(&event).unwrap_or_default();
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }
}

/// The actix engine hands events over by lookahead epochs and gives back what it cannot apply
/// yet; the reference driver delivers one at a time. Their traces must be identical, event for
/// event, and so must their outcomes.
#[test]
fn the_trace_is_the_same_whatever_drives_the_trial() {
    let mut compared = 0;
    for name in [
        "loss-burst",
        "crash-recover",
        "byzantine-zoo",
        "partition-heals",
        "checkpoint-gc",
    ] {
        let file = format!("scenarios/{name}.ron");
        let plan =
            pbft_sim::scenario::load(Path::new(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        for point in &plan.points {
            for trial in 0..2 {
                let seed = pbft_sim::sim::trial_seed(point.scenario.seed, point.index, trial);
                let spec = pbft_sim::scenario::trial_spec(&point.scenario, seed);
                let (a, b) = (Collect::default(), Collect::default());
                let actix = actix::System::new()
                    .block_on(pbft_sim::sim::run_trial_traced(&spec, Box::new(a.clone())))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let reference =
                    pbft_sim::sim::run_trial_reference_traced(&spec, Box::new(b.clone()))
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    actix, reference,
                    "{name} point {} trial {trial}",
                    point.index
                );
                let (a, b) = (a.0.lock().map(|v| v.clone()), b.0.lock().map(|v| v.clone()));
                let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
                assert!(a.len() > 10, "{name}: a trace of {} lines", a.len());
                if let Some(i) = (0..a.len().min(b.len())).find(|&i| a[i] != b[i]) {
                    panic!(
                        "{name} point {} trial {trial}: line {i} differs:\n  actix:     {}\n  reference: {}",
                        point.index, a[i], b[i]
                    );
                }
                assert_eq!(a.len(), b.len(), "{name}");
                // The trial was not run any differently for being traced.
                let plain = pbft_sim::sim::run_trial_reference(&spec)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(plain, reference, "{name}: tracing changed the outcome");
                compared += 1;
            }
        }
    }
    assert!(compared >= 30, "{compared} trials compared");
}

fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{} line {}: {e}: {line}", path.display(), i + 1))
        })
        .collect()
}

/// Line 1 is the header with the schema version; every other line is one event with an index
/// counting up from 0, a time that never goes back, a known kind, and a node that exists.
#[test]
fn trace_jsonl_follows_its_schema() {
    let scratch = Scratch::new("trace-schema");
    let out = scratch.path("t");
    // Point 2 of crash-recover: a replica crashes and recovers; loss and state transfer.
    let run = pbft_sim([
        "trace",
        "scenarios/crash-recover.ron",
        "--point",
        "2",
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let lines = json_lines(&out.join("trace.jsonl"));
    let header = &lines[0];
    assert_eq!(header["version"], 1, "{header}");
    assert_eq!(header["scenario"], "crash-recover");
    assert_eq!(header["point"], 2);
    let nodes: Vec<String> = header["nodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n["node"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        nodes.len() as u64,
        header["n"].as_u64().unwrap_or(0) + header["clients"].as_u64().unwrap_or(0)
    );
    let mut kinds = BTreeMap::<String, usize>::new();
    let mut last_t = 0;
    for (i, event) in lines[1..].iter().enumerate() {
        assert_eq!(event["i"], i as u64, "{event}");
        let t = event["t_ns"].as_u64().unwrap_or(u64::MAX);
        assert!(t >= last_t, "time went back at {event}");
        last_t = t;
        let ev = event["ev"].as_str().unwrap_or_default();
        assert!(EVENT_KINDS.contains(&ev), "{event}");
        for field in ["node", "to", "from"] {
            if let Some(node) = event[field].as_str() {
                assert!(nodes.iter().any(|n| n == node), "{field} of {event}");
            }
        }
        *kinds.entry(ev.to_string()).or_default() += 1;
    }
    for kind in [
        "send",
        "deliver",
        "timer_set",
        "timer_fire",
        "crash",
        "recover",
        "pre_prepared",
        "prepared",
        "committed",
        "executed",
        "checkpoint_stable",
        "accepted",
        "request_issued",
    ] {
        assert!(kinds.contains_key(kind), "no {kind} in {kinds:?}");
    }
    // What the row counts, the trace shows.
    let (header_line, rows) = rows_by_trial(&out.join("trial.csv"));
    let row = rows.get(&(2, 0)).cloned().unwrap_or_default();
    let column = |name: &str| -> u64 {
        let index = header_line
            .split(',')
            .position(|c| c == name)
            .unwrap_or(usize::MAX);
        row.split(',')
            .nth(index)
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::MAX)
    };
    let crash_drops = lines[1..]
        .iter()
        .filter(|e| e["ev"] == "drop" && e["cause"] == "crash")
        .count() as u64;
    assert!(crash_drops > 0);
    assert_eq!(column("dropped_crash"), crash_drops);
    let sends = lines[1..].iter().filter(|e| e["ev"] == "send").count() as u64;
    assert_eq!(
        column("messages"),
        sends,
        "one send event per message counted"
    );
}

/// `--from`, `--until`, `--only` and `--nodes` keep only what they say; the row is still the
/// whole trial's.
#[test]
fn the_window_and_filters_keep_only_what_they_say() {
    let scratch = Scratch::new("trace-filter");
    let all = scratch.path("all");
    let some = scratch.path("some");
    let file = "scenarios/equivocating-primary.ron";
    let run = pbft_sim([
        "trace",
        file,
        "--point",
        "1",
        "--out",
        &all.to_string_lossy(),
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let run = pbft_sim([
        "trace",
        file,
        "--point",
        "1",
        "--out",
        &some.to_string_lossy(),
        "--from",
        "10",
        "--until",
        "200",
        "--only",
        "prepare,view_entered,reject",
        "--nodes",
        "r1,c0",
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let all_lines = json_lines(&all.join("trace.jsonl"));
    let some_lines = json_lines(&some.join("trace.jsonl"));
    let keeps = |e: &serde_json::Value| {
        let t = e["t_ms"].as_f64().unwrap_or(-1.0);
        let kind_ok = ["view_entered", "reject"].contains(&e["ev"].as_str().unwrap_or(""))
            || e["msg"] == "prepare";
        let node_ok = e.get("node").is_none()
            || ["node", "to", "from"]
                .iter()
                .any(|f| e[*f] == "r1" || e[*f] == "c0");
        (10.0..200.0).contains(&t) && kind_ok && node_ok
    };
    let expected: Vec<&serde_json::Value> = all_lines[1..].iter().filter(|e| keeps(e)).collect();
    assert!(
        expected.len() > 5,
        "the filter keeps something: {}",
        expected.len()
    );
    assert!(expected.len() < all_lines.len() / 2, "and leaves much out");
    let kept: Vec<&serde_json::Value> = some_lines[1..].iter().collect();
    assert_eq!(
        kept, expected,
        "exactly the events the filters describe, indices kept"
    );
    assert_eq!(some_lines[0]["window"]["from_ms"], 10.0);
    assert_eq!(
        std::fs::read(all.join("trial.csv")).ok(),
        std::fs::read(some.join("trial.csv")).ok(),
        "the row is the whole trial's"
    );
}

/// Bad arguments: one line naming the flag and what is allowed, exit 2, nothing written.
#[test]
fn bad_trace_arguments_are_one_line_errors() {
    let scratch = Scratch::new("trace-bad");
    let cases: [(&[&str], &str); 8] = [
        (
            &["--point", "10"],
            "--point 10: the scenario has points 0..=9",
        ),
        (&["--trial", "6"], "--trial 6: each point has trials 0..=5"),
        (
            &["--only", "prepare,bogus"],
            "--only \"bogus\": not an event or message kind",
        ),
        (
            &["--nodes", "r10"],
            "--nodes \"r10\": not a node of this trial",
        ),
        (&["--nodes", "x"], "--nodes \"x\""),
        (
            &["--from", "50", "--until", "10"],
            "--from 50 --until 10: --from must be before",
        ),
        (&["--from", "-5"], "--from -5: must be 0 or later"),
        (
            &["--only", "pre_prepare"],
            "did you mean one of pre_prepared, pre-prepare?",
        ),
    ];
    for (i, (args, message)) in cases.iter().enumerate() {
        let out = scratch.path(&format!("out{i}"));
        let mut all = vec!["trace", "scenarios/seed.ron", "--out"];
        let out_text = out.to_string_lossy().to_string();
        all.push(&out_text);
        all.extend_from_slice(args);
        let run = pbft_sim(all);
        assert_eq!(run.code(), Some(2), "{}", run.show());
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.show());
        assert!(run.stderr.contains(message), "{}", run.show());
        assert!(
            !out.join("trace.jsonl").exists(),
            "nothing written: {}",
            run.show()
        );
    }
}

/// `run --trace-failures N` traces the first N unsuccessful or unsafe trials in (point, trial)
/// order, with the same files at one thread and two.
#[test]
fn trace_failures_are_the_first_n_failed_trials_whatever_the_threads() {
    let scratch = Scratch::new("trace-failures");
    let mut trees = Vec::new();
    for threads in ["1", "2"] {
        let out = scratch.path(&format!("t{threads}"));
        let run = pbft_sim([
            "run",
            "scenarios/seed-no-view-change.ron",
            "--quiet",
            "--threads",
            threads,
            "--trace-failures",
            "3",
            "--out",
            &out.to_string_lossy(),
        ]);
        assert_eq!(run.code(), Some(0), "{}", run.show());
        assert!(
            run.stdout
                .contains("traced 3 unsuccessful or unsafe trials"),
            "{}",
            run.show()
        );
        let (_, rows) = rows_by_trial(&out.join("trials.csv"));
        let failed: Vec<(usize, usize)> = rows
            .iter()
            .filter(|(_, row)| {
                row.split(',').nth(7) != Some("true") || row.split(',').nth(8) != Some("true")
            })
            .map(|(key, _)| *key)
            .take(3)
            .collect();
        let mut dirs: Vec<String> = std::fs::read_dir(out.join("traces"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        dirs.sort();
        let mut want: Vec<String> = failed
            .iter()
            .map(|(p, t)| format!("trace-{p}-{t}"))
            .collect();
        want.sort();
        assert_eq!(dirs, want);
        let mut files = BTreeMap::new();
        for dir in &dirs {
            for name in ["trace.jsonl", "trial.csv"] {
                let path = out.join("traces").join(dir).join(name);
                files.insert(
                    format!("{dir}/{name}"),
                    std::fs::read(&path).unwrap_or_default(),
                );
            }
        }
        trees.push(files);
    }
    assert_eq!(trees[0], trees[1], "the same traces at 1 and 2 threads");
}

/// A fault that never fires is visible as such: a partition over before the first message
/// drops nothing; the same partition while the protocol runs drops messages.
#[test]
fn a_fault_that_never_fired_shows_as_zero() {
    let scratch = Scratch::new("trace-false-green");
    let scenario = |from: f64, until: f64| {
        format!(
            r#"Scenario(
                name: "partition-{from}",
                trials: 2,
                replicas: 4,
                workload: (clients: 1, requests: 5),
                network: (delay: Constant(ms: 5.0), drop: 0.02),
                faults: [Partition(groups: [[0, 1], [2, 3]], from_ms: {from}, until_ms: {until})],
            )"#
        )
    };
    let column = |dir: &Path, name: &str| -> Vec<u64> {
        let (header, rows) = rows_by_trial(&dir.join("trials.csv"));
        let index = header
            .split(',')
            .position(|c| c == name)
            .unwrap_or(usize::MAX);
        rows.values()
            .map(|row| {
                row.split(',')
                    .nth(index)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(u64::MAX)
            })
            .collect()
    };
    let early = scratch.write("early.ron", &scenario(0.0, 0.001));
    let during = scratch.write("during.ron", &scenario(1.0, 60.0));
    for (file, fires) in [(early, false), (during, true)] {
        let out = scratch.path(&format!("out-{fires}"));
        let run = pbft_sim([
            "run",
            &file.to_string_lossy(),
            "--quiet",
            "--out",
            &out.to_string_lossy(),
        ]);
        assert_eq!(run.code(), Some(0), "{}", run.show());
        let cut = column(&out, "dropped_partition");
        assert_eq!(cut.len(), 2);
        assert_eq!(
            cut.iter().all(|&c| c > 0),
            fires,
            "dropped_partition {cut:?}"
        );
        assert_eq!(
            cut.iter().all(|&c| c == 0),
            !fires,
            "dropped_partition {cut:?}"
        );
        assert!(
            column(&out, "dropped_loss").iter().any(|&c| c > 0),
            "2 % loss shows"
        );
    }
}

/// docs/trace.md names every event kind and every rejection reason, so the schema's
/// documentation cannot fall behind the code.
#[test]
fn the_schema_document_names_every_event_kind_and_reason() {
    let doc = std::fs::read_to_string("docs/trace.md").unwrap_or_default();
    for kind in EVENT_KINDS {
        assert!(
            doc.contains(&format!("`{kind}`")),
            "docs/trace.md does not name `{kind}`"
        );
    }
    for reason in pbft_sim::protocol::Rejection::ALL {
        let name = reason.name();
        assert!(
            doc.contains(&format!("`{name}`")),
            "docs/trace.md does not name `{name}`"
        );
    }
    for class in pbft_sim::protocol::RejectionClass::ALL {
        let column = format!("rejected_{}", class.name());
        assert!(
            doc.contains(&column) || doc.contains(&format!("`{}`", class.name())),
            "{column}"
        );
    }
}

/// `pbft-sim trace ... | head -1`: stdout closed early is not a panic; the files are whole.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let scratch = Scratch::new("trace-pipe");
    let out = scratch.path("t");
    let mut child = std::process::Command::new(common::BIN)
        .args(["trace", "scenarios/seed.ron", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    // Close the reading end before the child writes its summary.
    drop(child.stdout.take());
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(out.join("trial.csv").exists() && out.join("trace.jsonl").exists());
}

/// A usage error stays one line but keeps what clap says under its first line: the missing
/// argument's name, the flag that was probably meant.
#[test]
fn usage_errors_name_the_argument_on_one_line() {
    let cases: [(&[&str], &str); 2] = [
        (
            &["trace"],
            "the following required arguments were not provided: <SCENARIO>",
        ),
        (
            &["trace", "scenarios/seed.ron", "--pointt", "1"],
            "unexpected argument '--pointt' found; tip: a similar argument exists: '--point'",
        ),
    ];
    for (args, message) in cases {
        let run = pbft_sim(args);
        assert_eq!(run.code(), Some(2), "{}", run.show());
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.show());
        assert!(run.stderr.contains(message), "{}", run.show());
    }
}
