//! `pbft-sim run` is deterministic: a small lossy, reordering scenario with a byzantine replica
//! placed at random gives byte-identical trials.csv, summary.csv, summary.json and requests.csv
//! when run twice and at 1 or 2
//! worker threads, and a different `--seed` changes the results (so the comparison is not
//! vacuous). Also checks run.json, the closing `N trials, M messages in ...` line, the columns of
//! trials.csv, and that the scenario.ron written with the results reproduces them.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::path::{Path, PathBuf};

use common::{pbft_sim, Run, Scratch};

const SEED: u64 = 7;
const TRIALS: u64 = 5;
const POINTS: u64 = 2;

/// n = 4, uniform delays, loss, duplication, reordering, 0 or 1 byzantine replica placed at
/// random, 3 clients x 4 requests, 5 trials per point.
const SCENARIO: &str = r#"// cli_determinism: small but exercises every random choice of a trial.
Scenario(
    name: "determinism",
    seed: 7,
    trials: 5,
    replicas: 4,
    workload: (clients: 3, requests: 4),
    network: (
        delay: Uniform(min_ms: 2.0, max_ms: 20.0),
        drop: 0.05,
        duplicate: 0.05,
        reorder: (probability: 0.1, extra: Uniform(min_ms: 0.0, max_ms: 15.0)),
    ),
    byzantine: [(count: 0, placement: Random, behaviour: SeedAdversary)],
    time_limit_ms: 20000.0,
    sweep: [(path: "byzantine[0].count", values: Range(from: 0, to: 1))],
)
"#;

const COLUMNS: [&str; 15] = [
    "point",
    "trial",
    "seed",
    "byzantine[0].count",
    "n",
    "f",
    "byzantine",
    "success",
    "safety_ok",
    "requests",
    "completed",
    "latency_ms",
    "commit_ms",
    "messages",
    "time_ms",
];

/// One completed run's output files.
struct Results {
    run: Run,
    out: PathBuf,
    trials_csv: Vec<u8>,
    summary_csv: Vec<u8>,
    /// `requests.csv` and `summary.json`, by name.
    data_files: Vec<(&'static str, Vec<u8>)>,
}

/// `pbft-sim run FILE --out DIR/<label> --quiet extra...`; asserts it completed.
fn run(scratch: &Scratch, file: &Path, label: &str, extra: &[&str]) -> Results {
    let out = scratch.path(label);
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let run = pbft_sim(&args);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let read = |name: &str| {
        std::fs::read(out.join(name))
            .unwrap_or_else(|e| panic!("{name} after `{label}`: {e}\n{}", run.show()))
    };
    let trials_csv = read("trials.csv");
    let summary_csv = read("summary.csv");
    let data_files = ["requests.csv", "summary.json"]
        .into_iter()
        .map(|name| (name, read(name)))
        .collect();
    Results {
        run,
        out,
        trials_csv,
        summary_csv,
        data_files,
    }
}

fn assert_same(a: &Results, b: &Results) {
    assert!(
        a.trials_csv == b.trials_csv,
        "trials.csv differs between\n{}\nand\n{}\n--- {} ---\n{}\n--- {} ---\n{}",
        a.run.show(),
        b.run.show(),
        a.out.display(),
        String::from_utf8_lossy(&a.trials_csv),
        b.out.display(),
        String::from_utf8_lossy(&b.trials_csv)
    );
    assert!(
        a.summary_csv == b.summary_csv,
        "summary.csv differs between\n{}\nand\n{}\n--- {} ---\n{}\n--- {} ---\n{}",
        a.run.show(),
        b.run.show(),
        a.out.display(),
        String::from_utf8_lossy(&a.summary_csv),
        b.out.display(),
        String::from_utf8_lossy(&b.summary_csv)
    );
    for ((name, x), (_, y)) in a.data_files.iter().zip(&b.data_files) {
        assert!(
            x == y,
            "{name} differs between\n{}\nand\n{}\n--- {} ---\n{}\n--- {} ---\n{}",
            a.run.show(),
            b.run.show(),
            a.out.display(),
            String::from_utf8_lossy(x),
            b.out.display(),
            String::from_utf8_lossy(y)
        );
    }
}

#[test]
fn same_arguments_and_any_thread_count_give_identical_results() {
    let scratch = Scratch::new("determinism");
    let file = scratch.write("determinism.ron", SCENARIO);

    let first = run(&scratch, &file, "first", &[]);
    let again = run(&scratch, &file, "again", &[]);
    let one = run(&scratch, &file, "threads1", &["--threads", "1"]);
    let two = run(&scratch, &file, "threads2", &["--threads", "2"]);
    let explicit_seed = run(&scratch, &file, "seed7", &["--seed", &SEED.to_string()]);
    assert_same(&first, &again);
    assert_same(&first, &one);
    assert_same(&first, &two);
    assert_same(&first, &explicit_seed);

    let other_seed = run(
        &scratch,
        &file,
        "seed8",
        &["--seed", &(SEED + 1).to_string()],
    );
    assert!(
        other_seed.trials_csv != first.trials_csv,
        "--seed {} gives the same trials.csv as the scenario's seed {SEED}: the comparisons \
         above prove nothing\n{}",
        SEED + 1,
        String::from_utf8_lossy(&first.trials_csv)
    );

    // The scenario.ron written with the results records the --seed override: running it
    // without flags gives the same results.
    let replay = run(
        &scratch,
        &other_seed.out.join("scenario.ron"),
        "replay",
        &[],
    );
    assert_same(&other_seed, &replay);
}

#[test]
fn run_writes_run_json_the_throughput_line_and_the_trials_columns() {
    let scratch = Scratch::new("determinism-files");
    let file = scratch.write("determinism.ron", SCENARIO);
    let results = run(&scratch, &file, "out", &["--threads", "2"]);
    let show = results.run.show();
    let expected = POINTS * TRIALS;

    for name in [
        "trials.csv",
        "summary.csv",
        "latency.png",
        "latency.svg",
        "success.png",
        "success.svg",
        "scenario.ron",
        "run.json",
    ] {
        assert!(
            results.out.join(name).is_file(),
            "{name} is written\n{show}"
        );
    }

    let json = std::fs::read_to_string(results.out.join("run.json")).expect("read run.json");
    let json: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("run.json is not JSON: {e}\n{json}"));
    assert_eq!(
        json["trials"].as_u64(),
        Some(expected),
        "run.json trials\n{json}"
    );

