//! Drawing concrete scenarios from a space: scenario `index` is a pure function of (space,
//! index). One ChaCha8 stream is seeded from (space seed, index) through SplitMix64
//! (`sim::seeds`), and every dimension is drawn from it in a fixed order (n, workload,
//! byzantine groups, timed faults, network, protocol, then the scenario's own seed), so the
//! same space and index give the same scenario on any machine, thread or shard.
//!
//! A drawn scenario is valid whenever the space passed its checks: ids exist at the drawn n,
//! windows lie inside the horizon, a crash leaves a replica up, and faulty replicas
//! (byzantine plus crashed for good) stay within `byzantine.count.max` at the drawn n, so a
//! within-f space draws within-f scenarios only. Values are rounded (0.1 ms, 0.001 for
//! probabilities) so that a counterexample reads well, and kept inside their ranges.

mod faults;
mod pick;

use rand::{Rng, SeedableRng};

use super::space::{BehaviourChoice, DelayChoice, PlacementChoice, Space};
use crate::adversary::{BehaviourSpec, ByzantineGroup, MutateField, Placement};
use crate::net::{DelayProfile, DelaySpec, NetworkConfig, Reorder, SimRng};
use crate::scenario::{ProtocolConfig, Scenario, Workload};
use crate::sim::seeds::splitmix64;
use pick::{
    chance, count32, count64, from_range, millis, pick, positive, positive_ms, probability, round,
    shuffled, uniform_f64, uniform_u32, uniform_u64,
};

/// Tag mixed into the space seed, so that draw streams differ from trial streams.
const DRAW_STREAM: u64 = 0x5EAC_E000_0000_0001;

/// The RNG scenario `index` of a space with seed `seed` is drawn from.
pub(crate) fn draw_rng(seed: u64, index: u64) -> SimRng {
    SimRng::seed_from_u64(splitmix64(splitmix64(seed ^ DRAW_STREAM) ^ index))
}

/// Scenario `index` of `space`: a function of (space, index) only; one trial, no sweep, named
/// `<space name>-<index>`, its time limit `heal_by_ms + grace_ms` under a liveness property.
pub fn draw(space: &Space, index: u64) -> Scenario {
    let mut rng = draw_rng(space.seed, index);
    let n = uniform_u32(&mut rng, space.replicas.min, space.replicas.max).max(1);
    let f = space.f_at(n);
    let workload = Workload {
        clients: count32(from_range(&mut rng, space.workload.clients, |c| c.get())),
        requests: count64(from_range(&mut rng, space.workload.requests, |c| c.get())),
        ..Workload::default()
    };
    let faulty_max = space.byzantine.count.max.at(n, f);
    let byzantine = draw_byzantine(space, &mut rng, n, f, workload.clients.get());
    let byzantine_total: u32 = byzantine.iter().map(|g| g.count).sum();
    let faults = faults::draw_faults(
        &space.faults,
        &mut rng,
        n,
        faulty_max.saturating_sub(byzantine_total),
    );
    let network = draw_network(space, &mut rng);
    let protocol = draw_protocol(space, &mut rng);
    let time_limit_ms = super::property::liveness_time_limit_ms(&space.properties)
        .or_else(|| space.time_limit_ms.map(|t| t.get()))
        .unwrap_or(10_000.0);
    let seed = rng.next_u64();
    Scenario {
        name: format!("{}-{index}", space.name),
        description: format!(
            "scenario {index} of search space `{}` (space seed {})",
            space.name, space.seed
        ),
        seed,
        trials: 1,
        replicas: n,
        f: space.f,
        workload,
        network,
        regions: Vec::new(),
        links: Vec::new(),
        faults,
        byzantine,
        protocol,
        time_limit_ms: positive_ms(time_limit_ms),
        sweep: Vec::new(),
        costs: None,
        reference: None,
    }
}

