//! Checked values of the scenario schema: probabilities, durations, positive factors and
//! counts that refuse a bad value while the RON file is read (`#[serde(try_from = ..)]`), so
//! that the parser reports it at the value's LINE:COL; and [`FieldError`], a problem at a field
//! path that only a check across fields can find (e.g. `min_ms` above `max_ms`).
//!
//! Each type serializes as the plain number it wraps, so a scenario written back
//! (`scenario.ron`) or swept (its JSON form) reads as before.

use serde::{Deserialize, Serialize};

/// A problem with a field's value: the field's path (e.g. `faults[0].until_ms`) and what is
/// wrong, rendered `path: what is wrong`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FieldError {
    /// The field's path, names joined by `.`, `[i]` for list elements.
    pub path: String,
    /// What is wrong, and what would be right.
    pub message: String,
}

impl FieldError {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same problem with `prefix.` put before its path (a field of a field).
    pub fn within(self, prefix: &str) -> FieldError {
        FieldError {
            path: format!("{prefix}.{}", self.path),
            message: self.message,
        }
    }
}

/// A value refused by a checked type: what it must be, and what it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("must be {expected}, got {got}")]
pub struct OutOfRange {
    /// What the value must be, e.g. `a probability in [0, 1]`.
    pub expected: &'static str,
    /// The value as written.
    pub got: String,
}

/// Defines a checked float: a newtype read from an `f64` that `accepts`, written as one.
macro_rules! checked_float {
    ($(#[$doc:meta])* $name:ident, $expected:literal, |$v:ident| $accepts:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(try_from = "f64", into = "f64")]
        pub struct $name(f64);

        impl $name {
            /// The value, checked.
            pub fn new($v: f64) -> Result<Self, OutOfRange> {
                if $accepts {
                    Ok($name($v))
                } else {
                    Err(OutOfRange {
                        expected: $expected,
                        got: $v.to_string(),
                    })
                }
            }

            /// The number.
            #[inline]
            pub fn get(self) -> f64 {
                self.0
            }
        }

        impl TryFrom<f64> for $name {
            type Error = OutOfRange;
            fn try_from(v: f64) -> Result<Self, OutOfRange> {
                $name::new(v)
            }
        }

        impl From<$name> for f64 {
            fn from(v: $name) -> f64 {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

checked_float!(
    /// A probability: a number in [0, 1] (NaN refused).
    Probability,
    "a probability in [0, 1]",
    |p| (0.0..=1.0).contains(&p)
);

checked_float!(
    /// A duration in milliseconds: finite and >= 0.
    Millis,
    "a finite number of ms >= 0",
    |v| v.is_finite() && v >= 0.0
);

checked_float!(
    /// A duration in milliseconds that must not be zero: finite and > 0 (timeouts, means).
    PositiveMillis,
    "a finite number of ms > 0",
    |v| v.is_finite() && v > 0.0
);

checked_float!(
    /// A dimensionless number that must be finite and > 0 (a slowdown factor, a tail index).
    Positive,
    "a finite number > 0",
    |v| v.is_finite() && v > 0.0
);

checked_float!(
    /// A dimensionless number that must be finite and >= 0 (a log-normal's sigma).
    NonNegative,
    "a finite number >= 0",
    |v| v.is_finite() && v >= 0.0
);

/// A count that must be at least 1, read from a `u32` (clients, a batch's requests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct CountU32(u32);

/// A count that must be at least 1, read from a `u64` (requests, sequence numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct CountU64(u64);

/// What a count must be.
const AT_LEAST_ONE: &str = "at least 1";

impl Probability {
    /// Never.
    pub const ZERO: Probability = Probability(0.0);

    /// Never (a serde default).
    pub fn zero() -> Probability {
        Probability::ZERO
    }
}

impl Millis {
    /// No time at all.
    pub const ZERO: Millis = Millis(0.0);
}

impl Default for Millis {
    fn default() -> Self {
        Millis::ZERO
    }
}

impl NonNegative {
    /// Nothing.
    pub const ZERO: NonNegative = NonNegative(0.0);
}

impl Default for NonNegative {
    fn default() -> Self {
        NonNegative::ZERO
    }
}

/// The methods of a checked count: a newtype read from an integer that must be at least 1.
macro_rules! count_impls {
    ($name:ident, $int:ty) => {
        impl $name {
            /// The count, checked (at least 1).
            pub fn new(n: $int) -> Result<Self, OutOfRange> {
                if n >= 1 {
                    Ok($name(n))
                } else {
                    Err(OutOfRange {
                        expected: AT_LEAST_ONE,
                        got: n.to_string(),
                    })
                }
            }

            /// The number.
            #[inline]
            pub fn get(self) -> $int {
                self.0
            }
        }

        impl TryFrom<$int> for $name {
            type Error = OutOfRange;
            fn try_from(n: $int) -> Result<Self, OutOfRange> {
                $name::new(n)
            }
        }

        impl From<$name> for $int {
            fn from(n: $name) -> $int {
                n.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

count_impls!(CountU32, u32);
count_impls!(CountU64, u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_where_they_say_so() {
        assert!(Probability::new(0.0).is_ok() && Probability::new(1.0).is_ok());
        for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            assert!(Probability::new(bad).is_err(), "{bad}");
        }
        assert!(Millis::new(0.0).is_ok());
        assert!(PositiveMillis::new(0.0).is_err() && Positive::new(0.0).is_err());
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(Millis::new(bad).is_err(), "{bad}");
            assert!(NonNegative::new(bad).is_err(), "{bad}");
        }
        assert!(CountU32::new(0).is_err() && CountU64::new(1).is_ok());
    }

    #[test]
    fn a_refused_value_says_what_it_must_be() {
        let e = Probability::new(1.5).expect_err("1.5 is no probability");
        assert_eq!(e.to_string(), "must be a probability in [0, 1], got 1.5");
        let e = CountU64::new(0).expect_err("0 is no count");
        assert_eq!(e.to_string(), "must be at least 1, got 0");
    }

    #[test]
    fn ron_reads_and_writes_the_plain_number() {
        let p: Probability = ron::from_str("0.25").expect("a probability");
        assert_eq!(p.get(), 0.25);
        assert_eq!(ron::to_string(&p).expect("serializes"), "0.25");
        let e = ron::from_str::<Millis>("-3.0").expect_err("negative");
        assert_eq!(e.span.start.col, 1);
        assert!(e
            .to_string()
            .contains("must be a finite number of ms >= 0, got -3"));
        let e = ron::from_str::<Millis>("NaN").expect_err("NaN");
        assert!(e.to_string().contains("got NaN"), "{e}");
    }
}