    // `N trials, M messages in X s (...)` among the last lines of stdout.
    let lines: Vec<&str> = results.run.stdout.lines().collect();
    let tail = &lines[lines.len().saturating_sub(3)..];
    let prefix = format!("{expected} trials, ");
    let line = tail
        .iter()
        .find(|l| l.starts_with(&prefix) && l.contains(" messages in "))
        .unwrap_or_else(|| panic!("no `{prefix}M messages in` line at the end of stdout\n{show}"));
    let messages = &line[prefix.len()..line.find(" messages in ").expect("found above")];
    let messages: u64 = messages
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|e| panic!("message count `{messages}`: {e}\n{show}"));
    assert!(messages > 0, "messages were sent\n{show}");
    if let Some(in_json) = json["messages"].as_u64() {
        assert_eq!(
            messages, in_json,
            "stdout and run.json agree\n{show}\n{json}"
        );
    }

    let csv = String::from_utf8(results.trials_csv.clone()).expect("trials.csv is UTF-8");
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().expect("a header").split(',').collect();
    assert!(
        header.len() >= COLUMNS.len() && header[..COLUMNS.len()] == COLUMNS,
        "trials.csv header starts with {COLUMNS:?}\n{csv}"
    );
    let rows: Vec<Vec<&str>> = rows.map(|r| r.split(',').collect()).collect();
    assert_eq!(rows.len() as u64, expected, "one row per trial\n{csv}");
    for (i, row) in rows.iter().enumerate() {
        let (point, trial) = (i as u64 / TRIALS, i as u64 % TRIALS);
        assert_eq!(
            (row[0], row[1], row[3]),
            (
                point.to_string().as_str(),
                trial.to_string().as_str(),
                point.to_string().as_str()
            ),
            "row {i}: point, trial and byzantine[0].count (which equals the point here)\n{csv}"
        );
        assert_eq!((row[4], row[5]), ("4", "1"), "row {i}: n and f\n{csv}");
    }
}
