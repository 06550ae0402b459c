//! Lookahead windows (DESIGN.md §2, conservative lookahead): how the engine hands many events
//! to the nodes at once and still applies their effects exactly as one-at-a-time delivery
//! would.
//!
//! A window is the earliest event and every later one due before it plus the lookahead, the
//! least delay with which one node can make an event for another. Inside it no node can reach
//! another, so each node gets its share in one message and all run at once. A node can reach
//! itself sooner (a timer, a delayed action): it stops before its first input due at or after
//! such an event ([`super::nodes::step_until`]) and gives the rest back. The engine then applies
//! the window's events in order up to the earliest event a node scheduled for itself inside
//! the window (the cut) or the first input a node gave back, and returns the remaining events
//! to the queue under their own keys: the ones already handled carry their actions
//! (`Payload::Done`), so they are applied, not handled twice, when their turn comes.

use super::network::{Engine, Event, Payload};
use super::nodes::{Batch, Nodes};
use super::seeds::splitmix64;
use super::SimError;
use crate::protocol::{Action, Input};

/// At most this many events are handed over in one lookahead window, a bound on the memory a
/// window's inputs and actions take. Measured: smaller windows (4096) only added actix round
/// trips (at n = 1024 a window holds a quarter million events, a few hundred per actor).
const MAX_WINDOW: usize = 1 << 20;

/// How many events ahead of the one being taken its payload is prefetched.
const PREFETCH_AHEAD: usize = 16;

/// The inputs nodes gave back unhandled, by index in the window, in no particular order.
type LeftInputs = Vec<(usize, Input)>;

/// A node's batch vectors, kept from window to window.
#[derive(Default)]
struct BatchPool {
    inputs: Vec<(u64, Input)>,
    actions: Vec<Vec<Action>>,
}

/// A window's events and, per event, whether its target is down and its actions once handled
/// (or applied directly); and the nodes' batches that hand the inputs over. All kept from
/// window to window.
#[derive(Default)]
pub(super) struct WindowBuffers {
    pub(super) window: Vec<Event>,
    down: Vec<bool>,
    actions: Vec<Option<Vec<Action>>>,
    /// Actions met while taking the inputs (delayed actions, events already handled):
    /// (index in the window, actions).
    deferred: Vec<(usize, Vec<Action>)>,
    /// The events handed to a node, by index in the window.
    handed: Vec<usize>,
    /// The nodes given a batch, in order of their first event.
    touched: Vec<u32>,
    /// Each node's place among the batches (set for the nodes given one).
    group_of: Vec<u32>,
    /// Each node's batch vectors.
    pools: Vec<BatchPool>,
}

impl WindowBuffers {
    /// Empties every buffer, keeping its memory.
    pub(super) fn clear(&mut self) {
        self.window.clear();
        self.down.clear();
        self.actions.clear();
        self.deferred.clear();
        self.handed.clear();
        self.touched.clear();
    }
}

impl<N: Nodes> Engine<N> {
    /// `first` and every later event due before `first.time + lookahead` (within the limit), in
    /// order. No node can make an event for another node due inside that window.
    pub(super) fn take_window(&mut self, first: Event, window: &mut Vec<Event>) {
        window.push(first);
        if self.lookahead_ns > 0 {
            let end = first
                .time
                .saturating_add(self.lookahead_ns)
                .min(self.time_limit_ns.saturating_add(1));
            while window.len() < MAX_WINDOW && self.heap.peek_time_before(end).is_some() {
                if let Some(event) = self.heap.pop() {
                    window.push(event);
                }
            }
            self.window_end = end;
        }
    }

