//! The oracle's checks of read-only results (Castro & Liskov, OSDI'99 §5.1): a read-only
//! request is never ordered, so honest execution (the reference) never computes its result;
//! instead each honest replica that executed one reports the result it computed from its own
//! state (`Observation::ReadOnlyExecuted`). A client that accepts a result some honest
//! replica computed for that request accepted a read-only result: it must have come from
//! 2f+1 replicas (so that f+1 honest ones, whose states are consistent with the committed
//! history, agree on it). A result no honest replica computed for it is taken for the
//! read-write retry's (the client's fallback) and checked against honest execution when the
//! retry executes, like any other; a read-only request accepted with a result no honest
//! replica computed and never retried read-write is not caught (it takes more than f
//! byzantine replicas agreeing on the same invented result).

use std::collections::BTreeMap;

use super::{Involved, Oracle, Property};
use crate::protocol::message::{ClientId, ReplicaId, Timestamp};

impl Oracle {
    /// Honest replica `replica` (honest or not: only honest ones count) executed client
    /// `client`'s read-only request `timestamp` and computed `result`.
    pub fn on_read_only_executed(
        &mut self,
        replica: ReplicaId,
        client: ClientId,
        timestamp: Timestamp,
        result: u64,
    ) {
        if !self.is_honest(replica) {
            return;
        }
        if let Some(watch) = self.clients.get_mut(client as usize) {
            if timestamp > watch.settled {
                watch
                    .read_only_results
                    .entry(timestamp)
                    .or_default()
                    .insert(result);
            }
        }
    }

    /// Client `client` accepted `result`, which an honest replica computed for its read-only
    /// request `timestamp`, from `senders` (by replica: whether it sent a committed reply).
    pub(super) fn read_only_accepted(
        &mut self,
        client: ClientId,
        timestamp: Timestamp,
        result: u64,
        senders: &BTreeMap<ReplicaId, bool>,
        at_ms: f64,
    ) {
        let quorum = 2 * self.f + 1;
        if senders.len() < quorum {
            let what = format!(
                "client {client} accepted read-only result {result} for timestamp {timestamp} sent by {} replicas (2f+1 = {quorum})",
                senders.len()
            );
            let involved = Involved::default()
                .replicas(senders.keys().copied())
                .request(client, timestamp);
            self.violate(Property::Integrity, at_ms, what, involved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Oracle;

    /// n = 4, f = 1, all honest, one client.
    fn oracle() -> Oracle {
        Oracle::new(vec![true; 4], 1, 1)
    }

    #[test]
    fn a_read_only_result_needs_2f_plus_1_senders() {
        let mut o = oracle();
        for r in 0..3 {
            o.on_read_only_executed(r, 0, 1, 42);
            o.on_reply_sent(r, 0, 1, 42, false);
        }
        o.on_accepted(0, 1, 42, 1.0);
        assert!(o.safe(), "{:?}", o.violations());
        // Two senders: enough for a committed result, not for a read-only one.
        for r in 0..2 {
            o.on_read_only_executed(r, 0, 2, 43);
            o.on_reply_sent(r, 0, 2, 43, false);
        }
        o.on_accepted(0, 2, 43, 2.0);
        let what: Vec<_> = o.violations().iter().map(|v| v.what.clone()).collect();
        assert_eq!(
            what,
            ["client 0 accepted read-only result 43 for timestamp 2 sent by 2 replicas (2f+1 = 3)"]
        );
    }

    #[test]
    fn tentative_replies_need_2f_plus_1_senders_and_committed_ones_f_plus_1() {
        let mut o = oracle();
        o.on_reply_sent(0, 0, 1, 7, true);
        o.on_reply_sent(1, 0, 1, 7, false);
        o.on_reply_sent(2, 0, 1, 7, false);
        o.on_accepted(0, 1, 7, 1.0);
        assert!(o.safe(), "two committed: {:?}", o.violations());
        o.on_reply_sent(0, 0, 2, 8, true);
        o.on_reply_sent(1, 0, 2, 8, true);
        o.on_reply_sent(2, 0, 2, 8, true);
        o.on_accepted(0, 2, 8, 2.0);
        assert!(o.safe(), "three tentative: {:?}", o.violations());
        o.on_reply_sent(0, 0, 3, 9, true);
        o.on_reply_sent(1, 0, 3, 9, false);
        o.on_accepted(0, 3, 9, 3.0);
        assert_eq!(o.violations().len(), 1, "one committed and one tentative");
    }

    #[test]
    fn a_byzantine_replicas_read_only_result_does_not_count() {
        let mut o = Oracle::new(vec![true, true, true, false], 1, 1);
        // The byzantine replica 3 says it computed 99; only honest computations count, so a
        // result of 99 is taken for a read-write one, to be checked against honest execution.
        o.on_read_only_executed(3, 0, 1, 99);
        for r in 0..3 {
            o.on_read_only_executed(r, 0, 1, 5);
        }
        o.on_reply_sent(3, 0, 1, 99, false);
        o.on_reply_sent(2, 0, 1, 99, false);
        o.on_accepted(0, 1, 99, 1.0);
        assert!(
            o.clients[0].accepted.contains_key(&1),
            "awaits honest execution"
        );
    }
}
