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

    /// Hands each node its `inputs`, in order, and returns each input's actions, batch by
    /// batch. The nodes are distinct and share no state, so they may run at once.
    fn step_batches(
        &mut self,
        batches: Vec<(NodeId, Vec<Input>)>,
    ) -> impl Future<Output = Result<Vec<Vec<Vec<Action>>>, SimError>>;
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
        batches: Vec<(NodeId, Vec<Input>)>,
    ) -> Result<Vec<Vec<Vec<Action>>>, SimError> {
        // Every batch is in its actor's mailbox before the first answer is awaited, so the
        // arbiter runs them all in one pass instead of one round trip per node.
        let pending: Vec<_> = batches
            .into_iter()
            .map(|(node, inputs)| match node {
                NodeId::Replica(r) => {
                    Pending::Replica(self.replicas[r as usize].send(StepBatch(inputs)))
                }
                NodeId::Client(c) => {
                    Pending::Client(self.clients[c as usize].send(StepBatch(inputs)))
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
        batches: Vec<(NodeId, Vec<Input>)>,
    ) -> Result<Vec<Vec<Vec<Action>>>, SimError> {
        let mut answers = Vec::with_capacity(batches.len());
        for (node, inputs) in batches {
            let mut out = Vec::with_capacity(inputs.len());
            for input in inputs {
                out.push(self.step(node, input).await?);
            }
            answers.push(out);
        }
        Ok(answers)
    }
}
