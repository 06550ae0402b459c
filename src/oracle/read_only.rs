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
