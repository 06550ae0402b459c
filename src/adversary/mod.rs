//! Byzantine behaviours (Castro & Liskov §3: faulty replicas may behave arbitrarily, but cannot
//! forge an honest replica's signature or break the network's sender stamps).
//!
//! A `Behaviour` wraps an honest `Replica`: it sees each input before the replica does and each
//! batch of actions after, and may drop, delay, rewrite or add to them. It never edits the honest
//! code, and it signs only with its own replica's keyring. A silent or crashed replica is a
//! behaviour too. Every random choice comes from the RNG stream the simulator hands in.

mod builtin;
pub mod placement;

use serde::{Deserialize, Serialize};

pub use builtin::{SeedAdversary, Silent};
pub use placement::{place, ByzantineGroup, Placement};

use crate::net::SimRng;
use crate::protocol::{Action, Input, Replica};

/// What a behaviour may look at and use when it acts.
pub struct Context<'a> {
    /// The wrapped honest replica (read-only: its id, view, log, config and keyring).
    pub replica: &'a Replica,
    /// The behaviour's own RNG stream.
    pub rng: &'a mut SimRng,
}

/// A byzantine behaviour: a filter around an honest replica.
pub trait Behaviour: Send {
    /// A short name, as written in scenarios.
    fn name(&self) -> &str;

    /// Sees an input before the honest replica: return it (possibly changed) to pass it on, or
    /// `None` to hide it.
    fn on_input(&mut self, input: Input, _ctx: &mut Context<'_>) -> Option<Input> {
        Some(input)
    }

    /// Sees the honest replica's actions: return the actions to perform instead.
    fn on_actions(&mut self, actions: Vec<Action>, _ctx: &mut Context<'_>) -> Vec<Action> {
        actions
    }
}

/// A built-in behaviour, as named in a scenario's `byzantine` list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BehaviourSpec {
    /// Sends nothing, ever.
    Silent,
    /// The seed tutorial's adversary (see `SeedAdversary`).
    SeedAdversary,
}

impl BehaviourSpec {
    /// Builds the behaviour.
    pub fn build(&self) -> Box<dyn Behaviour> {
        match self {
            BehaviourSpec::Silent => Box::new(Silent),
            BehaviourSpec::SeedAdversary => Box::new(SeedAdversary),
        }
    }
}

/// A replica as the simulator runs it: honest, or honest code wrapped by a behaviour.
pub struct ReplicaNode {
    replica: Replica,
    behaviour: Option<(Box<dyn Behaviour>, SimRng)>,
}

impl ReplicaNode {
    /// An honest replica.
    pub fn honest(replica: Replica) -> ReplicaNode {
        ReplicaNode {
            replica,
            behaviour: None,
        }
    }

    /// A replica wrapped by `behaviour`, which draws from `rng`.
    pub fn byzantine(replica: Replica, behaviour: Box<dyn Behaviour>, rng: SimRng) -> ReplicaNode {
        ReplicaNode {
            replica,
            behaviour: Some((behaviour, rng)),
        }
    }

    /// Whether a behaviour wraps this replica.
    pub fn is_byzantine(&self) -> bool {
        self.behaviour.is_some()
    }

    /// The wrapped replica.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Runs one input through the behaviour (if any) and the honest replica.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        let Some((behaviour, rng)) = self.behaviour.as_mut() else {
            return self.replica.handle(input);
        };
        let mut ctx = Context {
            replica: &self.replica,
            rng,
        };
        let Some(input) = behaviour.on_input(input, &mut ctx) else {
            return Vec::new();
        };
        let actions = self.replica.handle(input);
        let mut ctx = Context {
            replica: &self.replica,
            rng,
        };
        behaviour.on_actions(actions, &mut ctx)
    }
}
