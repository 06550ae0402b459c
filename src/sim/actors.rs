//! The actix actors that carry the protocol: a Replica actor and a Client actor each own a pure
//! state machine and answer every `StepBatch` (their share of a lookahead window) with the
//! actions it produced, left in the window's collector. They hold no clock and no RNG of their
//! own; the Network actor decides what happens when.

use actix::{Actor, Context, Handler, Message};

use super::nodes::{step_until, AnswerSlot, Batch};
use crate::adversary::ReplicaNode;
use crate::protocol::Client;

/// A node's share of a lookahead window: its inputs in event order with their times, taken
/// as [`step_until`] says; the answer is the actions of those taken and the inputs left.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StepBatch {
    /// The node, its inputs and a vector for their actions.
    pub batch: Batch,
    /// The window's end.
    pub until: u64,
    /// Where to leave the answer.
    pub reply: AnswerSlot,
}

/// A replica (honest, or wrapped by a byzantine behaviour) as an actor.
pub struct ReplicaActor {
    node: ReplicaNode,
}

impl ReplicaActor {
    /// Wraps a replica node.
    pub fn new(node: ReplicaNode) -> ReplicaActor {
        ReplicaActor { node }
    }
}

impl Actor for ReplicaActor {
    type Context = Context<Self>;
}

impl Handler<StepBatch> for ReplicaActor {
    type Result = ();

    fn handle(&mut self, batch: StepBatch, _ctx: &mut Context<Self>) -> Self::Result {
        let node = &mut self.node;
        let stepped = step_until(|i| node.handle(i), batch.batch, batch.until);
        batch.reply.put(stepped);
    }
}

/// A client as an actor.
pub struct ClientActor {
    client: Client,
}

impl ClientActor {
    /// Wraps a client.
    pub fn new(client: Client) -> ClientActor {
        ClientActor { client }
    }
}

impl Actor for ClientActor {
    type Context = Context<Self>;
}

impl Handler<StepBatch> for ClientActor {
    type Result = ();

    fn handle(&mut self, batch: StepBatch, _ctx: &mut Context<Self>) -> Self::Result {
        let client = &mut self.client;
        let stepped = step_until(|i| client.handle(i), batch.batch, batch.until);
        batch.reply.put(stepped);
    }
}
