//! The slow-primary attack (Clement et al., NSDI'09): a primary that holds each pre-prepare back
//! just under the view-change timeout is never replaced, and every request pays the delay. A
//! silent primary, by contrast, is replaced at once. Also: `ViewChangeStorm` at f replicas moves
//! nobody, and at f+1 forces view changes without cause (Castro & Liskov §4.5.2).

mod common;

use common::run_scenario_text as run;
use pbft_sim::runner::TrialRecord;

fn scenario(behaviour: &str, count: u32) -> String {
    format!(
        r#"Scenario(
            name: "n4-slow-primary",
            seed: 3,
            trials: 20,
            replicas: 4,
            workload: (clients: 2, requests: 4),
            network: (delay: Uniform(min_ms: 1.0, max_ms: 10.0)),
            byzantine: [(count: {count}, placement: Primary, behaviour: {behaviour})],
            protocol: (view_change_timeout_ms: 200.0, request_timeout_ms: 400.0),
            time_limit_ms: 60000.0,
        )"#
    )
}

fn mean_latency(records: &[TrialRecord]) -> f64 {
    let all: Vec<f64> = records
        .iter()
        .flat_map(|r| r.outcome.latencies_ms.iter().copied())
        .collect();
    all.iter().sum::<f64>() / all.len().max(1) as f64
}

#[test]
fn a_primary_just_under_the_timeout_is_never_replaced() {
    let slow = run(&scenario("SlowPrimary(delay_ms: 180.0)", 1));
    for r in &slow {
        assert!(r.outcome.success && r.outcome.safety_ok, "{r:?}");
        assert_eq!(r.outcome.view_changes, 0, "trial {}: replaced", r.trial);
    }
    let honest = run(&scenario("Silent", 0));
    let (slow_ms, honest_ms) = (mean_latency(&slow), mean_latency(&honest));
    assert!(
        slow_ms > 180.0 && slow_ms > 4.0 * honest_ms,
        "slow {slow_ms} ms vs honest {honest_ms} ms"
    );
    let silent = run(&scenario("Silent", 1));
    assert!(silent
        .iter()
        .all(|r| r.outcome.success && r.outcome.view_changes >= 1));
}

#[test]
fn a_view_change_storm_needs_f_plus_one() {
    let one = run(&scenario("ViewChangeStorm", 1));
    assert!(one.iter().all(|r| r.outcome.success && r.outcome.safety_ok));
    assert!(
        one.iter().all(|r| r.outcome.view_changes == 0),
        "one stormer moved the others"
    );
    let two = run(&scenario("ViewChangeStorm", 2));
    assert!(two.iter().all(|r| r.outcome.safety_ok));
    assert!(
        two.iter().any(|r| r.outcome.view_changes >= 1),
        "two stormers never forced a view change"
    );
}
