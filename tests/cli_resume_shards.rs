//! Sweeps that survive interruption and outgrow one machine. `run` saves every finished trial
//! to `trials.partial.jsonl` and `trials.csv`; a kill (SIGKILL, or the hidden `--abort-after`
//! hook) leaves a `trials.csv` of whole rows; `run --resume` after an interruption (a kill,
//! the hook, or a shard's rows renamed to the partial file, with a row cut short at the end)
//! finishes with trials.csv, summary.csv, summary.json and requests.csv byte-identical to an
//! uninterrupted run, resuming a complete run changes nothing, and rows of another scenario are
//! refused. Three `--shard I/3` processes merged give the single run's files; incomplete,
//! overlapping or mixed shards are refused with one line. `--stats` prints one `stats:` line.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::{assert_bad_input, pbft_sim, Run, Scratch};

/// n = 4, uniform delays, 5% loss, 3 points x 4 trials.
const SCENARIO: &str = r#"// cli_resume_shards: small, lossy, three sweep points.
Scenario(
    name: "resume",
    seed: 5,
    trials: 4,
    replicas: 4,
    workload: (clients: 2, requests: 3),
    network: (delay: Uniform(min_ms: 2.0, max_ms: 20.0), drop: 0.05),
    time_limit_ms: 20000.0,
    sweep: [(path: "network.delay.max_ms", values: Values([10.0, 20.0, 40.0]))],
)
"#;

const TRIALS: usize = 12;

/// `pbft-sim <args> --quiet`, with paths and strings mixed.
fn sim(args: &[&OsStr]) -> Run {
    let mut all: Vec<&OsStr> = args.to_vec();
    all.push("--quiet".as_ref());
    pbft_sim(all)
}

/// `pbft-sim run FILE --out OUT extra...`.
fn run(file: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    sim(&args)
}

fn assert_ok(run: &Run) {
    assert_eq!(run.code(), Some(0), "{}", run.show());
}

/// Every file of a folder, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("list the folder") {
        let entry = entry.expect("a folder entry");
        let bytes = std::fs::read(entry.path()).expect("read a result file");
        found.insert(entry.file_name().to_string_lossy().into_owned(), bytes);
    }
    found
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// trials.csv, summary.csv, summary.json and requests.csv (and scenario.ron) of `got` are
/// byte-identical to `want`'s.
fn assert_same_results(want: &Path, got: &Path, context: &Run) {
    for name in [
        "trials.csv",
        "summary.csv",
        "summary.json",
        "requests.csv",
        "scenario.ron",
    ] {
        let (a, b) = (read(want.join(name)), read(got.join(name)));
        assert!(
            a == b,
            "{name} differs\n{}\n--- {} ---\n{}\n--- {} ---\n{}",
            context.show(),
            want.display(),
            String::from_utf8_lossy(&a),
            got.display(),
            String::from_utf8_lossy(&b)
        );
    }
    assert!(
        got.join("run.json").is_file(),
        "run.json\n{}",
        context.show()
    );
    assert!(
        !got.join("trials.partial.jsonl").exists(),
        "the partial file is removed at the end\n{}",
        context.show()
    );
}

/// `partial` (a `trials.csv` left by an interrupted run) has the full run's header and exactly
/// `rows` rows, each one whole and equal to a row of the full run's `trials.csv`.
fn assert_complete_rows_of(partial: &Path, full: &Path, rows: usize) {
    let text = String::from_utf8(read(partial.to_path_buf())).expect("UTF-8");
    let full = String::from_utf8(read(full.to_path_buf())).expect("UTF-8");
    assert!(text.ends_with('\n'), "whole rows only\n{text}");
    let mut lines = text.lines();
    assert_eq!(lines.next(), full.lines().next(), "the header\n{text}");
    let full_rows: Vec<&str> = full.lines().skip(1).collect();
    let mut count = 0;
    for line in lines {
        assert!(
            full_rows.contains(&line),
            "not a row of the full run: {line}"
        );
        count += 1;
    }
    assert_eq!(count, rows, "{text}");
}

