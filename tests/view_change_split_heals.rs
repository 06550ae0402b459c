//! The two liveness failures a 10^6-trial within-f campaign (`pbft-sim explore
//! spaces/within-f.ron`) found on the real protocol, kept as regression tests: correct replicas
//! split across views v and v+1, which the paper's rule for starting the new-view timer
//! (§4.5.2: 2f+1 VIEW-CHANGEs for the view being entered) left stuck for ever. Each
//! counterexample replays to success with its own seed, and so does the same setup over 200
//! seeds, its own among them. Before the fix both tests failed on the counterexamples' own
//! seeds; over 500 seeds of each setup, 1 failed at n = 13 and 2 at n = 7.

mod common;

use common::{run_scenario_file, run_scenario_text};
use pbft_sim::runner::TrialRecord;

const COUNTEREXAMPLES: [&str; 2] = [
    "tests/counterexamples/view-change-split-n13.ron",
    "tests/counterexamples/view-change-split-n7.ron",
];

/// The trials that did not complete every request, or were unsafe, one line each.
fn failures(records: &[TrialRecord]) -> Vec<String> {
    records
        .iter()
        .filter(|r| !(r.outcome.success && r.outcome.safety_ok))
        .map(|r| {
            format!(
                "trial {} seed {}: completed {}/{}, safety {}, final view {}",
                r.trial,
                r.seed,
                r.outcome.completed,
                r.outcome.requests,
                r.outcome.safety_ok,
                r.outcome.final_view
            )
        })
        .collect()
}

#[test]
fn each_counterexample_now_completes_every_request() {
    for path in COUNTEREXAMPLES {
        let records = run_scenario_file(path);
        assert_eq!(records.len(), 1, "{path}: one trial");
        assert_eq!(failures(&records), Vec::<String>::new(), "{path}");
        assert!(
            records[0].outcome.view_changes > 0,
            "{path}: the split needs a view change to heal"
        );
    }
}

#[test]
fn the_counterexamples_setups_complete_over_many_seeds() {
    for path in COUNTEREXAMPLES {
        let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let text = std::fs::read_to_string(&full).expect("the counterexample file");
        assert!(
            text.contains("    trials: 1,"),
            "{path}: one trial as written"
        );
        let many = text.replace("    trials: 1,", "    trials: 200,");
        let records = run_scenario_text(&many);
        assert_eq!(records.len(), 200, "{path}");
        assert_eq!(failures(&records), Vec::<String>::new(), "{path}");
    }
}
