//! Liveness measurements of one trial (DESIGN.md §5: measured, not asserted): when each request
//! arrived at its client (`RequestIssued`: in the closed loop, when it was first sent; in an
//! open loop, its arrival time, however long it then queued), when its client accepted it, when
//! the last honest replica committed it, and which views honest replicas entered. Per request,
//! its arrival and its acceptance are kept (the rows of `requests.csv`); the rest is held only
//! while the request is in flight.

use std::collections::{BTreeMap, BTreeSet};

use super::outcome::RequestTimes;
use crate::protocol::message::{Batch, ClientId, ReplicaId, Request, Timestamp, View};

struct Track {
    sent_ns: u64,
    /// Sent read-only (OSDI'99 §5.1): never ordered, so done once accepted.
    read_only: bool,
    accepted: bool,
    committed_by: Vec<bool>,
    commits: usize,
    last_commit_ns: u64,
}

/// Counters and per-request timings.
pub(super) struct Metrics {
    honest: Vec<bool>,
    honest_count: usize,
    total_requests: u64,
    in_flight: BTreeMap<(ClientId, Timestamp), Track>,
    /// Per client, its requests' times, sorted by timestamp (a closed-loop client issues them
    /// in order, so each new one goes at the end).
    times: Vec<Vec<RequestTimes>>,
    completed: u64,
    fully_committed: u64,
    /// Read-only requests accepted without being committed (nothing to commit).
    read_only_done: u64,
    commit_sum_ns: u128,
    views_entered: BTreeSet<View>,
    state_transfers: u64,
    replica_view: Vec<View>,
}

/// The latencies of the accepted requests among `times`, in ms, in the same order.
pub(super) fn latencies_ms(times: &[RequestTimes]) -> Vec<f64> {
    times.iter().filter_map(RequestTimes::latency_ms).collect()
}

impl Metrics {
    /// Metrics for replicas flagged honest or not, expecting `requests_per_client` requests
    /// from each of `clients` clients.
    pub(super) fn new(honest: Vec<bool>, clients: u32, requests_per_client: u64) -> Metrics {
        let n = honest.len();
        Metrics {
            honest_count: honest.iter().filter(|h| **h).count(),
            honest,
            total_requests: u64::from(clients) * requests_per_client,
            in_flight: BTreeMap::new(),
            times: Vec::new(),
            completed: 0,
            fully_committed: 0,
            read_only_done: 0,
            commit_sum_ns: 0,
            views_entered: BTreeSet::new(),
            state_transfers: 0,
            replica_view: vec![0; n],
        }
    }

    /// `request` arrived at its client at `now` (closed loop: it was sent for the first time).
    pub(super) fn issued(&mut self, request: &Request, now: u64) {
        let (client, timestamp) = (request.client(), request.timestamp());
        let c = client as usize;
        if self.times.len() <= c {
            self.times.resize_with(c + 1, Vec::new);
        }
        // Kept sorted by timestamp: a closed-loop client's next request goes at the end.
        let times = &mut self.times[c];
        match times.binary_search_by_key(&timestamp, RequestTimes::timestamp) {
            Ok(i) => times[i].set_sent_once(now),
            Err(i) => times.insert(i, RequestTimes::new(client, timestamp, Some(now), None)),
        }
        let read_only = request.shape().read_only;
        if let Some(track) = self.in_flight.get_mut(&(client, timestamp)) {
            // Sent again (a read-only request retried read-write): the first send's times stay.
            track.read_only = read_only;
            return;
        }
        self.in_flight.insert(
            (client, timestamp),
            Track {
                sent_ns: now,
                read_only,
                accepted: false,
                committed_by: vec![false; self.honest.len()],
                commits: 0,
                last_commit_ns: 0,
            },
        );
    }

    /// A client accepted the reply to its request `timestamp` at `now`.
    pub(super) fn accepted(&mut self, client: ClientId, timestamp: Timestamp, now: u64) {
        let key = (client, timestamp);
        let Some(track) = self.in_flight.get_mut(&key) else {
            return;
        };
        if track.accepted {
            return;
        }
        track.accepted = true;
        self.completed += 1;
        let sent_ns = track.sent_ns;
        if track.read_only && track.commits < self.honest_count {
            // Never ordered: no replica will commit it.
            self.read_only_done += 1;
            track.commits = self.honest_count;
        }
        if let Some(times) = self.times.get_mut(client as usize) {
            if let Ok(i) = times.binary_search_by_key(&timestamp, RequestTimes::timestamp) {
                times[i].set_accepted(sent_ns, now);
            }
        }
        self.retire_if_done(key);
    }

