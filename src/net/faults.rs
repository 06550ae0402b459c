//! Timed faults: crashes (with recovery), partitions, slow replicas and bursts of loss, each
//! active over a window of virtual time (as in the turmoil simulator). Pure queries: the
//! simulator asks, per message or event, which faults apply at that instant.

use serde::{Deserialize, Serialize};

use super::checked::{FieldError, Millis, Positive, Probability};
use super::ms_to_ns;

/// Every fault kind as a scenario writes it, with what it means: `(form, meaning)`, one entry
/// per [`Fault`] variant, in declaration order. Parse errors quote the form of the fault being
/// read, and `pbft-sim list faults` prints the table.
pub const FORMS: &[(&str, &str)] = &[
    (
        "Crash(replicas: [1], at_ms: 100.0, recover_at_ms: Some(400.0))",
        "the replicas stop at at_ms; with recover_at_ms they restart then (omit it: never)",
    ),
    (
        "Partition(groups: [[0, 1], [2, 3]], from_ms: 0.0, until_ms: 500.0, one_way: false)",
        "messages between replicas of different groups are lost in [from_ms, until_ms); \
         one_way (optional) cuts only earlier-to-later groups",
    ),
    (
        "Slow(replicas: [2], factor: 3.0, from_ms: 0.0, until_ms: 500.0)",
        "messages sent by or to the replicas take factor times longer in [from_ms, until_ms)",
    ),
    (
        "Loss(probability: 0.2, from_ms: 0.0, until_ms: 500.0)",
        "every message is lost with this extra probability in [from_ms, until_ms)",
    ),
];

/// A fault active over a window of virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Fault {
    /// The replicas stop at `at_ms`: they receive nothing and their timers are lost. With
    /// `recover_at_ms`, they restart then with their durable state (log, service state) and
    /// catch up through status messages and state transfer.
    Crash {
        /// Replica ids.
        replicas: Vec<u32>,
        /// When they crash.
        at_ms: Millis,
        /// When they restart; never if `None`.
        #[serde(default)]
        recover_at_ms: Option<Millis>,
    },
    /// Messages between replicas of different groups are lost from `from_ms` until `until_ms`.
    /// With `one_way`, only messages from an earlier group in the list to a later one are lost.
    /// Replicas in no group, and clients, are not cut off.
    Partition {
        /// Groups of replica ids.
        groups: Vec<Vec<u32>>,
        /// Start.
        from_ms: Millis,
        /// End (exclusive).
        until_ms: Millis,
        /// Only earlier-to-later groups are cut.
        #[serde(default)]
        one_way: bool,
    },
    /// Messages sent by or to these replicas take `factor` times longer.
    Slow {
        /// Replica ids.
        replicas: Vec<u32>,
        /// Delay multiplier.
        factor: Positive,
        /// Start.
        from_ms: Millis,
        /// End (exclusive).
        until_ms: Millis,
    },
    /// Every message is lost with this extra probability.
    Loss {
        /// Probability of loss, on top of the network's `drop`.
        probability: Probability,
        /// Start.
        from_ms: Millis,
        /// End (exclusive).
        until_ms: Millis,
    },
}

fn within(now_ns: u64, from_ms: Millis, until_ms: Millis) -> bool {
    now_ns >= ms_to_ns(from_ms.get()) && now_ns < ms_to_ns(until_ms.get())
}

/// The faults of a trial, answering the simulator's questions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    faults: Vec<Fault>,
}

impl FaultPlan {
    /// A plan of `faults`.
    pub fn new(faults: Vec<Fault>) -> FaultPlan {
        FaultPlan { faults }
    }

    /// The faults, as written.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// Whether there is no fault at all.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// Whether replica `replica` is down at `now_ns`.
    pub fn crashed(&self, replica: u32, now_ns: u64) -> bool {
        self.faults.iter().any(|f| match f {
            Fault::Crash {
                replicas,
                at_ms,
                recover_at_ms,
            } => {
                replicas.contains(&replica)
                    && now_ns >= ms_to_ns(at_ms.get())
                    && recover_at_ms.is_none_or(|r| now_ns < ms_to_ns(r.get()))
            }
            _ => false,
        })
    }

