//! The primary's ordering (Castro & Liskov §4.2; batching, TOCS'02 §5.1): which requests wait
//! for a sequence number, which sequence number each assigned request went to, and the last
//! sequence number assigned.
//!
//! The primary takes requests in arrival order and cuts them into batches of at most
//! `batch_size`, one pre-prepare each, while the next sequence number stays at or below the
//! limit the replica gives (the high watermark H, and at most `max_in_flight` above the last
//! executed one). A partial batch waits for the batch timer; when it fires (or the replica
//! recovers) the partial batch goes out. The replica owns the timer, signs the pre-prepares and
//! logs them; the sequencer only decides what the next batch is.

use std::collections::{BTreeMap, VecDeque};

use super::message::{ClientId, Request, SeqNum, Timestamp};

/// What the primary may propose next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Proposal {
    /// No request is waiting for a sequence number.
    Nothing,
    /// Requests wait, but the next sequence number is above the limit.
    NoRoom,
    /// Fewer than a full batch wait, and no partial batch is due: wait for the batch timer.
    Hold,
    /// Propose `requests` at `seq` (already recorded as assigned).
    Batch {
        /// The sequence number assigned.
        seq: SeqNum,
        /// The batch's requests, in arrival order.
        requests: Vec<Request>,
    },
}

/// The primary's sequence numbers and the requests waiting for one.
#[derive(Debug, Default)]
pub(crate) struct Sequencer {
    /// The last sequence number assigned (or skipped to, by a checkpoint or a new view).
    last_assigned: SeqNum,
    /// Requests not yet assigned, in arrival order.
    pending: VecDeque<Request>,
    /// The sequence number each assigned, not yet executed request went to.
    assigned: BTreeMap<(ClientId, Timestamp), SeqNum>,
    /// The batch timer fired (or the replica recovered): the next batch goes out even if
    /// partial.
    partial_batch_due: bool,
}

impl Sequencer {
    /// Queues `request` unless it is assigned or queued already; returns whether it was queued.
    pub(crate) fn enqueue(&mut self, request: Request) -> bool {
        let key = (request.client(), request.timestamp());
        if self.assigned.contains_key(&key) || self.pending.contains(&request) {
            return false;
        }
        self.pending.push_back(request);
        true
    }

    /// Queues `request`, if it is not assigned, without looking for it among the queued ones
    /// (a new view's primary adopting the requests its backups waited for).
    pub(crate) fn adopt(&mut self, key: (ClientId, Timestamp), request: Request) {
        if !self.assigned.contains_key(&key) {
            self.pending.push_back(request);
        }
    }

    /// The next batch, given that sequence numbers above `limit` are out of reach: a batch is
    /// full at `batch_size` requests, or partial once a partial batch is due.
    pub(crate) fn next(&mut self, limit: SeqNum, batch_size: usize) -> Proposal {
        if self.pending.is_empty() {
            return Proposal::Nothing;
        }
        let seq = self.last_assigned + 1;
        if seq > limit {
            return Proposal::NoRoom;
        }
        if self.pending.len() < batch_size && !self.partial_batch_due {
            return Proposal::Hold;
        }
        self.partial_batch_due = false;
        let take = self.pending.len().min(batch_size);
        let requests: Vec<Request> = self.pending.drain(..take).collect();
        for r in &requests {
            self.assigned.insert((r.client(), r.timestamp()), seq);
        }
        self.last_assigned = seq;
        Proposal::Batch { seq, requests }
    }

    /// Lets the next batch go out partial (the batch timer fired, or the replica recovered).
    pub(crate) fn release_partial_batch(&mut self) {
        self.partial_batch_due = true;
    }

    /// Whether requests wait for a sequence number.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The sequence number `key`'s request was assigned, if it is assigned and not executed.
    pub(crate) fn assigned_seq(&self, key: (ClientId, Timestamp)) -> Option<SeqNum> {
        self.assigned.get(&key).copied()
    }

