//! The engine: one trial's run loop in virtual time (DESIGN.md §2).
//!
//! The engine pops the next event from its [`Agenda`] (with every other one due within the
//! lookahead: an [`Epoch`]), hands it to its node, and turns the returned actions into new
//! events: `Send`/`Broadcast` into deliveries whose fate (loss, delay, duplication, reordering)
//! the [`Links`] draw from the sender's own RNG stream, `SetTimer` and `Delayed` into events
//! for the node itself, and `Observe` into the [`Observer`]'s oracle and metrics. No real time
//! passes anywhere; a trial ends when every request is done, when nothing is left to happen,
//! or at the time limit. The engine is generic over its [`Nodes`]: actix actors (the simulator
//! proper, run by the actor in `actors.rs`) or the bare state machines (the reference driver);
//! everything else, and so the event trace, is the same code.

use super::agenda::{Agenda, Payload};
use super::cpu::Costs;
use super::links::{LinkModel, Links};
use super::lookahead::{Epoch, LeftInputs, Lookahead};
use super::metrics::Metrics;
use super::nodes::{index_of, node_of, Nodes};
use super::observer::Observer;
use super::outcome::TrialOutcome;
use super::trace::MessageSummary;
use super::tracer::{Arrival, Tracer};
use super::SimError;
use crate::net::SimRng;
use crate::oracle::Oracle;
use crate::protocol::message::{Message, NodeId};
use crate::protocol::{Action, Input, Observation, Rejection};

/// Everything an engine is built from.
pub(super) struct EngineSetup<N: Nodes> {
    /// The nodes, replicas first (index 0..n), then clients.
    pub(super) nodes: N,
    /// The link model the messages go through.
    pub(super) link_model: LinkModel,
    /// One link stream per node, by index: node i's messages draw from `link_streams[i]`.
    pub(super) link_streams: Vec<SimRng>,
    /// The safety oracle.
    pub(super) oracle: Oracle,
    /// The liveness metrics.
    pub(super) metrics: Metrics,
    /// The trial ends at this virtual time at the latest.
    pub(super) time_limit_ns: u64,
    /// Requests the clients are to issue.
    pub(super) requests: u64,
    /// The least delay any event of this trial can be created with for another node
    /// ([`Lookahead`]); 0 delivers one event at a time.
    pub(super) lookahead_ns: u64,
    /// Which replicas are honest, by id.
    pub(super) honest: Vec<bool>,
    /// The trace to write, if one was asked for.
    pub(super) tracer: Option<Tracer>,
    /// The cost model's state, if the trial has one (then `lookahead_ns` is 0).
    pub(super) costs: Option<Costs>,
    /// Whether `lookahead_ns` is a speculative guess (`speculation.rs`): the run then stops
    /// with `SimError::Lookahead` at its first miss.
    pub(super) speculative: bool,
}

/// One trial's engine: its nodes and the components that own the rest.
pub(super) struct Engine<N: Nodes> {
    nodes: N,
    agenda: Agenda,
    links: Links,
    observer: Observer,
    lookahead: Lookahead,
    /// The epoch's buffers, kept from one epoch to the next: at n = 1024 an epoch holds a
    /// quarter million events, and fresh buffers meant fresh pages every time.
    epoch: Epoch,
    time_limit_ns: u64,
    /// While tracing: what the event being applied was (for the rejections it causes).
    current: Option<Arrival>,
    /// The cost model's state (`engine/costed.rs`), if the trial has one.
    costs: Option<Box<Costs>>,
}

#[path = "engine_costed.rs"]
mod costed;

impl<N: Nodes> Engine<N> {
    /// An engine built from `setup`, at time 0 with nothing scheduled.
    pub(super) fn new(setup: EngineSetup<N>) -> Engine<N> {
        let replicas = setup.nodes.replicas();
        let count = (replicas + setup.nodes.clients()) as usize;
        let epoch = match setup.tracer {
            Some(_) => Epoch::traced(),
            None => Epoch::default(),
        };
        Engine {
            nodes: setup.nodes,
            agenda: Agenda::new(count),
            links: Links::new(setup.link_model, setup.link_streams, replicas),
            observer: Observer::new(
                setup.oracle,
                setup.metrics,
                setup.requests,
                setup.honest,
                setup.tracer,
            ),
            lookahead: if setup.speculative {
                Lookahead::speculative(setup.lookahead_ns)
            } else {
                Lookahead::new(setup.lookahead_ns)
            },
            epoch,
            time_limit_ns: setup.time_limit_ns,
            current: None,
            costs: setup.costs.map(Box::new),
        }
    }

