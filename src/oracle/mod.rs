//! The safety oracle (`docs/design.md`, "The oracle"; Castro & Liskov §4.5.1 and TOCS'02
//! §2.2), checked online as the simulator reports what replicas and clients do. It never
//! panics: a violation is recorded with what, where and when, and the trial goes on.
//!
//! - agreement: no two honest replicas execute different batches at one sequence number;
//! - validity: every executed request was issued by a client (the null request aside);
//! - integrity: no honest replica executes a request twice, and a client accepts only a result
//!   that f+1 replicas sent committed (or 2f+1 sent at all: tentative replies, OSDI'99 §5.1)
//!   and that honest execution computes; a read-only result only if 2f+1 replicas sent it and
//!   some honest replica computed it (`read_only.rs`);
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

mod read_only;
mod violation;

pub use violation::{Involved, Property, Violation, ViolationDetail};

/// At most this many sequence numbers wait above the reference state (see the module header).
const MAX_WAITING: SeqNum = 1024;

/// Records more than this many sequence numbers below the reference are dropped even if some
/// honest replica (a crashed one, say) has not reached them.
const KEEP_BEHIND: SeqNum = 8192;

/// Garbage is first collected at this many records.
const COLLECT_AT_LEAST: usize = 1024;

#[derive(Default)]
struct ClientWatch {
    issued: Timestamp,
    /// Replies sent, per (timestamp, result), by replica, with whether that replica sent one
    /// that was not tentative; only for unaccepted timestamps.
    replies: BTreeMap<(Timestamp, u64), BTreeMap<ReplicaId, bool>>,
    /// Results honest replicas computed for read-only requests, per timestamp; only for
    /// unaccepted timestamps.
    read_only_results: BTreeMap<Timestamp, BTreeSet<u64>>,
    /// The reference execution's result per timestamp, and the sequence number it executed
    /// at, until compared with the accepted one.
    honest_results: BTreeMap<Timestamp, (u64, SeqNum)>,
    /// Accepted results not yet compared with the reference execution's, with the replicas
    /// that sent them.
    accepted: BTreeMap<Timestamp, (u64, Vec<ReplicaId>)>,
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

