//! What each column of `trials.csv`, `summary.csv`, `requests.csv` and the explorer's
//! `campaign.csv` and `failures.csv` means, for `pbft-sim list columns`. The
//! names and their order come from the report's headers (`report::trials_header`,
//! `report::summary_header`); these tables only add a line of meaning to each, and the test
//! below fails when a column the report writes has no meaning here, so a column added to a row
//! struct must be described here too. `list` prints the headers' columns only: a meaning kept
//! for a column another branch adds (the summary's intervals, `violation_details`) shows once
//! that column is written.

/// Stands for the sweep axes' columns, which differ from scenario to scenario.
pub(super) const AXES_PLACEHOLDER: &str = "<axis>...";

/// `trials.csv`'s columns and what each holds.
pub(super) const TRIALS_MEANINGS: &[(&str, &str)] = &[
    ("point", "the sweep point (as `pbft-sim check` numbers them)"),
    ("trial", "the trial within its point"),
    ("seed", "the trial's seed, from (scenario seed, point, trial)"),
    (
        AXES_PLACEHOLDER,
        "one column per sweep axis, named by its path (byzantine[0].count), holding its value",
    ),
    ("n", "replicas"),
    ("f", "faults tolerated (the scenario's f, default floor((n - 1) / 3))"),
    ("byzantine", "byzantine replicas in this trial (within f when <= f)"),
    (
        "success",
        "every request completed and every honest replica committed every request in time",
    ),
    (
        "safety_ok",
        "the oracle's verdict: agreement, validity, integrity and state all held",
    ),
    ("requests", "requests issued (clients x requests per client)"),
    ("completed", "requests whose client accepted f+1 matching replies"),
    (
        "latency_ms",
        "mean over completed requests of (accepted - first sent), virtual ms; empty if none",
    ),
    (
        "commit_ms",
        "mean over requests of (last honest replica committed - first sent); empty if one never did",
    ),
    (
        "messages",
        "point-to-point messages sent (a broadcast to k counts k; none to oneself)",
    ),
    ("time_ms", "virtual time when the trial ended"),
    (
        "view_changes",
        "distinct views above 0 that at least one honest replica entered",
    ),
    ("final_view", "the highest view an honest replica entered"),
    (
        "state_transfers",
        "checkpointed states installed by honest replicas that had fallen behind",
    ),
    (
        "violations",
        "the first safety violation of each kind, naming the replica at fault; empty if safe",
    ),
    ("dropped_loss", "messages lost to the network's own loss (network.drop)"),
    ("dropped_burst", "messages lost to a Loss fault"),
    ("dropped_partition", "messages cut by a Partition fault"),
    ("dropped_crash", "messages that arrived at a crashed replica"),
    ("duplicated", "messages the network delivered twice"),
    ("reordered", "messages delayed further by reordering"),
    ("slowed", "messages a Slow fault delayed"),
    (
        "behaviour_dropped",
        "messages a byzantine behaviour did not send though its honest replica did",
    ),
    (
        "behaviour_changed",
        "messages a behaviour changed or delayed, and inputs it changed",
    ),
    (
        "behaviour_added",
        "messages a behaviour sent that its honest replica would not have",
    ),
    ("behaviour_hid", "inputs a behaviour hid from its honest replica"),
    (
        "rejected_auth",
        "inputs honest replicas refused: bad authentication, wrong signer or vote kind",
    ),
    (
        "rejected_view",
        "refused: old view, not from the primary, or during a view change",
    ),
    (
        "rejected_watermarks",
        "refused: outside the watermarks, already executed (late votes), buffer full",
    ),
    (
        "rejected_conflict",
        "refused: a conflicting pre-prepare, or a vote conflicting with the sender's own",
    ),
    (
        "rejected_invalid",
        "refused: digest mismatch, invalid certificate, unrequested or unexpected",
    ),
    (
        "rejected_stale",
        "refused as stale: old timestamps or replies, duplicates, fetches no longer held",
    ),
    (
        "violation_details",
        "the violations as data: KIND:key=value:... entries joined with ; (docs/data.md)",
    ),
    (
        "throughput_rps",
        "[costs] requests completed per virtual second after the warm-up (docs/costs.md); empty with too few",
    ),
    (
        "cpu_busiest",
        "[costs] the highest replica CPU utilisation: busy time / time_ms, 0..1",
    ),
    ("cpu_replicas_mean", "[costs] the replicas' mean CPU utilisation, 0..1"),
    ("cpu_clients_mean", "[costs] the clients' mean CPU utilisation, 0..1"),
    (
        "bytes_sent",
        "[costs] bytes all nodes put on their links (envelopes included)",
    ),
    (
        "bytes_per_request",
        "[costs] bytes_sent / completed; empty if nothing completed",
    ),
];

