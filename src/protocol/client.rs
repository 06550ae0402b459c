//! A PBFT client (Castro & Liskov §4.1): one outstanding request at a time, in a closed loop
//! (with an optional think time) or an open loop (requests arrive at given times and queue).
//!
//! The client sends `REQUEST(o, t, c)` to the primary of the view it believes current, accepts a
//! result once f+1 replicas sent matching replies (at least one of them is honest), and on
//! timeout retransmits by broadcasting to all replicas. It learns the current view from replies.
//! A read-only request (OSDI'99 §5.1) goes to every replica at once and takes 2f+1 matching
//! replies; when all replied without them, or its timer fires, the client sends it again as an
//! ordinary request. With tentative execution a result takes 2f+1 matching tentative replies or
//! f+1 committed ones (`reply_tally.rs`).
//!
//! When a request *arrives* (the `RequestIssued` observation, from which its latency counts):
//! in the closed loop, when the one before is accepted (and the think time is over); in the
//! open loop, at its arrival time, whatever is outstanding: it then waits in the client's queue
//! until the requests before it are accepted. The client has no clock: an open loop's first
//! arrival timer is set at `Input::Start` (time 0), each next one when the one before fires.
//! What it does not take (another node's message, a reply for another request, a stale timer)
//! it refuses with one `Observation::Rejected` (`rejection.rs`), when it explains itself.

use std::sync::Arc;

use super::auth::ClientKey;
use super::message::{
    ClientId, Message, NodeId, ReplicaId, Reply, Request, RequestShape, Timestamp, View,
};
use super::rejection::Rejection;
use super::reply_tally::{ReplyTally, Rule, Verdict};
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
    pub arrivals: Option<Arc<[u64]>>,
    /// The share of requests that are read-only, spread evenly.
    pub read_only: f64,
    /// Whether replicas execute tentatively: a result takes 2f+1 matching tentative replies,
    /// or f+1 that are not tentative.
    pub tentative: bool,
    /// Replies with digests (OSDI'99 §5.1, the cost model's `digest_replies` with results of
    /// some size): a result also takes the designated replier's reply (the primary of its
    /// view), the only one that carries it in full, until the client retransmits.
    pub digest_replies: bool,
}

/// The operation a client puts in its request with timestamp `t`: distinct per request, and
/// known to the oracle, which checks that every executed request was issued (validity).
pub fn operation_of(client: ClientId, timestamp: Timestamp) -> u64 {
    (u64::from(client) << 40) | timestamp
}

/// How many of a client's first `k` requests are read-only when a `share` of them is:
/// floor(k x share), so request k is read-only exactly when this count grows from k - 1 to k
/// (spread evenly, no randomness). A tolerance of 1e-9 keeps decimal shares exact (0.29 of 100
/// requests is 29, though 100 x 0.29 is 28.999... in binary).
pub fn read_only_among(k: u64, share: f64) -> u64 {
    if share <= 0.0 {
        return 0;
    }
    let count = (k as f64 * share.min(1.0) + 1e-9).floor();
    (count as u64).min(k)
}

/// Whether request `k` (k = 1, 2, ...) of a client is read-only when a `share` of its requests
/// are (see [`read_only_among`]).
pub fn is_read_only(k: u64, share: f64) -> bool {
    k >= 1 && read_only_among(k, share) > read_only_among(k - 1, share)
}

#[derive(Debug)]
struct Outstanding {
    request: Request,
    tally: ReplyTally,
}

