//! The event queue: a bucketed (calendar) priority queue. Events are filed by time into buckets
//! of 2^16 ns (65.5 us), unsorted; a bucket is sorted once, when it is reached, and drained from
//! the end. Events that land in the bucket being drained after that go to a small heap beside
//! it. Pushes to later buckets are a map lookup and a vector push. Measured against one
//! `BinaryHeap` of all events: at n = 512 its `pop` took 44% of a trial (a million pending
//! events, every sift-down missing the cache); and inserting late events into the sorted
//! bucket instead of the side heap made lookahead windows quadratic.
//! The order is exactly the events' `Ord`, so the trace is the same as with any exact queue.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// Something with a virtual time, ordered first by it.
pub trait Timed: Ord {
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
pub struct EventQueue<T: Timed> {
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
    len: usize,
}

impl<T: Timed> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            current: Vec::new(),
            late: BinaryHeap::new(),
            current_bucket: None,
            later: BTreeMap::new(),
            spare: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Timed> EventQueue<T> {
    /// Adds an event. It may be due before events already popped (a lookahead window gives
    /// back what it could not apply yet): the queue orders it by its key all the same.
    pub fn push(&mut self, event: T) {
        self.len += 1;
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
    pub fn peek_time(&mut self) -> Option<u64> {
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
    pub fn peek_time_before(&mut self, limit: u64) -> Option<u64> {
        if self.current.is_empty() && self.late.is_empty() {
            let (&bucket, _) = self.later.first_key_value()?;
            if bucket << BUCKET_SHIFT >= limit {
                return None;
            }
        }
        self.peek_time().filter(|t| *t < limit)
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<T> {
        self.peek_time()?;
        let event = if self.next_is_sorted() {
            self.current.pop()?
        } else {
            self.late.pop()?.0
        };
        self.len -= 1;
        if self.current.is_empty() && self.late.is_empty() {
            self.current_bucket = None;
        }
        Some(event)
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no event.
    pub fn is_empty(&self) -> bool {
        self.len == 0
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
}
