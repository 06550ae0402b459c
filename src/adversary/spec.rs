//! Behaviours as a scenario names them (`byzantine: [(.., behaviour: SlowPrimary(delay_ms:
//! 150.0))]`): the RON schema (its numbers checked types, refused where they are written), the
//! check of what no type can tell (a `Custom` name must be registered), and the construction of
//! the behaviour of one replica of one trial.

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
use crate::net::{ms_to_ns, Millis, Probability};
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

fn default_mutate_probability() -> Probability {
    Probability::new(0.2).expect("0.2 is a probability")
}

/// Every built-in behaviour as a scenario writes it, with what it means: `(form, meaning)`,
/// one entry per [`BehaviourSpec`] variant, in declaration order (behaviours registered by a
/// program are used through `Custom`). Parse errors quote the form of the behaviour being
/// read, and `pbft-sim list behaviours` prints the table.
pub const FORMS: &[(&str, &str)] = &[
    ("Silent", "sends nothing, ever (a crash from the start)"),
    (
        "SeedAdversary",
        "the seed tutorial's adversary: forged pre-prepares as primary, dropped or fake \
         PREPAREs and no COMMIT as backup",
    ),
    (
        "Equivocate",
        "as primary, sends conflicting well-formed pre-prepares to different backups",
    ),
    (
        "WrongDigest",
        "votes PREPARE and COMMIT for digests nobody proposed",
    ),
    (
        "SlowPrimary(delay_ms: 150.0)",
        "as primary, holds every pre-prepare back by delay_ms",
    ),
    (
        "Censor(clients: [0])",
        "as primary, never orders the requests of these clients",
    ),
    (
        "SelectiveSilence(to: [1, 2])",
        "drops everything it would send to these replicas",
    ),
    (
        "ViewChangeStorm",
        "demands view changes without cause, periodically",
    ),
    ("Replay", "resends old messages alongside new ones"),
    (
        "Mutate(probability: 0.2, field: View)",
        "corrupts one field (View, Seq or Digest) of outgoing messages with this probability, \
         re-signed; both fields optional (defaults 0.2 and View)",
    ),
    (
        "SplitBrain",
        "a coalition: the byzantine primary orders different batches at one sequence number \
         for two halves of the honest replicas, its accomplices vote for both",
    ),
    (
        "Custom(name: \"MyBehaviour\")",
        "a behaviour a program registered under this name (pbft_sim::adversary::register)",
    ),
];

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
        delay_ms: Millis,
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
        probability: Probability,
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
                delay_ns: ms_to_ns(delay_ms.get()),
            }),
            BehaviourSpec::Censor { clients } => Box::new(Censor::new(clients)),
            BehaviourSpec::SelectiveSilence { to } => Box::new(SelectiveSilence::new(to)),
            BehaviourSpec::ViewChangeStorm => Box::new(ViewChangeStorm::default()),
            BehaviourSpec::Replay => Box::new(Replay::default()),
            BehaviourSpec::Mutate { probability, field } => {
                Box::new(Mutate::new(probability.get(), *field))
            }
            BehaviourSpec::SplitBrain => Box::new(SplitBrain::join(ctx)?),
            BehaviourSpec::Custom { name } => match registry::factory(name) {
                Some(factory) => factory(ctx)?,
                None => return Err(BuildError::Unregistered(name.clone())),
            },
        })
    }
}

/// A `Custom` behaviour whose name no factory is registered under.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown custom behaviour {name:?} ({}; register it with \
     pbft_sim::adversary::register before running)",
    known_names(.registered)
)]
pub struct UnknownBehaviour {
    /// The name asked for.
    pub name: String,
    /// The names registered in this program, sorted.
    pub registered: Vec<String>,
}

fn known_names(registered: &[String]) -> String {
    if registered.is_empty() {
        "none is registered in this program".to_string()
    } else {
        format!("registered: {}", registered.join(", "))
    }
}

