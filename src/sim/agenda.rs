//! The engine's agenda: the virtual clock and the events still to happen (DESIGN.md §2).
//!
//! An event's key is `(time, time created, creating node, that node's own counter)`, which does
//! not depend on the order in which nodes were processed: delivery one event at a time or by
//! lookahead epochs, through actix or not, pops the same events in the same order. The keys
//! sit in the calendar queue ([`super::queue`]); their payloads wait in a slab beside it, so
//! that ordering moves 32-byte keys, not whole messages. A broadcast's message waits once, in a
//! table of broadcasts, for all its recipients: each of them clones it when its event comes
//! (a `Message` clone is cheap: its big parts are `Arc`s) and the last takes it. Measured: one
//! request at n = 1024 over constant links has a million PREPAREs in flight at once, which
//! took an 88-byte slab entry each.

use super::nodes::Handled;
use super::queue::{EventQueue, Timed};
use crate::protocol::message::{Message, NodeId};
use crate::protocol::{Action, Timer};

/// What an event does when its time comes.
pub(super) enum Payload {
    /// A message arrives.
    Deliver {
        /// Its sender.
        from: NodeId,
        /// The message.
        message: Message,
    },
    /// A timer fires.
    Fire(Timer),
    /// An action a node asked to perform later (`Action::Delayed`).
    Perform(Action),
    /// A crashed replica restarts.
    Recover,
    /// An event its node has already handled, given back by a lookahead epoch that could not
    /// apply it yet (an earlier event of another node came first): what the node did.
    Done(Handled),
}

/// An event's key (its place in the order) and the slab slot where its payload waits. Nodes
/// are indexed replicas first (0..n), then clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Event {
    /// When it happens, virtual ns.
    pub(super) time: u64,
    /// When it was scheduled.
    pub(super) created: u64,
    /// The node that scheduled it (the top [`CREATOR_BITS`] bits) and its count of events
    /// scheduled, this one included (the rest): ordered as the pair is.
    pub(super) order: u64,
    /// The node it happens to.
    pub(super) target: u32,
    /// Where its payload waits: a slab slot, or a broadcast (with [`BROADCAST`] set).
    pub(super) slot: u32,
}

/// Set in an event's `slot` when its payload is a broadcast's message, shared with the
/// broadcast's other recipients; the rest of `slot` is the broadcast's index. Slab slots and
/// broadcast indices stay below it: 2^31 entries would take over 100 GiB.
const BROADCAST: u32 = 1 << 31;

/// Bits of `Event::order` that hold the creator: 2^24 nodes; the other 40 count a node's
/// events, 2^40 of them (a node scheduling 10 million events a second would need 30 hours of
/// CPU to pass it). Packing the pair made an event 32 bytes instead of 40: with constant
/// delays every PREPARE of a request is queued at once, (n - 1)^2 of them, and at n = 4096
/// the queue held 670 MB of keys.
const CREATOR_BITS: u32 = 24;
const COUNTER_BITS: u32 = 64 - CREATOR_BITS;

// The 32 bytes the module header speaks of.
const _: () = assert!(std::mem::size_of::<Event>() == 32);

impl Event {
    /// The node that scheduled it.
    pub(super) fn creator(&self) -> u32 {
        (self.order >> COUNTER_BITS) as u32
    }

    /// The creator's count of events scheduled, this one included.
    #[cfg(test)]
    pub(super) fn counter(&self) -> u64 {
        self.order & ((1 << COUNTER_BITS) - 1)
    }
}

impl Timed for Event {
    fn time(&self) -> u64 {
        self.time
    }
}

/// A broadcast's message, waiting once for all the recipients still to take it.
struct Shared {
    /// Its sender.
    from: NodeId,
    /// The message.
    message: Message,
    /// How many of its events are still to take it.
    left: u32,
}

/// The broadcasts still to be taken by some recipient, by index, with a free list.
#[derive(Default)]
struct Broadcasts {
    entries: Vec<Option<Shared>>,
    free: Vec<u32>,
}

impl Broadcasts {
    /// Stores `message` from `from`, with no recipient yet, and returns its index.
    fn open(&mut self, from: NodeId, message: Message) -> u32 {
        let shared = Shared {
            from,
            message,
            left: 0,
        };
        if let Some(index) = self.free.pop() {
            if let Some(place) = self.entries.get_mut(index as usize) {
                *place = Some(shared);
                return index;
            }
        }
        self.entries.push(Some(shared));
        (self.entries.len() - 1) as u32
    }

    /// One more event will take broadcast `index`'s message.
    fn add_recipient(&mut self, index: u32) {
        if let Some(Some(shared)) = self.entries.get_mut(index as usize) {
            shared.left += 1;
        }
    }

    /// Frees broadcast `index` if no event is to take it (every copy was lost).
    fn close(&mut self, index: u32) {
        if let Some(place) = self.entries.get_mut(index as usize) {
            if place.as_ref().is_some_and(|shared| shared.left == 0) {
                *place = None;
                self.free.push(index);
            }
        }
    }

