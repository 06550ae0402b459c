//! The draws a scenario is made of: integers and floats in a closed range, a choice from a
//! list, a coin, a shuffle. Each takes exactly one 64-bit word from the stream (a shuffle one
//! per swap), whatever the range, so that fixing a range (`min == max`) moves no later draw;
//! and the values made from them are checked types, kept inside their ranges.

use rand::Rng;

use super::super::space::Range;
use crate::net::{CountU32, CountU64, Millis, Positive, PositiveMillis, Probability, SimRng};

/// A uniform integer in `lo..=hi` (`lo` when `hi <= lo`).
pub(super) fn uniform_u64(rng: &mut SimRng, lo: u64, hi: u64) -> u64 {
    let word = rng.next_u64();
    if hi <= lo {
        return lo;
    }
    match (hi - lo).checked_add(1) {
        Some(span) => lo + word % span,
        None => word,
    }
}

/// A uniform integer in `lo..=hi` (`lo` when `hi <= lo`).
pub(super) fn uniform_u32(rng: &mut SimRng, lo: u32, hi: u32) -> u32 {
    uniform_u64(rng, u64::from(lo), u64::from(hi)) as u32
}

/// `x` rounded to a multiple of `step` (0.1, 0.01, ...): divided by the whole number of steps
/// per unit, not multiplied by the step, so that the value prints as rounded (10.6, not
/// 10.600000000000001).
pub(super) fn round(x: f64, step: f64) -> f64 {
    let per_unit = (1.0 / step).round();
    (x * per_unit).round() / per_unit
}

/// A uniform number in `[lo, hi]`, rounded to a multiple of `step` and kept inside.
pub(super) fn uniform_f64(rng: &mut SimRng, lo: f64, hi: f64, step: f64) -> f64 {
    let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    if hi <= lo {
        return lo;
    }
    let x = round(lo + unit * (hi - lo), step);
    x.clamp(lo, hi)
}

/// `true` with probability `p`.
pub(super) fn chance(rng: &mut SimRng, p: f64) -> bool {
    let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    unit < p
}

/// A uniform value of a range of counts, as its integer.
pub(super) fn from_range<T: Copy, F: Fn(T) -> N, N: Into<u64> + TryFrom<u64>>(
    rng: &mut SimRng,
    range: Range<T>,
    get: F,
) -> N {
    let (lo, hi) = (get(range.min), get(range.max));
    let lo64: u64 = lo.into();
    let hi64: u64 = hi.into();
    let x = uniform_u64(rng, lo64, hi64);
    N::try_from(x).unwrap_or(get(range.min))
}

/// One of `items`, uniformly; `items` must not be empty (every caller passes a built-in list
/// when the space's list is empty).
pub(super) fn pick<'a, T>(rng: &mut SimRng, items: &'a [T]) -> &'a T {
    let last = items.len().saturating_sub(1) as u64;
    &items[uniform_u64(rng, 0, last) as usize]
}

/// `items` in a uniformly random order (Fisher-Yates).
pub(super) fn shuffled(rng: &mut SimRng, mut items: Vec<u32>) -> Vec<u32> {
    for i in (1..items.len()).rev() {
        let j = uniform_u64(rng, 0, i as u64) as usize;
        items.swap(i, j);
    }
    items
}

/// A duration, ms (a negative or NaN value is 0).
pub(super) fn millis(x: f64) -> Millis {
    Millis::new(x.max(0.0)).unwrap_or(Millis::ZERO)
}

/// A positive duration, ms (at least 0.001).
pub(super) fn positive_ms(x: f64) -> PositiveMillis {
    PositiveMillis::new(x.max(0.001)).unwrap_or_else(|_| one_ms())
}

/// 1 ms.
fn one_ms() -> PositiveMillis {
    PositiveMillis::new(1.0).expect("1 ms is > 0")
}

/// A positive factor (at least 0.001).
pub(super) fn positive(x: f64) -> Positive {
    Positive::new(x.max(0.001)).unwrap_or_else(|_| Positive::new(1.0).expect("1 is > 0"))
}

/// A probability, kept inside [0, 1].
pub(super) fn probability(x: f64) -> Probability {
    Probability::new(x.clamp(0.0, 1.0)).unwrap_or(Probability::ZERO)
}

/// A count of at least 1.
pub(super) fn count32(n: u32) -> CountU32 {
    CountU32::new(n.max(1)).expect("a count of at least 1")
}

/// A count of at least 1, 64 bits.
pub(super) fn count64(n: u64) -> CountU64 {
    CountU64::new(n.max(1)).expect("a count of at least 1")
}