    /// Runs the trial to its end.
    pub(super) async fn run(mut self) -> Result<TrialOutcome, SimError> {
        for (at, replica) in self.links.recoveries() {
            self.schedule(replica, at, replica, Payload::Recover);
        }
        let replicas = self.nodes.replicas();
        for c in 0..self.nodes.clients() {
            let handled = self.nodes.step(NodeId::Client(c), Input::Start).await?;
            if self.costs.is_some() {
                self.handle_costed(replicas + c, 0, 0, handled.actions);
            } else {
                self.apply(replicas + c, handled.actions);
            }
        }
        let mut ended_at = 0;
        let mut timed_out = false;
        while !self.observer.all_done() {
            let Some(first) = self.agenda.pop() else {
                break;
            };
            if first.time > self.time_limit_ns {
                ended_at = self.time_limit_ns;
                timed_out = true;
                break;
            }
            if self.costs.as_ref().is_some_and(|c| c.at_port(&first)) {
                self.through_port(first);
                continue;
            }
            let mut epoch = std::mem::take(&mut self.epoch);
            epoch.open(
                first,
                &mut self.agenda,
                &mut self.lookahead,
                self.time_limit_ns,
            );
            epoch.take_inputs(&mut self.agenda, &self.links);
            let left = epoch.hand_over(&mut self.nodes, &self.lookahead).await?;
            if self.lookahead.is_speculative() {
                let events = (0..epoch.len()).map(|index| epoch.event(index));
                self.lookahead.note_handled(events, &left);
            }
            if let Some(at) = self.apply_epoch(&mut epoch, left) {
                ended_at = at;
            }
            epoch.clear(&mut self.lookahead);
            self.epoch = epoch;
            if self.lookahead.broken() {
                // A speculative bound missed (or the exact one is wrong): nothing after it is
                // right, so stop now (`speculation.rs` runs the trial again).
                break;
            }
        }
        if self.lookahead.broken() {
            return Err(SimError::Lookahead);
        }
        if let (Some(costs), false) = (&self.costs, timed_out) {
            // Observations are stamped at the end of their input's handling.
            ended_at = ended_at.max(costs.last_end());
        }
        if let Some(tracer) = self.observer.tracer() {
            tracer.boundaries_until(ended_at);
            tracer.finish();
        }
        let load = self.costs.as_ref().map(|costs| costs.load(ended_at));
        Ok(TrialOutcome {
            load,
            ..self.observer.outcome(ended_at)
        })
    }

    /// Counts and applies the epoch's events in order, as one-at-a-time delivery would,
    /// until the trial completes (later events are neither counted nor applied), the cut, or an
    /// input a node gave back; gives the rest back to the agenda. Returns the time of the last
    /// event applied, if any.
    fn apply_epoch(&mut self, epoch: &mut Epoch, left: LeftInputs) -> Option<u64> {
        let mut last = None;
        let first_left = left.iter().map(|(index, _)| *index).min();
        for index in 0..epoch.len() {
            let event = epoch.event(index);
            if self.lookahead.cuts(&event) || first_left == Some(index) {
                epoch.give_back_from(index, left, &mut self.agenda);
                break;
            }
            self.agenda.set_now(event.time);
            last = Some(event.time);
            let (down, handled) = epoch.take_actions(index);
            self.observer.event_applied(&event, down);
            if let Some(reason) = handled.as_ref().and_then(|h| h.rejection) {
                let node = node_of(event.target, self.nodes.replicas());
                self.observer.rejected(node, reason);
            }
            if let Some(tracer) = self.observer.tracer() {
                let arrival = epoch.take_arrival(index).unwrap_or(Arrival::Other);
                let stale = handled.as_ref().is_some_and(|handled| {
                    handled.actions.iter().any(|a| {
                        matches!(
                            a,
                            Action::Observe(Observation::Rejected(Rejection::StaleTimer))
                        )
                    })
                });
                let target = node_of(event.target, self.nodes.replicas());
                tracer.arrival(event.time, target, arrival, down, stale);
                self.current = Some(arrival);
            }
            if self.costs.is_some() {
                self.apply_costed(&event, down, handled);
            } else if let Some(handled) = handled {
                self.apply(event.target, handled.actions);
            }
            self.current = None;
            if self.observer.all_done() {
                break;
            }
        }
        last
    }

    /// Schedules `payload` for `target`, `delay_ns` from now, as `creator`'s next event.
    fn schedule(&mut self, creator: u32, delay_ns: u64, target: u32, payload: Payload) {
        let event = self.agenda.schedule(creator, delay_ns, target, payload);
        self.lookahead.note(event);
    }

