//! The safety oracle (DESIGN.md §5; Castro & Liskov §4.5.1 and TOCS'02 §2.2), checked online as
//! the simulator reports what replicas and clients do. It never panics: a violation is recorded
//! with what, where and when, and the trial goes on.
//!
//! - agreement: no two honest replicas execute different batches at one sequence number;
//! - validity: every executed request was issued by a client (the null request aside);
//! - integrity: no honest replica executes a request twice, and a client accepts only a result
//!   that f+1 replicas sent and that honest execution computes;
//! - state: after each sequence number, every honest replica's service state is the one honest
//!   execution gives, whether it got there by executing or by state transfer (§4.3; TOCS'02
//!   §6.2); a violation names the replica that diverged.
//!
//! Honest execution is computed here, not taken from any one replica: the oracle runs its own
//! copy of the deterministic service over the batches honest replicas executed, in sequence
//! order (the first honest execution's batch at each number; any other is an agreement
//! violation). So the reference state after n never depends on who reported first: a replica
//! that installed a wrong state by transfer, or executes from one, is blamed whether its
//! report comes before or after the honest executions at n, and the honest replicas are not.
//! A replica is blamed once, where it diverged; its later states follow from that one and are
//! not reported again until a report of it matches the reference (it fetched a good state).
//! A replica whose state differs because it executed a different batch is the agreement
//! violation's, not reported twice. The results clients accept are checked against the
//! reference's results too.
//!
//! Memory stays bounded however long the run: per-sequence records are dropped once every
//! honest replica is past them (or, with one that stopped, `KEEP_BEHIND` numbers later), and
//! per-client state covers only the newest requests. The
//! reference waits at a sequence number no honest replica has executed yet (reports above it
//! wait with it); if a report comes more than `MAX_WAITING` numbers above it, no honest replica will
//! fill the gap (honest replicas skipped it by state transfer, to a checkpoint that only
//! faulty replicas executed, which takes more than f of them), and the reference restarts
//! from the first state installed above the gap, the stretch before it unchecked.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::protocol::client::operation_of;
use crate::protocol::message::{
    Batch, ClientId, Digest, ReplicaId, Request, SeqNum, Snapshot, Timestamp,
};
use crate::protocol::service::{Execution, ServiceState};

/// At most this many sequence numbers wait above the reference state (see the module header).
const MAX_WAITING: SeqNum = 1024;

/// Records more than this many sequence numbers below the reference are dropped even if some
/// honest replica (a crashed one, say) has not reached them.
const KEEP_BEHIND: SeqNum = 8192;

/// Garbage is first collected at this many records.
const COLLECT_AT_LEAST: usize = 1024;

/// The kinds of safety property.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Property {
    /// Agreement.
    Agreement,
    /// Validity.
    Validity,
    /// Integrity.
    Integrity,
    /// State: honest replicas' service states agree with honest execution.
    State,
}

impl Property {
    fn label(self) -> &'static str {
        match self {
            Property::Agreement => "agreement",
            Property::Validity => "validity",
            Property::Integrity => "integrity",
            Property::State => "state",
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
    /// The reference execution's result per timestamp, until compared with the accepted one.
    honest_results: BTreeMap<Timestamp, u64>,
    /// Accepted results not yet compared with the reference execution's.
    accepted: BTreeMap<Timestamp, u64>,
    /// Everything at or below this timestamp has been compared.
    settled: Timestamp,
}

/// How a replica reached the state it reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reached {
    /// By executing the batch with this digest.
    Executing(Digest),
    /// By state transfer.
    Transfer,
}

/// One honest replica's state at a sequence number.
#[derive(Clone, Copy, Debug)]
struct StateReport {
    replica: ReplicaId,
    state: Digest,
    reached: Reached,
    at_ms: f64,
}

/// What the oracle holds about one sequence number.
#[derive(Default)]
struct SeqRecord {
    /// The batch the first honest execution here ran, and that replica.
    first: Option<(Digest, ReplicaId)>,
    /// That batch, until the reference execution has run it.
    to_run: Option<Arc<Batch>>,
    /// How many honest replicas executed here.
    executions: usize,
    /// The reference state's digest after this sequence number, once computed.
    reference: Option<Digest>,
    /// State reports that came before the reference.
    waiting: Vec<StateReport>,
    /// The first state an honest replica installed here by transfer (see `restart_reference`).
    installed: Option<Arc<Snapshot>>,
}

