//! Speculative lookahead epochs with an exact fallback, for trials whose delay profiles leave
//! the engine no lookahead (DESIGN.md §2; Normal, Exponential, LogNormal delays have minimum 0).
//!
//! A trial is a pure function of its spec and seed, so it may be run on a guess and run again
//! if the guess was wrong. The guess is a lookahead `L` below which few link delays fall: the
//! least of every profile's quantile at a small probability `p`, shortened by the faults' least
//! slowdown, as the exact bound takes their minimum. The engine runs the epochs with `L` and
//! notes every event scheduled inside an epoch (`Lookahead::note`): one for another node due
//! before the epoch's end is exactly what the bound excludes, so the epoch's later events may
//! have been handled without it. In speculative mode that is a *miss*: the engine stops the
//! trial at once, its actors are dropped, and the trial is built and run again from scratch
//! with the exact bound, so that its result is always the one-at-a-time result. No trial that
//! writes a trace speculates (the sink cannot be rewound), nor one under a cost model or with
//! a coalition sharing state (those run one event at a time).
//!
//! `p` is `MISS_BUDGET / M`: a message misses only if its delay is below what is left of its
//! epoch, which is at most `L`, so with `M` messages a trial misses with probability below
//! `M * p`; `M` is estimated as two all-to-all rounds per request (a wrong estimate costs
//! misses or round trips, never a wrong result). A miss costs up to one trial; the gain is
//! fewer actix round trips. A guess is not used where it buys little: below twice the exact
//! bound, or where an epoch would hold fewer than `MIN_EVENTS_PER_EPOCH` events.

use std::sync::atomic::{AtomicU64, Ordering};

use super::trial::TrialSpec;
use super::TrialOutcome;

/// The bound on misses per trial the speculative lookahead is chosen for (see the module).
/// Measured on one request over Normal(250, 50) ms links, 100 trials (reference driver): 0.1
/// gave 0 misses at n = 32 (L = 55 ms) and 2 at n = 128 (L = 24 ms); 0.3 gave 5 and 5, 1 gave
/// 15 and 15. Whole command, callgrind, no-LTO release: at n = 32 (20 trials) 0.01, 0.1, 0.3
/// and 1 cost 232.8, 224.8, 235.3 and 240.5 M instructions; at n = 128 (10 trials) 0.1 and 1
/// cost 962 and 1,216 M (2,146 M without speculation).
const MISS_BUDGET: f64 = 0.1;

/// A guess is used only if it is at least this many times the exact bound: a profile whose
/// quantiles sit near its minimum (Uniform, Pareto, a shifted Exponential) gains nothing.
const GAIN_FACTOR: u64 = 2;

/// A guess is used only if an epoch of it is expected to hold at least this many events: the
/// trial's estimated messages spread over four one-way delays (request, pre-prepare, prepare,
/// commit) of the least median. An Exponential's small quantiles are so short (about `p` times
/// its mean) that an epoch would hold less than one event more than one at a time.
const MIN_EVENTS_PER_EPOCH: f64 = 2.0;

/// Misses in this process so far, by every driver that speculates.
static MISSES: AtomicU64 = AtomicU64::new(0);

/// How many speculative runs in this process have missed (and were run again with the exact
/// bound), over all threads.
pub fn speculation_misses() -> u64 {
    MISSES.load(Ordering::Relaxed)
}

/// Counts one miss.
pub(super) fn count_miss() {
    MISSES.fetch_add(1, Ordering::Relaxed);
}

/// The outcome of a trial run speculatively, and whether the first attempt missed.
#[derive(Clone, Debug, PartialEq)]
pub struct Speculated {
    /// The trial's outcome: always the one-at-a-time outcome.
    pub outcome: TrialOutcome,
    /// Whether the speculative attempt missed and the trial was run again with the exact bound.
    pub missed: bool,
}

/// The speculative lookahead for `spec`, in virtual ns, given its exact bound `exact_ns`: 0
/// (do not speculate) unless it is at least [`GAIN_FACTOR`] times the exact bound.
pub(super) fn speculative_lookahead_ns(spec: &TrialSpec, exact_ns: u64) -> u64 {
    let n = f64::from(spec.replica.n);
    let requests = spec.total_requests().max(1) as f64;
    let messages = (2.0 * n * n * requests).max(1.0);
    let p = (MISS_BUDGET / messages).min(0.01);
    let least = |p: f64| {
        spec.topology
            .profiles()
            .map(|profile| profile.quantile_ms(p))
            .fold(spec.network.delay.quantile_ms(p), f64::min)
    };
    let quantile_ms = least(p) * spec.faults.min_slowdown().min(1.0);
    let events_per_epoch = messages * quantile_ms / (4.0 * least(0.5));
    let guess = crate::net::ms_to_ns(quantile_ms);
    if events_per_epoch >= MIN_EVENTS_PER_EPOCH
        && guess >= exact_ns.saturating_mul(GAIN_FACTOR).max(1)
    {
        guess
    } else {
        0
    }
}
