//! Table-driven tests of the view-change core (Castro & Liskov §4.4): which batch NEW-VIEW
//! re-proposes at each sequence number, how gaps are filled, which VIEW-CHANGE and NEW-VIEW
//! messages are rejected, that a stale view-change timer changes nothing, and that correct
//! replicas split across two views by silent faulty ones still meet in one (§4.5.2).

mod common;

use common::keys::{keys, request};

use std::sync::Arc;

use pbft_sim::protocol::message::{
    Batch, Checkpoint, Message, NewView, NodeId, PrePrepare, PreparedProof, SeqNum, StatusReport,
    View, ViewChange, Vote,
};
use pbft_sim::protocol::service::ServiceState;
use pbft_sim::protocol::view_change::{
    check_new_view, check_view_change, plan_new_view, ViewChangeError,
};
use pbft_sim::protocol::{
    trial_keys, Action, Input, Observation, Replica, ReplicaConfig, Timer, TimerKind, VoteKind,
};

fn cfg() -> ReplicaConfig {
    ReplicaConfig {
        view_change_timeout_ns: 1_000,
        status_period_ns: 250,
        tentative_execution: false,
        unreplicated: false,
        ..common::keys::config()
    }
}

fn batch(op: u64) -> Arc<Batch> {
    Batch::new(vec![request(op, op)])
}

/// A valid prepared certificate for `batch` at (view, seq): the primary's pre-prepare and the
/// prepares of the two other backups.
fn proof(view: View, seq: SeqNum, batch: &Arc<Batch>) -> PreparedProof {
    let c = cfg();
    let vote = Vote {
        view,
        seq,
        digest: batch.digest(),
    };
    let primary = c.primary(view);
    let backups: Vec<u32> = (0..c.n).filter(|&r| r != primary).take(2).collect();
    PreparedProof {
        pre_prepare: keys(primary).sign((VoteKind::PrePrepare, vote)),
        batch: batch.clone(),
        prepares: backups
            .iter()
            .map(|&r| keys(r).sign((VoteKind::Prepare, vote)))
            .collect(),
    }
}

fn view_change(new_view: View, prepared: Vec<PreparedProof>) -> ViewChange {
    ViewChange {
        new_view,
        stable_seq: 0,
        stable_state: ServiceState::default().digest(),
        checkpoint_proof: Vec::new(),
        prepared,
    }
}

/// O as (sequence number, null request?, the operation of its request).
type Proposals = Vec<(SeqNum, bool, u64)>;

fn digests(vcs: &[ViewChange]) -> Proposals {
    let refs: Vec<&ViewChange> = vcs.iter().collect();
    plan_new_view(&refs)
        .proposals
        .iter()
        .map(|(seq, b)| {
            (
                *seq,
                b.is_null(),
                b.requests().first().map_or(0, |r| r.operation()),
            )
        })
        .collect()
}

#[test]
fn new_view_reproposes_the_highest_view_and_fills_gaps_with_null() {
    let (a, b, c) = (batch(1), batch(2), batch(3));
    // (case, view-changes, expected (seq, null?, operation))
    let table: Vec<(&str, Vec<ViewChange>, Proposals)> = vec![
        (
            "nothing prepared: O is empty",
            vec![view_change(5, vec![]), view_change(5, vec![])],
            vec![],
        ),
        (
            "conflicting certificates at n=1: view 3 beats view 1",
            vec![
                view_change(5, vec![proof(1, 1, &a)]),
                view_change(5, vec![proof(3, 1, &b)]),
                view_change(5, vec![]),
            ],
            vec![(1, false, 2)],
        ),
        (
            "the order of V does not matter",
            vec![
                view_change(5, vec![proof(3, 1, &b)]),
                view_change(5, vec![proof(1, 1, &a)]),
            ],
            vec![(1, false, 2)],
        ),
        (
            "a gap at n=2 is filled with the null request",
            vec![
                view_change(5, vec![proof(1, 1, &a), proof(2, 3, &c)]),
                view_change(5, vec![proof(1, 1, &a)]),
            ],
            vec![(1, false, 1), (2, true, 0), (3, false, 3)],
        ),
        (
            "different sequence numbers from different replicas combine",
            vec![
                view_change(5, vec![proof(4, 2, &b)]),
                view_change(5, vec![proof(2, 1, &a), proof(1, 2, &c)]),
            ],
            vec![(1, false, 1), (2, false, 2)],
        ),
    ];
    for (case, vcs, expected) in table {
        assert_eq!(digests(&vcs), expected, "{case}");
    }
}

