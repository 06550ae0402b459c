//! The paper's optimisations on the replica side (Castro & Liskov, OSDI'99 §5.1) and the
//! unreplicated baseline (its Table 1), end to end at n = 4 with constant 10 ms links, and by
//! driving replicas by hand: a read-only request is answered at once without ordering (two
//! delays), tentative execution replies once prepared (four delays instead of five), the
//! unreplicated server replies on arrival (two delays), and a view change under tentative
//! execution stays safe.

mod common;

use common::keys::{client, config, keys};
use pbft_sim::protocol::message::{Reply, RequestShape};
use pbft_sim::protocol::read_only::read_result;
use pbft_sim::protocol::service::ServiceState;
use pbft_sim::protocol::{Action, Input, Message, NodeId, Observation, Replica, ReplicaConfig};

const ONE_REQUEST: &str = r#"Scenario(
    name: "optimisations",
    replicas: 4,
    trials: 3,
    workload: (clients: 1, requests: 1),
    network: (delay: Constant(ms: 10.0)),
)"#;

fn with_protocol(protocol: &str) -> String {
    ONE_REQUEST.replace(
        "network: (delay: Constant(ms: 10.0)),",
        &format!("network: (delay: Constant(ms: 10.0)),\n    protocol: ({protocol}),"),
    )
}

#[test]
fn tentative_execution_takes_four_delays_instead_of_five() {
    for row in common::run_scenario_text(&with_protocol("tentative_execution: true")) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(
            out.latency_ms,
            Some(40.0),
            "request, pre-prepare, prepare, reply"
        );
        // The same messages as without it: the tentative replies replace the committed ones.
        assert_eq!(out.messages, 29);
        assert_eq!(out.commit_ms, Some(40.0));
    }
    let text = with_protocol("tentative_execution: true")
        .replace("(clients: 1, requests: 1)", "(clients: 3, requests: 4)");
    for row in common::run_scenario_text(&text) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latencies_ms, vec![40.0; 12]);
    }
}

#[test]
fn the_unreplicated_server_takes_two_delays_and_two_messages() {
    // `replicas: 4` is ignored: one server.
    for row in common::run_scenario_text(&with_protocol("replication: Unreplicated")) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latency_ms, Some(20.0), "request, reply");
        assert_eq!(out.messages, 2);
        assert_eq!((out.view_changes, out.final_view), (0, 0));
    }
    let text = with_protocol("replication: Unreplicated")
        .replace("(clients: 1, requests: 1)", "(clients: 3, requests: 5)");
    for row in common::run_scenario_text(&text) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latencies_ms, vec![20.0; 15]);
        assert_eq!(out.messages, 30);
    }
}

#[test]
fn a_view_change_under_tentative_execution_stays_safe() {
    // The primary crashes while requests are in flight: some backups executed batches
    // tentatively that the new view may order again or replace; every trial ends with every
    // request done and the oracle (agreement, the state checks, the accepted results against
    // honest committed execution) clean.
    let text = r#"Scenario(
    name: "tentative-view-change",
    replicas: 4,
    trials: 40,
    workload: (clients: 3, requests: 8),
    network: (delay: Uniform(min_ms: 2.0, max_ms: 12.0)),
    protocol: (tentative_execution: true, view_change_timeout_ms: 100.0, request_timeout_ms: 150.0),
    faults: [Crash(replicas: [0], at_ms: 25.0)],
    time_limit_ms: 20000.0,
)"#;
    let rows = common::run_scenario_text(text);
    assert_eq!(rows.len(), 40);
    for row in rows {
        let out = &row.outcome;
        assert!(out.safety_ok, "{:?}", out.violations);
        assert!(out.success, "{out:?}");
        assert_eq!(out.completed, 24);
        assert!(out.view_changes >= 1, "the crash costs a view change");
    }
}

/// Everything `actions` sends, as (to, message); broadcasts go to every replica of 0..4 but
/// `from`.
fn sends(from: u32, actions: &[Action]) -> Vec<(NodeId, Message)> {
    let mut out = Vec::new();
    for action in actions {
        match action {
            Action::Send { to, message } => out.push((*to, message.clone())),
            Action::Broadcast(message) => {
                for r in (0..4).filter(|r| *r != from) {
                    out.push((NodeId::Replica(r), message.clone()));
                }
            }
            _ => {}
        }
    }
    out
}