    /// The message of broadcast `index`, if it is still held.
    fn message(&self, index: u32) -> Option<&Message> {
        self.entries
            .get(index as usize)?
            .as_ref()
            .map(|shared| &shared.message)
    }

    /// One recipient's copy of broadcast `index`: a clone while others are still to take it,
    /// the message itself for the last (which frees the entry).
    fn take(&mut self, index: u32) -> Option<Payload> {
        let place = self.entries.get_mut(index as usize)?;
        let shared = place.as_mut()?;
        if shared.left > 1 {
            shared.left -= 1;
            return Some(Payload::Deliver {
                from: shared.from,
                message: shared.message.clone(),
            });
        }
        let shared = place.take()?;
        self.free.push(index);
        Some(Payload::Deliver {
            from: shared.from,
            message: shared.message,
        })
    }
}

/// Payloads by slot, with a free list.
#[derive(Default)]
struct Slab {
    payloads: Vec<Option<Payload>>,
    free: Vec<u32>,
}

impl Slab {
    fn insert(&mut self, payload: Payload) -> u32 {
        // Free slots are always in range (`take` frees only those); were one not, the payload
        // would go to a new slot rather than be lost.
        if let Some(slot) = self.free.pop() {
            if let Some(place) = self.payloads.get_mut(slot as usize) {
                // A free slot holds `None`, which needs no drop: writing without reading it
                // first spares a cache miss per event (the slot was freed an epoch or more
                // ago). Were it ever `Some`, the payload would leak, nothing worse.
                // SAFETY: `place` is a valid, aligned, exclusive reference.
                unsafe { std::ptr::write(place, Some(payload)) };
                return slot;
            }
        }
        self.payloads.push(Some(payload));
        (self.payloads.len() - 1) as u32
    }

    /// Asks the CPU to bring `slot`'s payload into cache (a hint; no effect on the result).
    fn prefetch(&self, slot: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(p) = self.payloads.get(slot as usize) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: a prefetch is a hint; it reads nothing and cannot fault.
            unsafe { _mm_prefetch::<_MM_HINT_T0>((p as *const Option<Payload>).cast::<i8>()) };
        }
    }

    fn take(&mut self, slot: u32) -> Option<Payload> {
        let payload = self.payloads.get_mut(slot as usize)?.take();
        self.free.push(slot);
        payload
    }
}

/// The clock, the queue of pending events and their payloads, and each node's event counter.
pub(super) struct Agenda {
    now: u64,
    queue: EventQueue<Event>,
    slab: Slab,
    broadcasts: Broadcasts,
    /// Per node, how many events it has scheduled (the last part of their keys).
    counters: Vec<u64>,
}

impl Agenda {
    /// An empty agenda at time 0 for `nodes` nodes.
    pub(super) fn new(nodes: usize) -> Agenda {
        Agenda {
            now: 0,
            queue: EventQueue::default(),
            slab: Slab::default(),
            broadcasts: Broadcasts::default(),
            counters: vec![0; nodes],
        }
    }

    /// The current virtual time, ns.
    pub(super) fn now(&self) -> u64 {
        self.now
    }

    /// Moves the clock to `time`, the time of the event being applied.
    pub(super) fn set_now(&mut self, time: u64) {
        self.now = time;
    }

    /// How many nodes the agenda keeps counters for.
    pub(super) fn nodes(&self) -> usize {
        self.counters.len()
    }

    /// Schedules `payload` for `target`, `delay_ns` from now, as `creator`'s next event, and
    /// returns its key.
    pub(super) fn schedule(
        &mut self,
        creator: u32,
        delay_ns: u64,
        target: u32,
        payload: Payload,
    ) -> Event {
        let slot = self.slab.insert(payload);
        self.push(creator, delay_ns, target, slot)
    }

    /// Stores a broadcast's `message` from `from` once, for the recipients that
    /// [`Agenda::schedule_broadcast`] will give it; returns the broadcast's handle. Closed
    /// by [`Agenda::close_broadcast`] once every recipient is scheduled.
    pub(super) fn open_broadcast(&mut self, from: NodeId, message: Message) -> u32 {
        self.broadcasts.open(from, message)
    }

    /// The message of the broadcast `broadcast`, while it is held.
    pub(super) fn broadcast_message(&self, broadcast: u32) -> Option<&Message> {
        self.broadcasts.message(broadcast)
    }

    /// Schedules the delivery of broadcast `broadcast`'s message to `target`, `delay_ns` from
    /// now, as `creator`'s next event, and returns its key.
    pub(super) fn schedule_broadcast(
        &mut self,
        creator: u32,
        delay_ns: u64,
        target: u32,
        broadcast: u32,
    ) -> Event {
        self.broadcasts.add_recipient(broadcast);
        self.push(creator, delay_ns, target, broadcast | BROADCAST)
    }

