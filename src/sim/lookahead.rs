//! Conservative lookahead (DESIGN.md §2): how the engine hands many events to the nodes at once
//! and still applies their effects exactly as one-at-a-time delivery would.
//!
//! The lookahead is the least delay with which one node can make an event for another. An
//! *epoch* is the earliest pending event and every later one due before its time plus the
//! lookahead: inside it no node can reach another, so each node gets its share of the epoch
//! (its [`Inbox`]) in one message and all run at once. A node can reach itself sooner (a timer,
//! a delayed action): it stops before its first input due at or after such an event
//! ([`super::nodes::step_until`]) and gives the rest back. The engine then applies the epoch's
//! events in order up to the earliest event a node scheduled for itself inside the epoch (the
//! cut) or the first input a node gave back, and returns the remaining events to the agenda
//! under their own keys: the ones already handled carry their actions (`Payload::Done`), so
//! they are applied, not handled twice, when their turn comes.
//!
//! [`Lookahead`] is the bound and what breaks it; [`Epoch`] the events of one epoch, their
//! inputs and actions, and the buffers that carry them, kept from one epoch to the next.

use super::agenda::{Agenda, Event, Payload};
use super::links::Links;
use super::nodes::{node_of, own_event_at, Handled, Inbox, Nodes};
use super::trace::MessageSummary;
use super::tracer::Arrival;
use super::SimError;
use crate::protocol::Input;
use std::collections::BTreeMap;

/// At most this many events per node make one epoch, a bound on the memory an epoch's inputs
/// and actions take (an 80-byte input and about as much besides per event). Constant delays
/// put all (n - 1)^2 PREPAREs of a slot into one lookahead window: under the old cap of 2^20
/// events, one epoch held a million of them at n = 1024. Measured (one request at n = 1024,
/// constant 10 ms, with the agenda's one stored message per broadcast): peak RSS 449 -> 228
/// MiB for the two together, outputs identical. Much smaller epochs (4096 at n = 1024) only
/// added actix round trips, hence a cap that grows with n.
const EPOCH_EVENTS_PER_NODE: usize = 64;

/// The least cap on an epoch's events, whatever the number of nodes.
const MIN_EPOCH_EVENTS: usize = 1 << 16;

/// At most this many events make one epoch of a trial with `nodes` nodes.
fn max_epoch_events(nodes: usize) -> usize {
    nodes
        .saturating_mul(EPOCH_EVENTS_PER_NODE)
        .max(MIN_EPOCH_EVENTS)
}

/// How many events ahead of the one being taken its payload is prefetched.
const PREFETCH_AHEAD: usize = 16;

/// The inputs nodes gave back unhandled, by index in the epoch, in no particular order.
pub(super) type LeftInputs = Vec<(usize, Input)>;

/// The lookahead bound of a trial and the state of the epoch being applied.
#[derive(Debug, Default)]
pub(super) struct Lookahead {
    /// No node can make an event for another node less than this after its own time; 0
    /// delivers one event at a time.
    lookahead_ns: u64,
    /// The end of the epoch being processed (0 between epochs): an event for another node
    /// scheduled before it breaks the bound; one a node schedules for itself moves `cut`.
    end: u64,
    /// The earliest event a node scheduled for itself inside the epoch being applied: later
    /// events of the epoch wait for it (they are given back to the agenda).
    cut: Option<Event>,
    /// An event for another node was scheduled inside an epoch (a bug in the bound, or a
    /// speculative bound's miss).
    broken: bool,
    /// Whether the bound is a guess (`speculation.rs`): then a node's event for itself inside
    /// the epoch also misses if the node already handled a later event (see `note_handled`).
    speculative: bool,
    /// While speculating, each node's latest event of the epoch that it handled (or handled in
    /// an earlier epoch and gave back), by node index; reset at the epoch's close.
    latest: Vec<Option<Event>>,
    /// The nodes set in `latest`.
    noted: Vec<u32>,
    /// The indices of the inputs an epoch's nodes gave back, sorted (kept between epochs).
    left_sorted: Vec<usize>,
}

impl Lookahead {
    /// A bound of `lookahead_ns` (0: one event at a time).
    pub(super) fn new(lookahead_ns: u64) -> Lookahead {
        Lookahead {
            lookahead_ns,
            ..Lookahead::default()
        }
    }

    /// A speculative bound of `lookahead_ns` (`speculation.rs`): a miss sets `broken`.
    pub(super) fn speculative(lookahead_ns: u64) -> Lookahead {
        Lookahead {
            speculative: true,
            ..Lookahead::new(lookahead_ns)
        }
    }

