//! A byzantine behaviour written outside the simulator, against its public API only, in a binary
//! that is the whole `pbft-sim` command line plus that behaviour.
//!
//! `LazyCommitter` is a replica that drops every other COMMIT it sends (an omission fault,
//! Castro & Liskov §3: a faulty replica may fail to send). `main` registers it under a name and
//! hands over to `pbft_sim::cli::main`, so every verb of `pbft-sim` (`run`, `check`, `suite`,
//! `merge`, `--resume`, `--shard`, CSV and charts) works on scenarios that name it as
//! `Custom(name: "LazyCommitter")`. `examples/lazy-committer.ron` sweeps the number of such
//! replicas from 0 to 2 (f = 1 for n = 4, so 2 is one too many):
//!
//! ```sh
//! cargo run --release --example custom_behaviour -- run examples/lazy-committer.ron
//! ```

use std::process::ExitCode;

use pbft_sim::adversary::{register, Behaviour, BuildContext, Context, Outgoing};
use pbft_sim::protocol::{Action, Message};

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

fn main() -> ExitCode {
    // Register before the command line loads a scenario: validation rejects names nobody
    // registered.
    register("LazyCommitter", |_ctx: &mut BuildContext| {
        LazyCommitter::default()
    });
    pbft_sim::cli::main()
}
