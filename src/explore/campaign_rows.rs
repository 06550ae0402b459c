//! One row of `campaign.csv`: what a drawn scenario was (n, f, byzantine replicas and their
//! behaviours, faults, workload, delay form) and what its one trial gave (the verdict, the
//! signature of a failure, the oracle's verdict, requests completed, events, virtual time).
//! Rows are plain data, saved losslessly as JSON lines while a campaign runs (`--resume`) and
//! in shard folders (`merge`), so that a row read back writes the same CSV bytes.

use serde::{Deserialize, Serialize};

use super::property::{faulty_at_most, liveness_applies, Property, Verdict};
use super::variant_name;
use crate::scenario::validate::effective_f;
use crate::scenario::Scenario;
use crate::sim::{SimError, TrialOutcome};

/// The signature of a trial the engine could not run.
pub(crate) const ENGINE_ERROR: &str = "engine-error";

/// The columns of `campaign.csv`, in order.
pub(crate) const CAMPAIGN_COLUMNS: &[&str] = &[
    "index",
    "seed",
    "n",
    "f",
    "byzantine",
    "behaviours",
    "placements",
    "faults",
    "fault_kinds",
    "clients",
    "requests",
    "delay",
    "within_f",
    "properties",
    "verdict",
    "signature",
    "detail",
    "safety_ok",
    "success",
    "completed",
    "events",
    "time_ms",
];

/// One drawn scenario and its verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CampaignRow {
    /// The scenario's index in the space.
    pub index: u64,
    /// The drawn scenario's seed.
    pub seed: u64,
    /// Replicas.
    pub n: u32,
    /// The fault bound.
    pub f: u32,
    /// Byzantine replicas, all groups together.
    pub byzantine: u32,
    /// Each group's behaviour, `+`-joined.
    pub behaviours: String,
    /// Each group's placement, `+`-joined.
    pub placements: String,
    /// Timed faults.
    pub faults: u32,
    /// Each fault's kind, `+`-joined (a crash for good is `Crash!`).
    pub fault_kinds: String,
    /// Clients.
    pub clients: u32,
    /// Requests issued (clients x requests per client).
    pub requests: u64,
    /// The network delay's form (`Constant`, `Uniform`, ...).
    pub delay: String,
    /// At most f replicas faulty (byzantine or crashed for good).
    pub within_f: bool,
    /// The properties that applied, `+`-joined.
    pub properties: String,
    /// Whether the trial failed a property (or the engine).
    pub failed: bool,
    /// The failure's signature; empty if it passed.
    pub signature: String,
    /// What failed, in one line; empty if it passed.
    pub detail: String,
    /// The oracle's verdict (`None`: the engine failed).
    pub safety_ok: Option<bool>,
    /// The trial's success.
    pub success: Option<bool>,
    /// Requests completed.
    pub completed: Option<u64>,
    /// Events processed.
    pub events: Option<u64>,
    /// Virtual time at the end, ms.
    pub time_ms: Option<f64>,
}

