//! The event queue: a bucketed (calendar) priority queue. Events are filed by time into buckets
//! of 2^16 ns (65.5 us), unsorted; a bucket is sorted once, when it is reached, and drained from
//! the end. Events that land in the bucket being drained after that go to a small heap beside
//! it. Pushes to later buckets are a map lookup and a vector push. Measured against one
//! `BinaryHeap` of all events: at n = 512 its `pop` took 44% of a trial (a million pending
//! events, every sift-down missing the cache); and inserting late events into the sorted
//! bucket instead of the side heap made lookahead epochs quadratic.
//! The order is exactly the events' `Ord`, so the trace is the same as with any exact queue.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// Something with a virtual time, ordered first by it.
pub(super) trait Timed: Ord {
    /// Virtual time in ns; `Ord` must order by it first.
    fn time(&self) -> u64;
}

const BUCKET_SHIFT: u32 = 16;
/// At most this many emptied bucket vectors are kept, none larger than this (large trials'
/// buckets are few and full; keeping them would only hold memory).
const MAX_SPARE: usize = 64;
const MAX_SPARE_CAPACITY: usize = 256;

/// A min-queue of timed events.
#[derive(Debug)]
pub(super) struct EventQueue<T: Timed> {
    /// The bucket being drained, sorted descending (the next event is last).
    current: Vec<T>,
    /// Events that arrived for that bucket after it was sorted.
    late: BinaryHeap<Reverse<T>>,
    /// Its index (time >> BUCKET_SHIFT), while it is being drained.
    current_bucket: Option<u64>,
    /// Later buckets, unsorted.
    later: BTreeMap<u64, Vec<T>>,
    /// Emptied bucket vectors, kept for new buckets (sparse trials open a bucket for every
    /// few events; allocating and growing each one was a tenth of a trial).
    spare: Vec<Vec<T>>,
}

impl<T: Timed> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            current: Vec::new(),
            late: BinaryHeap::new(),
            current_bucket: None,
            later: BTreeMap::new(),
            spare: Vec::new(),
        }
    }
}

impl<T: Timed> EventQueue<T> {
    /// Adds an event. It may be due before events already popped (a lookahead epoch gives
    /// back what it could not apply yet): the queue orders it by its key all the same.
    pub(super) fn push(&mut self, event: T) {
        let bucket = event.time() >> BUCKET_SHIFT;
        if self.current_bucket.is_some_and(|b| bucket <= b) {
            self.late.push(Reverse(event));
        } else {
            let spare = &mut self.spare;
            self.later
                .entry(bucket)
                .or_insert_with(|| spare.pop().unwrap_or_default())
                .push(event);
        }
    }

