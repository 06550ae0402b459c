//! The properties a campaign checks, and the verdict of one trial against them.
//!
//! - `Safety`: the oracle's verdict (agreement, validity, integrity, state; Castro & Liskov
//!   §4.5.1): it must hold whatever the faults, so any violation is a failure, within f or
//!   beyond it (beyond f a violation is what a search is for: the bound is tight).
//! - `LivenessWithinF { heal_by_ms, grace_ms }`: when at most f replicas are faulty (byzantine,
//!   or crashed for good) and every timed fault has ended by `heal_by_ms`, every request
//!   completes and every honest replica executes it by `heal_by_ms + grace_ms` (§4.5.2: PBFT is
//!   live once delays stop growing faster than its timeouts). A drawn scenario's time limit is
//!   `heal_by_ms + grace_ms`, so the trial's `success` is exactly that; where the premise does
//!   not hold the property says nothing.
//!
//! A failure's signature names the property and how it failed (`safety-agreement`,
//! `liveness-requests`, `liveness-replicas`): failures are grouped by it, and shrinking keeps
//! only candidates that fail with the same signature.

use serde::{Deserialize, Serialize};

use crate::net::{Fault, FaultPlan, Millis};
use crate::scenario::validate::effective_f;
use crate::scenario::Scenario;
use crate::sim::TrialOutcome;

/// A property to check on every trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Property {
    /// No violation of agreement, validity, integrity or state.
    Safety,
    /// With at most f faulty replicas and every timed fault over by `heal_by_ms`, every
    /// request completes and every honest replica executes it by `heal_by_ms + grace_ms`.
    LivenessWithinF {
        /// Every timed fault ends by then (crash-recover restarts, windows close).
        heal_by_ms: Millis,
        /// How long after `heal_by_ms` the protocol has to finish.
        grace_ms: Millis,
    },
}

impl Property {
    /// The property's name as files write it: `safety` or `liveness`.
    pub fn label(&self) -> &'static str {
        match self {
            Property::Safety => "safety",
            Property::LivenessWithinF { .. } => "liveness",
        }
    }
}

/// How a failing trial failed: the property and the way (`safety-agreement`,
/// `liveness-requests`): a short lowercase name, usable as a file name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Signature(pub String);

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A trial's verdict against a list of properties.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Every property that applies holds.
    Pass,
    /// The first property (in the space's order) that fails.
    Fail {
        /// How it failed.
        signature: Signature,
        /// One line saying what went wrong (the oracle's first violation, or what did not
        /// complete).
        detail: String,
    },
}

impl Verdict {
    /// Whether the trial failed.
    pub fn failed(&self) -> bool {
        matches!(self, Verdict::Fail { .. })
    }

    /// The failure's signature, if it failed.
    pub fn signature(&self) -> Option<&Signature> {
        match self {
            Verdict::Pass => None,
            Verdict::Fail { signature, .. } => Some(signature),
        }
    }
}

/// Faulty replicas a scenario has at most: byzantine ones plus those that crash for good
/// (counted apart even where a placement might make them the same replica: an over-count only
/// makes the liveness premise stricter).
pub fn faulty_at_most(scenario: &Scenario) -> u32 {
    let byzantine: u32 = scenario.byzantine.iter().map(|g| g.count).sum();
    let for_good = FaultPlan::new(scenario.faults.clone()).crashed_for_good();
    byzantine.saturating_add(for_good.len() as u32)
}

/// Whether every timed fault of `scenario` is over by `heal_by_ms` (a crash for good is not a
/// timed fault here: it counts as a faulty replica instead).
pub fn faults_heal_by(scenario: &Scenario, heal_by_ms: f64) -> bool {
    scenario.faults.iter().all(|f| match f {
        Fault::Crash { recover_at_ms, .. } => recover_at_ms.is_none_or(|r| r.get() <= heal_by_ms),
        Fault::Partition { until_ms, .. }
        | Fault::Slow { until_ms, .. }
        | Fault::Loss { until_ms, .. } => until_ms.get() <= heal_by_ms,
    })
}

/// Whether `LivenessWithinF(heal_by_ms, ..)`'s premise holds for `scenario`: at most f faulty
/// replicas and every timed fault over by `heal_by_ms`.
pub fn liveness_applies(scenario: &Scenario, heal_by_ms: f64) -> bool {
    faulty_at_most(scenario) <= effective_f(scenario) && faults_heal_by(scenario, heal_by_ms)
}

