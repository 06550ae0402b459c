//! The seed sweep's speed (criterion): trials per second of `scenarios/seed.ron`, all 60 trials
//! of its sweep (10 points x 6 trials, n = 10) run one after another on one thread through the
//! library, as the runner runs them but without threads, files or progress bar: the scenario is
//! loaded once (`scenario::load`), then each iteration runs, for every point and trial,
//! `trial_seed` + `trial_spec` + `run_trial_blocking` (one actix System per trial). Id `seed/sweep`, throughput 60 trials
//! per iteration; `seed/sweep-reference` runs the same trials on the reference driver (no actix),
//! the lower bound.
//!
//! Run with `cargo bench --bench seed`.

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

use pbft_sim::scenario::{self, trial_spec, Plan};
use pbft_sim::sim::trial_seed;
use pbft_sim::sim::{run_trial_blocking, run_trial_reference, SimError, TrialOutcome, TrialSpec};

type Driver = fn(&TrialSpec) -> Result<TrialOutcome, SimError>;

/// Runs every trial of the plan in order with `run` (the actix engine or the reference driver);
/// returns how many succeeded.
fn run_sweep(plan: &Plan, run: Driver) -> u64 {
    let mut succeeded = 0;
    for point in &plan.points {
        for trial in 0..plan.trials() as usize {
            let seed = trial_seed(point.scenario.seed, point.index, trial);
            let spec = trial_spec(&point.scenario, seed);
            let outcome = run(&spec).expect("the seed trial runs");
            succeeded += u64::from(outcome.success);
        }
    }
    succeeded
}

fn seed(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/seed.ron");
    let plan = scenario::load(&path).expect("scenarios/seed.ron is valid");
    assert_eq!(plan.total_trials(), 60, "the seed sweep has 60 trials");
    let mut group = c.benchmark_group("seed");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(plan.total_trials()));
    group.bench_function("sweep", |b| b.iter(|| run_sweep(&plan, run_trial_blocking)));
    group.bench_function("sweep-reference", |b| {
        b.iter(|| run_sweep(&plan, run_trial_reference))
    });
    group.finish();
}

criterion_group!(benches, seed);
criterion_main!(benches);
