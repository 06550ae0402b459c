//! Timed network faults from `scenarios/`: a partition that heals and a burst of loss cost time,
//! never safety, and every request completes once the network is whole again.

mod common;

use pbft_sim::runner::TrialRecord;

/// Mean latency per point, in point order.
fn mean_latency_by_point(rows: &[TrialRecord]) -> Vec<f64> {
    let points = rows.iter().map(|r| r.point).max().map_or(0, |p| p + 1);
    (0..points)
        .map(|p| {
            let all: Vec<f64> = rows
                .iter()
                .filter(|r| r.point == p)
                .flat_map(|r| r.outcome.latencies_ms.iter().copied())
                .collect();
            all.iter().sum::<f64>() / all.len() as f64
        })
        .collect()
}

#[test]
fn a_partition_that_heals_costs_time_not_safety() {
    let rows = common::run_scenario_file("scenarios/partition-heals.ron");
    for row in &rows {
        assert!(row.outcome.success && row.outcome.safety_ok, "{row:?}");
    }
    let means = mean_latency_by_point(&rows);
    assert!(
        means.windows(2).all(|w| w[0] < w[1]),
        "longer partitions, longer waits: {means:?}"
    );
}

#[test]
fn a_loss_burst_is_recovered() {
    let rows = common::run_scenario_file("scenarios/loss-burst.ron");
    for row in &rows {
        assert!(row.outcome.success && row.outcome.safety_ok, "{row:?}");
    }
}

#[test]
fn a_wan_deployment_completes_within_its_links_bounds() {
    let rows = common::run_scenario_file("scenarios/wan-aws.ron");
    for row in rows.iter().filter(|r| r.point == 0) {
        assert!(row.outcome.success && row.outcome.safety_ok, "{row:?}");
        // Five one-way trips, each at least the intra-region 0.3 ms and the fastest
        // inter-region quorum member (Ireland, 39.25 ms): request and reply are local.
        for l in &row.outcome.latencies_ms {
            assert!((3.0 * 39.25..1000.0).contains(l), "latency {l}");
        }
    }
}
