//! With at most f byzantine replicas (any built-in behaviour, the primary included), uniform
//! delays, up to 10% loss and 10% duplication, PBFT completes every request and the oracle sees no
//! safety violation (Castro & Liskov §4.5: safety always, liveness under eventual timeliness).
//! More than 500 trials, built from RON scenarios; a proptest draws seeds and placements.

mod common;

use common::run_scenario_text as run;
use pbft_sim::runner::TrialRecord;
use proptest::prelude::*;

fn scenario(n: u32, behaviour: &str, placement: &str, trials: u32, seed: u64) -> String {
    format!(
        r#"Scenario(
            name: "within-f",
            seed: {seed},
            trials: {trials},
            replicas: {n},
            workload: (clients: 2, requests: 3),
            network: (delay: Uniform(min_ms: 1.0, max_ms: 20.0), drop: 0.0, duplicate: 0.0,
                      reorder: (probability: 0.1, extra: Uniform(min_ms: 0.0, max_ms: 10.0))),
            byzantine: [(count: 0, placement: {placement}, behaviour: {behaviour})],
            protocol: (checkpoint_interval: 2, log_window: 4, batch_size: 2),
            time_limit_ms: 120000.0,
            sweep: [
                (path: "byzantine[0].count", values: Range(from: 0, to: {f})),
                (path: "network.drop", values: Values([0.0, 0.1])),
                (path: "network.duplicate", values: Values([0.0, 0.1])),
            ],
        )"#,
        f = (n - 1) / 3
    )
}

fn assert_all_tolerated(records: &[TrialRecord], what: &str) {
    let bad: Vec<String> = records
        .iter()
        .filter(|r| !(r.outcome.success && r.outcome.safety_ok))
        .map(|r| {
            format!(
                "point {} trial {} seed {} axes {:?}: success {} safety {} completed {}/{} views {} {:?}",
                r.point,
                r.trial,
                r.seed,
                r.axis_values,
                r.outcome.success,
                r.outcome.safety_ok,
                r.outcome.completed,
                r.outcome.requests,
                r.outcome.view_changes,
                r.outcome.violations
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: {} of {} trials not tolerated:\n{}",
        bad.len(),
        records.len(),
        bad.join("\n")
    );
}

/// Every built-in behaviour, with parameters.
const BEHAVIOURS: [&str; 13] = [
    "Silent",
    "SeedAdversary",
    "Equivocate",
    "WrongDigest",
    "SlowPrimary(delay_ms: 150.0)",
    "Censor(clients: [0])",
    "SelectiveSilence(to: [1, 2])",
    "ViewChangeStorm",
    "Replay",
    "Mutate(probability: 0.3, field: View)",
    "Mutate(probability: 0.3, field: Seq)",
    "Mutate(probability: 0.3, field: Digest)",
    "SplitBrain",
];

#[test]
fn n4_and_n7_every_behaviour_and_placement() {
    let mut total = 0;
    for (n, trials) in [(4, 12), (7, 4)] {
        for behaviour in BEHAVIOURS {
            for placement in ["Primary", "Backups", "Random"] {
                let records = run(&scenario(n, behaviour, placement, trials, 7));
                assert_all_tolerated(&records, &format!("n={n} {behaviour} at {placement}"));
                total += records.len();
            }
        }
    }
    assert!(total >= 500, "only {total} trials");
}

proptest! {
    // A fixed seed, so that a run of the tests is the same everywhere (CI included); to explore
    // further, raise `PROPTEST_CASES` and change the seed. Cases that failed once stay in the
    // regressions file beside this one and run first.
    #![proptest_config(ProptestConfig {
        cases: 96,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_b0f7),
        ..ProptestConfig::default()
    })]
    #[test]
    fn random_seeds_and_placements(
        seed in any::<u64>(),
        n in prop::sample::select(vec![4u32, 5, 7]),
        behaviour in prop::sample::select(BEHAVIOURS.to_vec()),
        ids in prop::collection::btree_set(0u32..4, 0..=1usize),
    ) {
        let f = (n - 1) / 3;
        let ids: Vec<String> = ids.into_iter().take(f as usize).map(|i| i.to_string()).collect();
        let ron = scenario(n, behaviour, &format!("Ids([{}])", ids.join(", ")), 1, seed)
            .replace("Range(from: 0, to:", &format!("Range(from: {}, to:", ids.len()))
            .replace(&format!("to: {f})"), &format!("to: {})", ids.len()));
        let records = run(&ron);
        assert_all_tolerated(&records, &format!("seed {seed} n {n} {behaviour} at {ids:?}"));
    }
}