/// `nodes.csv`'s columns (written only under a cost model) and what each holds.
pub(super) const NODES_MEANINGS: &[(&str, &str)] = &[
    ("point", "the sweep point (joins trials.csv)"),
    ("trial", "the trial within its point"),
    (
        "node",
        "the node as the trace names it: r0, r1... replicas, c0, c1... clients",
    ),
    ("role", "replica or client"),
    ("busy_ms", "virtual ms the node's CPU was busy"),
    ("utilisation", "busy_ms / the trial's time_ms, 0..1"),
    (
        "transmissions",
        "messages the node put on its link (a multicast once with link.multicast)",
    ),
    (
        "bytes_sent",
        "bytes the node put on its link (envelopes included)",
    ),
];

/// `summary.csv`'s columns and what each holds.
pub(super) const SUMMARY_MEANINGS: &[(&str, &str)] = &[
    ("point", "the sweep point"),
    (
        AXES_PLACEHOLDER,
        "one column per sweep axis, named by its path, holding the point's value",
    ),
    ("trials", "trials at the point"),
    ("success_rate", "share of the point's trials with success"),
    (
        "safety_violations",
        "trials at the point in which the oracle found a violation",
    ),
    (
        "latency_mean_ms",
        "mean latency of every completed request (virtual ms)",
    ),
    ("latency_p50_ms", "median latency (nearest rank)"),
    ("latency_p95_ms", "95th percentile latency (nearest rank)"),
    ("latency_p99_ms", "99th percentile latency (nearest rank)"),
    (
        "commit_mean_ms",
        "mean of the trials' commit_ms, over trials where it is known",
    ),
    ("messages_mean", "mean messages per trial"),
    ("view_changes_mean", "mean view changes per trial"),
    (
        "success_ci_low",
        "95 % Wilson interval of success_rate: its low end",
    ),
    (
        "success_ci_high",
        "95 % Wilson interval of success_rate: its high end",
    ),
    (
        "safety_ci_low",
        "95 % Wilson interval of the share of trials with a violation: low end",
    ),
    (
        "safety_ci_high",
        "95 % Wilson interval of the share of trials with a violation: high end",
    ),
    (
        "latency_samples",
        "completed requests pooled in the latency statistics",
    ),
    (
        "latency_p50_ci_low_ms",
        "95 % order-statistic interval of latency_p50_ms: low end (empty if unbounded)",
    ),
    (
        "latency_p50_ci_high_ms",
        "95 % order-statistic interval of latency_p50_ms: high end (empty if unbounded)",
    ),
    (
        "latency_p95_ci_low_ms",
        "95 % order-statistic interval of latency_p95_ms: low end (empty if unbounded)",
    ),
    (
        "throughput_mean_rps",
        "[costs] mean of the trials' throughput_rps (over trials that have one)",
    ),
    (
        "cpu_busiest_mean",
        "[costs] mean of the trials' cpu_busiest",
    ),
    (
        "bytes_per_request_mean",
        "[costs] mean of the trials' bytes_per_request",
    ),
    (
        "latency_p95_ci_high_ms",
        "95 % order-statistic interval of latency_p95_ms: high end (empty if unbounded)",
    ),
];

/// `requests.csv`'s columns and what each holds (`docs/data.md`).
pub(super) const REQUESTS_MEANINGS: &[(&str, &str)] = &[
    ("point", "the sweep point, as in trials.csv"),
    ("trial", "the trial within its point, as in trials.csv"),
    ("client", "the client that issued the request"),
    ("timestamp", "the client's request timestamp (PBFT's t)"),
    (
        "sent",
        "virtual ms when the client first sent it (retransmissions do not move it)",
    ),
    (
        "accepted",
        "virtual ms when the client accepted f+1 matching replies (empty if it never did)",
    ),
    (
        "latency",
        "accepted - sent, virtual ms (empty if not accepted)",
    ),
];

