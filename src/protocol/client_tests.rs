//! Unit tests of the client (`client.rs`), driven with scripted replies and timers: its
//! acceptance rules, retransmission, what it refuses, and its workloads (think time, open
//! loop, read-only requests and their fallback, tentative replies, payload shapes).

use std::sync::Arc;

use super::client::{is_read_only, read_only_among, Client, ClientConfig, ClientWorkload};
use super::message::{Message, NodeId, ReplicaId, Reply, Request};
use super::rejection::Rejection;
use super::{Action, Input, Observation, Timer, TimerKind};

fn client_with(requests: u64, n: u32, f: u32, workload: ClientWorkload) -> Client {
    let (_, keys) = super::auth::trial_keys(n, 4);
    Client::new(
        keys[3].clone(),
        ClientConfig {
            n,
            f,
            requests,
            retransmit_ns: 1_000,
            workload,
        },
    )
}

fn client(requests: u64) -> Client {
    client_with(requests, 4, 1, ClientWorkload::default())
}

fn reply_of(
    c: &mut Client,
    from: ReplicaId,
    timestamp: u64,
    result: u64,
    tentative: bool,
) -> Vec<Action> {
    c.handle(Input::Message {
        from: NodeId::Replica(from),
        message: Message::Reply(Reply {
            view: 0,
            timestamp,
            result,
            tentative,
        }),
    })
}

fn reply(c: &mut Client, from: ReplicaId, timestamp: u64, result: u64) -> Vec<Action> {
    reply_of(c, from, timestamp, result, false)
}

fn accepted(actions: &[Action]) -> Option<u64> {
    actions.iter().find_map(|a| match a {
        Action::Observe(Observation::Accepted { result, .. }) => Some(*result),
        _ => None,
    })
}

fn issued(actions: &[Action]) -> Vec<Request> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Observe(Observation::RequestIssued { request }) => Some(*request),
            _ => None,
        })
        .collect()
}

/// The requests sent: (to the primary `Some(id)` or to all `None`, the request).
fn sent(actions: &[Action]) -> Vec<(Option<ReplicaId>, Request)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                to: NodeId::Replica(r),
                message: Message::Request(q),
            } => Some((Some(*r), *q)),
            Action::Broadcast(Message::Request(q)) => Some((None, *q)),
            _ => None,
        })
        .collect()
}

/// The timers set: (kind, generation, after_ns).
fn timers(actions: &[Action]) -> Vec<(TimerKind, u64, u64)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::SetTimer { timer, after_ns } => Some((timer.kind, timer.generation, *after_ns)),
            _ => None,
        })
        .collect()
}

fn rejections(actions: &[Action]) -> Vec<Rejection> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Observe(Observation::Rejected(reason)) => Some(*reason),
            _ => None,
        })
        .collect()
}

fn fire(c: &mut Client, kind: TimerKind, generation: u64) -> Vec<Action> {
    c.handle(Input::Timeout(Timer { kind, generation }))
}

/// Replies `result` to request `timestamp` from replicas 0..count.
fn replies(c: &mut Client, count: u32, timestamp: u64, result: u64) -> Vec<Action> {
    (0..count)
        .flat_map(|r| reply(c, r, timestamp, result))
        .collect()
}

#[test]
fn accepts_f_plus_one_matching_replies_only() {
    let mut c = client(2);
    let start = c.handle(Input::Start);
    assert!(start.iter().any(|a| matches!(
        a,
        Action::Send {
            to: NodeId::Replica(0),
            ..
        }
    )));
    assert_eq!(accepted(&reply(&mut c, 1, 1, 10)), None);
    assert_eq!(
        accepted(&reply(&mut c, 1, 1, 10)),
        None,
        "same replica twice"
    );
    assert_eq!(accepted(&reply(&mut c, 2, 1, 99)), None, "mismatch");
    assert_eq!(accepted(&reply(&mut c, 3, 1, 10)), Some(10));
    assert_eq!(c.accepted(), 1);
    assert_eq!(
        accepted(&reply(&mut c, 0, 1, 10)),
        None,
        "late reply ignored"
    );
}

/// The closed loop without think time does what it always did: at start and on each result,
/// observe the request, send it to the primary, set the retransmission timer, in that order.
#[test]
fn the_default_closed_loop_issues_the_next_request_at_once() {
    let mut c = client(2);
    let start = c.handle(Input::Start);
    assert!(matches!(
        &start[..],
        [
            Action::Observe(Observation::RequestIssued { .. }),
            Action::Send { .. },
            Action::SetTimer { .. }
        ]
    ));
    let done = replies(&mut c, 2, 1, 10);
    assert_eq!(issued(&done).len(), 1);
    assert_eq!(timers(&done), [(TimerKind::Retransmit, 2, 1_000)]);
    assert_eq!(issued(&done)[0].shape(), Default::default());
}

