//! Ordinary message loss must not replace an honest primary (TOCS'02 §5.2: the BFT library
//! recovers lost protocol messages by retransmission, driven by status messages, well before
//! a request timer fires). n = 4, 7 and 13 with f Silent backups, so that the quorum is every
//! honest replica and any lost PREPARE or COMMIT stalls the slot until it is resent; an honest
//! primary, one client with 30 requests, links of 5-15 ms, a 200 ms view-change timeout, and
//! 0, 2, 5 and 10% loss. Prints the table (n, drop, success, mean view changes, mean latency).

mod common;

use pbft_sim::runner::TrialRecord;

/// Trials per (n, drop) point.
const TRIALS: u32 = 20;

fn scenario(n: u32) -> String {
    format!(
        r#"Scenario(
            name: "loss-n{n}",
            seed: 7,
            trials: {TRIALS},
            replicas: {n},
            workload: (clients: 1, requests: 30),
            network: (delay: Uniform(min_ms: 5.0, max_ms: 15.0)),
            byzantine: [(count: {f}, placement: Backups, behaviour: Silent)],
            protocol: (view_change_timeout_ms: 200.0, request_timeout_ms: 300.0),
            time_limit_ms: 120000.0,
            sweep: [(path: "network.drop", values: Values([0.0, 0.02, 0.05, 0.1]))],
        )"#,
        f = (n - 1) / 3
    )
}

/// One sweep point's figures.
struct Point {
    drop: f64,
    success: f64,
    view_changes: f64,
    latency_ms: f64,
}

fn summarise(rows: &[TrialRecord]) -> Vec<Point> {
    let mut points: Vec<Point> = Vec::new();
    for point in 0..4 {
        let trials: Vec<&TrialRecord> = rows.iter().filter(|r| r.point == point).collect();
        assert_eq!(trials.len(), TRIALS as usize, "trials of point {point}");
        let count = trials.len() as f64;
        let latencies: Vec<f64> = trials
            .iter()
            .flat_map(|r| r.outcome.latencies_ms.iter().copied())
            .collect();
        assert!(!latencies.is_empty(), "point {point}: no request completed");
        points.push(Point {
            drop: [0.0, 0.02, 0.05, 0.1][point],
            success: trials.iter().filter(|r| r.outcome.success).count() as f64 / count,
            view_changes: trials
                .iter()
                .map(|r| r.outcome.view_changes as f64)
                .sum::<f64>()
                / count,
            latency_ms: latencies.iter().sum::<f64>() / latencies.len() as f64,
        });
    }
    points
}

fn check(n: u32) {
    let rows = common::run_scenario_text(&scenario(n));
    assert!(
        rows.iter().all(|r| r.outcome.safety_ok),
        "safety at n = {n}"
    );
    let points = summarise(&rows);
    println!("   n  drop  success  view_changes  latency_ms");
    for p in &points {
        println!(
            "{n:>4}  {:>3.0}%  {:>6.1}%  {:>12.2}  {:>10.1}",
            p.drop * 100.0,
            p.success * 100.0,
            p.view_changes,
            p.latency_ms
        );
    }
    let lossless = points[0].latency_ms;
    for p in &points {
        let bound = if p.drop > 0.06 { 2.0 } else { 1.0 };
        assert!(
            p.success == 1.0,
            "n = {n}, drop {}: success {}",
            p.drop,
            p.success
        );
        assert!(
            p.view_changes <= bound,
            "n = {n}, drop {}: {} view changes per trial (at most {bound})",
            p.drop,
            p.view_changes
        );
    }
    assert_eq!(
        points[0].view_changes, 0.0,
        "n = {n}: no loss, no view change"
    );
    let at_5 = points[2].latency_ms;
    assert!(
        at_5 <= 3.0 * lossless,
        "n = {n}: latency at 5% loss {at_5:.1} ms is more than 3x the loss-free {lossless:.1} ms"
    );
}

#[test]
fn n4_one_silent_backup_loss_does_not_replace_the_primary() {
    check(4);
}

#[test]
fn n7_two_silent_backups_loss_does_not_replace_the_primary() {
    check(7);
}

#[test]
fn n13_four_silent_backups_loss_does_not_replace_the_primary() {
    check(13);
}
