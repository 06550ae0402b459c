//! The actix actors of a trial (DESIGN.md §2). A Replica actor and a Client actor each own a
//! pure state machine and answer every `StepInbox` (their share of a lookahead epoch) with the
//! actions it produced, left in the epoch's collector; they hold no clock and no RNG of their
//! own. The engine actor owns the trial's engine, which decides what
//! happens when, and runs it when asked.

use actix::{Actor, Context, Handler, Message, ResponseFuture};

use super::engine::Engine;
use super::nodes::{step_until, ActorNodes, AnswerSlot, Handled, Inbox};
use super::outcome::TrialOutcome;
use super::SimError;
use crate::adversary::ReplicaNode;
use crate::protocol::Client;

/// A node's share of a lookahead epoch: its inputs in event order with their times, taken
/// as [`step_until`] says; the answer is the actions of those taken and the inputs left.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct StepInbox {
    /// The node, its inputs and a vector for their actions.
    pub(super) inbox: Inbox,
    /// The epoch's end.
    pub(super) until: u64,
    /// Where to leave the answer.
    pub(super) reply: AnswerSlot,
}

/// A replica (honest, or wrapped by a byzantine behaviour) as an actor.
pub(super) struct ReplicaActor {
    node: ReplicaNode,
}

impl ReplicaActor {
    /// Wraps a replica node.
    pub(super) fn new(node: ReplicaNode) -> ReplicaActor {
        ReplicaActor { node }
    }
}

impl Actor for ReplicaActor {
    type Context = Context<Self>;
}

impl Handler<StepInbox> for ReplicaActor {
    type Result = ();

    fn handle(&mut self, message: StepInbox, _ctx: &mut Context<Self>) -> Self::Result {
        let node = &mut self.node;
        let stepped = step_until(
            |input| {
                let actions = node.handle(input);
                Handled::by_replica(node, actions)
            },
            message.inbox,
            message.until,
        );
        message.reply.put(stepped);
    }
}

/// A client as an actor.
pub(super) struct ClientActor {
    client: Client,
}

impl ClientActor {
    /// Wraps a client.
    pub(super) fn new(client: Client) -> ClientActor {
        ClientActor { client }
    }
}

impl Actor for ClientActor {
    type Context = Context<Self>;
}

impl Handler<StepInbox> for ClientActor {
    type Result = ();

    fn handle(&mut self, message: StepInbox, _ctx: &mut Context<Self>) -> Self::Result {
        let client = &mut self.client;
        let stepped = step_until(
            |input| Handled::of(client.handle(input)),
            message.inbox,
            message.until,
        );
        message.reply.put(stepped);
    }
}

/// Asks the engine actor to run its trial.
#[derive(Message)]
#[rtype(result = "Result<TrialOutcome, SimError>")]
pub(super) struct RunTrial;

/// The engine actor: owns one trial's engine over actor nodes and runs it when asked.
pub(super) struct EngineActor {
    engine: Option<Engine<ActorNodes>>,
}

impl EngineActor {
    /// An actor for `engine`.
    pub(super) fn new(engine: Engine<ActorNodes>) -> EngineActor {
        EngineActor {
            engine: Some(engine),
        }
    }
}

impl Actor for EngineActor {
    type Context = Context<Self>;
}

impl Handler<RunTrial> for EngineActor {
    type Result = ResponseFuture<Result<TrialOutcome, SimError>>;

    fn handle(&mut self, _msg: RunTrial, _ctx: &mut Context<Self>) -> Self::Result {
        let engine = self.engine.take();
        Box::pin(async move {
            match engine {
                Some(engine) => engine.run().await,
                None => Err(SimError::AlreadyRun),
            }
        })
    }
}