    /// Every recipient of `broadcast` is scheduled: frees it if none was (all copies lost).
    pub(super) fn close_broadcast(&mut self, broadcast: u32) {
        self.broadcasts.close(broadcast);
    }

    /// Queues `creator`'s next event, for `target`, `delay_ns` from now, its payload at `slot`.
    fn push(&mut self, creator: u32, delay_ns: u64, target: u32, slot: u32) -> Event {
        let counter = &mut self.counters[creator as usize];
        *counter += 1;
        let counter = *counter;
        let event = Event {
            time: self.now.saturating_add(delay_ns),
            created: self.now,
            order: (u64::from(creator) << COUNTER_BITS) | (counter & ((1 << COUNTER_BITS) - 1)),
            target,
            slot,
        };
        self.queue.push(event);
        event
    }

    /// Removes and returns the earliest event.
    pub(super) fn pop(&mut self) -> Option<Event> {
        self.queue.pop()
    }

    /// Removes and returns the earliest event if it is due before `limit`.
    pub(super) fn pop_before(&mut self, limit: u64) -> Option<Event> {
        self.queue.peek_time_before(limit)?;
        self.queue.pop()
    }

    /// Takes `event`'s payload out of the slab (`None` if it was taken already).
    pub(super) fn take_payload(&mut self, event: &Event) -> Option<Payload> {
        if event.slot & BROADCAST != 0 {
            self.broadcasts.take(event.slot & !BROADCAST)
        } else {
            self.slab.take(event.slot)
        }
    }

    /// Asks the CPU to bring `event`'s payload into cache (a hint; no effect on the result).
    /// A broadcast's message is shared by its recipients' events, so it is likely in cache.
    pub(super) fn prefetch(&self, event: &Event) {
        if event.slot & BROADCAST == 0 {
            self.slab.prefetch(event.slot);
        }
    }

    /// Returns a popped `event` to the queue, under its own key, with `payload`.
    pub(super) fn give_back(&mut self, event: Event, payload: Payload) {
        let slot = self.slab.insert(payload);
        self.queue.push(Event { slot, ..event });
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn fetch(seq: u64) -> Message {
        Message::FetchState { seq }
    }

    fn delivered(payload: Option<Payload>) -> Option<(NodeId, Message)> {
        match payload {
            Some(Payload::Deliver { from, message }) => Some((from, message)),
            _ => None,
        }
    }

    #[test]
    fn every_recipient_of_a_broadcast_gets_its_message_and_the_last_frees_it() {
        let mut agenda = Agenda::new(4);
        let from = NodeId::Replica(0);
        let broadcast = agenda.open_broadcast(from, fetch(7));
        let events: Vec<Event> = (1..4)
            .map(|r| agenda.schedule_broadcast(0, 10, r, broadcast))
            .collect();
        agenda.close_broadcast(broadcast);
        for (k, event) in events.iter().enumerate() {
            assert_eq!(event.counter(), k as u64 + 1, "one counter per recipient");
            assert!(
                agenda.broadcast_message(broadcast).is_some(),
                "held until the last"
            );
            let got = delivered(agenda.take_payload(event));
            assert_eq!(got, Some((from, fetch(7))));
        }
        assert!(
            agenda.broadcast_message(broadcast).is_none(),
            "freed by the last"
        );
        assert!(
            agenda.take_payload(&events[0]).is_none(),
            "taken once per recipient"
        );
        // The freed entry is used again.
        assert_eq!(agenda.open_broadcast(from, fetch(8)), broadcast);
    }

    #[test]
    fn a_broadcast_every_copy_of_which_was_lost_is_freed_on_closing() {
        let mut agenda = Agenda::new(2);
        let broadcast = agenda.open_broadcast(NodeId::Replica(0), fetch(1));
        agenda.close_broadcast(broadcast);
        assert!(agenda.broadcast_message(broadcast).is_none());
        assert_eq!(
            agenda.open_broadcast(NodeId::Replica(1), fetch(2)),
            broadcast
        );
    }

    #[test]
    fn broadcasts_and_single_payloads_keep_the_order_of_their_keys() {
        let mut agenda = Agenda::new(3);
        let broadcast = agenda.open_broadcast(NodeId::Replica(0), fetch(3));
        let first = agenda.schedule_broadcast(0, 5, 1, broadcast);
        let single = Payload::Deliver {
            from: NodeId::Replica(0),
            message: fetch(4),
        };
        let second = agenda.schedule(0, 5, 2, single);
        let third = agenda.schedule_broadcast(0, 5, 2, broadcast);
        agenda.close_broadcast(broadcast);
        let popped: Vec<Event> = std::iter::from_fn(|| agenda.pop()).collect();
        assert_eq!(popped, vec![first, second, third]);
        let messages: Vec<_> = popped
            .iter()
            .filter_map(|event| delivered(agenda.take_payload(event)))
            .map(|(_, message)| message)
            .collect();
        assert_eq!(messages, vec![fetch(3), fetch(4), fetch(3)]);
    }
}