    /// Takes the window's payloads: each input goes to its node's batch, in event order (the
    /// batches, in order of each node's first event, and their vectors are kept from window to
    /// window); the actions of a delayed action or of an event already handled are kept aside;
    /// a crashed target receives nothing (its timers are lost), and each event's `down` says
    /// so.
    pub(super) fn take_inputs(&mut self, buffers: &mut WindowBuffers) {
        let WindowBuffers {
            window,
            down,
            deferred,
            handed,
            touched,
            pools,
            ..
        } = buffers;
        pools.resize_with(self.counters.len(), BatchPool::default);
        for (index, event) in window.iter().enumerate() {
            // The payloads were written a window or more ago: ask for them ahead of use.
            if let Some(ahead) = window.get(index + PREFETCH_AHEAD) {
                self.slab.prefetch(ahead.slot);
            }
            self.now = event.time;
            let payload = self.slab.take(event.slot);
            let is_down = self.is_down(event.target);
            down.push(is_down);
            if is_down {
                continue;
            }
            let input = match payload {
                Some(Payload::Deliver { from, message }) => Input::Message { from, message },
                Some(Payload::Fire(timer)) => Input::Timeout(timer),
                Some(Payload::Recover) => Input::Recover,
                Some(Payload::Perform(action)) => {
                    deferred.push((index, vec![action]));
                    continue;
                }
                Some(Payload::Done(actions)) => {
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

    /// Hands each node its inputs of the window (one message per node) and returns every
    /// event's actions, in event order, and the inputs nodes gave back.
    pub(super) async fn step_window(
        &mut self,
        buffers: &mut WindowBuffers,
    ) -> Result<LeftInputs, SimError> {
        let WindowBuffers {
            window,
            actions,
            deferred,
            handed,
            touched,
            group_of,
            pools,
            ..
        } = buffers;
        actions.resize_with(window.len(), || None);
        let mut left: LeftInputs = Vec::new();
        for (index, done) in deferred.drain(..) {
            actions[index] = Some(done);
        }
        if let [event] = window.as_slice() {
            // One event (always so without lookahead): nothing to cut.
            if let Some((_, input)) = pools[event.target as usize].inputs.pop() {
                actions[0] = Some(self.step(event.target, input).await?);
            }
            return Ok(left);
        }
        let mut batches = Vec::with_capacity(touched.len());
        for &target in touched.iter() {
            let node = self.node(target);
            let pool = &mut pools[target as usize];
            batches.push(Batch {
                node,
                inputs: std::mem::take(&mut pool.inputs),
                actions: std::mem::take(&mut pool.actions),
            });
        }
        let answers = self.nodes.step_batches(batches, self.window_end).await?;
        // Back to the events: each node's answers in its events' order.
        let mut replies: Vec<_> = answers
            .into_iter()
            .map(|s| (s.actions, 0, s.left.into_iter(), s.spare))
            .collect();
        group_of.resize(self.counters.len(), 0);
        for (k, &target) in touched.iter().enumerate() {
            group_of[target as usize] = k as u32;
        }
        for &index in handed.iter() {
            let k = group_of[window[index].target as usize] as usize;
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

    /// Counts and applies the window's events in order, as one-at-a-time delivery would,
    /// until the trial completes (later events are neither counted nor applied), the cut, or an
    /// input a node gave back; gives the rest back to the queue. Returns the time of the last
    /// event applied, if any.
    pub(super) fn apply_window(
        &mut self,
        buffers: &mut WindowBuffers,
        mut left: LeftInputs,
    ) -> Option<u64> {
        let WindowBuffers {
            window,
            down,
            actions,
            ..
        } = buffers;
        let mut last = None;
        let first_left = left.iter().map(|(index, _)| *index).min();
        for (index, event) in window.iter().enumerate() {
            let cut = self.cut.is_some_and(|cut| *event > cut);
            if cut || first_left == Some(index) {
                left.sort_unstable_by_key(|(index, _)| std::cmp::Reverse(*index));
                for later in index..window.len() {
                    let given_back = left.last().is_some_and(|(at, _)| *at == later);
                    let payload = match left.pop_if(|_| given_back) {
                        Some((_, input)) => payload_of(input),
                        None => Payload::Done(actions[later].take().unwrap_or_default()),
                    };
                    self.give_back(window[later], payload);
                }
                break;
            }
            self.now = event.time;
            last = Some(self.now);
            self.trace = splitmix64(
                self.trace
                    ^ splitmix64(event.time ^ (u64::from(event.target) << 48))
                    ^ (u64::from(event.creator) << 40)
                    ^ event.counter,
            );
            if !down[index] {
                self.events += 1;
            }
            if let Some(actions) = actions[index].take() {
                self.apply(event.target, actions);
            }
            if self.metrics.all_done() {
                break;
            }
        }
        last
    }

    /// Returns `event` to the queue, under its own key, with `payload`.
    fn give_back(&mut self, event: Event, payload: Payload) {
        let slot = self.slab.insert(payload);
        self.heap.push(Event { slot, ..event });
    }
}

/// The payload an input was taken from.
fn payload_of(input: Input) -> Payload {
    match input {
        Input::Message { from, message } => Payload::Deliver { from, message },
        Input::Timeout(timer) => Payload::Fire(timer),
        Input::Recover => Payload::Recover,
        // Never queued: a client's start is handed over before the first window.
        Input::Start => Payload::Done(Vec::new()),
    }
}
