//! The engine under a cost model (`docs/costs.md`): each input's handling dated from when its
//! node's CPU is free, its actions dated by what receiving, executing and each send cost, its
//! messages held by their sender's link (and their receiver's port) for their transmission
//! time. The trial runs one event at a time (lookahead 0), so the queues are exact. Without a
//! cost model none of this runs: `engine.rs` applies actions as they come.

use super::super::agenda::{Event, Payload};
use super::super::cpu::Note;
use super::super::nodes::{index_of, node_of, Handled, Nodes};
use super::Engine;
use crate::costs::size::Addressing;
use crate::protocol::message::{Message, NodeId};
use crate::protocol::{Action, Observation, Rejection, TimerKind};

/// What one action of a handled input costs its node to send.
#[derive(Clone, Copy)]
struct SendStep {
    /// Bytes of each transmission.
    bytes: u64,
    /// CPU ns of each transmission.
    ns: u64,
    /// How many transmissions (a broadcast without multicast: one per recipient).
    count: u64,
}

impl<N: Nodes> Engine<N> {
    /// Applies an event of the epoch under the cost model: takes what the event carried (its
    /// receive cost), and, when its target is up and handled it, dates and applies its actions.
    /// A timer that fired stale (cancelled or set again since) is refused unseen, as a real
    /// node's cancelled timer never runs: it costs nothing.
    // Kept out of the run loop's code: only trials with a cost model come here.
    #[inline(never)]
    pub(super) fn apply_costed(&mut self, event: &Event, down: bool, handled: Option<Handled>) {
        let Some(costs) = self.costs.as_mut() else {
            return;
        };
        let receive_ns = match costs.take_note(event) {
            Note::Input(ns) | Note::AtPort { receive_ns: ns, .. } => ns,
        };
        let Some(handled) = handled.filter(|_| !down) else {
            return;
        };
        let stale = handled.rejection == Some(Rejection::StaleTimer)
            || handled.actions.iter().any(|a| {
                matches!(
                    a,
                    Action::Observe(Observation::Rejected(Rejection::StaleTimer))
                )
            });
        let receive_ns = if stale { 0 } else { receive_ns };
        self.handle_costed(event.target, event.time, receive_ns, handled.actions);
    }

    /// A message's first bit reached its receiver's port: it arrives whole once the port has
    /// carried it, behind the port's earlier arrivals, and then queues for the CPU.
    // Kept out of the run loop's code: only trials with a cost model come here.
    #[inline(never)]
    pub(super) fn through_port(&mut self, event: Event) {
        let Some(costs) = self.costs.as_mut() else {
            return;
        };
        let Note::AtPort { tx_ns, receive_ns } = costs.take_note(&event) else {
            return;
        };
        let done = costs.through_port(event.target, event.time, tx_ns);
        let Some(payload) = self.agenda.take_payload(&event) else {
            return;
        };
        self.agenda.set_now(event.time);
        let arrived =
            self.agenda
                .schedule(event.creator(), done - event.time, event.target, payload);
        self.lookahead.note(arrived);
        if let Some(costs) = self.costs.as_mut() {
            costs.note(&arrived, Note::Input(receive_ns));
        }
    }