/// A client: its requests, the one outstanding and the count of its replies.
#[derive(Debug)]
pub struct Client {
    id: ClientId,
    key: ClientKey,
    cfg: ClientConfig,
    view: View,
    /// Requests that have arrived: timestamps 1..=arrived.
    arrived: u64,
    /// Requests accepted: timestamps 1..=done. Those in between are outstanding (the first,
    /// once sent) or queued.
    done: u64,
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
            arrived: 0,
            done: 0,
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
        self.done
    }

    /// Requests that have arrived and are not yet sent (open loop).
    pub fn queued(&self) -> u64 {
        self.arrived - self.done - u64::from(self.outstanding.is_some())
    }

    /// Handles one input and returns the actions it causes.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Start => match self.cfg.workload.arrivals.clone() {
                None => self.arrive(&mut out),
                Some(times) => self.arrivals_due(&times, 0, &mut out),
            },
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

    /// Request `timestamp` as it is first sent: read-only or not by the workload's share.
    fn request(&self, timestamp: Timestamp, read_only: bool) -> Request {
        let shape = RequestShape {
            read_only,
            arg_bytes: self.cfg.workload.arg_bytes,
            result_bytes: self.cfg.workload.result_bytes,
        };
        self.key
            .request_shaped(timestamp, operation_of(self.id, timestamp), shape)
    }

    /// The next request arrives now: observed (its latency counts from here), then sent if
    /// nothing is outstanding, else queued.
    fn arrive(&mut self, out: &mut Vec<Action>) {
        if self.arrived >= self.cfg.requests {
            return;
        }
        self.arrived += 1;
        let timestamp = self.arrived;
        let request = self.request(
            timestamp,
            is_read_only(timestamp, self.cfg.workload.read_only),
        );
        out.push(Action::Observe(Observation::RequestIssued { request }));
        if self.outstanding.is_none() {
            self.retransmissions = 0;
            self.send(request, out);
        }
    }

    /// Open loop, at time `now`: every request due by then arrives, and the timer is set for
    /// the next arrival.
    fn arrivals_due(&mut self, times: &[u64], now: u64, out: &mut Vec<Action>) {
        while self.arrived < self.cfg.requests {
            match times.get(self.arrived as usize) {
                Some(&at) if at <= now => self.arrive(out),
                Some(&at) => {
                    out.push(Action::SetTimer {
                        timer: Timer {
                            kind: TimerKind::Arrival,
                            generation: self.arrived + 1,
                        },
                        after_ns: at - now,
                    });
                    return;
                }
                // Fewer times than requests: the rest never arrive.
                None => return,
            }
        }
    }

    /// Sends `request` as the outstanding one: a read-only request to every replica, any
    /// other to the primary; and sets its retransmission timer.
    fn send(&mut self, request: Request, out: &mut Vec<Action>) {
        let read_only = request.shape().read_only;
        let rule = if read_only {
            Rule::ReadOnly
        } else if self.cfg.workload.tentative {
            Rule::Tentative
        } else {
            Rule::AnyKind
        };
        self.outstanding = Some(Outstanding {
            request,
            tally: ReplyTally::new(rule).needing_full_result(self.cfg.workload.digest_replies),
        });
        if read_only {
            out.push(Action::Broadcast(Message::Request(request)));
        } else {
            out.push(Action::Send {
                to: NodeId::Replica(self.primary()),
                message: Message::Request(request),
            });
        }
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

    // §4.1: wait for matching replies with the request's timestamp, from distinct replicas.
    fn on_reply(&mut self, replica: ReplicaId, reply: Reply, out: &mut Vec<Action>) {
        let (n, f) = (self.cfg.n, self.cfg.f);
        let Some(outstanding) = self.outstanding.as_mut() else {
            return reject(self.explaining, Rejection::StaleReply, out); // nothing outstanding
        };
        if reply.timestamp != outstanding.request.timestamp() {
            return reject(self.explaining, Rejection::StaleReply, out);
        }
        match outstanding.tally.record(replica, reply, n, f) {
            Verdict::Pending => {}
            Verdict::Exhausted => self.read_write_again(out),
            Verdict::Accept { result, view } => self.accept(reply.timestamp, result, view, out),
        }
    }

    fn accept(&mut self, timestamp: Timestamp, result: u64, view: View, out: &mut Vec<Action>) {
        self.view = self.view.max(view);
        self.outstanding = None;
        self.done += 1;
        out.push(Action::Observe(Observation::Accepted { timestamp, result }));
        if self.arrived > self.done {
            // Open loop: the next request waited in the queue.
            let next = self.done + 1;
            self.retransmissions = 0;
            let request = self.request(next, is_read_only(next, self.cfg.workload.read_only));
            self.send(request, out);
        } else if self.cfg.workload.arrivals.is_none() {
            // Closed loop: the next request, at once or after the think time.
            if self.cfg.workload.think_ns == 0 {
                self.arrive(out);
            } else if self.arrived < self.cfg.requests {
                out.push(Action::SetTimer {
                    timer: Timer {
                        kind: TimerKind::Think,
                        generation: self.arrived + 1,
                    },
                    after_ns: self.cfg.workload.think_ns,
                });
            }
        }
    }

    /// OSDI'99 §5.1: a read-only request that got no 2f+1 matching replies is sent again, same
    /// operation and timestamp, as an ordinary request to the primary (its replies so far do
    /// not count: they were not ordered).
    fn read_write_again(&mut self, out: &mut Vec<Action>) {
        let Some(outstanding) = self.outstanding.take() else {
            return;
        };
        let request = self.request(outstanding.request.timestamp(), false);
        self.send(request, out);
    }

    fn on_timeout(&mut self, timer: Timer, out: &mut Vec<Action>) {
        match timer.kind {
            TimerKind::Retransmit => self.on_retransmit_timeout(timer, out),
            TimerKind::Arrival => match self.cfg.workload.arrivals.clone() {
                None => reject(self.explaining, Rejection::Unexpected, out),
                Some(_) if timer.generation != self.arrived + 1 => {
                    reject(self.explaining, Rejection::StaleTimer, out)
                }
                Some(times) => match times.get(self.arrived as usize) {
                    Some(&now) => self.arrivals_due(&times, now, out),
                    None => reject(self.explaining, Rejection::StaleTimer, out),
                },
            },
            TimerKind::Think => {
                let closed_with_think =
                    self.cfg.workload.arrivals.is_none() && self.cfg.workload.think_ns > 0;
                if !closed_with_think {
                    return reject(self.explaining, Rejection::Unexpected, out);
                }
                let idle = self.outstanding.is_none() && self.arrived == self.done;
                if timer.generation != self.arrived + 1 || !idle {
                    return reject(self.explaining, Rejection::StaleTimer, out);
                }
                self.arrive(out);
            }
            _ => reject(self.explaining, Rejection::Unexpected, out),
        }
    }

    // §4.1: on timeout, broadcast the request to all replicas; back off while nothing comes. A
    // read-only request is not retransmitted as such: it goes again as a read-write one.
    fn on_retransmit_timeout(&mut self, timer: Timer, out: &mut Vec<Action>) {
        if timer.generation != self.timer_generation {
            return reject(self.explaining, Rejection::StaleTimer, out);
        }
        let Some(outstanding) = self.outstanding.as_mut() else {
            // The last request was accepted after this setting: nothing to retransmit.
            return reject(self.explaining, Rejection::StaleTimer, out);
        };
        let request = outstanding.request;
        outstanding.tally.forgo_full_result();
        let read_only = outstanding.tally.rule() == Rule::ReadOnly;
        self.retransmissions += 1;
        if read_only {
            return self.read_write_again(out);
        }
        let timestamp = request.timestamp();
        out.push(Action::Broadcast(Message::Request(request)));
        if self.explaining {
            out.push(Action::Observe(Observation::Retransmitted { timestamp }));
        }
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
