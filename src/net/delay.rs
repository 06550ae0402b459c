//! Delay profiles: how long a message spends on a link, in milliseconds, drawn from the sending
//! actor's RNG stream (the asynchronous network of Castro & Liskov §3, with delays from a
//! chosen distribution). A profile is read as a [`DelaySpec`] (its parameters, each checked by
//! its type) and holds the distribution built from them once, so that a draw, done for every
//! message, builds nothing. Normal, log-normal, exponential and Pareto draws are `rand_distr`'s;
//! uniform draws are `rand`'s own range sampling. Every draw is deterministic given the stream.

use rand::RngExt;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Pareto};
use serde::{Deserialize, Serialize};

use super::checked::{FieldError, Millis, NonNegative, Positive, PositiveMillis};
use super::SimRng;

/// Every delay profile as a scenario writes it, with what it means: `(form, meaning)`, one
/// entry per [`DelaySpec`] variant, in declaration order. Parse errors quote the form of the
/// profile being read, and `pbft-sim list delays` prints the table.
pub const FORMS: &[(&str, &str)] = &[
    ("Constant(ms: 5.0)", "every message takes exactly ms"),
    (
        "Uniform(min_ms: 5.0, max_ms: 15.0)",
        "uniform between min_ms and max_ms (min_ms <= max_ms)",
    ),
    (
        "Normal(mean_ms: 10.0, std_ms: 2.0)",
        "normal with this mean and standard deviation, truncated at 0",
    ),
    (
        "LogNormal(median_ms: 20.0, sigma: 0.5)",
        "log-normal: median_ms * exp(sigma * Z), the usual model of WAN jitter",
    ),
    (
        "Exponential(mean_ms: 8.0)",
        "exponential with this mean (> 0)",
    ),
    (
        "Pareto(scale_ms: 10.0, shape: 2.5)",
        "Pareto type I, heavy-tailed: at least scale_ms; the mean is finite for shape > 1",
    ),
    (
        "Shifted(base_ms: 30.0, profile: Exponential(mean_ms: 2.0))",
        "a fixed base_ms plus jitter drawn from another profile",
    ),
];

/// The parameters of a distribution of one-way link delays, as a scenario writes them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum DelaySpec {
    /// Always `ms`.
    Constant {
        /// The delay.
        ms: Millis,
    },
    /// Uniform on `[min_ms, max_ms]`.
    Uniform {
        /// Lower bound.
        min_ms: Millis,
        /// Upper bound.
        max_ms: Millis,
    },
    /// Normal, truncated at 0 (redrawn while negative).
    Normal {
        /// Mean before truncation.
        mean_ms: Millis,
        /// Standard deviation before truncation.
        std_ms: Millis,
    },
    /// Log-normal: `median_ms * exp(sigma * Z)`, the usual model of WAN jitter.
    LogNormal {
        /// The median.
        median_ms: PositiveMillis,
        /// Standard deviation of the underlying normal.
        sigma: NonNegative,
    },
    /// Exponential with mean `mean_ms`.
    Exponential {
        /// The mean.
        mean_ms: PositiveMillis,
    },
    /// Pareto (type I): `scale_ms / U^(1/shape)`, heavy-tailed; the mean is finite for shape > 1.
    Pareto {
        /// The minimum value.
        scale_ms: PositiveMillis,
        /// The tail index.
        shape: Positive,
    },
    /// A fixed propagation delay plus jitter drawn from `profile`.
    Shifted {
        /// Fixed part.
        base_ms: Millis,
        /// Jitter.
        profile: Box<DelaySpec>,
    },
}

/// A distribution of one-way link delays, in milliseconds: its parameters and the sampler
/// built from them. Read and written as its [`DelaySpec`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "DelaySpec", into = "DelaySpec")]
pub struct DelayProfile {
    spec: DelaySpec,
    sampler: Sampler,
}