#[test]
fn retransmits_by_broadcast_and_ignores_stale_timers() {
    let mut c = client(1);
    c.handle(Input::Start);
    let stale = Timer {
        kind: TimerKind::Retransmit,
        generation: 0,
    };
    assert!(matches!(
        &c.handle(Input::Timeout(stale))[..],
        [Action::Observe(Observation::Rejected(
            Rejection::StaleTimer
        ))]
    ));
    let out = fire(&mut c, TimerKind::Retransmit, 1);
    assert!(matches!(out[0], Action::Broadcast(Message::Request(_))));
    assert!(matches!(
        out[1],
        Action::Observe(Observation::Retransmitted { timestamp: 1 })
    ));
    assert!(rejections(&out).is_empty());
}

/// Each input a client refuses gives one rejection with its reason; those it takes none.
#[test]
fn what_a_client_refuses_and_why() {
    let mut c = client(1);
    assert!(rejections(&c.handle(Input::Start)).is_empty());
    let from_client = c.handle(Input::Message {
        from: NodeId::Client(1),
        message: Message::Reply(Reply {
            view: 0,
            timestamp: 1,
            result: 10,
            tentative: false,
        }),
    });
    assert_eq!(rejections(&from_client), [Rejection::Unexpected]);
    let not_a_reply = c.handle(Input::Message {
        from: NodeId::Replica(0),
        message: Message::FetchState { seq: 1 },
    });
    assert_eq!(rejections(&not_a_reply), [Rejection::Unexpected]);
    assert_eq!(
        rejections(&reply(&mut c, 1, 7, 10)),
        [Rejection::StaleReply]
    );
    assert!(rejections(&reply(&mut c, 1, 1, 10)).is_empty(), "taken");
    for kind in [TimerKind::Batch, TimerKind::Arrival, TimerKind::Think] {
        assert_eq!(
            rejections(&fire(&mut c, kind, 1)),
            [Rejection::Unexpected],
            "{kind:?} is not this closed-loop client's timer"
        );
    }
    assert_eq!(accepted(&reply(&mut c, 2, 1, 10)), Some(10));
    // All done: a late reply, and the last setting of the timer, find nothing outstanding.
    assert_eq!(
        rejections(&reply(&mut c, 3, 1, 10)),
        [Rejection::StaleReply]
    );
    assert_eq!(
        rejections(&fire(&mut c, TimerKind::Retransmit, 1)),
        [Rejection::StaleTimer]
    );
}

#[test]
fn every_request_carries_the_workloads_sizes() {
    let workload = ClientWorkload {
        arg_bytes: 4096,
        result_bytes: 16,
        ..ClientWorkload::default()
    };
    let mut c = client_with(2, 4, 1, workload);
    let first = issued(&c.handle(Input::Start));
    let second = issued(&replies(&mut c, 2, 1, 10));
    for request in first.iter().chain(&second) {
        let shape = request.shape();
        assert_eq!(
            (shape.arg_bytes, shape.result_bytes, shape.read_only),
            (4096, 16, false)
        );
    }
    assert_eq!(second[0].timestamp(), 2);
}

#[test]
fn think_time_waits_between_a_result_and_the_next_request() {
    let workload = ClientWorkload {
        think_ns: 7_000,
        ..ClientWorkload::default()
    };
    let mut c = client_with(2, 4, 1, workload);
    assert_eq!(issued(&c.handle(Input::Start)).len(), 1);
    let done = replies(&mut c, 2, 1, 10);
    assert_eq!(accepted(&done), Some(10));
    assert!(
        issued(&done).is_empty(),
        "nothing before the think time is over"
    );
    assert_eq!(timers(&done), [(TimerKind::Think, 2, 7_000)]);
    assert_eq!(
        rejections(&fire(&mut c, TimerKind::Think, 1)),
        [Rejection::StaleTimer]
    );
    let next = fire(&mut c, TimerKind::Think, 2);
    assert_eq!(issued(&next).len(), 1);
    assert_eq!(sent(&next).len(), 1);
    assert_eq!(
        rejections(&fire(&mut c, TimerKind::Think, 2)),
        [Rejection::StaleTimer],
        "fired already"
    );
    let last = replies(&mut c, 2, 2, 11);
    assert_eq!(accepted(&last), Some(11));
    assert!(
        timers(&last).is_empty(),
        "no think time after the last request"
    );
}