/// The row of scenario `index`, whose trial gave `result`, judged as `verdict` (ignored when
/// the engine failed).
pub(crate) fn row_of(
    index: u64,
    scenario: &Scenario,
    properties: &[Property],
    result: &Result<(TrialOutcome, Verdict), SimError>,
) -> CampaignRow {
    let byzantine = scenario.byzantine.iter().map(|g| g.count).sum();
    let join = |parts: Vec<String>| parts.join("+");
    let fault_kinds = scenario
        .faults
        .iter()
        .map(|fault| {
            let kind = variant_name(fault);
            let for_good = matches!(
                fault,
                crate::net::Fault::Crash {
                    recover_at_ms: None,
                    ..
                }
            );
            if for_good {
                format!("{kind}!")
            } else {
                kind
            }
        })
        .collect();
    let applied = properties
        .iter()
        .filter(|p| match p {
            Property::Safety => true,
            Property::LivenessWithinF { heal_by_ms, .. } => {
                liveness_applies(scenario, heal_by_ms.get())
            }
        })
        .map(|p| p.label().to_string())
        .collect();
    let clients = scenario.workload.clients.get();
    let mut row = CampaignRow {
        index,
        seed: scenario.seed,
        n: scenario.replicas,
        f: effective_f(scenario),
        byzantine,
        behaviours: join(
            scenario
                .byzantine
                .iter()
                .map(|g| variant_name(&g.behaviour))
                .collect(),
        ),
        placements: join(
            scenario
                .byzantine
                .iter()
                .map(|g| variant_name(&g.placement))
                .collect(),
        ),
        faults: scenario.faults.len() as u32,
        fault_kinds: join(fault_kinds),
        clients,
        requests: u64::from(clients).saturating_mul(scenario.workload.requests.get()),
        delay: variant_name(&scenario.network.delay),
        within_f: faulty_at_most(scenario) <= effective_f(scenario),
        properties: join(applied),
        failed: true,
        signature: ENGINE_ERROR.to_string(),
        detail: String::new(),
        safety_ok: None,
        success: None,
        completed: None,
        events: None,
        time_ms: None,
    };
    match result {
        Err(e) => row.detail = one_line(&e.to_string()),
        Ok((outcome, verdict)) => {
            row.safety_ok = Some(outcome.safety_ok);
            row.success = Some(outcome.success);
            row.completed = Some(outcome.completed);
            row.events = Some(outcome.events);
            row.time_ms = Some(outcome.time_ms);
            match verdict {
                Verdict::Pass => {
                    row.failed = false;
                    row.signature.clear();
                }
                Verdict::Fail { signature, detail } => {
                    row.signature = signature.0.clone();
                    row.detail = one_line(detail);
                }
            }
        }
    }
    row
}

/// `text` on one line (a CSV cell a `grep` can find).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An optional value as a CSV cell: empty when absent.
fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl CampaignRow {
    /// The row's cells, in [`CAMPAIGN_COLUMNS`]' order.
    pub(crate) fn cells(&self) -> Vec<String> {
        vec![
            self.index.to_string(),
            self.seed.to_string(),
            self.n.to_string(),
            self.f.to_string(),
            self.byzantine.to_string(),
            self.behaviours.clone(),
            self.placements.clone(),
            self.faults.to_string(),
            self.fault_kinds.clone(),
            self.clients.to_string(),
            self.requests.to_string(),
            self.delay.clone(),
            self.within_f.to_string(),
            self.properties.clone(),
            if self.failed { "fail" } else { "pass" }.to_string(),
            self.signature.clone(),
            self.detail.clone(),
            cell(self.safety_ok),
            cell(self.success),
            cell(self.completed),
            cell(self.events),
            cell(self.time_ms),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_has_one_cell_per_column_and_names_what_was_drawn() {
        let scenario = crate::scenario::parse(
            "t.ron",
            r#"Scenario(name: "t", replicas: 4, workload: (clients: 2, requests: 3),
               network: (delay: Uniform(min_ms: 1.0, max_ms: 5.0)),
               byzantine: [(count: 1, placement: Primary, behaviour: Silent)],
               faults: [Crash(replicas: [2], at_ms: 10.0)])"#,
        )
        .expect("a valid scenario")
        .points
        .remove(0)
        .scenario;
        let outcome = TrialOutcome {
            safety_ok: true,
            requests: 6,
            completed: 6,
            time_ms: 12.5,
            ..TrialOutcome::default()
        };
        let row = row_of(
            7,
            &scenario,
            &[Property::Safety],
            &Ok((outcome, Verdict::Pass)),
        );
        let cells = row.cells();
        assert_eq!(cells.len(), CAMPAIGN_COLUMNS.len());
        assert_eq!(row.behaviours, "Silent");
        assert_eq!(row.placements, "Primary");
        assert_eq!(row.fault_kinds, "Crash!");
        assert_eq!(row.delay, "Uniform");
        assert_eq!(row.requests, 6);
        assert!(
            !row.within_f,
            "one byzantine and one crashed for good at f = 1"
        );
        assert_eq!(cells[14], "pass");
        assert_eq!(cells[21], "12.5");
    }
}