/// The distribution a profile draws from, built once from its parameters.
#[derive(Clone, Debug)]
enum Sampler {
    Constant(f64),
    Uniform { min_ms: f64, max_ms: f64 },
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Exponential(Exp<f64>),
    Pareto(Pareto<f64>),
    Shifted { base_ms: f64, jitter: Box<Sampler> },
}

/// Parameters that `rand_distr` refuses to build a distribution from (the checked types of
/// [`DelaySpec`] leave none; kept so that a refusal is an error, not a panic).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no {distribution} distribution has these parameters: {reason}")]
pub struct BadDistribution {
    /// The distribution, e.g. `log-normal`.
    pub distribution: &'static str,
    /// `rand_distr`'s reason.
    pub reason: String,
}

fn refused<E: std::fmt::Display>(distribution: &'static str) -> impl Fn(E) -> BadDistribution {
    move |e| BadDistribution {
        distribution,
        reason: e.to_string(),
    }
}

impl Sampler {
    fn build(spec: &DelaySpec) -> Result<Sampler, BadDistribution> {
        Ok(match spec {
            DelaySpec::Constant { ms } => Sampler::Constant(ms.get()),
            DelaySpec::Uniform { min_ms, max_ms } => Sampler::Uniform {
                min_ms: min_ms.get(),
                max_ms: max_ms.get(),
            },
            DelaySpec::Normal { mean_ms, std_ms } => Sampler::Normal(
                Normal::new(mean_ms.get(), std_ms.get()).map_err(refused("normal"))?,
            ),
            DelaySpec::LogNormal { median_ms, sigma } => Sampler::LogNormal(
                LogNormal::new(median_ms.get().ln(), sigma.get()).map_err(refused("log-normal"))?,
            ),
            DelaySpec::Exponential { mean_ms } => {
                Sampler::Exponential(Exp::new(1.0 / mean_ms.get()).map_err(refused("exponential"))?)
            }
            DelaySpec::Pareto { scale_ms, shape } => Sampler::Pareto(
                Pareto::new(scale_ms.get(), shape.get()).map_err(refused("Pareto"))?,
            ),
            DelaySpec::Shifted { base_ms, profile } => Sampler::Shifted {
                base_ms: base_ms.get(),
                jitter: Box::new(Sampler::build(profile)?),
            },
        })
    }

    #[inline]
    fn sample_ms(&self, rng: &mut SimRng) -> f64 {
        match self {
            Sampler::Constant(ms) => *ms,
            Sampler::Uniform { min_ms, max_ms } => {
                if max_ms > min_ms {
                    rng.random_range(*min_ms..=*max_ms)
                } else {
                    *min_ms
                }
            }
            Sampler::Normal(normal) => {
                // Truncation by rejection; bounded so that a mean far below 0 cannot spin.
                for _ in 0..64 {
                    let x = normal.sample(rng);
                    if x >= 0.0 {
                        return x;
                    }
                }
                0.0
            }
            Sampler::LogNormal(log_normal) => log_normal.sample(rng),
            Sampler::Exponential(exp) => exp.sample(rng),
            Sampler::Pareto(pareto) => pareto.sample(rng),
            Sampler::Shifted { base_ms, jitter } => base_ms + jitter.sample_ms(rng),
        }
    }
}

impl TryFrom<DelaySpec> for DelayProfile {
    type Error = BadDistribution;
    fn try_from(spec: DelaySpec) -> Result<DelayProfile, BadDistribution> {
        DelayProfile::new(spec)
    }
}

impl From<DelayProfile> for DelaySpec {
    fn from(profile: DelayProfile) -> DelaySpec {
        profile.spec
    }
}

impl PartialEq for DelayProfile {
    fn eq(&self, other: &DelayProfile) -> bool {
        self.spec == other.spec
    }
}

impl DelayProfile {
    /// The profile of `spec`, its distribution built.
    pub fn new(spec: DelaySpec) -> Result<DelayProfile, BadDistribution> {
        let sampler = Sampler::build(&spec)?;
        Ok(DelayProfile { spec, sampler })
    }

