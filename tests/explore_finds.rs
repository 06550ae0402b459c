//! What `pbft-sim explore` must find, end to end through the binary (the issue's "done when"):
//! - beyond f, a SplitBrain coalition breaks agreement, and the shrunk counterexample has
//!   exactly 2q - n members (Castro & Liskov §4.5.1: two quorums meet in 2q - n replicas), at
//!   n = 4 and n = 7, from spaces that draw anywhere from 1 member to n - 1;
//! - with the planted bug (`--features planted-bug`), a campaign of at most 10,000 trials over
//!   a space where faults and byzantine replicas are optional finds it, and shrinks it to at most
//!   2 timed faults and 2 requests (see `planted` below);
//! - every counterexample replays with `pbft-sim run` to the same verdict;
//! - a space file with an error exits 2 with FILE:LINE:COL, like `run`.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{csv_rows, pbft_sim, Scratch};
use pbft_sim::protocol::quorum::{default_f, quorum};
use pbft_sim::scenario::Scenario;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `explore SPACE --budget B --out OUT --quiet`; the campaign must have failed (exit 1).
/// Returns the failures' rows.
fn explore_failing(space: &Path, out: &Path, budget: u64) -> Vec<BTreeMap<String, String>> {
    let budget = budget.to_string();
    let run = pbft_sim([
        "explore".as_ref(),
        space.as_os_str(),
        "--budget".as_ref(),
        budget.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(
        run.code(),
        Some(1),
        "a campaign that finds failures exits 1:\n{}",
        run.show()
    );
    csv_rows(&out.join("failures.csv"))
}

/// The counterexample of `signature` in `out`, loaded as the one scenario it is.
fn counterexample(out: &Path, signature: &str) -> (PathBuf, Scenario) {
    let path = out.join("counterexamples").join(format!("{signature}.ron"));
    let mut plan = pbft_sim::scenario::load(&path)
        .unwrap_or_else(|e| panic!("the counterexample is a valid scenario: {e}"));
    assert_eq!(plan.points.len(), 1, "one point");
    assert_eq!(plan.trials(), 1, "one trial");
    (path.clone(), plan.points.remove(0).scenario)
}

/// `pbft-sim run FILE` and the one row of its `trials.csv`.
fn replay(file: &Path, scratch: &Scratch, name: &str) -> BTreeMap<String, String> {
    let out = scratch.path(name);
    let run = pbft_sim([
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let mut rows = csv_rows(&out.join("trials.csv"));
    assert_eq!(rows.len(), 1, "one trial replayed");
    rows.remove(0)
}

fn split_brain_space(n: u32) -> String {
    format!(
        r#"// explore_finds: SplitBrain at the primary, 1 to n - 1 members, at n = {n}.
Space(
    name: "split-brain-{n}",
    seed: 7,
    properties: [Safety],
    replicas: (min: {n}, max: {n}),
    byzantine: (count: (min: 1, max: {max}), behaviours: [SplitBrain], placements: [Primary]),
    faults: (count: (min: 0, max: 0)),
    network: (delays: [Uniform], delay_ms: (min: 1.0, max: 20.0)),
    workload: (clients: (min: 1, max: 3), requests: (min: 1, max: 4)),
    time_limit_ms: 20000.0,
)
"#,
        max = n - 1
    )
}

fn split_brain_shrinks_to_the_threshold(n: u32) {
    let threshold = 2 * quorum(n, default_f(n)) - n;
    let scratch = Scratch::new(&format!("explore-finds-split-{n}"));
    let space = scratch.write("space.ron", &split_brain_space(n));
    let out = scratch.path("out");
    let failures = explore_failing(&space, &out, 400);
    let agreement = failures
        .iter()
        .find(|r| r["signature"] == "safety-agreement")
        .unwrap_or_else(|| panic!("no agreement violation found at n = {n}: {failures:?}"));
    // Draws with fewer members than the threshold never fail: the first failure's index is
    // where the search had to get to.
    let rows = csv_rows(&out.join("campaign.csv"));
    for row in &rows {
        let members: u32 = row["byzantine"].parse().expect("a count");
        if members < threshold {
            assert_eq!(
                row["verdict"], "pass",
                "n = {n}, {members} members: {row:?}"
            );
        }
    }
    assert!(
        rows.iter().any(|r| r["verdict"] == "pass"),
        "the space draws passing scenarios too"
    );
    let (file, shrunk) = counterexample(&out, "safety-agreement");
    let members: u32 = shrunk.byzantine.iter().map(|g| g.count).sum();
    assert_eq!(
        members, threshold,
        "n = {n}: the shrunk counterexample has 2q - n = {threshold} members"
    );
    assert_eq!(shrunk.replicas, n);
    assert_eq!(agreement["shrunk_byzantine"], threshold.to_string());
    assert!(shrunk.faults.is_empty());
    let header = read(&file);
    assert!(
        header.starts_with("// Counterexample: safety-agreement"),
        "the file says what fails:\n{header}"
    );
    // The file replays with `run`: the same trial, unsafe, by an agreement violation.
    let row = replay(&file, &scratch, "replay");
    assert_eq!(row["safety_ok"], "false", "{row:?}");
    assert!(row["violation_details"].starts_with("agreement"), "{row:?}");
    assert!(
        out.join("counterexamples/safety-agreement.trace/trace.jsonl")
            .is_file(),
        "its trace is beside it"
    );
}

#[test]
fn beyond_f_split_brain_shrinks_to_2q_minus_n_members_at_n4() {
    split_brain_shrinks_to_the_threshold(4);
}

#[test]
fn beyond_f_split_brain_shrinks_to_2q_minus_n_members_at_n7() {
    split_brain_shrinks_to_the_threshold(7);
}

/// A wide space over the planted bug: n 4..7, up to f byzantine replicas of any behaviour at any
/// placement (or none), up to 3 timed faults of any kind (or none), any delay profile, 1..3
/// clients x 1..4 requests; safety and liveness within f. Nothing in it asks for the bug's
/// combination: the search must find that faults and a byzantine replica are both needed.
#[cfg(feature = "planted-bug")]
const PLANTED_SPACE: &str = r#"// explore_finds: the planted bug, in a space where faults and byzantine replicas are optional.
Space(
    name: "planted",
    seed: 1,
    properties: [Safety, LivenessWithinF(heal_by_ms: 2000.0, grace_ms: 13000.0)],
    replicas: (min: 4, max: 7),
    byzantine: (count: (min: 0, max: F(0)), groups: (min: 1, max: 1)),
    faults: (count: (min: 0, max: 3), horizon_ms: 2000.0, window_ms: (min: 50.0, max: 1500.0), for_good: 0.0),
    network: (delay_ms: (min: 1.0, max: 10.0)),
    workload: (clients: (min: 1, max: 3), requests: (min: 1, max: 4)),
    protocol: (base: (planted_bug: Some(ShortQuorumAfterMutePrimary))),
)
"#;

/// The issue's first "done when": a planted bug that needs a timed fault and a byzantine
/// replica to show is found within 10,000 trials and shrunk to at most 2 timed faults and 2
/// requests, and each counterexample replays with `run` to the same verdict.
#[cfg(feature = "planted-bug")]
#[test]
fn the_planted_bug_is_found_within_10000_trials_and_shrunk_small() {
    let scratch = Scratch::new("explore-finds-planted");
    let space = scratch.write("space.ron", PLANTED_SPACE);
    let out = scratch.path("out");
    let failures = explore_failing(&space, &out, 10_000);
    assert!(!failures.is_empty(), "the planted bug is found");
    let rows = csv_rows(&out.join("campaign.csv"));
    assert_eq!(rows.len(), 10_000);
    for row in rows.iter().filter(|r| r["verdict"] == "fail") {
        // It shows only with both: a draw without a fault or without a byzantine replica
        // never fails.
        assert_ne!(row["faults"], "0", "{row:?}");
        assert_ne!(row["byzantine"], "0", "{row:?}");
    }
    for failure in &failures {
        let signature = &failure["signature"];
        let (file, shrunk) = counterexample(&out, signature);
        let requests = u64::from(shrunk.workload.clients.get()) * shrunk.workload.requests.get();
        assert!(
            shrunk.faults.len() <= 2 && requests <= 2,
            "{signature}: shrunk to {} faults and {requests} requests:\n{}",
            shrunk.faults.len(),
            read(&file)
        );
        assert!(
            !shrunk.faults.is_empty() && !shrunk.byzantine.is_empty(),
            "{signature}: the bug needs a fault and a byzantine replica:\n{}",
            read(&file)
        );
        let row = replay(&file, &scratch, &format!("replay-{signature}"));
        if let Some(kind) = signature.strip_prefix("safety-") {
            assert_eq!(row["safety_ok"], "false", "{row:?}");
            assert!(row["violation_details"].starts_with(kind), "{row:?}");
        } else {
            assert_eq!(row["safety_ok"], "true", "{row:?}");
            assert_eq!(row["success"], "false", "{signature}: {row:?}");
        }
    }
}

#[test]
fn a_space_with_an_error_exits_2_with_file_line_col() {
    let scratch = Scratch::new("explore-finds-bad");
    let bad = split_brain_space(4).replace("(min: 4, max: 4)", "(min: 4, max: 3)");
    let space = scratch.write("bad.ron", &bad);
    let out = scratch.path("out");
    let run = pbft_sim([
        "explore".as_ref(),
        space.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(run.code(), Some(2), "{}", run.show());
    let line = run.stderr.trim();
    let prefix = format!(
        "error: {}:6:5: replicas: min (4) is above max (3)",
        space.display()
    );
    assert!(line.starts_with(&prefix), "{line}");
    assert_eq!(line.lines().count(), 1, "one line: {line}");
    assert!(!out.join("campaign.csv").exists(), "nothing written");
}

#[test]
fn check_reads_a_space_as_explore_does() {
    let spaces = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("spaces");
    let run = pbft_sim(["check".as_ref(), spaces.as_os_str()]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("search space within-f — checks safety and liveness")),
        "{}",
        run.stdout
    );
    let scratch = Scratch::new("explore-finds-check");
    let bad = split_brain_space(4).replace("(min: 4, max: 4)", "(min: 4, max: 3)");
    let space = scratch.write("bad.ron", &bad);
    let run = pbft_sim(["check".as_ref(), space.as_os_str()]);
    assert_eq!(run.code(), Some(2), "{}", run.show());
    assert!(
        run.stderr
            .starts_with(&format!("error: {}:6:5: replicas", space.display())),
        "{}",
        run.stderr
    );
}