    /// Whether the next event is the sorted bucket's (else the side heap's).
    fn next_is_sorted(&self) -> bool {
        match (self.current.last(), self.late.peek()) {
            (Some(a), Some(Reverse(b))) => a < b,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// The time of the earliest event, if any.
    pub(super) fn peek_time(&mut self) -> Option<u64> {
        if self.current.is_empty() && self.late.is_empty() {
            let (bucket, mut events) = self.later.pop_first()?;
            events.sort_unstable_by(|a, b| b.cmp(a));
            let drained = std::mem::replace(&mut self.current, events);
            if self.spare.len() < MAX_SPARE && drained.capacity() <= MAX_SPARE_CAPACITY {
                self.spare.push(drained);
            }
            self.current_bucket = Some(bucket);
        }
        if self.next_is_sorted() {
            self.current.last().map(Timed::time)
        } else {
            self.late.peek().map(|e| e.0.time())
        }
    }

    /// The time of the earliest event if it is before `limit`. Unlike `peek_time`, it never
    /// starts draining a bucket that begins at or after `limit`: events still to be pushed
    /// before that bucket's time would otherwise all land in the side heap.
    pub(super) fn peek_time_before(&mut self, limit: u64) -> Option<u64> {
        if self.current.is_empty() && self.late.is_empty() {
            let (&bucket, _) = self.later.first_key_value()?;
            if bucket << BUCKET_SHIFT >= limit {
                return None;
            }
        }
        self.peek_time().filter(|t| *t < limit)
    }

    /// Removes and returns the earliest event.
    pub(super) fn pop(&mut self) -> Option<T> {
        self.peek_time()?;
        let event = if self.next_is_sorted() {
            self.current.pop()?
        } else {
            self.late.pop()?.0
        };
        if self.current.is_empty() && self.late.is_empty() {
            self.current_bucket = None;
        }
        Some(event)
    }

    /// Number of events (counted, for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.current.len() + self.late.len() + self.later.values().map(Vec::len).sum::<usize>()
    }

    /// Whether there is no event.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{EventQueue, Timed};
    use rand::{RngExt, SeedableRng};

    impl Timed for (u64, u32) {
        fn time(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn pops_in_order_with_pushes_between_pops() {
        let mut rng = crate::net::SimRng::seed_from_u64(3);
        let mut queue = EventQueue::default();
        let mut reference = std::collections::BinaryHeap::new();
        let mut now = 0u64;
        let mut id = 0u32;
        for round in 0..400 {
            for _ in 0..(round % 9) * 7 {
                // Delays from 0 (same instant) to far beyond one bucket.
                let delay = match rng.random_range(0..4) {
                    0 => 0,
                    1 => rng.random_range(0..70_000),
                    2 => rng.random_range(0..5_000_000),
                    _ => rng.random_range(0..300_000_000),
                };
                id += 1;
                queue.push((now + delay, id));
                reference.push(std::cmp::Reverse((now + delay, id)));
            }
            for _ in 0..round % 11 {
                let expected = reference.pop().map(|r| r.0);
                let got = queue.pop();
                assert_eq!(got, expected);
                if let Some((t, _)) = got {
                    now = t;
                }
            }
            assert_eq!(queue.len(), reference.len());
        }
        while let Some(std::cmp::Reverse(e)) = reference.pop() {
            assert_eq!(queue.pop(), Some(e));
        }
        assert!(queue.is_empty() && queue.pop().is_none());
    }

    /// One step of the model test.
    #[derive(Clone, Debug)]
    enum Op {
        /// Pushes an event this far after the last one popped.
        Push(u64),
        /// Pops this many events.
        Pop(usize),
        /// Pops this many events, then gives the last `back` of them back (as a lookahead
        /// epoch gives back the events it could not apply yet): they are due before events
        /// already popped, possibly in buckets before the one being drained.
        GiveBack { popped: usize, back: usize },
        /// Asks for the earliest time before the last popped time plus this much.
        PeekBefore(u64),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        // Delays from the same instant to many buckets (a bucket is 65,536 ns).
        let delay = prop_oneof![Just(0u64), 0u64..70_000, 0u64..2_000_000, 0u64..300_000_000,];
        prop_oneof![
            4 => delay.clone().prop_map(Op::Push),
            2 => (0usize..12).prop_map(Op::Pop),
            2 => (0usize..40, 0usize..40).prop_map(|(popped, back)| Op::GiveBack { popped, back }),
            1 => delay.prop_map(Op::PeekBefore),
        ]
    }

    proptest::proptest! {
        /// Against a `BinaryHeap` of the same events: every pop, every bounded peek and the
        /// length agree, whatever mix of pushes, pops and give-backs.
        #[test]
        fn matches_a_binary_heap_with_give_backs(ops in proptest::collection::vec(op(), 1..300)) {
            let mut queue = EventQueue::default();
            let mut model = std::collections::BinaryHeap::new();
            let mut now = 0u64;
            let mut id = 0u32;
            for op in ops {
                match op {
                    Op::Push(delay) => {
                        id += 1;
                        queue.push((now + delay, id));
                        model.push(std::cmp::Reverse((now + delay, id)));
                    }
                    Op::Pop(count) => {
                        for _ in 0..count {
                            let expected = model.pop().map(|r| r.0);
                            let got = queue.pop();
                            proptest::prop_assert_eq!(got, expected);
                            if let Some((t, _)) = got {
                                now = t;
                            }
                        }
                    }
                    Op::GiveBack { popped, back } => {
                        let mut taken = Vec::new();
                        for _ in 0..popped {
                            let expected = model.pop().map(|r| r.0);
                            let got = queue.pop();
                            proptest::prop_assert_eq!(got, expected);
                            taken.extend(got);
                        }
                        let keep = taken.len().saturating_sub(back);
                        if let Some((t, _)) = taken.get(keep.saturating_sub(1)) {
                            now = now.max(*t);
                        }
                        for event in taken.split_off(keep) {
                            queue.push(event);
                            model.push(std::cmp::Reverse(event));
                        }
                    }
                    Op::PeekBefore(delay) => {
                        let limit = now + delay;
                        let expected = model.peek().map(|r| r.0 .0).filter(|t| *t < limit);
                        proptest::prop_assert_eq!(queue.peek_time_before(limit), expected);
                    }
                }
                proptest::prop_assert_eq!(queue.len(), model.len());
            }
            while let Some(std::cmp::Reverse(e)) = model.pop() {
                proptest::prop_assert_eq!(queue.pop(), Some(e));
            }
            proptest::prop_assert!(queue.is_empty() && queue.pop().is_none());
        }
    }

    #[test]
    fn an_event_given_back_before_the_bucket_being_drained_comes_out_first() {
        // Two events in bucket 0, one in bucket 3: popping the first two and the third
        // leaves bucket 3 being drained; giving back the first two (bucket 0) must put them
        // ahead of the rest of bucket 3.
        let bucket = 1u64 << super::BUCKET_SHIFT;
        let mut queue = EventQueue::default();
        for event in [(10, 1), (20, 2), (3 * bucket, 3), (3 * bucket + 5, 4)] {
            queue.push(event);
        }
        let popped: Vec<_> = (0..3).filter_map(|_| queue.pop()).collect();
        assert_eq!(popped, [(10, 1), (20, 2), (3 * bucket, 3)]);
        queue.push((20, 2));
        queue.push((10, 1));
        assert_eq!(queue.peek_time_before(15), Some(10));
        let rest: Vec<_> = (0..4).filter_map(|_| queue.pop()).collect();
        assert_eq!(rest, [(10, 1), (20, 2), (3 * bucket + 5, 4)]);
    }
}
