//! A replica cut off by a partition catches up once the partition heals, even when the others
//! have gone idle on a stable checkpoint (Castro & Liskov §4.3; TOCS'02 §5.2: a replica that is
//! behind learns so from its peers' status messages). n = 4, replica 3 partitioned from 0 to
//! 1000 ms, a checkpoint every 2 sequence numbers, 2, 4, 6 and 8 requests: the last request
//! lands on a checkpoint, so nothing is left open anywhere when the partition heals.

mod common;

const IDLE_PARTITION: &str = r#"Scenario(
    name: "idle-partition",
    seed: 5,
    trials: 5,
    replicas: 4,
    workload: (clients: 1, requests: 2),
    network: (delay: Uniform(min_ms: 5.0, max_ms: 15.0)),
    faults: [Partition(groups: [[0, 1, 2], [3]], from_ms: 0.0, until_ms: 1000.0)],
    protocol: (checkpoint_interval: 2),
    time_limit_ms: 10000.0,
    sweep: [(path: "workload.requests", values: Values([2, 4, 6, 8]))],
)"#;

#[test]
fn n4_a_replica_partitioned_until_the_others_idle_on_a_checkpoint_catches_up() {
    let rows = common::run_scenario_text(IDLE_PARTITION);
    assert_eq!(rows.len(), 20, "4 points of 5 trials");
    for row in &rows {
        let out = &row.outcome;
        assert!(
            out.success && out.safety_ok,
            "requests {:?}, trial {}: {out:?}",
            row.axis_values,
            row.trial
        );
        assert_eq!(out.completed, out.requests);
        assert!(
            out.time_ms > 1000.0,
            "replica 3 can only catch up after the partition heals: {}",
            out.time_ms
        );
        assert_eq!(out.view_changes, 0, "the primary was never at fault");
    }
}
