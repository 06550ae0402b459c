//! The safety oracle (DESIGN.md §5; Castro & Liskov §4.5.1 and TOCS'02 §2.2), checked online as
//! the simulator reports what replicas and clients do. It never panics: a violation is recorded
//! with what, where and when, and the trial goes on.
//!
//! - agreement: no two honest replicas execute different batches at one sequence number;
//! - validity: every executed request was issued by a client (the null request aside);
//! - integrity: no honest replica executes a request twice, and a client accepts only a result
//!   that f+1 replicas sent and that honest replicas computed.
//!
//! Memory stays bounded however long the run: per-sequence entries are dropped once every
//! honest replica is past them, and per-client state covers only the newest requests.

use std::collections::{BTreeMap, BTreeSet};

use crate::protocol::client::operation_of;
use crate::protocol::message::{ClientId, Digest, ReplicaId, Request, SeqNum, Timestamp};

/// The kinds of safety property.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Property {
    /// Agreement.
    Agreement,
    /// Validity.
    Validity,
    /// Integrity.
    Integrity,
}

impl Property {
    fn label(self) -> &'static str {
        match self {
            Property::Agreement => "agreement",
            Property::Validity => "validity",
            Property::Integrity => "integrity",
        }
    }
}

/// A violation: which property, when (virtual ms), and what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// The property broken.
    pub property: Property,
    /// Virtual time, in milliseconds.
    pub at_ms: f64,
    /// What happened, with replica, sequence number and digests.
    pub what: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at {:.3} ms: {}",
            self.property.label(),
            self.at_ms,
            self.what
        )
    }
}

#[derive(Default)]
struct ClientWatch {
    issued: Timestamp,
    /// Replies sent, per (timestamp, result), by replica; only for unaccepted timestamps.
    replies: BTreeMap<(Timestamp, u64), BTreeSet<ReplicaId>>,
    /// The first honest result per timestamp, until compared with the accepted one.
    honest_results: BTreeMap<Timestamp, u64>,
    /// Accepted results not yet compared with an honest execution.
    accepted: BTreeMap<Timestamp, u64>,
    /// Everything at or below this timestamp has been compared.
    settled: Timestamp,
}

/// The oracle of one trial.
pub struct Oracle {
    f: usize,
    honest: Vec<bool>,
    honest_count: usize,
    /// Per sequence number: the first honest execution's digest and replica, and how many
    /// honest replicas executed it.
    executed_at: BTreeMap<SeqNum, (Digest, ReplicaId, usize)>,
    /// Per honest replica: how far it has executed or transferred.
    progress: Vec<SeqNum>,
    /// Per honest replica and client: the last timestamp executed.
    last_executed: Vec<BTreeMap<ClientId, Timestamp>>,
    clients: Vec<ClientWatch>,
    violations: Vec<Violation>,
    counts: BTreeMap<Property, u64>,
}

impl Oracle {
    /// An oracle for `honest.len()` replicas (`honest[i]` false for byzantine ones), `clients`
    /// clients and fault bound `f`.
    pub fn new(honest: Vec<bool>, clients: usize, f: u32) -> Oracle {
        let n = honest.len();
        Oracle {
            f: f as usize,
            honest_count: honest.iter().filter(|h| **h).count(),
            honest,
            executed_at: BTreeMap::new(),
            progress: vec![0; n],
            last_executed: vec![BTreeMap::new(); n],
            clients: (0..clients).map(|_| ClientWatch::default()).collect(),
            violations: Vec::new(),
            counts: BTreeMap::new(),
        }
    }

    fn violate(&mut self, property: Property, at_ms: f64, what: String) {
        *self.counts.entry(property).or_default() += 1;
        if !self.violations.iter().any(|v| v.property == property) {
            self.violations.push(Violation {
                property,
                at_ms,
                what,
            });
        }
    }

    /// Whether no violation was seen.
    pub fn safe(&self) -> bool {
        self.violations.is_empty()
    }

    /// The first violation of each kind, in the order they happened.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// How many violations of each kind were seen.
    pub fn counts(&self) -> &BTreeMap<Property, u64> {
        &self.counts
    }

    /// A client issued a request.
    pub fn on_issued(&mut self, request: &Request) {
        if let Some(watch) = self.clients.get_mut(request.client() as usize) {
            watch.issued = watch.issued.max(request.timestamp());
        }
    }