    fn violate(&mut self, property: Property, at_ms: f64, what: String, involved: Involved) {
        *self.counts.entry(property).or_default() += 1;
        if !self.violations.iter().any(|v| v.property == property) {
            self.violations.push(Violation {
                property,
                at_ms,
                what,
                involved,
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
        if let Some(watch) = self.clients.get_mut(request.client() as usize) {
            watch.issued = watch.issued.max(request.timestamp());
        }
    }

    /// Replica `replica` (honest or not) sent a reply to `client`, `tentative` or not.
    pub fn on_reply_sent(
        &mut self,
        replica: ReplicaId,
        client: ClientId,
        timestamp: Timestamp,
        result: u64,
        tentative: bool,
    ) {
        if let Some(watch) = self.clients.get_mut(client as usize) {
            if timestamp > watch.settled {
                let committed = watch
                    .replies
                    .entry((timestamp, result))
                    .or_default()
                    .entry(replica)
                    .or_insert(false);
                *committed |= !tentative;
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
            self.check_exactly_once(replica, seq, request, at_ms);
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
                let involved = Involved::at(seq).replicas([by, replica]);
                self.violate(Property::Agreement, at_ms, what, involved);
            }
            Some(_) => {}
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
            let involved = Involved::at(seq)
                .replicas([replica])
                .request(request.client(), request.timestamp());
            self.violate(Property::Validity, at_ms, what, involved);
        }
    }

    fn check_exactly_once(
        &mut self,
        replica: ReplicaId,
        seq: SeqNum,
        request: &Request,
        at_ms: f64,
    ) {
        let last = self.last_executed[replica as usize]
            .entry(request.client())
            .or_insert(0);
        if request.timestamp() <= *last {
            let what =
                format!(
                "replica {replica} executed request (client {}, timestamp {}) after timestamp {}",
                request.client(), request.timestamp(), *last
            );
            let involved = Involved::at(seq)
                .replicas([replica])
                .request(request.client(), request.timestamp());
            self.violate(Property::Integrity, at_ms, what, involved);
        } else {
            *last = request.timestamp();
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
                    self.record_honest_result(request, result, seq, at_ms);
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
        let involved = Involved::at(seq).replicas([replica]);
        self.violate(Property::State, report.at_ms, what, involved);
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

    fn record_honest_result(&mut self, request: &Request, result: u64, seq: SeqNum, at_ms: f64) {
        let Some(watch) = self.clients.get_mut(request.client() as usize) else {
            return;
        };
        let ts = request.timestamp();
        if ts <= watch.settled {
            return;
        }
        if let Some((accepted, senders)) = watch.accepted.remove(&ts) {
            watch.settled = watch.settled.max(ts);
            if accepted != result {
                let involved = Involved::at(seq)
                    .replicas(senders)
                    .request(request.client(), ts);
                self.result_mismatch(accepted, result, at_ms, involved);
            }
        } else {
            watch.honest_results.entry(ts).or_insert((result, seq));
        }
    }

    /// A client accepted `got` where honest execution computes `honest`; `involved` names the
    /// client, the timestamp, the replicas that sent `got` and where honest execution ran it.
    fn result_mismatch(&mut self, got: u64, honest: u64, at_ms: f64, involved: Involved) {
        let (client, ts) = (
            involved.client.unwrap_or_default(),
            involved.timestamp.unwrap_or_default(),
        );
        let what = format!(
            "client {client} accepted result {got} for timestamp {ts}; honest execution computes {honest}"
        );
        self.violate(Property::Integrity, at_ms, what, involved);
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
            .remove(&(timestamp, result))
            .unwrap_or_default();
        watch.replies = watch.replies.split_off(&(timestamp + 1, 0));
        let read_only = watch
            .read_only_results
            .remove(&timestamp)
            .is_some_and(|results| results.contains(&result));
        watch.read_only_results = watch.read_only_results.split_off(&(timestamp + 1));
        if read_only {
            watch.settled = watch.settled.max(timestamp);
            watch.honest_results = watch.honest_results.split_off(&(timestamp + 1));
            return self.read_only_accepted(client, timestamp, result, &senders, at_ms);
        }
        let committed = senders.values().filter(|c| **c).count();
        let senders: BTreeSet<ReplicaId> = senders.into_keys().collect();
        let honest = watch.honest_results.remove(&timestamp);
        watch.honest_results = watch.honest_results.split_off(&timestamp);
        // Who is involved, built only for a violation.
        let involved = || {
            Involved {
                seq: honest.map(|(_, seq)| seq),
                ..Involved::default()
            }
            .replicas(senders.iter().copied())
            .request(client, timestamp)
        };
        match honest {
            Some((honest, _)) => {
                watch.settled = watch.settled.max(timestamp);
                if honest != result {
                    self.result_mismatch(result, honest, at_ms, involved());
                }
            }
            None if timestamp > watch.settled => {
                watch
                    .accepted
                    .insert(timestamp, (result, senders.iter().copied().collect()));
            }
            None => {}
        }
        if senders.len() <= f {
            let what = format!(
                "client {client} accepted result {result} for timestamp {timestamp} sent by {} replicas (f+1 = {})",
                senders.len(),
                f + 1
            );
            self.violate(Property::Integrity, at_ms, what, involved());
        } else if committed <= f && senders.len() <= 2 * f {
            let what = format!(
                "client {client} accepted result {result} for timestamp {timestamp} sent by {} replicas, {committed} of them after commit (tentative replies need 2f+1 = {}, committed ones f+1 = {})",
                senders.len(),
                2 * f + 1,
                f + 1
            );
            self.violate(Property::Integrity, at_ms, what, involved());
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
mod tests;
