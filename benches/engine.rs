//! Engine throughput (criterion): trials per second of the quickstart scenario, and delivered
//! messages per second at n = 64 on a steady closed-loop workload. Run with
//! `cargo bench --bench engine`; criterion prints the median time and the throughput.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use pbft_sim::scenario;
use pbft_sim::sim::{run_trial_blocking, TrialSpec};

fn spec_of(text: &str) -> TrialSpec {
    let plan = scenario::parse("bench.ron", text).expect("valid scenario");
    scenario::trial_spec(&plan.points[0].scenario, 1)
}

fn quickstart(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.ron");
    let text = std::fs::read_to_string(path).expect("scenarios/quickstart.ron");
    let spec = spec_of(&text);
    let mut group = c.benchmark_group("quickstart");
    group.throughput(Throughput::Elements(1));
    group.bench_function("trials", |b| {
        b.iter(|| run_trial_blocking(&spec).expect("trial"))
    });
    group.finish();
}

fn n64_messages(c: &mut Criterion) {
    let spec = spec_of(
        r#"Scenario(name: "n64", replicas: 64, workload: (clients: 8, requests: 10),
            network: (delay: Uniform(min_ms: 1.0, max_ms: 5.0)), time_limit_ms: 60000.0)"#,
    );
    let events = run_trial_blocking(&spec).expect("trial").events;
    let mut group = c.benchmark_group("n64");
    group.sample_size(20);
    group.throughput(Throughput::Elements(events));
    group.bench_function("delivered_messages", |b| {
        b.iter(|| run_trial_blocking(&spec).expect("trial"))
    });
    group.finish();
}

criterion_group!(benches, quickstart, n64_messages);
criterion_main!(benches);
