//! Workloads end to end (issue 15, "Workloads"): think time, open-loop Poisson arrivals and
//! the latency they measure, read-only requests and tentative acceptance as far as they work
//! with any replicas. The client's own rules (2f+1 for read-only and its fallback, tentative
//! quorums, the exact read-only share) are unit-tested in `src/protocol/client_tests.rs`,
//! with scripted replies.

mod common;

use pbft_sim::sim::poisson_arrivals;

const CONSTANT_10MS: &str = r#"Scenario(
    name: "workload",
    replicas: 4,
    trials: 2,
    workload: (clients: 1, requests: 4),
    network: (delay: Constant(ms: 10.0)),
)"#;

fn with_workload(workload: &str) -> String {
    CONSTANT_10MS.replace("(clients: 1, requests: 4)", workload)
}

/// With constant delays a request takes five delays (50 ms); a think time t after each result
/// but the last adds exactly t x (requests - 1) to the client's run, and nothing to latency.
#[test]
fn think_time_adds_exactly_think_times_requests_minus_one() {
    for row in common::run_scenario_text(CONSTANT_10MS) {
        assert!(row.outcome.success, "{:?}", row.outcome);
        assert_eq!(row.outcome.time_ms, 200.0, "four requests back to back");
    }
    let thinking = with_workload("(clients: 1, requests: 4, think_time_ms: 7.0)");
    for row in common::run_scenario_text(&thinking) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.time_ms, 200.0 + 7.0 * 3.0);
        assert_eq!(out.latencies_ms, vec![50.0; 4], "thinking is not latency");
        assert_eq!(out.messages, 4 * 29);
        let sent: Vec<u64> = out
            .request_times
            .iter()
            .filter_map(|t| t.sent_ns())
            .collect();
        assert_eq!(sent, [0, 57_000_000, 114_000_000, 171_000_000]);
    }
}

#[test]
fn poisson_arrivals_have_the_rate_and_are_reproducible() {
    let rate = 2_000.0;
    let all = poisson_arrivals(99, 4, 5_000, rate);
    assert!(all.iter().all(|times| times.len() == 5_000));
    // The process itself: arrival k is client k mod 4's.
    let merged: Vec<u64> = (0..5_000)
        .flat_map(|i| all.iter().map(move |times| times[i]))
        .collect();
    assert!(merged.windows(2).all(|w| w[0] <= w[1]), "ascending");
    let (first, last) = (merged[0], merged[merged.len() - 1]);
    let measured = (merged.len() - 1) as f64 * 1e9 / (last - first) as f64;
    assert!(
        (measured / rate - 1.0).abs() < 0.03,
        "mean rate {measured} per second, asked {rate}"
    );
    // Each client's share: a quarter of the rate.
    for times in &all {
        let per_client =
            (times.len() - 1) as f64 * 1e9 / (times[times.len() - 1] - times[0]) as f64;
        assert!(
            (per_client / (rate / 4.0) - 1.0).abs() < 0.05,
            "{per_client}"
        );
    }
    assert_eq!(
        all,
        poisson_arrivals(99, 4, 5_000, rate),
        "same seed, same arrivals"
    );
    assert_ne!(
        all,
        poisson_arrivals(100, 4, 5_000, rate),
        "another seed, others"
    );
}

/// The open loop's requests are sent when they arrive if the client is idle, and a request's
/// `sent` time is its arrival whatever it waited: the trial's arrivals, drawn from its seed.
#[test]
fn open_loop_requests_arrive_at_the_drawn_times() {
    let text = with_workload("(clients: 3, requests: 4, arrivals: Poisson(per_second: 20.0))")
        .replace("trials: 2,", "trials: 2, time_limit_ms: 60000.0,");
    for row in common::run_scenario_text(&text) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        let drawn = poisson_arrivals(row.seed, 3, 4, 20.0);
        for t in &out.request_times {
            let arrival = drawn[t.client() as usize][t.timestamp() as usize - 1];
            assert_eq!(t.sent_ns(), Some(arrival), "{t:?}");
        }
        assert_eq!(out.request_times.len(), 12);
    }
}