/// run.json without its wall-time entries.
fn run_json_without_wall_time(dir: &Path) -> serde_json::Value {
    let mut json: serde_json::Value =
        serde_json::from_slice(&read(dir.join("run.json"))).expect("run.json is JSON");
    let object = json.as_object_mut().expect("run.json is an object");
    object.remove("wall_s");
    object.remove("messages_per_s");
    json
}

#[test]
fn an_interrupted_run_resumes_to_the_same_files() {
    let scratch = Scratch::new("resume");
    let file = scratch.write("resume.ron", SCENARIO);
    let full = scratch.path("full");
    assert_ok(&run(&file, &full, &[]));

    // Interrupted as a kill would: 5 rows saved, nothing else written.
    let cut = scratch.path("cut");
    let stopped = run(&file, &cut, &["--abort-after", "5", "--threads", "2"]);
    assert_eq!(stopped.code(), Some(1), "{}", stopped.show());
    let names: Vec<String> = files(&cut).into_keys().collect();
    assert_eq!(
        names,
        ["trials.csv", "trials.partial.jsonl"],
        "{}",
        stopped.show()
    );
    assert_complete_rows_of(&cut.join("trials.csv"), &full.join("trials.csv"), 5);
    let partial = String::from_utf8(read(cut.join("trials.partial.jsonl"))).expect("UTF-8");
    assert!(partial.ends_with('\n'), "whole rows only\n{partial}");
    assert_eq!(partial.lines().count(), 1 + 5, "header + 5 rows\n{partial}");

    let resumed = run(&file, &cut, &["--resume"]);
    assert_ok(&resumed);
    assert!(
        resumed.stdout.contains("5 trials were already saved"),
        "{}",
        resumed.show()
    );
    assert_same_results(&full, &cut, &resumed);
    assert_eq!(
        run_json_without_wall_time(&full),
        run_json_without_wall_time(&cut)
    );

    // Resuming a complete run does nothing.
    let before = files(&cut);
    let again = run(&file, &cut, &["--resume"]);
    assert_ok(&again);
    assert!(
        again.stdout.contains("already complete"),
        "{}",
        again.show()
    );
    assert!(files(&cut) == before, "files changed\n{}", again.show());

    // ... and refuses another scenario's complete run, changing nothing.
    let other = run(&file, &cut, &["--resume", "--seed", "6"]);
    assert_bad_input(&other, &["another scenario"]);
    assert!(files(&cut) == before, "files changed\n{}", other.show());
}

/// Many hopeless trials (n = 7, 3 silent replicas, 10 s of virtual time each): about 1.8 s of
/// work on one thread of a busy 2-core machine, saved a few dozen rows at a time, so the run is
/// killed thousands of trials before its end even on a machine many times faster.
const LONG_TRIALS: usize = 4000;

/// The scenario of the kill test: `LONG_TRIALS` trials at one point.
fn long_scenario() -> String {
    format!(
        r#"// cli_resume_shards: many trials, to kill.
Scenario(
    name: "long",
    seed: 9,
    trials: {LONG_TRIALS},
    replicas: 7,
    byzantine: [(count: 3, behaviour: Silent)],
    workload: (clients: 1, requests: 1),
    time_limit_ms: 10000.0,
)
"#
    )
}

/// The rows `trials` holds (lines after the header), 0 while it does not exist.
fn saved_rows(trials: &Path) -> usize {
    std::fs::read_to_string(trials).map_or(0, |t| t.lines().count().saturating_sub(1))
}

