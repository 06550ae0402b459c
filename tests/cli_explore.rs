//! `pbft-sim explore`: a campaign over a search space writes `campaign.csv` (one row per drawn
//! scenario, in index order), `failures.csv` and a counterexample per failure signature that
//! `run` replays with the same verdict, and exits 0 when nothing failed, 1 when something did,
//! 2 on bad input (the space parser's `FILE:LINE:COL` line). Its files are the same at one
//! thread and two, after an interruption and `--resume`, and after `merge` of `--shard I/N`
//! folders (but for the folder's own path, which a counterexample's replay line names); `--time` keeps a prefix of the indices. The spaces here use only the fields every
//! space has (name, description, seed, properties, shrink), so they mean the same whatever
//! the other dimensions default to.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::{assert_bad_input, pbft_sim, Run, Scratch};

/// A space whose trials pass: safety only.
const SAFE: &str = r#"// cli_explore: safety only.
Space(name: "safe", description: "safety only", seed: 3, properties: [Safety])
"#;

/// A space every trial fails: nothing completes in 1 ms of virtual time.
const STALLS: &str = r#"// cli_explore: nothing completes in 1 ms.
Space(
    name: "stalls",
    seed: 5,
    properties: [Safety, LivenessWithinF(heal_by_ms: 0.0, grace_ms: 1.0)],
    shrink: (seeds: 1, max_runs: 20),
)
"#;

/// `pbft-sim explore SPACE --out OUT --quiet extra...`.
fn explore(space: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![
        "explore".as_ref(),
        space.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    pbft_sim(args)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `campaign.csv`'s rows as maps from column to cell.
fn rows(out: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    common::csv_rows(&out.join("campaign.csv"))
}

/// The files a campaign's result is compared on: the two CSVs, every counterexample and its
/// trace's events, with the folder's own path (which a counterexample's replay line names)
/// written `OUT`.
fn outputs(out: &Path) -> Vec<(String, String)> {
    let mut files = vec![
        ("campaign.csv".to_string(), read(&out.join("campaign.csv"))),
        ("failures.csv".to_string(), read(&out.join("failures.csv"))),
    ];
    let dir = out.join("counterexamples");
    if dir.is_dir() {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("the folder")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        let own = out.display().to_string();
        for name in names {
            let path = dir.join(&name);
            let file = if path.is_dir() {
                path.join("trace.jsonl")
            } else {
                path
            };
            if file.is_file() {
                files.push((
                    format!("counterexamples/{name}"),
                    read(&file).replace(&own, "OUT"),
                ));
            }
        }
    }
    files
}

fn json(out: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&out.join("campaign.json"))).expect("campaign.json is JSON")
}