    /// Turns the actions node `source` returned into events and observations.
    fn apply(&mut self, source: u32, actions: Vec<Action>) {
        let replicas = self.nodes.replicas();
        for action in actions {
            match action {
                Action::Send { to, message } => {
                    let summary = self.summary(&message);
                    let target = index_of(to, replicas);
                    let outgoing = Outgoing::Message(message);
                    self.transmit(source, target, outgoing, summary.as_ref());
                }
                Action::Broadcast(message) => {
                    // The message is stored once for all its recipients (`Agenda`'s broadcasts).
                    let summary = self.summary(&message);
                    let from = node_of(source, replicas);
                    let broadcast = self.agenda.open_broadcast(from, message);
                    for r in 0..replicas {
                        if r != source {
                            let outgoing = Outgoing::Broadcast(broadcast);
                            self.transmit(source, r, outgoing, summary.as_ref());
                        }
                    }
                    self.agenda.close_broadcast(broadcast);
                }
                Action::SetTimer { timer, after_ns } => {
                    let now = self.agenda.now();
                    if let Some(tracer) = self.observer.tracer() {
                        tracer.timer(now, node_of(source, replicas), timer, after_ns);
                    }
                    self.schedule(source, after_ns, source, Payload::Fire(timer));
                }
                Action::Observe(observation) => {
                    let node = node_of(source, replicas);
                    let now = self.agenda.now();
                    self.observer.observe(node, observation, now, self.current);
                }
                Action::Delayed { after_ns, action } => {
                    self.schedule(source, after_ns, source, Payload::Perform(*action));
                }
            }
        }
    }

    /// The summary of `message` for the trace, if one is written.
    fn summary(&mut self, message: &Message) -> Option<MessageSummary> {
        self.observer.tracer().map(|_| MessageSummary::of(message))
    }

    /// One point-to-point message: counted, then lost, delayed or duplicated by the links,
    /// drawing from the sender's stream. A node's message to itself arrives at once, uncounted.
    /// `summary` is the message as the trace shows it, when one is written.
    fn transmit(
        &mut self,
        source: u32,
        target: u32,
        outgoing: Outgoing,
        summary: Option<&MessageSummary>,
    ) {
        let replicas = self.nodes.replicas();
        let from = node_of(source, replicas);
        if source == target {
            let event = match outgoing {
                Outgoing::Message(message) => {
                    let payload = Payload::Deliver { from, message };
                    self.agenda.schedule(source, 0, target, payload)
                }
                Outgoing::Broadcast(broadcast) => {
                    self.agenda.schedule_broadcast(source, 0, target, broadcast)
                }
            };
            self.lookahead.note(event);
            return;
        }
        if let (NodeId::Replica(r), NodeId::Client(c)) = (from, node_of(target, replicas)) {
            let message = match &outgoing {
                Outgoing::Message(message) => Some(message),
                Outgoing::Broadcast(broadcast) => self.agenda.broadcast_message(*broadcast),
            };
            if let Some(Message::Reply(reply)) = message {
                self.observer
                    .reply_sent(r, c, reply.timestamp, reply.result, reply.tentative);
            }
        }
        let now = self.agenda.now();
        let drawn = self.links.draw(source, target, now);
        let copies = drawn.copies;
        self.observer
            .message_sent(drawn.fate, copies.len(), drawn.slowdown);
        if let (Some(tracer), Some(summary)) = (self.observer.tracer(), summary) {
            let to = node_of(target, replicas);
            tracer.sent(now, from, to, *summary, copies, drawn.fate, drawn.slowdown);
        }
        match outgoing {
            Outgoing::Message(message) => {
                let mut message = Some(message);
                for (i, delay) in copies.iter().enumerate() {
                    // The last copy takes the message itself; a duplicate before it is a clone.
                    let copy = if i + 1 == copies.len() {
                        message.take()
                    } else {
                        message.clone()
                    };
                    if let Some(message) = copy {
                        let payload = Payload::Deliver { from, message };
                        let event = self.agenda.schedule(source, *delay, target, payload);
                        self.lookahead.note(event);
                    }
                }
            }
            Outgoing::Broadcast(broadcast) => {
                for delay in copies {
                    let event = self
                        .agenda
                        .schedule_broadcast(source, *delay, target, broadcast);
                    self.lookahead.note(event);
                }
            }
        }
    }
}

/// What [`Engine::transmit`] sends: a message of its own, or one recipient's share of a
/// broadcast stored once in the agenda.
enum Outgoing {
    /// A point-to-point message.
    Message(Message),
    /// A broadcast's handle ([`Agenda::open_broadcast`]).
    Broadcast(u32),
}
