//! The engine's agenda: the virtual clock and the events still to happen (DESIGN.md §2).
//!
//! An event's key is `(time, time created, creating node, that node's own counter)`, which does
//! not depend on the order in which nodes were processed: delivery one event at a time or by
//! lookahead epochs, through actix or not, pops the same events in the same order. The keys
//! sit in the calendar queue ([`super::queue`]); their payloads wait in a slab beside it, so
//! that ordering moves 40-byte keys, not whole messages.

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
    /// The node that scheduled it.
    pub(super) creator: u32,
    /// The creator's count of events scheduled, this one included.
    pub(super) counter: u64,
    /// The node it happens to.
    pub(super) target: u32,
    /// Where its payload waits.
    pub(super) slot: u32,
}

// The 40 bytes the module header speaks of.
const _: () = assert!(std::mem::size_of::<Event>() == 40);

impl Timed for Event {
    fn time(&self) -> u64 {
        self.time
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
        let counter = &mut self.counters[creator as usize];
        *counter += 1;
        let counter = *counter;
        let slot = self.slab.insert(payload);
        let event = Event {
            time: self.now.saturating_add(delay_ns),
            created: self.now,
            creator,
            counter,
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
        self.slab.take(event.slot)
    }

    /// Asks the CPU to bring `event`'s payload into cache (a hint; no effect on the result).
    pub(super) fn prefetch(&self, event: &Event) {
        self.slab.prefetch(event.slot);
    }

    /// Returns a popped `event` to the queue, under its own key, with `payload`.
    pub(super) fn give_back(&mut self, event: Event, payload: Payload) {
        let slot = self.slab.insert(payload);
        self.queue.push(Event { slot, ..event });
    }
}
