//! The nodes an engine drives. `ActorNodes` are actix actors, reached by typed messages; the
//! `DirectNodes` of the reference driver are the same state machines called in place. The
//! engine is generic over them, so both produce the same event trace for the same seed. Each
//! node's share of a lookahead epoch is its [`Inbox`] ([`super::lookahead`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, Waker};

use actix::Addr;

use super::actors::{ClientActor, ReplicaActor, StepInbox};
use super::SimError;
use crate::adversary::ReplicaNode;
use crate::protocol::message::NodeId;
use crate::protocol::{Action, Client, Input, Rejection};

/// The node at engine index `index`, of a trial with `replicas` replicas (replicas are indexed
/// first, 0..n, then clients).
pub(super) fn node_of(index: u32, replicas: u32) -> NodeId {
    if index < replicas {
        NodeId::Replica(index)
    } else {
        NodeId::Client(index - replicas)
    }
}

/// The engine index of `node` in a trial with `replicas` replicas.
pub(super) fn index_of(node: NodeId, replicas: u32) -> u32 {
    match node {
        NodeId::Replica(r) => r,
        NodeId::Client(c) => replicas + c,
    }
}

/// What a node did with one input: its actions, and the rejection a replica set aside instead
/// of reporting it as an action when no trace is written (`Replica::take_rejection`), which
/// the engine counts when it applies the input's event.
#[derive(Debug, Default)]
pub(super) struct Handled {
    /// The input's actions.
    pub actions: Vec<Action>,
    /// The rejection set aside, if the input was refused.
    pub rejection: Option<Rejection>,
}

impl Handled {
    /// What `node` did with its last input: `actions` and what it set aside.
    pub(super) fn by_replica(node: &mut ReplicaNode, actions: Vec<Action>) -> Handled {
        Handled {
            actions,
            rejection: node.take_rejection(),
        }
    }

    /// Just `actions`, nothing set aside (a client's, a delayed action's).
    pub(super) fn of(actions: Vec<Action>) -> Handled {
        Handled {
            actions,
            rejection: None,
        }
    }
}

/// Replicas and clients that take inputs and return actions.
pub(super) trait Nodes {
    /// Number of replicas.
    fn replicas(&self) -> u32;
    /// Number of clients.
    fn clients(&self) -> u32;
    /// Hands `input` to `node` and returns what it did.
    fn step(
        &mut self,
        node: NodeId,
        input: Input,
    ) -> impl Future<Output = Result<Handled, SimError>>;

    /// Hands each node its inbox of a lookahead epoch ending at `until` and returns what each
    /// did with it ([`step_until`]), inbox by inbox. The nodes are distinct and share no state,
    /// so they may run at once.
    fn step_inboxes(
        &mut self,
        inboxes: Vec<Inbox>,
        until: u64,
    ) -> impl Future<Output = Result<Vec<Stepped>, SimError>>;
}

/// A node's share of a lookahead epoch: its inputs in event order, each with its time, and an
/// empty vector for their actions (both kept by the engine from epoch to epoch).
#[derive(Debug)]
pub(super) struct Inbox {
    /// The node.
    pub node: NodeId,
    /// Its inputs, in event order, with their times.
    pub inputs: Vec<(u64, Input)>,
    /// Empty; receives one entry per input taken.
    pub actions: Vec<Handled>,
    /// The earliest event the node is already due to make for itself when the engine applies
    /// an event of this epoch it does not hand over (one the node handled in an earlier epoch
    /// and that was given back, or a delayed action): the node stops before it, as before its
    /// own events ([`step_until`]). `u64::MAX`: none.
    pub pending: u64,
}

/// The earliest time at which `actions`, applied at `time` by node `node`, make an event for
/// `node` itself (a timer, a delayed action, a message to itself), if any.
pub(super) fn own_event_at(node: NodeId, time: u64, actions: &[Action]) -> Option<u64> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::SetTimer { after_ns, .. } | Action::Delayed { after_ns, .. } => {
                Some(time.saturating_add(*after_ns))
            }
            Action::Send { to, .. } if *to == node => Some(time),
            _ => None,
        })
        .min()
}

/// What a node did with its inbox: the actions of the inputs it took, in order, and the inputs
/// it left, with their times.
#[derive(Debug, Default)]
pub(super) struct Stepped {
    /// One entry per input taken, in order.
    pub actions: Vec<Handled>,
    /// The inputs not taken, in order.
    pub left: Vec<(u64, Input)>,
    /// The inbox's input vector, emptied, for the engine to use again.
    pub spare: Vec<(u64, Input)>,
}

