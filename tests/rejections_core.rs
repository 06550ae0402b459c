//! Typed rejections (Castro & Liskov §4.2-4.4 say when a replica accepts a message; every other
//! input is refused and says why), and the facts a replica reports for the trace, driven by
//! hand through `Replica::handle`: each refused input gives exactly one
//! `Observation::Rejected` with the first reason that refuses it; an accepted input gives none.

mod common;

use std::sync::Arc;

use common::keys::{config, keys, request};

use pbft_sim::protocol::message::{
    Batch, Checkpoint, Digest, Message, NewView, NodeId, PrePrepare, Reply, SeqNum, Snapshot,
    StatusReport, View, ViewChange, Vote,
};
use pbft_sim::protocol::service::ServiceState;
use pbft_sim::protocol::{
    trial_keys, Action, Input, Keyring, Mode, Observation, Rejection, Replica, ReplicaConfig,
    Timer, TimerKind, VoteKind,
};

/// Replica `id` of the n = 4 trial, in view 0 (replica 0 is its primary).
fn replica(id: u32) -> Replica {
    Replica::new(id, config(), keys(id))
}

/// Replica `id` of another trial: its signatures verify nowhere here.
fn foreign(id: u32) -> Keyring {
    trial_keys(4, 1).0[id as usize].clone()
}

fn batch(timestamp: u64) -> Arc<Batch> {
    Batch::new(vec![request(timestamp, timestamp)])
}

fn vote(view: View, seq: SeqNum, batch: &Batch) -> Vote {
    Vote {
        view,
        seq,
        digest: batch.digest(),
    }
}

/// A pre-prepare of `batch` at (view, seq) signed by `signer` as a `kind` vote.
fn pre_prepare(signer: &Keyring, kind: VoteKind, vote: Vote, batch: &Arc<Batch>) -> Message {
    Message::PrePrepare(PrePrepare {
        signed: signer.sign((kind, vote)),
        batch: batch.clone(),
    })
}

/// The primary's (replica 0's) pre-prepare of `batch` at (0, seq).
fn primary_pp(seq: SeqNum, b: &Arc<Batch>) -> Message {
    pre_prepare(&keys(0), VoteKind::PrePrepare, vote(0, seq, b), b)
}

fn prepare(signer: &Keyring, vote: Vote) -> Message {
    Message::Prepare(signer.sign((VoteKind::Prepare, vote)))
}

fn commit(signer: &Keyring, vote: Vote) -> Message {
    Message::Commit(signer.sign((VoteKind::Commit, vote)))
}

fn from(r: u32, message: Message) -> Input {
    Input::Message {
        from: NodeId::Replica(r),
        message,
    }
}

fn from_client(message: Message) -> Input {
    Input::Message {
        from: NodeId::Client(0),
        message,
    }
}

/// No rejection.
const NONE: [Rejection; 0] = [];

fn rejections(actions: &[Action]) -> Vec<Rejection> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Observe(Observation::Rejected(reason)) => Some(*reason),
            _ => None,
        })
        .collect()
}

/// Feeds `inputs` that must all be taken (no rejection), and returns the replica.
fn taking(mut r: Replica, inputs: Vec<Input>) -> Replica {
    for (i, input) in inputs.into_iter().enumerate() {
        let described = format!("{input:?}");
        let out = r.handle(input);
        assert_eq!(rejections(&out), NONE, "setup input {i} taken: {described}");
    }
    r
}

/// Backup 1 that executed seq 1 (client 0's request with timestamp 2).
fn executed_backup() -> Replica {
    let b = batch(2);
    let v = vote(0, 1, &b);
    let r = taking(
        replica(1),
        vec![
            from(0, primary_pp(1, &b)),
            from(2, prepare(&keys(2), v)),
            from(0, commit(&keys(0), v)),
            from(2, commit(&keys(2), v)),
        ],
    );
    assert_eq!(r.last_executed(), 1);
    r
}

/// Backup `id` after its view-change timer fired: changing to view 1.
fn view_changing(id: u32) -> Replica {
    let mut r = replica(id);
    let out = r.handle(from_client(Message::Request(request(1, 1))));
    let timer = out
        .iter()
        .find_map(|a| match a {
            Action::SetTimer { timer, .. } if timer.kind == TimerKind::ViewChange => Some(*timer),
            _ => None,
        })
        .expect("a backup waits for the request with the view-change timer");
    let r = taking(r, vec![Input::Timeout(timer)]);
    assert_eq!((r.view(), r.mode()), (1, Mode::ViewChanging));
    r
}

