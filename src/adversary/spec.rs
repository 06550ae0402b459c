//! Behaviours as a scenario names them (`byzantine: [(.., behaviour: SlowPrimary(delay_ms:
//! 150.0))]`): the RON schema, the check of its parameters, and the construction of the
//! behaviour of one replica of one trial.

use serde::{Deserialize, Serialize};

use super::builtin::{SeedAdversary, Silent};
use super::corrupt::{Mutate, WrongDigest};
use super::equivocate::Equivocate;
use super::filter::{Censor, SelectiveSilence};
use super::registry;
use super::replay::Replay;
use super::split_brain::SplitBrain;
use super::timing::{SlowPrimary, ViewChangeStorm};
use super::{Behaviour, BuildContext, BuildError};
use crate::net::ms_to_ns;
use crate::protocol::{ClientId, ReplicaId};

/// Which field of an outgoing message `Mutate` corrupts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MutateField {
    /// The view number, moved by one up or down.
    #[default]
    View,
    /// The sequence number (or checkpoint number), moved by one up or down.
    Seq,
    /// The digest (of a batch, or a checkpoint's state), replaced by one nobody computed.
    Digest,
}

fn default_mutate_probability() -> f64 {
    0.2
}

/// A behaviour, as named in a scenario's `byzantine` list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum BehaviourSpec {
    /// Sends nothing, ever (see `Silent`).
    Silent,
    /// The seed tutorial's adversary (see `SeedAdversary`).
    SeedAdversary,
    /// As primary, sends conflicting, well-formed pre-prepares to different backups (see
    /// `Equivocate`).
    Equivocate,
    /// Votes PREPARE and COMMIT for digests nobody proposed (see `WrongDigest`).
    WrongDigest,
    /// As primary, holds every pre-prepare back by `delay_ms` (see `SlowPrimary`).
    SlowPrimary {
        /// Virtual milliseconds each pre-prepare is held back.
        delay_ms: f64,
    },
    /// As primary, never orders the requests of these clients (see `Censor`).
    Censor {
        /// The censored clients.
        clients: Vec<ClientId>,
    },
    /// Drops everything it would send to these replicas (see `SelectiveSilence`).
    SelectiveSilence {
        /// The replicas left out.
        to: Vec<ReplicaId>,
    },
    /// Demands view changes without cause, periodically (see `ViewChangeStorm`).
    ViewChangeStorm,
    /// Resends old messages alongside new ones (see `Replay`).
    Replay,
    /// Corrupts one field of outgoing protocol messages, re-signed (see `Mutate`).
    Mutate {
        /// Probability that a given message (to a given recipient) is corrupted.
        #[serde(default = "default_mutate_probability")]
        probability: f64,
        /// Which field.
        #[serde(default)]
        field: MutateField,
    },
    /// A coalition: a byzantine primary orders different batches at one sequence number for
    /// two halves of the honest replicas, and its accomplices vote for both (see `SplitBrain`).
    SplitBrain,
    /// A behaviour registered by name with [`register`](super::register).
    Custom {
        /// The registered name.
        name: String,
    },
}

impl BehaviourSpec {
    /// Builds replica `replica`'s behaviour for one trial. `ctx` is the trial's build context,
    /// the same for every replica of the trial (coalitions share state through it). A `Custom`
    /// name that is not registered (which `check_spec` reports before any run), a coalition
    /// asked for with another state type, or a factory that refuses, is an error.
    pub fn build(
        &self,
        replica: ReplicaId,
        ctx: &mut BuildContext,
    ) -> Result<Box<dyn Behaviour>, BuildError> {
        ctx.set_replica(replica);
        Ok(match self {
            BehaviourSpec::Silent => Box::new(Silent),
            BehaviourSpec::SeedAdversary => Box::new(SeedAdversary::default()),
            BehaviourSpec::Equivocate => Box::new(Equivocate::default()),
            BehaviourSpec::WrongDigest => Box::new(WrongDigest::default()),
            BehaviourSpec::SlowPrimary { delay_ms } => Box::new(SlowPrimary {
                delay_ns: ms_to_ns(*delay_ms),
            }),
            BehaviourSpec::Censor { clients } => Box::new(Censor::new(clients)),
            BehaviourSpec::SelectiveSilence { to } => Box::new(SelectiveSilence::new(to)),
            BehaviourSpec::ViewChangeStorm => Box::new(ViewChangeStorm::default()),
            BehaviourSpec::Replay => Box::new(Replay::default()),
            BehaviourSpec::Mutate { probability, field } => {
                Box::new(Mutate::new(*probability, *field))
            }
            BehaviourSpec::SplitBrain => Box::new(SplitBrain::join(ctx)?),
            BehaviourSpec::Custom { name } => match registry::factory(name) {
                Some(factory) => factory(ctx)?,
                None => return Err(BuildError::Unregistered(name.clone())),
            },
        })
    }
}