    /// Always `ms`.
    pub fn constant(ms: Millis) -> DelayProfile {
        DelayProfile {
            spec: DelaySpec::Constant { ms },
            sampler: Sampler::Constant(ms.get()),
        }
    }

    /// The parameters.
    pub fn spec(&self) -> &DelaySpec {
        &self.spec
    }

    /// Draws one delay in milliseconds (never negative).
    #[inline]
    pub fn sample_ms(&self, rng: &mut SimRng) -> f64 {
        self.sampler.sample_ms(rng)
    }

    /// The smallest delay this profile can produce (the lookahead bound; docs/design.md, "Determinism").
    pub fn min_ms(&self) -> f64 {
        self.spec.min_ms()
    }

    /// Checks what the parameters' types cannot: a uniform's bounds in order. The error's
    /// path is relative to the profile.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.spec.validate()
    }
}

impl DelaySpec {
    fn min_ms(&self) -> f64 {
        match self {
            DelaySpec::Constant { ms } => ms.get(),
            DelaySpec::Uniform { min_ms, .. } => min_ms.get(),
            DelaySpec::Normal { .. }
            | DelaySpec::LogNormal { .. }
            | DelaySpec::Exponential { .. } => 0.0,
            DelaySpec::Pareto { scale_ms, .. } => scale_ms.get(),
            DelaySpec::Shifted { base_ms, profile } => base_ms.get() + profile.min_ms(),
        }
    }