/// The byzantine groups: the count within its bounds at (n, f), split into groups of at
/// least one replica each, every group with a behaviour and a placement of its own.
fn draw_byzantine(
    space: &Space,
    rng: &mut SimRng,
    n: u32,
    f: u32,
    clients: u32,
) -> Vec<ByzantineGroup> {
    let b = &space.byzantine;
    let hi = b.count.max.at(n, f);
    let lo = b.count.min.at(n, f).min(hi);
    let total = uniform_u32(rng, lo, hi);
    if total == 0 {
        return Vec::new();
    }
    let groups = uniform_u32(rng, b.groups.min, b.groups.max).clamp(1, total);
    // Each group gets one replica, the rest go to groups at random.
    let mut sizes = vec![1u32; groups as usize];
    for _ in groups..total {
        let g = uniform_u32(rng, 0, groups - 1) as usize;
        sizes[g] += 1;
    }
    // Ids drawn for `Ids` groups come from one shuffled pool, so groups never share one;
    // ids a space fixes are kept out of it.
    let fixed: Vec<u32> = b
        .placements
        .iter()
        .flat_map(|p| match p {
            PlacementChoice::Exactly(Placement::Ids(ids)) => ids.clone(),
            _ => Vec::new(),
        })
        .collect();
    let mut pool: Vec<u32> = shuffled(rng, (0..n).filter(|r| !fixed.contains(r)).collect());
    let behaviours = if b.behaviours.is_empty() {
        BehaviourChoice::BUILT_IN
    } else {
        b.behaviours.as_slice()
    };
    let placements = if b.placements.is_empty() {
        PlacementChoice::ALL
    } else {
        b.placements.as_slice()
    };
    let mut fixed_used = false;
    let mut out = Vec::with_capacity(sizes.len());
    for size in sizes {
        let choice = pick(rng, behaviours);
        let behaviour = draw_behaviour(space, rng, choice, n, clients);
        let (placement, count) = match pick(rng, placements) {
            PlacementChoice::Random => (Placement::Random, size),
            PlacementChoice::Primary => (Placement::Primary, size),
            PlacementChoice::Backups => (Placement::Backups, size),
            PlacementChoice::Ids => {
                let take = (size as usize).min(pool.len());
                let mut ids: Vec<u32> = pool.drain(..take).collect();
                ids.sort_unstable();
                (Placement::Ids(ids), take as u32)
            }
            // Fixed ids serve one group only (a second would name them twice): later
            // groups that draw them are placed at random instead.
            PlacementChoice::Exactly(Placement::Ids(ids)) if !fixed_used => {
                fixed_used = true;
                (Placement::Ids(ids.clone()), size.min(ids.len() as u32))
            }
            PlacementChoice::Exactly(Placement::Ids(_)) => (Placement::Random, size),
            PlacementChoice::Exactly(other) => (other.clone(), size),
        };
        out.push(ByzantineGroup {
            count,
            placement,
            behaviour,
        });
    }
    out
}

/// One behaviour of `choice`, its parameters drawn.
fn draw_behaviour(
    space: &Space,
    rng: &mut SimRng,
    choice: &BehaviourChoice,
    n: u32,
    clients: u32,
) -> BehaviourSpec {
    let b = &space.byzantine;
    match choice {
        BehaviourChoice::Silent => BehaviourSpec::Silent,
        BehaviourChoice::SeedAdversary => BehaviourSpec::SeedAdversary,
        BehaviourChoice::Equivocate => BehaviourSpec::Equivocate,
        BehaviourChoice::WrongDigest => BehaviourSpec::WrongDigest,
        BehaviourChoice::SlowPrimary => BehaviourSpec::SlowPrimary {
            delay_ms: millis(uniform_f64(
                rng,
                b.slow_primary_ms.min.get(),
                b.slow_primary_ms.max.get(),
                0.1,
            )),
        },
        BehaviourChoice::Censor => {
            let k = uniform_u32(rng, 1, clients.max(1));
            let mut ids = shuffled(rng, (0..clients.max(1)).collect());
            ids.truncate(k as usize);
            ids.sort_unstable();
            BehaviourSpec::Censor { clients: ids }
        }
        BehaviourChoice::SelectiveSilence => {
            let k = uniform_u32(rng, 1, (n / 2).max(1));
            let mut ids = shuffled(rng, (0..n).collect());
            ids.truncate(k as usize);
            ids.sort_unstable();
            BehaviourSpec::SelectiveSilence { to: ids }
        }
        BehaviourChoice::ViewChangeStorm => BehaviourSpec::ViewChangeStorm,
        BehaviourChoice::Replay => BehaviourSpec::Replay,
        BehaviourChoice::Mutate => BehaviourSpec::Mutate {
            probability: probability(uniform_f64(
                rng,
                b.mutate_probability.min.get(),
                b.mutate_probability.max.get(),
                0.001,
            )),
            field: *pick(
                rng,
                &[MutateField::View, MutateField::Seq, MutateField::Digest],
            ),
        },
        BehaviourChoice::SplitBrain => BehaviourSpec::SplitBrain,
        BehaviourChoice::Custom { name } => BehaviourSpec::Custom { name: name.clone() },
        BehaviourChoice::Exactly(spec) => spec.clone(),
    }
}

