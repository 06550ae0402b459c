//! Byzantine behaviours (Castro & Liskov §3: faulty replicas may behave arbitrarily, but cannot
//! forge an honest replica's signature or break the network's sender stamps).
//!
//! A `Behaviour` wraps an honest `Replica`: it sees each input before the replica does and each
//! message the replica sends after, one copy per recipient (a broadcast is expanded into its
//! sends, in the engine's order), and may drop, delay, rewrite, duplicate or add to them. Its
//! hooks are at the level of intent with honest defaults (`docs/add-a-behaviour.md`), so a
//! behaviour writes only what it changes. It never edits the honest code, and it signs only
//! with its own replica's keyring. A silent or crashed replica is a behaviour too. Every random
//! choice comes from the RNG stream the simulator hands in.
//!
//! The files of this module:
//! - `mod.rs`: the `Behaviour` trait, its `Context` and `Outgoing` copies, the per-trial
//!   `BuildContext` (coalitions) and `BuildError`, behaviour wake-up timers, and `ReplicaNode`,
//!   the replica as the simulator runs it;
//! - `spec.rs`: `BehaviourSpec`, the behaviours as named in scenarios, `build` and `check_spec`;
//! - `registry.rs`: the process-global registry of user-defined behaviours (`Custom(name: ..)`);
//! - `builtin.rs`: `Silent` and the seed tutorial's `SeedAdversary`;
//! - `equivocate.rs`: `Equivocate`, a primary that sends conflicting pre-prepares;
//! - `corrupt.rs`: `WrongDigest` and `Mutate`, corrupted messages;
//! - `replay.rs`: `Replay`, stale messages sent again;
//! - `filter.rs`: `Censor` and `SelectiveSilence`, withheld requests and messages;
//! - `timing.rs`: `SlowPrimary` and `ViewChangeStorm`, attacks on the protocol's timing;
//! - `split_brain.rs`: the `SplitBrain` coalition (a primary and its accomplices equivocate);
//! - `placement.rs`: which replicas a scenario's byzantine groups take;
//! - `tampering.rs`: what a behaviour changed of its replica's conduct, as the wrapper reports it.

mod builtin;
mod corrupt;
mod equivocate;
mod filter;
mod placement;
mod registry;
mod replay;
mod spec;
mod split_brain;
mod tampering;
mod timing;

use std::any::{type_name, Any};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

pub use builtin::{SeedAdversary, Silent};
pub use corrupt::{Mutate, WrongDigest};
pub use equivocate::Equivocate;
pub use filter::{Censor, SelectiveSilence};
pub(crate) use placement::place;
pub use placement::{ByzantineGroup, Placement, FORMS as PLACEMENT_FORMS};
pub use registry::{is_registered, register, registered, Built};
pub use replay::Replay;
pub use spec::{
    check_spec, BehaviourSpec, MutateField, UnknownBehaviour, FORMS as BEHAVIOUR_FORMS,
};
pub use split_brain::SplitBrain;
pub use timing::{SlowPrimary, ViewChangeStorm};

use crate::net::SimRng;
use crate::protocol::{
    Action, Input, Message, NodeId, Observation, Rejection, Replica, ReplicaId, Timer, TimerKind,
};
use tampering::Changes;

/// What a behaviour may look at and use when it acts.
pub struct Context<'a> {
    /// The wrapped honest replica, read-only through its accessors: id, view, mode, config,
    /// watermarks, stable checkpoint and keyring (its log and components are not reachable).
    pub replica: &'a Replica,
    /// The behaviour's own RNG stream.
    pub rng: &'a mut SimRng,
}

/// One recipient's copy of a message the wrapped replica sends. A broadcast reaches
/// [`Behaviour::on_send`] as one copy per other replica, in ascending id order (the order in
/// which the engine would send it), so a behaviour that changes what replica r receives writes
/// one hook for sends and broadcasts alike.
#[derive(Clone, Debug)]
pub struct Outgoing {
    /// Who receives this copy.
    pub to: NodeId,
    /// The message, as the honest replica wrote it.
    pub message: Message,
    /// `Some(i)`: the copy for the i-th recipient (from 0) of a broadcast to every other
    /// replica, a fresh message for all (a proposal, a vote); `None`: a message to `to` alone
    /// (a reply, an answer to one replica's STATUS, a resend).
    pub broadcast: Option<u32>,
}