#[test]
fn open_loop_arrivals_queue_behind_the_outstanding_request() {
    let workload = ClientWorkload {
        arrivals: Some(Arc::from(vec![0, 0, 5_000, 9_000])),
        ..ClientWorkload::default()
    };
    let mut c = client_with(4, 4, 1, workload);
    // Two requests arrive at 0: the first is sent, the second queues; the next arrival is
    // at 5 us.
    let start = c.handle(Input::Start);
    assert_eq!(issued(&start).len(), 2);
    assert_eq!(sent(&start).len(), 1);
    assert_eq!(c.queued(), 1);
    assert!(timers(&start).contains(&(TimerKind::Arrival, 3, 5_000)));
    // Request 3 arrives while 1 is outstanding: observed now, not sent.
    let third = fire(&mut c, TimerKind::Arrival, 3);
    assert_eq!(
        issued(&third)
            .iter()
            .map(Request::timestamp)
            .collect::<Vec<_>>(),
        [3]
    );
    assert!(sent(&third).is_empty());
    assert!(timers(&third).contains(&(TimerKind::Arrival, 4, 4_000)));
    assert_eq!(
        rejections(&fire(&mut c, TimerKind::Arrival, 3)),
        [Rejection::StaleTimer]
    );
    // Request 1's result sends request 2 from the queue (observed already: not again).
    let done = replies(&mut c, 2, 1, 10);
    assert_eq!(accepted(&done), Some(10));
    assert!(issued(&done).is_empty());
    assert_eq!(sent(&done)[0].1.timestamp(), 2);
    assert_eq!(c.queued(), 1);
    let fourth = fire(&mut c, TimerKind::Arrival, 4);
    assert_eq!(issued(&fourth).len(), 1);
    assert!(timers(&fourth).is_empty(), "the last arrival");
    for timestamp in 2..=4 {
        let out = replies(&mut c, 2, timestamp, 10 + timestamp);
        assert_eq!(accepted(&out), Some(10 + timestamp));
    }
    assert_eq!((c.accepted(), c.queued()), (4, 0));
    // An idle open-loop client sends the next arrival at once.
    let workload = ClientWorkload {
        arrivals: Some(Arc::from(vec![3_000, 4_000])),
        ..ClientWorkload::default()
    };
    let mut idle = client_with(2, 4, 1, workload);
    let start = idle.handle(Input::Start);
    assert!(issued(&start).is_empty());
    assert_eq!(timers(&start), [(TimerKind::Arrival, 1, 3_000)]);
    let first = fire(&mut idle, TimerKind::Arrival, 1);
    assert_eq!((issued(&first).len(), sent(&first).len()), (1, 1));
    replies(&mut idle, 2, 1, 1);
    let second = fire(&mut idle, TimerKind::Arrival, 2);
    assert_eq!((issued(&second).len(), sent(&second).len()), (1, 1));
    assert_eq!(
        rejections(&fire(&mut idle, TimerKind::Think, 1)),
        [Rejection::Unexpected]
    );
}

#[test]
fn the_read_only_share_is_exact_and_spread_evenly() {
    assert_eq!(read_only_among(100, 0.29), 29);
    assert_eq!(read_only_among(10, 0.0), 0);
    assert_eq!(read_only_among(10, 1.0), 10);
    let quarter: Vec<u64> = (1..=8).filter(|k| is_read_only(*k, 0.25)).collect();
    assert_eq!(quarter, [4, 8]);
    for share in [0.1, 0.29, 1.0 / 3.0, 0.5, 0.9] {
        let count = (1..=1000).filter(|k| is_read_only(*k, share)).count() as u64;
        assert_eq!(
            count,
            (1000.0 * share + 1e-9).floor() as u64,
            "share {share}"
        );
    }
    // Through the client: of 8 requests with a share of 0.5, 4 are read-only, broadcast.
    let workload = ClientWorkload {
        read_only: 0.5,
        ..ClientWorkload::default()
    };
    let mut c = client_with(8, 4, 1, workload);
    let mut out = c.handle(Input::Start);
    let mut shapes = Vec::new();
    for timestamp in 1..=8 {
        let request = issued(&out)[0];
        shapes.push(request.shape().read_only);
        let to = sent(&out)[0].0;
        assert_eq!(
            to.is_none(),
            request.shape().read_only,
            "read-only goes to all"
        );
        out = replies(&mut c, 3, timestamp, timestamp);
    }
    assert_eq!(shapes, [false, true, false, true, false, true, false, true]);
    assert_eq!(c.accepted(), 8);
}

fn read_only_client(n: u32, f: u32) -> Client {
    let workload = ClientWorkload {
        read_only: 1.0,
        ..ClientWorkload::default()
    };
    client_with(2, n, f, workload)
}

