//! Request tracking (Castro & Liskov §4.4, liveness §4.5.2): the requests a backup knows of
//! and waits to see executed.
//!
//! A backup that receives a request starts its view-change timer if it is not running, and
//! keeps it running while some request it knows has not executed: a primary that ignores
//! requests is then voted out. The tracker holds those requests, by (client, timestamp); the
//! replica arms and stops the timer (`Timers`) from what the tracker says. A view change hands
//! the old primary's queued requests to the tracker, and the new primary takes them all.

use std::collections::BTreeMap;

use super::message::{ClientId, Request, Timestamp};

/// The requests known and not yet executed, by (client, timestamp).
#[derive(Debug, Default)]
pub(crate) struct RequestTracker {
    waiting: BTreeMap<(ClientId, Timestamp), Request>,
}

impl RequestTracker {
    /// Starts waiting for `request` (a request already waited for keeps its first copy).
    pub(crate) fn wait_for(&mut self, request: Request) {
        self.waiting
            .entry((request.client(), request.timestamp()))
            .or_insert(request);
    }

    /// Waits for the requests a primary had queued when its view ended (each replaces any
    /// copy already waited for).
    pub(crate) fn take_over(&mut self, requests: impl IntoIterator<Item = Request>) {
        for request in requests {
            self.waiting
                .insert((request.client(), request.timestamp()), request);
        }
    }

    /// Whether no request is waited for.
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The clients with a request waited for, with repeats (one per request).
    pub(crate) fn clients(&self) -> impl Iterator<Item = ClientId> + '_ {
        self.waiting.keys().map(|k| k.0)
    }

    /// Stops waiting for `client`'s requests up to `timestamp`; returns whether there were any.
    pub(crate) fn forget(&mut self, client: ClientId, timestamp: Timestamp) -> bool {
        let done: Vec<_> = self
            .waiting
            .range((client, 0)..=(client, timestamp))
            .map(|(k, _)| *k)
            .collect();
        for key in &done {
            self.waiting.remove(key);
        }
        !done.is_empty()
    }

    /// Hands over every request waited for, in (client, timestamp) order (a new primary
    /// ordering them itself).
    pub(crate) fn take_all(&mut self) -> BTreeMap<(ClientId, Timestamp), Request> {
        std::mem::take(&mut self.waiting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::auth::test_request;

    #[test]
    fn forgetting_covers_every_earlier_request_of_that_client_only() {
        let mut tracker = RequestTracker::default();
        for (client, t) in [(0, 1), (0, 2), (0, 3), (1, 1)] {
            tracker.wait_for(test_request(client, t, 0));
        }
        // A table of (client, up to timestamp) -> whether something was forgotten, and the
        // clients still waited for after it.
        let cases: [((ClientId, Timestamp), bool, &[ClientId]); 4] = [
            ((0, 0), false, &[0, 0, 0, 1]),
            ((0, 2), true, &[0, 1]),
            ((2, 9), false, &[0, 1]),
            ((1, 5), true, &[0]),
        ];
        for ((client, upto), forgot, left) in cases {
            assert_eq!(
                tracker.forget(client, upto),
                forgot,
                "{client} up to {upto}"
            );
            assert_eq!(tracker.clients().collect::<Vec<_>>(), left);
        }
        assert!(!tracker.is_empty());
        assert_eq!(tracker.take_all().len(), 1);
        assert!(tracker.is_empty());
    }

    #[test]
    fn the_first_copy_stays_unless_a_view_change_hands_one_over() {
        let mut tracker = RequestTracker::default();
        let (first, second) = (test_request(0, 1, 10), test_request(0, 1, 20));
        tracker.wait_for(first);
        tracker.wait_for(second);
        assert_eq!(
            tracker.take_all().into_values().collect::<Vec<_>>(),
            [first]
        );
        tracker.wait_for(first);
        tracker.take_over([second]);
        assert_eq!(
            tracker.take_all().into_values().collect::<Vec<_>>(),
            [second]
        );
    }
}
