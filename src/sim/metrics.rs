//! Liveness measurements of one trial (DESIGN.md §5: measured, not asserted): when each request
//! was first sent, when its client accepted it, when the last honest replica committed it, and
//! which views honest replicas entered. Only requests still in flight are held in memory.

use std::collections::{BTreeMap, BTreeSet};

use crate::protocol::message::{Batch, ClientId, ReplicaId, Request, Timestamp, View};

struct Track {
    sent_ns: u64,
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
    /// Per client, latencies in timestamp order (a closed-loop client's requests complete in
    /// order, so pushing as they complete keeps that order without keys).
    latencies: Vec<Vec<f64>>,
    completed: u64,
    fully_committed: u64,
    commit_sum_ns: u128,
    views_entered: BTreeSet<View>,
    state_transfers: u64,
    replica_view: Vec<View>,
}

fn ns_to_ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

impl Metrics {
    /// Metrics for replicas flagged honest or not, expecting `total_requests` requests.
    pub(super) fn new(honest: Vec<bool>, total_requests: u64) -> Metrics {
        let n = honest.len();
        Metrics {
            honest_count: honest.iter().filter(|h| **h).count(),
            honest,
            total_requests,
            in_flight: BTreeMap::new(),
            latencies: Vec::new(),
            completed: 0,
            fully_committed: 0,
            commit_sum_ns: 0,
            views_entered: BTreeSet::new(),
            state_transfers: 0,
            replica_view: vec![0; n],
        }
    }

    /// A client sent `request` for the first time at `now`.
    pub(super) fn issued(&mut self, request: &Request, now: u64) {
        self.in_flight.insert(
            (request.client(), request.timestamp()),
            Track {
                sent_ns: now,
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
        let latency = ns_to_ms(now.saturating_sub(track.sent_ns));
        let c = client as usize;
        if self.latencies.len() <= c {
            self.latencies.resize_with(c + 1, Vec::new);
        }
        self.latencies[c].push(latency);
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
        self.completed == self.total_requests && self.fully_committed == self.total_requests
    }

    /// Requests accepted.
    pub(super) fn completed(&self) -> u64 {
        self.completed
    }

    /// Latencies of accepted requests in (client, timestamp) order, in ms (taken out).
    pub(super) fn take_latencies_ms(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.latencies).concat()
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