fn replies(actions: &[Action]) -> Vec<Reply> {
    sends(9, actions)
        .into_iter()
        .filter_map(|(_, m)| match m {
            Message::Reply(reply) => Some(reply),
            _ => None,
        })
        .collect()
}

fn read_only_request(timestamp: u64) -> pbft_sim::protocol::message::Request {
    let shape = RequestShape {
        read_only: true,
        ..RequestShape::default()
    };
    client().request_shaped(timestamp, timestamp, shape)
}

#[test]
fn a_read_only_request_is_answered_at_once_and_never_ordered() {
    let request = read_only_request(1);
    for r in 0..4 {
        let mut replica = Replica::new(r, config(), keys(r));
        let out = replica.handle(Input::Message {
            from: NodeId::Client(0),
            message: Message::Request(request),
        });
        // One reply to the client, from the initial state; nothing to the other replicas
        // (the primary orders nothing, a backup relays nothing), and no view-change timer.
        let sent = sends(r, &out);
        assert_eq!(sent.len(), 1, "replica {r}: {out:?}");
        assert_eq!(
            replies(&out),
            [Reply {
                view: 0,
                timestamp: 1,
                result: read_result(&ServiceState::default()),
                tentative: false,
            }]
        );
        assert!(
            !out.iter().any(|a| matches!(a, Action::SetTimer { .. })),
            "replica {r}: {out:?}"
        );
        assert!(out.iter().any(|a| matches!(
            a,
            Action::Observe(Observation::ReadOnlyExecuted {
                client: 0,
                timestamp: 1,
                ..
            })
        )));
        assert_eq!(replica.last_executed(), 0);
    }
    // Relayed by a replica, it is not taken.
    let mut backup = Replica::new(1, config(), keys(1));
    let out = backup.handle(Input::Message {
        from: NodeId::Replica(0),
        message: Message::Request(request),
    });
    assert!(replies(&out).is_empty(), "{out:?}");
}

#[test]
fn a_read_write_retry_of_a_read_only_request_is_ordered() {
    let mut primary = Replica::new(0, config(), keys(0));
    let _ = primary.handle(Input::Message {
        from: NodeId::Client(0),
        message: Message::Request(read_only_request(1)),
    });
    let retry = client().request(1, 1);
    let out = primary.handle(Input::Message {
        from: NodeId::Client(0),
        message: Message::Request(retry),
    });
    let pre_prepares = sends(0, &out)
        .into_iter()
        .filter(|(_, m)| matches!(m, Message::PrePrepare(_)))
        .count();
    assert_eq!(pre_prepares, 3, "{out:?}");
}

/// Delivers every message among replicas 0..4 (configured by `cfg`) until none is left,
/// after `start` is handled by `first`; returns the replies sent to clients, by replica.
fn run_to_quiet(cfg: &ReplicaConfig, first: u32, start: Input) -> Vec<(u32, Reply)> {
    let mut replicas: Vec<Replica> = (0..4)
        .map(|r| Replica::new(r, cfg.clone(), keys(r)))
        .collect();
    let mut queue = std::collections::VecDeque::new();
    let mut to_clients = Vec::new();
    let out = replicas[first as usize].handle(start);
    queue.extend(sends(first, &out).into_iter().map(|(to, m)| (first, to, m)));
    while let Some((from, to, message)) = queue.pop_front() {
        match to {
            NodeId::Client(_) => {
                if let Message::Reply(reply) = message {
                    to_clients.push((from, reply));
                }
            }
            NodeId::Replica(r) => {
                let out = replicas[r as usize].handle(Input::Message {
                    from: NodeId::Replica(from),
                    message,
                });
                queue.extend(sends(r, &out).into_iter().map(|(to, m)| (r, to, m)));
            }
        }
    }
    to_clients
}