impl Outgoing {
    /// Whether this is the first (or only) copy of the message: the place to make a decision
    /// once per message rather than once per recipient.
    pub fn is_first_copy(&self) -> bool {
        self.broadcast.is_none_or(|i| i == 0)
    }

    /// The copy as the honest replica meant it: a send of `message` to `to`.
    pub fn into_action(self) -> Action {
        Action::Send {
            to: self.to,
            message: self.message,
        }
    }
}

/// A byzantine behaviour: a filter around an honest replica, with honest defaults.
///
/// For each input the node calls `on_input`, then (if the input was passed on) the honest
/// replica; then, for each action the replica returned, `on_send` once per recipient (a
/// broadcast expanded) or `on_local` (timers, observations); then `after_input`; and performs
/// what they put in `out`, in order. `on_start` runs once, before the node's first input;
/// `on_wake_up` runs when a timer set with [`wake_up`] fires (the honest replica never sees it).
/// What `on_start` and `on_wake_up` return is performed as it is.
///
/// A behaviour may keep any state of its own. State shared with other replicas must come from
/// [`BuildContext::coalition`]: the engine then runs the trial one event at a time, which keeps
/// the order in which members see each other's updates that of the event trace. (What a
/// behaviour schedules for itself, delayed actions and wake-ups, needs nothing: the engine
/// stops a node's share of a lookahead epoch at its own events.)
pub trait Behaviour: Send {
    /// A short name, as written in scenarios.
    fn name(&self) -> &str;

    /// Runs once, before the first input this replica receives in the trial: the place to set
    /// a first [`wake_up`] timer. Returns actions to perform.
    fn on_start(&mut self, _ctx: &mut Context<'_>) -> Vec<Action> {
        Vec::new()
    }

    /// Sees an input before the honest replica: return it (possibly changed) to pass it on, or
    /// `None` to hide it.
    fn on_input(&mut self, input: Input, _ctx: &mut Context<'_>) -> Option<Input> {
        Some(input)
    }

    /// One recipient's copy of a message the replica sends: push what to perform instead. The
    /// default sends it unchanged; pushing nothing drops it, and a behaviour may as well push
    /// a rewritten message, several, an `Action::Delayed` one, or sends to anyone else.
    fn on_send(&mut self, copy: Outgoing, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        out.push(copy.into_action());
    }

    /// An action of the replica that sends nothing (`SetTimer`, `Observe`): push what to
    /// perform instead. The default performs it.
    fn on_local(&mut self, action: Action, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        out.push(action);
    }

    /// Runs after the hooks of each input's actions (also when the input was hidden, and then
    /// there were none); `out` holds what will be performed, and may be changed or added to.
    fn after_input(&mut self, _ctx: &mut Context<'_>, _out: &mut Vec<Action>) {}

    /// A timer set with [`wake_up`]`(tag, ..)` fired. Returns actions to perform.
    fn on_wake_up(&mut self, _tag: u64, _ctx: &mut Context<'_>) -> Vec<Action> {
        Vec::new()
    }
}

/// A timer for the behaviour itself: fires `on_wake_up(tag)` after `after_ns` of virtual time.
/// It is a timer of its own kind (`TimerKind::Behaviour`), which the wrapper takes, so it never
/// reaches the honest replica. A crash loses it like any timer (the behaviour sees
/// `Input::Recover` afterwards).
pub fn wake_up(tag: u64, after_ns: u64) -> Action {
    Action::SetTimer {
        timer: Timer {
            kind: TimerKind::Behaviour(tag),
            generation: 0,
        },
        after_ns,
    }
}

/// The replicas a `Broadcast` from `replica` reaches: every replica but itself, in order.
pub fn recipients(replica: &Replica) -> impl Iterator<Item = ReplicaId> {
    let me = replica.id();
    (0..replica.config().n).filter(move |&r| r != me)
}

/// Why a trial's behaviours could not be built. Reported as one line, at validation (each
/// sweep point is built once, `check_build`) or when a trial starts (`SimError::Build`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// Two behaviours named one coalition with different state types.
    #[error(
        "coalition {name:?} holds {held}, but the behaviour of replica {replica} asked it for \
         {asked}: behaviours that join one coalition must share its state type (or use another \
         name)"
    )]
    CoalitionType {
        /// The coalition's name.
        name: String,
        /// The replica whose behaviour asked for the other type.
        replica: ReplicaId,
        /// The state type the coalition was created with.
        held: &'static str,
        /// The state type asked for.
        asked: &'static str,
    },
    /// A `Custom` name nobody registered.
    #[error("no behaviour is registered as {0:?}")]
    Unregistered(String),
    /// A factory refused to build (its own reason).
    #[error("behaviour {behaviour:?} for replica {replica}: {reason}")]
    Refused {
        /// The behaviour's name.
        behaviour: String,
        /// The replica being built.
        replica: ReplicaId,
        /// Why.
        reason: String,
    },
}

