//! The oracle's unit tests: each property, and the state check's blame whichever report
//! comes first.

use super::*;

fn req(client: ClientId, timestamp: Timestamp) -> Request {
    crate::protocol::auth::test_request(client, timestamp, operation_of(client, timestamp))
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
    let forged = crate::protocol::auth::test_request(0, 1, 12345);
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
    o.on_reply_sent(3, 1, 1, 77, false);
    o.on_accepted(1, 1, 77, 5.0);
    assert_eq!(
        o.violations()[0].property,
        Property::Integrity,
        "one sender"
    );

    let mut o = oracle();
    o.on_reply_sent(3, 1, 1, 77, false);
    o.on_reply_sent(2, 1, 1, 77, false);
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
        o.on_reply_sent(r, 0, 2, 3, false);
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

/// The first violation's sequence number, replicas, client and timestamp.
fn involved(
    o: &Oracle,
) -> (
    Option<SeqNum>,
    Vec<ReplicaId>,
    Option<ClientId>,
    Option<Timestamp>,
) {
    let v = &o.violations()[0];
    let i = &v.involved;
    (i.seq, i.replicas.clone(), i.client, i.timestamp)
}

#[test]
fn every_violation_names_its_sequence_number_and_replicas() {
    // Agreement: both executing replicas, ascending, whoever came first.
    let mut o = oracle();
    let (a, b) = (Batch::new(vec![req(0, 1)]), Batch::new(vec![req(1, 1)]));
    let state = |b: &Arc<Batch>| {
        let mut s = ServiceState::default();
        for r in b.requests() {
            s.execute(r);
        }
        s.digest()
    };
    o.on_executed(2, 1, &a, &[(req(0, 1), 1)], state(&a), 1.0);
    o.on_executed(0, 1, &b, &[(req(1, 1), 1)], state(&b), 2.0);
    assert_eq!(o.violations().len(), 1, "{:?}", o.violations());
    assert_eq!(involved(&o), (Some(1), vec![0, 2], None, None));
    let detail = o.violations()[0].detail();
    assert_eq!(
        (detail.kind, detail.at_ms, detail.seq, detail.replicas),
        (Property::Agreement, 2.0, Some(1), vec![0, 2])
    );

    // Validity: the executing replica and the request no client issued.
    let mut o = oracle();
    let unissued = req(1, 9);
    o.on_executed(
        1,
        3,
        &Batch::new(vec![unissued]),
        &[(unissued, 1)],
        Digest([1; 16]),
        1.0,
    );
    assert_eq!(involved(&o), (Some(3), vec![1], Some(1), Some(9)));

    // Integrity, executed twice: where it was executed again.
    let mut o = oracle();
    let b = Batch::new(vec![req(0, 1)]);
    o.on_executed(0, 1, &b, &[(req(0, 1), 1)], Digest([1; 16]), 1.0);
    o.on_executed(0, 2, &b, &[(req(0, 1), 2)], Digest([2; 16]), 2.0);
    let integrity: Vec<&Violation> = o
        .violations()
        .iter()
        .filter(|v| v.property == Property::Integrity)
        .collect();
    assert_eq!(integrity[0].involved.seq, Some(2));
    assert_eq!(integrity[0].involved.replicas, vec![0]);
    assert_eq!(integrity[0].involved.client, Some(0));

    // Integrity, too few senders: the senders, no sequence number (nothing executed it).
    let mut o = oracle();
    o.on_reply_sent(3, 1, 1, 77, false);
    o.on_accepted(1, 1, 77, 5.0);
    assert_eq!(involved(&o), (None, vec![3], Some(1), Some(1)));

    // Integrity, a result honest execution does not compute: the senders of the accepted
    // result and where honest execution ran the request.
    let mut o = oracle();
    o.on_reply_sent(3, 1, 1, 77, false);
    o.on_reply_sent(2, 1, 1, 77, false);
    o.on_accepted(1, 1, 77, 5.0);
    Honest::new(0).execute(&mut o, &Batch::new(vec![req(1, 1)]), 6.0);
    assert_eq!(involved(&o), (Some(1), vec![2, 3], Some(1), Some(1)));

    // State: the replica that diverged, where it did.
    let mut o = oracle();
    let (mut r0, mut r1, mut r2) = (Honest::new(0), Honest::new(1), Honest::new(2));
    r0.execute_to(&mut o, 4, 1.0);
    r1.execute_to(&mut o, 4, 2.0);
    r2.install(&mut o, 4, ServiceState::default(), 3.0);
    assert_eq!(involved(&o), (Some(4), vec![2], None, None));
}