/// `campaign.csv`'s columns (`pbft-sim explore`) and what each holds (`docs/explore.md`).
pub(super) const CAMPAIGN_MEANINGS: &[(&str, &str)] = &[
    ("index", "the scenario's index in the space: it was drawn from (space seed, index)"),
    ("seed", "the drawn scenario's seed (its one trial's seed derives from it, as in `run`)"),
    ("n", "replicas"),
    ("f", "faults tolerated (the scenario's f, default floor((n - 1) / 3))"),
    ("byzantine", "byzantine replicas, all groups together"),
    ("behaviours", "each byzantine group's behaviour, joined with +; empty if none"),
    ("placements", "each byzantine group's placement, joined with +"),
    ("faults", "timed faults"),
    (
        "fault_kinds",
        "each timed fault's kind, joined with +; Crash! is a crash for good (no recovery)",
    ),
    ("clients", "clients"),
    ("requests", "requests issued (clients x requests per client)"),
    ("delay", "the network delay's form: Constant, Uniform, Normal, LogNormal, ..."),
    (
        "within_f",
        "at most f replicas faulty (byzantine, or crashed for good)",
    ),
    (
        "properties",
        "the properties that applied, joined with +: safety always, liveness within f once          the faults heal by heal_by_ms",
    ),
    ("verdict", "pass, or fail: a property that applied failed (or the engine did)"),
    (
        "signature",
        "how it failed: safety-<kind>, liveness-requests, liveness-replicas, engine-error;          empty if it passed",
    ),
    ("detail", "what failed, in one line; empty if it passed"),
    ("safety_ok", "the oracle's verdict (empty on an engine error)"),
    ("success", "every request completed and every honest replica executed it in time"),
    ("completed", "requests whose client accepted f+1 matching replies"),
    ("events", "events the trial processed"),
    ("time_ms", "virtual time when the trial ended"),
];

/// `failures.csv`'s columns (`pbft-sim explore`) and what each holds.
pub(super) const FAILURES_MEANINGS: &[(&str, &str)] = &[
    (
        "signature",
        "how the trials failed (as campaign.csv's signature)",
    ),
    ("trials", "drawn scenarios that failed this way"),
    ("first_index", "the first of them: the one shrunk"),
    ("examples", "the first few failing indices, space-separated"),
    (
        "counterexample",
        "the shrunk scenario file, relative to the campaign's folder (`pbft-sim run` replays it)",
    ),
    ("shrunk_n", "the shrunk scenario's replicas"),
    ("shrunk_byzantine", "its byzantine replicas"),
    ("shrunk_faults", "its timed faults"),
    (
        "shrunk_requests",
        "its requests (clients x requests per client)",
    ),
    ("shrink_runs", "trials run while shrinking (0: not shrunk)"),
    ("detail", "the shrunk scenario's failure, in one line"),
];

/// The meaning of `column` in `meanings`.
pub(super) fn meaning(meanings: &[(&str, &'static str)], column: &str) -> Option<&'static str> {
    meanings
        .iter()
        .find(|(name, _)| *name == column)
        .map(|(_, meaning)| *meaning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report;

    /// Every column the report writes is described here.
    #[test]
    fn every_written_column_has_a_meaning() {
        let axes = [AXES_PLACEHOLDER.to_string()];
        let cases = [
            (
                report::trials_header(&axes, true).expect("a header"),
                TRIALS_MEANINGS,
            ),
            (
                report::summary_header(&axes, true).expect("a header"),
                SUMMARY_MEANINGS,
            ),
            (
                report::REQUESTS_COLUMNS.map(String::from).to_vec(),
                REQUESTS_MEANINGS,
            ),
            (
                report::NODES_COLUMNS.map(String::from).to_vec(),
                NODES_MEANINGS,
            ),
            (
                crate::explore::campaign_rows::CAMPAIGN_COLUMNS
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
                CAMPAIGN_MEANINGS,
            ),
            (
                crate::explore::campaign_files::FAILURES_COLUMNS
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
                FAILURES_MEANINGS,
            ),
        ];
        for (header, meanings) in cases {
            for column in &header {
                assert!(
                    meaning(meanings, column).is_some(),
                    "{column} has no meaning"
                );
            }
        }
        assert_eq!(meaning(TRIALS_MEANINGS, "no such column"), None);
    }
}
