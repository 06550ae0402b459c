//! The primary's ordering and batching (Castro & Liskov §4.2, TOCS'02 §5.1), and what a
//! behaviour reads of a replica, driven by hand through `Replica::handle`.

mod common;

use common::keys::{config, keys, request};

use pbft_sim::protocol::message::{Checkpoint, Digest, Message, NodeId};
use pbft_sim::protocol::{Action, Input, Mode, Replica, ReplicaConfig, Timer, TimerKind};

fn primary(batch_size: usize, max_in_flight: u64) -> Replica {
    let cfg = ReplicaConfig {
        batch_size,
        batch_timeout_ns: 5_000,
        max_in_flight,
        ..config()
    };
    Replica::new(0, cfg, keys(0))
}

fn from_client(timestamp: u64) -> Input {
    Input::Message {
        from: NodeId::Client(0),
        message: Message::Request(request(timestamp, timestamp)),
    }
}

/// The pre-prepares among `actions`: (sequence number, timestamps of the batch's requests).
fn proposals(actions: &[Action]) -> Vec<(u64, Vec<u64>)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Broadcast(Message::PrePrepare(pp)) => Some((
                pp.vote().seq,
                pp.batch.requests().iter().map(|r| r.timestamp()).collect(),
            )),
            _ => None,
        })
        .collect()
}

/// The batch timers set among `actions`.
fn batch_timers(actions: &[Action]) -> Vec<Timer> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::SetTimer { timer, after_ns } if timer.kind == TimerKind::Batch => {
                assert_eq!(*after_ns, 5_000, "the batch timeout");
                Some(*timer)
            }
            _ => None,
        })
        .collect()
}

/// A partial batch waits for the batch timer; a full one goes out at once, and the timer set
/// for the partial one is then stale; a timer that fires sends the partial batch; a request
/// assigned already is not assigned again.
#[test]
fn a_partial_batch_waits_for_the_timer_and_a_full_one_does_not() {
    let mut p = primary(2, 20);
    let first = p.handle(from_client(1));
    assert!(proposals(&first).is_empty());
    let timers = batch_timers(&first);
    assert_eq!(timers.len(), 1, "{first:?}");
    let full = p.handle(from_client(2));
    assert_eq!(proposals(&full), [(1, vec![1, 2])]);
    assert!(batch_timers(&full).is_empty());
    let stale = p.handle(Input::Timeout(timers[0]));
    assert!(
        proposals(&stale).is_empty(),
        "the batch went out: the timer is stale"
    );
    let third = p.handle(from_client(3));
    let timers = batch_timers(&third);
    assert!(proposals(&third).is_empty());
    assert_eq!(timers.len(), 1);
    let fired = p.handle(Input::Timeout(timers[0]));
    assert_eq!(proposals(&fired), [(2, vec![3])]);
    // The client retransmits: the primary resends its pre-prepare (TOCS'02 §5.2) and assigns
    // no new sequence number, as the next request shows.
    let again = p.handle(from_client(3));
    assert_eq!(proposals(&again), [(2, vec![3])]);
    let fourth = p.handle(from_client(4));
    let timers = batch_timers(&fourth);
    let fired = p.handle(Input::Timeout(timers[0]));
    assert_eq!(proposals(&fired), [(3, vec![4])]);
}

/// The primary assigns at most `max_in_flight` sequence numbers above the last executed one
/// (nothing executes here: no backup votes).
#[test]
fn the_in_flight_limit_holds_requests_back() {
    let mut p = primary(1, 2);
    let sent: Vec<_> = (1..=4)
        .flat_map(|t| proposals(&p.handle(from_client(t))))
        .collect();
    assert_eq!(sent, [(1, vec![1]), (2, vec![2])]);
    assert_eq!((p.last_executed(), p.mode()), (0, Mode::Normal));
}

/// What a behaviour reads: the watermarks and the stable checkpoint move when q CHECKPOINTs
/// agree (§4.3), and the replica then fetches the state it has not executed to.
#[test]
fn the_watermarks_a_behaviour_sees_follow_the_stable_checkpoint() {
    let mut p = primary(1, 20);
    assert!(p.is_primary() && p.id() == 0 && p.view() == 0);
    assert_eq!((p.low_watermark(), p.high_watermark()), (0, 20));
    let cp = Checkpoint {
        seq: 10,
        state: Digest([7; 16]),
    };
    let mut last = Vec::new();
    for r in 1..=3 {
        last = p.handle(Input::Message {
            from: NodeId::Replica(r),
            message: Message::Checkpoint(keys(r).sign(cp)),
        });
    }
    assert_eq!((p.low_watermark(), p.high_watermark()), (10, 30));
    let stable = p.stable_checkpoint();
    assert_eq!(
        (stable.seq, stable.state, stable.proof.len()),
        (10, cp.state, 3)
    );
    let fetch = last.iter().find_map(|a| match a {
        Action::Send {
            to: NodeId::Replica(r),
            message: Message::FetchState { seq },
        } => Some((*r, *seq)),
        _ => None,
    });
    assert_eq!(fetch, Some((1, 10)), "asks the first signer: {last:?}");
}
