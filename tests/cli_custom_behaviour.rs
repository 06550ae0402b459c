//! A user's binary that registers its own behaviour and calls `pbft_sim::cli::main` gets every
//! verb of `pbft-sim`: `examples/custom_behaviour.rs` (LazyCommitter) checks, runs, shards,
//! merges, resumes and suites `examples/lazy-committer.ron`, which names the behaviour as
//! `Custom(name: "LazyCommitter")`, while the plain `pbft-sim` binary rejects that file.
//!
//! The example binary is the one `cargo test` builds next to `pbft-sim`
//! (`target/<profile>/examples/custom_behaviour`); a targeted run needs it built too:
//! `cargo build --example custom_behaviour && cargo test --test cli_custom_behaviour`.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::{pbft_sim, run_binary, Run, Scratch};

/// The example's scenario, as shipped.
fn scenario_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/lazy-committer.ron")
}

/// Points x trials of `examples/lazy-committer.ron`.
const TRIALS: usize = 3 * 20;

/// The example binary cargo built beside `pbft-sim`, or a failure saying how to build it (or
/// that it is older than its source).
fn example_binary() -> PathBuf {
    let profile_dir = Path::new(common::BIN)
        .parent()
        .expect("the pbft-sim binary is in a folder");
    let binary = profile_dir
        .join("examples")
        .join(format!("custom_behaviour{}", std::env::consts::EXE_SUFFIX));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/custom_behaviour.rs");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified());
    match (modified(&binary), modified(&source)) {
        (Ok(built), Ok(written)) if built >= written => binary,
        (Ok(_), Ok(_)) => panic!(
            "{} is older than {}: build it with `cargo test` or \
             `cargo build --example custom_behaviour && cargo test --test cli_custom_behaviour`",
            binary.display(),
            source.display()
        ),
        (Err(e), _) => panic!(
            "no example binary at {} ({e}): `cargo test` builds it; a targeted run needs \
             `cargo build --example custom_behaviour && cargo test --test cli_custom_behaviour`",
            binary.display()
        ),
        (_, Err(e)) => panic!("{}: {e}", source.display()),
    }
}

/// `custom_behaviour args...`.
fn custom<S: AsRef<OsStr>>(args: &[S]) -> Run {
    run_binary(&example_binary(), "custom_behaviour", args)
}

/// `custom_behaviour run FILE --out OUT --quiet extra...`, which must succeed.
fn run_ok(file: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let done = custom(&args);
    assert_ok(&done);
    done
}

