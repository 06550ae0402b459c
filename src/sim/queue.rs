//! The event queue: a bucketed (calendar) priority queue. Events are filed by time into buckets
//! of 2^16 ns (65.5 us), unsorted; a bucket is sorted once, when it is reached, and drained from
//! the front. Events that land in the bucket being drained after that go to a small heap beside
//! it. The buckets of the near future (the next 4,096, 268 ms) sit in a ring indexed by bucket
//! number, with a bitmap of those that hold events; farther ones (long timers) in a map.
//! Measured against one `BinaryHeap` of all events: at n = 512 its `pop` took 44% of a trial
//! (a million pending events, every sift-down missing the cache); and inserting late events
//! into the sorted bucket instead of the side heap made lookahead epochs quadratic. Measured
//! on the steady n = 64 workload (callgrind): a `BTreeMap` lookup per push was 43 M
//! instructions and sorting buckets with the events' 6-field comparison 141 M; the ring and a
//! radix sort on the time's low 16 bits (ties, rare, sorted by the full order) replace both.
//! The order is exactly the events' `Ord`, so the trace is the same as with any exact queue.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// Something with a virtual time, ordered first by it.
pub(super) trait Timed: Ord + Copy {
    /// Virtual time in ns; `Ord` must order by it first.
    fn time(&self) -> u64;
}

const BUCKET_SHIFT: u32 = 16;
/// Buckets in the ring (a power of two): 268 ms of virtual time.
const RING: usize = 1 << 12;
/// At most this many emptied bucket vectors are kept, none larger than this (large trials'
/// buckets are few and full; keeping them would only hold memory). Measured on the steady
/// n = 64 workload: with 256 events at most, most buckets (~430 events) grew a fresh vector.
const MAX_SPARE: usize = 64;
const MAX_SPARE_CAPACITY: usize = 4096;
/// Buckets smaller than this are sorted by comparison, not by radix.
const RADIX_FROM: usize = 48;

/// A min-queue of timed events.
#[derive(Debug)]
pub(super) struct EventQueue<T: Timed> {
    /// The bucket being drained, sorted ascending; the next event is at `head`.
    current: Vec<T>,
    /// The next event's place in `current`.
    head: usize,
    /// Events that arrived for that bucket (or an earlier one) after it was sorted.
    late: BinaryHeap<Reverse<T>>,
    /// Its index (time >> BUCKET_SHIFT), while it is being drained.
    current_bucket: Option<u64>,
    /// `ring[b % RING]` holds bucket b's events, unsorted, for `base <= b < base + RING`.
    ring: Vec<Vec<T>>,
    /// Bit `s` set: ring slot `s` holds events.
    occupied: Vec<u64>,
    /// The first bucket the ring holds (one past the last bucket taken).
    base: u64,
    /// Buckets outside the ring's range, unsorted: beyond it, or (when a lookahead epoch gives
    /// events back after their bucket was drained) before it. A bucket may be partly here and
    /// partly in the ring (the ring moved on since): it is taken from both.
    far: BTreeMap<u64, Vec<T>>,
    /// Emptied bucket vectors, kept for new buckets (sparse trials open a bucket for every
    /// few events; allocating and growing each one was a tenth of a trial).
    spare: Vec<Vec<T>>,
    /// The radix sort's second buffer, kept from bucket to bucket.
    scratch: Vec<T>,
}

impl<T: Timed> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            current: Vec::new(),
            head: 0,
            late: BinaryHeap::new(),
            current_bucket: None,
            ring: Vec::new(),
            occupied: vec![0; RING / 64],
            base: 0,
            far: BTreeMap::new(),
            spare: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

/// The radix sort's buffer is kept between buckets up to this many events.
const MAX_SCRATCH: usize = 1 << 16;