    /// Notes an event just scheduled, while an epoch is applied.
    pub(super) fn note(&mut self, event: Event) {
        if event.time < self.end {
            if event.creator() == event.target {
                // A node stops before its own events (`step_until`), but not before one that
                // an event handled in an earlier epoch schedules when applied now: it may have
                // handled later inputs already. Measured: one request at n = 16 over
                // Normal(250, 50) ms links with view changes, on a 50 ms guess, went wrong
                // without this check.
                if self.speculative
                    && self
                        .latest
                        .get(event.target as usize)
                        .copied()
                        .flatten()
                        .is_some_and(|latest| latest > event)
                {
                    self.broken = true;
                }
                self.cut = Some(self.cut.map_or(event, |cut| cut.min(event)));
            } else {
                self.broken = true;
            }
        }
    }

    /// While speculating: notes, for each node, the latest of `events` (the epoch's, by index)
    /// it has handled, i.e. every one but those given back unhandled (`left`). Events whose
    /// target was down count too (a superset: at worst a miss more).
    pub(super) fn note_handled(&mut self, events: impl Iterator<Item = Event>, left: &LeftInputs) {
        if !self.speculative {
            return;
        }
        // One pass over the epoch beside the sorted indices left, not a search per event.
        self.left_sorted.clear();
        self.left_sorted
            .extend(left.iter().map(|(index, _)| *index));
        self.left_sorted.sort_unstable();
        let mut next_left = 0;
        for (index, event) in events.enumerate() {
            if self.left_sorted.get(next_left) == Some(&index) {
                while self.left_sorted.get(next_left) == Some(&index) {
                    next_left += 1;
                }
                continue;
            }
            let target = event.target as usize;
            if self.latest.len() <= target {
                self.latest.resize(target + 1, None);
            }
            let latest = &mut self.latest[target];
            if latest.is_none() {
                self.noted.push(event.target);
            }
            *latest = Some(latest.map_or(event, |l| l.max(event)));
        }
    }

    /// Whether `event` of the epoch comes after the cut (it must wait).
    pub(super) fn cuts(&self, event: &Event) -> bool {
        self.cut.is_some_and(|cut| *event > cut)
    }

    /// Whether the bound is a speculative guess.
    pub(super) fn is_speculative(&self) -> bool {
        self.speculative
    }

    /// Whether an event was ever scheduled for another node inside an epoch.
    pub(super) fn broken(&self) -> bool {
        self.broken
    }

    /// The epoch is over.
    fn close(&mut self) {
        self.end = 0;
        self.cut = None;
        for node in self.noted.drain(..) {
            if let Some(latest) = self.latest.get_mut(node as usize) {
                *latest = None;
            }
        }
    }
}

/// A node's inbox vectors, kept from epoch to epoch.
struct InboxPool {
    inputs: Vec<(u64, Input)>,
    actions: Vec<Handled>,
    /// The earliest event the node is due to make for itself when this epoch's events it is
    /// not handed are applied (`Inbox::pending`); `u64::MAX`: none.
    pending: u64,
}

impl Default for InboxPool {
    fn default() -> InboxPool {
        InboxPool {
            inputs: Vec::new(),
            actions: Vec::new(),
            pending: u64::MAX,
        }
    }
}

/// One epoch's events and, per event, whether its target is down and its actions once handled
/// (or met directly); and the nodes' inboxes that hand the inputs over. All kept from epoch to
/// epoch.
#[derive(Default)]
pub(super) struct Epoch {
    events: Vec<Event>,
    down: Vec<bool>,
    actions: Vec<Option<Handled>>,
    /// Actions met while taking the inputs (delayed actions, events already handled):
    /// (index in the epoch, actions).
    deferred: Vec<(usize, Handled)>,
    /// The events handed to a node, by index in the epoch.
    handed: Vec<usize>,
    /// The nodes given an inbox, in order of their first event.
    touched: Vec<u32>,
    /// Each node's place among the inboxes (set for the nodes given one).
    group_of: Vec<u32>,
    /// Each node's inbox vectors.
    pools: Vec<InboxPool>,
    /// Whether a trace is written: then each event's [`Arrival`] is kept in `arrivals` (its
    /// input has gone to the node by the time the event is applied), and an event given back
    /// to the agenda keeps its arrival in `given_back` until it is taken again.
    tracing: bool,
    arrivals: Vec<Option<Arrival>>,
    given_back: BTreeMap<EventKey, Arrival>,
}

/// An event's key without its slab slot (which changes when it is given back).
type EventKey = (u64, u64, u64);

fn key(event: &Event) -> EventKey {
    (event.time, event.created, event.order)
}