/// One coalition of a trial: its state and the replicas that joined it.
struct Coalition {
    state: Arc<dyn Any + Send + Sync>,
    type_name: &'static str,
    members: BTreeSet<ReplicaId>,
}

/// What building a trial's behaviours shares: the replica being built, n, and the coalitions'
/// shared state. Built once per trial; every behaviour of the trial is built with the same one.
pub struct BuildContext {
    replica: ReplicaId,
    n: u32,
    f: u32,
    coalitions: BTreeMap<String, Coalition>,
}

impl BuildContext {
    /// A context for a trial of `n` replicas tolerating `f` faults.
    pub fn new(n: u32, f: u32) -> BuildContext {
        BuildContext {
            replica: 0,
            n,
            f,
            coalitions: BTreeMap::new(),
        }
    }

    /// The replica whose behaviour is being built.
    pub fn replica(&self) -> ReplicaId {
        self.replica
    }

    /// Number of replicas in the trial.
    pub fn n(&self) -> u32 {
        self.n
    }

    /// The fault bound of the trial.
    pub fn f(&self) -> u32 {
        self.f
    }

    /// The shared state of the coalition `name` in this trial, created (`T::default()`) by its
    /// first member; the replica being built joins it. Behaviours of one trial run on one
    /// thread, and a trial with a coalition of two or more members runs one event at a time, so
    /// the order in which members lock it is that of the event trace. A coalition created with
    /// another state type is an error ([`BuildError::CoalitionType`]), never a second coalition.
    pub fn coalition<T: Default + Send + 'static>(
        &mut self,
        name: &str,
    ) -> Result<Arc<Mutex<T>>, BuildError> {
        let replica = self.replica;
        let coalition = self
            .coalitions
            .entry(name.to_string())
            .or_insert_with(|| Coalition {
                state: Arc::new(Mutex::new(T::default())),
                type_name: type_name::<T>(),
                members: BTreeSet::new(),
            });
        match Arc::clone(&coalition.state).downcast::<Mutex<T>>() {
            Ok(shared) => {
                coalition.members.insert(replica);
                Ok(shared)
            }
            Err(_) => Err(BuildError::CoalitionType {
                name: name.to_string(),
                replica,
                held: coalition.type_name,
                asked: type_name::<T>(),
            }),
        }
    }

    /// Whether some coalition of the trial has two or more members: their behaviours share
    /// state, so the trial must run one event at a time.
    pub fn shares_state(&self) -> bool {
        self.coalitions.values().any(|c| c.members.len() > 1)
    }

    pub(crate) fn set_replica(&mut self, replica: ReplicaId) {
        self.replica = replica;
    }
}

/// Builds the behaviours of one placement of `groups` (as a trial would, every group's
/// replicas in one `BuildContext`), so that a build error (a coalition's state type, a factory
/// that refuses) is reported when the scenario is checked, before any trial runs. The error
/// names the group: `(index in groups, why)`.
pub(crate) fn check_build(
    groups: &[ByzantineGroup],
    n: u32,
    f: u32,
) -> Result<(), (usize, BuildError)> {
    use rand::SeedableRng;
    let mut rng = SimRng::seed_from_u64(0);
    let mut ctx = BuildContext::new(n, f);
    for (replica, group) in (0..n).zip(placement::place_groups(groups, n, &mut rng)) {
        let Some(index) = group else { continue };
        if let Some(g) = groups.get(index) {
            g.behaviour
                .build(replica, &mut ctx)
                .map_err(|e| (index, e))?;
        }
    }
    Ok(())
}

