//! A random within-f campaign (Castro & Liskov §4.5: safety always; liveness once the faults
//! heal, with at most f faulty replicas). Each case is a scenario drawn from a seed: n in 4..=13,
//! up to f byzantine replicas with any built-in behaviour at any placement, a random delay
//! profile, loss, duplication and reordering up to 20 %, and crashes, partitions, slow periods
//! and loss bursts that all heal by 5 s of a 60 s time limit. A replica that crashes for good
//! counts against f. PBFT promises every such trial is safe and completes every request.

#![allow(dead_code)] // each test file uses its own subset

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The built-in behaviours, with parameters drawn per case.
fn behaviour(rng: &mut ChaCha8Rng, n: u32) -> String {
    let some_replicas = |rng: &mut ChaCha8Rng| {
        let k = rng.random_range(1..=(n / 2).max(1));
        let mut ids: Vec<u32> = (0..n).collect();
        shuffle(rng, &mut ids);
        ids.truncate(k as usize);
        ids.sort_unstable();
        list(&ids)
    };
    match rng.random_range(0..13) {
        0 => "Silent".into(),
        1 => "SeedAdversary".into(),
        2 => "Equivocate".into(),
        3 => "WrongDigest".into(),
        4 => format!(
            "SlowPrimary(delay_ms: {:.1})",
            rng.random_range(10.0..400.0)
        ),
        5 => format!("Censor(clients: [{}])", rng.random_range(0..2)),
        6 => format!("SelectiveSilence(to: {})", some_replicas(rng)),
        7 => "ViewChangeStorm".into(),
        8 => "Replay".into(),
        9 => {
            let field = ["View", "Seq", "Digest"][rng.random_range(0..3)];
            let p = rng.random_range(0.05..0.6);
            format!("Mutate(probability: {p:.2}, field: {field})")
        }
        10 => "SplitBrain".into(),
        11 => "Silent".into(),
        _ => "WrongDigest".into(),
    }
}

fn shuffle(rng: &mut ChaCha8Rng, items: &mut [u32]) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

fn list(ids: &[u32]) -> String {
    let inner: Vec<String> = ids.iter().map(u32::to_string).collect();
    format!("[{}]", inner.join(", "))
}

fn delay(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..7) {
        0 => format!("Constant(ms: {:.1})", rng.random_range(1.0..20.0)),
        1 => {
            let min = rng.random_range(0.5..5.0);
            let max = min + rng.random_range(0.0..30.0);
            format!("Uniform(min_ms: {min:.2}, max_ms: {max:.2})")
        }
        2 => format!(
            "Normal(mean_ms: {:.1}, std_ms: {:.1})",
            rng.random_range(5.0..20.0),
            rng.random_range(0.5..8.0)
        ),
        3 => format!(
            "LogNormal(median_ms: {:.1}, sigma: {:.2})",
            rng.random_range(2.0..15.0),
            rng.random_range(0.1..1.0)
        ),
        4 => format!("Exponential(mean_ms: {:.1})", rng.random_range(2.0..15.0)),
        5 => format!(
            "Pareto(scale_ms: {:.1}, shape: {:.2})",
            rng.random_range(1.0..5.0),
            rng.random_range(2.0..4.0)
        ),
        _ => format!(
            "Shifted(base_ms: {:.1}, profile: Exponential(mean_ms: {:.1}))",
            rng.random_range(1.0..10.0),
            rng.random_range(0.5..5.0)
        ),
    }
}

/// A fault window inside the first 5 s: (from, until) in ms.
fn window(rng: &mut ChaCha8Rng) -> (f64, f64) {
    let from = rng.random_range(0.0..3000.0);
    let until = from + rng.random_range(50.0..2000.0);
    (from, until)
}

