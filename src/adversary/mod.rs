//! Byzantine behaviours (Castro & Liskov §3: faulty replicas may behave arbitrarily, but cannot
//! forge an honest replica's signature or break the network's sender stamps).
//!
//! A `Behaviour` wraps an honest `Replica`: it sees each input before the replica does and each
//! batch of actions after, and may drop, delay, rewrite or add to them. It never edits the honest
//! code, and it signs only with its own replica's keyring. A silent or crashed replica is a
//! behaviour too. Every random choice comes from the RNG stream the simulator hands in.
//!
//! The files of this module:
//! - `mod.rs`: the `Behaviour` trait, its `Context`, the per-trial `BuildContext` (coalitions),
//!   behaviour wake-up timers, and `ReplicaNode`, the replica as the simulator runs it;
//! - `spec.rs`: `BehaviourSpec`, the behaviours as named in scenarios, `build` and `check_spec`;
//! - `registry.rs`: the process-global registry of user-defined behaviours (`Custom(name: ..)`);
//! - `builtin.rs`: `Silent` and the seed tutorial's `SeedAdversary`;
//! - `equivocate.rs`: `Equivocate`, a primary that sends conflicting pre-prepares;
//! - `corrupt.rs`: `WrongDigest` and `Mutate`, corrupted messages;
//! - `replay.rs`: `Replay`, stale messages sent again;
//! - `filter.rs`: `Censor` and `SelectiveSilence`, withheld requests and messages;
//! - `timing.rs`: `SlowPrimary` and `ViewChangeStorm`, attacks on the protocol's timing;
//! - `split_brain.rs`: the `SplitBrain` coalition (a primary and its accomplices equivocate);
//! - `placement.rs`: which replicas a scenario's byzantine groups take.

mod builtin;
mod corrupt;
mod equivocate;
mod filter;
pub mod placement;
mod registry;
mod replay;
mod spec;
mod split_brain;
mod timing;

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub use builtin::{SeedAdversary, Silent};
pub use corrupt::{Mutate, WrongDigest};
pub use equivocate::Equivocate;
pub use filter::{Censor, SelectiveSilence};
pub use placement::{place, ByzantineGroup, Placement};
pub use registry::{is_registered, register, registered, Factory};
pub use replay::Replay;
pub use spec::{check_spec, BehaviourSpec, MutateField};
pub use split_brain::SplitBrain;
pub use timing::{SlowPrimary, ViewChangeStorm};

use crate::net::SimRng;
use crate::protocol::{Action, Input, Replica, ReplicaId, Timer, TimerKind};

/// What a behaviour may look at and use when it acts.
pub struct Context<'a> {
    /// The wrapped honest replica (read-only: its id, view, log, config and keyring).
    pub replica: &'a Replica,
    /// The behaviour's own RNG stream.
    pub rng: &'a mut SimRng,
}

/// A byzantine behaviour: a filter around an honest replica.
///
/// For each input the node calls `on_input`, then (if the input was passed on) the honest
/// replica, then `on_actions` with the replica's actions (none if the input was hidden), and
/// performs what `on_actions` returns. `on_start` runs once, before the node's first input;
/// `on_wake_up` runs when a timer set with [`wake_up`] fires (the honest replica never sees it).
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

    /// Sees the honest replica's actions: return the actions to perform instead.
    fn on_actions(&mut self, actions: Vec<Action>, _ctx: &mut Context<'_>) -> Vec<Action> {
        actions
    }

    /// A timer set with [`wake_up`]`(tag, ..)` fired. Returns actions to perform.
    fn on_wake_up(&mut self, _tag: u64, _ctx: &mut Context<'_>) -> Vec<Action> {
        Vec::new()
    }

    /// The least delay (ns) of anything this behaviour schedules beyond what the honest
    /// replica would (a `Delayed` action, a wake-up), `u64::MAX` if it schedules nothing. The
    /// actix engine hands every actor all its events within the trial's lookahead at once, so
    /// this must also be 0 if the behaviour shares state with other replicas (a coalition) or
    /// may send to itself. The default, 0, is always safe: the trial then runs one event at a
    /// time.
    fn lookahead_bound_ns(&self, _cfg: &crate::protocol::ReplicaConfig) -> u64 {
        0
    }
}

/// A timer for the behaviour itself: fires `on_wake_up(tag)` after `after_ns` of virtual time.
/// It travels as a `Retransmit` timer, a kind only clients use, so it never reaches the honest
/// replica. A crash loses it like any timer (the behaviour sees `Input::Recover` afterwards).
pub fn wake_up(tag: u64, after_ns: u64) -> Action {
    Action::SetTimer {
        timer: Timer {
            kind: TimerKind::Retransmit,
            generation: tag,
        },
        after_ns,
    }
}