    /// Honest replica `replica` committed `batch` at `now`.
    pub(super) fn committed(&mut self, replica: ReplicaId, batch: &Batch, now: u64) {
        for request in batch.requests() {
            self.mark_committed(replica, (request.client(), request.timestamp()), now);
        }
    }

    /// Honest replica `replica` installed a state holding, per client, requests up to the
    /// given timestamp.
    pub(super) fn transferred(
        &mut self,
        replica: ReplicaId,
        last: &[(ClientId, Timestamp)],
        now: u64,
    ) {
        if self.honest.get(replica as usize).copied().unwrap_or(false) {
            self.state_transfers += 1;
        }
        for (client, ts) in last {
            let keys: Vec<_> = self
                .in_flight
                .range((*client, 0)..=(*client, *ts))
                .map(|(k, _)| *k)
                .collect();
            for key in keys {
                self.mark_committed(replica, key, now);
            }
        }
    }

    fn mark_committed(&mut self, replica: ReplicaId, key: (ClientId, Timestamp), now: u64) {
        let r = replica as usize;
        if !self.honest.get(r).copied().unwrap_or(false) {
            return;
        }
        let everyone = self.honest_count;
        let Some(track) = self.in_flight.get_mut(&key) else {
            return;
        };
        if track.committed_by[r] {
            return;
        }
        track.committed_by[r] = true;
        track.commits += 1;
        track.last_commit_ns = now;
        if track.commits == everyone {
            self.fully_committed += 1;
            self.commit_sum_ns += u128::from(now.saturating_sub(track.sent_ns));
            self.retire_if_done(key);
        }
    }

    fn retire_if_done(&mut self, key: (ClientId, Timestamp)) {
        let done = self
            .in_flight
            .get(&key)
            .is_some_and(|t| t.accepted && t.commits == self.honest_count);
        if done {
            self.in_flight.remove(&key);
        }
    }

    /// Honest replica `replica` entered `view`.
    pub(super) fn view_entered(&mut self, replica: ReplicaId, view: View) {
        let r = replica as usize;
        if self.honest.get(r).copied().unwrap_or(false) {
            self.views_entered.insert(view);
            self.replica_view[r] = self.replica_view[r].max(view);
        }
    }

    /// Every request accepted by its client and committed by every honest replica.
    pub(super) fn all_done(&self) -> bool {
        self.completed == self.total_requests
            && self.fully_committed + self.read_only_done == self.total_requests
    }

    /// Requests accepted.
    pub(super) fn completed(&self) -> u64 {
        self.completed
    }

    /// Every request the clients sent, in (client, timestamp) order, with its times (taken
    /// out). Requests never sent (the trial ended first) have no entry: a trial of 10^9
    /// requests cut short by its time limit costs what it sent, not what it was to send.
    /// The clients' lists are moved, not copied, where that is possible (one client), and
    /// otherwise consumed one at a time, so the trial's peak memory holds them about once; the
    /// result carries no spare capacity, since the run keeps it until its files are written.
    pub(super) fn take_request_times(&mut self) -> Vec<RequestTimes> {
        let mut per_client = std::mem::take(&mut self.times);
        let mut all = if per_client.len() == 1 {
            per_client.pop().unwrap_or_default()
        } else {
            let mut all = Vec::with_capacity(per_client.iter().map(Vec::len).sum());
            for times in per_client {
                all.extend(times);
            }
            all
        };
        all.shrink_to_fit();
        all
    }

    /// Mean commit time over all requests, if every honest replica committed every request.
    pub(super) fn commit_mean_ms(&self) -> Option<f64> {
        (self.total_requests > 0 && self.fully_committed == self.total_requests)
            .then(|| self.commit_sum_ns as f64 / 1e6 / self.total_requests as f64)
    }

    /// State transfers by honest replicas.
    pub(super) fn state_transfers(&self) -> u64 {
        self.state_transfers
    }

    /// Distinct views (above 0) that at least one honest replica entered.
    pub(super) fn view_changes(&self) -> u64 {
        self.views_entered.iter().filter(|v| **v > 0).count() as u64
    }

    /// The highest view an honest replica entered.
    pub(super) fn final_view(&self) -> View {
        self.replica_view
            .iter()
            .zip(&self.honest)
            .filter(|(_, h)| **h)
            .map(|(v, _)| *v)
            .max()
            .unwrap_or(0)
    }
}
