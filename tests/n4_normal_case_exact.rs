//! n = 4, no faults, constant 10 ms links, one request: the normal case takes exactly five
//! message delays to the client (request, pre-prepare, prepare, commit, reply) and four to the
//! last commit, with 1 + 3 + 9 + 12 + 4 = 29 messages (Castro & Liskov §4.2).

mod common;

const ONE_REQUEST: &str = r#"Scenario(
    name: "n4-exact",
    replicas: 4,
    trials: 3,
    workload: (clients: 1, requests: 1),
    network: (delay: Constant(ms: 10.0)),
)"#;

#[test]
fn one_request_takes_five_delays_and_29_messages() {
    for row in common::run_scenario_text(ONE_REQUEST) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latency_ms, Some(50.0), "request to accepted reply");
        assert_eq!(
            out.commit_ms,
            Some(40.0),
            "request to the last honest commit"
        );
        assert_eq!(
            out.messages, 29,
            "1 request + 3 pre-prepares + 9 prepares + 12 commits + 4 replies"
        );
        assert_eq!((out.completed, out.view_changes, out.final_view), (1, 0, 0));
        assert_eq!(out.time_ms, 50.0, "the trial ends when the client accepts");
    }
}

#[test]
fn closed_loop_clients_each_take_five_delays_per_request() {
    let text = ONE_REQUEST.replace("(clients: 1, requests: 1)", "(clients: 3, requests: 4)");
    for row in common::run_scenario_text(&text) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latencies_ms, vec![50.0; 12]);
        assert_eq!(out.messages, 12 * 29);
        assert_eq!(out.time_ms, 200.0, "four requests back to back per client");
    }
}
