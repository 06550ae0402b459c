//! The split-brain coalition (`SplitBrain`, DESIGN.md §4): a byzantine primary orders one batch
//! for half the honest replicas and another for the rest at the same sequence number, and its
//! accomplices vote for both. Two quorums of q = ceil((n+f+1)/2) replicas meet in at least
//! 2q - n replicas (Castro & Liskov §4.5.1), so the coalition breaks agreement once it has
//! 2q - n members: each half of the n - (2q - n) honest replicas then makes a quorum with the
//! members, the two halves commit different batches, and the oracle reports an agreement
//! violation. That is f + 1 members when n = 3f + 1 (n = 4, 7) but f + 2 for n = 5, 8, 11; with
//! fewer members nothing is violated. (The honest replicas the primary left on the losing side
//! may stay behind until the next stable checkpoint: with f members they never see a quorum of
//! COMMITs for the batch that won, so these tests ask that clients complete, not that every
//! honest replica commits.)

mod common;

use common::run_scenario_text as run;
use pbft_sim::protocol::quorum::{default_f, quorum};
use pbft_sim::runner::TrialRecord;

/// The fewest SplitBrain members that break agreement among n replicas: 2q - n.
fn threshold(n: u32) -> u32 {
    2 * quorum(n, default_f(n)) - n
}

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

fn breaks_agreement(r: &TrialRecord) -> bool {
    !r.outcome.safety_ok && r.outcome.violations.iter().any(|v| v.contains("agreement"))
}

fn assert_agreement_broken(n: u32, members: u32) {
    let records = run(&scenario(n, members, 20));
    assert_eq!(records.len(), 20);
    let broken = records.iter().filter(|r| breaks_agreement(r)).count();
    assert!(
        broken >= 1,
        "n={n}, {members} members: no agreement violation in 20 trials:\n{}",
        records.iter().map(describe).collect::<Vec<_>>().join("\n")
    );
}

/// `members` (more than f, fewer than 2q - n) never break agreement, nor any other safety
/// property; liveness is not asked (more than f replicas are faulty).
fn assert_safe(n: u32, members: u32, trials: u32) {
    let records = run(&scenario(n, members, trials));
    assert_eq!(records.len(), trials as usize);
    let bad: Vec<String> = records
        .iter()
        .filter(|r| !r.outcome.safety_ok)
        .map(describe)
        .collect();
    assert!(
        bad.is_empty(),
        "n={n}, {members} members: {} of {trials} trials unsafe:\n{}",
        bad.len(),
        bad.join("\n")
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
fn the_threshold_is_2q_minus_n_members() {
    // f + 1 when n = 3f + 1; f + 2 when n = 3f + 2.
    let table: Vec<(u32, u32, u32)> = [4, 5, 6, 7, 8, 10, 11]
        .into_iter()
        .map(|n| (n, default_f(n), threshold(n)))
        .collect();
    assert_eq!(
        table,
        [
            (4, 1, 2),
            (5, 1, 3),
            (6, 1, 2),
            (7, 2, 3),
            (8, 2, 4),
            (10, 3, 4),
            (11, 3, 5)
        ]
    );
}

#[test]
fn n4_two_members_break_agreement() {
    assert_eq!(threshold(4), 2);
    assert_agreement_broken(4, 2);
}

#[test]
fn n7_three_members_break_agreement() {
    assert_eq!(threshold(7), 3);
    assert_agreement_broken(7, 3);
}

#[test]
fn n5_two_members_do_not_break_agreement_three_do() {
    // n = 5, f = 1, q = 4: two quorums share 3 replicas, so f + 1 = 2 members are not enough.
    assert_eq!(threshold(5), 3);
    assert_safe(5, 2, 100);
    assert_agreement_broken(5, 3);
}

#[test]
fn n4_one_member_is_tolerated() {
    assert_tolerated(4);
}

#[test]
fn n7_two_members_are_tolerated() {
    assert_tolerated(7);
}