    /// Replicas that crash and never recover: faulty for the whole trial's accounting.
    pub fn crashed_for_good(&self) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .faults
            .iter()
            .flat_map(|f| match f {
                Fault::Crash {
                    replicas,
                    recover_at_ms: None,
                    ..
                } => replicas.clone(),
                _ => Vec::new(),
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Recoveries: (time in ns, replica), in time order.
    pub fn recoveries(&self) -> Vec<(u64, u32)> {
        let mut out: Vec<(u64, u32)> = self
            .faults
            .iter()
            .flat_map(|f| match f {
                Fault::Crash {
                    replicas,
                    recover_at_ms: Some(at),
                    ..
                } => replicas.iter().map(|r| (ms_to_ns(at.get()), *r)).collect(),
                _ => Vec::new(),
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Whether a partition cuts replica `from` off from replica `to` at `now_ns`.
    pub fn partitioned(&self, from: u32, to: u32, now_ns: u64) -> bool {
        self.faults.iter().any(|f| match f {
            Fault::Partition {
                groups,
                from_ms,
                until_ms,
                one_way,
            } if within(now_ns, *from_ms, *until_ms) => {
                let group = |r: u32| groups.iter().position(|g| g.contains(&r));
                match (group(from), group(to)) {
                    (Some(a), Some(b)) => a != b && (!one_way || a < b),
                    _ => false,
                }
            }
            _ => false,
        })
    }

    /// The delay multiplier for a message between `from` and `to` (replica ids or `None` for
    /// clients) at `now_ns`.
    pub fn slowdown(&self, from: Option<u32>, to: Option<u32>, now_ns: u64) -> f64 {
        self.faults
            .iter()
            .map(|f| match f {
                Fault::Slow {
                    replicas,
                    factor,
                    from_ms,
                    until_ms,
                } if within(now_ns, *from_ms, *until_ms)
                    && [from, to]
                        .iter()
                        .any(|r| r.is_some_and(|r| replicas.contains(&r))) =>
                {
                    factor.get()
                }
                _ => 1.0,
            })
            .product()
    }

    /// The smallest slowdown factor any `Slow` fault applies (1 if none).
    pub fn min_slowdown(&self) -> f64 {
        self.faults
            .iter()
            .filter_map(|f| match f {
                Fault::Slow { factor, .. } => Some(factor.get()),
                _ => None,
            })
            .fold(1.0, f64::min)
    }

    /// The extra loss probability at `now_ns` (bursts combine as independent losses).
    pub fn extra_loss(&self, now_ns: u64) -> f64 {
        let kept: f64 = self
            .faults
            .iter()
            .map(|f| match f {
                Fault::Loss {
                    probability,
                    from_ms,
                    until_ms,
                } if within(now_ns, *from_ms, *until_ms) => 1.0 - probability.get(),
                _ => 1.0,
            })
            .product();
        1.0 - kept
    }

    /// Checks what the faults' field types cannot: replica ids against `replicas`, and each
    /// window's start before its end. The error's path starts at `faults[i]`.
    pub fn validate(faults: &[Fault], replicas: u32) -> Result<(), FieldError> {
        let ids = |field: &str, ids: &[u32]| match ids.iter().find(|r| **r >= replicas) {
            Some(bad) => Err(FieldError::new(
                field,
                format!("replica id {bad} does not exist (replicas: {replicas})"),
            )),
            None => Ok(()),
        };
        let window = |from: &str, until: &str, start: Millis, end: Millis| {
            if start <= end {
                Ok(())
            } else {
                Err(FieldError::new(
                    until,
                    format!(
                        "the window must satisfy 0 <= {from} <= {until}, got {}..{}",
                        start.get(),
                        end.get()
                    ),
                ))
            }
        };
        for (i, fault) in faults.iter().enumerate() {
            let at = |e: FieldError| e.within(&format!("faults[{i}]"));
            match fault {
                Fault::Crash {
                    replicas: r,
                    at_ms,
                    recover_at_ms,
                } => {
                    ids("replicas", r).map_err(at)?;
                    let end = recover_at_ms.unwrap_or(*at_ms);
                    window("at_ms", "recover_at_ms", *at_ms, end).map_err(at)?;
                }
                Fault::Partition {
                    groups,
                    from_ms,
                    until_ms,
                    ..
                } => {
                    for g in groups {
                        ids("groups", g).map_err(at)?;
                    }
                    window("from_ms", "until_ms", *from_ms, *until_ms).map_err(at)?;
                }
                Fault::Slow {
                    replicas: r,
                    from_ms,
                    until_ms,
                    ..
                } => {
                    ids("replicas", r).map_err(at)?;
                    window("from_ms", "until_ms", *from_ms, *until_ms).map_err(at)?;
                }
                Fault::Loss {
                    from_ms, until_ms, ..
                } => {
                    window("from_ms", "until_ms", *from_ms, *until_ms).map_err(at)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    /// The faults written `text` in RON.
    fn faults(text: &str) -> Vec<Fault> {
        ron::from_str(text).expect("valid faults")
    }

    #[test]
    fn windows_and_groups() {
        let plan = FaultPlan::new(faults(
            "[
                Crash(replicas: [1], at_ms: 10.0, recover_at_ms: Some(20.0)),
                Crash(replicas: [3], at_ms: 5.0),
                Partition(groups: [[0, 1], [2]], from_ms: 0.0, until_ms: 50.0, one_way: true),
                Slow(replicas: [2], factor: 3.0, from_ms: 0.0, until_ms: 10.0),
                Loss(probability: 0.5, from_ms: 0.0, until_ms: 10.0),
            ]",
        ));
        assert!(!plan.crashed(1, 9 * MS) && plan.crashed(1, 10 * MS) && !plan.crashed(1, 20 * MS));
        assert!(plan.crashed(3, 1000 * MS));
        assert_eq!(plan.crashed_for_good(), vec![3]);
        assert_eq!(plan.recoveries(), vec![(20 * MS, 1)]);
        assert!(plan.partitioned(0, 2, MS), "earlier to later group");
        assert!(!plan.partitioned(2, 0, MS), "one way");
        assert!(!plan.partitioned(0, 1, MS), "same group");
        assert!(!plan.partitioned(0, 3, MS), "3 is in no group");
        assert!(!plan.partitioned(0, 2, 50 * MS), "window over");
        assert_eq!(plan.slowdown(Some(0), Some(2), MS), 3.0);
        assert_eq!(plan.slowdown(Some(2), None, 11 * MS), 1.0);
        assert_eq!(plan.extra_loss(MS), 0.5);
        assert_eq!(plan.extra_loss(10 * MS), 0.0);
    }

    #[test]
    fn validation_names_the_fault_and_field() {
        let path = |text: &str| FaultPlan::validate(&faults(text), 4).map_err(|e| e.path);
        assert_eq!(
            path("[Crash(replicas: [7], at_ms: 0.0)]"),
            Err("faults[0].replicas".into())
        );
        assert_eq!(
            path("[Crash(replicas: [1], at_ms: 0.0), Loss(probability: 0.1, from_ms: 9.0, until_ms: 1.0)]"),
            Err("faults[1].until_ms".into())
        );
        assert_eq!(
            path("[Crash(replicas: [1], at_ms: 5.0, recover_at_ms: Some(2.0))]"),
            Err("faults[0].recover_at_ms".into())
        );
        assert_eq!(path("[Crash(replicas: [1], at_ms: 5.0)]"), Ok(()));
    }

    #[test]
    fn bad_values_are_refused_while_reading() {
        for bad in [
            "[Slow(replicas: [0], factor: 0.0, from_ms: 0.0, until_ms: 1.0)]",
            "[Loss(probability: 1.5, from_ms: 0.0, until_ms: 1.0)]",
            "[Crash(replicas: [0], at_ms: -1.0)]",
        ] {
            assert!(ron::from_str::<Vec<Fault>>(bad).is_err(), "{bad}");
        }
    }

    /// The variant's position in [`Fault`]'s declaration (a new variant fails to compile here).
    fn variant_index(fault: &Fault) -> usize {
        match fault {
            Fault::Crash { .. } => 0,
            Fault::Partition { .. } => 1,
            Fault::Slow { .. } => 2,
            Fault::Loss { .. } => 3,
        }
    }

    #[test]
    fn every_form_parses_and_every_fault_has_one_in_order() {
        let indices: Vec<usize> = FORMS
            .iter()
            .map(|(form, meaning)| {
                assert!(!meaning.is_empty(), "{form} has a meaning");
                let parsed = ron::from_str::<Fault>(form)
                    .unwrap_or_else(|e| panic!("{form} does not parse: {e}"));
                assert_eq!(
                    FaultPlan::validate(std::slice::from_ref(&parsed), 4),
                    Ok(()),
                    "{form} is valid at n = 4"
                );
                variant_index(&parsed)
            })
            .collect();
        assert_eq!(indices, (0..4).collect::<Vec<_>>());
    }
}
