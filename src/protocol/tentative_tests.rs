//! Unit tests of tentative execution (`tentative.rs`): a replica replies once prepared, not
//! again on commit, and rolls back to the committed state when another batch commits where
//! it executed one tentatively.

use super::super::auth::{test_request, Keyring};
use super::super::message::{Batch, Message, NodeId, Reply};
use super::super::{Action, Input, ReplicaConfig};
use super::*;

/// n = 4, f = 1, one request per batch, tentative execution on.
fn cfg() -> ReplicaConfig {
    ReplicaConfig {
        n: 4,
        f: 1,
        view_change: true,
        view_change_timeout_ns: 200_000_000,
        checkpoint_interval: 4,
        watermark_span: 8,
        batch_size: 1,
        batch_timeout_ns: 1_000_000,
        max_in_flight: 8,
        status_period_ns: 50_000_000,
        tentative_execution: true,
        unreplicated: false,
        #[cfg(feature = "planted-bug")]
        planted_bug: None,
    }
}

fn replica(id: u32) -> Replica {
    Replica::new(id, cfg(), Keyring::for_test(id))
}

fn replies(actions: &[Action]) -> Vec<Reply> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                message: Message::Reply(reply),
                ..
            } => Some(*reply),
            _ => None,
        })
        .collect()
}

/// The messages `actions` broadcast.
fn broadcasts(actions: &[Action]) -> Vec<Message> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Broadcast(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn from(r: u32, message: Message) -> Input {
    Input::Message {
        from: NodeId::Replica(r),
        message,
    }
}

/// Replica 1 with `timestamp`'s request of client 0 pre-prepared by replica 0 at the next
/// sequence number and prepared by replica 2: returns what the prepare made replica 1 do.
fn prepare_at_backup(backup: &mut Replica, primary: &mut Replica, timestamp: u64) -> Vec<Action> {
    let request = test_request(0, timestamp, 100 + timestamp);
    let out = primary.handle(Input::Message {
        from: NodeId::Client(0),
        message: Message::Request(request),
    });
    let pp = broadcasts(&out)
        .into_iter()
        .find(|m| matches!(m, Message::PrePrepare(_)));
    let Some(pp) = pp else {
        panic!("no pre-prepare in {out:?}");
    };
    let mut other = replica(2);
    let _ = backup.handle(from(0, pp.clone()));
    let theirs = other.handle(from(0, pp));
    let prepare = broadcasts(&theirs)
        .into_iter()
        .find(|m| matches!(m, Message::Prepare(_)));
    let Some(prepare) = prepare else {
        panic!("no prepare in {theirs:?}");
    };
    backup.handle(from(2, prepare))
}

#[test]
fn a_prepared_batch_is_executed_tentatively_and_answered_at_once() {
    let (mut primary, mut backup) = (replica(0), replica(1));
    let out = prepare_at_backup(&mut backup, &mut primary, 1);
    assert_eq!(
        replies(&out),
        [Reply {
            view: 0,
            timestamp: 1,
            result: 1,
            tentative: true,
        }]
    );
    // Nothing committed: the committed state is the initial one; the tentative one ran it.
    assert_eq!((backup.last_executed(), backup.service.executed()), (0, 0));
    assert!(backup.tentative.is_some());
}

#[test]
fn another_batch_committed_in_its_place_rolls_the_state_back() {
    let (mut primary, mut backup) = (replica(0), replica(1));
    let _ = prepare_at_backup(&mut backup, &mut primary, 1);
    // As if a new view had ordered the null request at 1 and it committed.
    backup.log.slot_mut(1).committed = Some(Batch::null());
    backup.try_execute();
    assert!(backup.tentative.is_none(), "rolled back");
    assert_eq!((backup.last_executed(), backup.service.executed()), (1, 0));
    // The next request, at 2, is executed from the committed state: it is the first
    // operation there (it would be the second had the state not rolled back).
    let out = prepare_at_backup(&mut backup, &mut primary, 2);
    let got = replies(&out);
    assert_eq!(got.len(), 1, "{out:?}");
    assert_eq!((got[0].result, got[0].tentative), (1, true));
}

#[test]
fn the_same_batch_committed_is_not_answered_again() {
    let (mut primary, mut backup) = (replica(0), replica(1));
    let _ = prepare_at_backup(&mut backup, &mut primary, 1);
    let batch = backup
        .log
        .slot(1)
        .and_then(|s| s.prepared.as_ref())
        .map(|p| p.batch.clone());
    backup.log.slot_mut(1).committed = batch;
    backup.try_execute();
    assert!(replies(&backup.out).is_empty(), "{:?}", backup.out);
    assert!(backup.tentative.is_none(), "caught up: one state again");
    assert_eq!((backup.last_executed(), backup.service.executed()), (1, 1));
}
