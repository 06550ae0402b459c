//! The reference driver (the same state machines, agenda and RNG streams in a plain loop, no
//! actix), one event at a time and by lookahead epochs, and the actix engine (which hands each
//! actor its share of a lookahead epoch in one message) produce the identical event trace and
//! outcome for the same seed (DESIGN.md §6.9: determinism is tested by trace hash). The engine
//! computes the lookahead itself: epochs for every behaviour, built-in or custom, whatever it
//! schedules for itself, and one event at a time only when replicas share a coalition's state.

use std::sync::{Arc, Mutex};

use pbft_sim::adversary::{lock, register, Behaviour, BuildContext, BuildError, Context, Outgoing};
use pbft_sim::protocol::{Action, Input, Message, NodeId};
use pbft_sim::scenario::{self, Plan};
use pbft_sim::sim::trial_seed;
use pbft_sim::sim::{
    run_trial_blocking, run_trial_reference, run_trial_reference_with_lookahead, trial_lookahead_ns,
};

fn compare(path: &str, trials: usize) -> usize {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let plan = scenario::load(&full).expect("valid scenario");
    compare_plan(path, &plan, trials)
}

/// Runs `trials` trials of every point of `plan` in the three drivers; the number of distinct
/// traces.
fn compare_plan(path: &str, plan: &Plan, trials: usize) -> usize {
    let mut hashes = Vec::new();
    for point in &plan.points {
        for trial in 0..trials {
            let seed = trial_seed(point.scenario.seed, point.index, trial);
            let spec = scenario::trial_spec(&point.scenario, seed);
            let actix = run_trial_blocking(&spec).expect("actix engine");
            let reference = run_trial_reference(&spec).expect("reference driver");
            let epochs = run_trial_reference_with_lookahead(&spec).expect("reference by epochs");
            assert_eq!(
                actix, reference,
                "{path} point {} trial {trial}: actix and one at a time",
                point.index
            );
            assert_eq!(
                epochs, reference,
                "{path} point {} trial {trial}: by epochs and one at a time",
                point.index
            );
            assert!(actix.events > 0);
            hashes.push(actix.trace_hash);
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    hashes.len()
}

#[test]
fn same_trace_in_every_driver() {
    // (scenario, trials per point, whether traces depend on the seed): the normal case on
    // constant links (they do not), a byzantine sweep with reordering, a crash with recovery
    // and state transfer, a partition, a WAN topology with loss, and byzantine behaviours
    // (epochs of events where the behaviours allow them, one at a time where not).
    let cases = [
        ("scenarios/quickstart.ron", 2, false),
        ("scenarios/seed.ron", 2, true),
        ("scenarios/crash-recover.ron", 2, true),
        ("scenarios/partition-heals.ron", 2, true),
        ("scenarios/wan-aws.ron", 1, true),
        ("scenarios/loss-burst.ron", 2, true),
        ("scenarios/heavy-tail-delays.ron", 1, true),
        ("scenarios/batching.ron", 1, true),
        ("scenarios/checkpoint-gc.ron", 1, true),
        ("scenarios/byzantine-zoo.ron", 2, true),
        ("scenarios/slow-primary.ron", 1, true),
        ("scenarios/equivocating-primary.ron", 1, true),
        ("scenarios/censorship.ron", 1, true),
        ("scenarios/split-brain.ron", 1, true),
    ];
    for (path, trials, random) in cases {
        let distinct = compare(path, trials);
        assert_eq!(distinct > 1, random, "{path}: {distinct} distinct traces");
    }
}

/// A custom behaviour that uses every hook: it drops every third copy it sends, sends each
/// PREPARE twice (the second copy 3 ms late), wakes up every 7 ms to send a STATUS-less nudge
/// (its last prepare again) to one replica, and sends itself a copy of its commits.
#[derive(Default)]
struct Busy {
    copies: u64,
    last_prepare: Option<Message>,
}

impl Behaviour for Busy {
    fn name(&self) -> &str {
        "Busy"
    }

    fn on_start(&mut self, _ctx: &mut Context<'_>) -> Vec<Action> {
        vec![pbft_sim::adversary::wake_up(1, 7_000_000)]
    }

    fn on_send(&mut self, copy: Outgoing, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        self.copies += 1;
        if self.copies.is_multiple_of(3) {
            return;
        }
        if let Message::Prepare(_) = copy.message {
            self.last_prepare = Some(copy.message.clone());
            out.push(Action::Delayed {
                after_ns: 3_000_000,
                action: Box::new(Action::Send {
                    to: copy.to,
                    message: copy.message.clone(),
                }),
            });
        }
        if let Message::Commit(_) = copy.message {
            out.push(Action::Send {
                to: NodeId::Replica(ctx.replica.id()),
                message: copy.message.clone(),
            });
        }
        out.push(copy.into_action());
    }

    fn on_wake_up(&mut self, tag: u64, ctx: &mut Context<'_>) -> Vec<Action> {
        let mut out = vec![pbft_sim::adversary::wake_up(tag + 1, 7_000_000)];
        if let Some(message) = self.last_prepare.clone() {
            let to = (ctx.replica.id() + 1) % ctx.replica.config().n;
            out.push(Action::Send {
                to: NodeId::Replica(to),
                message,
            });
        }
        out
    }
}

/// What the members of the test coalition share: how many messages they have sent together.
#[derive(Default)]
struct Tally {
    sent: u64,
}

/// A coalition member whose every decision depends on the shared tally: it drops a copy when
/// the coalition's count is odd. Were members stepped out of event order, the count each sees
/// would differ and so would the trace.
struct Colluder {
    tally: Arc<Mutex<Tally>>,
}

impl Behaviour for Colluder {
    fn name(&self) -> &str {
        "Colluder"
    }

    fn on_input(&mut self, input: Input, _ctx: &mut Context<'_>) -> Option<Input> {
        if let Input::Message { .. } = input {
            lock(&self.tally).sent += 1;
        }
        Some(input)
    }

    fn on_send(&mut self, copy: Outgoing, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        let mut tally = lock(&self.tally);
        tally.sent += 1;
        if tally.sent.is_multiple_of(2) {
            out.push(copy.into_action());
        }
    }
}

fn register_test_behaviours() {
    register("Busy", |_ctx: &mut BuildContext| Busy::default());
    register(
        "Colluder",
        |ctx: &mut BuildContext| -> Result<Colluder, BuildError> {
            Ok(Colluder {
                tally: ctx.coalition::<Tally>("test-tally")?,
            })
        },
    );
}

/// A scenario of n = 7 on lossy, reordering links with `count` replicas of `behaviour` (RON),
/// placed at random, so that traces depend on the seed.
fn zoo(behaviour: &str, count: u32) -> Plan {
    let text = format!(
        r#"Scenario(
            name: "zoo",
            seed: 31,
            trials: 2,
            replicas: 7,
            workload: (clients: 2, requests: 3),
            network: (
                delay: Uniform(min_ms: 2.0, max_ms: 12.0),
                drop: 0.02,
                reorder: (probability: 0.1, extra: Uniform(min_ms: 0.0, max_ms: 5.0)),
            ),
            byzantine: [(count: {count}, placement: Random, behaviour: {behaviour})],
            time_limit_ms: 4000.0,
        )"#
    );
    scenario::parse("zoo.ron", &text).expect("a valid scenario")
}

/// The lookahead of the first trial of `plan`.
fn lookahead(plan: &Plan) -> u64 {
    let point = &plan.points[0];
    let spec = scenario::trial_spec(&point.scenario, trial_seed(point.scenario.seed, 0, 0));
    trial_lookahead_ns(&spec).expect("the behaviours build")
}

#[test]
fn every_behaviour_gives_the_same_trace_in_every_driver() {
    register_test_behaviours();
    // (behaviour, count, whether its members share state).
    let cases = [
        ("Silent", 2, false),
        ("SeedAdversary", 2, false),
        ("Equivocate", 2, false),
        ("WrongDigest", 2, false),
        ("SlowPrimary(delay_ms: 30.0)", 2, false),
        ("Censor(clients: [0])", 2, false),
        ("SelectiveSilence(to: [1, 2])", 2, false),
        ("ViewChangeStorm", 2, false),
        ("Replay", 2, false),
        ("Mutate(probability: 0.3, field: Digest)", 2, false),
        ("Mutate(probability: 0.3, field: View)", 2, false),
        ("SplitBrain", 1, false),
        ("SplitBrain", 3, true),
        ("Custom(name: \"Busy\")", 2, false),
        ("Custom(name: \"Colluder\")", 1, false),
        ("Custom(name: \"Colluder\")", 3, true),
    ];
    let epochs = lookahead(&zoo("Silent", 0));
    assert_eq!(epochs, 2_000_000, "the least link delay");
    for (behaviour, count, shared) in cases {
        let plan = zoo(behaviour, count);
        let name = format!("{behaviour} x{count}");
        let expected = if shared { 0 } else { epochs };
        assert_eq!(lookahead(&plan), expected, "{name}: lookahead");
        let distinct = compare_plan(&name, &plan, 2);
        assert_eq!(distinct, 2, "{name}: traces depend on the seed");
    }
}

/// Timers shorter than the lookahead: a node's event handled in one epoch and given back by a
/// cut (another node's earlier timer) may set a timer due inside the next epoch; the node must
/// not handle its later inputs of that epoch before it. Before the fix (`Inbox::pending`),
/// 99 of 100 trials like these (silent primary, 25 ms view-change timeouts over links of at
/// least 30 ms) diverged from one-at-a-time delivery.
#[test]
fn timers_shorter_than_the_lookahead_keep_the_trace() {
    for (delay, batch_size) in [
        ("Uniform(min_ms: 30.0, max_ms: 60.0)", 8),
        ("Constant(ms: 10.0)", 8),
        ("Uniform(min_ms: 20.0, max_ms: 21.0)", 3),
    ] {
        let text = format!(
            r#"Scenario(name: "short-timers", replicas: 4, workload: (clients: 16, requests: 10),
            network: (delay: {delay},
                      reorder: (probability: 0.2, extra: Uniform(min_ms: 0.0, max_ms: 3.0))),
            byzantine: [(count: 1, placement: Ids([0]), behaviour: Silent)],
            protocol: (batch_size: {batch_size}, batch_timeout_ms: 1.0,
                       view_change_timeout_ms: 25.0, request_timeout_ms: 30.0),
            time_limit_ms: 3000.0)"#
        );
        let plan = scenario::parse("short-timers.ron", &text).expect("a valid scenario");
        assert!(lookahead(&plan) > 0, "{delay}: the trial runs by epochs");
        let distinct = compare_plan("short-timers.ron", &plan, 8);
        assert!(distinct > 1, "{delay}: traces depend on the seed");
    }
}