/// Checks what a behaviour's parameter types cannot: a `Custom` name must be registered
/// (`SlowPrimary`'s delay and `Mutate`'s probability were checked when the scenario was read).
pub fn check_spec(spec: &BehaviourSpec) -> Result<(), UnknownBehaviour> {
    match spec {
        BehaviourSpec::Custom { name } if !registry::is_registered(name) => Err(UnknownBehaviour {
            name: name.clone(),
            registered: registry::registered(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BehaviourSpec, ron::error::SpannedError> {
        ron::from_str(text)
    }

    fn ms(v: f64) -> Millis {
        Millis::new(v).expect("a duration")
    }

    fn p(v: f64) -> Probability {
        Probability::new(v).expect("a probability")
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
                BehaviourSpec::SlowPrimary {
                    delay_ms: ms(150.0),
                },
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
                    probability: p(0.3),
                    field: MutateField::Digest,
                },
            ),
            (
                "Mutate()",
                BehaviourSpec::Mutate {
                    probability: p(0.2),
                    field: MutateField::View,
                },
            ),
            (
                "Mutate(field: Seq)",
                BehaviourSpec::Mutate {
                    probability: p(0.2),
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
    fn bad_parameters_are_refused_where_they_are_written() {
        assert!(parse("SlowPrimary(delay_ms: 0.0)").is_ok());
        for (bad, col) in [
            ("SlowPrimary(delay_ms: -1.0)", 23),
            ("SlowPrimary(delay_ms: NaN)", 23),
            ("SlowPrimary(delay_ms: inf)", 23),
            ("Mutate(probability: 1.5)", 21),
            ("Mutate(probability: -0.1)", 21),
            ("Mutate(probability: NaN, field: Seq)", 21),
        ] {
            let e = parse(bad).expect_err(bad);
            assert_eq!(
                (e.span.start.line, e.span.start.col),
                (1, col),
                "{bad}: {e}"
            );
            assert!(e.to_string().contains("must be"), "{bad}: {e}");
        }
        for ok in ["Mutate(probability: 0.0)", "Mutate(probability: 1.0)"] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn check_spec_refuses_unregistered_names() {
        let e = check_spec(&BehaviourSpec::Custom {
            name: "spec-test-never-registered".into(),
        })
        .expect_err("not registered");
        assert_eq!(e.name, "spec-test-never-registered");
        let text = e.to_string();
        assert!(
            text.starts_with("unknown custom behaviour \"spec-test-never-registered\" (")
                && text
                    .ends_with("; register it with pbft_sim::adversary::register before running)"),
            "{text}"
        );
        assert!(check_spec(&BehaviourSpec::SplitBrain).is_ok());
        assert!(check_spec(&BehaviourSpec::SlowPrimary { delay_ms: ms(1.0) }).is_ok());
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

    /// The variant's position in [`BehaviourSpec`]'s declaration (a new variant fails to
    /// compile here).
    fn variant_index(spec: &BehaviourSpec) -> usize {
        match spec {
            BehaviourSpec::Silent => 0,
            BehaviourSpec::SeedAdversary => 1,
            BehaviourSpec::Equivocate => 2,
            BehaviourSpec::WrongDigest => 3,
            BehaviourSpec::SlowPrimary { .. } => 4,
            BehaviourSpec::Censor { .. } => 5,
            BehaviourSpec::SelectiveSilence { .. } => 6,
            BehaviourSpec::ViewChangeStorm => 7,
            BehaviourSpec::Replay => 8,
            BehaviourSpec::Mutate { .. } => 9,
            BehaviourSpec::SplitBrain => 10,
            BehaviourSpec::Custom { .. } => 11,
        }
    }

    #[test]
    fn every_form_parses_and_every_behaviour_has_one_in_order() {
        let indices: Vec<usize> = FORMS
            .iter()
            .map(|(form, meaning)| {
                assert!(!meaning.is_empty(), "{form} has a meaning");
                let parsed = parse(form).unwrap_or_else(|e| panic!("{form} does not parse: {e}"));
                variant_index(&parsed)
            })
            .collect();
        assert_eq!(indices, (0..12).collect::<Vec<_>>());
    }
}
