//! The engine's observer: where what happens in a trial is recorded (DESIGN.md §5 and §6.9).
//! The nodes' observations feed the safety oracle (checked online) and the liveness metrics;
//! the engine's own counts (messages sent, events processed), what the faults did
//! ([`FaultEffects`]) and the trace hash of the events applied are kept here too, and together
//! they make the trial's outcome. When a trace was asked for, the observer holds its
//! [`Tracer`] as well.

use super::agenda::Event;
use super::metrics::{latencies_ms, Metrics};
use super::outcome::{FaultEffects, TrialOutcome};
use super::seeds::splitmix64;
use super::tracer::{Arrival, Tracer};
use crate::net::{Fate, LossCause};
use crate::oracle::Oracle;
use crate::protocol::message::{ClientId, NodeId, ReplicaId, Timestamp};
use crate::protocol::{Observation, Rejection};

/// One trial's oracle, metrics and counters.
pub(super) struct Observer {
    oracle: Oracle,
    metrics: Metrics,
    /// Requests the clients were to issue.
    requests: u64,
    /// Point-to-point messages sent (self-deliveries excluded).
    messages: u64,
    /// Events processed whose target was up.
    events: u64,
    /// The hash of the trace of events applied so far.
    trace: u64,
    /// What the faults did.
    effects: FaultEffects,
    /// Which replicas are honest (their rejections are counted).
    honest: Vec<bool>,
    /// The trace being written, if one was asked for.
    tracer: Option<Tracer>,
}

impl Observer {
    /// An observer over `oracle` and `metrics`, for a trial of `requests` requests.
    /// `honest[r]` says whether replica r is honest; `tracer` writes the trace, if any.
    pub(super) fn new(
        oracle: Oracle,
        metrics: Metrics,
        requests: u64,
        honest: Vec<bool>,
        tracer: Option<Tracer>,
    ) -> Observer {
        Observer {
            oracle,
            metrics,
            requests,
            messages: 0,
            events: 0,
            trace: 0,
            effects: FaultEffects::default(),
            honest,
            tracer,
        }
    }

    /// The trace being written, if one was asked for.
    pub(super) fn tracer(&mut self) -> Option<&mut Tracer> {
        self.tracer.as_mut()
    }

    /// Every request accepted by its client and committed by every honest replica.
    pub(super) fn all_done(&self) -> bool {
        self.metrics.all_done()
    }

    /// Counts one point-to-point message sent, and what the links did to it: `fate`, the
    /// number of copies that arrive, the `Slow` factor on its link.
    pub(super) fn message_sent(&mut self, fate: Fate, copies: usize, slowdown: f64) {
        self.messages += 1;
        if fate.lost.is_none() && copies == 1 && fate.reordered_ns == 0 && slowdown == 1.0 {
            return; // the usual case: nothing happened to it
        }
        let e = &mut self.effects;
        match fate.lost {
            Some(LossCause::Drop) => e.dropped_loss += 1,
            Some(LossCause::Burst) => e.dropped_burst += 1,
            Some(LossCause::Partition) => e.dropped_partition += 1,
            None => {}
        }
        e.duplicated += u64::from(copies > 1);
        e.reordered += u64::from(fate.reordered_ns > 0);
        e.slowed += u64::from(fate.lost.is_none() && slowdown != 1.0);
    }

    /// Replica `replica` sent client `client` its reply to request `timestamp`, with `result`,
    /// `tentative` or not.
    pub(super) fn reply_sent(
        &mut self,
        replica: ReplicaId,
        client: ClientId,
        timestamp: Timestamp,
        result: u64,
        tentative: bool,
    ) {
        self.oracle
            .on_reply_sent(replica, client, timestamp, result, tentative);
    }

    /// `event` was applied, to a target that was `down` (crashed) or not: it joins the trace,
    /// and counts as processed if its target was up.
    pub(super) fn event_applied(&mut self, event: &Event, down: bool) {
        self.trace = splitmix64(
            self.trace ^ splitmix64(event.time ^ (u64::from(event.target) << 48)) ^ event.order,
        );
        if !down {
            self.events += 1;
        } else if event.creator() != event.target {
            // Another node's message, to a crashed replica: lost on arrival.
            self.effects.dropped_crash += 1;
        }
    }

    /// Node `node` reported `observation` at virtual time `now`, while handling `input` (known
    /// only while tracing). Claims a node of its kind cannot make (a replica accepting a reply,
    /// a client committing) are ignored.
    #[inline]
    pub(super) fn observe(
        &mut self,
        node: NodeId,
        observation: Observation,
        now: u64,
        input: Option<Arrival>,
    ) {
        if self.tracer.is_none() {
            return self.apply(node, observation, now);
        }
        self.observe_traced(node, observation, now, input);
    }

    /// `observe` while a trace is written: the observation is traced first, and the oracle's
    /// new violations after it.
    #[inline(never)]
    fn observe_traced(
        &mut self,
        node: NodeId,
        observation: Observation,
        now: u64,
        input: Option<Arrival>,
    ) {
        if let Some(tracer) = self.tracer.as_mut() {
            tracer.observed(now, node, &observation, input);
        }
        let checked = matches!(
            observation,
            Observation::Executed { .. }
                | Observation::StateTransferred { .. }
                | Observation::Accepted { .. }
        );
        self.apply(node, observation, now);
        if checked {
            if let Some(tracer) = self.tracer.as_mut() {
                tracer.violations(now, self.oracle.violations());
            }
        }
    }

