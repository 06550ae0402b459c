//! The cost model against figures worked out by hand (issue 15, "Done when"): a model that
//! costs nothing changes nothing; a constant CPU cost per input gives a latency derived step
//! by step; a primary-bound cost caps closed-loop throughput at 1 / (the primary's cost per
//! request), and batching raises the cap as predicted; a finite bandwidth delays a large
//! reply by its transmission times, multicast and unicast differing as derived.

use pbft_sim::costs::{CostModel, CpuCosts, LinkCosts};
use pbft_sim::net::{NonNegative, Positive};
use pbft_sim::scenario::{parse, trial_spec};
use pbft_sim::sim::{
    run_trial_blocking, run_trial_reference, throughput_rps, TrialOutcome, TrialSpec,
};

/// The first point's trial `trial` of the scenario in `text`.
fn spec_of(text: &str, trial: usize) -> TrialSpec {
    let plan = parse("test.ron", text).expect("the test's scenario is valid");
    let scenario = &plan.points[0].scenario;
    trial_spec(scenario, pbft_sim::sim::trial_seed(scenario.seed, 0, trial))
}

fn run(spec: &TrialSpec) -> TrialOutcome {
    run_trial_reference(spec).expect("the trial runs")
}

fn us(v: f64) -> NonNegative {
    NonNegative::new(v).expect("the test's costs are not negative")
}

/// One request at n = 4 over constant 10 ms links.
const ONE_REQUEST: &str = r#"Scenario(
    name: "one",
    replicas: 4,
    workload: (clients: 1, requests: 1),
    network: (delay: Constant(ms: 10.0)),
)"#;

#[test]
fn a_model_that_costs_nothing_changes_nothing() {
    // Constant delays, random delays, loss, crashes, partitions, byzantine replicas: with every
    // cost 0 and no bandwidth limit, every field but `load` is what it is without a model,
    // the trace hash included.
    let files = [
        "scenarios/quickstart.ron",
        "scenarios/seed.ron",
        "scenarios/silent-primary.ron",
        "scenarios/crash-recover.ron",
        "scenarios/partition-heals.ron",
        "scenarios/equivocating-primary.ron",
        "scenarios/byzantine-zoo.ron",
        "scenarios/batching.ron",
        "scenarios/loss-burst.ron",
    ];
    let mut texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f}: {e}")))
        .collect();
    texts.push(ONE_REQUEST.to_string());
    for text in &texts {
        for trial in 0..2 {
            let mut spec = spec_of(text, trial);
            spec.time_limit_ns = spec.time_limit_ns.min(5_000_000_000);
            let plain = run(&spec);
            spec.costs = Some(CostModel::default());
            let mut costed = run(&spec);
            let load = costed.load.take();
            assert_eq!(costed, plain, "{}", &text[..60.min(text.len())]);
            let load = load.unwrap_or_else(|| panic!("a model gives a load"));
            assert_eq!(load.nodes.len() as u32, spec.replica.n + spec.clients);
            assert!(
                load.nodes.iter().all(|n| n.busy_ns == 0),
                "nothing costs: {load:?}"
            );
            let sent: u64 = load.nodes.iter().map(|n| n.transmissions).sum();
            // Unicast: one transmission per point-to-point message, as `messages` counts.
            assert_eq!(sent, plain.messages);
        }
    }
}

/// `ONE_REQUEST` with `per_input_us` = 1000 (c = 1 ms per input, replicas and clients) and
/// nothing else.
fn one_request_cpu_bound() -> TrialSpec {
    let mut spec = spec_of(ONE_REQUEST, 0);
    spec.costs = Some(CostModel {
        cpu: CpuCosts {
            per_input_us: us(1000.0),
            ..CpuCosts::default()
        },
        ..CostModel::default()
    });
    spec
}

