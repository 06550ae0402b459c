//! The reference driver (the same state machines, heap and RNG streams in a plain loop, no
//! actix, one event at a time) and the actix engine (which hands each actor every event of a
//! lookahead window in one message) produce the identical event trace and outcome for the same
//! seed (DESIGN.md §6.9: determinism is tested by trace hash).

use pbft_sim::scenario;
use pbft_sim::sim::seeds::trial_seed;
use pbft_sim::sim::{run_trial_blocking, run_trial_reference};

fn compare(path: &str, trials: usize) -> usize {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let plan = scenario::load(&full).expect("valid scenario");
    let mut hashes = Vec::new();
    for point in &plan.points {
        for trial in 0..trials {
            let seed = trial_seed(point.scenario.seed, point.index, trial);
            let spec = scenario::trial_spec(&point.scenario, seed);
            let actix = run_trial_blocking(&spec).expect("actix engine");
            let reference = run_trial_reference(&spec).expect("reference driver");
            assert_eq!(
                actix, reference,
                "{path} point {} trial {trial}",
                point.index
            );
            assert!(actix.events > 0);
            hashes.push(actix.trace_hash);
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    hashes.len()
}

#[test]
fn same_trace_in_both_drivers() {
    // (scenario, trials per point, whether traces depend on the seed): the normal case on
    // constant links (they do not), a byzantine sweep with reordering, a crash with recovery
    // and state transfer, a partition, a WAN topology with loss, and byzantine behaviours
    // (windows of events where the behaviours allow them, one at a time where not).
    let cases = [
        ("scenarios/quickstart.ron", 2, false),
        ("scenarios/seed.ron", 2, true),
        ("scenarios/crash-recover.ron", 2, true),
        ("scenarios/partition-heals.ron", 2, true),
        ("scenarios/wan-aws.ron", 1, true),
        ("scenarios/loss-burst.ron", 2, true),
        ("scenarios/heavy-tail-delays.ron", 1, true),
        ("scenarios/batching.ron", 1, true),
        ("scenarios/checkpoint-gc.ron", 1, true),
        ("scenarios/byzantine-zoo.ron", 2, true),
        ("scenarios/slow-primary.ron", 1, true),
        ("scenarios/equivocating-primary.ron", 1, true),
        ("scenarios/censorship.ron", 1, true),
        ("scenarios/split-brain.ron", 1, true),
    ];
    for (path, trials, random) in cases {
        let distinct = compare(path, trials);
        assert_eq!(distinct > 1, random, "{path}: {distinct} distinct traces");
    }
}
