//! A PBFT client (Castro & Liskov §4.1): closed loop, one outstanding request at a time.
//!
//! The client sends `REQUEST(o, t, c)` to the primary of the view it believes current, accepts a
//! result once f+1 replicas sent matching replies (at least one of them is honest), and on
//! timeout retransmits by broadcasting to all replicas. It learns the current view from replies.
//! What it does not take (another node's message, a reply for another request, a stale timer)
//! it refuses with one `Observation::Rejected` (`rejection.rs`), when it explains itself.

use std::collections::BTreeMap;

use super::auth::ClientKey;
use super::message::{ClientId, Message, NodeId, ReplicaId, Reply, Request, Timestamp, View};
use super::rejection::Rejection;
use super::{Action, Input, Observation, Timer, TimerKind};

/// A client's parameters.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Number of replicas.
    pub n: u32,
    /// Fault bound: a result needs f+1 matching replies.
    pub f: u32,
    /// Requests to issue, one after another.
    pub requests: u64,
    /// Retransmission timeout.
    pub retransmit_ns: u64,
    /// What it asks for, and when.
    pub workload: ClientWorkload,
}

/// What a client asks for, and when (the scenario's `workload`); the default is the closed
/// loop of null read-write requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientWorkload {
    /// Bytes of each request's argument.
    pub arg_bytes: u32,
    /// Bytes of each result.
    pub result_bytes: u32,
    /// Closed loop: virtual ns between a result and the next request.
    pub think_ns: u64,
    /// Open loop: when this client's requests arrive, virtual ns, ascending (one per request;
    /// drawn by the simulator from the trial's arrivals stream); `None`: closed loop.
    pub arrivals: Option<std::sync::Arc<[u64]>>,
    /// The share of requests that are read-only, spread evenly.
    pub read_only: f64,
    /// Whether replicas execute tentatively: a result takes 2f+1 matching tentative replies,
    /// or f+1 that are not tentative.
    pub tentative: bool,
}

/// The operation a client puts in its request with timestamp `t`: distinct per request, and
/// known to the oracle, which checks that every executed request was issued (validity).
pub fn operation_of(client: ClientId, timestamp: Timestamp) -> u64 {
    (u64::from(client) << 40) | timestamp
}

#[derive(Debug)]
struct Outstanding {
    request: Request,
    replies: BTreeMap<ReplicaId, Reply>,
}

/// A closed-loop client.
#[derive(Debug)]
pub struct Client {
    id: ClientId,
    key: ClientKey,
    cfg: ClientConfig,
    view: View,
    issued: u64,
    outstanding: Option<Outstanding>,
    timer_generation: u64,
    /// Retransmissions of the outstanding request so far (the timeout doubles with each, up to
    /// 8 times the base).
    retransmissions: u32,
    /// Whether it reports its retransmissions and rejections ([`Client::set_explaining`]).
    explaining: bool,
}

impl Client {
    /// The client `key` belongs to, which will issue `cfg.requests` requests, each made (and
    /// so authenticated) with `key`.
    pub fn new(key: ClientKey, cfg: ClientConfig) -> Client {
        Client {
            id: key.client(),
            key,
            cfg,
            view: 0,
            issued: 0,
            outstanding: None,
            timer_generation: 0,
            retransmissions: 0,
            explaining: true,
        }
    }

    /// Whether to report retransmissions and rejections as observations (the default); the
    /// simulator turns it off when no trace is written (nothing counts a client's rejections).
    pub fn set_explaining(&mut self, explaining: bool) {
        self.explaining = explaining;
    }

    /// Requests accepted so far.
    pub fn accepted(&self) -> u64 {
        self.issued - u64::from(self.outstanding.is_some())
    }

