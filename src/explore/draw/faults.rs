//! Drawing a scenario's timed faults: each a kind from the space's list, a window inside
//! `[0, horizon_ms]`, and the replicas, factor or probability it takes. A crash recovers at its
//! window's end, or never (`for_good`) while the replicas it takes fit in what is left of the
//! faulty-replica budget (`byzantine.count.max` at the drawn n, less the byzantine replicas).

use super::super::space::{FaultKind, FaultSpace};
use super::pick::{
    chance, millis, pick, positive, probability, shuffled, uniform_f64, uniform_u32,
};
use crate::net::{Fault, SimRng};

/// The timed faults of one draw at `n` replicas; `budget` replicas may crash for good.
pub(super) fn draw_faults(space: &FaultSpace, rng: &mut SimRng, n: u32, budget: u32) -> Vec<Fault> {
    let mut budget = budget;
    let count = uniform_u32(rng, space.count.min, space.count.max);
    let kinds = if space.kinds.is_empty() {
        FaultKind::ALL
    } else {
        space.kinds.as_slice()
    };
    let horizon = space.horizon_ms.get();
    let mut faults = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let kind = *pick(rng, kinds);
        let longest = space.window_ms.max.get().min(horizon);
        let shortest = space.window_ms.min.get().min(longest);
        let length = uniform_f64(rng, shortest, longest, 0.1);
        let from = uniform_f64(rng, 0.0, (horizon - length).max(0.0), 0.1);
        let until = (from + length).min(horizon);
        let (from_ms, until_ms) = (millis(from), millis(until.max(from)));
        let some_replicas = |rng: &mut SimRng, most: u32| {
            let k = uniform_u32(rng, space.replicas.min, space.replicas.max).clamp(1, most.max(1));
            let mut ids = shuffled(rng, (0..n).collect());
            ids.truncate(k as usize);
            ids.sort_unstable();
            ids
        };
        let fault = match kind {
            FaultKind::Crash => {
                let replicas = some_replicas(rng, n.saturating_sub(1));
                let never = chance(rng, space.for_good.get());
                let k = replicas.len() as u32;
                let recover_at_ms = if never && k <= budget {
                    budget -= k;
                    None
                } else {
                    Some(until_ms)
                };
                Fault::Crash {
                    replicas,
                    at_ms: from_ms,
                    recover_at_ms,
                }
            }
            FaultKind::Partition if n >= 2 => {
                let ids = shuffled(rng, (0..n).collect());
                let cut = uniform_u32(rng, 1, n - 1) as usize;
                let (mut a, mut b) = (ids[..cut].to_vec(), ids[cut..].to_vec());
                a.sort_unstable();
                b.sort_unstable();
                Fault::Partition {
                    groups: vec![a, b],
                    from_ms,
                    until_ms,
                    one_way: chance(rng, space.one_way.get()),
                }
            }
            FaultKind::Slow => Fault::Slow {
                replicas: some_replicas(rng, n),
                factor: positive(uniform_f64(
                    rng,
                    space.slow_factor.min.get(),
                    space.slow_factor.max.get(),
                    0.1,
                )),
                from_ms,
                until_ms,
            },
            // A partition of one replica cuts nothing: a loss burst instead.
            FaultKind::Loss | FaultKind::Partition => Fault::Loss {
                probability: probability(uniform_f64(
                    rng,
                    space.loss.min.get(),
                    space.loss.max.get(),
                    0.001,
                )),
                from_ms,
                until_ms,
            },
        };
        faults.push(fault);
    }
    faults
}