/// Steps `node` (through `handle`) over its inbox of an epoch ending at `until`: its inputs in
/// event order, each with its time. Other nodes cannot reach it inside the epoch (the
/// lookahead), but it can reach itself: a timer, a delayed action or a message to itself due
/// before `until`. It stops before the first input due at or after the earliest such event,
/// so it never runs ahead of its own events; the engine gives back what it left.
pub(super) fn step_until(
    mut handle: impl FnMut(Input) -> Handled,
    inbox: Inbox,
    until: u64,
) -> Stepped {
    let Inbox {
        node,
        mut inputs,
        mut actions,
        pending,
    } = inbox;
    let mut left = Vec::new();
    let mut limit = until.min(pending);
    let mut taken = inputs.drain(..);
    while let Some((time, input)) = taken.next() {
        if time >= limit {
            left.push((time, input));
            left.extend(taken.by_ref());
            break;
        }
        let out = handle(input);
        if let Some(at) = own_event_at(node, time, &out.actions) {
            limit = limit.min(at);
        }
        actions.push(out);
    }
    drop(taken);
    Stepped {
        actions,
        left,
        spare: inputs,
    }
}

/// Nodes as actix actors (the simulator proper).
pub(super) struct ActorNodes {
    /// Replica actors, by id.
    pub(super) replicas: Vec<Addr<ReplicaActor>>,
    /// Client actors, by id.
    pub(super) clients: Vec<Addr<ClientActor>>,
}

impl Nodes for ActorNodes {
    fn replicas(&self) -> u32 {
        self.replicas.len() as u32
    }

    fn clients(&self) -> u32 {
        self.clients.len() as u32
    }

    async fn step(&mut self, node: NodeId, input: Input) -> Result<Handled, SimError> {
        // An inbox of one (the collector's single wake is cheaper than a reply channel).
        let inbox = Inbox {
            node,
            inputs: vec![(0, input)],
            actions: Vec::with_capacity(1),
            pending: u64::MAX,
        };
        let stepped = self.step_inboxes(vec![inbox], u64::MAX).await?;
        Ok(stepped
            .into_iter()
            .next()
            .and_then(|s| s.actions.into_iter().next())
            .unwrap_or_default())
    }

    async fn step_inboxes(
        &mut self,
        inboxes: Vec<Inbox>,
        until: u64,
    ) -> Result<Vec<Stepped>, SimError> {
        // Every inbox is in its actor's mailbox before the engine waits, so the arbiter runs
        // them all in one pass; each actor leaves its answer in `answers`, and the engine is
        // woken once, by the last.
        let answers = Answers::expecting(inboxes.len());
        for (index, inbox) in inboxes.into_iter().enumerate() {
            let node = inbox.node;
            let message = StepInbox {
                inbox,
                until,
                reply: AnswerSlot {
                    answers: Arc::clone(&answers),
                    index,
                    answered: false,
                },
            };
            let sent = match node {
                NodeId::Replica(r) => self.replicas[r as usize]
                    .try_send(message)
                    .map_err(|e| e.to_string()),
                NodeId::Client(c) => self.clients[c as usize]
                    .try_send(message)
                    .map_err(|e| e.to_string()),
            };
            sent.map_err(SimError::Mailbox)?;
        }
        AllAnswered(answers).await
    }
}

/// Where the actors given an epoch's inboxes leave their answers, by inbox.
#[derive(Debug, Default)]
pub(super) struct Answers {
    state: Mutex<AnswersState>,
}

#[derive(Debug, Default)]
struct AnswersState {
    stepped: Vec<Stepped>,
    missing: usize,
    /// An inbox was dropped unanswered (its actor stopped): the epoch cannot complete.
    lost: bool,
    waker: Option<Waker>,
}

/// Where one actor leaves its answer to one inbox. Dropped unanswered (a mailbox that closed
/// with the inbox in it), it tells the engine, which then fails instead of waiting for ever.
#[derive(Debug)]
pub(super) struct AnswerSlot {
    answers: Arc<Answers>,
    index: usize,
    answered: bool,
}

impl AnswerSlot {
    /// Leaves the answer; the last one wakes the engine.
    pub(super) fn put(mut self, stepped: Stepped) {
        self.answered = true;
        self.answers.settle(self.index, Some(stepped));
    }
}