#[test]
fn certificates_at_or_below_the_latest_stable_checkpoint_are_dropped() {
    let c = cfg();
    let state = Checkpoint {
        seq: 10,
        state: ServiceState::default().digest(),
    };
    let mut stable = view_change(5, vec![]);
    stable.stable_seq = 10;
    stable.checkpoint_proof = (0..3).map(|r| keys(r).sign(state)).collect();
    assert!(check_view_change(&stable, &c, &keys(0)).is_ok());
    let old = view_change(5, vec![proof(1, 9, &batch(1)), proof(1, 12, &batch(2))]);
    let plan = plan_new_view(&[&stable, &old]);
    assert_eq!(plan.min_s, 10);
    let seqs: Vec<SeqNum> = plan.proposals.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, vec![11, 12], "9 is below min-s; 11 is a null gap");
    assert!(plan.proposals[0].1.is_null());
}

#[test]
fn forged_or_malformed_view_changes_are_rejected() {
    let c = cfg();
    let a = batch(1);
    let good = proof(1, 1, &a);
    let mut wrong_primary = good.clone();
    wrong_primary.pre_prepare = keys(2).sign((VoteKind::PrePrepare, good.vote()));
    let mut too_few = good.clone();
    too_few.prepares.truncate(1);
    let mut duplicated = good.clone();
    duplicated.prepares = vec![good.prepares[0].clone(), good.prepares[0].clone()];
    let mut other_batch = good.clone();
    other_batch.batch = batch(2);
    let mut primary_prepares = good.clone();
    primary_prepares.prepares[0] = keys(1).sign((VoteKind::Prepare, good.vote()));
    let mut other_trial = good.clone();
    other_trial.prepares[0] = trial_keys(4, 0).0[0].sign((VoteKind::Prepare, good.vote()));
    let table = [
        ("valid", view_change(2, vec![good.clone()]), true),
        (
            "pre-prepare not by the view's primary",
            view_change(2, vec![wrong_primary]),
            false,
        ),
        ("only one prepare", view_change(2, vec![too_few]), false),
        (
            "the same prepare twice",
            view_change(2, vec![duplicated]),
            false,
        ),
        (
            "batch does not match the digest",
            view_change(2, vec![other_batch]),
            false,
        ),
        (
            "a prepare by the primary",
            view_change(2, vec![primary_prepares]),
            false,
        ),
        (
            "a signature from another trial's key",
            view_change(2, vec![other_trial]),
            false,
        ),
        (
            "certificate not below the new view",
            view_change(1, vec![good.clone()]),
            false,
        ),
        (
            "two certificates for one number",
            view_change(2, vec![good.clone(), good]),
            false,
        ),
    ];
    for (case, vc, ok) in table {
        assert_eq!(check_view_change(&vc, &c, &keys(3)).is_ok(), ok, "{case}");
    }
    let mut no_proof = view_change(2, vec![]);
    no_proof.stable_seq = 10;
    assert_eq!(
        check_view_change(&no_proof, &c, &keys(3)),
        Err(ViewChangeError::CheckpointProof(10))
    );
}