#[test]
fn a_constant_cpu_cost_per_input_gives_the_hand_computed_latency() {
    // d = 10 ms, c = 1 ms per input (messages and timers; a client's start and sends are free).
    // t=0: the client sends its request; it reaches the primary at 10, handled [10, 11]: the
    // pre-prepare leaves at 11, reaches the backups at 21, each handles it [21, 22] and
    // broadcasts its prepare at 22. Prepares arrive everywhere at 32.
    // A backup counts its own prepare: it needs 2f = 2 with one other. It handles the first of
    // its two at [32, 33], prepared, commit broadcast at 33; the second [33, 34].
    // The primary needs two backups' prepares: [32, 33], then [33, 34], prepared, commit at 34;
    // the third [34, 35].
    // Commits from the backups arrive at 43, the primary's at 44. Each replica counts its own
    // commit and needs 2f+1 = 3: two others. A backup is idle at 43: commit [43, 44], then
    // [44, 45]: committed, executed, reply at 45. The primary (idle since 35) likewise: its
    // two backups' commits [43, 44], [44, 45], reply at 45.
    // Timers cost c too when they fire live: the primary's status timer, set at the end of
    // its request (11 + 25 ms), fires at 36 while it is idle, [36, 37], delaying nothing; the
    // backups' (22 + 25 = 47) were set again at 45 and fire stale, which costs nothing.
    // All four replies reach the client at 55. It needs f+1 = 2: [55, 56], [56, 57]; accepted
    // at the end of that handling: latency 57 ms.
    let spec = one_request_cpu_bound();
    let out = run(&spec);
    assert!(out.success && out.safety_ok, "{out:?}");
    assert_eq!(out.latencies_ms, vec![57.0]);
    assert_eq!(
        out.time_ms, 57.0,
        "the trial ends when the client has accepted"
    );
    let load = out.load.unwrap_or_else(|| panic!("a model gives a load"));
    let busy: Vec<u64> = load.nodes.iter().map(|n| n.busy_ns / 1_000_000).collect();
    // Handled by 57: primary 1 request + 3 prepares + its status timer + 3 commits (its
    // third at [45, 46]); a backup 1 pre-prepare + 2 prepares + 3 commits; the client 2
    // replies.
    assert_eq!(busy, vec![8, 6, 6, 6, 2]);
    let sent: Vec<u64> = load.nodes.iter().map(|n| n.transmissions).collect();
    // Primary: 3 pre-prepares, 3 commits, 1 reply; backups: 3 prepares, 3 commits, 1 reply;
    // the client: its request.
    assert_eq!(sent, vec![7, 7, 7, 7, 1]);
}

#[test]
fn the_actix_engine_gives_the_reference_driver_s_outcome_under_costs() {
    let mut specs = vec![one_request_cpu_bound(), bandwidth_bound(true, true)];
    let mut zoo = spec_of(
        &std::fs::read_to_string("scenarios/byzantine-zoo.ron").unwrap_or_default(),
        0,
    );
    zoo.costs = one_request_cpu_bound().costs;
    specs.push(zoo);
    for spec in &specs {
        let reference = run(spec);
        let actix = run_trial_blocking(spec).unwrap_or_else(|e| panic!("{e}"));
        assert!(reference.load.is_some());
        assert_eq!(actix, reference);
    }
}

/// Closed loop, 32 clients of 40 requests, 1 ms links, batches of at most `batch`: each
/// request costs its receiver 250 us and each prepare 250 us, nothing else.
fn primary_bound(batch: u32) -> TrialSpec {
    let text = format!(
        r#"Scenario(
    name: "saturated",
    replicas: 4,
    workload: (clients: 32, requests: 40),
    network: (delay: Constant(ms: 1.0)),
    protocol: (batch_size: {batch}),
    time_limit_ms: 60000.0,
)"#
    );
    let mut spec = spec_of(&text, 0);
    let by_kind = [("request", 250.0), ("prepare", 250.0)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), us(v)))
        .collect();
    spec.costs = Some(CostModel {
        cpu: CpuCosts {
            by_kind_us: by_kind,
            ..CpuCosts::default()
        },
        ..CostModel::default()
    });
    spec
}

fn throughput(spec: &TrialSpec) -> f64 {
    let out = run(spec);
    assert!(out.success && out.safety_ok, "{out:?}");
    let warmup = spec.costs.as_ref().map_or(0.1, |c| c.warmup.get());
    throughput_rps(&out.request_times, warmup).expect("enough completions for a throughput")
}