/// The time limit a drawn scenario gets under `properties`: `heal_by_ms + grace_ms` of the
/// first liveness property, if there is one.
pub fn liveness_time_limit_ms(properties: &[Property]) -> Option<f64> {
    properties.iter().find_map(|p| match p {
        Property::LivenessWithinF {
            heal_by_ms,
            grace_ms,
        } => Some(heal_by_ms.get() + grace_ms.get()),
        Property::Safety => None,
    })
}

/// Judges one trial of `scenario` (which gave `outcome`) against `properties`, in order.
pub fn judge(properties: &[Property], scenario: &Scenario, outcome: &TrialOutcome) -> Verdict {
    for property in properties {
        match property {
            Property::Safety => {
                if !outcome.safety_ok {
                    let kind = outcome
                        .violation_details
                        .first()
                        .map_or("unknown", |d| d.kind.label());
                    return Verdict::Fail {
                        signature: Signature(format!("safety-{kind}")),
                        detail: outcome
                            .violations
                            .first()
                            .cloned()
                            .unwrap_or_else(|| format!("a {kind} violation")),
                    };
                }
            }
            Property::LivenessWithinF {
                heal_by_ms,
                grace_ms,
            } => {
                if outcome.success || !liveness_applies(scenario, heal_by_ms.get()) {
                    continue;
                }
                let by = heal_by_ms.get() + grace_ms.get();
                let (how, detail) = if outcome.completed < outcome.requests {
                    (
                        "requests",
                        format!(
                            "{} of {} requests completed by {by} ms",
                            outcome.completed, outcome.requests
                        ),
                    )
                } else {
                    (
                        "replicas",
                        format!(
                            "every request completed, but some honest replica had not \
                             executed them all by {by} ms"
                        ),
                    )
                };
                return Verdict::Fail {
                    signature: Signature(format!("liveness-{how}")),
                    detail,
                };
            }
        }
    }
    Verdict::Pass
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::tests_support::scenario;
    use crate::oracle::{Property as ViolationKind, ViolationDetail};

    const LIVE: &[Property] = &[];

    fn liveness(heal_by: f64, grace: f64) -> Property {
        Property::LivenessWithinF {
            heal_by_ms: Millis::new(heal_by).expect("a duration"),
            grace_ms: Millis::new(grace).expect("a duration"),
        }
    }

    #[test]
    fn an_unsafe_trial_fails_safety_by_its_first_violation_kind() {
        let s = scenario(r#"Scenario(name: "t", replicas: 4)"#);
        let outcome = TrialOutcome {
            safety_ok: false,
            success: true,
            violations: vec!["agreement: seq 1".into()],
            violation_details: vec![ViolationDetail {
                kind: ViolationKind::Agreement,
                at_ms: 3.0,
                seq: Some(1),
                replicas: vec![1, 2],
                client: None,
                timestamp: None,
            }],
            ..TrialOutcome::default()
        };
        let verdict = judge(&[Property::Safety], &s, &outcome);
        assert_eq!(
            verdict.signature(),
            Some(&Signature("safety-agreement".into()))
        );
        assert_eq!(judge(LIVE, &s, &outcome), Verdict::Pass);
    }

    #[test]
    fn liveness_is_asked_only_within_f_and_after_the_faults_heal() {
        let stalled = TrialOutcome {
            safety_ok: true,
            success: false,
            requests: 2,
            completed: 1,
            ..TrialOutcome::default()
        };
        let p = [liveness(5000.0, 10000.0)];
        let within = scenario(
            r#"Scenario(name: "t", replicas: 4,
               byzantine: [(count: 1, placement: Primary, behaviour: Silent)],
               faults: [Crash(replicas: [2], at_ms: 10.0, recover_at_ms: Some(400.0))])"#,
        );
        assert_eq!(
            judge(&p, &within, &stalled).signature(),
            Some(&Signature("liveness-requests".into()))
        );
        // Two faulty replicas at n = 4: nothing is promised.
        let beyond = scenario(
            r#"Scenario(name: "t", replicas: 4,
               byzantine: [(count: 1, placement: Primary, behaviour: Silent)],
               faults: [Crash(replicas: [2], at_ms: 10.0)])"#,
        );
        assert_eq!(judge(&p, &beyond, &stalled), Verdict::Pass);
        // A fault still on after heal_by_ms: nothing is promised either.
        let late = scenario(
            r#"Scenario(name: "t", replicas: 4,
               faults: [Loss(probability: 0.5, from_ms: 0.0, until_ms: 6000.0)])"#,
        );
        assert_eq!(judge(&p, &late, &stalled), Verdict::Pass);
        let lagging = TrialOutcome {
            completed: 2,
            ..stalled
        };
        assert_eq!(
            judge(&p, &within, &lagging).signature(),
            Some(&Signature("liveness-replicas".into()))
        );
    }
}
