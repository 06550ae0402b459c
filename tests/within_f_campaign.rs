//! The random within-f campaign (see `common/campaign.rs` for what a case draws): PBFT must
//! keep every trial safe and complete every request when at most f replicas are faulty and
//! every other fault heals. The suite runs a fixed-seed slice of 2,000 trials; the whole
//! campaign (100,000 trials by default) runs with
//! `cargo test --release --test within_f_campaign -- --ignored --nocapture`, and
//! `CAMPAIGN_FIRST` / `CAMPAIGN_CASES` pick another range of cases. A failing case prints its
//! seed; `common::campaign::case(seed, 10)` is its scenario, runnable with `pbft-sim run`.

mod common;

use common::campaign::{case, run, Totals};

const TRIALS_PER_CASE: u32 = 10;

fn report(totals: &Totals) -> String {
    format!(
        "{} cases, {} trials: {} unsafe, {} unsuccessful\n{}",
        totals.cases,
        totals.trials,
        totals.unsafe_trials,
        totals.unsuccessful,
        totals.failures.join("\n")
    )
}

#[test]
fn a_fixed_slice_of_the_campaign_is_safe_and_live() {
    let totals = run(1, 200, TRIALS_PER_CASE);
    println!("{}", report(&totals));
    assert_eq!(totals.trials, 2000);
    assert!(
        totals.unsafe_trials == 0 && totals.unsuccessful == 0,
        "{}",
        report(&totals)
    );
}

#[test]
fn cases_are_valid_scenarios_and_reproducible() {
    for seed in 0..500 {
        let text = case(seed, TRIALS_PER_CASE);
        assert_eq!(
            text,
            case(seed, TRIALS_PER_CASE),
            "case {seed} is a function of its seed"
        );
        if let Err(e) = pbft_sim::scenario::parse("case.ron", &text) {
            panic!("case {seed} is not a valid scenario: {e}\n{text}");
        }
    }
}

#[test]
#[ignore = "the whole campaign: 100,000 trials, several minutes"]
fn the_whole_campaign() {
    let var = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let first = var("CAMPAIGN_FIRST", 1);
    let cases = var("CAMPAIGN_CASES", 10_000);
    let totals = run(first, cases, TRIALS_PER_CASE);
    println!("cases {first}..{}: {}", first + cases, report(&totals));
    assert!(
        totals.unsafe_trials == 0 && totals.unsuccessful == 0,
        "{}",
        report(&totals)
    );
}