    /// What each of `actions`, node `source`'s, costs to send (`None` for what sends nothing).
    fn send_steps(&self, source: u32, actions: &[Action]) -> Vec<Option<SendStep>> {
        let replicas = self.nodes.replicas();
        let Some(costs) = self.costs.as_ref() else {
            return Vec::new();
        };
        actions
            .iter()
            .map(|action| match action {
                Action::Send { to, message } if index_of(*to, replicas) != source => {
                    // A client's request carries an authenticator for every replica even when
                    // it goes to the primary alone: the backups check it inside the
                    // pre-prepare (TOCS'02 §3.2).
                    let (addressing, macs) = match message {
                        Message::Request(_) if source >= replicas => (
                            Addressing::Multicast {
                                recipients: replicas,
                            },
                            replicas,
                        ),
                        _ => (Addressing::PointToPoint, 1),
                    };
                    let bytes = costs.bytes(message, source, addressing);
                    Some(SendStep {
                        bytes,
                        ns: costs.send_ns(source, bytes, macs),
                        count: 1,
                    })
                }
                Action::Broadcast(message) => {
                    let recipients = if source < replicas {
                        replicas.saturating_sub(1)
                    } else {
                        replicas
                    };
                    if costs.multicast() {
                        let addressing = Addressing::Multicast { recipients };
                        let bytes = costs.bytes(message, source, addressing);
                        Some(SendStep {
                            bytes,
                            ns: costs.send_ns(source, bytes, recipients),
                            count: 1,
                        })
                    } else {
                        let bytes = costs.bytes(message, source, Addressing::PointToPoint);
                        Some(SendStep {
                            bytes,
                            ns: costs.send_ns(source, bytes, 1),
                            count: u64::from(recipients),
                        })
                    }
                }
                _ => None,
            })
            .collect()
    }

    /// Node `source` handled an input that arrived at `at` and costs `receive_ns` to take in,
    /// returning `actions`: its handling starts when its CPU is free, takes the input in,
    /// executes, then pays for each send in order (each message leaves when its own cost is
    /// paid); timers and delayed actions count from the end, observations are stamped there.
    // Kept out of the run loop's code: only trials with a cost model come here.
    #[inline(never)]
    pub(super) fn handle_costed(
        &mut self,
        source: u32,
        at: u64,
        receive_ns: u64,
        actions: Vec<Action>,
    ) {
        let steps = self.send_steps(source, &actions);
        let Some(costs) = self.costs.as_ref() else {
            return self.apply(source, actions);
        };
        let executed: usize = actions
            .iter()
            .map(|a| match a {
                Action::Observe(Observation::Executed { executed, .. }) => executed.len(),
                Action::Observe(Observation::ReadOnlyExecuted { .. }) => 1,
                _ => 0,
            })
            .sum();
        let start = costs.start(source, at);
        let mut cursor = start + receive_ns + costs.execute_ns(source, executed);
        let end = cursor + steps.iter().flatten().map(|s| s.ns * s.count).sum::<u64>();
        if let Some(costs) = self.costs.as_mut() {
            costs.handled(source, start, end);
        }
        let replicas = self.nodes.replicas();
        let now = self.agenda.now();
        for (action, step) in actions.into_iter().zip(steps) {
            match action {
                Action::Send { to, message } => {
                    let target = index_of(to, replicas);
                    match step {
                        Some(step) => {
                            cursor += step.ns;
                            self.transmit_costed(source, target, message, cursor, step.bytes);
                        }
                        None => {
                            // To itself: free, but it still queues for the CPU.
                            let from = node_of(source, replicas);
                            let payload = Payload::Deliver { from, message };
                            self.schedule(source, cursor - now, target, payload);
                        }
                    }
                }
                Action::Broadcast(message) => {
                    let Some(step) = step else { continue };
                    let multicast = self.costs.as_ref().is_some_and(|c| c.multicast());
                    let others = (0..replicas).filter(|r| *r != source);
                    if multicast {
                        cursor += step.ns;
                        self.multicast_costed(source, &message, cursor, step.bytes);
                    } else {
                        for r in others {
                            cursor += step.ns;
                            self.transmit_costed(source, r, message.clone(), cursor, step.bytes);
                        }
                    }
                }
                Action::SetTimer { timer, after_ns } => {
                    if let Some(tracer) = self.observer.tracer() {
                        tracer.timer(end, node_of(source, replicas), timer, after_ns);
                    }
                    // An open loop's arrivals are the world's, not the client's: the next one
                    // counts from when this one arrived, however long the client took.
                    let from = if timer.kind == TimerKind::Arrival {
                        at
                    } else {
                        end
                    };
                    let delay = (from.max(now) - now).saturating_add(after_ns);
                    let event = self
                        .agenda
                        .schedule(source, delay, source, Payload::Fire(timer));
                    self.lookahead.note(event);
                    if let Some(costs) = self.costs.as_mut() {
                        let ns = costs.timer_ns(source);
                        costs.note(&event, Note::Input(ns));
                    }
                }
                Action::Observe(observation) => {
                    let node = node_of(source, replicas);
                    self.observer.observe(node, observation, end, self.current);
                }
                Action::Delayed { after_ns, action } => {
                    let delay = (end - now).saturating_add(after_ns);
                    self.schedule(source, delay, source, Payload::Perform(*action));
                }
            }
        }
    }

