//! A byzantine behaviour written outside the simulator, against its public API only.
//!
//! `LazyCommitter` is a replica that drops every other COMMIT it sends (an omission fault,
//! Castro & Liskov §3: a faulty replica may fail to send). The example registers it under a
//! name, runs a small scenario that uses it from RON text as `Custom(name: "LazyCommitter")`,
//! sweeping the number of such replicas from 0 to 2 (f = 1 for n = 4, so 2 is one too many),
//! and prints the summary table.
//!
//! Run it with `cargo run --release --example custom_behaviour`.

use pbft_sim::adversary::{register, Behaviour, BuildContext, Context, Outgoing};
use pbft_sim::protocol::{Action, Message};
use pbft_sim::report::{summarize, summary_table};
use pbft_sim::runner::{run, NoProgress, RunOptions};
use pbft_sim::scenario::parse;

/// Drops every other COMMIT it would send (all copies of it, whether it goes to one replica or
/// to all); everything else, including its PREPAREs, goes out as the honest replica it wraps
/// decided.
#[derive(Default)]
struct LazyCommitter {
    commits: u64,
}

impl Behaviour for LazyCommitter {
    fn name(&self) -> &str {
        "LazyCommitter"
    }

    fn on_send(&mut self, copy: Outgoing, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        if let Message::Commit(_) = copy.message {
            if copy.is_first_copy() {
                self.commits += 1; // one COMMIT, however many recipients
            }
            if self.commits.is_multiple_of(2) {
                return; // every other COMMIT is never sent
            }
        }
        out.push(copy.into_action());
    }
}

const SCENARIO: &str = r#"Scenario(
    name: "lazy-committer",
    description: "Replicas that drop every other COMMIT: harmless up to f, slower beyond",
    seed: 5,
    trials: 20,
    replicas: 4,
    workload: (clients: 2, requests: 5),
    network: (delay: Uniform(min_ms: 2.0, max_ms: 20.0), drop: 0.05),
    byzantine: [(count: 0, placement: Backups, behaviour: Custom(name: "LazyCommitter"))],
    time_limit_ms: 20000.0,
    sweep: [(path: "byzantine[0].count", values: Range(from: 0, to: 2))],
)"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Register before parsing: validation rejects names nobody registered.
    register("LazyCommitter", |_ctx: &mut BuildContext| {
        LazyCommitter::default()
    });
    let plan = parse("lazy-committer.ron", SCENARIO)?;
    let options = RunOptions::default();
    let result = run(&plan, &options, &mut NoProgress)?;
    println!("{}", summary_table(&result, &summarize(&result)));
    Ok(())
}