/// Locks a coalition's state; a poisoned lock (a member panicked) is used as it is.
pub fn lock<T>(shared: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// A replica as the simulator runs it: honest, or honest code wrapped by a behaviour.
pub(crate) struct ReplicaNode {
    replica: Replica,
    behaviour: Option<(Box<dyn Behaviour>, SimRng)>,
    started: bool,
    /// What the behaviour changed of the input being handled (unused if honest).
    changes: Changes,
}

impl ReplicaNode {
    /// An honest replica.
    pub fn honest(replica: Replica) -> ReplicaNode {
        let changes = Changes::new(replica.id(), replica.config().n);
        ReplicaNode {
            replica,
            behaviour: None,
            started: false,
            changes,
        }
    }

    /// A replica wrapped by `behaviour`, which draws from `rng`.
    pub fn byzantine(replica: Replica, behaviour: Box<dyn Behaviour>, rng: SimRng) -> ReplicaNode {
        let changes = Changes::new(replica.id(), replica.config().n);
        ReplicaNode {
            replica,
            behaviour: Some((behaviour, rng)),
            started: false,
            changes,
        }
    }

    /// Whether the (wrapped) replica reports its protocol steps, cancelled timers and
    /// rejections (`Replica::set_explaining`), and the wrapper each change the behaviour made
    /// (`Observation::Tampered`): on for a trace. Off otherwise: the replica sets its
    /// rejection aside (`take_rejection`), and the wrapper reports the changes of each input
    /// counted by kind (`Observation::Departed`).
    pub fn set_explaining(&mut self, explaining: bool) {
        self.replica.set_explaining(explaining);
        self.changes.explaining = explaining;
    }

    /// The rejection the wrapped replica set aside for the last input, taken out
    /// (`Replica::take_rejection`; only while not explaining). A behaviour cannot reach it:
    /// it is read from the honest replica itself, through the node.
    pub fn take_rejection(&mut self) -> Option<Rejection> {
        self.replica.take_rejection()
    }

    /// Tests only: the wrapped replica, to set its test-only switches.
    #[cfg(test)]
    pub(crate) fn replica_mut(&mut self) -> &mut Replica {
        &mut self.replica
    }

    /// Runs one input through the behaviour (if any) and the honest replica. An honest replica
    /// is called directly; only a wrapped one has its broadcasts expanded, and what its
    /// behaviour changed reported after its actions (`Observation::Tampered`, `tampering.rs`).
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        let Some((behaviour, rng)) = self.behaviour.as_mut() else {
            return self.replica.handle(input);
        };
        let changes = &mut self.changes;
        let mut out = Vec::new();
        if !self.started {
            self.started = true;
            let mut ctx = Context {
                replica: &self.replica,
                rng: &mut *rng,
            };
            out = behaviour.on_start(&mut ctx);
            changes.added(&out);
        }
        let mut ctx = Context {
            replica: &self.replica,
            rng: &mut *rng,
        };
        if let Input::Timeout(Timer {
            kind: TimerKind::Behaviour(tag),
            ..
        }) = input
        {
            let woke = behaviour.on_wake_up(tag, &mut ctx);
            changes.added(&woke);
            out.extend(woke);
            changes.finish(&mut out);
            return out;
        }
        let original = input.clone();
        let passed = behaviour.on_input(input, &mut ctx);
        changes.input(&original, passed.as_ref());
        let actions = match passed {
            Some(input) => self.replica.handle(input),
            None => Vec::new(),
        };
        let mut ctx = Context {
            replica: &self.replica,
            rng,
        };
        through_hooks(behaviour.as_mut(), actions, &mut ctx, &mut out, changes);
        changes.finish(&mut out);
        out
    }
}