    /// Replica `replica` (honest or not) sent a reply to `client`.
    pub fn on_reply_sent(
        &mut self,
        replica: ReplicaId,
        client: ClientId,
        timestamp: Timestamp,
        result: u64,
    ) {
        if let Some(watch) = self.clients.get_mut(client as usize) {
            if timestamp > watch.settled {
                watch
                    .replies
                    .entry((timestamp, result))
                    .or_default()
                    .insert(replica);
            }
        }
    }

    /// An honest replica executed the batch `digest` at `seq`, running `executed`.
    pub fn on_executed(
        &mut self,
        replica: ReplicaId,
        seq: SeqNum,
        digest: Digest,
        executed: &[(Request, u64)],
        at_ms: f64,
    ) {
        let r = replica as usize;
        if !self.honest.get(r).copied().unwrap_or(false) {
            return;
        }
        self.check_agreement(replica, seq, digest, at_ms);
        self.progress[r] = self.progress[r].max(seq);
        for (request, result) in executed {
            self.check_validity(replica, seq, request, at_ms);
            self.check_exactly_once(replica, request, at_ms);
            self.record_honest_result(request, *result, at_ms);
        }
        self.collect_garbage();
    }

    fn check_agreement(&mut self, replica: ReplicaId, seq: SeqNum, digest: Digest, at_ms: f64) {
        match self.executed_at.get_mut(&seq) {
            None => {
                self.executed_at.insert(seq, (digest, replica, 1));
            }
            Some((first, by, count)) => {
                *count += 1;
                if *first != digest {
                    let what = format!(
                        "replica {replica} executed batch {} at sequence number {seq}, replica {by} executed {}",
                        digest.short(),
                        first.short()
                    );
                    self.violate(Property::Agreement, at_ms, what);
                }
            }
        }
    }

    fn check_validity(&mut self, replica: ReplicaId, seq: SeqNum, request: &Request, at_ms: f64) {
        let issued = self
            .clients
            .get(request.client() as usize)
            .map_or(0, |w| w.issued);
        if request.timestamp() == 0
            || request.timestamp() > issued
            || request.operation() != operation_of(request.client(), request.timestamp())
        {
            let what = format!(
                "replica {replica} executed a request no client issued (client {}, timestamp {}) at sequence number {seq}",
                request.client(), request.timestamp()
            );
            self.violate(Property::Validity, at_ms, what);
        }
    }

    fn check_exactly_once(&mut self, replica: ReplicaId, request: &Request, at_ms: f64) {
        let last = self.last_executed[replica as usize]
            .entry(request.client())
            .or_insert(0);
        if request.timestamp() <= *last {
            let what =
                format!(
                "replica {replica} executed request (client {}, timestamp {}) after timestamp {}",
                request.client(), request.timestamp(), *last
            );
            self.violate(Property::Integrity, at_ms, what);
        } else {
            *last = request.timestamp();
        }
    }

    fn record_honest_result(&mut self, request: &Request, result: u64, at_ms: f64) {
        let Some(watch) = self.clients.get_mut(request.client() as usize) else {
            return;
        };
        let ts = request.timestamp();
        if ts <= watch.settled {
            return;
        }
        if let Some(accepted) = watch.accepted.remove(&ts) {
            watch.settled = watch.settled.max(ts);
            if accepted != result {
                self.result_mismatch(request.client(), ts, accepted, result, at_ms);
            }
        } else {
            watch.honest_results.entry(ts).or_insert(result);
        }
    }

    fn result_mismatch(
        &mut self,
        client: ClientId,
        ts: Timestamp,
        got: u64,
        honest: u64,
        at_ms: f64,
    ) {
        let what = format!(
            "client {client} accepted result {got} for timestamp {ts}; honest replicas computed {honest}"
        );
        self.violate(Property::Integrity, at_ms, what);
    }

    /// An honest replica installed a checkpointed state at `seq` by state transfer.
    pub fn on_state_transferred(
        &mut self,
        replica: ReplicaId,
        seq: SeqNum,
        last_timestamps: &[(ClientId, Timestamp)],
    ) {
        let r = replica as usize;
        if !self.honest.get(r).copied().unwrap_or(false) {
            return;
        }
        self.progress[r] = self.progress[r].max(seq);
        for (client, ts) in last_timestamps {
            let last = self.last_executed[r].entry(*client).or_insert(0);
            *last = (*last).max(*ts);
        }
        self.collect_garbage();
    }

