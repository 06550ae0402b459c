//! Trial cost by n (criterion): the wall time of ONE request (1 client, 1 request,
//! Uniform(1 ms, 5 ms) links) at n = 32, 128, 512 and 1024 replicas with the actix engine
//! (`run_trial_blocking`, one actix System per trial). Ids `scale/one_request/N`; the throughput
//! criterion prints is delivered events per second (the trial's `events`, counted once before the
//! group), so the time shows how a request's cost grows with n (about n^2 messages) and the
//! throughput whether the cost per event grows too.
//!
//! Run with `cargo bench --bench scale`. At n = 1024 one iteration takes about 2 s: every n runs
//! 10 samples of one iteration, and criterion warns that it needs longer than the measurement
//! time and takes it.

use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

use pbft_sim::scenario;
use pbft_sim::sim::{run_trial_blocking, TrialSpec};

/// One client, one request, at `n` replicas.
fn one_request(n: u32) -> TrialSpec {
    let text = format!(
        r#"Scenario(name: "scale-{n}", replicas: {n}, workload: (clients: 1, requests: 1),
            network: (delay: Uniform(min_ms: 1.0, max_ms: 5.0)), time_limit_ms: 60000.0)"#
    );
    let plan = scenario::parse("scale.ron", &text).expect("the bench's scenario is valid");
    scenario::trial_spec(&plan.points[0].scenario, 1)
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    for n in [32u32, 128, 512, 1024] {
        let spec = one_request(n);
        let outcome = run_trial_blocking(&spec).expect("the one-request trial runs");
        assert!(
            outcome.success,
            "the one-request trial at n = {n} completes"
        );
        group.measurement_time(Duration::from_secs(if n >= 512 { 2 } else { 3 }));
        group.throughput(Throughput::Elements(outcome.events));
        group.bench_with_input(BenchmarkId::new("one_request", n), &spec, |b, spec| {
            b.iter(|| run_trial_blocking(spec).expect("the one-request trial runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
