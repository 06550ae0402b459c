//! `Replay`: stale messages, received or sent earlier, sent again (a faulty replica may replay
//! what it saw, Castro & Liskov §3; views, sequence numbers within the watermarks, §4.2, and
//! client timestamps, §4.1, make replicas drop them).

use std::collections::VecDeque;

use rand::RngExt;

use super::{recipients, Behaviour, Context, Outgoing};
use crate::net::SimRng;
use crate::protocol::{Action, Input, Message, NodeId};

/// How many old messages `Replay` remembers.
const REPLAY_MEMORY: usize = 64;

/// A replica that replays old messages (the network "may duplicate" of Castro & Liskov §3, made
/// malicious: stale messages of earlier views and sequence numbers, and messages signed by others
/// forwarded under its own envelope). It remembers up to 64 messages it received or sent (a
/// random one is forgotten when full), and alongside each message it sends it sends, with even
/// odds, a random remembered one: to the client it was meant for, or to a random other replica
/// (once per message: before the first copy of a broadcast). What it sends joins the memory
/// once the input is handled. Otherwise honest.
#[derive(Debug, Default)]
pub struct Replay {
    memory: VecDeque<(Option<NodeId>, Message)>,
    /// The messages sent for the input being handled (`None`: a broadcast), remembered after.
    sent: Vec<(Option<NodeId>, Message)>,
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

    fn on_send(&mut self, copy: Outgoing, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        if copy.is_first_copy() {
            if let Some(old) = self.replay(ctx) {
                out.push(old);
            }
            let to = copy.broadcast.is_none().then_some(copy.to);
            self.sent.push((to, copy.message.clone()));
        }
        out.push(copy.into_action());
    }

    fn after_input(&mut self, ctx: &mut Context<'_>, _out: &mut Vec<Action>) {
        for (to, message) in std::mem::take(&mut self.sent) {
            self.remember(to, message, ctx.rng);
        }
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
            // The replay, if any, comes before the broadcast's three copies.
            for action in &out[..out.len() - 3] {
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