/// A NEW-VIEW for view 1 (primary 1) from the view-changes of replicas 0, 2, 3, with `o`.
fn new_view(o: Vec<PrePrepare>) -> NewView {
    let vcs = vec![
        view_change(1, vec![proof(0, 1, &batch(1))]),
        view_change(1, vec![]),
        view_change(1, vec![]),
    ];
    NewView {
        view: 1,
        view_changes: [0, 2, 3]
            .iter()
            .zip(vcs)
            .map(|(&r, vc)| Arc::new(keys(r).sign(vc)))
            .collect(),
        pre_prepares: o,
    }
}

fn pre_prepare(signer: u32, view: View, seq: SeqNum, batch: &Arc<Batch>) -> PrePrepare {
    let vote = Vote {
        view,
        seq,
        digest: batch.digest(),
    };
    PrePrepare {
        signed: keys(signer).sign((VoteKind::PrePrepare, vote)),
        batch: batch.clone(),
    }
}

#[test]
fn a_new_view_whose_o_differs_from_the_recomputation_is_rejected() {
    let c = cfg();
    let right = pre_prepare(1, 1, 1, &batch(1));
    let table = [
        ("O as recomputed", vec![right.clone()], true),
        ("O empty: drops a prepared request", vec![], false),
        (
            "another batch at n=1",
            vec![pre_prepare(1, 1, 1, &batch(7))],
            false,
        ),
        (
            "null instead of the prepared batch",
            vec![pre_prepare(1, 1, 1, &Batch::null())],
            false,
        ),
        (
            "an extra entry",
            vec![right.clone(), pre_prepare(1, 1, 2, &batch(2))],
            false,
        ),
        (
            "signed by a backup",
            vec![pre_prepare(2, 1, 1, &batch(1))],
            false,
        ),
        (
            "for the wrong view",
            vec![pre_prepare(1, 0, 1, &batch(1))],
            false,
        ),
    ];
    for (case, o, ok) in table {
        let result = check_new_view(&new_view(o), &c, &keys(0));
        assert_eq!(result.is_ok(), ok, "{case}: {result:?}");
    }
    let mut short = new_view(vec![right]);
    short.view_changes.pop();
    assert_eq!(
        check_new_view(&short, &c, &keys(0)),
        Err(ViewChangeError::ViewChangeSet(1)),
        "V below a quorum"
    );
}

fn sends_view_change(actions: &[Action]) -> bool {
    actions
        .iter()
        .any(|a| matches!(a, Action::Broadcast(Message::ViewChange(_))))
}

/// Backup 2, joined view 1 by the f+1 rule, waiting for its NEW-VIEW.
fn backup_entering_view_1() -> Replica {
    let mut backup = Replica::new(2, cfg(), keys(2));
    for r in [0, 3] {
        let vc = Arc::new(keys(r).sign(view_change(1, vec![])));
        backup.handle(Input::Message {
            from: NodeId::Replica(r),
            message: Message::ViewChange(vc),
        });
    }
    backup
}

#[test]
fn a_replica_rejecting_a_bad_new_view_moves_to_the_next_view() {
    let mut backup = backup_entering_view_1();
    assert_eq!(backup.view(), 1);
    let bad = Arc::new(keys(1).sign(new_view(vec![])));
    let actions = backup.handle(Input::Message {
        from: NodeId::Replica(1),
        message: Message::NewView(bad),
    });
    assert!(sends_view_change(&actions), "{actions:?}");
    assert_eq!(backup.view(), 2, "suspects the primary of view 1");
}

/// The NEW-VIEW is the primary's signed word: another replica may hand it on (a faulty
/// primary may have sent it to that replica alone), and nobody else can make one.
#[test]
fn a_new_view_counts_for_the_primary_signature_not_for_who_hands_it_on() {
    let right = pre_prepare(1, 1, 1, &batch(1));
    let table = [
        ("from the primary", 1, 1, true),
        ("handed on by replica 3", 1, 3, true),
        ("signed by replica 3", 3, 3, false),
        ("signed by replica 3, sent as the primary", 3, 1, false),
    ];
    for (case, signer, sender, entered) in table {
        let mut backup = backup_entering_view_1();
        assert_eq!(backup.view(), 1, "{case}");
        let nv = Arc::new(keys(signer).sign(new_view(vec![right.clone()])));
        let actions = backup.handle(Input::Message {
            from: NodeId::Replica(sender),
            message: Message::NewView(nv),
        });
        let entered_view = actions
            .iter()
            .any(|a| matches!(a, Action::Observe(Observation::ViewEntered { view: 1 })));
        assert_eq!(entered_view, entered, "{case}: {actions:?}");
        assert_eq!(backup.view(), 1, "{case}: no view change either way");
    }
}