/// A burst: five requests arrive within microseconds at one client, which sends them one at a
/// time; each waits for those before it, and its latency, counted from its arrival, shows it:
/// request k is accepted k x 50 ms after the first arrived, and its latency is just under
/// that.
#[test]
fn a_burst_queues_at_the_client_and_latency_counts_from_arrival() {
    let text = with_workload("(clients: 1, requests: 5, arrivals: Poisson(per_second: 1000000.0))");
    for row in common::run_scenario_text(&text) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        let first = out.request_times[0].sent_ns().unwrap_or(u64::MAX);
        for (k, t) in (1u64..).zip(&out.request_times) {
            let sent = t.sent_ns().unwrap_or(u64::MAX);
            assert!(
                sent < 100_000,
                "request {k} arrived within 0.1 ms, at {sent} ns"
            );
            assert_eq!(t.accepted_ns(), Some(first + k * 50_000_000), "request {k}");
            let latency = t.latency_ms().unwrap_or(0.0);
            assert!(
                latency > k as f64 * 50.0 - 0.1 && latency <= k as f64 * 50.0,
                "request {k}: {latency} ms"
            );
        }
    }
}

/// Read-only requests go to every replica and take 2f+1 matching replies: whether the replicas
/// execute them at once or order them, every request completes, safely.
#[test]
fn a_read_only_share_completes_safely() {
    let text = with_workload("(clients: 2, requests: 6, read_only: 0.5)");
    for row in common::run_scenario_text(&text) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latencies_ms.len(), 12);
        assert!(
            out.latencies_ms.iter().all(|l| *l <= 50.0),
            "{:?}",
            out.latencies_ms
        );
    }
}

/// With tentative execution a result takes 2f+1 tentative or f+1 committed replies: a request
/// completes in at most the five delays of a committed one.
#[test]
fn tentative_acceptance_completes_within_five_delays() {
    let text = CONSTANT_10MS.replace(
        "network: (delay: Constant(ms: 10.0)),",
        "network: (delay: Constant(ms: 10.0)),\n    protocol: (tentative_execution: true),",
    );
    for row in common::run_scenario_text(&text) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latencies_ms.len(), 4);
        assert!(
            out.latencies_ms.iter().all(|l| *l <= 50.0),
            "{:?}",
            out.latencies_ms
        );
    }
}

/// Arrival and think timers are the client's own events: the actix engine (by lookahead
/// epochs) and the reference driver (one event at a time) run the same trial, event for
/// event, with jittered links, an open loop that queues, read-only requests and think time.
#[test]
fn workload_timers_give_the_same_trial_in_every_driver() {
    use pbft_sim::scenario;
    use pbft_sim::sim::{run_trial_blocking, run_trial_reference, trial_seed};
    let jittered = r#"Scenario(
    name: "workload-drivers",
    replicas: 4,
    network: (delay: Uniform(min_ms: 2.0, max_ms: 6.0)),
    workload: WORKLOAD,
)"#;
    for workload in [
        "(clients: 3, requests: 8, arrivals: Poisson(per_second: 400.0), read_only: 0.3)",
        "(clients: 2, requests: 6, think_time_ms: 3.5, read_only: 0.5)",
    ] {
        let plan = scenario::parse("t.ron", &jittered.replace("WORKLOAD", workload))
            .expect("a valid scenario");
        let point = &plan.points[0];
        for trial in 0..3 {
            let spec =
                scenario::trial_spec(&point.scenario, trial_seed(point.scenario.seed, 0, trial));
            let actix = run_trial_blocking(&spec).expect("actix engine");
            let reference = run_trial_reference(&spec).expect("reference driver");
            assert!(actix.success && actix.safety_ok, "{workload}: {actix:?}");
            assert_eq!(actix, reference, "{workload}, trial {trial}");
        }
    }
}