#[test]
fn a_passing_campaign_has_a_row_per_index_and_exits_0() {
    let dir = Scratch::new("explore-pass");
    let space = dir.write("safe.ron", SAFE);
    let out = dir.path("out");
    let run = explore(&space, &out, &["--budget", "40", "--threads", "2"]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    assert!(
        run.stdout.contains("40 scenarios explored"),
        "{}",
        run.show()
    );
    let rows = rows(&out);
    let indices: Vec<String> = rows.iter().map(|r| r["index"].clone()).collect();
    let expected: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    assert_eq!(indices, expected, "one row per index, in order");
    assert!(rows
        .iter()
        .all(|r| r["verdict"] == "pass" && r["signature"].is_empty()));
    assert!(rows.iter().all(|r| r["safety_ok"] == "true"));
    assert_eq!(read(&out.join("space.ron")), SAFE, "the space as given");
    let failures = read(&out.join("failures.csv"));
    assert_eq!(failures.lines().count(), 1, "a header only: {failures}");
    let summary = json(&out);
    assert_eq!(summary["trials"], 40);
    assert_eq!(summary["budget"], 40);
    assert_eq!(summary["complete"], true);
    assert_eq!(summary["time_ran_out"], false);
    assert!(
        !out.join("campaign.partial.jsonl").exists(),
        "removed once complete"
    );
}

#[test]
fn a_failing_campaign_writes_a_counterexample_that_run_replays() {
    let dir = Scratch::new("explore-fail");
    let space = dir.write("stalls.ron", STALLS);
    let out = dir.path("out");
    let run = explore(&space, &out, &["--budget", "12"]);
    assert_eq!(
        run.code(),
        Some(1),
        "exit 1: a property failed\n{}",
        run.show()
    );
    let rows = rows(&out);
    assert_eq!(rows.len(), 12);
    assert!(rows
        .iter()
        .all(|r| r["verdict"] == "fail" && r["signature"] == "liveness-requests"));
    let failures = read(&out.join("failures.csv"));
    let mut reader = csv::Reader::from_reader(failures.as_bytes());
    let groups: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(groups.len(), 1, "{failures}");
    assert_eq!(&groups[0][0], "liveness-requests");
    assert_eq!(&groups[0][1], "12", "every trial failed");
    assert_eq!(&groups[0][2], "0", "first at index 0");
    assert_eq!(&groups[0][4], "counterexamples/liveness-requests.ron");
    let ron = out.join("counterexamples/liveness-requests.ron");
    let replay_line = format!("replay: pbft-sim run {}", ron.display());
    assert!(run.stdout.contains(&replay_line), "{}", run.show());
    assert_eq!(json(&out)["failures"]["liveness-requests"], 12);

    // `run` replays it: its one trial does not succeed either.
    let replayed = dir.path("replayed");
    let args: Vec<&OsStr> = vec![
        "run".as_ref(),
        ron.as_os_str(),
        "--out".as_ref(),
        replayed.as_os_str(),
        "--quiet".as_ref(),
    ];
    let run = pbft_sim(args);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let trials = read(&replayed.join("trials.csv"));
    let mut reader = csv::Reader::from_reader(trials.as_bytes());
    let header = reader.headers().expect("a header").clone();
    let success = header.iter().position(|c| c == "success").expect("success");
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(records.len(), 1, "one trial");
    assert_eq!(&records[0][success], "false", "the same verdict: {trials}");
}

#[test]
fn the_files_are_the_same_at_one_thread_and_two() {
    let dir = Scratch::new("explore-threads");
    let space = dir.write("stalls.ron", STALLS);
    let one = dir.path("one");
    let two = dir.path("two");
    assert_eq!(
        explore(&space, &one, &["--budget", "25", "--threads", "1"]).code(),
        Some(1)
    );
    assert_eq!(
        explore(&space, &two, &["--budget", "25", "--threads", "2"]).code(),
        Some(1)
    );
    assert_eq!(outputs(&one), outputs(&two));
}

#[test]
fn an_interrupted_campaign_resumes_to_the_same_files() {
    let dir = Scratch::new("explore-resume");
    let space = dir.write("stalls.ron", STALLS);
    let whole = dir.path("whole");
    assert_eq!(explore(&space, &whole, &["--budget", "30"]).code(), Some(1));

    let cut = dir.path("cut");
    let stopped = explore(&space, &cut, &["--budget", "30", "--abort-after", "9"]);
    assert_ne!(stopped.code(), Some(0), "{}", stopped.show());
    assert!(
        stopped.stderr.contains("stopped after 9 trials"),
        "{}",
        stopped.show()
    );
    let partial = cut.join("campaign.partial.jsonl");
    assert!(!cut.join("campaign.json").exists(), "not finished");
    // A kill while a row was written leaves the last line cut short.
    let mut text = read(&partial);
    assert_eq!(text.lines().count(), 10, "a header and 9 rows: {text}");
    text.push_str("{\"index\": 4");
    std::fs::write(&partial, text).expect("cut the last line");

    let resumed = explore(&space, &cut, &["--budget", "30", "--resume"]);
    assert_eq!(resumed.code(), Some(1), "{}", resumed.show());
    assert!(
        resumed.stdout.contains("9 trials kept"),
        "{}",
        resumed.show()
    );
    assert_eq!(outputs(&whole), outputs(&cut));
    assert_eq!(json(&cut)["ran"], 21, "only the rest ran");

    // Rows of another space are refused.
    let other = dir.write("safe.ron", SAFE);
    let cut2 = dir.path("cut2");
    let _ = explore(&other, &cut2, &["--budget", "30", "--abort-after", "3"]);
    let refused = explore(&space, &cut2, &["--budget", "30", "--resume", "--force"]);
    assert_bad_input(&refused, &["campaign.partial.jsonl", "another space"]);
}

#[test]
fn merged_shards_give_the_unsharded_files() {
    let dir = Scratch::new("explore-shards");
    let space = dir.write("stalls.ron", STALLS);
    let whole = dir.path("whole");
    assert_eq!(explore(&space, &whole, &["--budget", "31"]).code(), Some(1));
    let shard = |i: usize| dir.path(&format!("shards/{i}"));
    for i in 1..=3 {
        let run = explore(
            &space,
            &shard(i),
            &["--budget", "31", "--shard", &format!("{i}/3")],
        );
        assert_eq!(run.code(), Some(1), "{}", run.show());
    }
    let first: Vec<String> = rows(&shard(2)).iter().map(|r| r["index"].clone()).collect();
    assert_eq!(first[..3], ["1", "4", "7"], "shard 2/3 takes i % 3 == 1");

    let merge = |dirs: &[std::path::PathBuf], out: &Path| {
        let mut args: Vec<&OsStr> = vec!["merge".as_ref()];
        args.extend(dirs.iter().map(|d| d.as_os_str()));
        args.push("--out".as_ref());
        args.push(out.as_os_str());
        pbft_sim(args)
    };
    let merged = dir.path("merged");
    let run = merge(&[shard(3), shard(1), shard(2)], &merged);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    assert_eq!(outputs(&whole), outputs(&merged));
    assert_eq!(json(&merged)["trials"], 31);

    assert_bad_input(
        &merge(&[shard(1), shard(2)], &dir.path("m2")),
        &["shards not given: 3/3"],
    );
    assert_bad_input(
        &merge(&[shard(1), shard(2), shard(2)], &dir.path("m3")),
        &["shard 2/3 is given twice"],
    );
    let other = dir.path("other");
    let run = explore(&space, &other, &["--budget", "40", "--shard", "3/3"]);
    assert_eq!(run.code(), Some(1), "{}", run.show());
    assert_bad_input(
        &merge(&[shard(1), shard(2), other], &dir.path("m4")),
        &["not shards of one campaign"],
    );
}

#[test]
fn a_time_limit_keeps_a_prefix_of_the_indices() {
    let dir = Scratch::new("explore-time");
    let space = dir.write("safe.ron", SAFE);
    let out = dir.path("out");
    let run = explore(&space, &out, &["--budget", "5000000", "--time", "0.5"]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    assert!(run.stdout.contains("the time ran out"), "{}", run.show());
    let rows = rows(&out);
    assert!(!rows.is_empty() && rows.len() < 5_000_000);
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row["index"], k.to_string(), "a prefix of the indices");
    }
    let summary = json(&out);
    assert_eq!(summary["time_ran_out"], true);
    assert_eq!(summary["complete"], false);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = Scratch::new("explore-bad");
    let bad = dir.write("bad.ron", "Space(\n  name: \"b\",\n  sed: 3,\n)\n");
    let run = explore(&bad, &dir.path("out"), &[]);
    assert_bad_input(&run, &["bad.ron", "3:"]);
    assert!(!dir.path("out").exists(), "nothing written");

    let space = dir.write("safe.ron", SAFE);
    assert_bad_input(
        &explore(&space, &dir.path("o"), &["--budget", "0"]),
        &["--budget"],
    );
    assert_bad_input(
        &explore(&space, &dir.path("o"), &["--threads", "0"]),
        &["--threads"],
    );
    assert_bad_input(
        &explore(&space, &dir.path("o"), &["--time", "0"]),
        &["--time"],
    );

    // A folder holding another space's campaign is refused without --force.
    let stalls = dir.write("stalls.ron", STALLS);
    let out = dir.path("taken");
    assert_eq!(explore(&space, &out, &["--budget", "3"]).code(), Some(0));
    assert_bad_input(
        &explore(&stalls, &out, &["--budget", "3"]),
        &["\"safe\"", "--force"],
    );
}

#[test]
fn list_columns_describes_the_campaign_files() {
    let run = pbft_sim(["list", "columns"]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    assert!(run.stdout.contains("campaign.csv"), "{}", run.show());
    assert!(run.stdout.contains("  first_index "), "{}", run.show());
    assert!(run.stdout.contains("  within_f "), "{}", run.show());
    assert!(!run.stdout.contains("(not described)"), "{}", run.show());
}