/// Replica `signer`'s VIEW-CHANGE to `new_view` from the initial state, nothing prepared.
fn view_change(signer: &Keyring, new_view: View, state: Digest) -> Message {
    Message::ViewChange(Arc::new(signer.sign(ViewChange {
        new_view,
        stable_seq: 0,
        stable_state: state,
        checkpoint_proof: Vec::new(),
        prepared: Vec::new(),
    })))
}

fn new_view(signer: &Keyring, view: View) -> Message {
    Message::NewView(Arc::new(signer.sign(NewView {
        view,
        view_changes: Vec::new(),
        pre_prepares: Vec::new(),
    })))
}

fn certificate(b: &Arc<Batch>, v: Vote, signers: &[u32]) -> Message {
    Message::CommitCertificate {
        batch: b.clone(),
        commits: signers
            .iter()
            .map(|&s| keys(s).sign((VoteKind::Commit, v)))
            .collect(),
    }
}

/// Backup 3 told by q CHECKPOINTs that seq 10 is stable with `state`: fetching that state.
fn transferring(state: Digest) -> Replica {
    let cp = Checkpoint { seq: 10, state };
    let inputs = (0..3)
        .map(|s| from(s, Message::Checkpoint(keys(s).sign(cp))))
        .collect();
    let r = taking(replica(3), inputs);
    assert_eq!(r.low_watermark(), 10);
    r
}

fn no_view_change() -> ReplicaConfig {
    ReplicaConfig {
        view_change: false,
        ..config()
    }
}