#[test]
fn a_killed_run_leaves_whole_rows_and_resumes_to_the_same_files() {
    use wait_timeout::ChildExt;

    let scratch = Scratch::new("kill");
    let file = scratch.write("long.ron", &long_scenario());
    let cut = scratch.path("cut");
    let mut child = std::process::Command::new(common::BIN)
        .args([
            "run".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            cut.as_os_str(),
        ])
        .args(["--quiet", "--threads", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start pbft-sim");
    // Kill it (SIGKILL) as soon as a row is saved: the condition, not a guess at the speed.
    let trials = cut.join("trials.csv");
    let started = std::time::Instant::now();
    while saved_rows(&trials) == 0 {
        if let Some(status) = child.try_wait().expect("poll pbft-sim") {
            panic!(
                "the run ended ({status}) before any row was seen, after {:?}: nothing to kill",
                started.elapsed()
            );
        }
        if started.elapsed() > common::TIMEOUT {
            let _ = child.kill();
            panic!("no row saved within {:?}", common::TIMEOUT);
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().expect("kill pbft-sim");
    let status = child
        .wait_timeout(std::time::Duration::from_secs(10))
        .expect("reap pbft-sim")
        .expect("a killed process ends at once");
    assert!(
        status.code().is_none() && !cut.join("run.json").exists(),
        "the run finished ({status}) before the kill, {:?} after the start: on this machine \
         the scenario is too short to be interrupted (raise LONG_TRIALS)",
        started.elapsed()
    );
    let saved = saved_rows(&trials);
    assert!(
        (1..LONG_TRIALS).contains(&saved),
        "{saved} of {LONG_TRIALS} rows saved when killed, {:?} after the start: the kill must \
         land while trials remain (raise LONG_TRIALS if this machine ran them all first)",
        started.elapsed()
    );

    let full = scratch.path("full");
    assert_ok(&run(&file, &full, &[]));
    assert_complete_rows_of(&trials, &full.join("trials.csv"), saved);

    let resumed = run(&file, &cut, &["--resume"]);
    assert_ok(&resumed);
    // The resume file is flushed just before trials.csv, so a kill between the two leaves it
    // a batch ahead: at least the rows trials.csv holds were kept, and some were left to run.
    let kept: usize = resumed
        .stdout
        .split_once("resumed: ")
        .and_then(|(_, rest)| rest.split_once(" trials were already saved"))
        .and_then(|(count, _)| count.parse().ok())
        .unwrap_or_else(|| panic!("a `resumed: N trials ...` line\n{}", resumed.show()));
    assert!(
        (saved..LONG_TRIALS).contains(&kept),
        "kept {kept}, trials.csv held {saved}\n{}",
        resumed.show()
    );
    assert_same_results(&full, &cut, &resumed);
}

#[test]
fn a_shards_rows_with_a_torn_last_row_resume_as_a_partial_run() {
    let scratch = Scratch::new("resume-shard");
    let file = scratch.write("resume.ron", SCENARIO);
    let full = scratch.path("full");
    assert_ok(&run(&file, &full, &[]));

    // Half of the trials saved, then a row cut short by a crash.
    let dir = scratch.path("dir");
    assert_ok(&run(&file, &dir, &["--shard", "1/2"]));
    let partial = dir.join("trials.partial.jsonl");
    std::fs::rename(dir.join("shard.jsonl"), &partial).expect("rename the shard's rows");
    let rows = String::from_utf8(read(partial.clone())).expect("UTF-8");
    let last = rows.lines().last().expect("a row");
    let torn = format!("{rows}{}", &last[..last.len() / 2]);
    std::fs::write(&partial, &torn).expect("tear the last row");

    // Another scenario's resume is refused, and the saved rows are kept.
    let other = run(&file, &dir, &["--resume", "--trials", "5"]);
    assert_bad_input(&other, &["trials.partial.jsonl", "another scenario"]);
    assert_eq!(read(partial.clone()), torn.as_bytes());

    let resumed = run(&file, &dir, &["--resume", "--threads", "1"]);
    assert_ok(&resumed);
    assert!(
        resumed
            .stdout
            .contains(&format!("{} trials were already saved", TRIALS / 2)),
        "{}",
        resumed.show()
    );
    assert_same_results(&full, &dir, &resumed);
}

#[test]
fn three_shards_merge_into_the_single_runs_files() {
    let scratch = Scratch::new("shards");
    let file = scratch.write("resume.ron", SCENARIO);
    let full = scratch.path("full");
    assert_ok(&run(&file, &full, &[]));

    let shard = |i: usize| scratch.path(&format!("shard{i}"));
    for i in 1..=3 {
        let done = run(&file, &shard(i), &["--shard", &format!("{i}/3")]);
        assert_ok(&done);
        let names: Vec<String> = files(&shard(i)).into_keys().collect();
        assert_eq!(names, ["scenario.ron", "shard.json", "shard.jsonl"]);
    }
    // A finished shard resumed does nothing.
    let before = files(&shard(2));
    assert_ok(&run(&file, &shard(2), &["--shard", "2/3", "--resume"]));
    assert!(files(&shard(2)) == before);

    let merged = scratch.path("merged");
    let merge = |dirs: &[PathBuf], out: &Path| {
        let mut args: Vec<&OsStr> = vec!["merge".as_ref()];
        args.extend(dirs.iter().map(|d| d.as_os_str()));
        args.extend(["--out".as_ref(), out.as_os_str()]);
        pbft_sim(&args)
    };
    let done = merge(&[shard(3), shard(1), shard(2)], &merged);
    assert_ok(&done);
    assert_same_results(&full, &merged, &done);
    for name in ["success.png", "latency.svg"] {
        assert!(merged.join(name).is_file(), "{name}\n{}", done.show());
    }
    let trials_line = format!("{TRIALS} trials, ");
    assert!(done.stdout.contains(&trials_line), "{}", done.show());

    let nowhere = scratch.path("nowhere");
    let two = merge(&[shard(1), shard(2)], &nowhere);
    // Shard 3/3 holds jobs 2, 5, 8, 11: (0, 2), (1, 1), (2, 0), (2, 3).
    assert_bad_input(
        &two,
        &[
            "4 of 12 trials missing",
            "(0, 2), (1, 1), (2, 0), (2, 3)",
            "3/3",
        ],
    );
    let twice = merge(&[shard(1), shard(2), shard(3), shard(1)], &nowhere);
    assert_bad_input(&twice, &["shard 1/3 is given twice"]);

    let other = scratch.path("other");
    assert_ok(&run(&file, &other, &["--shard", "3/3", "--seed", "9"]));
    let mixed = merge(&[shard(1), shard(2), other], &nowhere);
    assert_bad_input(&mixed, &["not shards of one run"]);

    let unfinished = merge(&[shard(1), scratch.path("full")], &nowhere);
    assert_bad_input(&unfinished, &["not a finished shard"]);
    assert!(!nowhere.exists(), "a refused merge writes nothing");
}

#[test]
fn bad_shard_values_are_one_line_errors() {
    let scratch = Scratch::new("shard-values");
    let file = scratch.write("resume.ron", SCENARIO);
    let out = scratch.path("out");
    for value in ["0/3", "4/3", "1/0", "garbage", "1/", "/3", "1/3/3", "2.5/3"] {
        let bad = run(&file, &out, &["--shard", value]);
        assert_bad_input(&bad, &["--shard"]);
        assert!(!out.exists(), "nothing written for --shard {value}");
    }
}

#[test]
fn stats_prints_one_line_of_rates_and_peak_memory() {
    let scratch = Scratch::new("stats");
    let file = scratch.write("resume.ron", SCENARIO);
    let done = run(&file, &scratch.path("out"), &["--stats"]);
    assert_ok(&done);
    let lines: Vec<&str> = done
        .stdout
        .lines()
        .filter(|l| l.starts_with("stats:"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", done.show());
    let line = lines[0];
    assert!(
        line.starts_with(&format!("stats: {TRIALS} trials in ")),
        "{line}"
    );
    for field in [
        " s, ",
        " trials/s, ",
        " events/s, ",
        " messages/s, ",
        "peak RSS ",
    ] {
        assert!(line.contains(field), "`{field}` in {line}");
    }
    assert!(
        line.ends_with(" MiB") || line.ends_with("peak RSS n/a"),
        "{line}"
    );
    // After the summary table and the throughput line.
    let all: Vec<&str> = done.stdout.lines().collect();
    let at = all
        .iter()
        .position(|l| l.starts_with("stats:"))
        .unwrap_or(0);
    assert!(
        all[..at].iter().any(|l| l.contains(" messages in ")),
        "{}",
        done.show()
    );
    let without = run(&file, &scratch.path("plain"), &[]);
    assert_ok(&without);
    assert!(!without.stdout.contains("stats:"), "{}", without.show());
}