/// Sorts one bucket's events (all with the same `time >> BUCKET_SHIFT`) into their order:
/// a stable radix sort on the time's low 16 bits, then each run of equal times by `Ord`.
fn sort_bucket<T: Timed>(events: &mut [T], scratch: &mut Vec<T>) {
    let len = events.len();
    if len < RADIX_FROM {
        events.sort_unstable();
        return;
    }
    let mut counts = [[0u32; 256]; 2];
    for e in events.iter() {
        let t = e.time();
        counts[0][(t & 0xff) as usize] += 1;
        counts[1][((t >> 8) & 0xff) as usize] += 1;
    }
    // A pass where one digit holds every event would move nothing: with constant delays a
    // whole bucket has one time, and copying it into the scratch buffer anyway doubled the
    // queue's memory (measured: one request at n = 4096, a bucket of 16.8 M PREPAREs).
    let needed = |count: &[u32; 256]| !count.iter().any(|&c| c as usize == len);
    if counts.iter().any(needed) {
        scratch.clear();
        scratch.extend_from_slice(events);
    }
    // Where the events are in their order so far: `events` (true) or `scratch`.
    let mut in_events = true;
    for (pass, count) in counts.iter_mut().enumerate() {
        if !needed(count) {
            continue;
        }
        let mut start = 0u32;
        for c in count.iter_mut() {
            start += std::mem::replace(c, start);
        }
        let shift = 8 * pass as u32;
        if in_events {
            scatter(events, scratch, count, shift);
        } else {
            scatter(scratch, events, count, shift);
        }
        in_events = !in_events;
    }
    if !in_events {
        events.copy_from_slice(scratch);
    }
    if scratch.capacity() > MAX_SCRATCH {
        // A huge bucket's buffer is not kept for the small ones that follow.
        *scratch = Vec::new();
    }
    let mut i = 0;
    while i < len {
        let time = events[i].time();
        let mut j = i + 1;
        while j < len && events[j].time() == time {
            j += 1;
        }
        if j - i > 1 {
            events[i..j].sort_unstable();
        }
        i = j;
    }
}

/// One stable radix pass: each event of `from` to `to` at its digit's next place (`next`,
/// the digits' starts on entry).
fn scatter<T: Timed>(from: &[T], to: &mut [T], next: &mut [u32; 256], shift: u32) {
    for e in from {
        let place = &mut next[((e.time() >> shift) & 0xff) as usize];
        if let Some(slot) = to.get_mut(*place as usize) {
            *slot = *e;
        }
        *place += 1;
    }
}

impl<T: Timed> EventQueue<T> {
    /// Adds an event. It may be due before events already popped (a lookahead epoch gives
    /// back what it could not apply yet): the queue orders it by its key all the same.
    pub(super) fn push(&mut self, event: T) {
        let bucket = event.time() >> BUCKET_SHIFT;
        if self.current_bucket.is_some_and(|b| bucket <= b) {
            self.late.push(Reverse(event));
        } else if bucket >= self.base && bucket - self.base < RING as u64 {
            if self.ring.is_empty() {
                self.ring.resize_with(RING, Vec::new);
            }
            let slot = bucket as usize % RING;
            let events = &mut self.ring[slot];
            if events.capacity() == 0 {
                if let Some(spare) = self.spare.pop() {
                    *events = spare;
                }
            }
            events.push(event);
            self.occupied[slot / 64] |= 1 << (slot % 64);
        } else {
            let spare = &mut self.spare;
            self.far
                .entry(bucket)
                .or_insert_with(|| spare.pop().unwrap_or_default())
                .push(event);
        }
    }

    /// The first bucket in the ring that holds events, if any.
    fn first_in_ring(&self) -> Option<u64> {
        let start = self.base as usize % RING;
        let words = RING / 64;
        // The word holding `start`, its bits from `start` on; then the others in ring order;
        // then that word's bits before `start` (they hold the ring's last buckets).
        let (first, offset) = (start / 64, start % 64);
        let mut found = None;
        let high = self.occupied[first] & (u64::MAX << offset);
        if high != 0 {
            found = Some(first * 64 + high.trailing_zeros() as usize);
        } else {
            for k in 1..=words {
                let w = (first + k) % words;
                let mut bits = self.occupied[w];
                if k == words {
                    bits &= !(u64::MAX << offset);
                }
                if bits != 0 {
                    found = Some(w * 64 + bits.trailing_zeros() as usize);
                    break;
                }
            }
        }
        let slot = found?;
        let ahead = (slot + RING - start) % RING;
        Some(self.base + ahead as u64)
    }

