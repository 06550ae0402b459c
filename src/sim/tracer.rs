//! The engine's tracer: turns what the engine does into [`TraceEvent`]s for a [`TraceSink`]
//! (`trace.rs` holds the event types; `docs/trace.md` the schema). It is present only when a
//! trace was asked for; the engine asks `Observer::tracer()` before building anything for it,
//! so a trial without a trace pays a branch per event and nothing else.
//!
//! It also owns the timed faults' boundaries (a crash, a partition starting or ending), which
//! are not events of the engine: each is written just before the first event at or after its
//! time, so the trace reads in time order.

use super::trace::{
    tamper, timer_name, timer_set, DropCause, FaultPeriod, Happening, MessageSummary, Node,
    TraceEvent, TraceSink, TraceTrial,
};
use crate::net::{ms_to_ns, Fate, Fault, FaultPlan, LossCause};
use crate::protocol::message::NodeId;
use crate::protocol::{Observation, Rejection, Timer};

/// What an event handed to a node was, as the trace shows it (kept by the epoch for each of its
/// events while a trace is written, since the input itself has gone to the node).
#[derive(Clone, Copy, Debug)]
pub(super) enum Arrival {
    /// A message from `from`.
    Message {
        /// Its sender.
        from: NodeId,
        /// The message.
        message: MessageSummary,
    },
    /// A timer.
    Timer(Timer),
    /// A crashed replica restarting.
    Recover,
    /// Anything else (a delayed action performed).
    Other,
}

/// The trace being written: the sink, the next event's index, the faults' boundaries not yet
/// written, and the violations already reported.
pub(super) struct Tracer {
    sink: Box<dyn TraceSink>,
    next: u64,
    /// (time, node, what), in time order; `pending` is the first not yet written.
    boundaries: Vec<(u64, Option<NodeId>, Happening)>,
    pending: usize,
    violations: usize,
}

impl Tracer {
    /// A tracer writing to `sink`, for a trial with these timed faults.
    pub(super) fn new(sink: Box<dyn TraceSink>, faults: &FaultPlan) -> Tracer {
        Tracer {
            sink,
            next: 0,
            boundaries: boundaries(faults),
            pending: 0,
            violations: 0,
        }
    }

    /// Announces the trial to the sink.
    pub(super) fn start(&mut self, trial: &TraceTrial) {
        self.sink.start(trial);
    }

    /// The trial is over: tells the sink.
    pub(super) fn finish(&mut self) {
        self.sink.finish();
    }

    /// Writes one event at `now`, after the faults' boundaries due by then.
    pub(super) fn record(&mut self, now: u64, node: Option<NodeId>, what: Happening) {
        self.boundaries_until(now);
        self.write(now, node, what);
    }

    fn write(&mut self, now: u64, node: Option<NodeId>, what: Happening) {
        let event = TraceEvent::new(self.next, now, node, what);
        self.next += 1;
        self.sink.event(event);
    }

    /// Writes the faults' boundaries due by `now`.
    pub(super) fn boundaries_until(&mut self, now: u64) {
        while let Some((at, node, what)) = self.boundaries.get(self.pending) {
            if *at > now {
                break;
            }
            let (at, node, what) = (*at, *node, what.clone());
            self.pending += 1;
            self.write(at, node, what);
        }
    }

    /// The event of `arrival` applied at `now` to `target`, whose actions were `stale_timer`
    /// (a timer the node found stale) or not; `down`: the target was crashed.
    pub(super) fn arrival(
        &mut self,
        now: u64,
        target: NodeId,
        arrival: Arrival,
        down: bool,
        stale_timer: bool,
    ) {
        let what = match (arrival, down) {
            (Arrival::Message { from, message }, true) if from != target => Happening::Drop {
                to: Node(target),
                message,
                cause: DropCause::Crash,
            },
            (Arrival::Message { from, message }, false) => Happening::Deliver {
                from: Node(from),
                message,
            },
            (Arrival::Timer(timer), false) if stale_timer => Happening::TimerStale {
                timer: timer_name(timer.kind),
                generation: timer.generation,
            },
            (Arrival::Timer(timer), false) => Happening::TimerFire {
                timer: timer_name(timer.kind),
                generation: timer.generation,
            },
            (Arrival::Recover, false) => Happening::Recover,
            // A crashed node's own events (its timers) are lost; a delayed action performed
            // shows as what it sends.
            _ => return,
        };
        let node = match what {
            Happening::Drop { .. } => match arrival {
                Arrival::Message { from, .. } => from,
                _ => target,
            },
            _ => target,
        };
        self.record(now, Some(node), what);
    }