/// One case of the campaign: a scenario of `trials` trials, drawn from `seed`. Returns the RON
/// text (it reproduces the case on its own: `pbft-sim run`).
pub fn case(seed: u64, trials: u32) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = rng.random_range(4..=13u32);
    let f = (n - 1) / 3;
    // Byzantine replicas, and replicas that crash for good: together at most f.
    let byzantine = rng.random_range(0..=f);
    let crashed_for_good = if byzantine < f && rng.random_bool(0.15) {
        1
    } else {
        0
    };
    let placement = match rng.random_range(0..4) {
        0 => "Primary".to_string(),
        1 => "Backups".to_string(),
        2 => "Random".to_string(),
        _ => {
            let mut ids: Vec<u32> = (0..n).collect();
            shuffle(&mut rng, &mut ids);
            ids.truncate(byzantine as usize);
            ids.sort_unstable();
            format!("Ids({})", list(&ids))
        }
    };
    let behaviour = behaviour(&mut rng, n);
    let mut faults = Vec::new();
    if crashed_for_good == 1 {
        let r = rng.random_range(0..n);
        let at = rng.random_range(0.0..3000.0);
        faults.push(format!("Crash(replicas: [{r}], at_ms: {at:.1})"));
    }
    for _ in 0..rng.random_range(0..=3) {
        let (from, until) = window(&mut rng);
        let fault = match rng.random_range(0..4) {
            0 => {
                let k = rng.random_range(1..=2.min(n - 1));
                let mut ids: Vec<u32> = (0..n).collect();
                shuffle(&mut rng, &mut ids);
                ids.truncate(k as usize);
                format!(
                    "Crash(replicas: {}, at_ms: {from:.1}, recover_at_ms: Some({until:.1}))",
                    list(&ids)
                )
            }
            1 => {
                let mut ids: Vec<u32> = (0..n).collect();
                shuffle(&mut rng, &mut ids);
                let cut = rng.random_range(1..n) as usize;
                let (a, b) = ids.split_at(cut);
                let (mut a, mut b) = (a.to_vec(), b.to_vec());
                a.sort_unstable();
                b.sort_unstable();
                format!(
                    "Partition(groups: [{}, {}], from_ms: {from:.1}, until_ms: {until:.1}, one_way: {})",
                    list(&a),
                    list(&b),
                    rng.random_bool(0.3)
                )
            }
            2 => {
                let k = rng.random_range(1..=3.min(n));
                let mut ids: Vec<u32> = (0..n).collect();
                shuffle(&mut rng, &mut ids);
                ids.truncate(k as usize);
                ids.sort_unstable();
                format!(
                    "Slow(replicas: {}, factor: {:.1}, from_ms: {from:.1}, until_ms: {until:.1})",
                    list(&ids),
                    rng.random_range(2.0..10.0)
                )
            }
            _ => format!(
                "Loss(probability: {:.2}, from_ms: {from:.1}, until_ms: {until:.1})",
                rng.random_range(0.1..0.6)
            ),
        };
        faults.push(fault);
    }
    let share = |rng: &mut ChaCha8Rng| {
        if rng.random_bool(0.4) {
            0.0
        } else {
            rng.random_range(0.0..0.2)
        }
    };
    let (drop, duplicate, reorder) = (share(&mut rng), share(&mut rng), share(&mut rng));
    let interval = [2u64, 4, 8, 16, 128][rng.random_range(0..5)];
    let log_window = interval * rng.random_range(1..=4u64);
    let clients = rng.random_range(1..=3u32);
    let requests = rng.random_range(1..=8u64);
    let batch = rng.random_range(1..=4u32);
    let seed_of_trials: u64 = rng.next_u64();
    format!(
        r#"Scenario(
    name: "within-f-campaign",
    description: "campaign case {seed}",
    seed: {seed_of_trials},
    trials: {trials},
    replicas: {n},
    workload: (clients: {clients}, requests: {requests}),
    network: (
        delay: {delay},
        drop: {drop:.3},
        duplicate: {duplicate:.3},
        reorder: (probability: {reorder:.3}, extra: Uniform(min_ms: 0.0, max_ms: {extra:.1})),
    ),
    faults: [{faults}],
    byzantine: [(count: {byzantine}, placement: {placement}, behaviour: {behaviour})],
    protocol: (checkpoint_interval: {interval}, log_window: {log_window}, batch_size: {batch}),
    time_limit_ms: 60000.0,
)
"#,
        delay = delay(&mut rng),
        extra = rng.random_range(0.0..20.0),
        faults = faults.join(", "),
    )
}

/// What a campaign found.
#[derive(Debug, Default)]
pub struct Totals {
    /// Cases (scenarios) run.
    pub cases: u64,
    /// Trials run.
    pub trials: u64,
    /// Trials with a safety violation.
    pub unsafe_trials: u64,
    /// Trials that did not complete every request at every honest replica.
    pub unsuccessful: u64,
    /// Each failing trial: its case seed, trial index, trial seed and what went wrong.
    pub failures: Vec<String>,
}

/// Runs cases `first..first + cases` (`trials` trials each) and adds up the verdicts.
pub fn run(first: u64, cases: u64, trials: u32) -> Totals {
    let mut totals = Totals::default();
    for seed in first..first + cases {
        let text = case(seed, trials);
        let records = super::run_scenario_text(&text);
        totals.cases += 1;
        for r in &records {
            totals.trials += 1;
            let o = &r.outcome;
            totals.unsafe_trials += u64::from(!o.safety_ok);
            totals.unsuccessful += u64::from(!o.success);
            if !(o.safety_ok && o.success) {
                totals.failures.push(format!(
                    "case {seed} trial {} (seed {}): success {} safety {} completed {}/{} views {} {:?}",
                    r.trial, r.seed, o.success, o.safety_ok, o.completed, o.requests, o.view_changes, o.violations
                ));
            }
        }
    }
    totals
}
