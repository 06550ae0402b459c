//! A silent primary, one client, one request, constant 10 ms links: the message count is the
//! theory's, 4n(n-1) + 2, at n = 4, 5, 6, 7, 10 and 13 (Castro & Liskov §4.2, §4.4; TOCS'02
//! §5.2). In particular the new primary sends NEW-VIEW once to each replica: a VIEW-CHANGE that
//! merely crossed the NEW-VIEW is not answered with a second copy.
//!
//! With r = n - 1 honest replicas (the silent primary sends nothing, but is sent to):
//! - the client's REQUEST to the primary (1), its retransmission to all n replicas after the
//!   request timeout (n), and each backup's relay to the primary (r): 2n;
//! - one STATUS from each backup while it waits (half the view-change timeout later), to the
//!   other n - 1 replicas: r(n-1);
//! - VIEW-CHANGE from each backup: r(n-1); NEW-VIEW and then PRE-PREPARE from the new primary:
//!   2(n-1); PREPARE from the r - 1 other backups: (r-1)(n-1); COMMIT from all r: r(n-1);
//!   REPLY from all r: r.
//!
//! Sum: 2n + (n-1)(3(n-1) + 2 + (n-2) + 1) = 2n + (n-1)(4n-2) = 4n(n-1) + 2.

mod common;

fn scenario(n: u32) -> String {
    format!(
        r#"Scenario(
            name: "silent-n{n}",
            replicas: {n},
            trials: 3,
            workload: (clients: 1, requests: 1),
            network: (delay: Constant(ms: 10.0)),
            byzantine: [(count: 1, placement: Primary, behaviour: Silent)],
            protocol: (view_change_timeout_ms: 200.0, request_timeout_ms: 300.0),
        )"#
    )
}

#[test]
fn a_silent_primary_costs_the_theorys_messages_at_n_4_to_13() {
    let mut seen = Vec::new();
    for n in [4u64, 5, 6, 7, 10, 13] {
        let theory = 4 * n * (n - 1) + 2;
        for row in common::run_scenario_text(&scenario(n as u32)) {
            let out = &row.outcome;
            assert!(out.success && out.safety_ok, "n = {n}: {out:?}");
            assert_eq!(out.view_changes, 1, "n = {n}: one view change");
            assert_eq!(out.messages, theory, "n = {n}: messages");
        }
        seen.push((n, theory));
    }
    assert_eq!(
        seen.iter().map(|(_, m)| *m).collect::<Vec<_>>(),
        vec![50, 82, 122, 170, 362, 626],
        "the figures of the theory"
    );
}