    /// A message `from` sent to `to` at `now` and what the links did to it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sent(
        &mut self,
        now: u64,
        from: NodeId,
        to: NodeId,
        message: MessageSummary,
        copies: &[u64],
        fate: Fate,
        slowdown: f64,
    ) {
        self.record(
            now,
            Some(from),
            Happening::Send {
                to: Node(to),
                message,
                delays_ns: copies.to_vec(),
                slowed: (slowdown != 1.0).then_some(slowdown),
            },
        );
        if let Some(cause) = fate.lost {
            let cause = match cause {
                LossCause::Drop => DropCause::Loss,
                LossCause::Burst => DropCause::Burst,
                LossCause::Partition => DropCause::Partition,
            };
            let what = Happening::Drop {
                to: Node(to),
                message,
                cause,
            };
            self.write(now, Some(from), what);
        }
        if copies.len() > 1 {
            let what = Happening::Duplicate {
                to: Node(to),
                message,
            };
            self.write(now, Some(from), what);
        }
        if fate.reordered_ns > 0 {
            let what = Happening::Reorder {
                to: Node(to),
                message,
                extra_ms: fate.reordered_ns as f64 / 1e6,
            };
            self.write(now, Some(from), what);
        }
    }

    /// `node` set `timer` at `now`, for `after_ns`.
    pub(super) fn timer(&mut self, now: u64, node: NodeId, timer: Timer, after_ns: u64) {
        self.record(now, Some(node), timer_set(timer, after_ns));
    }

    /// `node` reported `observation` at `now`, while handling `input` (if known).
    pub(super) fn observed(
        &mut self,
        now: u64,
        node: NodeId,
        observation: &Observation,
        input: Option<Arrival>,
    ) {
        let what = match observation {
            Observation::Committed { seq, batch } => Happening::Committed {
                seq: *seq,
                digest: batch.digest(),
                requests: batch.requests().len(),
            },
            Observation::Executed {
                seq, batch, state, ..
            } => Happening::Executed {
                seq: *seq,
                digest: batch.digest(),
                state: *state,
            },
            Observation::StateTransferred { seq, state, .. } => Happening::StateTransfer {
                seq: *seq,
                state: *state,
            },
            Observation::ViewEntered { view } => Happening::ViewEntered { view: *view },
            Observation::RequestIssued { request } => Happening::RequestIssued {
                timestamp: request.timestamp(),
            },
            Observation::Accepted { timestamp, result } => Happening::Accepted {
                timestamp: *timestamp,
                result: *result,
            },
            Observation::PrePrepared { view, seq, digest } => Happening::PrePrepared {
                view: *view,
                seq: *seq,
                digest: *digest,
            },
            Observation::Prepared { view, seq, digest } => Happening::Prepared {
                view: *view,
                seq: *seq,
                digest: *digest,
            },
            Observation::CheckpointStable { seq } => Happening::CheckpointStable { seq: *seq },
            Observation::Retransmitted { timestamp } => Happening::Retransmit {
                timestamp: *timestamp,
            },
            Observation::TimerCancelled { kind } => Happening::TimerCancel {
                timer: timer_name(*kind),
            },
            // Its reply is traced as the message it is.
            Observation::ReadOnlyExecuted { .. } => return,
            // A stale timer is its `timer_stale` event already.
            Observation::Rejected(Rejection::StaleTimer) => return,
            Observation::Rejected(reason) => {
                let (from, message) = match input {
                    Some(Arrival::Message { from, message }) => (Some(Node(from)), Some(message)),
                    _ => (None, None),
                };
                Happening::Reject {
                    reason: *reason,
                    class: reason.class(),
                    from,
                    message,
                }
            }
            Observation::Tampered(tampering) => tamper(*tampering),
            // Only reported when no trace is written (then `Tampered` instead).
            Observation::Departed(_) => return,
        };
        self.record(now, Some(node), what);
    }

    /// The oracle's violations so far are `all`: writes those not yet written, at `now`.
    pub(super) fn violations<T: ToString>(&mut self, now: u64, all: &[T]) {
        for violation in all.iter().skip(self.violations) {
            let what = Happening::Violation {
                text: violation.to_string(),
            };
            self.record(now, None, what);
        }
        self.violations = self.violations.max(all.len());
    }
}

