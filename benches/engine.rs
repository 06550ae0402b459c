//! Engine throughput (criterion).
//!
//! - `quickstart/trials`: trials per second of `scenarios/quickstart.ron` (its first point, one
//!   trial per iteration, actix engine).
//! - `throughput/{actix,reference-epochs,reference}/N`: delivered events per second at n = 4, 16,
//!   64, 256 replicas on a steady closed-loop workload (8 clients, Uniform(1 ms, 5 ms) links; 10
//!   requests per client, 2 at n = 256 so that one iteration stays under ~2 s), for the actix
//!   engine (`run_trial_blocking`, one actix System per trial, lookahead epochs), the reference
//!   driver by the same lookahead epochs (`run_trial_reference_with_lookahead`: the same state
//!   machines and engine, each node's share of an epoch handed over by a plain call) and the
//!   reference driver one event at a time (`run_trial_reference`). The three give the same event
//!   trace, so the throughput is the trial's `events`, counted once before the group. The ratio
//!   actix / reference-epochs at one n is the cost of actix itself (same epochs, same work
//!   besides); reference / reference-epochs is what the epochs save or cost without actix.
//!
//! Run with `cargo bench --bench engine` (or `cargo bench --bench engine -- throughput/` for one
//! group); criterion prints the median time and the throughput of every benchmark id.

use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

use pbft_sim::scenario;
use pbft_sim::sim::{
    run_trial_blocking, run_trial_reference, run_trial_reference_with_lookahead, TrialSpec,
};

fn spec_of(text: &str) -> TrialSpec {
    let plan = scenario::parse("bench.ron", text).expect("the bench's scenario is valid");
    scenario::trial_spec(&plan.points[0].scenario, 1)
}

fn quickstart(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.ron");
    let text = std::fs::read_to_string(path).expect("scenarios/quickstart.ron is readable");
    let spec = spec_of(&text);
    let mut group = c.benchmark_group("quickstart");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    group.bench_function("trials", |b| {
        b.iter(|| run_trial_blocking(&spec).expect("the quickstart trial runs"))
    });
    group.finish();
}

/// The steady workload at `n` replicas: 8 clients, `requests` each, 1-5 ms links.
fn steady(n: u32, requests: u64) -> TrialSpec {
    spec_of(&format!(
        r#"Scenario(name: "steady-{n}", replicas: {n}, workload: (clients: 8, requests: {requests}),
            network: (delay: Uniform(min_ms: 1.0, max_ms: 5.0)), time_limit_ms: 60000.0)"#
    ))
}

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("throughput");
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    for (n, requests) in [(4u32, 10u64), (16, 10), (64, 10), (256, 2)] {
        let spec = steady(n, requests);
        let actix = run_trial_blocking(&spec).expect("the steady trial runs (actix)");
        let reference = run_trial_reference(&spec).expect("the steady trial runs (reference)");
        let epochs =
            run_trial_reference_with_lookahead(&spec).expect("the steady trial runs (epochs)");
        assert!(actix.success, "the steady trial at n = {n} completes");
        for (name, other) in [("reference", &reference), ("reference-epochs", &epochs)] {
            assert_eq!(
                (actix.events, actix.trace_hash),
                (other.events, other.trace_hash),
                "actix and {name} give the same trace at n = {n}"
            );
        }
        // Slow cases: 10 samples of one or two iterations each (criterion may warn that the
        // samples take longer than the measurement time: it then takes as long as they need).
        let (samples, seconds) = match n {
            256 => (10, 12),
            64 => (10, 4),
            _ => (20, 5),
        };
        group.sample_size(samples);
        group.measurement_time(Duration::from_secs(seconds));
        group.throughput(Throughput::Elements(actix.events));
        group.bench_with_input(BenchmarkId::new("actix", n), &spec, |b, spec| {
            b.iter(|| run_trial_blocking(spec).expect("the steady trial runs (actix)"))
        });
        group.bench_with_input(BenchmarkId::new("reference-epochs", n), &spec, |b, spec| {
            b.iter(|| run_trial_reference_with_lookahead(spec).expect("the steady trial runs"))
        });
        group.bench_with_input(BenchmarkId::new("reference", n), &spec, |b, spec| {
            b.iter(|| run_trial_reference(spec).expect("the steady trial runs (reference)"))
        });
    }
    group.finish();
}

criterion_group!(benches, quickstart, throughput);
criterion_main!(benches);
