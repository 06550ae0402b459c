//! What one trial measured: the row the runner writes for it, before the sweep columns.

use serde::{Deserialize, Serialize};

/// The result of one trial.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialOutcome {
    /// Every request completed and every honest replica committed every request, in time.
    pub success: bool,
    /// The oracle found no violation of agreement, validity, integrity or state.
    pub safety_ok: bool,
    /// Requests the clients were to issue.
    pub requests: u64,
    /// Requests whose client accepted f+1 matching replies.
    pub completed: u64,
    /// Per completed request: accepted - first sent, in virtual milliseconds, in
    /// (client, timestamp) order.
    pub latencies_ms: Vec<f64>,
    /// Mean of `latencies_ms`; `None` when nothing completed.
    pub latency_ms: Option<f64>,
    /// Mean over requests of (last honest replica committed it - first sent); `None` when some
    /// honest replica never committed some request.
    pub commit_ms: Option<f64>,
    /// Point-to-point messages sent (a broadcast to k replicas counts k; self-deliveries do not).
    pub messages: u64,
    /// Events the network processed (deliveries and timer firings).
    pub events: u64,
    /// Virtual time when the trial ended, in milliseconds.
    pub time_ms: f64,
    /// View changes completed: distinct views above 0 that at least one honest replica entered
    /// (its NEW-VIEW, which takes q VIEW-CHANGEs, was accepted or sent), not necessarily all.
    pub view_changes: u64,
    /// The highest view an honest replica was in at the end.
    pub final_view: u64,
    /// State transfers completed by honest replicas (a lagging or recovered replica fetching a
    /// checkpointed state).
    pub state_transfers: u64,
    /// The first violation of each kind, described.
    pub violations: Vec<String>,
    /// A hash of the event trace (time, target, creator and creator's counter of every event
    /// processed): equal traces give equal hashes, whatever drove them.
    pub trace_hash: u64,
}
