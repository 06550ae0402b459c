//! What one trial measured: the row the runner writes for it, before the sweep columns.

use serde::{Deserialize, Serialize};

use crate::oracle::ViolationDetail;
use crate::protocol::{Change, Rejection, RejectionClass};

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
    /// The same violations as typed data: kind, sequence number, replicas (and client and
    /// timestamp where one is involved), in the same order (`trials.csv`'s
    /// `violation_details`, `docs/data.md`).
    #[serde(default)]
    pub violation_details: Vec<ViolationDetail>,
    /// Every request the clients sent, in (client, timestamp) order: when it was
    /// first sent and when its client accepted it (`requests.csv`, `docs/data.md`).
    /// `latencies_ms` is derived from it when the trial ends.
    #[serde(default)]
    pub request_times: Vec<RequestTimes>,
    /// What the faults, the network and the byzantine behaviours did (`docs/trace.md`).
    #[serde(default)]
    pub effects: FaultEffects,
    /// What each node's CPU and link did, under a cost model (`None` without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<crate::costs::LoadOutcome>,
    /// A hash of the event trace (time, target, creator and creator's counter of every event
    /// processed): equal traces give equal hashes, whatever drove them.
    pub trace_hash: u64,
}

/// One request's times, in virtual nanoseconds: a row of `requests.csv`. Written in the rows
/// file as the array `[client, timestamp, sent_ns, accepted_ns]` (`null` for a time that never
/// came). In memory a time that never came is a sentinel, not an `Option`, so a request takes
/// 32 bytes rather than 48 (a run holds one per request of every trial).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RequestTimesRow", into = "RequestTimesRow")]
pub struct RequestTimes {
    client: u32,
    timestamp: u64,
    sent_ns: u64,
    accepted_ns: u64,
}

/// The in-memory value of a time that never came (no trial reaches it: it is 584 years).
const NEVER: u64 = u64::MAX;

/// [`RequestTimes`] as the rows file writes it.
type RequestTimesRow = (u32, u64, Option<u64>, Option<u64>);

impl From<RequestTimesRow> for RequestTimes {
    fn from((client, timestamp, sent_ns, accepted_ns): RequestTimesRow) -> RequestTimes {
        RequestTimes::new(client, timestamp, sent_ns, accepted_ns)
    }
}

impl From<RequestTimes> for RequestTimesRow {
    fn from(r: RequestTimes) -> RequestTimesRow {
        (r.client, r.timestamp, r.sent_ns(), r.accepted_ns())
    }
}

impl RequestTimes {
    /// Request `timestamp` of `client`, first sent at `sent_ns` and accepted at `accepted_ns`
    /// (`None`: never).
    pub fn new(
        client: u32,
        timestamp: u64,
        sent_ns: Option<u64>,
        accepted_ns: Option<u64>,
    ) -> RequestTimes {
        RequestTimes {
            client,
            timestamp,
            sent_ns: sent_ns.unwrap_or(NEVER),
            accepted_ns: accepted_ns.unwrap_or(NEVER),
        }
    }

    /// The client that issued it.
    pub fn client(&self) -> u32 {
        self.client
    }

    /// Its timestamp (PBFT's t): 1, 2, ... per client, in issue order.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// When it arrived at its client: when it was first sent, but in an open loop its arrival
    /// time however long it queued; `None` if the trial ended before it arrived.
    pub fn sent_ns(&self) -> Option<u64> {
        (self.sent_ns != NEVER).then_some(self.sent_ns)
    }

    /// When the client accepted f+1 matching replies; `None` if it never did.
    pub fn accepted_ns(&self) -> Option<u64> {
        (self.accepted_ns != NEVER).then_some(self.accepted_ns)
    }

    /// Records the first send at `now`, unless one is recorded.
    pub(crate) fn set_sent_once(&mut self, now: u64) {
        if self.sent_ns == NEVER {
            self.sent_ns = now;
        }
    }

    /// Records the acceptance at `now` of the request first sent at `sent_ns`.
    pub(crate) fn set_accepted(&mut self, sent_ns: u64, now: u64) {
        self.sent_ns = sent_ns;
        self.accepted_ns = now;
    }

    /// Accepted - first sent, in milliseconds (the value `latencies_ms` holds); `None` unless
    /// the request was accepted.
    pub fn latency_ms(&self) -> Option<f64> {
        match (self.sent_ns(), self.accepted_ns()) {
            (Some(sent), Some(accepted)) => Some(ns_to_ms(accepted.saturating_sub(sent))),
            _ => None,
        }
    }
}