/// What `payload` is, for the trace.
fn arrival_of(payload: &Payload) -> Arrival {
    match payload {
        Payload::Deliver { from, message } => Arrival::Message {
            from: *from,
            message: MessageSummary::of(message),
        },
        Payload::Fire(timer) => Arrival::Timer(*timer),
        Payload::Recover => Arrival::Recover,
        Payload::Perform(_) | Payload::Done(_) => Arrival::Other,
    }
}

impl Epoch {
    /// An epoch whose events keep their arrivals, for the trace.
    pub(super) fn traced() -> Epoch {
        Epoch {
            tracing: true,
            ..Epoch::default()
        }
    }

    /// The arrival of the `index`th event (while tracing).
    pub(super) fn take_arrival(&mut self, index: usize) -> Option<Arrival> {
        self.arrivals.get_mut(index).and_then(Option::take)
    }

    /// Opens the epoch that starts at `first`: takes from `agenda` every later event due
    /// before `first.time` plus the lookahead (and not after `time_limit_ns`), in order. No
    /// node can make an event for another node due inside it.
    pub(super) fn open(
        &mut self,
        first: Event,
        agenda: &mut Agenda,
        lookahead: &mut Lookahead,
        time_limit_ns: u64,
    ) {
        self.events.push(first);
        if lookahead.lookahead_ns > 0 {
            let end = first
                .time
                .saturating_add(lookahead.lookahead_ns)
                .min(time_limit_ns.saturating_add(1));
            let cap = max_epoch_events(agenda.nodes());
            while self.events.len() < cap {
                let Some(event) = agenda.pop_before(end) else {
                    break;
                };
                self.events.push(event);
            }
            lookahead.end = end;
        }
    }

    /// Takes the epoch's payloads: each input goes to its node's inbox, in event order (the
    /// inboxes, in order of each node's first event, and their vectors are kept from epoch to
    /// epoch); the actions of a delayed action or of an event already handled are kept aside;
    /// a crashed target receives nothing (its timers are lost), and each event's `down` says
    /// so.
    pub(super) fn take_inputs(&mut self, agenda: &mut Agenda, links: &Links) {
        let Epoch {
            events,
            down,
            deferred,
            handed,
            touched,
            pools,
            tracing,
            arrivals,
            given_back,
            ..
        } = self;
        pools.resize_with(agenda.nodes(), InboxPool::default);
        for (index, event) in events.iter().enumerate() {
            // The payloads were written an epoch or more ago: ask for them ahead of use.
            if let Some(ahead) = events.get(index + PREFETCH_AHEAD) {
                agenda.prefetch(ahead);
            }
            let payload = agenda.take_payload(event);
            if *tracing {
                let arrival = match &payload {
                    Some(Payload::Done(_)) => given_back.remove(&key(event)),
                    Some(payload) => Some(arrival_of(payload)),
                    None => None,
                };
                arrivals.push(arrival);
            }
            let is_down = links.is_down(event.target, event.time);
            down.push(is_down);
            if is_down {
                continue;
            }
            let input = match payload {
                Some(Payload::Deliver { from, message }) => Input::Message { from, message },
                Some(Payload::Fire(timer)) => Input::Timeout(timer),
                Some(Payload::Recover) => Input::Recover,
                Some(Payload::Perform(action)) => {
                    let handled = Handled::of(vec![action]);
                    note_pending(pools, event, &handled, links.replicas());
                    deferred.push((index, handled));
                    continue;
                }
                Some(Payload::Done(actions)) => {
                    note_pending(pools, event, &actions, links.replicas());
                    deferred.push((index, actions));
                    continue;
                }
                None => continue,
            };
            let pool = &mut pools[event.target as usize];
            if pool.inputs.is_empty() {
                touched.push(event.target);
            }
            pool.inputs.push((event.time, input));
            handed.push(index);
        }
    }

