//! Catching up (TOCS'02 §5.2): what a replica sends a peer whose STATUS shows it behind.

mod common;

use common::keys::{config, keys, request};

use std::sync::Arc;

use pbft_sim::protocol::message::{Batch, Message, NodeId, StatusReport, Vote};
use pbft_sim::protocol::{Action, Input, Replica, VoteKind};

fn replica(id: u32) -> Replica {
    Replica::new(id, config(), keys(id))
}

fn from(r: u32, message: Message) -> Input {
    Input::Message {
        from: NodeId::Replica(r),
        message,
    }
}

/// A replica that learnt of a commit from a certificate (say, its own copy of one commit was
/// lost, and the replica that signed it never speaks to the peer) can prove it in turn: it
/// keeps the certificate's commits and hands them on to a peer that asks.
#[test]
fn a_commit_learnt_from_a_certificate_is_passed_on() {
    let batch = Batch::new(vec![request(1, 1)]);
    let vote = Vote {
        view: 0,
        seq: 1,
        digest: batch.digest(),
    };
    let commits: Vec<_> = [1u32, 2, 3]
        .iter()
        .map(|&r| keys(r).sign((VoteKind::Commit, vote)))
        .collect();
    let mut r0 = replica(0);
    let learnt = r0.handle(from(
        1,
        Message::CommitCertificate {
            batch: batch.clone(),
            commits,
        },
    ));
    assert!(
        learnt.iter().any(|a| matches!(
            a,
            Action::Send {
                to: NodeId::Client(0),
                message: Message::Reply(_)
            }
        )),
        "the certified batch is executed: {learnt:?}"
    );
    let behind = StatusReport {
        view: 0,
        normal: true,
        last_executed: 0,
        stable: 0,
        slots: Vec::new(),
        view_changes: Vec::new(),
    };
    let answer = r0.handle(from(3, Message::Status(Arc::new(behind))));
    let certificate = answer.iter().find_map(|a| match a {
        Action::Send {
            to: NodeId::Replica(3),
            message: Message::CommitCertificate { batch: b, commits },
        } => Some((b.digest(), commits.len())),
        _ => None,
    });
    assert_eq!(certificate, Some((batch.digest(), 3)), "{answer:?}");
}
