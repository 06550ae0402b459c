//! `pbft-sim suite`: a folder of scenarios (every `*.ron` directly in it, by file name) or files
//! in the order given run one after another into `OUT/<name>/` (the files `run` writes), indexed
//! in `OUT/index.csv` and `OUT/index.md`. A bad file is reported on stderr in one line and
//! skipped (exit 2 once the others ran); so is a second file using a name already taken. The
//! same suite twice gives the same index (but for wall times) and the same trials.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::{pbft_sim, shown, Run, Scratch};

/// A small n = 4 scenario: `name`, `trials` per point, `sweep` (a `sweep: [...]` line or empty).
fn scenario(name: &str, trials: u32, sweep: &str) -> String {
    format!(
        r#"// cli_suite: a small scenario.
Scenario(
    name: "{name}",
    seed: 5,
    trials: {trials},
    replicas: 4,
    workload: (clients: 1, requests: 2),
    network: (
        delay: Uniform(min_ms: 2.0, max_ms: 12.0),
        drop: 0.02,
    ),
    byzantine: [(count: 0, placement: Random, behaviour: Silent)],
    time_limit_ms: 5000.0,
    {sweep}
)
"#
    )
}

/// `byzantine[0].count` over 0, 1, 2: three points.
const SWEEP: &str = r#"sweep: [(path: "byzantine[0].count", values: Range(from: 0, to: 2))],"#;

/// (file name, scenario name, points, trials per point) of the three valid scenarios, in file
/// name order.
const VALID: [(&str, &str, usize, u32); 3] = [
    ("a-first.ron", "alpha", 1, 3),
    ("b-second.ron", "sweep-bravo", 3, 2),
    ("c-third.ron", "charlie", 1, 2),
];

/// A folder with the three valid scenarios, a bad one (replicas: 0) and a file that is not a
/// scenario; returns the folder and the bad file.
fn scenario_folder(scratch: &Scratch) -> (PathBuf, PathBuf) {
    let dir = scratch.path("scenarios");
    std::fs::create_dir_all(&dir).expect("create the scenario folder");
    for (file, name, points, trials) in VALID {
        let sweep = if points > 1 { SWEEP } else { "" };
        std::fs::write(dir.join(file), scenario(name, trials, sweep)).expect("write a scenario");
    }
    let bad = dir.join("b-broken.ron");
    let text = scenario("broken", 2, "").replace("replicas: 4,", "replicas: 0,");
    std::fs::write(&bad, text).expect("write the bad scenario");
    std::fs::write(dir.join("notes.txt"), "not a scenario").expect("write notes");
    (dir, bad)
}

/// `pbft-sim suite inputs... --out OUT --quiet extra...`.
fn suite(inputs: &[&Path], out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec!["suite".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend([OsStr::new("--out"), out.as_os_str(), OsStr::new("--quiet")]);
    args.extend(extra.iter().map(OsStr::new));
    pbft_sim(&args)
}

/// `index.csv` as (header, rows), each a list of fields (no field here holds a comma).
fn read_index(out: &Path, run: &Run) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(out.join("index.csv"))
        .unwrap_or_else(|e| panic!("index.csv: {e}\n{}", run.show()));
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
    let header = lines.next().unwrap_or_default();
    (header, lines.collect())
}

const HEADER: [&str; 12] = [
    "name",
    "file",
    "points",
    "trials",
    "success_rate",
    "safety_violations",
    "latency_mean_ms",
    "wall_s",
    "success_rate_within_f",
    "success_rate_beyond_f",
    "trials_within_f",
    "trials_beyond_f",
];

