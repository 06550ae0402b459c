//! The nodes an engine drives. `ActorNodes` are actix actors, reached by typed messages; the
//! `DirectNodes` of the reference driver are the same state machines called in place. The
//! engine is generic over them, so both produce the same event trace for the same seed.

use std::future::Future;

use actix::Addr;

use super::actors::{ClientActor, ReplicaActor, Step, StepBatch};
use super::SimError;
use crate::adversary::ReplicaNode;
use crate::protocol::message::NodeId;
use crate::protocol::{Action, Client, Input};

/// Replicas and clients that take inputs and return actions.
pub trait Nodes {
    /// Number of replicas.
    fn replicas(&self) -> u32;
    /// Number of clients.
    fn clients(&self) -> u32;
    /// Hands `input` to `node` and returns its actions.
    fn step(
        &mut self,
        node: NodeId,
        input: Input,
    ) -> impl Future<Output = Result<Vec<Action>, SimError>>;

    /// Hands each node its share of a lookahead window ending at `until` and returns what
    /// each did with it ([`step_until`]), batch by batch. The nodes are distinct and share no
    /// state, so they may run at once.
    fn step_batches(
        &mut self,
        batches: Vec<(NodeId, Vec<(u64, Input)>)>,
        until: u64,
    ) -> impl Future<Output = Result<Vec<Stepped>, SimError>>;
}

/// What a node did with its share of a window: the actions of the inputs it took, in order,
/// and the inputs it left, with their times.
#[derive(Debug, Default)]
pub struct Stepped {
    /// One entry per input taken, in order.
    pub actions: Vec<Vec<Action>>,
    /// The inputs not taken, in order.
    pub left: Vec<(u64, Input)>,
}

/// Steps `node` (through `handle`) over its share of a window ending at `until`: its inputs in
/// event order, each with its time. Other nodes cannot reach it inside the window (the
/// lookahead), but it can reach itself: a timer, a delayed action or a message to itself due
/// before `until`. It stops before the first input due at or after the earliest such event,
/// so it never runs ahead of its own events; the engine gives back what it left.
pub fn step_until(
    node: NodeId,
    mut handle: impl FnMut(Input) -> Vec<Action>,
    inputs: Vec<(u64, Input)>,
    until: u64,
) -> Stepped {
    let mut limit = until;
    let mut stepped = Stepped {
        actions: Vec::with_capacity(inputs.len()),
        left: Vec::new(),
    };
    let mut inputs = inputs.into_iter();
    while let Some((time, input)) = inputs.next() {
        if time >= limit {
            stepped.left.push((time, input));
            stepped.left.extend(inputs);
            break;
        }
        let actions = handle(input);
        for action in &actions {
            let own_delay = match action {
                Action::SetTimer { after_ns, .. } | Action::Delayed { after_ns, .. } => {
                    Some(*after_ns)
                }
                Action::Send { to, .. } if *to == node => Some(0),
                _ => None,
            };
            if let Some(delay) = own_delay {
                limit = limit.min(time.saturating_add(delay));
            }
        }
        stepped.actions.push(actions);
    }
    stepped
}

/// Nodes as actix actors (the simulator proper).
pub struct ActorNodes {
    /// Replica actors, by id.
    pub replicas: Vec<Addr<ReplicaActor>>,
    /// Client actors, by id.
    pub clients: Vec<Addr<ClientActor>>,
}

impl Nodes for ActorNodes {
    fn replicas(&self) -> u32 {
        self.replicas.len() as u32
    }

    fn clients(&self) -> u32 {
        self.clients.len() as u32
    }

    async fn step(&mut self, node: NodeId, input: Input) -> Result<Vec<Action>, SimError> {
        let answer = match node {
            NodeId::Replica(r) => self.replicas[r as usize].send(Step(input)).await,
            NodeId::Client(c) => self.clients[c as usize].send(Step(input)).await,
        };
        answer.map_err(|e| SimError::Mailbox(e.to_string()))
    }

    async fn step_batches(
        &mut self,
        batches: Vec<(NodeId, Vec<(u64, Input)>)>,
        until: u64,
    ) -> Result<Vec<Stepped>, SimError> {
        // Every batch is in its actor's mailbox before the first answer is awaited, so the
        // arbiter runs them all in one pass instead of one round trip per node.
        let pending: Vec<_> = batches
            .into_iter()
            .map(|(node, inputs)| {
                let batch = StepBatch {
                    node,
                    inputs,
                    until,
                };
                match node {
                    NodeId::Replica(r) => Pending::Replica(self.replicas[r as usize].send(batch)),
                    NodeId::Client(c) => Pending::Client(self.clients[c as usize].send(batch)),
                }
            })
            .collect();
        let mut answers = Vec::with_capacity(pending.len());
        for request in pending {
            let answer = match request {
                Pending::Replica(r) => r.await,
                Pending::Client(c) => c.await,
            };
            answers.push(answer.map_err(|e| SimError::Mailbox(e.to_string()))?);
        }
        Ok(answers)
    }
}

/// A batch sent to an actor, its answer not yet awaited.
enum Pending {
    Replica(actix::dev::Request<ReplicaActor, StepBatch>),
    Client(actix::dev::Request<ClientActor, StepBatch>),
}

/// The state machines themselves (the reference driver: no actix).
pub struct DirectNodes {
    /// Replicas, by id.
    pub replicas: Vec<ReplicaNode>,
    /// Clients, by id.
    pub clients: Vec<Client>,
}

impl Nodes for DirectNodes {
    fn replicas(&self) -> u32 {
        self.replicas.len() as u32
    }

    fn clients(&self) -> u32 {
        self.clients.len() as u32
    }

    async fn step(&mut self, node: NodeId, input: Input) -> Result<Vec<Action>, SimError> {
        match node {
            NodeId::Replica(r) => Ok(self.replicas[r as usize].handle(input)),
            NodeId::Client(c) => Ok(self.clients[c as usize].handle(input)),
        }
    }

    async fn step_batches(
        &mut self,
        batches: Vec<(NodeId, Vec<(u64, Input)>)>,
        until: u64,
    ) -> Result<Vec<Stepped>, SimError> {
        Ok(batches
            .into_iter()
            .map(|(node, inputs)| match node {
                NodeId::Replica(r) => {
                    let replica = &mut self.replicas[r as usize];
                    step_until(node, |input| replica.handle(input), inputs, until)
                }
                NodeId::Client(c) => {
                    let client = &mut self.clients[c as usize];
                    step_until(node, |input| client.handle(input), inputs, until)
                }
            })
            .collect())
    }
}