    /// Hands each node its inbox (one message per node), stepping each up to the epoch's end,
    /// and keeps every event's actions, in event order; returns the inputs nodes gave back.
    pub(super) async fn hand_over<N: Nodes>(
        &mut self,
        nodes: &mut N,
        lookahead: &Lookahead,
    ) -> Result<LeftInputs, SimError> {
        let Epoch {
            events,
            actions,
            deferred,
            handed,
            touched,
            group_of,
            pools,
            ..
        } = self;
        let replicas = nodes.replicas();
        actions.resize_with(events.len(), || None);
        let mut left: LeftInputs = Vec::new();
        for (index, done) in deferred.drain(..) {
            actions[index] = Some(done);
        }
        if let [event] = events.as_slice() {
            // One event (always so without lookahead): nothing to cut.
            if let Some((_, input)) = pools[event.target as usize].inputs.pop() {
                let node = node_of(event.target, replicas);
                actions[0] = Some(nodes.step(node, input).await?);
            }
            return Ok(left);
        }
        let mut inboxes = Vec::with_capacity(touched.len());
        for &target in touched.iter() {
            let pool = &mut pools[target as usize];
            inboxes.push(Inbox {
                node: node_of(target, replicas),
                inputs: std::mem::take(&mut pool.inputs),
                actions: std::mem::take(&mut pool.actions),
                pending: std::mem::replace(&mut pool.pending, u64::MAX),
            });
        }
        let answers = nodes.step_inboxes(inboxes, lookahead.end).await?;
        // Back to the events: each node's answers in its events' order.
        let mut replies: Vec<_> = answers
            .into_iter()
            .map(|s| (s.actions, 0, s.left.into_iter(), s.spare))
            .collect();
        group_of.resize(pools.len(), 0);
        for (k, &target) in touched.iter().enumerate() {
            group_of[target as usize] = k as u32;
        }
        for &index in handed.iter() {
            let k = group_of[events[index].target as usize] as usize;
            let Some((taken, next, left_inputs, _)) = replies.get_mut(k) else {
                continue;
            };
            match taken.get_mut(*next) {
                Some(answer) => actions[index] = Some(std::mem::take(answer)),
                None => left.extend(left_inputs.next().map(|(_, input)| (index, input))),
            }
            *next += 1;
        }
        for (&target, (mut taken, _, _, spare)) in touched.iter().zip(replies) {
            taken.clear();
            let pool = &mut pools[target as usize];
            pool.actions = taken;
            pool.inputs = spare;
        }
        Ok(left)
    }

    /// The number of events in the epoch.
    pub(super) fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the `index`th event's target was down, and the event's actions (taken out).
    pub(super) fn take_actions(&mut self, index: usize) -> (bool, Option<Handled>) {
        (self.down[index], self.actions[index].take())
    }

    /// The epoch's `index`th event.
    pub(super) fn event(&self, index: usize) -> Event {
        self.events[index]
    }

    /// Gives the epoch's events from `from` on back to `agenda` under their own keys: an input
    /// a node gave back as that input, any other event as the actions it produced (none if
    /// its target was down).
    pub(super) fn give_back_from(
        &mut self,
        from: usize,
        mut left: LeftInputs,
        agenda: &mut Agenda,
    ) {
        left.sort_unstable_by_key(|(index, _)| std::cmp::Reverse(*index));
        for later in from..self.events.len() {
            let given_back = left.last().is_some_and(|(at, _)| *at == later);
            let payload = match left.pop_if(|_| given_back) {
                Some((_, input)) => payload_of(input),
                None => Payload::Done(self.actions[later].take().unwrap_or_default()),
            };
            if let Some(arrival) = self.arrivals.get_mut(later).and_then(Option::take) {
                // Given back as an input, it is taken again as one: its arrival is recomputed.
                if matches!(payload, Payload::Done(_)) {
                    self.given_back.insert(key(&self.events[later]), arrival);
                }
            }
            agenda.give_back(self.events[later], payload);
        }
    }

    /// Empties every buffer, keeping its memory, and closes the epoch of `lookahead`.
    pub(super) fn clear(&mut self, lookahead: &mut Lookahead) {
        for event in &self.events {
            if let Some(pool) = self.pools.get_mut(event.target as usize) {
                pool.pending = u64::MAX;
            }
        }
        self.events.clear();
        self.arrivals.clear();
        self.down.clear();
        self.actions.clear();
        self.deferred.clear();
        self.handed.clear();
        self.touched.clear();
        lookahead.close();
    }
}

/// Notes in `event`'s node's pool the earliest event for itself that `handled` (the actions of
/// an event the node will not be handed: one it handled in an earlier epoch, or a delayed
/// action) makes when the engine applies them at the event's time. Without it, a node given
/// back an event whose timer falls inside the next epoch handled its later inputs before the
/// timer: measured, 99 of 100 trials (n = 4, Uniform(30, 60) ms links, a silent primary,
/// 25 ms view-change timeouts) diverged from one-at-a-time delivery.
fn note_pending(pools: &mut [InboxPool], event: &Event, handled: &Handled, replicas: u32) {
    let node = node_of(event.target, replicas);
    if let (Some(at), Some(pool)) = (
        own_event_at(node, event.time, &handled.actions),
        pools.get_mut(event.target as usize),
    ) {
        pool.pending = pool.pending.min(at);
    }
}

/// The payload an input was taken from.
fn payload_of(input: Input) -> Payload {
    match input {
        Input::Message { from, message } => Payload::Deliver { from, message },
        Input::Timeout(timer) => Payload::Fire(timer),
        Input::Recover => Payload::Recover,
        // Never queued: a client's start is handed over before the first epoch.
        Input::Start => Payload::Done(Handled::default()),
    }
}