/// Checks index.csv, the per-scenario folders and index.md against `expected` (file, name,
/// points, trials per point), in order.
fn check_results(out: &Path, run: &Run, expected: &[(PathBuf, &str, usize, u32)]) {
    let show = run.show();
    let (header, rows) = read_index(out, run);
    assert_eq!(header, HEADER, "index.csv header\n{show}");
    assert_eq!(rows.len(), expected.len(), "one row per scenario\n{show}");
    let md = std::fs::read_to_string(out.join("index.md"))
        .unwrap_or_else(|e| panic!("index.md: {e}\n{show}"));
    let mut total_trials = 0;
    for (row, (file, name, points, trials)) in rows.iter().zip(expected) {
        let all = *points as u64 * u64::from(*trials);
        total_trials += all;
        assert_eq!(row.len(), HEADER.len(), "{row:?}\n{show}");
        assert_eq!(
            (
                row[0].as_str(),
                row[1].as_str(),
                row[2].as_str(),
                row[3].as_str()
            ),
            (
                *name,
                shown(file).as_str(),
                points.to_string().as_str(),
                all.to_string().as_str()
            ),
            "name, file, points, trials\n{show}"
        );
        let rate: f64 = row[4].parse().expect("success_rate is a number");
        assert!((0.0..=1.0).contains(&rate), "success_rate {rate}\n{show}");
        assert!(row[5].parse::<u64>().is_ok(), "safety_violations\n{show}");
        assert!(row[7].parse::<f64>().is_ok(), "wall_s\n{show}");
        let within: u64 = row[10].parse().expect("trials_within_f is a count");
        let beyond: u64 = row[11].parse().expect("trials_beyond_f is a count");
        assert_eq!(
            within + beyond,
            all,
            "the classes cover every trial\n{show}"
        );
        for (rate, trials) in [(&row[8], within), (&row[9], beyond)] {
            if trials == 0 {
                assert_eq!(rate, "", "no rate for a class without trials\n{show}");
            } else {
                let rate: f64 = rate.parse().expect("a class's rate is a number");
                assert!((0.0..=1.0).contains(&rate), "class rate {rate}\n{show}");
            }
        }

        let folder = out.join(name);
        for file in ["trials.csv", "summary.csv", "success.png", "scenario.ron"] {
            assert!(folder.join(file).is_file(), "{name}/{file}\n{show}");
        }
        let json = std::fs::read_to_string(folder.join("run.json"))
            .unwrap_or_else(|e| panic!("{name}/run.json: {e}\n{show}"));
        let json: serde_json::Value = serde_json::from_str(&json).expect("run.json is JSON");
        assert_eq!(
            json["trials"].as_u64(),
            Some(all),
            "{name}/run.json\n{show}"
        );
        assert_eq!(json["scenario"].as_str(), Some(*name), "{name}/run.json");
        let csv = std::fs::read_to_string(folder.join("trials.csv")).expect("trials.csv");
        assert_eq!(
            csv.lines().count() as u64,
            all + 1,
            "{name}/trials.csv rows"
        );

        let table_row = md
            .lines()
            .find(|l| l.starts_with(&format!("| [{name}]({name}/) |")))
            .unwrap_or_else(|| panic!("no index.md row for {name}\n{md}"));
        for link in [
            format!("({name}/success.png)"),
            format!("({name}/latency.png)"),
        ] {
            assert!(table_row.contains(&link), "{link} in {table_row}\n{md}");
        }
    }
    let last = run.stdout.lines().last().unwrap_or_default();
    let prefix = format!("{} scenarios, {total_trials} trials, ", expected.len());
    assert!(
        last.starts_with(&prefix) && last.contains(" messages in ") && last.ends_with(" s"),
        "last stdout line `{prefix}M messages in X s`\n{show}"
    );
    for (_, name, _, _) in expected {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(name)),
            "the stdout table has a line for {name}\n{show}"
        );
    }
}

/// (1) A folder with three good scenarios, one bad one and a non-scenario file.
#[test]
fn suite_over_a_folder_reports_the_bad_file_and_runs_the_others() {
    let scratch = Scratch::new("suite-folder");
    let (dir, bad) = scenario_folder(&scratch);
    let out = scratch.path("out");
    let run = suite(&[&dir], &out, &[]);
    assert_eq!(run.code(), Some(2), "{}", run.show());
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one stderr line\n{}", run.show());
    let prefix = format!("error: {}:", shown(&bad));
    assert!(
        lines[0].starts_with(&prefix) && lines[0].contains("replicas"),
        "`{prefix}LINE:COL: replicas...`\n{}",
        run.show()
    );
    let expected: Vec<(PathBuf, &str, usize, u32)> = VALID
        .iter()
        .map(|&(file, name, points, trials)| (dir.join(file), name, points, trials))
        .collect();
    check_results(&out, &run, &expected);
    let md = std::fs::read_to_string(out.join("index.md")).expect("index.md");
    let md_lines: Vec<&str> = md.lines().collect();
    let table_end = md_lines
        .iter()
        .rposition(|l| l.starts_with('|'))
        .expect("a table");
    assert!(
        md_lines[table_end + 1..]
            .iter()
            .any(|l| l.contains(&shown(&bad)) && l.contains("replicas")),
        "the bad file and its error are listed below the table\n{md}"
    );
    assert!(!out.join("broken").exists(), "no folder for the bad file");
}