    /// The next bucket not yet taken that holds events, if any.
    fn next_bucket(&self) -> Option<u64> {
        let ring = self.first_in_ring();
        let far = self.far.first_key_value().map(|(&b, _)| b);
        match (ring, far) {
            (Some(r), Some(f)) => Some(r.min(f)),
            (r, f) => r.or(f),
        }
    }

    /// Whether the sorted bucket and the side heap are both spent.
    fn drained(&self) -> bool {
        self.head >= self.current.len() && self.late.is_empty()
    }

    /// Makes the next bucket the one being drained, sorted; false if there is none.
    fn take_next_bucket(&mut self) -> bool {
        let Some(bucket) = self.next_bucket() else {
            return false;
        };
        let mut events = self.far.remove(&bucket).unwrap_or_default();
        if bucket >= self.base && bucket - self.base < RING as u64 {
            let slot = bucket as usize % RING;
            let bit = 1 << (slot % 64);
            if self.occupied[slot / 64] & bit != 0 {
                self.occupied[slot / 64] &= !bit;
                let in_ring = std::mem::take(&mut self.ring[slot]);
                if events.is_empty() {
                    self.keep_spare(events);
                    events = in_ring;
                } else {
                    events.extend_from_slice(&in_ring);
                    self.keep_spare(in_ring);
                }
            }
        }
        sort_bucket(&mut events, &mut self.scratch);
        let mut drained = std::mem::replace(&mut self.current, events);
        drained.clear();
        self.keep_spare(drained);
        self.head = 0;
        self.current_bucket = Some(bucket);
        self.base = self.base.max(bucket + 1);
        true
    }

    /// Keeps an emptied vector for a later bucket, if it is worth keeping.
    fn keep_spare(&mut self, mut events: Vec<T>) {
        if events.capacity() > 0
            && self.spare.len() < MAX_SPARE
            && events.capacity() <= MAX_SPARE_CAPACITY
        {
            events.clear();
            self.spare.push(events);
        }
    }

    /// The next event of the bucket being drained and of the side heap, whichever is first.
    fn next_is_sorted(&self) -> bool {
        match (self.current.get(self.head), self.late.peek()) {
            (Some(a), Some(Reverse(b))) => a < b,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// The time of the earliest event, if any.
    pub(super) fn peek_time(&mut self) -> Option<u64> {
        if self.drained() && !self.take_next_bucket() {
            return None;
        }
        if self.next_is_sorted() {
            self.current.get(self.head).map(Timed::time)
        } else {
            self.late.peek().map(|e| e.0.time())
        }
    }

    /// The time of the earliest event if it is before `limit`. Unlike `peek_time`, it never
    /// starts draining a bucket that begins at or after `limit`: events still to be pushed
    /// before that bucket's time would otherwise all land in the side heap.
    pub(super) fn peek_time_before(&mut self, limit: u64) -> Option<u64> {
        if self.drained() {
            let bucket = self.next_bucket()?;
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
            let event = self.current.get(self.head).copied();
            self.head += 1;
            event?
        } else {
            self.late.pop()?.0
        };
        if self.drained() {
            // Events given back for this bucket or earlier now go to a bucket of their own.
            self.current_bucket = None;
        }
        Some(event)
    }

    /// Number of events (counted, for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.current.len() - self.head
            + self.late.len()
            + self.ring.iter().map(Vec::len).sum::<usize>()
            + self.far.values().map(Vec::len).sum::<usize>()
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
    fn a_radix_sorted_bucket_is_in_the_full_order_ties_included() {
        // Large buckets (radix) and small ones (comparison), with many equal times.
        let mut rng = crate::net::SimRng::seed_from_u64(5);
        let mut scratch = Vec::new();
        for len in [0usize, 1, 47, 48, 300, 5000] {
            let base = 7u64 << super::BUCKET_SHIFT;
            let mut events: Vec<(u64, u32)> = (0..len)
                .map(|_| {
                    (
                        base + rng.random_range(0..1u64 << 16) / 97 * 97,
                        rng.random(),
                    )
                })
                .collect();
            let mut expected = events.clone();
            expected.sort_unstable();
            super::sort_bucket(&mut events, &mut scratch);
            assert_eq!(events, expected, "{len} events");
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
