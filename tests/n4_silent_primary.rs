//! `scenarios/silent-primary.ron`: a silent primary costs one view change, not a stalled run
//! (Castro & Liskov §4.4). Every request completes; the first one pays the client's timeout,
//! the backups' view-change timeout and the view change itself.

mod common;

#[test]
fn one_view_change_then_normal_operation() {
    let rows = common::run_scenario_file("scenarios/silent-primary.ron");
    assert!(!rows.is_empty());
    for row in rows {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.completed, 100);
        assert_eq!(out.view_changes, 1, "exactly one view change");
        // request_timeout (300) + view_change_timeout (200), plus at least six and at most
        // eight link delays of 5..15 ms: relay, VIEW-CHANGE, NEW-VIEW (with the pre-prepare
        // right after it), PREPARE, COMMIT, REPLY.
        let first = out.latencies_ms[0];
        assert!(
            (500.0 + 6.0 * 5.0..=500.0 + 8.0 * 15.0).contains(&first),
            "first: {first}"
        );
        // Afterwards, the normal case: five delays of at most 15 ms each.
        assert!(
            out.latencies_ms[1..].iter().all(|l| *l <= 75.0),
            "{:?}",
            out.latencies_ms
        );
    }
}