/// (2) Files given explicitly, all valid, run in the order given.
#[test]
fn suite_over_files_in_the_given_order_exits_zero() {
    let scratch = Scratch::new("suite-files");
    let (dir, _) = scenario_folder(&scratch);
    let files: Vec<PathBuf> = VALID.iter().rev().map(|v| dir.join(v.0)).collect();
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = scratch.path("out");
    let run = suite(&inputs, &out, &["--threads", "2"]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    assert!(run.stderr.is_empty(), "nothing on stderr\n{}", run.show());
    let expected: Vec<(PathBuf, &str, usize, u32)> = VALID
        .iter()
        .rev()
        .map(|&(file, name, points, trials)| (dir.join(file), name, points, trials))
        .collect();
    check_results(&out, &run, &expected);
    let md = std::fs::read_to_string(out.join("index.md")).expect("index.md");
    assert!(
        !md.contains("Invalid"),
        "no invalid section when all files are valid\n{md}"
    );
}

/// (3) The same suite twice (at 1 and 2 threads): the same index but for wall times, the same
/// trials and summaries.
#[test]
fn suite_is_deterministic() {
    let scratch = Scratch::new("suite-determinism");
    let (dir, _) = scenario_folder(&scratch);
    let (first, second) = (scratch.path("first"), scratch.path("second"));
    let a = suite(&[&dir], &first, &["--threads", "1"]);
    let b = suite(&[&dir], &second, &["--threads", "2"]);
    assert_eq!(a.code(), Some(2), "{}", a.show());
    assert_eq!(b.code(), Some(2), "{}", b.show());
    let strip = |out: &Path, run: &Run| {
        let (header, rows) = read_index(out, run);
        let wall = header.iter().position(|c| c == "wall_s").expect("wall_s");
        let mut rows = rows;
        for row in &mut rows {
            row.remove(wall);
        }
        rows
    };
    assert_eq!(strip(&first, &a), strip(&second, &b), "index.csv");
    for (_, name, _, _) in VALID {
        for file in ["trials.csv", "summary.csv"] {
            let read = |out: &Path| std::fs::read(out.join(name).join(file)).expect(file);
            assert!(
                read(&first) == read(&second),
                "{name}/{file} differs between the two suites"
            );
        }
    }
}

/// (4) Two files with the same name: the second is reported and skipped.
#[test]
fn suite_reports_a_second_file_with_a_name_already_used() {
    let scratch = Scratch::new("suite-duplicate");
    let first = scratch.write("one.ron", &scenario("twin", 2, ""));
    let second = scratch.write("two.ron", &scenario("twin", 3, ""));
    let other = scratch.write("three.ron", &scenario("single", 2, ""));
    let out = scratch.path("out");
    let run = suite(&[&first, &second, &other], &out, &[]);
    assert_eq!(run.code(), Some(2), "{}", run.show());
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one stderr line\n{}", run.show());
    assert!(
        lines[0].starts_with(&format!("error: {}:", shown(&second)))
            && lines[0].contains("twin")
            && lines[0].contains(&shown(&first)),
        "names the second file, the name and the first file\n{}",
        run.show()
    );
    check_results(
        &out,
        &run,
        &[
            (first.clone(), "twin", 1, 2),
            (other.clone(), "single", 1, 2),
        ],
    );
}

/// Bad input with nothing valid to run (`--threads 0`; only bad files; an empty folder): exit 2,
/// one stderr line per problem, nothing written.
#[test]
fn suite_without_anything_to_run_writes_nothing() {
    let scratch = Scratch::new("suite-nothing");
    let good = scratch.write("one.ron", &scenario("one", 1, ""));
    let bad = scratch.write(
        "bad.ron",
        &scenario("bad", 1, "").replace("trials: 1", "trials: 0"),
    );
    let empty = scratch.path("empty");
    std::fs::create_dir_all(&empty).expect("create an empty folder");
    let missing = scratch.path("missing.ron");
    let out = scratch.path("out");
    let cases: [(Vec<&Path>, &[&str], usize); 3] = [
        (vec![&good], &["--threads", "0"], 1),
        (vec![&bad, &missing], &[], 2),
        (vec![&empty], &[], 1),
    ];
    for (inputs, extra, errors) in cases {
        let run = suite(&inputs, &out, extra);
        assert_eq!(run.code(), Some(2), "{}", run.show());
        assert_eq!(run.stderr.lines().count(), errors, "{}", run.show());
        assert!(
            run.stderr.lines().all(|l| l.starts_with("error: ")),
            "{}",
            run.show()
        );
        assert!(!out.exists(), "nothing written\n{}", run.show());
    }
}
