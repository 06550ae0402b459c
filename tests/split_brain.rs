//! The split-brain coalition (`SplitBrain`, DESIGN.md §4): a byzantine primary orders one batch
//! for half the honest replicas and another for the rest at the same sequence number, and its
//! accomplices vote for both. With f+1 members (one past PBFT's bound n >= 3f+1, Castro & Liskov
//! §4.5.1) the two halves commit different batches and the oracle reports an agreement violation;
//! with f members (the primary among them) every request completes and nothing is violated.
//! (The honest replicas the primary left on the losing side may stay behind until the next
//! stable checkpoint: with f members they never see a quorum of COMMITs for the batch that won,
//! so these tests ask that clients complete, not that every honest replica commits.)

mod common;

use common::run_scenario_text as run;
use pbft_sim::runner::TrialRecord;

fn scenario(n: u32, members: u32, trials: u32) -> String {
    format!(
        r#"Scenario(
            name: "split-brain",
            seed: 23,
            trials: {trials},
            replicas: {n},
            workload: (clients: 2, requests: 3),
            network: (delay: Uniform(min_ms: 1.0, max_ms: 20.0)),
            byzantine: [(count: {members}, placement: Primary, behaviour: SplitBrain)],
            time_limit_ms: 60000.0,
        )"#
    )
}

fn describe(r: &TrialRecord) -> String {
    format!(
        "trial {} seed {}: success {} safety {} completed {}/{} views {} {:?}",
        r.trial,
        r.seed,
        r.outcome.success,
        r.outcome.safety_ok,
        r.outcome.completed,
        r.outcome.requests,
        r.outcome.view_changes,
        r.outcome.violations
    )
}

fn assert_agreement_broken(n: u32) {
    let f = (n - 1) / 3;
    let records = run(&scenario(n, f + 1, 20));
    assert_eq!(records.len(), 20);
    let broken = records
        .iter()
        .filter(|r| {
            !r.outcome.safety_ok && r.outcome.violations.iter().any(|v| v.contains("agreement"))
        })
        .count();
    assert!(
        broken >= 1,
        "n={n}, {} members: no agreement violation in 20 trials:\n{}",
        f + 1,
        records.iter().map(describe).collect::<Vec<_>>().join("\n")
    );
}

fn assert_tolerated(n: u32) {
    let f = (n - 1) / 3;
    let records = run(&scenario(n, f, 200));
    assert_eq!(records.len(), 200);
    let bad: Vec<String> = records
        .iter()
        .filter(|r| !(r.outcome.safety_ok && r.outcome.success))
        .map(describe)
        .collect();
    assert!(
        bad.is_empty(),
        "n={n}, {f} members: {} of 200 trials not tolerated:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn n4_two_members_break_agreement() {
    assert_agreement_broken(4);
}

#[test]
fn n7_three_members_break_agreement() {
    assert_agreement_broken(7);
}

#[test]
fn n4_one_member_is_tolerated() {
    assert_tolerated(4);
}

#[test]
fn n7_two_members_are_tolerated() {
    assert_tolerated(7);
}
