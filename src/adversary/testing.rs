//! Helpers for the behaviours' unit tests: a replica, a context, and message builders.

use std::sync::Arc;

use rand::SeedableRng;

use super::{Behaviour, Context};
use crate::net::SimRng;
use crate::protocol::message::{Batch, PrePrepare, Vote};
use crate::protocol::{
    Action, Input, Keyring, Message, NodeId, Replica, ReplicaConfig, ReplicaId, Request, VoteKind,
};

/// A configuration of `n` replicas with the default fault bound.
pub(crate) fn config(n: u32) -> ReplicaConfig {
    ReplicaConfig {
        n,
        f: (n - 1) / 3,
        view_change: true,
        view_change_timeout_ns: 200_000_000,
        checkpoint_interval: 4,
        watermark_span: 8,
        batch_size: 1,
        batch_timeout_ns: 1_000_000,
        max_in_flight: 8,
        status_period_ns: 50_000_000,
        tentative_execution: false,
        unreplicated: false,
        #[cfg(feature = "planted-bug")]
        planted_bug: None,
    }
}

/// Replica `id` of `n`, in view 0 (replica 0 is its primary).
pub(crate) fn replica(id: ReplicaId, n: u32) -> Replica {
    Replica::new(id, config(n), Keyring::for_test(id))
}

/// A fixed RNG.
pub(crate) fn rng() -> SimRng {
    SimRng::seed_from_u64(99)
}

/// A client's request.
pub(crate) fn request(client: u32, timestamp: u64) -> Request {
    crate::protocol::auth::test_request(client, timestamp, u64::from(client) * 1000 + timestamp)
}

/// A pre-prepare of `requests` at (view, seq), signed by `signer`.
pub(crate) fn pre_prepare(signer: ReplicaId, view: u64, seq: u64, requests: &[Request]) -> Message {
    let batch = Batch::new(requests.to_vec());
    let vote = Vote {
        view,
        seq,
        digest: batch.digest(),
    };
    Message::PrePrepare(PrePrepare {
        signed: Keyring::for_test(signer).sign((VoteKind::PrePrepare, vote)),
        batch,
    })
}

/// A message from `from`.
pub(crate) fn from(from: NodeId, message: Message) -> Input {
    Input::Message { from, message }
}

/// A replica and an RNG stream, to drive a behaviour by hand.
pub(crate) struct Harness {
    pub(crate) replica: Replica,
    pub(crate) rng: SimRng,
}

impl Harness {
    /// Replica `id` of `n`, in view 0.
    pub(crate) fn new(id: ReplicaId, n: u32) -> Harness {
        Harness {
            replica: replica(id, n),
            rng: rng(),
        }
    }

    /// Runs `behaviour.on_input` as the replica's node would.
    pub(crate) fn input(&mut self, behaviour: &mut dyn Behaviour, input: Input) -> Option<Input> {
        let mut ctx = Context {
            replica: &self.replica,
            rng: &mut self.rng,
        };
        behaviour.on_input(input, &mut ctx)
    }

    /// Passes `actions`, as if the honest replica returned them, through the behaviour's hooks
    /// as the replica's node does (broadcasts expanded, then `after_input`).
    pub(crate) fn actions(
        &mut self,
        behaviour: &mut dyn Behaviour,
        actions: Vec<Action>,
    ) -> Vec<Action> {
        let mut ctx = Context {
            replica: &self.replica,
            rng: &mut self.rng,
        };
        let mut out = Vec::new();
        let mut changes =
            super::tampering::Changes::new(self.replica.id(), self.replica.config().n);
        super::through_hooks(behaviour, actions, &mut ctx, &mut out, &mut changes);
        out
    }
}

/// The (recipient, message) pairs the actions send, broadcasts expanded over `n` replicas.
pub(crate) fn sends(actions: &[Action], me: ReplicaId, n: u32) -> Vec<(NodeId, Message)> {
    let mut out = Vec::new();
    for action in actions {
        match action {
            Action::Send { to, message } => out.push((*to, message.clone())),
            Action::Broadcast(message) => {
                for r in (0..n).filter(|&r| r != me) {
                    out.push((NodeId::Replica(r), message.clone()));
                }
            }
            Action::Delayed { action, .. } => {
                out.extend(sends(std::slice::from_ref(action.as_ref()), me, n));
            }
            Action::SetTimer { .. } | Action::Observe(_) => {}
        }
    }
    out
}

/// A shared batch, for tests that build pre-prepares by hand.
pub(crate) fn batch(requests: &[Request]) -> Arc<Batch> {
    Batch::new(requests.to_vec())
}

/// A COMMIT for `vote`, signed by replica 2 of the test keyrings.
pub(crate) fn commit_of(vote: Vote) -> Message {
    Message::Commit(Keyring::for_test(2).sign((VoteKind::Commit, vote)))
}

/// A vote for (view 3, sequence number 5) of a one-request batch.
pub(crate) fn vote() -> Vote {
    Vote {
        view: 3,
        seq: 5,
        digest: batch(&[request(0, 1)]).digest(),
    }
}
