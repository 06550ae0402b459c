//! Delay profiles: how long a message spends on a link, in milliseconds, drawn from the sending
//! actor's RNG stream. Plain data from RON; every draw is deterministic given the stream.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::SimRng;

/// A distribution of one-way link delays, in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum DelayProfile {
    /// Always `ms`.
    Constant {
        /// The delay.
        ms: f64,
    },
    /// Uniform on `[min_ms, max_ms]`.
    Uniform {
        /// Lower bound.
        min_ms: f64,
        /// Upper bound.
        max_ms: f64,
    },
    /// Normal, truncated at 0 (redrawn while negative).
    Normal {
        /// Mean before truncation.
        mean_ms: f64,
        /// Standard deviation before truncation.
        std_ms: f64,
    },
    /// Log-normal: `median_ms * exp(sigma * Z)`, the usual model of WAN jitter.
    LogNormal {
        /// The median.
        median_ms: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
    /// Exponential with mean `mean_ms`.
    Exponential {
        /// The mean.
        mean_ms: f64,
    },
    /// Pareto (type I): `scale_ms / U^(1/shape)`, heavy-tailed; the mean is finite for shape > 1.
    Pareto {
        /// The minimum value.
        scale_ms: f64,
        /// The tail index.
        shape: f64,
    },
    /// A fixed propagation delay plus jitter drawn from `profile`.
    Shifted {
        /// Fixed part.
        base_ms: f64,
        /// Jitter.
        profile: Box<DelayProfile>,
    },
}

/// A standard normal draw (Box-Muller, one value per two uniforms).
fn standard_normal(rng: &mut SimRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

impl DelayProfile {
    /// Draws one delay in milliseconds (never negative).
    pub fn sample_ms(&self, rng: &mut SimRng) -> f64 {
        match self {
            DelayProfile::Constant { ms } => *ms,
            DelayProfile::Uniform { min_ms, max_ms } => {
                if max_ms > min_ms {
                    rng.random_range(*min_ms..=*max_ms)
                } else {
                    *min_ms
                }
            }
            DelayProfile::Normal { mean_ms, std_ms } => {
                // Truncation by rejection; bounded so that a mean far below 0 cannot spin.
                for _ in 0..64 {
                    let x = mean_ms + std_ms * standard_normal(rng);
                    if x >= 0.0 {
                        return x;
                    }
                }
                0.0
            }
            DelayProfile::LogNormal { median_ms, sigma } => {
                median_ms * (sigma * standard_normal(rng)).exp()
            }
            DelayProfile::Exponential { mean_ms } => {
                let u: f64 = 1.0 - rng.random::<f64>();
                -mean_ms * u.ln()
            }
            DelayProfile::Pareto { scale_ms, shape } => {
                let u: f64 = 1.0 - rng.random::<f64>();
                scale_ms / u.powf(1.0 / shape)
            }
            DelayProfile::Shifted { base_ms, profile } => base_ms + profile.sample_ms(rng),
        }
    }

    /// The smallest delay this profile can produce (the lookahead bound of DESIGN.md §2).
    pub fn min_ms(&self) -> f64 {
        match self {
            DelayProfile::Constant { ms } => *ms,
            DelayProfile::Uniform { min_ms, .. } => *min_ms,
            DelayProfile::Normal { .. }
            | DelayProfile::LogNormal { .. }
            | DelayProfile::Exponential { .. } => 0.0,
            DelayProfile::Pareto { scale_ms, .. } => *scale_ms,
            DelayProfile::Shifted { base_ms, profile } => base_ms + profile.min_ms(),
        }
    }

    /// Checks the parameters; on error returns (field, what is wrong).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let finite_non_negative = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err((
                    name.to_string(),
                    format!("must be a finite number >= 0, got {v}"),
                ))
            }
        };
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err((
                    name.to_string(),
                    format!("must be a finite number > 0, got {v}"),
                ))
            }
        };
        match self {
            DelayProfile::Constant { ms } => finite_non_negative("ms", *ms),
            DelayProfile::Uniform { min_ms, max_ms } => {
                finite_non_negative("min_ms", *min_ms)?;
                finite_non_negative("max_ms", *max_ms)?;
                if min_ms > max_ms {
                    return Err((
                        "min_ms".to_string(),
                        format!("min_ms ({min_ms}) is greater than max_ms ({max_ms})"),
                    ));
                }
                Ok(())
            }
            DelayProfile::Normal { mean_ms, std_ms } => {
                finite_non_negative("mean_ms", *mean_ms)?;
                finite_non_negative("std_ms", *std_ms)
            }
            DelayProfile::LogNormal { median_ms, sigma } => {
                positive("median_ms", *median_ms)?;
                finite_non_negative("sigma", *sigma)
            }
            DelayProfile::Exponential { mean_ms } => positive("mean_ms", *mean_ms),
            DelayProfile::Pareto { scale_ms, shape } => {
                positive("scale_ms", *scale_ms)?;
                positive("shape", *shape)
            }
            DelayProfile::Shifted { base_ms, profile } => {
                finite_non_negative("base_ms", *base_ms)?;
                profile
                    .validate()
                    .map_err(|(field, why)| (format!("profile.{field}"), why))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const DRAWS: usize = 100_000;

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
        use DelayProfile::*;
        // (profile, mean, variance if finite)
        let e = std::f64::consts::E;
        let s2: f64 = 0.5f64 * 0.5;
        let table: Vec<(DelayProfile, f64, Option<f64>)> = vec![
            (Constant { ms: 10.0 }, 10.0, Some(0.0)),
            (
                Uniform {
                    min_ms: 5.0,
                    max_ms: 35.0,
                },
                20.0,
                Some(900.0 / 12.0),
            ),
            // Far from 0, truncation is negligible.
            (
                Normal {
                    mean_ms: 50.0,
                    std_ms: 5.0,
                },
                50.0,
                Some(25.0),
            ),
            (
                LogNormal {
                    median_ms: 20.0,
                    sigma: 0.5,
                },
                20.0 * e.powf(s2 / 2.0),
                Some(400.0 * (e.powf(s2) - 1.0) * e.powf(s2)),
            ),
            (Exponential { mean_ms: 8.0 }, 8.0, Some(64.0)),
            // Pareto: mean a*x/(a-1); variance finite for a > 2.
            (
                Pareto {
                    scale_ms: 10.0,
                    shape: 5.0,
                },
                12.5,
                Some(100.0 * 5.0 / (16.0 * 3.0)),
            ),
            (
                Shifted {
                    base_ms: 30.0,
                    profile: Box::new(Exponential { mean_ms: 2.0 }),
                },
                32.0,
                Some(4.0),
            ),
        ];
        for (profile, mean, var) in table {
            let (m, v) = moments(&profile);
            close(m, mean, 0.01, &format!("mean of {profile:?}"));
            if let Some(var) = var {
                if var == 0.0 {
                    assert_eq!(v, 0.0);
                } else {
                    close(v, var, 0.05, &format!("variance of {profile:?}"));
                }
            }
        }
    }

    #[test]
    fn validation_names_the_field() {
        let bad = DelayProfile::Uniform {
            min_ms: 9.0,
            max_ms: 1.0,
        };
        assert_eq!(bad.validate().unwrap_err().0, "min_ms");
        let nested = DelayProfile::Shifted {
            base_ms: 1.0,
            profile: Box::new(DelayProfile::Exponential { mean_ms: -1.0 }),
        };
        assert_eq!(nested.validate().unwrap_err().0, "profile.mean_ms");
    }
}
