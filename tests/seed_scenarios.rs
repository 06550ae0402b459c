//! `scenarios/seed.ron` and `scenarios/seed-no-view-change.ron`: the seed tutorial's sweep on
//! the whole of PBFT and on the seed's toy. With view change, every trial with at most f = 3
//! byzantine replicas succeeds (the seed had 4/6 and 3/6 at 2 and 3); without it, a byzantine
//! primary stalls some trials at or below f. The seed's adversary never breaks safety.

mod common;

use pbft_sim::runner::TrialRecord;

fn success_by_count(rows: &[TrialRecord]) -> Vec<(u32, usize, usize)> {
    let mut table: Vec<(u32, usize, usize)> = Vec::new();
    for row in rows {
        let count = row.byzantine;
        match table.iter_mut().find(|(c, _, _)| *c == count) {
            Some(entry) => {
                entry.1 += usize::from(row.outcome.success);
                entry.2 += 1;
            }
            None => table.push((count, usize::from(row.outcome.success), 1)),
        }
    }
    table
}

#[test]
fn seed_with_view_change_succeeds_up_to_f() {
    let rows = common::run_scenario_file("scenarios/seed.ron");
    assert_eq!(rows.len(), 60);
    assert!(
        rows.iter().all(|r| r.outcome.safety_ok),
        "no safety violation"
    );
    for (count, ok, all) in success_by_count(&rows) {
        if count <= 3 {
            assert_eq!(ok, all, "{count} byzantine: {ok}/{all}");
        }
    }
}

#[test]
fn seed_without_view_change_stalls_on_a_byzantine_primary() {
    let rows = common::run_scenario_file("scenarios/seed-no-view-change.ron");
    assert!(
        rows.iter().all(|r| r.outcome.safety_ok),
        "no safety violation"
    );
    let table = success_by_count(&rows);
    let within_f_failures: usize = table
        .iter()
        .filter(|(c, _, _)| (1..=3).contains(c))
        .map(|(_, ok, all)| all - ok)
        .sum();
    assert!(within_f_failures > 0, "{table:?}");
    assert!(rows.iter().all(|r| r.outcome.view_changes == 0));
    assert_eq!(table[0], (0, 6, 6), "no byzantine: all succeed");
}

/// The seed's adversary as primary never lets the true digest out, not even in a pre-prepare
/// resent to one replica that asked with STATUS: with the primaries of views 0..count byzantine,
/// every trial needs exactly `count` view changes, and then succeeds.
#[test]
fn a_byzantine_seed_primary_is_replaced_only_by_view_changes() {
    let rows = common::run_scenario_text(
        r#"Scenario(
            name: "seed-primaries",
            seed: 5,
            trials: 4,
            replicas: 10,
            workload: (clients: 1, requests: 1),
            network: (delay: Uniform(min_ms: 5.0, max_ms: 35.0)),
            byzantine: [(count: 1, placement: Primary, behaviour: SeedAdversary)],
            time_limit_ms: 10000.0,
            sweep: [(path: "byzantine[0].count", values: Range(from: 1, to: 3))],
        )"#,
    );
    assert_eq!(rows.len(), 12);
    for row in &rows {
        let outcome = &row.outcome;
        assert!(outcome.success && outcome.safety_ok, "{row:?}");
        assert_eq!(
            (outcome.view_changes, outcome.final_view),
            (u64::from(row.byzantine), u64::from(row.byzantine)),
            "{} byzantine primaries",
            row.byzantine
        );
    }
}