    /// A broadcast as one transmission: it occupies the sender's link once, then reaches every
    /// other replica (each copy's fate drawn as a point-to-point message's).
    fn multicast_costed(&mut self, source: u32, message: &Message, ready: u64, bytes: u64) {
        let Some(costs) = self.costs.as_mut() else {
            return;
        };
        let start = costs.transmit(source, ready, bytes);
        let replicas = self.nodes.replicas();
        for r in (0..replicas).filter(|r| *r != source) {
            self.deliver_costed(source, r, message.clone(), start, bytes);
        }
    }

    /// One point-to-point transmission of `bytes`, ready at `ready`: on the sender's link when
    /// it is free, then drawn and delivered.
    fn transmit_costed(
        &mut self,
        source: u32,
        target: u32,
        message: Message,
        ready: u64,
        bytes: u64,
    ) {
        let Some(costs) = self.costs.as_mut() else {
            return;
        };
        let start = costs.transmit(source, ready, bytes);
        self.deliver_costed(source, target, message, start, bytes);
    }

    /// A message of `bytes` that started on its sender's link at `start`: counted, then lost,
    /// delayed or duplicated by the links (drawn at `start`, from the sender's stream), each
    /// copy arriving after its delay and its transmission time (at the receiver's port first,
    /// on a switched LAN).
    fn deliver_costed(
        &mut self,
        source: u32,
        target: u32,
        message: Message,
        start: u64,
        bytes: u64,
    ) {
        let replicas = self.nodes.replicas();
        let from = node_of(source, replicas);
        if let (NodeId::Replica(r), Message::Reply(reply)) = (from, &message) {
            if let NodeId::Client(c) = node_of(target, replicas) {
                self.observer
                    .reply_sent(r, c, reply.timestamp, reply.result, reply.tentative);
            }
        }
        let summary = self.summary(&message);
        let drawn = self.links.draw(source, target, start);
        let copies: Vec<u64> = drawn.copies.to_vec();
        let (fate, slowdown) = (drawn.fate, drawn.slowdown);
        self.observer.message_sent(fate, copies.len(), slowdown);
        if let (Some(tracer), Some(summary)) = (self.observer.tracer(), summary) {
            let to = node_of(target, replicas);
            tracer.sent(start, from, to, summary, &copies, fate, slowdown);
        }
        let Some(costs) = self.costs.as_ref() else {
            return;
        };
        let tx_ns = costs.tx_ns(bytes);
        let receive_ns = costs.receive_ns(target, &message, bytes);
        let ports = costs.ports();
        let now = self.agenda.now();
        let mut message = Some(message);
        for (i, delay) in copies.iter().enumerate() {
            let copy = if i + 1 == copies.len() {
                message.take()
            } else {
                message.clone()
            };
            let Some(message) = copy else { continue };
            let head = start.saturating_add(*delay);
            let (at, note) = if ports {
                (head, Note::AtPort { tx_ns, receive_ns })
            } else {
                (head.saturating_add(tx_ns), Note::Input(receive_ns))
            };
            let payload = Payload::Deliver { from, message };
            let event = self.agenda.schedule(source, at - now, target, payload);
            self.lookahead.note(event);
            if let Some(costs) = self.costs.as_mut() {
                costs.note(&event, note);
            }
        }
    }
}