    /// The clients with an assigned request, with repeats (one per request).
    pub(crate) fn assigned_clients(&self) -> impl Iterator<Item = ClientId> + '_ {
        self.assigned.keys().map(|k| k.0)
    }

    /// Never assigns `seq` or below (a checkpoint at `seq` became stable, §4.3).
    pub(crate) fn skip_to(&mut self, seq: SeqNum) {
        self.last_assigned = self.last_assigned.max(seq);
    }

    /// Leaving the view (§4.4): forgets the assignments and hands back the queued requests.
    pub(crate) fn leave_view(&mut self) -> VecDeque<Request> {
        self.partial_batch_due = false;
        let pending = std::mem::take(&mut self.pending);
        self.assigned.clear();
        pending
    }

    /// Entering a view whose NEW-VIEW re-proposed `reproposed` (sequence number and requests):
    /// those are assigned, and numbering goes on after `last_assigned`.
    pub(crate) fn enter_view<'a>(
        &mut self,
        last_assigned: SeqNum,
        reproposed: impl Iterator<Item = (SeqNum, &'a [Request])>,
    ) {
        self.last_assigned = last_assigned;
        self.assigned.clear();
        for (seq, requests) in reproposed {
            for r in requests {
                self.assigned.insert((r.client(), r.timestamp()), seq);
            }
        }
    }

    /// Drops `client`'s assignments up to `timestamp` (executed, or covered by a state).
    pub(crate) fn forget(&mut self, client: ClientId, timestamp: Timestamp) {
        let done: Vec<_> = self
            .assigned
            .range((client, 0)..=(client, timestamp))
            .map(|(k, _)| *k)
            .collect();
        for key in done {
            self.assigned.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::auth::test_request;

    fn queued(requests: &[Request]) -> Sequencer {
        let mut sequencer = Sequencer::default();
        for r in requests {
            assert!(sequencer.enqueue(*r));
        }
        sequencer
    }

    /// A table of (requests queued, limit, batch size, partial due) -> the proposal.
    #[test]
    fn the_next_batch() {
        let r: Vec<Request> = (1..=3).map(|t| test_request(0, t, t)).collect();
        let cases: [(&str, usize, SeqNum, usize, bool, Proposal); 6] = [
            ("nothing queued", 0, 10, 2, false, Proposal::Nothing),
            ("no room", 3, 0, 2, false, Proposal::NoRoom),
            ("partial batch", 1, 10, 2, false, Proposal::Hold),
            (
                "partial batch due",
                1,
                10,
                2,
                true,
                Proposal::Batch {
                    seq: 1,
                    requests: r[..1].to_vec(),
                },
            ),
            (
                "full batch",
                3,
                10,
                2,
                false,
                Proposal::Batch {
                    seq: 1,
                    requests: r[..2].to_vec(),
                },
            ),
            (
                "limit reached exactly",
                2,
                1,
                2,
                false,
                Proposal::Batch {
                    seq: 1,
                    requests: r[..2].to_vec(),
                },
            ),
        ];
        for (case, count, limit, size, due, expected) in cases {
            let mut sequencer = queued(&r[..count]);
            if due {
                sequencer.release_partial_batch();
            }
            assert_eq!(sequencer.next(limit, size), expected, "{case}");
        }
    }

    #[test]
    fn an_assigned_request_is_not_queued_again_until_forgotten() {
        let r = test_request(2, 7, 0);
        let mut sequencer = queued(&[r]);
        assert!(!sequencer.enqueue(r), "queued already");
        sequencer.release_partial_batch();
        assert_eq!(
            sequencer.next(10, 4),
            Proposal::Batch {
                seq: 1,
                requests: vec![r]
            }
        );
        assert_eq!(sequencer.assigned_seq((2, 7)), Some(1));
        assert!(!sequencer.enqueue(r), "assigned");
        assert_eq!(sequencer.next(10, 4), Proposal::Nothing);
        sequencer.forget(2, 7);
        assert_eq!(sequencer.assigned_seq((2, 7)), None);
        assert!(sequencer.enqueue(r));
        assert_eq!(
            sequencer.next(10, 4),
            Proposal::Hold,
            "the due flag was spent"
        );
    }

    #[test]
    fn views_and_checkpoints_move_the_numbering() {
        let (a, b) = (test_request(0, 1, 0), test_request(1, 1, 0));
        let mut sequencer = queued(&[a, b]);
        sequencer.skip_to(8);
        assert_eq!(sequencer.leave_view(), vec![a, b]);
        assert!(!sequencer.has_pending());
        sequencer.enter_view(12, [(11, &[a][..])].into_iter());
        assert_eq!(sequencer.assigned_seq((0, 1)), Some(11));
        sequencer.adopt((0, 1), a);
        assert!(!sequencer.has_pending(), "re-proposed: assigned already");
        sequencer.adopt((1, 1), b);
        assert_eq!(
            sequencer.next(20, 1),
            Proposal::Batch {
                seq: 13,
                requests: vec![b]
            }
        );
        assert_eq!(sequencer.assigned_clients().collect::<Vec<_>>(), vec![0, 1]);
    }
}