impl Drop for AnswerSlot {
    fn drop(&mut self) {
        if !self.answered {
            self.answers.settle(self.index, None);
        }
    }
}

impl Answers {
    fn expecting(count: usize) -> Arc<Answers> {
        let state = AnswersState {
            stepped: (0..count).map(|_| Stepped::default()).collect(),
            missing: count,
            lost: false,
            waker: None,
        };
        Arc::new(Answers {
            state: Mutex::new(state),
        })
    }

    /// Settles inbox `index` with its answer, or as lost (`None`); the last one wakes the
    /// engine.
    fn settle(&self, index: usize, stepped: Option<Stepped>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if index < state.stepped.len() {
            match stepped {
                Some(stepped) => state.stepped[index] = stepped,
                None => state.lost = true,
            }
            state.missing = state.missing.saturating_sub(1);
        }
        if state.missing == 0 {
            if let Some(waker) = state.waker.take() {
                waker.wake();
            }
        }
    }
}

/// Resolves to every answer once the last is in (an error if an inbox was lost).
struct AllAnswered(Arc<Answers>);

impl Future for AllAnswered {
    type Output = Result<Vec<Stepped>, SimError>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.lost {
            Poll::Ready(Err(SimError::Mailbox(
                "an actor's mailbox closed with an inbox unanswered".into(),
            )))
        } else if state.missing == 0 {
            Poll::Ready(Ok(std::mem::take(&mut state.stepped)))
        } else {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// The state machines themselves (the reference driver: no actix).
pub(super) struct DirectNodes {
    /// Replicas, by id.
    pub(super) replicas: Vec<ReplicaNode>,
    /// Clients, by id.
    pub(super) clients: Vec<Client>,
}

impl Nodes for DirectNodes {
    fn replicas(&self) -> u32 {
        self.replicas.len() as u32
    }

    fn clients(&self) -> u32 {
        self.clients.len() as u32
    }

    async fn step(&mut self, node: NodeId, input: Input) -> Result<Handled, SimError> {
        match node {
            NodeId::Replica(r) => {
                let replica = &mut self.replicas[r as usize];
                let actions = replica.handle(input);
                Ok(Handled::by_replica(replica, actions))
            }
            NodeId::Client(c) => Ok(Handled::of(self.clients[c as usize].handle(input))),
        }
    }

    async fn step_inboxes(
        &mut self,
        inboxes: Vec<Inbox>,
        until: u64,
    ) -> Result<Vec<Stepped>, SimError> {
        Ok(inboxes
            .into_iter()
            .map(|inbox| match inbox.node {
                NodeId::Replica(r) => {
                    let replica = &mut self.replicas[r as usize];
                    step_until(
                        |input| {
                            let actions = replica.handle(input);
                            Handled::by_replica(replica, actions)
                        },
                        inbox,
                        until,
                    )
                }
                NodeId::Client(c) => {
                    let client = &mut self.clients[c as usize];
                    step_until(|input| Handled::of(client.handle(input)), inbox, until)
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(count: usize) -> (Arc<Answers>, Vec<AnswerSlot>) {
        let answers = Answers::expecting(count);
        let slots = (0..count)
            .map(|index| AnswerSlot {
                answers: Arc::clone(&answers),
                index,
                answered: false,
            })
            .collect();
        (answers, slots)
    }

    fn poll(answers: Arc<Answers>) -> Poll<Result<Vec<Stepped>, SimError>> {
        let mut all = AllAnswered(answers);
        let mut cx = std::task::Context::from_waker(Waker::noop());
        Pin::new(&mut all).poll(&mut cx)
    }

    #[test]
    fn the_epoch_completes_when_every_inbox_is_answered() {
        let (answers, mut slots) = slots(2);
        for _ in 0..2 {
            assert!(poll(Arc::clone(&answers)).is_pending(), "an answer missing");
            if let Some(slot) = slots.pop() {
                slot.put(Stepped::default());
            }
        }
        assert!(matches!(poll(answers), Poll::Ready(Ok(s)) if s.len() == 2));
    }

    #[test]
    fn an_inbox_dropped_unanswered_fails_the_epoch_instead_of_hanging_it() {
        let (answers, mut slots) = slots(2);
        if let Some(slot) = slots.pop() {
            slot.put(Stepped::default());
        }
        drop(slots);
        assert!(matches!(
            poll(answers),
            Poll::Ready(Err(SimError::Mailbox(_)))
        ));
    }
}