#[test]
fn tentative_replicas_reply_once_prepared_and_not_again_on_commit() {
    let request = Input::Message {
        from: NodeId::Client(0),
        message: Message::Request(client().request(1, 1)),
    };
    let tentative = ReplicaConfig {
        tentative_execution: true,
        ..config()
    };
    let got = run_to_quiet(&tentative, 0, request.clone());
    // One reply per replica, tentative, with the committed result (the first operation).
    assert_eq!(got.len(), 4, "{got:?}");
    for (_, reply) in &got {
        assert_eq!(
            (reply.timestamp, reply.result, reply.tentative),
            (1, 1, true)
        );
    }
    let plain = run_to_quiet(&config(), 0, request);
    assert_eq!(plain.len(), 4);
    assert!(plain.iter().all(|(_, r)| !r.tentative && r.result == 1));
}

fn read_only_workload(byzantine: &str) -> String {
    ONE_REQUEST
        .replace(
            "(clients: 1, requests: 1)",
            "(clients: 2, requests: 5, read_only: 1.0)",
        )
        .replace(
            "network: (delay: Constant(ms: 10.0)),",
            &format!("network: (delay: Constant(ms: 10.0)),\n    {byzantine}"),
        )
}

#[test]
fn read_only_requests_take_two_delays_without_ordering() {
    for row in common::run_scenario_text(&read_only_workload("")) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latencies_ms, vec![20.0; 10], "request, reply");
        // Per request: 4 requests (the client's broadcast) and 4 replies; no pre-prepare,
        // vote or checkpoint.
        assert_eq!(out.messages, 10 * 8);
        assert_eq!(out.commit_ms, None, "nothing is ordered");
    }
}

/// Answers read-only requests with a wrong result (the honest one plus 1000), and is honest
/// in everything else (its replies to ordered requests are right).
#[derive(Default)]
struct WrongReads {
    /// Whether the input being handled is a read-only request.
    reading: bool,
}

impl pbft_sim::adversary::Behaviour for WrongReads {
    fn name(&self) -> &str {
        "WrongReads"
    }

    fn on_input(
        &mut self,
        input: Input,
        _ctx: &mut pbft_sim::adversary::Context<'_>,
    ) -> Option<Input> {
        self.reading = matches!(
            &input,
            Input::Message { message: Message::Request(r), .. } if r.shape().read_only
        );
        Some(input)
    }

    fn on_send(
        &mut self,
        copy: pbft_sim::adversary::Outgoing,
        _ctx: &mut pbft_sim::adversary::Context<'_>,
        out: &mut Vec<Action>,
    ) {
        match copy.message {
            Message::Reply(reply) if self.reading => out.push(Action::Send {
                to: copy.to,
                message: Message::Reply(Reply {
                    result: reply.result + 1000,
                    ..reply
                }),
            }),
            _ => out.push(copy.into_action()),
        }
    }
}

#[test]
fn wrong_read_only_answers_from_byzantine_replicas_are_never_accepted() {
    pbft_sim::adversary::register(
        "WrongReads",
        |_ctx: &mut pbft_sim::adversary::BuildContext| WrongReads::default(),
    );
    // f = 1 liar: the three honest replicas' matching answers make 2f+1, at once.
    let one = read_only_workload(
        r#"byzantine: [(count: 1, placement: Ids([2]), behaviour: Custom(name: "WrongReads"))],"#,
    );
    for row in common::run_scenario_text(&one) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latencies_ms, vec![20.0; 10]);
    }
    // Two liars agreeing (more than f, but only about reads): f+1 = 2 matching wrong answers
    // would be accepted at 20 ms; 2f+1 are never reached, so every request falls back to
    // read-write, and its committed result is checked by the oracle against honest execution.
    let two = read_only_workload(
        r#"byzantine: [(count: 2, placement: Ids([1, 2]), behaviour: Custom(name: "WrongReads"))],"#,
    );
    for row in common::run_scenario_text(&two) {
        let out = &row.outcome;
        assert!(out.success && out.safety_ok, "{out:?}");
        assert_eq!(out.latencies_ms.len(), 10);
        assert!(
            out.latencies_ms.iter().all(|l| *l > 20.0),
            "{:?}",
            out.latencies_ms
        );
    }
}
