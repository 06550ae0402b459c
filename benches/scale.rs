//! How pbft-sim scales (issue 16's targets), in two kinds of rows.
//!
//! **Criterion rows** (`cargo bench --bench scale`), through the library, one trial per
//! iteration, one actix System per trial (`run_trial_blocking`):
//! - `scale/one_request/N`, N = 32, 128, 512, 1024: one client, one request, Uniform(1, 5) ms
//!   links (a lookahead of 1 ms). Throughput is the trial's delivered events.
//! - `scale/normal_one_request/N`, N = 32, 128: one request over Normal(250, 50) ms links, whose
//!   minimum is 0 (no static lookahead), no faults, timeouts long enough that no view change
//!   starts (2,017 and 32,641 messages). Each iteration runs the next of 64 trial seeds, so the
//!   time is a mean over seeds.
//! - `scale/steady/64`: n = 64, 8 clients x 10 requests, Uniform(1, 5) ms; throughput in events.
//!
//! **Whole-command rows** (`cargo bench --bench scale -- command`; minutes, so only when asked):
//! the release binary run as users run it (`run S.ron --threads 1 --quiet --stats`), one line
//! each, on scenarios written to a temporary folder:
//! - `scale/command/instructions/seed` and `.../steady64`: `callgrind` instruction counts of the
//!   whole command (`scenarios/seed.ron`; the steady n = 64 workload, divided by its delivered
//!   events), when `valgrind` is installed;
//! - `scale/command/memory/...`: peak RSS (the command's own `--stats` line) and wall time of one
//!   request at n = 1024 and n = 4096 over constant 10 ms links, 16 requests at n = 1024, and
//!   10^7 requests at n = 4 with checkpoints every 100.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};

use pbft_sim::scenario;
use pbft_sim::sim::{run_trial_blocking, trial_seed, TrialSpec};

/// One client, one request, at `n` replicas, Uniform(1, 5) ms links.
const ONE_REQUEST: &str = r#"Scenario(name: "one-request", replicas: N, workload: (clients: 1, requests: 1),
    network: (delay: Uniform(min_ms: 1.0, max_ms: 5.0)), time_limit_ms: 60000.0)"#;

/// One request over Normal(250, 50) ms links, timeouts far beyond the request's 1.3 s.
const NORMAL_ONE_REQUEST: &str = r#"Scenario(name: "normal-one-request", replicas: N,
    workload: (clients: 1, requests: 1), network: (delay: Normal(mean_ms: 250.0, std_ms: 50.0)),
    protocol: (view_change_timeout_ms: 10000.0, request_timeout_ms: 10000.0),
    time_limit_ms: 60000.0)"#;

/// The steady workload: 8 clients x 10 requests over Uniform(1, 5) ms links.
const STEADY: &str = r#"Scenario(name: "steady", replicas: N, workload: (clients: 8, requests: 10),
    network: (delay: Uniform(min_ms: 1.0, max_ms: 5.0)), time_limit_ms: 60000.0)"#;

/// Requests over constant 10 ms links (the memory rows).
const CONSTANT: &str = r#"Scenario(name: "constant", replicas: N,
    workload: (clients: 1, requests: R), network: (delay: Constant(ms: 10.0)),
    time_limit_ms: 3600000.0)"#;

/// Many requests at n = 4, checkpoints every 100 (flat memory over a long trial).
const LONG: &str = r#"Scenario(name: "long", replicas: 4, workload: (clients: 1, requests: R),
    network: (delay: Constant(ms: 1.0)), protocol: (checkpoint_interval: 100),
    time_limit_ms: 1.0e12)"#;

/// The scenario text with `N` and `R` filled in.
fn text(template: &str, n: u32, requests: u64) -> String {
    template
        .replace("replicas: N", &format!("replicas: {n}"))
        .replace("requests: R", &format!("requests: {requests}"))
}

