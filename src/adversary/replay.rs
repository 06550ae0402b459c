//! `Replay`: stale messages, received or sent earlier, sent again.

use std::collections::VecDeque;

use rand::RngExt;

use super::{recipients, Behaviour, Context};
use crate::net::SimRng;
use crate::protocol::{Action, Input, Message, NodeId};

/// How many old messages `Replay` remembers.
const REPLAY_MEMORY: usize = 64;

/// A replica that replays old messages (the network "may duplicate" of Castro & Liskov §3, made
/// malicious: stale messages of earlier views and sequence numbers, and messages signed by others
/// forwarded under its own envelope). It remembers up to 64 messages it received or sent (a
/// random one is forgotten when full), and alongside each message it sends it sends, with even
/// odds, a random remembered one: to the client it was meant for, or to a random other replica.
/// Otherwise honest.
#[derive(Debug, Default)]
pub struct Replay {
    memory: VecDeque<(Option<NodeId>, Message)>,
}

impl Replay {
    fn remember(&mut self, to: Option<NodeId>, message: Message, rng: &mut SimRng) {
        if self.memory.len() < REPLAY_MEMORY {
            self.memory.push_back((to, message));
        } else if let Some(slot) = self
            .memory
            .get_mut(rng.random_range(0..REPLAY_MEMORY.min(self.memory.len())))
        {
            *slot = (to, message);
        }
    }

    /// A remembered message and where to send it, or nothing (no memory, or even odds).
    fn replay(&self, ctx: &mut Context<'_>) -> Option<Action> {
        if self.memory.is_empty() || !ctx.rng.random_bool(0.5) {
            return None;
        }
        let (to, message) = self
            .memory
            .get(ctx.rng.random_range(0..self.memory.len()))?;
        let to = match to {
            Some(NodeId::Client(c)) => NodeId::Client(*c),
            Some(NodeId::Replica(_)) | None => {
                let others: Vec<_> = recipients(ctx.replica).collect();
                if others.is_empty() {
                    return None;
                }
                NodeId::Replica(others[ctx.rng.random_range(0..others.len())])
            }
        };
        Some(Action::Send {
            to,
            message: message.clone(),
        })
    }
}

impl Behaviour for Replay {
    fn name(&self) -> &str {
        "Replay"
    }

    fn on_input(&mut self, input: Input, ctx: &mut Context<'_>) -> Option<Input> {
        if let Input::Message { message, .. } = &input {
            self.remember(None, message.clone(), ctx.rng);
        }
        Some(input)
    }

    fn on_actions(&mut self, actions: Vec<Action>, ctx: &mut Context<'_>) -> Vec<Action> {
        let mut out = Vec::with_capacity(actions.len() * 2);
        let mut sent = Vec::new();
        for action in actions {
            let record = match &action {
                Action::Send { to, message } => Some((Some(*to), message.clone())),
                Action::Broadcast(message) => Some((None, message.clone())),
                Action::SetTimer { .. } | Action::Observe(_) | Action::Delayed { .. } => None,
            };
            if let Some(record) = record {
                if let Some(old) = self.replay(ctx) {
                    out.push(old);
                }
                sent.push(record);
            }
            out.push(action);
        }
        for (to, message) in sent {
            self.remember(to, message, ctx.rng);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::protocol::message::Vote;

    #[test]
    fn replay_sends_only_remembered_messages() {
        let mut h = Harness::new(1, 4);
        let mut b = Replay::default();
        let old = commit_of(vote());
        h.input(&mut b, from(NodeId::Replica(2), old.clone()));
        let fresh = commit_of(Vote { seq: 6, ..vote() });
        let mut replayed = 0;
        for _ in 0..40 {
            let out = h.actions(&mut b, vec![Action::Broadcast(fresh.clone())]);
            for action in &out[..out.len() - 1] {
                let Action::Send { to, message } = action else {
                    panic!("replays are sends")
                };
                assert!(matches!(to, NodeId::Replica(r) if *r != 1));
                assert!(*message == old || *message == fresh);
                replayed += 1;
            }
        }
        assert!(replayed > 0 && b.memory.len() <= REPLAY_MEMORY);
    }
}