/// The link model: a delay profile, then drop, duplicate and reorder (each off with
/// probability `off`).
fn draw_network(space: &Space, rng: &mut SimRng) -> NetworkConfig {
    let w = &space.network;
    let choices = if w.delays.is_empty() {
        DelayChoice::ALL
    } else {
        w.delays.as_slice()
    };
    let choice = pick(rng, choices);
    let (lo, hi) = (w.delay_ms.min.get(), w.delay_ms.max.get());
    let scale = |rng: &mut SimRng| uniform_f64(rng, lo, hi, 0.1);
    let spec = match choice {
        DelayChoice::Constant => DelaySpec::Constant {
            ms: millis(scale(rng)),
        },
        DelayChoice::Uniform => {
            let (a, b) = (scale(rng), scale(rng));
            DelaySpec::Uniform {
                min_ms: millis(a.min(b)),
                max_ms: millis(a.max(b)),
            }
        }
        DelayChoice::Normal => {
            let mean = scale(rng);
            let std = mean * uniform_f64(rng, 0.05, 0.5, 0.01);
            DelaySpec::Normal {
                mean_ms: millis(mean),
                std_ms: millis(round(std, 0.1)),
            }
        }
        DelayChoice::LogNormal => DelaySpec::LogNormal {
            median_ms: positive_ms(scale(rng)),
            sigma: crate::net::NonNegative::new(uniform_f64(rng, 0.1, 1.0, 0.01))
                .unwrap_or_else(|_| zero_sigma()),
        },
        DelayChoice::Exponential => DelaySpec::Exponential {
            mean_ms: positive_ms(scale(rng)),
        },
        DelayChoice::Pareto => DelaySpec::Pareto {
            scale_ms: positive_ms(scale(rng)),
            shape: positive(uniform_f64(rng, 2.0, 4.0, 0.01)),
        },
        DelayChoice::Shifted => {
            let base = scale(rng);
            let jitter = (base * uniform_f64(rng, 0.05, 0.5, 0.01)).max(0.1);
            DelaySpec::Shifted {
                base_ms: millis(base),
                profile: Box::new(DelaySpec::Exponential {
                    mean_ms: positive_ms(round(jitter, 0.1)),
                }),
            }
        }
        DelayChoice::Exactly(profile) => profile.spec().clone(),
    };
    let delay = DelayProfile::new(spec).unwrap_or_else(|_| DelayProfile::constant(millis(lo)));
    let share = |rng: &mut SimRng, r: &super::space::Range<crate::net::Probability>| {
        // Both draws are made whatever the outcome, so that `off` moves no later draw.
        let off = chance(rng, w.off.get());
        let p = uniform_f64(rng, r.min.get(), r.max.get(), 0.001);
        if off {
            0.0
        } else {
            p
        }
    };
    let drop = share(rng, &w.drop);
    let duplicate = share(rng, &w.duplicate);
    let reorder = share(rng, &w.reorder);
    let extra = uniform_f64(
        rng,
        w.reorder_extra_ms.min.get(),
        w.reorder_extra_ms.max.get(),
        0.1,
    );
    NetworkConfig {
        delay,
        drop: probability(drop),
        duplicate: probability(duplicate),
        reorder: Reorder {
            probability: probability(reorder),
            extra: DelayProfile::new(DelaySpec::Uniform {
                min_ms: millis(0.0),
                max_ms: millis(extra),
            })
            .unwrap_or_else(|_| DelayProfile::constant(millis(0.0))),
        },
    }
}

/// A log-normal's sigma of 0 (never needed: the drawn sigma is in [0.1, 1]).
fn zero_sigma() -> crate::net::NonNegative {
    crate::net::NonNegative::new(0.0).expect("0 is >= 0")
}

/// The protocol: the base, then each drawn parameter in turn.
fn draw_protocol(space: &Space, rng: &mut SimRng) -> ProtocolConfig {
    let p = &space.protocol;
    let mut out = p.base.clone();
    if !p.checkpoint_interval.is_empty() {
        out.checkpoint_interval = *pick(rng, &p.checkpoint_interval);
    }
    let interval = out.checkpoint_interval.get();
    out.log_window = match p.log_window {
        Some(r) => interval.saturating_mul(uniform_u64(rng, r.min.max(1), r.max)),
        None => out.log_window.max(interval),
    };
    if let Some(r) = p.batch_size {
        out.batch_size = count32(from_range(rng, r, |c| c.get()));
    }
    if let Some(r) = p.window {
        out.window = count64(from_range(rng, r, |c| c.get()));
    }
    let timeout = |rng: &mut SimRng,
                   r: Option<super::space::Range<crate::net::PositiveMillis>>,
                   v: &mut crate::net::PositiveMillis| {
        if let Some(r) = r {
            *v = positive_ms(uniform_f64(rng, r.min.get(), r.max.get(), 0.1));
        }
    };
    timeout(
        rng,
        p.view_change_timeout_ms,
        &mut out.view_change_timeout_ms,
    );
    timeout(rng, p.request_timeout_ms, &mut out.request_timeout_ms);
    timeout(rng, p.batch_timeout_ms, &mut out.batch_timeout_ms);
    out
}