#[test]
fn read_only_needs_two_f_plus_one_matching_replies() {
    let mut c = read_only_client(4, 1);
    let start = c.handle(Input::Start);
    assert_eq!(sent(&start).len(), 1);
    assert!(sent(&start)[0].0.is_none(), "broadcast");
    assert_eq!(accepted(&reply(&mut c, 0, 1, 10)), None);
    assert_eq!(
        accepted(&reply(&mut c, 1, 1, 10)),
        None,
        "f+1 is not enough"
    );
    assert_eq!(accepted(&reply(&mut c, 2, 1, 10)), Some(10));
    // n = 1 (the unreplicated baseline): 2f+1 = 1.
    let mut alone = read_only_client(1, 0);
    let start = alone.handle(Input::Start);
    assert_eq!(sent(&start).len(), 1);
    assert_eq!(accepted(&reply(&mut alone, 0, 1, 4)), Some(4));
}

#[test]
fn read_only_falls_back_to_read_write_when_all_replied_without_a_quorum() {
    let mut c = read_only_client(4, 1);
    let original = sent(&c.handle(Input::Start))[0].1;
    for (r, result) in [(0, 10), (1, 11), (2, 10)] {
        assert!(sent(&reply(&mut c, r, 1, result)).is_empty());
    }
    let again = reply(&mut c, 3, 1, 11);
    assert_eq!(accepted(&again), None);
    let retry = sent(&again);
    assert_eq!(retry.len(), 1);
    let (to, request) = retry[0];
    assert_eq!(to, Some(0), "to the primary");
    assert!(!request.shape().read_only);
    assert_eq!(
        (request.timestamp(), request.operation()),
        (original.timestamp(), original.operation()),
        "same operation and timestamp"
    );
    assert!(issued(&again).is_empty(), "the same request, not a new one");
    assert!(timers(&again).iter().any(|t| t.0 == TimerKind::Retransmit));
    // Now a read-write request: f+1 matching replies (counted afresh) are its result.
    assert_eq!(accepted(&reply(&mut c, 1, 1, 12)), None);
    assert_eq!(accepted(&reply(&mut c, 2, 1, 12)), Some(12));
}

#[test]
fn read_only_falls_back_to_read_write_on_timeout() {
    let mut c = read_only_client(4, 1);
    c.handle(Input::Start);
    assert_eq!(accepted(&reply(&mut c, 0, 1, 10)), None);
    let out = fire(&mut c, TimerKind::Retransmit, 1);
    let retry = sent(&out);
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].0, Some(0));
    assert!(!retry[0].1.shape().read_only);
    assert_eq!(
        timers(&out),
        [(TimerKind::Retransmit, 2, 2_000)],
        "backed off once"
    );
    // Its next timeout retransmits the read-write request to all, as any request.
    let later = fire(&mut c, TimerKind::Retransmit, 2);
    assert_eq!(sent(&later).len(), 1);
    assert!(sent(&later)[0].0.is_none());
    assert!(!sent(&later)[0].1.shape().read_only);
    assert_eq!(accepted(&reply(&mut c, 3, 1, 10)), None);
    assert_eq!(accepted(&reply(&mut c, 2, 1, 10)), Some(10));
}

fn tentative_client() -> Client {
    let workload = ClientWorkload {
        tentative: true,
        ..ClientWorkload::default()
    };
    client_with(1, 4, 1, workload)
}

#[test]
fn tentative_needs_two_f_plus_one_tentative_or_f_plus_one_committed() {
    let mut c = tentative_client();
    c.handle(Input::Start);
    assert_eq!(accepted(&reply_of(&mut c, 0, 1, 10, true)), None);
    assert_eq!(
        accepted(&reply_of(&mut c, 1, 1, 10, true)),
        None,
        "f+1 tentative"
    );
    assert_eq!(accepted(&reply_of(&mut c, 2, 1, 10, true)), Some(10));

    let mut committed = tentative_client();
    committed.handle(Input::Start);
    assert_eq!(accepted(&reply_of(&mut committed, 0, 1, 10, true)), None);
    assert_eq!(accepted(&reply_of(&mut committed, 1, 1, 10, false)), None);
    assert_eq!(
        accepted(&reply_of(&mut committed, 2, 1, 10, false)),
        Some(10),
        "f+1 committed"
    );

    // Without tentative acceptance a tentative reply counts as any other: f+1.
    let mut plain = client(1);
    plain.handle(Input::Start);
    assert_eq!(accepted(&reply_of(&mut plain, 0, 1, 10, true)), None);
    assert_eq!(accepted(&reply_of(&mut plain, 1, 1, 10, true)), Some(10));
}