/// Checks a behaviour's parameters: a `Custom` name must be registered, `Mutate`'s
/// probability must lie in [0, 1], `SlowPrimary`'s delay must be a finite number of ms >= 0.
/// The error is one line saying what is wrong.
pub fn check_spec(spec: &BehaviourSpec) -> Result<(), String> {
    match spec {
        BehaviourSpec::SlowPrimary { delay_ms } => {
            if delay_ms.is_finite() && *delay_ms >= 0.0 {
                Ok(())
            } else {
                Err(format!(
                    "SlowPrimary delay_ms must be a finite number of ms >= 0, got {delay_ms}"
                ))
            }
        }
        BehaviourSpec::Mutate { probability, .. } => {
            if (0.0..=1.0).contains(probability) {
                Ok(())
            } else {
                Err(format!(
                    "Mutate probability must be between 0 and 1, got {probability}"
                ))
            }
        }
        BehaviourSpec::Custom { name } => {
            if registry::is_registered(name) {
                return Ok(());
            }
            let known = registry::registered();
            let known = if known.is_empty() {
                "none is registered in this program".to_string()
            } else {
                format!("registered: {}", known.join(", "))
            };
            Err(format!(
                "unknown custom behaviour {name:?} ({known}; register it with \
                 pbft_sim::adversary::register before running)"
            ))
        }
        BehaviourSpec::Silent
        | BehaviourSpec::SeedAdversary
        | BehaviourSpec::Equivocate
        | BehaviourSpec::WrongDigest
        | BehaviourSpec::Censor { .. }
        | BehaviourSpec::SelectiveSilence { .. }
        | BehaviourSpec::ViewChangeStorm
        | BehaviourSpec::Replay
        | BehaviourSpec::SplitBrain => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BehaviourSpec, String> {
        ron::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn ron_names_are_the_contract() {
        let cases = [
            ("Silent", BehaviourSpec::Silent),
            ("SeedAdversary", BehaviourSpec::SeedAdversary),
            ("Equivocate", BehaviourSpec::Equivocate),
            ("WrongDigest", BehaviourSpec::WrongDigest),
            (
                "SlowPrimary(delay_ms: 150.0)",
                BehaviourSpec::SlowPrimary { delay_ms: 150.0 },
            ),
            (
                "Censor(clients: [0, 2])",
                BehaviourSpec::Censor {
                    clients: vec![0, 2],
                },
            ),
            (
                "SelectiveSilence(to: [1])",
                BehaviourSpec::SelectiveSilence { to: vec![1] },
            ),
            ("ViewChangeStorm", BehaviourSpec::ViewChangeStorm),
            ("Replay", BehaviourSpec::Replay),
            (
                "Mutate(probability: 0.3, field: Digest)",
                BehaviourSpec::Mutate {
                    probability: 0.3,
                    field: MutateField::Digest,
                },
            ),
            (
                "Mutate()",
                BehaviourSpec::Mutate {
                    probability: 0.2,
                    field: MutateField::View,
                },
            ),
            (
                "Mutate(field: Seq)",
                BehaviourSpec::Mutate {
                    probability: 0.2,
                    field: MutateField::Seq,
                },
            ),
            ("SplitBrain", BehaviourSpec::SplitBrain),
            (
                "Custom(name: \"X\")",
                BehaviourSpec::Custom { name: "X".into() },
            ),
        ];
        for (text, spec) in cases {
            assert_eq!(parse(text), Ok(spec.clone()), "{text}");
            let back = ron::to_string(&spec).expect("serializes");
            assert_eq!(parse(&back), Ok(spec), "round trip of {text}");
        }
        assert!(parse("SlowPrimary(delay: 1.0)").is_err(), "unknown field");
        assert!(parse("SlowPrimary()").is_err(), "delay_ms is required");
        assert!(parse("Mutate(field: Round)").is_err());
    }

    #[test]
    fn check_spec_reports_bad_parameters() {
        assert!(check_spec(&BehaviourSpec::SlowPrimary { delay_ms: 0.0 }).is_ok());
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let e = check_spec(&BehaviourSpec::SlowPrimary { delay_ms: bad }).unwrap_err();
            assert!(e.contains("delay_ms"), "{e}");
        }
        for (p, ok) in [(0.0, true), (1.0, true), (-0.1, false), (1.5, false)] {
            let spec = BehaviourSpec::Mutate {
                probability: p,
                field: MutateField::Seq,
            };
            assert_eq!(check_spec(&spec).is_ok(), ok, "{p}");
        }
        let nan = BehaviourSpec::Mutate {
            probability: f64::NAN,
            field: MutateField::Seq,
        };
        assert!(check_spec(&nan).is_err());
        let e = check_spec(&BehaviourSpec::Custom {
            name: "spec-test-never-registered".into(),
        })
        .unwrap_err();
        assert!(e.contains("spec-test-never-registered"), "{e}");
        assert!(check_spec(&BehaviourSpec::SplitBrain).is_ok());
    }

    #[test]
    fn an_unregistered_custom_name_is_a_build_error() {
        let mut ctx = BuildContext::new(4, 1);
        let spec = BehaviourSpec::Custom {
            name: "spec-test-missing".into(),
        };
        let e = spec.build(0, &mut ctx).err();
        assert_eq!(
            e,
            Some(BuildError::Unregistered("spec-test-missing".into()))
        );
    }
}
