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

    /// A delay at or below which about a share `p` of this profile's draws fall (its quantile
    /// function at `p`, for `0 < p < 1`), never below [`DelayProfile::min_ms`]: the engine's
    /// speculative lookahead (`sim::trial`). A truncated normal is given the untruncated
    /// normal's quantile (at most the true one; 0 where it is negative), and a Pareto's or
    /// Uniform's is exact. Only a tuning figure: no draw depends on it.
    pub fn quantile_ms(&self, p: f64) -> f64 {
        self.spec.quantile_ms(p).max(self.min_ms())
    }

    /// Checks what the parameters' types cannot: a uniform's bounds in order. The error's
    /// path is relative to the profile.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.spec.validate()
    }
}

/// The standard normal's quantile function at `p` (0 < p < 1), by P. J. Acklam's published
/// rational approximation (relative error below 1.2e-9); -inf at 0, +inf at 1, NaN outside.
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.02425;
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        let num = ((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5];
        let den = (((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0;
        num / den
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        let num = (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q;
        let den = ((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0;
        num / den
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

    /// The quantile function at `p` (see [`DelayProfile::quantile_ms`]).
    fn quantile_ms(&self, p: f64) -> f64 {
        match self {
            DelaySpec::Constant { ms } => ms.get(),
            DelaySpec::Uniform { min_ms, max_ms } => {
                min_ms.get() + p * (max_ms.get() - min_ms.get()).max(0.0)
            }
            DelaySpec::Normal { mean_ms, std_ms } => {
                (mean_ms.get() + std_ms.get() * normal_quantile(p)).max(0.0)
            }
            DelaySpec::LogNormal { median_ms, sigma } => {
                median_ms.get() * (sigma.get() * normal_quantile(p)).exp()
            }
            DelaySpec::Exponential { mean_ms } => -mean_ms.get() * (-p).ln_1p(),
            DelaySpec::Pareto { scale_ms, shape } => {
                scale_ms.get() * (-(-p).ln_1p() / shape.get()).exp()
            }
            DelaySpec::Shifted { base_ms, profile } => base_ms.get() + profile.quantile_ms(p),
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
    fn the_normal_quantile_matches_tabulated_values() {
        // (p, z) from the standard normal table.
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_985),
            (0.001, -3.090_232_306),
            (1e-6, -4.753_424_309),
            (1e-9, -5.997_807_015),
        ] {
            let got = normal_quantile(p);
            assert!(
                (got - z).abs() <= 1e-8 * z.abs().max(1.0),
                "p {p}: {got}, want {z}"
            );
        }
    }

    /// Each profile's quantile leaves about that share of draws at or below it, and is never
    /// below the profile's minimum.
    #[test]
    fn quantiles_leave_their_share_of_draws_below() {
        let p = 0.01;
        for text in [
            "Constant(ms: 10.0)",
            "Uniform(min_ms: 5.0, max_ms: 35.0)",
            "Normal(mean_ms: 250.0, std_ms: 50.0)",
            "LogNormal(median_ms: 20.0, sigma: 0.5)",
            "Exponential(mean_ms: 8.0)",
            "Pareto(scale_ms: 10.0, shape: 2.5)",
            "Shifted(base_ms: 30.0, profile: Exponential(mean_ms: 2.0))",
        ] {
            let profile = profile(text);
            let q = profile.quantile_ms(p);
            assert!(q >= profile.min_ms(), "{text}: {q}");
            if profile.min_ms() == 10.0 && text.starts_with("Constant") {
                assert_eq!(q, 10.0);
                continue;
            }
            let mut rng = SimRng::seed_from_u64(3);
            let below = (0..DRAWS)
                .filter(|_| profile.sample_ms(&mut rng) <= q)
                .count();
            // The binomial standard error at p = 0.01 over 10^6 draws is 1e-4: 10 errors.
            let share = below as f64 / DRAWS as f64;
            assert!(
                (share - p).abs() < 1e-3,
                "{text}: {share} of draws below {q}"
            );
        }
        // A half-normal leans on 0: its untruncated quantile is negative, so 0.
        assert_eq!(
            profile("Normal(mean_ms: 0.0, std_ms: 10.0)").quantile_ms(p),
            0.0
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