/// One row: what it is, the replica in its state, the input, and the reason it must give.
type Row = (&'static str, Replica, Input, Rejection);

fn rows() -> Vec<Row> {
    use Rejection::*;
    let b = batch(1);
    let other = batch(9);
    let v = vote(0, 1, &b);
    let foreign_batch = Batch::new(vec![trial_keys(4, 1).1[0].request(1, 1)]);
    let initial = ServiceState::initial_digest();
    let mut changed = ServiceState::default();
    changed.execute(&request(1, 1));
    let changed = changed.digest();
    let timer = |kind, generation| Input::Timeout(Timer { kind, generation });
    vec![
        // Dispatch and timers.
        (
            "a client's prepare",
            replica(1),
            from_client(prepare(&keys(2), v)),
            Unexpected,
        ),
        (
            "a replica's reply",
            replica(1),
            from(
                2,
                Message::Reply(Reply {
                    view: 0,
                    timestamp: 1,
                    result: 1,
                    tentative: false,
                }),
            ),
            Unexpected,
        ),
        (
            "a timer never set",
            replica(1),
            timer(TimerKind::Batch, 5),
            StaleTimer,
        ),
        (
            "a client's timer",
            replica(1),
            timer(TimerKind::Retransmit, 1),
            Unexpected,
        ),
        // Requests (§4.1).
        (
            "a request of another trial's client",
            replica(0),
            from_client(Message::Request(trial_keys(4, 1).1[0].request(1, 1))),
            BadAuthentication,
        ),
        (
            "a request older than the last executed",
            executed_backup(),
            from_client(Message::Request(request(1, 1))),
            StaleTimestamp,
        ),
        (
            "a request the primary assigned already",
            taking(
                replica(0),
                vec![from_client(Message::Request(request(1, 1)))],
            ),
            from_client(Message::Request(request(1, 1))),
            Duplicate,
        ),
        (
            "a request relayed to a backup",
            replica(1),
            from(2, Message::Request(request(1, 1))),
            Unexpected,
        ),
        (
            "a request relayed while changing views",
            view_changing(2),
            from(3, Message::Request(request(1, 1))),
            ViewChanging,
        ),
        // Pre-prepares (§4.2).
        (
            "a pre-prepare signed by another",
            replica(1),
            from(2, primary_pp(1, &b)),
            WrongSigner,
        ),
        (
            "a prepare presented as a pre-prepare",
            replica(1),
            from(0, pre_prepare(&keys(0), VoteKind::Prepare, v, &b)),
            WrongVoteKind,
        ),
        (
            "a pre-prepare signed in another trial",
            replica(1),
            from(0, pre_prepare(&foreign(0), VoteKind::PrePrepare, v, &b)),
            BadAuthentication,
        ),
        (
            "a pre-prepare whose digest is another batch's",
            replica(1),
            from(0, pre_prepare(&keys(0), VoteKind::PrePrepare, v, &other)),
            DigestMismatch,
        ),
        (
            "a pre-prepare from a backup",
            replica(1),
            from(2, pre_prepare(&keys(2), VoteKind::PrePrepare, v, &b)),
            NotPrimary,
        ),
        (
            "its own pre-prepare",
            replica(0),
            from(0, primary_pp(1, &b)),
            Unexpected,
        ),
        (
            "a pre-prepare of another trial's request",
            replica(1),
            from(0, primary_pp(1, &foreign_batch)),
            BadAuthentication,
        ),
        (
            "a pre-prepare of an old view",
            view_changing(2),
            from(0, primary_pp(1, &b)),
            OldView,
        ),
        (
            "a pre-prepare above the high watermark",
            replica(1),
            from(0, primary_pp(21, &b)),
            OutsideWatermarks,
        ),
        (
            "the same pre-prepare again",
            taking(replica(1), vec![from(0, primary_pp(1, &b))]),
            from(0, primary_pp(1, &b)),
            Duplicate,
        ),
        (
            "another pre-prepare for (v, n)",
            taking(replica(1), vec![from(0, primary_pp(1, &b))]),
            from(0, primary_pp(1, &other)),
            ConflictingPrePrepare,
        ),
        // Prepares (§4.2).
        (
            "a prepare signed by another",
            replica(1),
            from(3, prepare(&keys(2), v)),
            WrongSigner,
        ),
        (
            "a commit presented as a prepare",
            replica(1),
            from(2, Message::Prepare(keys(2).sign((VoteKind::Commit, v)))),
            WrongVoteKind,
        ),
        (
            "the primary's prepare",
            replica(1),
            from(0, prepare(&keys(0), v)),
            FromPrimary,
        ),
        (
            "a prepare of an old view",
            view_changing(1),
            from(2, prepare(&keys(2), v)),
            OldView,
        ),
        (
            "a prepare above the high watermark",
            replica(1),
            from(2, prepare(&keys(2), vote(0, 21, &b))),
            OutsideWatermarks,
        ),
        (
            "a prepare signed in another trial",
            replica(1),
            from(2, prepare(&foreign(2), v)),
            BadAuthentication,
        ),
        (
            "a second prepare for another digest",
            taking(replica(1), vec![from(2, prepare(&keys(2), v))]),
            from(2, prepare(&keys(2), vote(0, 1, &other))),
            Equivocation,
        ),
        // Commits (§4.2).
        (
            "a commit signed by another",
            replica(1),
            from(3, commit(&keys(2), v)),
            WrongSigner,
        ),
        (
            "a prepare presented as a commit",
            replica(1),
            from(2, Message::Commit(keys(2).sign((VoteKind::Prepare, v)))),
            WrongVoteKind,
        ),
        (
            "a commit above the high watermark",
            replica(1),
            from(2, commit(&keys(2), vote(0, 21, &b))),
            OutsideWatermarks,
        ),
        (
            "a late commit",
            executed_backup(),
            from(3, commit(&keys(3), vote(0, 1, &batch(2)))),
            AlreadyExecuted,
        ),
        (
            "a commit signed in another trial",
            replica(1),
            from(2, commit(&foreign(2), v)),
            BadAuthentication,
        ),
        (
            "a second commit for another digest",
            taking(replica(1), vec![from(2, commit(&keys(2), v))]),
            from(2, commit(&keys(2), vote(0, 1, &other))),
            Equivocation,
        ),
        // Commit certificates and fetched batches (catching up).
        (
            "an empty commit certificate",
            replica(1),
            from(
                2,
                Message::CommitCertificate {
                    batch: b.clone(),
                    commits: Vec::new(),
                },
            ),
            InvalidCertificate,
        ),
        (
            "a certificate for another batch",
            replica(1),
            from(2, certificate(&other, v, &[0, 2, 3])),
            DigestMismatch,
        ),
        (
            "a certificate of another trial's request",
            replica(1),
            from(
                2,
                certificate(&foreign_batch, vote(0, 1, &foreign_batch), &[0, 2, 3]),
            ),
            BadAuthentication,
        ),
        (
            "a certificate above the high watermark",
            replica(1),
            from(2, certificate(&b, vote(0, 21, &b), &[0, 2, 3])),
            OutsideWatermarks,
        ),
        (
            "a certificate for an executed slot",
            executed_backup(),
            from(2, certificate(&batch(2), vote(0, 1, &batch(2)), &[0, 2, 3])),
            AlreadyExecuted,
        ),
        (
            "a certificate for a slot committed already",
            taking(
                replica(1),
                vec![from(2, certificate(&b, vote(0, 2, &b), &[0, 2, 3]))],
            ),
            from(3, certificate(&b, vote(0, 2, &b), &[0, 2, 3])),
            Duplicate,
        ),
        (
            "a certificate short of a quorum",
            replica(1),
            from(2, certificate(&b, v, &[0, 2])),
            InvalidCertificate,
        ),
        (
            "a batch for a slot it does not hold",
            replica(1),
            from(
                2,
                Message::Batch {
                    seq: 1,
                    batch: b.clone(),
                },
            ),
            Unrequested,
        ),
        (
            "a batch for a slot not certified",
            taking(replica(1), vec![from(0, primary_pp(1, &b))]),
            from(
                2,
                Message::Batch {
                    seq: 1,
                    batch: b.clone(),
                },
            ),
            Unrequested,
        ),
        (
            "a batch for a slot committed already",
            executed_backup(),
            from(
                2,
                Message::Batch {
                    seq: 1,
                    batch: batch(2),
                },
            ),
            Duplicate,
        ),
        (
            "a certified batch of another trial's request",
            taking(
                replica(1),
                vec![
                    from(0, commit(&keys(0), v)),
                    from(2, commit(&keys(2), v)),
                    from(3, commit(&keys(3), v)),
                ],
            ),
            from(
                2,
                Message::Batch {
                    seq: 1,
                    batch: Batch::new(vec![trial_keys(4, 1).1[0].request(1, 1)]),
                },
            ),
            BadAuthentication,
        ),
        (
            "a fetch of a batch it does not hold",
            replica(1),
            from(
                2,
                Message::FetchBatch {
                    seq: 1,
                    digest: b.digest(),
                },
            ),
            NotHeld,
        ),
        // Checkpoints and state transfer (§4.3).
        (
            "a checkpoint signed in another trial",
            replica(1),
            from(
                2,
                Message::Checkpoint(foreign(2).sign(Checkpoint {
                    seq: 10,
                    state: initial,
                })),
            ),
            BadAuthentication,
        ),
        (
            "a checkpoint at h for another state",
            replica(1),
            from(
                2,
                Message::Checkpoint(keys(2).sign(Checkpoint {
                    seq: 0,
                    state: changed,
                })),
            ),
            OutsideWatermarks,
        ),
        (
            "a fetch of a state it does not hold",
            replica(1),
            from(2, Message::FetchState { seq: 10 }),
            NotHeld,
        ),
        (
            "a state nobody asked for",
            replica(1),
            from(
                2,
                Message::State(Arc::new(Snapshot {
                    seq: 10,
                    service: ServiceState::default(),
                })),
            ),
            Unrequested,
        ),
        (
            "a state for another checkpoint",
            transferring(initial),
            from(
                0,
                Message::State(Arc::new(Snapshot {
                    seq: 5,
                    service: ServiceState::default(),
                })),
            ),
            Unrequested,
        ),
        (
            "a state that does not match the certified digest",
            transferring(changed),
            from(
                0,
                Message::State(Arc::new(Snapshot {
                    seq: 10,
                    service: ServiceState::default(),
                })),
            ),
            DigestMismatch,
        ),
        // View change (§4.4).
        (
            "a view-change signed by another",
            replica(1),
            from(3, view_change(&keys(2), 1, initial)),
            WrongSigner,
        ),
        (
            "a view-change signed in another trial",
            replica(1),
            from(2, view_change(&foreign(2), 1, initial)),
            BadAuthentication,
        ),
        (
            "a view-change for the view it is in",
            replica(1),
            from(2, view_change(&keys(2), 0, initial)),
            OldView,
        ),
        (
            "the same view-change again",
            taking(replica(1), vec![from(2, view_change(&keys(2), 1, initial))]),
            from(2, view_change(&keys(2), 1, initial)),
            Duplicate,
        ),
        (
            "a view-change whose checkpoint is not the initial state",
            replica(1),
            from(2, view_change(&keys(2), 1, changed)),
            InvalidCertificate,
        ),
        (
            "a view-change with view change off",
            Replica::new(1, no_view_change(), keys(1)),
            from(2, view_change(&keys(2), 1, initial)),
            Unexpected,
        ),
        (
            "a new-view with view change off",
            Replica::new(2, no_view_change(), keys(2)),
            from(1, new_view(&keys(1), 1)),
            Unexpected,
        ),
        (
            "a new-view for the view it is in",
            replica(2),
            from(0, new_view(&keys(0), 0)),
            OldView,
        ),
        (
            "a new-view from a backup of its view",
            replica(2),
            from(3, new_view(&keys(3), 1)),
            NotPrimary,
        ),
        (
            "a new-view signed in another trial",
            replica(2),
            from(1, new_view(&foreign(1), 1)),
            BadAuthentication,
        ),
        (
            "a new-view without q view-changes",
            replica(2),
            from(1, new_view(&keys(1), 1)),
            InvalidCertificate,
        ),
        (
            "its own status",
            replica(1),
            from(1, Message::Status(Arc::new(StatusReport::default()))),
            Unexpected,
        ),
    ]
}

/// Every row's input is refused with exactly its reason, once.
#[test]
fn each_refused_input_says_why_once() {
    let mut failures = Vec::new();
    for (what, mut replica, input, want) in rows() {
        let got = rejections(&replica.handle(input));
        if got != [want] {
            failures.push(format!("{what}: want [{want:?}], got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Not explaining (no trace written), a replica sets each row's rejection aside instead of
/// returning it: no `Rejected` action, the same reason from `take_rejection` (once: it is
/// taken out), and otherwise the same actions as when explaining, but for the facts only a
/// trace reads.
#[test]
fn not_explaining_the_rejection_is_set_aside_not_returned() {
    let trace_only = |a: &Action| {
        matches!(
            a,
            Action::Observe(
                Observation::Rejected(_)
                    | Observation::PrePrepared { .. }
                    | Observation::Prepared { .. }
                    | Observation::CheckpointStable { .. }
                    | Observation::TimerCancelled { .. }
            )
        )
    };
    let mut failures = Vec::new();
    for ((what, mut explaining, input, want), (_, mut quiet, quiet_input, _)) in
        rows().into_iter().zip(rows())
    {
        quiet.set_explaining(false);
        let told = explaining.handle(input);
        let out = quiet.handle(quiet_input);
        let kept: Vec<String> = told
            .iter()
            .filter(|a| !trace_only(a))
            .map(|a| format!("{a:?}"))
            .collect();
        let quiet_actions: Vec<String> = out.iter().map(|a| format!("{a:?}")).collect();
        let aside = quiet.take_rejection();
        if !rejections(&out).is_empty() || aside != Some(want) || quiet.take_rejection().is_some() {
            failures.push(format!(
                "{what}: want {want:?} aside once, got {aside:?}, {out:?}"
            ));
        }
        if kept != quiet_actions {
            failures.push(format!(
                "{what}: other actions differ: {kept:?} vs {quiet_actions:?}"
            ));
        }
        if explaining.take_rejection().is_some() {
            failures.push(format!(
                "{what}: explaining, the rejection was set aside too"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An input taken leaves nothing aside.
#[test]
fn not_explaining_an_accepted_input_sets_nothing_aside() {
    let mut r = replica(1);
    r.set_explaining(false);
    let b = batch(1);
    let out = r.handle(from(0, primary_pp(1, &b)));
    assert!(
        out.iter()
            .any(|a| matches!(a, Action::Broadcast(Message::Prepare(_)))),
        "the backup prepares: {out:?}"
    );
    assert_eq!(r.take_rejection(), None);
}

/// The table covers every reason a replica gives, and no reason is left untested but those a
/// client gives (`client.rs`'s tests) and `BufferFull` (below).
#[test]
fn the_table_covers_every_replica_reason() {
    use std::collections::BTreeSet;
    let covered: BTreeSet<Rejection> = rows().into_iter().map(|(_, _, _, r)| r).collect();
    let elsewhere = [Rejection::StaleReply, Rejection::BufferFull];
    for reason in Rejection::ALL {
        assert!(
            covered.contains(&reason) || elsewhere.contains(&reason),
            "{reason:?} untested"
        );
    }
}

/// A backup buffers the pre-prepares of a view it has not entered (not a refusal) up to the
/// watermark span, and refuses the next.
#[test]
fn a_full_buffer_of_future_pre_prepares_refuses_the_next() {
    let mut r = replica(2);
    let span = config().watermark_span;
    for seq in 1..=span {
        let b = batch(seq);
        let pp = pre_prepare(&keys(1), VoteKind::PrePrepare, vote(1, seq, &b), &b);
        assert_eq!(rejections(&r.handle(from(1, pp))), NONE, "buffered {seq}");
    }
    let b = batch(99);
    let pp = pre_prepare(&keys(1), VoteKind::PrePrepare, vote(1, 1, &b), &b);
    assert_eq!(rejections(&r.handle(from(1, pp))), [Rejection::BufferFull]);
}

/// The normal case of one request at a backup (pre-prepare, prepare, commits, execution) and
/// at the primary reports what the trace shows, and refuses nothing.
#[test]
fn the_normal_case_reports_pre_prepared_prepared_and_committed() {
    let b = batch(2);
    let v = vote(0, 1, &b);
    let mut backup = replica(1);
    let facts = |actions: &[Action]| -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Observe(Observation::PrePrepared { view, seq, digest }) => {
                    Some(format!("pre-prepared {view} {seq} {}", digest.short()))
                }
                Action::Observe(Observation::Prepared { view, seq, digest }) => {
                    Some(format!("prepared {view} {seq} {}", digest.short()))
                }
                Action::Observe(Observation::Committed { seq, .. }) => {
                    Some(format!("committed {seq}"))
                }
                Action::Observe(Observation::Rejected(reason)) => Some(format!("{reason:?}")),
                _ => None,
            })
            .collect()
    };
    let d = b.digest().short();
    assert_eq!(
        facts(&backup.handle(from(0, primary_pp(1, &b)))),
        [format!("pre-prepared 0 1 {d}")]
    );
    assert_eq!(
        facts(&backup.handle(from(2, prepare(&keys(2), v)))),
        [format!("prepared 0 1 {d}")]
    );
    assert_eq!(
        facts(&backup.handle(from(0, commit(&keys(0), v)))),
        [] as [String; 0]
    );
    assert_eq!(
        facts(&backup.handle(from(2, commit(&keys(2), v)))),
        ["committed 1"]
    );
    let mut primary = replica(0);
    let out = primary.handle(from_client(Message::Request(request(2, 2))));
    assert_eq!(facts(&out), [format!("pre-prepared 0 1 {d}")]);
}

/// A checkpoint that becomes stable is reported once, and a timer that is disarmed while armed
/// is reported cancelled (the batch timer, when its partial batch went out full).
#[test]
fn stable_checkpoints_and_cancelled_timers_are_reported() {
    let stable = |actions: &[Action]| -> Vec<SeqNum> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Observe(Observation::CheckpointStable { seq }) => Some(*seq),
                _ => None,
            })
            .collect()
    };
    let mut r = replica(3);
    let cp = Checkpoint {
        seq: 10,
        state: ServiceState::initial_digest(),
    };
    assert_eq!(
        stable(&r.handle(from(0, Message::Checkpoint(keys(0).sign(cp))))),
        Vec::<SeqNum>::new()
    );
    assert_eq!(
        stable(&r.handle(from(1, Message::Checkpoint(keys(1).sign(cp))))),
        Vec::<SeqNum>::new()
    );
    assert_eq!(
        stable(&r.handle(from(2, Message::Checkpoint(keys(2).sign(cp))))),
        [10]
    );
    assert_eq!(
        stable(&r.handle(from(3, Message::Checkpoint(keys(3).sign(cp))))),
        Vec::<SeqNum>::new()
    );

    let cancelled = |actions: &[Action]| -> Vec<TimerKind> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Observe(Observation::TimerCancelled { kind }) => Some(*kind),
                _ => None,
            })
            .collect()
    };
    let cfg = ReplicaConfig {
        batch_size: 2,
        batch_timeout_ns: 5_000,
        ..config()
    };
    let mut primary = Replica::new(0, cfg, keys(0));
    let first = primary.handle(from_client(Message::Request(request(1, 1))));
    assert!(
        first
            .iter()
            .any(|a| matches!(a, Action::SetTimer { timer, .. } if timer.kind == TimerKind::Batch)),
        "a partial batch waits: {first:?}"
    );
    assert!(cancelled(&first).is_empty());
    let full = primary.handle(from_client(Message::Request(request(2, 2))));
    assert!(cancelled(&full).contains(&TimerKind::Batch), "{full:?}");
}
