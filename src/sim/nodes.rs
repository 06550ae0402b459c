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

    /// Hands `inputs` to `node` in order and returns each one's actions.
    fn step_batch(
        &mut self,
        node: NodeId,
        inputs: Vec<Input>,
    ) -> impl Future<Output = Result<Vec<Vec<Action>>, SimError>>;
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

    async fn step_batch(
        &mut self,
        node: NodeId,
        inputs: Vec<Input>,
    ) -> Result<Vec<Vec<Action>>, SimError> {
        let answer = match node {
            NodeId::Replica(r) => self.replicas[r as usize].send(StepBatch(inputs)).await,
            NodeId::Client(c) => self.clients[c as usize].send(StepBatch(inputs)).await,
        };
        answer.map_err(|e| SimError::Mailbox(e.to_string()))
    }
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

    async fn step_batch(
        &mut self,
        node: NodeId,
        inputs: Vec<Input>,
    ) -> Result<Vec<Vec<Action>>, SimError> {
        let mut out = Vec::with_capacity(inputs.len());
        for input in inputs {
            out.push(self.step(node, input).await?);
        }
        Ok(out)
    }
}
