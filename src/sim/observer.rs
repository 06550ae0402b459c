//! The engine's observer: where what happens in a trial is recorded (DESIGN.md §5 and §6.9).
//! The nodes' observations feed the safety oracle (checked online) and the liveness metrics;
//! the engine's own counts (messages sent, events processed) and the trace hash of the events
//! applied are kept here too, and together they make the trial's outcome.

use super::agenda::Event;
use super::metrics::Metrics;
use super::outcome::TrialOutcome;
use super::seeds::splitmix64;
use crate::oracle::Oracle;
use crate::protocol::message::{ClientId, NodeId, ReplicaId, Timestamp};
use crate::protocol::Observation;

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
}

impl Observer {
    /// An observer over `oracle` and `metrics`, for a trial of `requests` requests.
    pub(super) fn new(oracle: Oracle, metrics: Metrics, requests: u64) -> Observer {
        Observer {
            oracle,
            metrics,
            requests,
            messages: 0,
            events: 0,
            trace: 0,
        }
    }

    /// Every request accepted by its client and committed by every honest replica.
    pub(super) fn all_done(&self) -> bool {
        self.metrics.all_done()
    }

    /// Counts one point-to-point message sent.
    pub(super) fn message_sent(&mut self) {
        self.messages += 1;
    }

    /// Replica `replica` sent client `client` its reply to request `timestamp`, with `result`.
    pub(super) fn reply_sent(
        &mut self,
        replica: ReplicaId,
        client: ClientId,
        timestamp: Timestamp,
        result: u64,
    ) {
        self.oracle
            .on_reply_sent(replica, client, timestamp, result);
    }

    /// `event` was applied, to a target that was `down` (crashed) or not: it joins the trace,
    /// and counts as processed if its target was up.
    pub(super) fn event_applied(&mut self, event: &Event, down: bool) {
        self.trace = splitmix64(
            self.trace
                ^ splitmix64(event.time ^ (u64::from(event.target) << 48))
                ^ (u64::from(event.creator) << 40)
                ^ event.counter,
        );
        if !down {
            self.events += 1;
        }
    }

    /// Node `node` reported `observation` at virtual time `now`. Claims a node of its kind
    /// cannot make (a replica accepting a reply, a client committing) are ignored.
    pub(super) fn observe(&mut self, node: NodeId, observation: Observation, now: u64) {
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
            | (NodeId::Client(_), Observation::ViewEntered { .. }) => {}
            // The trace and the fault counters read these (`engine.rs`).
            (
                _,
                Observation::PrePrepared { .. }
                | Observation::Prepared { .. }
                | Observation::CheckpointStable { .. }
                | Observation::Retransmitted { .. }
                | Observation::TimerCancelled { .. }
                | Observation::Rejected(_)
                | Observation::Tampered(_),
            ) => {}
        }
    }

    /// The trial's outcome, for a trial that ended at `ended_at_ns`.
    pub(super) fn outcome(mut self, ended_at_ns: u64) -> TrialOutcome {
        let latencies_ms = self.metrics.take_latencies_ms();
        let latency_ms = (!latencies_ms.is_empty())
            .then(|| latencies_ms.iter().sum::<f64>() / latencies_ms.len() as f64);
        TrialOutcome {
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
            violations: self
                .oracle
                .violations()
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }
}