#[test]
fn primary_bound_throughput_saturates_at_one_over_the_cost_per_request() {
    // Only the primary receives requests (R = 250 us each); per batch it receives the three
    // backups' prepares (3P = 750 us), a backup only two (2P = 500 us) and no request: the
    // primary is the bottleneck. Batches of 1: R + 3P = 1 ms per request, 1000 per second.
    let one = throughput(&primary_bound(1));
    eprintln!("batch 1: {one} per second");
    assert!(
        (one / 1000.0 - 1.0).abs() < 0.05,
        "{one} per second, predicted 1000"
    );
    // Batches of 4 (32 clients keep the queue full): 4 requests per 4R + 3P = 1.75 ms,
    // 2285.7 per second.
    let predicted = 4.0 / 1.75e-3;
    let four = throughput(&primary_bound(4));
    eprintln!("batch 4: {four} per second");
    assert!(
        (four / predicted - 1.0).abs() < 0.05,
        "{four} per second, predicted {predicted}"
    );
}

/// `ONE_REQUEST` with 4096-byte results, full replies from every replica, no CPU cost, and
/// 10 Mbit/s links (0.8 us per byte), `multicast` or not, with or without switch ports.
fn bandwidth_bound(multicast: bool, receiver_port: bool) -> TrialSpec {
    let mut spec = spec_of(ONE_REQUEST, 0);
    spec.workload.result_bytes = 4096;
    spec.costs = Some(CostModel {
        link: LinkCosts {
            bandwidth_mbps: Positive::new(10.0).ok(),
            multicast,
            receiver_port,
        },
        digest_replies: false,
        ..CostModel::default()
    });
    spec
}

fn latency_ms(spec: &TrialSpec) -> f64 {
    let out = run(spec);
    assert!(out.success && out.safety_ok, "{out:?}");
    out.latencies_ms[0]
}

#[test]
fn a_finite_bandwidth_delays_messages_by_their_size() {
    // Sizes (envelope 42 + header 32 + body + MACs of 8): request 106 B with its authenticator
    // for all four replicas (84.8 us); pre-prepare
    // with its request inline (32 + 4 x 8) and digest 16: 42 + 32 + 80 + auth.
    // Multicast: pre-prepare 154 + 3 MACs = 178 B (142.4 us); prepare and commit 90 + 24 =
    // 114 B (91.2 us); reply 42 + 32 + 4096 + 8 = 4178 B (3342.4 us).
    // Request at the primary at 10.0848 ms; pre-prepare at the backups at 20.2272; prepares
    // everywhere at 30.3184 (each backup prepared with its own and one other, the primary with
    // two); commits everywhere at 40.4096; four replies at 40.4096 + 10 + 3.3424 = 53.752.
    let multicast = latency_ms(&bandwidth_bound(true, false));
    assert!((multicast - 53.752).abs() < 1e-9, "{multicast}");
    // Unicast (every time below 19.2 us later, the request's authenticator): pre-prepare 162 B
    // (129.6 us) three times in a row: the backups get it at 20.1952, 20.3248, 20.4544. Prepares of 98 B (78.4 us) go out one after another, to the
    // lower ids first: the primary's second arrives at 30.4032 (from replica 2), backups
    // 1, 2, 3 prepare at 30.4816, 30.3520, 30.4304. Commits of 98 B likewise: the primary
    // and replica 1 commit at 40.5088, replicas 2 and 3 at 40.6384. Replies leave when each
    // commits: two reach the client at 40.5088 + 3.3424 + 10 = 53.8512, + 0.0192 = 53.8704.
    let unicast = latency_ms(&bandwidth_bound(false, false));
    assert!((unicast - 53.8704).abs() < 1e-9, "{unicast}");
    // With switch ports (multicast; again every time 19.2 us later than written here): the prepares queue at each receiver's port. The primary's
    // three prepares start arriving at 30.208 and finish at 30.2992, 30.3904, 30.4816: it
    // prepares at 30.3904; a backup's two at 30.2992, 30.3904: it prepares at 30.2992.
    // Commits: the backups' leave at 30.2992, the primary's at 30.3904. At a backup, the other
    // two backups' commits finish at 40.3904 and 40.4816 (the primary's, head at 40.4816,
    // waits until 40.5728): it commits at 40.4816. The primary gets the three backups'
    // commits at 40.3904, 40.4816, 40.5728: it commits at 40.4816. All four replies leave at
    // 40.4816, their heads reach the client's port at 50.4816 and finish one after another:
    // 53.824, 57.1664: accepted at 57.1664 + 0.0192 = 57.1856.
    let ported = latency_ms(&bandwidth_bound(true, true));
    assert!((ported - 57.1856).abs() < 1e-9, "{ported}");
}