/// The timed faults' boundaries (crashes, partitions, slow periods and loss bursts starting
/// and ending), in time order; a recovery is an event of the engine's own.
fn boundaries(faults: &FaultPlan) -> Vec<(u64, Option<NodeId>, Happening)> {
    let mut out = Vec::new();
    let ns = |ms: crate::net::Millis| ms_to_ns(ms.get());
    for fault in faults.faults() {
        match fault {
            Fault::Crash {
                replicas, at_ms, ..
            } => {
                for r in replicas {
                    out.push((ns(*at_ms), Some(NodeId::Replica(*r)), Happening::Crash));
                }
            }
            Fault::Partition {
                groups,
                from_ms,
                until_ms,
                one_way,
            } => {
                let start = Happening::PartitionStart {
                    groups: groups.clone(),
                    one_way: *one_way,
                };
                out.push((ns(*from_ms), None, start));
                let end = Happening::PartitionEnd {
                    groups: groups.clone(),
                };
                out.push((ns(*until_ms), None, end));
            }
            Fault::Slow {
                replicas,
                factor,
                from_ms,
                until_ms,
            } => {
                let start = Happening::SlowStart {
                    replicas: replicas.clone(),
                    factor: factor.get(),
                };
                out.push((ns(*from_ms), None, start));
                let end = Happening::SlowEnd {
                    replicas: replicas.clone(),
                };
                out.push((ns(*until_ms), None, end));
            }
            Fault::Loss {
                probability,
                from_ms,
                until_ms,
            } => {
                let start = Happening::LossStart {
                    probability: probability.get(),
                };
                out.push((ns(*from_ms), None, start));
                out.push((ns(*until_ms), None, Happening::LossEnd));
            }
        }
    }
    // Stable: boundaries at one instant keep the scenario's order.
    out.sort_by_key(|(at, _, _)| *at);
    out
}

/// The timed faults as periods, for a trace's header.
pub(super) fn periods(faults: &FaultPlan) -> Vec<FaultPeriod> {
    faults
        .faults()
        .iter()
        .map(|fault| match fault {
            Fault::Crash {
                replicas,
                at_ms,
                recover_at_ms,
            } => FaultPeriod {
                kind: "crash",
                replicas: replicas.clone(),
                from_ms: at_ms.get(),
                until_ms: recover_at_ms.map(|m| m.get()),
                detail: match recover_at_ms {
                    Some(_) => "recovers".into(),
                    None => "for good".into(),
                },
            },
            Fault::Partition {
                groups,
                from_ms,
                until_ms,
                one_way,
            } => FaultPeriod {
                kind: "partition",
                replicas: groups.iter().flatten().copied().collect(),
                from_ms: from_ms.get(),
                until_ms: Some(until_ms.get()),
                detail: format!(
                    "groups {groups:?}{}",
                    if *one_way { ", one way" } else { "" }
                ),
            },
            Fault::Slow {
                replicas,
                factor,
                from_ms,
                until_ms,
            } => FaultPeriod {
                kind: "slow",
                replicas: replicas.clone(),
                from_ms: from_ms.get(),
                until_ms: Some(until_ms.get()),
                detail: format!("factor {}", factor.get()),
            },
            Fault::Loss {
                probability,
                from_ms,
                until_ms,
            } => FaultPeriod {
                kind: "loss",
                replicas: Vec::new(),
                from_ms: from_ms.get(),
                until_ms: Some(until_ms.get()),
                detail: format!("p = {}", probability.get()),
            },
        })
        .collect()
}