/// The trial spec of `text`'s only point, for trial `trial`.
fn spec(text: &str, trial: usize) -> TrialSpec {
    let plan = scenario::parse("scale.ron", text).expect("the bench's scenario is valid");
    let point = &plan.points[0];
    scenario::trial_spec(
        &point.scenario,
        trial_seed(point.scenario.seed, point.index, trial),
    )
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    for n in [32u32, 128, 512, 1024] {
        let spec = spec(&text(ONE_REQUEST, n, 1), 0);
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
    for n in [32u32, 128] {
        let specs: Vec<TrialSpec> = (0..64)
            .map(|trial| spec(&text(NORMAL_ONE_REQUEST, n, 1), trial))
            .collect();
        let first = run_trial_blocking(&specs[0]).expect("the Normal trial runs");
        assert!(
            first.success && first.view_changes == 0,
            "one request at n = {n} over Normal(250, 50) completes without a view change"
        );
        group.measurement_time(Duration::from_secs(3));
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(
            BenchmarkId::new("normal_one_request", n),
            &specs,
            |b, specs| {
                let mut next = 0;
                b.iter(|| {
                    next = (next + 1) % specs.len();
                    run_trial_blocking(&specs[next]).expect("the Normal trial runs")
                })
            },
        );
    }
    let steady = spec(&text(STEADY, 64, 0), 0);
    let outcome = run_trial_blocking(&steady).expect("the steady trial runs");
    assert!(outcome.success, "the steady n = 64 trial completes");
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(outcome.events));
    group.bench_with_input(BenchmarkId::new("steady", 64), &steady, |b, spec| {
        b.iter(|| run_trial_blocking(spec).expect("the steady trial runs"))
    });
    group.finish();
}

/// The release binary cargo built for this bench.
fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pbft-sim"))
}

/// Runs `pbft-sim run SCENARIO --out OUT --threads 1 --quiet --stats` under `prefix` (e.g.
/// valgrind), checks it succeeded, and returns its wall time and its output (stdout + stderr).
fn run_command(prefix: &[&str], scenario: &Path, out: &Path) -> (Duration, String) {
    let bin = binary();
    let mut args: Vec<&std::ffi::OsStr> = prefix.iter().map(|a| a.as_ref()).collect();
    args.push(bin.as_os_str());
    let rest = [
        "run".as_ref(),
        scenario.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(rest);
    args.extend(["--threads", "1", "--quiet", "--stats", "--force"].map(std::ffi::OsStr::new));
    let started = Instant::now();
    let output = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("the command starts");
    let wall = started.elapsed();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{scenario:?} failed:\n{text}");
    (wall, text)
}

/// The peak RSS the `--stats` line reports.
fn peak_rss(output: &str) -> String {
    output
        .lines()
        .find_map(|line| {
            line.split_once("peak RSS ")
                .map(|(_, peak)| peak.to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

/// Callgrind's instruction count in its output.
fn instructions(output: &str) -> Option<u64> {
    output
        .lines()
        .find_map(|line| {
            line.split_once("Collected : ")
                .map(|(_, n)| n.trim().parse().ok())
        })
        .flatten()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the scenario is written");
    path
}

/// The whole-command rows (see the header).
fn commands() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    let valgrind = Command::new("valgrind").arg("--version").output().is_ok();
    if valgrind {
        let cg = dir.path().join("callgrind.out");
        let cg_arg = format!("--callgrind-out-file={}", cg.display());
        let prefix = ["valgrind", "--tool=callgrind", cg_arg.as_str()];
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/seed.ron");
        let (_, output) = run_command(&prefix, &seed, &out);
        let count = instructions(&output).expect("callgrind reports its count");
        println!(
            "scale/command/instructions/seed: {count} instructions (whole command, one thread)"
        );
        let steady_text = text(STEADY, 64, 0);
        let events = run_trial_blocking(&spec(&steady_text, 0))
            .expect("the steady trial runs")
            .events;
        let steady = write(dir.path(), "steady.ron", &steady_text);
        let (_, output) = run_command(&prefix, &steady, &out);
        let count = instructions(&output).expect("callgrind reports its count");
        println!(
            "scale/command/instructions/steady64: {count} instructions for {events} delivered \
             events, {:.0} per event (whole command, one thread)",
            count as f64 / events as f64
        );
    } else {
        println!("scale/command/instructions: skipped (valgrind is not installed)");
    }
    let rows = [
        ("one_request/1024", text(CONSTANT, 1024, 1)),
        ("one_request/4096", text(CONSTANT, 4096, 1)),
        ("sixteen_requests/1024", text(CONSTANT, 1024, 16)),
        ("ten_million_requests/4", text(LONG, 4, 10_000_000)),
    ];
    for (name, scenario_text) in rows {
        let scenario = write(dir.path(), "memory.ron", &scenario_text);
        let (wall, output) = run_command(&[], &scenario, &out);
        println!(
            "scale/command/memory/{name}: peak RSS {}, wall {:.2} s (whole command, one thread)",
            peak_rss(&output),
            wall.as_secs_f64()
        );
    }
}

fn main() {
    if std::env::args().skip(1).any(|arg| arg.contains("command")) {
        commands();
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    scale(&mut criterion);
    criterion.final_summary();
}