/// Passes the honest replica's `actions` for one input through `behaviour`'s hooks, in
/// order: `on_send` for each copy (a broadcast expanded in the engine's order: replicas 0..n
/// ascending, skipping the sender; each copy a clone),
/// `on_local` for the rest, then `after_input`. What they perform goes to `out`; what they
/// changed, and the replica's rejections (which no hook sees), go to `changes`.
fn through_hooks(
    behaviour: &mut dyn Behaviour,
    actions: Vec<Action>,
    ctx: &mut Context<'_>,
    out: &mut Vec<Action>,
    changes: &mut Changes,
) {
    out.reserve(actions.len());
    for action in actions {
        match action {
            Action::Send { to, message } => {
                let honest = message.clone();
                let copy = Outgoing {
                    to,
                    message,
                    broadcast: None,
                };
                let pushed = out.len();
                behaviour.on_send(copy, ctx, out);
                changes.copy(to, &honest, &out[pushed..]);
            }
            Action::Broadcast(message) => {
                let me = ctx.replica.id();
                let n = ctx.replica.config().n;
                // Every recipient gets a clone; the message itself stays, to compare with what
                // the behaviour pushed for each copy.
                for (index, r) in (0..n).filter(|&r| r != me).enumerate() {
                    let copy = Outgoing {
                        to: NodeId::Replica(r),
                        message: message.clone(),
                        broadcast: Some(index as u32),
                    };
                    let pushed = out.len();
                    behaviour.on_send(copy, ctx, out);
                    changes.copy(NodeId::Replica(r), &message, &out[pushed..]);
                }
            }
            Action::Observe(Observation::Rejected(reason)) => changes.rejected(reason),
            local => {
                let pushed = out.len();
                behaviour.on_local(local, ctx, out);
                changes.added(&out[pushed..]);
            }
        }
    }
    changes.before_after_input(out);
    behaviour.after_input(ctx, out);
    changes.after_input(out);
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::protocol::{Change, Departures, Rejection, Tampering};

    /// Every hook at its honest default.
    struct Honest;

    impl Behaviour for Honest {
        fn name(&self) -> &str {
            "Honest"
        }
    }

    /// Sets a wake-up at start, and each wake-up sets the next (tag + 1).
    #[derive(Default)]
    struct Sleeper;

    impl Behaviour for Sleeper {
        fn name(&self) -> &str {
            "Sleeper"
        }

        fn on_start(&mut self, _ctx: &mut Context<'_>) -> Vec<Action> {
            vec![wake_up(7, 10)]
        }

        fn on_wake_up(&mut self, tag: u64, _ctx: &mut Context<'_>) -> Vec<Action> {
            vec![wake_up(tag + 1, 20)]
        }
    }

    #[test]
    fn honest_defaults_send_what_the_replica_sends_copy_by_copy_in_engine_order() {
        let (n, primary) = (5, 0);
        let mut honest = replica(primary, n);
        let mut wrapped = ReplicaNode::byzantine(replica(primary, n), Box::new(Honest), rng());
        let input = from(NodeId::Client(0), Message::Request(request(0, 1)));
        let plain = honest.handle(input.clone());
        let out = wrapped.handle(input);
        assert!(
            plain.iter().any(|a| matches!(a, Action::Broadcast(_))),
            "the primary broadcasts its pre-prepare"
        );
        assert!(!out.iter().any(|a| matches!(a, Action::Broadcast(_))));
        let to: Vec<NodeId> = sends(&out, primary, n)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(to, [1, 2, 3, 4].map(NodeId::Replica));
        assert_eq!(sends(&out, primary, n), sends(&plain, primary, n));
        assert_eq!(
            out.len(),
            plain.len() + 3,
            "one broadcast became four sends"
        );
    }

    /// To replica 1 it drops the copy, to 2 sends another message, to 3 holds it back, to 4
    /// sends it and one more; and it forges the simulator's diagnostics, which are stripped.
    struct Meddler;

    impl Behaviour for Meddler {
        fn name(&self) -> &str {
            "Meddler"
        }

        fn on_send(&mut self, copy: Outgoing, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
            let fetch = |seq| Message::FetchState { seq };
            match copy.to {
                NodeId::Replica(1) => {}
                NodeId::Replica(2) => out.push(Action::Send {
                    to: copy.to,
                    message: fetch(7),
                }),
                NodeId::Replica(3) => out.push(Action::Delayed {
                    after_ns: 10,
                    action: Box::new(copy.into_action()),
                }),
                NodeId::Replica(4) => {
                    let to = copy.to;
                    out.push(copy.into_action());
                    out.push(Action::Send {
                        to,
                        message: fetch(8),
                    });
                }
                _ => out.push(copy.into_action()),
            }
        }

        fn after_input(&mut self, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
            let forged = Tampering {
                change: Change::Added,
                to: None,
                message: "forged",
            };
            out.push(Action::Observe(Observation::Tampered(forged)));
            out.push(Action::Observe(Observation::Rejected(Rejection::Duplicate)));
            out.push(Action::Delayed {
                after_ns: 5,
                action: Box::new(Action::Observe(Observation::Rejected(Rejection::OldView))),
            });
        }
    }

    fn tampered(actions: &[Action]) -> Vec<(Change, Option<NodeId>, &'static str)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Observe(Observation::Tampered(t)) => Some((t.change, t.to, t.message)),
                _ => None,
            })
            .collect()
    }

    fn departed(actions: &[Action]) -> Vec<Departures> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Observe(Observation::Departed(d)) => Some(*d),
                _ => None,
            })
            .collect()
    }

    fn rejections(actions: &[Action]) -> Vec<Rejection> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Observe(Observation::Rejected(r)) => Some(*r),
                Action::Delayed { .. } if format!("{a:?}").contains("Rejected") => {
                    Some(Rejection::Unexpected) // a held-back one: must not be there at all
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_dropped_changed_delayed_and_added_copy_are_exactly_four_tamperings() {
        let mut node = ReplicaNode::byzantine(replica(0, 5), Box::new(Meddler), rng());
        let out = node.handle(from(NodeId::Client(0), Message::Request(request(0, 1))));
        let pp = "pre-prepare";
        assert_eq!(
            tampered(&out),
            [
                (Change::Dropped, Some(NodeId::Replica(1)), pp),
                (Change::Changed, Some(NodeId::Replica(2)), pp),
                (Change::Delayed, Some(NodeId::Replica(3)), pp),
                (Change::Added, Some(NodeId::Replica(4)), "fetch-state"),
            ]
        );
        assert_eq!(
            rejections(&out),
            [],
            "the forged ones are stripped: {out:?}"
        );
        let last = out.len() - 4;
        assert!(
            out[last..]
                .iter()
                .all(|a| matches!(a, Action::Observe(Observation::Tampered(_)))),
            "reported after the node's actions"
        );
    }

    /// Hides status timeouts, delays every copy to replica 1 and drops every copy to
    /// replica 3 after the hooks (`after_input`), and forges a report; for the comparison of
    /// counted and reported changes.
    struct Mixed;

    impl Behaviour for Mixed {
        fn name(&self) -> &str {
            "Mixed"
        }

        fn on_input(&mut self, input: Input, _: &mut Context<'_>) -> Option<Input> {
            match input {
                Input::Timeout(Timer {
                    kind: TimerKind::Status,
                    ..
                }) => None,
                other => Some(other),
            }
        }

        fn on_send(&mut self, copy: Outgoing, _: &mut Context<'_>, out: &mut Vec<Action>) {
            let delay = copy.to == NodeId::Replica(1);
            let action = copy.into_action();
            out.push(match delay {
                true => Action::Delayed {
                    after_ns: 3,
                    action: Box::new(action),
                },
                false => action,
            });
        }

        fn after_input(&mut self, _: &mut Context<'_>, out: &mut Vec<Action>) {
            out.retain(|a| {
                !matches!(
                    a,
                    Action::Send {
                        to: NodeId::Replica(3),
                        ..
                    }
                )
            });
            out.push(Action::Observe(Observation::Tampered(Tampering {
                change: Change::Added,
                to: None,
                message: "forged",
            })));
            let mut forged = Departures::default();
            forged.add(Change::Dropped, 1000);
            out.push(Action::Observe(Observation::Departed(forged)));
        }
    }

    #[test]
    fn not_explaining_the_changes_are_counted_as_they_would_be_reported() {
        let inputs = || {
            vec![
                from(NodeId::Client(0), Message::Request(request(0, 1))),
                from(NodeId::Client(0), Message::Request(request(0, 2))),
                Input::Timeout(Timer {
                    kind: TimerKind::Status,
                    generation: 1,
                }),
                from(NodeId::Replica(2), Message::FetchState { seq: 0 }),
            ]
        };
        let behaviours: [fn() -> Box<dyn Behaviour>; 4] = [
            || Box::new(Meddler),
            || Box::new(Mixed),
            || Box::new(Silent),
            || Box::new(Honest),
        ];
        for make in behaviours {
            let mut told = ReplicaNode::byzantine(replica(0, 5), make(), rng());
            let mut quiet = ReplicaNode::byzantine(replica(0, 5), make(), rng());
            quiet.set_explaining(false);
            let name = make().name().to_string();
            let mut reported = Departures::default();
            let mut counted = Departures::default();
            for (told_input, quiet_input) in inputs().into_iter().zip(inputs()) {
                let out = told.handle(told_input);
                for (change, _, _) in tampered(&out) {
                    reported.add(change, 1);
                }
                assert_eq!(departed(&out), [], "{name}: explaining, none counted");
                let quiet_out = quiet.handle(quiet_input);
                assert_eq!(tampered(&quiet_out), [], "{name}: none reported");
                let counts = departed(&quiet_out);
                assert!(
                    counts.len() <= 1,
                    "{name}: one count per input: {quiet_out:?}"
                );
                for (change, times) in counts.iter().flat_map(|d| d.by_change()) {
                    counted.add(change, times);
                }
            }
            assert_eq!(counted, reported, "{name}");
            let expect_some = name != "Honest";
            assert_eq!(!counted.is_empty(), expect_some, "{name}: {counted:?}");
        }
    }

    #[test]
    fn honest_defaults_tamper_with_nothing_and_the_replicas_rejections_pass() {
        let mut node = ReplicaNode::byzantine(replica(0, 5), Box::new(Honest), rng());
        for input in [
            from(NodeId::Client(0), Message::Request(request(0, 1))),
            Input::Timeout(Timer {
                kind: TimerKind::Status,
                generation: 9,
            }),
        ] {
            let out = node.handle(input);
            assert_eq!(tampered(&out), [], "{out:?}");
        }
        let reply = Message::Reply(crate::protocol::message::Reply {
            view: 0,
            timestamp: 1,
            result: 1,
            tentative: false,
        });
        let out = node.handle(from(NodeId::Replica(2), reply.clone()));
        assert_eq!(rejections(&out), [Rejection::Unexpected]);
        // A behaviour that performs none of the replica's local actions still cannot hide
        // its rejections: no hook sees them.
        struct NoLocals;
        impl Behaviour for NoLocals {
            fn name(&self) -> &str {
                "NoLocals"
            }
            fn on_local(&mut self, _: Action, _: &mut Context<'_>, _: &mut Vec<Action>) {}
        }
        let mut node = ReplicaNode::byzantine(replica(0, 5), Box::new(NoLocals), rng());
        let out = node.handle(from(NodeId::Replica(2), reply));
        assert_eq!(rejections(&out), [Rejection::Unexpected]);
        assert_eq!(tampered(&out), []);
    }

    #[test]
    fn hidden_and_changed_inputs_start_and_wake_up_sends_and_after_input_drops() {
        let request_input = || from(NodeId::Client(0), Message::Request(request(0, 1)));
        let mut silent = ReplicaNode::byzantine(replica(1, 4), Box::new(Silent), rng());
        assert_eq!(
            tampered(&silent.handle(request_input())),
            [(Change::HidInput, None, "request")]
        );

        /// Rewrites every request to another timestamp; sends a STATUS-less fetch at start
        /// and on wake-up; after each input, performs none of the sends.
        struct Rewriter;
        impl Behaviour for Rewriter {
            fn name(&self) -> &str {
                "Rewriter"
            }
            fn on_start(&mut self, _: &mut Context<'_>) -> Vec<Action> {
                vec![
                    wake_up(1, 10),
                    Action::Send {
                        to: NodeId::Replica(2),
                        message: Message::FetchState { seq: 1 },
                    },
                ]
            }
            fn on_input(&mut self, input: Input, _: &mut Context<'_>) -> Option<Input> {
                match input {
                    Input::Message {
                        from,
                        message: Message::Request(_),
                    } => Some(Input::Message {
                        from,
                        message: Message::Request(request(0, 2)),
                    }),
                    other => Some(other),
                }
            }
            fn after_input(&mut self, _: &mut Context<'_>, out: &mut Vec<Action>) {
                out.retain(|a| !matches!(a, Action::Send { .. } | Action::Broadcast(_)));
            }
            fn on_wake_up(&mut self, _: u64, _: &mut Context<'_>) -> Vec<Action> {
                vec![Action::Broadcast(Message::FetchState { seq: 2 })]
            }
        }
        let mut node = ReplicaNode::byzantine(replica(0, 4), Box::new(Rewriter), rng());
        let out = node.handle(request_input());
        let to = |r| Some(NodeId::Replica(r));
        assert_eq!(
            tampered(&out),
            [
                (Change::Added, to(2), "fetch-state"),
                (Change::ChangedInput, None, "request"),
                // after_input withheld on_start's fetch and the pre-prepare's three copies.
                (Change::Dropped, to(2), "fetch-state"),
                (Change::Dropped, to(1), "pre-prepare"),
                (Change::Dropped, to(2), "pre-prepare"),
                (Change::Dropped, to(3), "pre-prepare"),
            ]
        );
        let woke = node.handle(Input::Timeout(Timer {
            kind: TimerKind::Behaviour(1),
            generation: 0,
        }));
        assert_eq!(
            tampered(&woke),
            [1, 2, 3].map(|r| (Change::Added, to(r), "fetch-state"))
        );
    }

    #[test]
    fn a_behaviour_timer_reaches_on_wake_up_and_never_the_replica() {
        let mut node = ReplicaNode::byzantine(replica(1, 4), Box::new(Sleeper), rng());
        let out = node.handle(Input::Start);
        let Some(Action::SetTimer {
            timer,
            after_ns: 10,
        }) = out.first()
        else {
            panic!("on_start's wake-up first: {out:?}")
        };
        assert_eq!(timer.kind, TimerKind::Behaviour(7));
        let out = node.handle(Input::Timeout(*timer));
        let [Action::SetTimer {
            timer,
            after_ns: 20,
        }] = &out[..]
        else {
            panic!("only on_wake_up's answer: {out:?}")
        };
        assert_eq!(timer.kind, TimerKind::Behaviour(8));
    }

    #[test]
    fn a_coalition_with_two_state_types_is_an_error_not_a_second_coalition() {
        let mut ctx = BuildContext::new(4, 1);
        ctx.set_replica(0);
        let first = ctx.coalition::<u64>("plot").expect("created");
        assert!(!ctx.shares_state(), "one member shares nothing");
        ctx.set_replica(1);
        let e = ctx.coalition::<String>("plot").err();
        let Some(BuildError::CoalitionType {
            name,
            replica: 1,
            held,
            asked,
        }) = &e
        else {
            panic!("a type error, got {e:?}")
        };
        assert_eq!(
            (name.as_str(), *held, *asked),
            ("plot", "u64", "alloc::string::String")
        );
        assert!(
            !e.as_ref().is_some_and(|e| e.to_string().contains('\n')),
            "one line"
        );
        let again = ctx.coalition::<u64>("plot").expect("the same type joins");
        *lock(&again) = 3;
        assert_eq!(*lock(&first), 3, "one state");
        assert!(ctx.shares_state(), "two members");
    }

    #[test]
    fn check_build_names_the_group_whose_behaviour_cannot_be_built() {
        register("mod-test-plot-u64", |ctx: &mut BuildContext| {
            ctx.coalition::<u64>("mod-test-plot").map(|_| Honest)
        });
        register("mod-test-plot-string", |ctx: &mut BuildContext| {
            ctx.coalition::<String>("mod-test-plot").map(|_| Honest)
        });
        let group = |count, name: &str| ByzantineGroup {
            count,
            placement: Placement::Random,
            behaviour: BehaviourSpec::Custom { name: name.into() },
        };
        let same = [group(1, "mod-test-plot-u64"), group(1, "mod-test-plot-u64")];
        assert_eq!(check_build(&same, 4, 1), Ok(()));
        let mixed = [
            group(1, "mod-test-plot-u64"),
            group(1, "mod-test-plot-string"),
        ];
        let e = check_build(&mixed, 4, 1).err();
        assert!(
            matches!(e, Some((1, BuildError::CoalitionType { .. }))),
            "{e:?}"
        );
        let unused = [
            group(1, "mod-test-plot-u64"),
            group(0, "mod-test-plot-string"),
        ];
        assert_eq!(
            check_build(&unused, 4, 1),
            Ok(()),
            "a group of 0 builds nothing"
        );
    }

    #[test]
    fn a_coalition_type_clash_is_one_line_at_check_time_and_a_sim_error_at_run_time() {
        register("mod-test-clash-u64", |ctx: &mut BuildContext| {
            ctx.coalition::<u64>("mod-test-clash").map(|_| Honest)
        });
        register("mod-test-clash-string", |ctx: &mut BuildContext| {
            ctx.coalition::<String>("mod-test-clash").map(|_| Honest)
        });
        let text = |second: u32| {
            format!(
                r#"Scenario(name: "clash", replicas: 4, byzantine: [
                    (count: 1, placement: Primary, behaviour: Custom(name: "mod-test-clash-u64")),
                    (count: {second}, placement: Backups, behaviour: Custom(name: "mod-test-clash-string")),
                ])"#
            )
        };
        let e = crate::scenario::parse("clash.ron", &text(1))
            .err()
            .map(|e| e.to_string());
        let e = e.unwrap_or_default();
        assert!(
            e.contains("byzantine[1].behaviour") && e.contains("coalition \"mod-test-clash\""),
            "{e}"
        );
        assert!(!e.contains('\n'), "one line: {e}");
        // Validation builds each point once; a trial that still cannot build fails with a
        // typed error, never a panic or a silently separate coalition.
        let plan = crate::scenario::parse("clash.ron", &text(0)).expect("valid with 0");
        let mut spec = crate::scenario::trial_spec(&plan.points[0].scenario, 1);
        spec.byzantine[1].count = 1;
        let run = crate::sim::run_trial_reference(&spec);
        assert!(
            matches!(
                run,
                Err(crate::sim::SimError::Build(BuildError::CoalitionType {
                    replica: 3,
                    ..
                }))
            ),
            "{:?}",
            run.err()
        );
    }
}
