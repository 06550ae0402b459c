//! Speculative lookahead epochs (`sim::speculation`): on delay profiles whose minimum is 0
//! (Normal, Exponential, LogNormal) the actix engine first runs a trial on a guessed lookahead
//! and, when the guess misses, runs it again with the exact bound. Whatever happens, the outcome
//! and event trace are the reference driver's, one event at a time (DESIGN.md §6.9). Here with
//! faults and byzantine replicas at several n, on the guess the engine chooses and on guesses
//! far too long, which must miss.

use pbft_sim::scenario::{self, Plan};
use pbft_sim::sim::{
    run_trial_blocking, run_trial_reference, run_trial_reference_speculating,
    run_trial_speculating_blocking, speculation_misses, trial_lookahead_ns, trial_seed,
    trial_speculation_ns, TrialSpec,
};

/// A scenario of `n` replicas with `delay` links and the extra RON fields `extra`.
fn plan(n: u32, delay: &str, extra: &str) -> Plan {
    plan_with(n, &format!("network: (delay: {delay}),"), extra)
}

/// A scenario of `n` replicas with the RON fields `network` and `extra`.
fn plan_with(n: u32, network: &str, extra: &str) -> Plan {
    let text = format!(
        r#"Scenario(name: "speculation", seed: 5, trials: 3, replicas: {n},
            workload: (clients: 2, requests: 3),
            time_limit_ms: 20000.0,
            {network}
            {extra}
        )"#
    );
    scenario::parse("speculation.ron", &text).expect("a valid scenario")
}

/// The spec of trial `trial` of `plan`'s first point.
fn spec(plan: &Plan, trial: usize) -> TrialSpec {
    let point = &plan.points[0];
    scenario::trial_spec(&point.scenario, trial_seed(point.scenario.seed, 0, trial))
}

/// Far longer than any trial here: every message arrives inside its epoch, so it must miss.
const TOO_LONG_NS: u64 = 100_000_000_000;

/// Runs every trial of `plan` on the engine's own guess and on `TOO_LONG_NS`, in the actix
/// engine and the reference driver by epochs; each equals the one-at-a-time reference. Returns
/// (trials whose own guess missed, trials).
fn check(name: &str, plan: &Plan) -> (usize, usize) {
    let mut own_misses = 0;
    let trials = plan.points[0].scenario.trials as usize;
    for trial in 0..trials {
        let spec = spec(plan, trial);
        let reference = run_trial_reference(&spec).expect("reference driver");
        let actix = run_trial_blocking(&spec).expect("actix engine");
        assert_eq!(actix, reference, "{name} trial {trial}: own guess, actix");
        let guess = trial_speculation_ns(&spec).expect("builds");
        if guess > 0 {
            let own = run_trial_speculating_blocking(&spec, guess).expect("actix, own guess");
            assert_eq!(own.outcome, reference, "{name} trial {trial}: own guess");
            own_misses += usize::from(own.missed);
            let direct = run_trial_reference_speculating(&spec, guess).expect("own guess");
            assert_eq!(
                direct.outcome, reference,
                "{name} trial {trial}: own guess, direct"
            );
            assert_eq!(direct.missed, own.missed, "{name} trial {trial}: same miss");
        }
        let before = speculation_misses();
        let forced = run_trial_speculating_blocking(&spec, TOO_LONG_NS).expect("actix, forced");
        assert!(
            forced.missed,
            "{name} trial {trial}: a 100 s lookahead misses"
        );
        assert_eq!(
            forced.outcome, reference,
            "{name} trial {trial}: after a miss"
        );
        let direct = run_trial_reference_speculating(&spec, TOO_LONG_NS).expect("forced");
        assert!(direct.missed, "{name} trial {trial}: direct, forced");
        assert_eq!(
            direct.outcome, reference,
            "{name} trial {trial}: direct, after a miss"
        );
        assert!(
            speculation_misses() >= before + 2,
            "{name}: misses are counted"
        );
    }
    (own_misses, trials)
}