/// Whether `actions` send a NEW-VIEW to replica `to`.
fn sends_new_view_to(actions: &[Action], to: u32) -> bool {
    actions.iter().any(|a| {
        matches!(a, Action::Send { to: NodeId::Replica(r), message: Message::NewView(_) } if *r == to)
    })
}

/// A replica that entered view 1 does not answer a VIEW-CHANGE for view 1 with the NEW-VIEW
/// (it usually just crossed it), but hands the NEW-VIEW on to a replica whose STATUS says it
/// is still waiting for it (a faulty primary may have sent it to some replicas only).
#[test]
fn a_new_view_is_handed_on_to_a_replica_still_waiting_for_it_not_to_a_crossing_view_change() {
    let mut backup = backup_entering_view_1();
    let right = pre_prepare(1, 1, 1, &batch(1));
    let nv = Arc::new(keys(1).sign(new_view(vec![right])));
    backup.handle(Input::Message {
        from: NodeId::Replica(1),
        message: Message::NewView(nv),
    });
    assert_eq!(backup.mode(), pbft_sim::protocol::Mode::Normal);
    let crossing = Arc::new(keys(0).sign(view_change(1, vec![])));
    let actions = backup.handle(Input::Message {
        from: NodeId::Replica(0),
        message: Message::ViewChange(crossing),
    });
    assert!(!sends_new_view_to(&actions, 0), "crossing: {actions:?}");
    let waiting = StatusReport {
        view: 1,
        normal: false,
        view_changes: vec![0, 2, 3],
        ..StatusReport::default()
    };
    let actions = backup.handle(Input::Message {
        from: NodeId::Replica(0),
        message: Message::Status(Arc::new(waiting)),
    });
    assert!(sends_new_view_to(&actions, 0), "waiting: {actions:?}");
    let entered = StatusReport {
        view: 1,
        normal: true,
        ..StatusReport::default()
    };
    let actions = backup.handle(Input::Message {
        from: NodeId::Replica(3),
        message: Message::Status(Arc::new(entered)),
    });
    assert!(
        !sends_new_view_to(&actions, 3),
        "in view 1 already: {actions:?}"
    );
}

#[test]
fn a_stale_view_change_timer_is_ignored() {
    let mut backup = Replica::new(1, cfg(), keys(1));
    let request = request(1, 1);
    let arm = backup.handle(Input::Message {
        from: NodeId::Client(0),
        message: Message::Request(request),
    });
    let timer = arm
        .iter()
        .find_map(|a| match a {
            Action::SetTimer { timer, .. } if timer.kind == TimerKind::ViewChange => Some(*timer),
            _ => None,
        })
        .expect("waiting for a request arms the view-change timer");
    // A second request restarts nothing; an earlier generation is stale.
    let stale = Timer {
        generation: timer.generation - 1,
        ..timer
    };
    assert!(!sends_view_change(&backup.handle(Input::Timeout(stale))));
    assert_eq!(backup.view(), 0);
    // Another timer kind with the live generation does not trigger a view change either.
    let other = Timer {
        kind: TimerKind::Batch,
        ..timer
    };
    assert!(!sends_view_change(&backup.handle(Input::Timeout(other))));
    // The live one does.
    assert!(sends_view_change(&backup.handle(Input::Timeout(timer))));
    assert_eq!(backup.view(), 1);
    // Firing it again (a duplicate) does nothing more.
    assert!(!sends_view_change(&backup.handle(Input::Timeout(timer))));
    assert_eq!(backup.view(), 1);
}

