//! A replica crashed for longer than two checkpoint intervals comes back, catches up by state
//! transfer (Castro & Liskov §4.3; TOCS'02 §6.2) and executes every later request.

mod common;

/// n = 4, one client with 63 requests, a checkpoint every 5 sequence numbers. Replica 2 is down
/// from 50 ms to 900 ms: the others go on without it (3 = q replicas) through many checkpoints.
const CRASH: &str = r#"Scenario(
    name: "crash-recover",
    seed: 21,
    trials: 10,
    replicas: 4,
    workload: (clients: 1, requests: 63),
    network: (delay: Uniform(min_ms: 2.0, max_ms: 8.0)),
    protocol: (checkpoint_interval: 5, log_window: 10),
    faults: [Crash(replicas: [2], at_ms: 50.0, recover_at_ms: Some(900.0))],
    time_limit_ms: 60000.0,
)"#;

#[test]
fn a_recovered_replica_catches_up_and_executes_the_rest() {
    for row in common::run_scenario_text(CRASH) {
        let out = &row.outcome;
        // Success includes replica 2: it committed every request, the last three (61..63)
        // after the last checkpoint (60), so by executing them, not by state transfer.
        assert!(out.success && out.safety_ok, "{out:?}");
        assert!(
            out.state_transfers >= 1,
            "caught up by state transfer: {out:?}"
        );
        // The crash outlasted more than two checkpoint intervals of progress: ~20 ms a request.
        let done_before_recovery = out
            .latencies_ms
            .iter()
            .scan(0.0, |t, l| {
                *t += l;
                Some(*t)
            })
            .filter(|t| *t < 900.0)
            .count();
        assert!(
            done_before_recovery > 10,
            "{done_before_recovery} requests while down"
        );
        assert!(out.time_ms > 900.0);
    }
}

#[test]
fn a_replica_that_never_recovers_is_not_waited_for() {
    let text = CRASH.replace("Some(900.0)", "None");
    for row in common::run_scenario_text(&text) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.completed, 63);
    }
}