#[test]
fn zero_minimum_profiles_speculate_and_match_the_reference() {
    let long_timeouts = "protocol: (view_change_timeout_ms: 10000.0, request_timeout_ms: 10000.0),";
    // (n, delay, extra fields, whether the own guess should hit in some trial). With the
    // default timeouts, n = 16 at 250 ms goes through view changes whose timers fall inside
    // 50 ms epochs: the guess misses there (it once went wrong undetected: `Lookahead::note`).
    for (n, delay, extra, hits) in [
        (4, "Normal(mean_ms: 20.0, std_ms: 3.0)", "", true),
        (7, "LogNormal(median_ms: 10.0, sigma: 0.3)", "", true),
        (
            16,
            "Normal(mean_ms: 250.0, std_ms: 50.0)",
            long_timeouts,
            true,
        ),
        (16, "Normal(mean_ms: 250.0, std_ms: 50.0)", "", false),
    ] {
        let plan = plan(n, delay, extra);
        let first = spec(&plan, 0);
        assert_eq!(trial_lookahead_ns(&first).expect("builds"), 0, "{delay}");
        assert!(trial_speculation_ns(&first).expect("builds") > 0, "{delay}");
        let (missed, trials) = check(&format!("n = {n}, {delay} {extra}"), &plan);
        if hits {
            assert!(
                missed < trials,
                "n = {n}, {delay}: the own guess missed every trial"
            );
        }
    }
}

#[test]
fn an_exponential_leaves_nothing_worth_guessing() {
    let plan = plan(4, "Exponential(mean_ms: 8.0)", "");
    let first = spec(&plan, 0);
    assert_eq!(trial_speculation_ns(&first).expect("builds"), 0);
    // Forced, it still misses and falls back to the exact result.
    check("n = 4, Exponential", &plan);
}

#[test]
fn faults_and_byzantine_replicas_under_speculation_match_the_reference() {
    let normal = "network: (delay: Normal(mean_ms: 30.0, std_ms: 6.0)),";
    let cases = [
        (
            "loss, reordering, duplicates",
            "network: (delay: Normal(mean_ms: 30.0, std_ms: 6.0), drop: 0.05, duplicate: 0.05,
                reorder: (probability: 0.1, extra: Exponential(mean_ms: 3.0))),",
        ),
        (
            "crash and recovery",
            "faults: [Crash(replicas: [1], at_ms: 50.0, recover_at_ms: Some(400.0))],",
        ),
        (
            "a partition",
            "faults: [Partition(groups: [[0, 1], [2, 3, 4, 5, 6]], from_ms: 20.0, until_ms: 300.0)],",
        ),
        (
            "slowed links",
            "faults: [Slow(replicas: [2], factor: 0.5, from_ms: 0.0, until_ms: 500.0)],",
        ),
        (
            "a silent primary (view change)",
            "byzantine: [(count: 1, placement: Primary, behaviour: Silent)],
             protocol: (view_change_timeout_ms: 300.0, request_timeout_ms: 300.0),",
        ),
        (
            "equivocation",
            "byzantine: [(count: 2, placement: Random, behaviour: Equivocate)],",
        ),
        (
            "the seed adversary",
            "byzantine: [(count: 2, placement: Random, behaviour: SeedAdversary)],",
        ),
    ];
    for (name, extra) in cases {
        let network = if extra.starts_with("network") {
            ""
        } else {
            normal
        };
        let plan = plan_with(7, network, extra);
        assert!(
            trial_speculation_ns(&spec(&plan, 0)).expect("builds") > 0,
            "{name}"
        );
        check(name, &plan);
    }
}

#[test]
fn no_speculation_where_the_bound_is_exact_or_events_go_one_at_a_time() {
    // A positive minimum: the exact bound is used.
    let uniform = plan(4, "Uniform(min_ms: 1.0, max_ms: 5.0)", "");
    assert_eq!(trial_speculation_ns(&spec(&uniform, 0)).expect("builds"), 0);
    // A coalition sharing state runs one event at a time, never on a guess.
    let coalition = plan(
        7,
        "Normal(mean_ms: 30.0, std_ms: 6.0)",
        "byzantine: [(count: 2, placement: Random, behaviour: SplitBrain)],",
    );
    let first = spec(&coalition, 0);
    assert_eq!(trial_speculation_ns(&first).expect("builds"), 0);
    let forced = run_trial_speculating_blocking(&first, TOO_LONG_NS).expect("runs");
    assert!(
        !forced.missed,
        "a coalition does not speculate even when asked"
    );
    assert_eq!(
        forced.outcome,
        run_trial_reference(&first).expect("reference")
    );
}