    /// Whether `node` is an honest replica (`Some(true)`), a byzantine one (`Some(false)`), or
    /// not a replica of this trial (`None`).
    fn honest_replica(&self, node: NodeId) -> Option<bool> {
        match node {
            NodeId::Replica(r) => self.honest.get(r as usize).copied(),
            NodeId::Client(_) => None,
        }
    }

    /// Node `node` refused the input of the event being applied, for `reason` (reported, or
    /// set aside when no trace is written): counted if `node` is an honest replica.
    pub(super) fn rejected(&mut self, node: NodeId, reason: Rejection) {
        if self.honest_replica(node) == Some(true) {
            self.effects.count_rejection(reason);
        }
    }

    /// Counts a rejection by an honest replica, or what a byzantine replica's behaviour
    /// changed.
    fn count(&mut self, node: NodeId, observation: &Observation) {
        let byzantine = self.honest_replica(node) == Some(false);
        match observation {
            Observation::Rejected(reason) => self.rejected(node, *reason),
            Observation::Tampered(tampering) if byzantine => {
                self.effects.count_change(tampering.change, 1)
            }
            Observation::Departed(departures) if byzantine => {
                for (change, times) in departures.by_change() {
                    self.effects.count_change(change, u64::from(times));
                }
            }
            _ => {}
        }
    }

    /// Feeds an observation to the oracle and the metrics, or to the fault counters.
    fn apply(&mut self, node: NodeId, observation: Observation, now: u64) {
        let at_ms = now as f64 / 1e6;
        match (node, observation) {
            (NodeId::Replica(r), Observation::Committed { batch, .. }) => {
                self.metrics.committed(r, &batch, now);
            }
            (
                NodeId::Replica(r),
                Observation::Executed {
                    seq,
                    executed,
                    batch,
                    state,
                },
            ) => {
                self.oracle
                    .on_executed(r, seq, &batch, &executed, state, at_ms);
            }
            (
                NodeId::Replica(r),
                Observation::StateTransferred {
                    seq,
                    last_timestamps,
                    state,
                    snapshot,
                },
            ) => {
                self.oracle
                    .on_state_transferred(r, seq, &last_timestamps, state, &snapshot, at_ms);
                self.metrics.transferred(r, &last_timestamps, now);
            }
            (
                NodeId::Replica(r),
                Observation::ReadOnlyExecuted {
                    client,
                    timestamp,
                    result,
                },
            ) => {
                self.oracle
                    .on_read_only_executed(r, client, timestamp, result);
            }
            (NodeId::Replica(r), Observation::ViewEntered { view }) => {
                self.metrics.view_entered(r, view);
            }
            (NodeId::Client(_), Observation::RequestIssued { request }) => {
                self.oracle.on_issued(&request);
                self.metrics.issued(&request, now);
            }
            (NodeId::Client(c), Observation::Accepted { timestamp, result }) => {
                self.oracle.on_accepted(c, timestamp, result, at_ms);
                self.metrics.accepted(c, timestamp, now);
            }
            (NodeId::Replica(_), Observation::RequestIssued { .. })
            | (NodeId::Replica(_), Observation::Accepted { .. })
            | (NodeId::Client(_), Observation::Committed { .. })
            | (NodeId::Client(_), Observation::Executed { .. })
            | (NodeId::Client(_), Observation::StateTransferred { .. })
            | (NodeId::Client(_), Observation::ViewEntered { .. })
            | (NodeId::Client(_), Observation::ReadOnlyExecuted { .. }) => {}
            (
                _,
                counted @ (Observation::Rejected(_)
                | Observation::Tampered(_)
                | Observation::Departed(_)),
            ) => self.count(node, &counted),
            // Only the trace reads these.
            (
                _,
                Observation::PrePrepared { .. }
                | Observation::Prepared { .. }
                | Observation::CheckpointStable { .. }
                | Observation::Retransmitted { .. }
                | Observation::TimerCancelled { .. },
            ) => {}
        }
    }

    /// The trial's outcome, for a trial that ended at `ended_at_ns`.
    pub(super) fn outcome(mut self, ended_at_ns: u64) -> TrialOutcome {
        let request_times = self.metrics.take_request_times();
        let latencies_ms = latencies_ms(&request_times);
        let latency_ms = (!latencies_ms.is_empty())
            .then(|| latencies_ms.iter().sum::<f64>() / latencies_ms.len() as f64);
        TrialOutcome {
            load: None,
            success: self.metrics.all_done(),
            safety_ok: self.oracle.safe(),
            requests: self.requests,
            completed: self.metrics.completed(),
            latencies_ms,
            latency_ms,
            commit_ms: self.metrics.commit_mean_ms(),
            messages: self.messages,
            events: self.events,
            time_ms: ended_at_ns as f64 / 1e6,
            view_changes: self.metrics.view_changes(),
            final_view: self.metrics.final_view(),
            state_transfers: self.metrics.state_transfers(),
            trace_hash: self.trace,
            effects: self.effects,
            violations: self
                .oracle
                .violations()
                .iter()
                .map(ToString::to_string)
                .collect(),
            violation_details: self
                .oracle
                .violations()
                .iter()
                .map(|v| v.detail())
                .collect(),
            request_times,
        }
    }
}