    /// Handles one input and returns the actions it causes.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Start => self.issue_next(&mut out),
            Input::Message {
                from: NodeId::Replica(replica),
                message: Message::Reply(reply),
            } => self.on_reply(replica, reply, &mut out),
            // A client only listens to replicas' replies.
            Input::Message { .. } => reject(self.explaining, Rejection::Unexpected, &mut out),
            Input::Timeout(timer) => self.on_timeout(timer, &mut out),
            // Clients do not crash in this model.
            Input::Recover => {}
        }
        out
    }

    fn primary(&self) -> ReplicaId {
        (self.view % u64::from(self.cfg.n)) as ReplicaId
    }

    fn issue_next(&mut self, out: &mut Vec<Action>) {
        if self.issued >= self.cfg.requests {
            return;
        }
        self.issued += 1;
        let request = self
            .key
            .request(self.issued, operation_of(self.id, self.issued));
        self.outstanding = Some(Outstanding {
            request,
            replies: BTreeMap::new(),
        });
        self.retransmissions = 0;
        out.push(Action::Observe(Observation::RequestIssued { request }));
        out.push(Action::Send {
            to: NodeId::Replica(self.primary()),
            message: Message::Request(request),
        });
        self.arm(out);
    }

    fn arm(&mut self, out: &mut Vec<Action>) {
        self.timer_generation += 1;
        out.push(Action::SetTimer {
            timer: Timer {
                kind: TimerKind::Retransmit,
                generation: self.timer_generation,
            },
            after_ns: self.cfg.retransmit_ns << self.retransmissions.min(3),
        });
    }

    // §4.1: wait for f+1 replies with the same timestamp and result, from distinct replicas.
    fn on_reply(&mut self, replica: ReplicaId, reply: Reply, out: &mut Vec<Action>) {
        let Some(outstanding) = self.outstanding.as_mut() else {
            return reject(self.explaining, Rejection::StaleReply, out); // every request accepted already
        };
        if reply.timestamp != outstanding.request.timestamp() {
            return reject(self.explaining, Rejection::StaleReply, out);
        }
        outstanding.replies.insert(replica, reply);
        let matching: Vec<&Reply> = outstanding
            .replies
            .values()
            .filter(|r| r.result == reply.result)
            .collect();
        if matching.len() <= self.cfg.f as usize {
            return;
        }
        let view = matching.iter().map(|r| r.view).max().unwrap_or(self.view);
        self.view = self.view.max(view);
        self.outstanding = None;
        out.push(Action::Observe(Observation::Accepted {
            timestamp: reply.timestamp,
            result: reply.result,
        }));
        self.issue_next(out);
    }

    // §4.1: on timeout, broadcast the request to all replicas; back off while nothing comes.
    fn on_timeout(&mut self, timer: Timer, out: &mut Vec<Action>) {
        if timer.kind != TimerKind::Retransmit {
            return reject(self.explaining, Rejection::Unexpected, out);
        }
        if timer.generation != self.timer_generation {
            return reject(self.explaining, Rejection::StaleTimer, out);
        }
        let Some(outstanding) = &self.outstanding else {
            // The last request was accepted after this setting: nothing to retransmit.
            return reject(self.explaining, Rejection::StaleTimer, out);
        };
        let timestamp = outstanding.request.timestamp();
        out.push(Action::Broadcast(Message::Request(outstanding.request)));
        if self.explaining {
            out.push(Action::Observe(Observation::Retransmitted { timestamp }));
        }
        self.retransmissions += 1;
        self.arm(out);
    }
}

/// Reports that the input being handled is refused, and why, if the client is `explaining`
/// (a trial's row counts replicas' rejections only: a client's are for the trace).
fn reject(explaining: bool, reason: Rejection, out: &mut Vec<Action>) {
    if explaining {
        out.push(Action::Observe(Observation::Rejected(reason)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(requests: u64) -> Client {
        let (_, keys) = crate::protocol::auth::trial_keys(4, 4);
        Client::new(
            keys[3].clone(),
            ClientConfig {
                n: 4,
                f: 1,
                requests,
                retransmit_ns: 1_000,
                workload: ClientWorkload::default(),
            },
        )
    }

    fn reply(c: &mut Client, from: ReplicaId, timestamp: u64, result: u64) -> Vec<Action> {
        c.handle(Input::Message {
            from: NodeId::Replica(from),
            message: Message::Reply(Reply {
                view: 0,
                timestamp,
                result,
                tentative: false,
            }),
        })
    }

    fn accepted(actions: &[Action]) -> Option<u64> {
        actions.iter().find_map(|a| match a {
            Action::Observe(Observation::Accepted { result, .. }) => Some(*result),
            _ => None,
        })
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
        let live = Timer {
            kind: TimerKind::Retransmit,
            generation: 1,
        };
        let out = c.handle(Input::Timeout(live));
        assert!(matches!(out[0], Action::Broadcast(Message::Request(_))));
        assert!(matches!(
            out[1],
            Action::Observe(Observation::Retransmitted { timestamp: 1 })
        ));
        assert!(rejections(&out).is_empty());
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
        let other_kind = Timer {
            kind: TimerKind::Batch,
            generation: 1,
        };
        assert_eq!(
            rejections(&c.handle(Input::Timeout(other_kind))),
            [Rejection::Unexpected]
        );
        assert_eq!(accepted(&reply(&mut c, 2, 1, 10)), Some(10));
        // All done: a late reply, and the last setting of the timer, find nothing outstanding.
        assert_eq!(
            rejections(&reply(&mut c, 3, 1, 10)),
            [Rejection::StaleReply]
        );
        let last = Timer {
            kind: TimerKind::Retransmit,
            generation: 1,
        };
        assert_eq!(
            rejections(&c.handle(Input::Timeout(last))),
            [Rejection::StaleTimer]
        );
    }
}