/// Whether `actions` set the view-change timer.
fn sets_view_change_timer(actions: &[Action]) -> Option<Timer> {
    actions.iter().find_map(|a| match a {
        Action::SetTimer { timer, .. } if timer.kind == TimerKind::ViewChange => Some(*timer),
        _ => None,
    })
}

/// The split the explorer found (`liveness-cx1.ron`, `liveness-cx2.ron`), at n = 4: replica 2
/// asks for view 1 and holds VIEW-CHANGE(1) from replica 3 only (the faulty replica 1 is
/// silent towards it), while replica 0, back from a crash, joined view 2 straight away and
/// never sends VIEW-CHANGE(1). By the paper's letter replica 2 holds 2 < q = 3 for view 1, so
/// never starts its new-view timer, and 1 <= f asks for view 2, so it never joins: it waits in
/// view 1 for ever, and view 2 never gathers q. Three replicas changing to view 1 or beyond
/// are a quorum: the timer starts, and when it fires replica 2 moves to view 2 with the
/// others, and the view forms.
#[test]
fn a_replica_short_of_a_quorum_for_its_view_starts_its_timer_when_a_quorum_is_changing_to_it_or_beyond(
) {
    let mut backup = Replica::new(2, cfg(), keys(2));
    let deliver = |backup: &mut Replica, from: u32, view: View| {
        let vc = Arc::new(keys(from).sign(view_change(view, vec![])));
        backup.handle(Input::Message {
            from: NodeId::Replica(from),
            message: Message::ViewChange(vc),
        })
    };
    // Its request timer fires: VIEW-CHANGE(1).
    let waits = backup.handle(Input::Message {
        from: NodeId::Client(0),
        message: Message::Request(request(1, 1)),
    });
    let request_timer = sets_view_change_timer(&waits).expect("the request timer");
    assert!(sends_view_change(
        &backup.handle(Input::Timeout(request_timer))
    ));
    assert_eq!(backup.view(), 1);
    // Replica 3's VIEW-CHANGE(1): two of q = 3, as the paper has it: no timer yet.
    let actions = deliver(&mut backup, 3, 1);
    assert_eq!(sets_view_change_timer(&actions), None, "{actions:?}");
    // Replica 0 asks for view 2: one replica, not more than f, so no join; but three replicas
    // (2, 3 and 0) are changing to view 1 or beyond, so the new-view timer starts.
    let actions = deliver(&mut backup, 0, 2);
    assert_eq!(backup.view(), 1, "one replica above is no reason to join");
    let new_view_timer = sets_view_change_timer(&actions).expect("the new-view timer starts");
    assert!(
        actions.iter().any(|a| matches!(
            a,
            Action::SetTimer { timer, after_ns } if *timer == new_view_timer && *after_ns == 1_000
        )),
        "timeout T: {actions:?}"
    );
    // No NEW-VIEW came: the timer fires and replica 2 moves to view 2, where replica 0 is.
    let actions = backup.handle(Input::Timeout(new_view_timer));
    let sent_for_2 = actions.iter().any(
        |a| matches!(a, Action::Broadcast(Message::ViewChange(vc)) if vc.value().new_view == 2),
    );
    assert!(sent_for_2, "{actions:?}");
    assert_eq!(backup.view(), 2);
    // In view 2, of which it is the primary, it holds its own and replica 0's: replica 3
    // joining makes q, and replica 2 forms view 2 with a NEW-VIEW.
    let actions = deliver(&mut backup, 3, 2);
    let new_view_sent = actions
        .iter()
        .any(|a| matches!(a, Action::Broadcast(Message::NewView(nv)) if nv.value().view == 2));
    assert!(new_view_sent, "{actions:?}");
    assert_eq!(backup.mode(), pbft_sim::protocol::Mode::Normal);
    assert_eq!(backup.view(), 2);
}