/// The oracle of one trial.
pub struct Oracle {
    f: usize,
    honest: Vec<bool>,
    honest_count: usize,
    records: BTreeMap<SeqNum, SeqRecord>,
    /// The service as honest execution leaves it after `reference_seq`.
    reference: ServiceState,
    reference_seq: SeqNum,
    /// Per replica: its state was found to differ from the reference (and it was blamed).
    diverged: Vec<bool>,
    /// Per honest replica: how far it has executed or transferred.
    progress: Vec<SeqNum>,
    /// Per honest replica and client: the last timestamp executed.
    last_executed: Vec<BTreeMap<ClientId, Timestamp>>,
    clients: Vec<ClientWatch>,
    violations: Vec<Violation>,
    counts: BTreeMap<Property, u64>,
    /// Garbage is collected when the records reach this many.
    collect_at: usize,
}

impl Oracle {
    /// An oracle for `honest.len()` replicas (`honest[i]` false for byzantine ones), `clients`
    /// clients and fault bound `f`.
    pub fn new(honest: Vec<bool>, clients: usize, f: u32) -> Oracle {
        let n = honest.len();
        let mut records = BTreeMap::new();
        records.insert(
            0,
            SeqRecord {
                reference: Some(ServiceState::initial_digest()),
                ..SeqRecord::default()
            },
        );
        Oracle {
            f: f as usize,
            honest_count: honest.iter().filter(|h| **h).count(),
            honest,
            records,
            reference: ServiceState::default(),
            reference_seq: 0,
            diverged: vec![false; n],
            progress: vec![0; n],
            last_executed: vec![BTreeMap::new(); n],
            clients: (0..clients).map(|_| ClientWatch::default()).collect(),
            violations: Vec::new(),
            counts: BTreeMap::new(),
            collect_at: COLLECT_AT_LEAST,
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

    fn is_honest(&self, replica: ReplicaId) -> bool {
        self.honest.get(replica as usize).copied().unwrap_or(false)
    }

    /// A client issued a request.
    pub fn on_issued(&mut self, request: &Request) {
        if let Some(watch) = self.clients.get_mut(request.client as usize) {
            watch.issued = watch.issued.max(request.timestamp);
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

    /// An honest replica executed `batch` at `seq`, running `executed` (the requests it did
    /// not skip as duplicates, with its results), and its service state's digest is `state`.
    pub fn on_executed(
        &mut self,
        replica: ReplicaId,
        seq: SeqNum,
        batch: &Arc<Batch>,
        executed: &[(Request, u64)],
        state: Digest,
        at_ms: f64,
    ) {
        if !self.is_honest(replica) {
            return;
        }
        let r = replica as usize;
        self.check_agreement(replica, seq, batch, at_ms);
        self.progress[r] = self.progress[r].max(seq);
        for (request, _) in executed {
            self.check_validity(replica, seq, request, at_ms);
            self.check_exactly_once(replica, request, at_ms);
        }
        self.advance_reference(at_ms);
        let report = StateReport {
            replica,
            state,
            reached: Reached::Executing(batch.digest()),
            at_ms,
        };
        self.report_state(seq, report);
        self.collect_garbage();
    }

    fn check_agreement(&mut self, replica: ReplicaId, seq: SeqNum, batch: &Arc<Batch>, at_ms: f64) {
        let digest = batch.digest();
        let record = self.records.entry(seq).or_default();
        record.executions += 1;
        match record.first {
            None => {
                record.first = Some((digest, replica));
                record.to_run = Some(Arc::clone(batch));
            }
            Some((first, by)) if first != digest => {
                let what = format!(
                    "replica {replica} executed batch {} at sequence number {seq}, replica {by} executed {}",
                    digest.short(),
                    first.short()
                );
                self.violate(Property::Agreement, at_ms, what);
            }
            Some(_) => {}
        }
    }

    fn check_validity(&mut self, replica: ReplicaId, seq: SeqNum, request: &Request, at_ms: f64) {
        let issued = self
            .clients
            .get(request.client as usize)
            .map_or(0, |w| w.issued);
        if request.timestamp == 0
            || request.timestamp > issued
            || request.operation != operation_of(request.client, request.timestamp)
        {
            let what = format!(
                "replica {replica} executed a request no client issued (client {}, timestamp {}) at sequence number {seq}",
                request.client, request.timestamp
            );
            self.violate(Property::Validity, at_ms, what);
        }
    }

    fn check_exactly_once(&mut self, replica: ReplicaId, request: &Request, at_ms: f64) {
        let last = self.last_executed[replica as usize]
            .entry(request.client)
            .or_insert(0);
        if request.timestamp <= *last {
            let what = format!(
                "replica {replica} executed request (client {}, timestamp {}) after timestamp {}",
                request.client, request.timestamp, *last
            );
            self.violate(Property::Integrity, at_ms, what);
        } else {
            *last = request.timestamp;
        }
    }

    /// Runs the reference service over every batch it can reach in sequence order, checking
    /// the state reports that waited for each number.
    fn advance_reference(&mut self, at_ms: f64) {
        loop {
            let seq = self.reference_seq.saturating_add(1);
            let Some(batch) = self.records.get_mut(&seq).and_then(|r| r.to_run.take()) else {
                return;
            };
            for request in batch.requests() {
                if let Execution::Executed(result) = self.reference.execute(request) {
                    self.record_honest_result(request, result, at_ms);
                }
            }
            self.reference_seq = seq;
            self.settle_reference(seq);
        }
    }

    /// The reference state after `seq` is known: record it and check the reports that waited.
    fn settle_reference(&mut self, seq: SeqNum) {
        let digest = self.reference.digest();
        let Some(record) = self.records.get_mut(&seq) else {
            return;
        };
        record.reference = Some(digest);
        let first = record.first.map(|(d, _)| d);
        let waiting = std::mem::take(&mut record.waiting);
        for report in waiting {
            self.check_state(seq, digest, first, report);
        }
    }

    /// A state report: checked now if the reference has reached `seq`, else kept until then.
    fn report_state(&mut self, seq: SeqNum, report: StateReport) {
        if seq <= self.reference_seq {
            let Some(record) = self.records.get(&seq) else {
                return; // inside a stretch left unchecked (see the module header)
            };
            let (reference, first) = (record.reference, record.first.map(|(d, _)| d));
            if let Some(reference) = reference {
                self.check_state(seq, reference, first, report);
            }
            return;
        }
        self.records.entry(seq).or_default().waiting.push(report);
        if seq - self.reference_seq > MAX_WAITING {
            self.restart_reference(report.at_ms);
        }
    }

    /// Compares one replica's state at `seq` with the reference (`first`: the batch the
    /// reference ran there) and blames the replica if it diverged here.
    fn check_state(
        &mut self,
        seq: SeqNum,
        reference: Digest,
        first: Option<Digest>,
        report: StateReport,
    ) {
        let r = report.replica as usize;
        if report.state == reference {
            self.diverged[r] = false;
            return;
        }
        if std::mem::replace(&mut self.diverged[r], true) {
            return; // blamed already where it diverged; this state follows from that one
        }
        let (replica, state, want) = (report.replica, report.state.short(), reference.short());
        let what = match report.reached {
            // A different batch: the agreement violation already names this replica.
            Reached::Executing(batch) if Some(batch) != first => return,
            Reached::Executing(_) => format!(
                "replica {replica}'s state after executing sequence number {seq} is {state}; honest execution gives {want}"
            ),
            Reached::Transfer => format!(
                "replica {replica} installed state {state} at sequence number {seq} by state transfer; honest execution gives {want}"
            ),
        };
        self.violate(Property::State, report.at_ms, what);
    }

    /// Too many sequence numbers wait above a gap no honest replica executed: restart the
    /// reference from the first state installed above it (the gap's stretch stays unchecked),
    /// or, with none, give up the lowest waiting number.
    fn restart_reference(&mut self, at_ms: f64) {
        let installed = self
            .records
            .range(self.reference_seq.saturating_add(1)..)
            .find_map(|(seq, r)| r.installed.clone().map(|s| (*seq, s)));
        let Some((seq, snapshot)) = installed else {
            if let Some((&lowest, _)) = self
                .records
                .range(self.reference_seq.saturating_add(1)..)
                .next()
            {
                self.records.remove(&lowest);
            }
            return;
        };
        let skipped: Vec<SeqNum> = self
            .records
            .range(self.reference_seq.saturating_add(1)..seq)
            .map(|(s, _)| *s)
            .collect();
        for s in skipped {
            self.records.remove(&s);
        }
        self.reference = snapshot.service.clone();
        self.reference_seq = seq;
        for (client, last) in self.reference.reply_table() {
            if let Some(watch) = self.clients.get_mut(client as usize) {
                watch.settled = watch.settled.max(last.timestamp);
                watch.accepted = watch.accepted.split_off(&last.timestamp.saturating_add(1));
                watch.honest_results = watch
                    .honest_results
                    .split_off(&last.timestamp.saturating_add(1));
            }
        }
        if let Some(record) = self.records.get_mut(&seq) {
            record.to_run = None;
        }
        self.settle_reference(seq);
        self.advance_reference(at_ms);
    }

    fn record_honest_result(&mut self, request: &Request, result: u64, at_ms: f64) {
        let Some(watch) = self.clients.get_mut(request.client as usize) else {
            return;
        };
        let ts = request.timestamp;
        if ts <= watch.settled {
            return;
        }
        if let Some(accepted) = watch.accepted.remove(&ts) {
            watch.settled = watch.settled.max(ts);
            if accepted != result {
                self.result_mismatch(request.client, ts, accepted, result, at_ms);
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
            "client {client} accepted result {got} for timestamp {ts}; honest execution computes {honest}"
        );
        self.violate(Property::Integrity, at_ms, what);
    }

    /// An honest replica installed `snapshot`, a checkpointed state at `seq`, by state
    /// transfer; `state` is the installed state's digest.
    pub fn on_state_transferred(
        &mut self,
        replica: ReplicaId,
        seq: SeqNum,
        last_timestamps: &[(ClientId, Timestamp)],
        state: Digest,
        snapshot: &Arc<Snapshot>,
        at_ms: f64,
    ) {
        if !self.is_honest(replica) {
            return;
        }
        let r = replica as usize;
        self.progress[r] = self.progress[r].max(seq);
        for (client, ts) in last_timestamps {
            let last = self.last_executed[r].entry(*client).or_insert(0);
            *last = (*last).max(*ts);
        }
        if seq > self.reference_seq {
            let record = self.records.entry(seq).or_default();
            if record.installed.is_none() {
                record.installed = Some(Arc::clone(snapshot));
            }
        }
        let report = StateReport {
            replica,
            state,
            reached: Reached::Transfer,
            at_ms,
        };
        self.report_state(seq, report);
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
            None if timestamp > watch.settled => {
                watch.accepted.insert(timestamp, result);
            }
            None => {}
        }
        if senders <= f {
            let what = format!(
                "client {client} accepted result {result} for timestamp {timestamp} sent by {senders} replicas (f+1 = {})",
                f + 1
            );
            self.violate(Property::Integrity, at_ms, what);
        }
    }

    /// Drops the records no report can need any more: below every honest replica's progress,
    /// executed by every honest replica, or more than `KEEP_BEHIND` below the reference (a
    /// replica that far behind catches up by state transfer to a recent checkpoint). Runs when
    /// the records have doubled since the last time, so its cost per report stays constant.
    fn collect_garbage(&mut self) {
        if self.records.len() < self.collect_at {
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
        let reference_seq = self.reference_seq;
        let keep_from = reference_seq.saturating_sub(KEEP_BEHIND).max(floor);
        // Numbers the reference has not reached stay: their reports wait there.
        self.records.retain(|seq, record| {
            *seq > reference_seq || (*seq > keep_from && record.executions < everyone)
        });
        self.collect_at = (2 * self.records.len()).max(COLLECT_AT_LEAST);
    }

    /// Sequence numbers the oracle holds records for (tests: memory stays bounded).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(client: ClientId, timestamp: Timestamp) -> Request {
        Request {
            client,
            timestamp,
            operation: operation_of(client, timestamp),
        }
    }

    /// Replicas 0-2 honest, 3 byzantine; two clients with requests 1..=8 issued.
    fn oracle() -> Oracle {
        let mut o = Oracle::new(vec![true, true, true, false], 2, 1);
        for ts in 1..=8 {
            o.on_issued(&req(0, ts));
            o.on_issued(&req(1, ts));
        }
        o
    }

    /// Batch `seq` of a simple history: client 0's request `seq` and client 1's.
    fn batch(seq: SeqNum) -> Arc<Batch> {
        Batch::new(vec![req(0, seq), req(1, seq)])
    }

    /// A replica's service, executing the history; reports what it does to the oracle.
    struct Honest {
        id: ReplicaId,
        service: ServiceState,
        seq: SeqNum,
    }

    impl Honest {
        fn new(id: ReplicaId) -> Honest {
            Honest {
                id,
                service: ServiceState::default(),
                seq: 0,
            }
        }

        fn execute(&mut self, o: &mut Oracle, batch: &Arc<Batch>, at_ms: f64) {
            self.seq += 1;
            let mut executed = Vec::new();
            for r in batch.requests() {
                if let Execution::Executed(result) = self.service.execute(r) {
                    executed.push((*r, result));
                }
            }
            let state = self.service.digest();
            o.on_executed(self.id, self.seq, batch, &executed, state, at_ms);
        }

        /// Executes the history up to `seq`.
        fn execute_to(&mut self, o: &mut Oracle, seq: SeqNum, at_ms: f64) {
            while self.seq < seq {
                self.execute(o, &batch(self.seq + 1), at_ms);
            }
        }

        fn install(&mut self, o: &mut Oracle, seq: SeqNum, service: ServiceState, at_ms: f64) {
            self.service = service.clone();
            self.seq = seq;
            let last: Vec<_> = service
                .reply_table()
                .map(|(c, l)| (c, l.timestamp))
                .collect();
            let snapshot = Arc::new(Snapshot { seq, service });
            let state = self.service.digest();
            o.on_state_transferred(self.id, seq, &last, state, &snapshot, at_ms);
        }
    }

    /// The honest state after the history's first `seq` batches.
    fn state_after(seq: SeqNum) -> ServiceState {
        let mut s = ServiceState::default();
        for n in 1..=seq {
            for r in batch(n).requests() {
                s.execute(r);
            }
        }
        s
    }

    fn state_violations(o: &Oracle) -> Vec<&Violation> {
        o.violations()
            .iter()
            .filter(|v| v.property == Property::State)
            .collect()
    }

    #[test]
    fn agreement_violation_is_reported_once_per_kind() {
        let mut o = oracle();
        let (a, b) = (Batch::new(vec![req(0, 1)]), Batch::new(vec![req(1, 1)]));
        let state = |b: &Arc<Batch>| {
            let mut s = ServiceState::default();
            for r in b.requests() {
                s.execute(r);
            }
            s.digest()
        };
        o.on_executed(0, 1, &a, &[(req(0, 1), 1)], state(&a), 1.0);
        o.on_executed(1, 1, &a, &[(req(0, 1), 1)], state(&a), 1.0);
        assert!(o.safe());
        o.on_executed(2, 1, &b, &[(req(1, 1), 1)], state(&b), 2.0);
        assert!(!o.safe());
        assert_eq!(o.violations()[0].property, Property::Agreement);
        assert!(
            o.violations()[0].what.contains("replica 2"),
            "{:?}",
            o.violations()
        );
        // The state that differs because the batch did is the agreement violation's alone.
        assert!(state_violations(&o).is_empty(), "{:?}", o.violations());
        // A byzantine replica's executions are not checked.
        o.on_executed(3, 1, &b, &[], Digest([9; 16]), 3.0);
        assert_eq!(o.counts()[&Property::Agreement], 1);
    }

    #[test]
    fn validity_catches_unissued_and_forged_requests() {
        let mut o = oracle();
        let unissued = req(0, 9);
        let b = Batch::new(vec![unissued]);
        o.on_executed(0, 1, &b, &[(unissued, 1)], Digest([1; 16]), 1.0);
        assert_eq!(o.violations()[0].property, Property::Validity);
        let mut o = oracle();
        let forged = Request {
            operation: 12345,
            ..req(0, 1)
        };
        let b = Batch::new(vec![forged]);
        o.on_executed(0, 1, &b, &[(forged, 1)], Digest([1; 16]), 1.0);
        assert_eq!(o.violations()[0].property, Property::Validity);
    }

    #[test]
    fn integrity_catches_double_execution_and_weak_acceptance() {
        let mut o = oracle();
        let b = Batch::new(vec![req(0, 1)]);
        o.on_executed(0, 1, &b, &[(req(0, 1), 1)], Digest([1; 16]), 1.0);
        o.on_executed(0, 2, &b, &[(req(0, 1), 2)], Digest([2; 16]), 2.0);
        assert_eq!(o.counts().get(&Property::Integrity), Some(&1));

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
        Honest::new(0).execute(&mut o, &Batch::new(vec![req(1, 1)]), 6.0);
        let v = &o.violations()[0];
        assert_eq!(v.property, Property::Integrity, "{v}");
        assert!(v.what.contains("honest execution computes 1"), "{v}");
    }

    #[test]
    fn honest_states_agree_by_executing_and_by_transfer() {
        let mut o = oracle();
        let (mut r0, mut r1, mut r2) = (Honest::new(0), Honest::new(1), Honest::new(2));
        r0.execute_to(&mut o, 4, 1.0);
        r1.execute_to(&mut o, 4, 2.0);
        r2.install(&mut o, 4, state_after(4), 3.0);
        for r in [&mut r0, &mut r1, &mut r2] {
            r.execute_to(&mut o, 6, 4.0);
        }
        assert!(o.safe(), "{:?}", o.violations());
        // A right state installed before anyone executed that far is right too.
        let mut o = oracle();
        let (mut r0, mut r2) = (Honest::new(0), Honest::new(2));
        r2.install(&mut o, 4, state_after(4), 1.0);
        r2.execute_to(&mut o, 5, 1.5);
        r0.execute_to(&mut o, 5, 2.0);
        assert!(o.safe(), "{:?}", o.violations());
    }

    #[test]
    fn a_wrong_state_transfer_after_the_honest_executions_names_the_transferring_replica() {
        let mut o = oracle();
        let (mut r0, mut r1, mut r2) = (Honest::new(0), Honest::new(1), Honest::new(2));
        r0.execute_to(&mut o, 4, 1.0);
        r1.execute_to(&mut o, 4, 2.0);
        r2.install(&mut o, 4, ServiceState::default(), 3.0);
        let found = state_violations(&o);
        assert_eq!(found.len(), 1, "{:?}", o.violations());
        assert!(
            found[0].what.starts_with("replica 2 installed state")
                && found[0].what.contains("by state transfer"),
            "{}",
            found[0]
        );
        // Replica 2 then executes from its wrong state: blamed once, where it diverged; the
        // honest replicas executing after it are not blamed at all.
        r2.execute_to(&mut o, 6, 4.0);
        r0.execute_to(&mut o, 6, 5.0);
        r1.execute_to(&mut o, 6, 6.0);
        assert_eq!(o.counts()[&Property::State], 1);
        assert_eq!(o.violations().len(), 1, "{:?}", o.violations());
    }

    #[test]
    fn a_wrong_state_transfer_before_the_honest_executions_names_the_transferring_replica() {
        let mut o = oracle();
        let (mut r0, mut r1, mut r2) = (Honest::new(0), Honest::new(1), Honest::new(2));
        // The first reports at 4, 5 and 6 are replica 2's, all wrong.
        r2.install(&mut o, 4, ServiceState::default(), 1.0);
        r2.execute_to(&mut o, 6, 2.0);
        assert!(o.safe(), "nothing to compare with yet");
        r0.execute_to(&mut o, 6, 3.0);
        r1.execute_to(&mut o, 6, 4.0);
        let found = state_violations(&o);
        assert_eq!(found.len(), 1, "{:?}", o.violations());
        assert!(
            found[0].what.starts_with("replica 2 installed state")
                && found[0].what.contains("sequence number 4"),
            "{}",
            found[0]
        );
        assert_eq!(found[0].at_ms, 1.0, "dated when the transfer happened");
        assert_eq!(o.counts()[&Property::State], 1);
        assert_eq!(o.violations().len(), 1, "{:?}", o.violations());
    }

    #[test]
    fn a_replica_that_fetches_a_right_state_again_is_checked_again() {
        let mut o = oracle();
        let (mut r0, mut r2) = (Honest::new(0), Honest::new(2));
        r0.execute_to(&mut o, 8, 1.0);
        r2.install(&mut o, 4, ServiceState::default(), 2.0);
        r2.install(&mut o, 6, state_after(6), 3.0);
        assert_eq!(o.counts()[&Property::State], 1);
        r2.execute_to(&mut o, 7, 4.0);
        assert_eq!(o.counts()[&Property::State], 1, "in step again");
        // Now a wrong state by executing: its own divergence, reported (counted) anew.
        r2.service = ServiceState::default();
        r2.execute(&mut o, &batch(8), 5.0);
        assert_eq!(o.counts()[&Property::State], 2, "{:?}", o.violations());
    }

    #[test]
    fn a_state_that_goes_wrong_by_executing_names_that_replica() {
        let mut o = oracle();
        let (mut r0, mut r1) = (Honest::new(0), Honest::new(1));
        r0.execute_to(&mut o, 2, 1.0);
        r1.execute_to(&mut o, 1, 2.0);
        // Replica 1 executes the agreed batch 2 but reports another state.
        o.on_executed(1, 2, &batch(2), &[], Digest([7; 16]), 3.0);
        let found = state_violations(&o);
        assert_eq!(found.len(), 1, "{:?}", o.violations());
        assert!(
            found[0]
                .what
                .starts_with("replica 1's state after executing sequence number 2"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn accepted_results_are_checked_against_honest_execution_not_the_first_report() {
        let mut o = oracle();
        let (mut r0, mut r2) = (Honest::new(0), Honest::new(2));
        // Replica 2, from a wrong (empty) state, executes batch 2 first and computes results 1
        // and 2 for it; honest execution computes 3 and 4.
        r2.install(&mut o, 1, ServiceState::default(), 1.0);
        r2.execute(&mut o, &batch(2), 2.0);
        for r in [0, 1, 3] {
            o.on_reply_sent(r, 0, 2, 3);
        }
        o.on_accepted(0, 2, 3, 3.0);
        r0.execute_to(&mut o, 2, 4.0);
        let integrity = o
            .violations()
            .iter()
            .filter(|v| v.property == Property::Integrity)
            .count();
        assert_eq!(integrity, 0, "{:?}", o.violations());
        assert_eq!(o.counts()[&Property::State], 1);
    }

    #[test]
    fn memory_stays_bounded_above_a_gap_no_honest_replica_executes() {
        let mut o = Oracle::new(vec![true, true, false, false], 1, 1);
        o.on_issued(&req(0, 3 * KEEP_BEHIND));
        let history = |n: SeqNum| Batch::new(vec![req(0, n)]);
        let mut skipped = ServiceState::default();
        for n in 1..=10 {
            skipped.execute(&req(0, n));
        }
        // Nobody honest executes 1..=10; replica 0 installs the state there and goes on.
        let mut r0 = Honest::new(0);
        r0.install(&mut o, 10, skipped, 0.0);
        // Replica 1 never executes (it crashed, say): records below it go all the same.
        let last = 3 * KEEP_BEHIND;
        for n in 11..=last {
            r0.execute(&mut o, &history(n), n as f64);
        }
        let bound = 2 * (KEEP_BEHIND + MAX_WAITING) as usize;
        assert!(o.held() < bound, "{} records", o.held());
        assert!(o.safe(), "{:?}", o.violations());
        // Checking goes on from the installed state: a replica that diverges now is named.
        o.on_executed(1, last, &history(last), &[], Digest([5; 16]), 1e6);
        let found = state_violations(&o);
        assert_eq!(found.len(), 1, "{:?}", o.violations());
        assert!(
            found[0].what.starts_with("replica 1's state"),
            "{}",
            found[0]
        );
    }
}