    fn validate(&self) -> Result<(), FieldError> {
        match self {
            DelaySpec::Uniform { min_ms, max_ms } if min_ms > max_ms => Err(FieldError::new(
                "min_ms",
                format!(
                    "min_ms ({}) is greater than max_ms ({})",
                    min_ms.get(),
                    max_ms.get()
                ),
            )),
            DelaySpec::Shifted { profile, .. } => {
                profile.validate().map_err(|e| e.within("profile"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Enough draws for the Pareto's sample variance (shape 5: a standard error of about 0.9 %
    /// at this count, with a long upper tail since its 8th moment is infinite) to sit well
    /// inside the 5 % bound; at 100,000 draws the error is 2.7 % and the bound 2 errors.
    const DRAWS: usize = 1_000_000;

    /// The profile written `text` in RON.
    fn profile(text: &str) -> DelayProfile {
        ron::from_str(text).expect("a valid profile")
    }

    /// Sample mean and variance over `DRAWS` draws.
    fn moments(profile: &DelayProfile) -> (f64, f64) {
        let mut rng = SimRng::seed_from_u64(7);
        let xs: Vec<f64> = (0..DRAWS).map(|_| profile.sample_ms(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / DRAWS as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (DRAWS as f64 - 1.0);
        assert!(xs.iter().all(|x| *x >= 0.0), "no negative delay");
        (mean, var)
    }

    fn close(got: f64, want: f64, rel: f64, what: &str) {
        assert!(
            (got - want).abs() <= rel * want.abs(),
            "{what}: got {got}, want {want} within {rel}"
        );
    }

    #[test]
    fn sample_moments_match_the_analytic_values() {
        // (profile, mean, variance if finite)
        let e = std::f64::consts::E;
        let s2: f64 = 0.5f64 * 0.5;
        let table: Vec<(&str, f64, Option<f64>)> = vec![
            ("Constant(ms: 10.0)", 10.0, Some(0.0)),
            (
                "Uniform(min_ms: 5.0, max_ms: 35.0)",
                20.0,
                Some(900.0 / 12.0),
            ),
            // Far from 0, truncation is negligible.
            ("Normal(mean_ms: 50.0, std_ms: 5.0)", 50.0, Some(25.0)),
            (
                "LogNormal(median_ms: 20.0, sigma: 0.5)",
                20.0 * e.powf(s2 / 2.0),
                Some(400.0 * (e.powf(s2) - 1.0) * e.powf(s2)),
            ),
            ("Exponential(mean_ms: 8.0)", 8.0, Some(64.0)),
            // Pareto: mean a*x/(a-1); variance finite for a > 2.
            (
                "Pareto(scale_ms: 10.0, shape: 5.0)",
                12.5,
                Some(100.0 * 5.0 / (16.0 * 3.0)),
            ),
            (
                "Shifted(base_ms: 30.0, profile: Exponential(mean_ms: 2.0))",
                32.0,
                Some(4.0),
            ),
        ];
        for (text, mean, var) in table {
            let (m, v) = moments(&profile(text));
            close(m, mean, 0.01, &format!("mean of {text}"));
            if let Some(var) = var {
                if var == 0.0 {
                    assert_eq!(v, 0.0);
                } else {
                    close(v, var, 0.05, &format!("variance of {text}"));
                }
            }
        }
    }

    #[test]
    fn a_normal_far_below_zero_is_truncated_not_negative() {
        let (m, _) = moments(&profile("Normal(mean_ms: 0.0, std_ms: 10.0)"));
        // The half-normal's mean: sigma * sqrt(2 / pi).
        close(
            m,
            10.0 * (2.0 / std::f64::consts::PI).sqrt(),
            0.02,
            "half-normal mean",
        );
    }

    #[test]
    fn validation_names_the_field() {
        let bad = profile("Uniform(min_ms: 9.0, max_ms: 1.0)");
        assert_eq!(bad.validate().map_err(|e| e.path), Err("min_ms".into()));
        let nested = profile("Shifted(base_ms: 1.0, profile: Uniform(min_ms: 3.0, max_ms: 2.0))");
        assert_eq!(
            nested.validate().map_err(|e| e.path),
            Err("profile.min_ms".into())
        );
    }

    #[test]
    fn bad_parameters_are_refused_where_they_are_written() {
        for (text, col) in [
            ("Exponential(mean_ms: -1.0)", 22),
            ("Pareto(scale_ms: 1.0, shape: 0.0)", 30),
            ("Shifted(base_ms: 1.0, profile: Constant(ms: NaN))", 45),
        ] {
            let e = ron::from_str::<DelayProfile>(text).expect_err(text);
            assert_eq!(e.span.start.col, col, "{text}: {e}");
        }
    }

    #[test]
    fn a_profile_is_written_as_its_parameters() {
        let text = "Shifted(base_ms:1.0,profile:LogNormal(median_ms:20.0,sigma:0.5))";
        assert_eq!(ron::to_string(&profile(text)).expect("serializes"), text);
    }

    /// The variant's position in [`DelaySpec`]'s declaration (a new variant fails to compile here
    /// until it is given a place, and then the forms test asks for its form).
    fn variant_index(spec: &DelaySpec) -> usize {
        match spec {
            DelaySpec::Constant { .. } => 0,
            DelaySpec::Uniform { .. } => 1,
            DelaySpec::Normal { .. } => 2,
            DelaySpec::LogNormal { .. } => 3,
            DelaySpec::Exponential { .. } => 4,
            DelaySpec::Pareto { .. } => 5,
            DelaySpec::Shifted { .. } => 6,
        }
    }

    #[test]
    fn every_form_parses_and_every_profile_has_one_in_order() {
        let indices: Vec<usize> = FORMS
            .iter()
            .map(|(form, meaning)| {
                assert!(!meaning.is_empty(), "{form} has a meaning");
                let parsed = ron::from_str::<DelayProfile>(form)
                    .unwrap_or_else(|e| panic!("{form} does not parse: {e}"));
                assert!(parsed.validate().is_ok(), "{form} is valid");
                variant_index(parsed.spec())
            })
            .collect();
        assert_eq!(indices, (0..7).collect::<Vec<_>>());
    }
}