/// Completed requests per virtual second after the warm-up (`docs/costs.md`, "Throughput"):
/// with the K acceptances of `times` in time order at t_1 <= ... <= t_K, and k0 = max(1,
/// ceil(`warmup` x K)), it is (K - k0) / (t_K - t_k0): the rate at which requests completed
/// between the warm-up's last completion and the trial's last. The first completion is always
/// warm-up, as it only starts the clock; `None` with fewer than two completions after it or
/// no time between them.
pub fn throughput_rps(times: &[RequestTimes], warmup: f64) -> Option<f64> {
    let mut accepted: Vec<u64> = times.iter().filter_map(RequestTimes::accepted_ns).collect();
    accepted.sort_unstable();
    let k = accepted.len();
    let k0 = ((warmup.clamp(0.0, 1.0) * k as f64).ceil() as usize).max(1);
    if k < 2 || k0 >= k {
        return None;
    }
    let span_ns = accepted[k - 1] - accepted[k0 - 1];
    (span_ns > 0).then(|| (k - k0) as f64 * 1e9 / span_ns as f64)
}

#[cfg(test)]
mod throughput_tests {
    use super::*;

    fn done_at(ms: &[u64]) -> Vec<RequestTimes> {
        ms.iter()
            .enumerate()
            .map(|(i, t)| RequestTimes::new(0, i as u64 + 1, Some(0), Some(t * 1_000_000)))
            .collect()
    }

    #[test]
    fn throughput_counts_completions_after_the_warm_up_over_their_span() {
        // Ten completions 2 ms apart from 2 ms: a warm-up of 10% is the first one; nine more
        // complete in 18 ms, 500 per second.
        let times = done_at(&[2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
        assert_eq!(throughput_rps(&times, 0.1), Some(500.0));
        // A warm-up of half: completions 6..10 over 10 ms.
        assert_eq!(throughput_rps(&times, 0.5), Some(500.0));
        let uneven = done_at(&[1, 2, 3, 13]);
        assert_eq!(throughput_rps(&uneven, 0.5), Some(2.0 * 1e9 / 11e6));
        assert_eq!(throughput_rps(&done_at(&[5]), 0.1), None);
        assert_eq!(throughput_rps(&done_at(&[5, 5]), 0.1), None);
    }
}

/// Nanoseconds as milliseconds.
pub(crate) fn ns_to_ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// What the faults did in one trial, counted whether or not a trace is written: the network's
/// and the timed faults' effect on messages, the byzantine behaviours' departures from their
/// honest replicas, and the inputs honest replicas refused, by class (`trials.csv` columns of
/// the same names, `docs/trace.md`). A fault that never fired shows as zeros here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultEffects {
    /// Messages lost to the network's own loss probability (`network.drop`).
    pub dropped_loss: u64,
    /// Messages lost to a `Loss` fault (a burst).
    pub dropped_burst: u64,
    /// Messages cut by a `Partition` fault.
    pub dropped_partition: u64,
    /// Messages that arrived at a crashed replica (lost on arrival).
    pub dropped_crash: u64,
    /// Messages the network delivered twice.
    pub duplicated: u64,
    /// Messages the network delayed further by reordering.
    pub reordered: u64,
    /// Messages a `Slow` fault delayed.
    pub slowed: u64,
    /// Messages a byzantine behaviour did not send though its honest replica did.
    pub behaviour_dropped: u64,
    /// Messages a byzantine behaviour changed or delayed, and inputs it changed.
    pub behaviour_changed: u64,
    /// Messages a byzantine behaviour sent that its honest replica would not have.
    pub behaviour_added: u64,
    /// Inputs a byzantine behaviour hid from its honest replica.
    pub behaviour_hid: u64,
    /// Inputs honest replicas refused for bad authentication, wrong signer or vote kind.
    pub rejected_auth: u64,
    /// ... for an old view, not from the primary, or while changing views.
    pub rejected_view: u64,
    /// ... outside the watermarks, or already executed.
    pub rejected_watermarks: u64,
    /// ... conflicting with a pre-prepare or a vote held (equivocation).
    pub rejected_conflict: u64,
    /// ... with a wrong digest, an invalid certificate, unrequested or unexpected content.
    pub rejected_invalid: u64,
    /// ... as stale (old timestamps and timers) or duplicates.
    pub rejected_stale: u64,
}

impl FaultEffects {
    /// Counts `times` changes of kind `change` a byzantine behaviour made.
    pub(crate) fn count_change(&mut self, change: Change, times: u64) {
        match change {
            Change::Dropped => self.behaviour_dropped += times,
            Change::Changed | Change::Delayed | Change::ChangedInput => {
                self.behaviour_changed += times
            }
            Change::Added => self.behaviour_added += times,
            Change::HidInput => self.behaviour_hid += times,
        }
    }

    /// Counts one input an honest replica refused for `reason`, in its class's column.
    pub(crate) fn count_rejection(&mut self, reason: Rejection) {
        match reason.class() {
            RejectionClass::Auth => self.rejected_auth += 1,
            RejectionClass::View => self.rejected_view += 1,
            RejectionClass::Watermarks => self.rejected_watermarks += 1,
            RejectionClass::Conflict => self.rejected_conflict += 1,
            RejectionClass::Invalid => self.rejected_invalid += 1,
            RejectionClass::Stale => self.rejected_stale += 1,
        }
    }
}