fn assert_ok(run: &Run) {
    assert_eq!(run.code(), Some(0), "{}", run.show());
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(path: &Path) -> String {
    String::from_utf8(read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The cells of column `name` of a CSV file with a header, row by row.
fn column(csv: &str, name: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    lines
        .map(|line| line.split(',').nth(at).expect("a whole row").to_string())
        .collect()
}

/// `name` of `out` and `reference` are byte-identical.
fn assert_same_file(reference: &Path, out: &Path, name: &str, context: &Run) {
    assert!(
        read(&reference.join(name)) == read(&out.join(name)),
        "{name} differs from the single run's\n{}\n--- {} ---\n{}",
        context.show(),
        out.display(),
        text(&out.join(name))
    );
}

#[test]
fn the_example_binary_names_itself_and_the_simulator() {
    let version = custom(&["--version"]);
    assert_ok(&version);
    assert_eq!(
        version.stdout,
        format!(
            "custom_behaviour (pbft-sim {})\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    let help = custom(&["run", "--help"]);
    assert_ok(&help);
    assert!(
        help.stdout
            .contains("Usage: custom_behaviour run [OPTIONS] <SCENARIO>"),
        "{}",
        help.show()
    );
    for flag in ["--resume", "--shard <I/N>", "--out", "--threads"] {
        assert!(help.stdout.contains(flag), "{flag}\n{}", help.show());
    }
}

#[test]
fn check_accepts_the_custom_name_only_where_it_is_registered() {
    let file = scenario_file();
    let shown = common::shown(&file);
    let checked = custom(&[OsStr::new("check"), file.as_os_str()]);
    assert_ok(&checked);
    assert_eq!(
        checked.stdout,
        format!(
            "{shown}: lazy-committer — 3 points x 20 trials = 60 trials\n\
             \x20 point   0: byzantine[0].count = 0\n\
             \x20 point   1: byzantine[0].count = 1\n\
             \x20 point   2: byzantine[0].count = 2\n"
        ),
        "{}",
        checked.show()
    );
    assert_eq!(checked.stderr, "", "{}", checked.show());

    let plain = pbft_sim([OsStr::new("check"), file.as_os_str()]);
    assert_eq!(plain.code(), Some(2), "{}", plain.show());
    assert_eq!(plain.stdout, "", "{}", plain.show());
    let lines: Vec<&str> = plain.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line\n{}", plain.show());
    assert!(
        lines[0].starts_with(&format!("error: {shown}:")),
        "error: FILE:LINE:COL: ...\n{}",
        plain.show()
    );
    assert!(
        lines[0].contains("unknown custom behaviour \"LazyCommitter\"")
            && lines[0].contains("none is registered in this program"),
        "{}",
        plain.show()
    );
}

#[test]
fn run_shards_merge_resume_and_suite_work_with_the_custom_behaviour() {
    let scratch = Scratch::new("custom");
    let file = scenario_file();

    // run: the files of a run, rows for every trial, one point per number of lazy replicas.
    let full = scratch.path("full");
    let done = run_ok(&file, &full, &[]);
    for name in [
        "trials.csv",
        "summary.csv",
        "run.json",
        "scenario.ron",
        "success.png",
        "success.svg",
        "latency.png",
        "latency.svg",
    ] {
        assert!(full.join(name).is_file(), "{name}\n{}", done.show());
    }
    let trials = text(&full.join("trials.csv"));
    assert_eq!(trials.lines().count(), 1 + TRIALS, "{trials}");
    let counts = column(&trials, "byzantine[0].count");
    let placed = column(&trials, "byzantine");
    for (row, (count, byzantine)) in counts.iter().zip(&placed).enumerate() {
        let point = (row / 20).to_string();
        assert_eq!((count, byzantine), (&point, &point), "row {row}\n{trials}");
    }
    assert!(
        column(&trials, "safety_ok").iter().all(|ok| ok == "true"),
        "omissions never break safety\n{trials}"
    );
    let summary = text(&full.join("summary.csv"));
    assert_eq!(summary.lines().count(), 1 + 3, "{summary}");
    assert!(
        done.stdout.contains(&format!("{TRIALS} trials, ")),
        "{}",
        done.show()
    );

    // The behaviour acts: one lazy replica from the start changes the honest point 0's trials
    // (same trial seeds, so only the behaviour differs).
    let one = scratch.write(
        "one-lazy.ron",
        &text(&file).replace("Range(from: 0, to: 2)", "Values([1])"),
    );
    let lazy = scratch.path("one-lazy");
    run_ok(&one, &lazy, &[]);
    let lazy_trials = text(&lazy.join("trials.csv"));
    let honest_seeds: Vec<String> = column(&trials, "seed").into_iter().take(20).collect();
    assert_eq!(column(&lazy_trials, "seed"), honest_seeds);
    // A wrapper that drops nothing changes at most the odd trial's count (1 of these 20 when
    // tried); dropping every other COMMIT changes nearly all of them.
    let differing = column(&lazy_trials, "messages")
        .iter()
        .zip(column(&trials, "messages").iter().take(20))
        .filter(|(lazy, honest)| lazy != honest)
        .count();
    assert!(
        differing >= 10,
        "dropping every other COMMIT changes the message counts of most trials, not {differing} \
         of 20\n{lazy_trials}"
    );

    // --shard 1/2 and 2/2, merged: the single run's files.
    let shard = |i: usize| scratch.path(&format!("shard{i}"));
    for i in 1..=2 {
        let part = run_ok(&file, &shard(i), &["--shard", &format!("{i}/2")]);
        assert!(part.stdout.contains("shard in "), "{}", part.show());
    }
    let merged = scratch.path("merged");
    let merge = custom(&[
        OsStr::new("merge"),
        shard(2).as_os_str(),
        shard(1).as_os_str(),
        OsStr::new("--out"),
        merged.as_os_str(),
    ]);
    assert_ok(&merge);
    assert!(
        merge.stdout.starts_with("merged 2 shards\n"),
        "{}",
        merge.show()
    );
    for name in ["trials.csv", "summary.csv", "scenario.ron"] {
        assert_same_file(&full, &merged, name, &merge);
    }
    for name in ["success.png", "latency.svg"] {
        assert!(merged.join(name).is_file(), "{name}\n{}", merge.show());
    }

    // Interrupted after 25 trials (as a kill would), then --resume: the single run's files.
    let cut = scratch.path("cut");
    let mut args: Vec<&OsStr> = vec![
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        cut.as_os_str(),
        "--quiet".as_ref(),
    ];
    args.extend(["--abort-after", "25", "--threads", "1"].map(OsStr::new));
    let stopped = custom(&args);
    assert_eq!(stopped.code(), Some(1), "{}", stopped.show());
    assert_eq!(text(&cut.join("trials.csv")).lines().count(), 1 + 25);
    assert!(!cut.join("summary.csv").exists(), "{}", stopped.show());
    let resumed = run_ok(&file, &cut, &["--resume"]);
    assert!(
        resumed.stdout.contains("25 trials were already saved"),
        "{}",
        resumed.show()
    );
    for name in ["trials.csv", "summary.csv", "scenario.ron"] {
        assert_same_file(&full, &cut, name, &resumed);
    }

    // suite over a folder holding the scenario: its folder is the single run's, and the index
    // lists it.
    let folder = scratch.path("scenarios");
    std::fs::create_dir_all(&folder).expect("create the scenario folder");
    std::fs::copy(&file, folder.join("lazy-committer.ron")).expect("copy the scenario");
    let suite_out = scratch.path("suite");
    let suite = custom(&[
        OsStr::new("suite"),
        folder.as_os_str(),
        OsStr::new("--out"),
        suite_out.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    assert_ok(&suite);
    let ran = suite_out.join("lazy-committer");
    for name in ["trials.csv", "summary.csv"] {
        assert_same_file(&full, &ran, name, &suite);
    }
    let index = text(&suite_out.join("index.csv"));
    assert_eq!(index.lines().count(), 2, "{index}");
    assert_eq!(column(&index, "name"), ["lazy-committer"], "{index}");
    assert_eq!(column(&index, "trials"), [TRIALS.to_string()], "{index}");
    assert!(
        suite
            .stdout
            .contains(&format!("1 scenarios, {TRIALS} trials")),
        "{}",
        suite.show()
    );

    // The plain binary's suite reports the file and runs nothing.
    let plain_out = scratch.path("plain-suite");
    let plain = pbft_sim([
        OsStr::new("suite"),
        folder.as_os_str(),
        OsStr::new("--out"),
        plain_out.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    assert_eq!(plain.code(), Some(2), "{}", plain.show());
    assert!(
        plain
            .stderr
            .contains("unknown custom behaviour \"LazyCommitter\""),
        "{}",
        plain.show()
    );
    assert!(!plain_out.exists(), "nothing written\n{}", plain.show());
}