    /// A client accepted `result` for its request `timestamp`.
    pub fn on_accepted(&mut self, client: ClientId, timestamp: Timestamp, result: u64, at_ms: f64) {
        let f = self.f;
        let Some(watch) = self.clients.get_mut(client as usize) else {
            return;
        };
        let senders = watch
            .replies
            .get(&(timestamp, result))
            .map_or(0, BTreeSet::len);
        watch.replies = watch.replies.split_off(&(timestamp + 1, 0));
        let honest = watch.honest_results.remove(&timestamp);
        watch.honest_results = watch.honest_results.split_off(&timestamp);
        match honest {
            Some(honest) => {
                watch.settled = watch.settled.max(timestamp);
                if honest != result {
                    self.result_mismatch(client, timestamp, result, honest, at_ms);
                }
            }
            None => {
                watch.accepted.insert(timestamp, result);
            }
        }
        if senders <= f {
            let what = format!(
                "client {client} accepted result {result} for timestamp {timestamp} sent by {senders} replicas (f+1 = {})",
                f + 1
            );
            self.violate(Property::Integrity, at_ms, what);
        }
    }

    fn collect_garbage(&mut self) {
        if self.executed_at.len() < 1024 {
            return;
        }
        let floor = self
            .progress
            .iter()
            .zip(&self.honest)
            .filter(|(_, h)| **h)
            .map(|(p, _)| *p)
            .min()
            .unwrap_or(0);
        let everyone = self.honest_count;
        self.executed_at
            .retain(|seq, (_, _, count)| *seq > floor && *count < everyone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(client: ClientId, timestamp: Timestamp) -> Request {
        crate::protocol::auth::test_request(client, timestamp, operation_of(client, timestamp))
    }

    fn oracle() -> Oracle {
        let mut o = Oracle::new(vec![true, true, true, false], 2, 1);
        o.on_issued(&req(0, 1));
        o.on_issued(&req(1, 1));
        o
    }

    #[test]
    fn agreement_violation_is_reported_once_per_kind() {
        let mut o = oracle();
        o.on_executed(0, 1, Digest([1; 16]), &[(req(0, 1), 1)], 1.0);
        o.on_executed(1, 1, Digest([1; 16]), &[(req(0, 1), 1)], 1.0);
        assert!(o.safe());
        o.on_executed(2, 1, Digest([2; 16]), &[(req(1, 1), 1)], 2.0);
        assert!(!o.safe());
        assert_eq!(o.violations()[0].property, Property::Agreement);
        // A byzantine replica's executions are not checked.
        o.on_executed(3, 1, Digest([9; 16]), &[], 3.0);
        assert_eq!(o.counts()[&Property::Agreement], 1);
    }

    #[test]
    fn validity_catches_unissued_and_forged_requests() {
        let mut o = oracle();
        o.on_executed(0, 1, Digest([1; 16]), &[(req(0, 2), 1)], 1.0);
        assert_eq!(o.violations()[0].property, Property::Validity);
        let mut o = oracle();
        let forged = crate::protocol::auth::test_request(0, 1, 12345);
        o.on_executed(0, 1, Digest([1; 16]), &[(forged, 1)], 1.0);
        assert_eq!(o.violations()[0].property, Property::Validity);
    }

    #[test]
    fn integrity_catches_double_execution_and_weak_acceptance() {
        let mut o = oracle();
        o.on_executed(0, 1, Digest([1; 16]), &[(req(0, 1), 1)], 1.0);
        o.on_executed(0, 2, Digest([2; 16]), &[(req(0, 1), 2)], 2.0);
        assert_eq!(o.violations()[0].property, Property::Integrity);

        let mut o = oracle();
        o.on_reply_sent(3, 1, 1, 77);
        o.on_accepted(1, 1, 77, 5.0);
        assert_eq!(
            o.violations()[0].property,
            Property::Integrity,
            "one sender"
        );

        let mut o = oracle();
        o.on_reply_sent(3, 1, 1, 77);
        o.on_reply_sent(2, 1, 1, 77);
        o.on_accepted(1, 1, 77, 5.0);
        assert!(o.safe(), "f+1 senders, no honest result known yet");
        o.on_executed(0, 1, Digest([1; 16]), &[(req(1, 1), 5)], 6.0);
        assert_eq!(
            o.violations()[0].property,
            Property::Integrity,
            "honest said 5"
        );
    }
}