/// The replicas a `Broadcast` from `replica` reaches: every replica but itself, in order.
pub fn recipients(replica: &Replica) -> impl Iterator<Item = ReplicaId> {
    let me = replica.id();
    (0..replica.config().n).filter(move |&r| r != me)
}

/// What building a trial's behaviours shares: the replica being built, n, and the coalitions'
/// shared state. Built once per trial; every behaviour of the trial is built with the same one.
pub struct BuildContext {
    replica: ReplicaId,
    n: u32,
    f: u32,
    coalitions: BTreeMap<(String, TypeId), Arc<dyn Any + Send + Sync>>,
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
    /// first member. Behaviours of one trial run on one thread, one input at a time, so the
    /// order in which members lock it is deterministic.
    pub fn coalition<T: Default + Send + 'static>(&mut self, name: &str) -> Arc<Mutex<T>> {
        let key = (name.to_string(), TypeId::of::<Mutex<T>>());
        let entry = self
            .coalitions
            .entry(key)
            .or_insert_with(|| Arc::new(Mutex::new(T::default())));
        match Arc::clone(entry).downcast::<Mutex<T>>() {
            Ok(shared) => shared,
            // Unreachable (the key holds the type), but a fresh state beats a panic.
            Err(_) => Arc::new(Mutex::new(T::default())),
        }
    }

    pub(crate) fn set_replica(&mut self, replica: ReplicaId) {
        self.replica = replica;
    }
}

/// Locks a coalition's state; a poisoned lock (a member panicked) is used as it is.
pub fn lock<T>(shared: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// A replica as the simulator runs it: honest, or honest code wrapped by a behaviour.
pub struct ReplicaNode {
    replica: Replica,
    behaviour: Option<(Box<dyn Behaviour>, SimRng)>,
    started: bool,
}

impl ReplicaNode {
    /// An honest replica.
    pub fn honest(replica: Replica) -> ReplicaNode {
        ReplicaNode {
            replica,
            behaviour: None,
            started: false,
        }
    }

    /// A replica wrapped by `behaviour`, which draws from `rng`.
    pub fn byzantine(replica: Replica, behaviour: Box<dyn Behaviour>, rng: SimRng) -> ReplicaNode {
        ReplicaNode {
            replica,
            behaviour: Some((behaviour, rng)),
            started: false,
        }
    }

    /// The least delay of anything the behaviour schedules itself (see
    /// [`Behaviour::lookahead_bound_ns`]); `u64::MAX` for an honest replica.
    pub fn lookahead_bound_ns(&self) -> u64 {
        self.behaviour.as_ref().map_or(u64::MAX, |(b, _)| {
            b.lookahead_bound_ns(self.replica.config())
        })
    }

    /// Whether a behaviour wraps this replica.
    pub fn is_byzantine(&self) -> bool {
        self.behaviour.is_some()
    }

    /// The wrapped replica.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Tests only: the wrapped replica, to set its test-only switches.
    #[cfg(test)]
    pub(crate) fn replica_mut(&mut self) -> &mut Replica {
        &mut self.replica
    }

    /// The behaviour's name, if any.
    pub fn behaviour_name(&self) -> Option<&str> {
        self.behaviour.as_ref().map(|(b, _)| b.name())
    }

    /// Runs one input through the behaviour (if any) and the honest replica.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        let Some((behaviour, rng)) = self.behaviour.as_mut() else {
            return self.replica.handle(input);
        };
        let mut out = Vec::new();
        if !self.started {
            self.started = true;
            let mut ctx = Context {
                replica: &self.replica,
                rng: &mut *rng,
            };
            out = behaviour.on_start(&mut ctx);
        }
        let mut ctx = Context {
            replica: &self.replica,
            rng: &mut *rng,
        };
        if let Input::Timeout(Timer {
            kind: TimerKind::Retransmit,
            generation,
        }) = input
        {
            out.extend(behaviour.on_wake_up(generation, &mut ctx));
            return out;
        }
        let actions = match behaviour.on_input(input, &mut ctx) {
            Some(input) => self.replica.handle(input),
            None => Vec::new(),
        };
        let mut ctx = Context {
            replica: &self.replica,
            rng,
        };
        out.extend(behaviour.on_actions(actions, &mut ctx));
        out
    }
}

#[cfg(test)]
pub(crate) mod testing;
