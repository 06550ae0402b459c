//! Junk votes cannot starve a slot (Castro & Liskov §4.2: certificates count matching votes
//! only). n = 13, the primaries of views 0 to 3 are WrongDigest replicas (every PREPARE and
//! COMMIT they send, resends included, names a fresh bogus digest), and replica 4, honest and
//! the primary of view 4, is down at first, so nothing can commit: views fail one after
//! another while the faulty replicas' votes pile up for the first slot. Once it is back, the
//! honest primary of the view then current (which casts no PREPARE of its own) must still
//! count every honest vote. Back at 1.5 s the view then current is 3; back at 6 s it is 5,
//! the first honest primary that casts no PREPARE after the junk of five views (the per-slot
//! cap of 16 keys this replaced refused every vote there: 0 of 5 trials succeeded).

mod common;

fn scenario(recover_at_ms: f64) -> String {
    format!(
        r#"Scenario(
            name: "junk-votes",
            seed: 9,
            trials: 5,
            replicas: 13,
            workload: (clients: 1, requests: 5),
            network: (delay: Uniform(min_ms: 5.0, max_ms: 15.0)),
            faults: [Crash(replicas: [4], at_ms: 0.0, recover_at_ms: Some({recover_at_ms:.1}))],
            byzantine: [(count: 4, placement: Primary, behaviour: WrongDigest)],
            protocol: (view_change_timeout_ms: 200.0, request_timeout_ms: 300.0),
            time_limit_ms: 120000.0,
        )"#
    )
}

fn every_request_completes(recover_at_ms: f64, least_final_view: u64) {
    let rows = common::run_scenario_text(&scenario(recover_at_ms));
    assert_eq!(rows.len(), 5);
    for row in &rows {
        let out = &row.outcome;
        assert!(
            out.success && out.safety_ok,
            "back at {recover_at_ms} ms, trial {}: {out:?}",
            row.trial
        );
        assert_eq!(out.completed, 5);
        assert!(
            out.final_view >= least_final_view,
            "back at {recover_at_ms} ms: final view {} (views failed while it was down)",
            out.final_view
        );
    }
}

#[test]
fn n13_wrong_digest_primaries_replica_back_at_1_5_s_every_request_completes() {
    every_request_completes(1500.0, 3);
}

#[test]
fn n13_wrong_digest_primaries_replica_back_at_6_s_every_request_completes() {
    every_request_completes(6000.0, 5);
}
