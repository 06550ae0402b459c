//! The sections of a search space (`byzantine`, `faults`, `network`, `workload`, `protocol`)
//! and the choices their lists name, each with its defaults (`docs/explore.md`).

use serde::{Deserialize, Serialize};

use super::{Bound, Range, RelativeToF};
use crate::adversary::{BehaviourSpec, Placement};
use crate::net::{CountU32, CountU64, DelayProfile, Millis, Positive, PositiveMillis, Probability};
use crate::scenario::ProtocolConfig;

/// Byzantine replicas: how many, in how many groups, doing what, placed where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ByzantineSpace {
    /// Byzantine replicas in all groups together.
    pub count: Range<Bound>,
    /// Groups the count is split into (each with its own behaviour and placement); fewer when
    /// the count is smaller.
    pub groups: Range<u32>,
    /// The behaviours drawn from; `[]`: every built-in behaviour.
    pub behaviours: Vec<BehaviourChoice>,
    /// The placements drawn from; `[]`: every placement.
    pub placements: Vec<PlacementChoice>,
    /// `SlowPrimary`'s `delay_ms` when drawn.
    pub slow_primary_ms: Range<Millis>,
    /// `Mutate`'s `probability` when drawn.
    pub mutate_probability: Range<Probability>,
}

impl Default for ByzantineSpace {
    fn default() -> Self {
        ByzantineSpace {
            count: Range {
                min: Bound::Replicas(0),
                max: Bound::Relative(RelativeToF::F(0)),
            },
            groups: Range::exactly(1),
            behaviours: Vec::new(),
            placements: Vec::new(),
            slow_primary_ms: Range {
                min: ms(10.0),
                max: ms(400.0),
            },
            mutate_probability: Range {
                min: probability(0.05),
                max: probability(0.6),
            },
        }
    }
}

/// A behaviour a space may draw: a built-in one with its parameters drawn, a registered one,
/// or exactly the behaviour written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum BehaviourChoice {
    /// `Silent`.
    Silent,
    /// `SeedAdversary`.
    SeedAdversary,
    /// `Equivocate`.
    Equivocate,
    /// `WrongDigest`.
    WrongDigest,
    /// `SlowPrimary`, its delay drawn from `slow_primary_ms`.
    SlowPrimary,
    /// `Censor` of a random non-empty set of the drawn clients.
    Censor,
    /// `SelectiveSilence` towards a random set of 1 to n/2 replicas.
    SelectiveSilence,
    /// `ViewChangeStorm`.
    ViewChangeStorm,
    /// `Replay`.
    Replay,
    /// `Mutate`, its probability from `mutate_probability` and its field drawn.
    Mutate,
    /// `SplitBrain` (all its replicas form one coalition).
    SplitBrain,
    /// A behaviour a program registered under `name`.
    Custom {
        /// The registered name.
        name: String,
    },
    /// Exactly this behaviour, parameters as written.
    Exactly(BehaviourSpec),
}

impl BehaviourChoice {
    /// Every built-in behaviour, parameters drawn (what `behaviours: []` means).
    pub const BUILT_IN: &'static [BehaviourChoice] = &[
        BehaviourChoice::Silent,
        BehaviourChoice::SeedAdversary,
        BehaviourChoice::Equivocate,
        BehaviourChoice::WrongDigest,
        BehaviourChoice::SlowPrimary,
        BehaviourChoice::Censor,
        BehaviourChoice::SelectiveSilence,
        BehaviourChoice::ViewChangeStorm,
        BehaviourChoice::Replay,
        BehaviourChoice::Mutate,
        BehaviourChoice::SplitBrain,
    ];
}

/// A placement a space may draw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum PlacementChoice {
    /// `Random`.
    Random,
    /// `Primary`.
    Primary,
    /// `Backups`.
    Backups,
    /// `Ids` of replicas drawn at random (as many as the group has).
    Ids,
    /// Exactly this placement.
    Exactly(Placement),
}

impl PlacementChoice {
    /// Every placement (what `placements: []` means).
    pub const ALL: &'static [PlacementChoice] = &[
        PlacementChoice::Primary,
        PlacementChoice::Backups,
        PlacementChoice::Random,
        PlacementChoice::Ids,
    ];
}

/// Timed faults: how many, of which kinds, when, and how strong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultSpace {
    /// Timed faults per draw.
    pub count: Range<u32>,
    /// The kinds drawn from; `[]`: every kind.
    pub kinds: Vec<FaultKind>,
    /// Every window lies inside `[0, horizon_ms]`: a crash that recovers does so by then.
    pub horizon_ms: PositiveMillis,
    /// Window lengths (cut to the horizon).
    pub window_ms: Range<Millis>,
    /// The probability that a crash never recovers, drawn only while the faulty replicas
    /// (byzantine and crashed for good) stay within `byzantine.count.max`.
    pub for_good: Probability,
    /// Replicas a crash or a slow period takes (a crash leaves at least one replica up).
    pub replicas: Range<u32>,
    /// `Slow`'s factor.
    pub slow_factor: Range<Positive>,
    /// `Loss`'s probability.
    pub loss: Range<Probability>,
    /// The probability that a partition is `one_way`.
    pub one_way: Probability,
}

impl Default for FaultSpace {
    fn default() -> Self {
        FaultSpace {
            count: Range::exactly(0),
            kinds: Vec::new(),
            horizon_ms: positive_ms(5000.0),
            window_ms: Range {
                min: ms(50.0),
                max: ms(2000.0),
            },
            for_good: probability(0.15),
            replicas: Range { min: 1, max: 2 },
            slow_factor: Range {
                min: positive(2.0),
                max: positive(10.0),
            },
            loss: Range {
                min: probability(0.1),
                max: probability(0.6),
            },
            one_way: probability(0.3),
        }
    }
}

/// A kind of timed fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// Replicas crash, and recover at the window's end (or never: `for_good`).
    Crash,
    /// The replicas are split in two random groups (one way, sometimes).
    Partition,
    /// Messages to and from some replicas take `slow_factor` times longer.
    Slow,
    /// Every message is lost with an extra probability from `loss`.
    Loss,
}

impl FaultKind {
    /// Every kind (what `kinds: []` means).
    pub const ALL: &'static [FaultKind] = &[
        FaultKind::Crash,
        FaultKind::Partition,
        FaultKind::Slow,
        FaultKind::Loss,
    ];
}

/// The link model: delay profiles and their scale, loss, duplication, reordering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpace {
    /// The delay profiles drawn from; `[]`: every profile.
    pub delays: Vec<DelayChoice>,
    /// The scale of a drawn profile (its constant, mean, median, scale or base), ms.
    pub delay_ms: Range<Millis>,
    /// `drop`.
    pub drop: Range<Probability>,
    /// `duplicate`.
    pub duplicate: Range<Probability>,
    /// `reorder.probability`.
    pub reorder: Range<Probability>,
    /// The upper end of `reorder.extra` (a `Uniform` from 0), ms.
    pub reorder_extra_ms: Range<Millis>,
    /// The probability that each of drop, duplicate and reorder is 0 in a draw.
    pub off: Probability,
}

impl Default for NetworkSpace {
    fn default() -> Self {
        NetworkSpace {
            delays: Vec::new(),
            delay_ms: Range {
                min: ms(1.0),
                max: ms(20.0),
            },
            drop: Range::exactly(Probability::ZERO),
            duplicate: Range::exactly(Probability::ZERO),
            reorder: Range::exactly(Probability::ZERO),
            reorder_extra_ms: Range {
                min: Millis::ZERO,
                max: ms(20.0),
            },
            off: Probability::ZERO,
        }
    }
}

/// A delay profile a space may draw, its parameters from `delay_ms` and fixed shape ranges,
/// or exactly the profile written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum DelayChoice {
    /// `Constant(ms)`, ms from `delay_ms`.
    Constant,
    /// `Uniform(min_ms, max_ms)`, both from `delay_ms`.
    Uniform,
    /// `Normal(mean_ms, std_ms)`: mean from `delay_ms`, std 5 % to 50 % of it.
    Normal,
    /// `LogNormal(median_ms, sigma)`: median from `delay_ms`, sigma 0.1 to 1.
    LogNormal,
    /// `Exponential(mean_ms)`, mean from `delay_ms`.
    Exponential,
    /// `Pareto(scale_ms, shape)`: scale from `delay_ms`, shape 2 to 4.
    Pareto,
    /// `Shifted(base_ms, Exponential(mean_ms))`: base from `delay_ms`, jitter 5 % to 50 % of it.
    Shifted,
    /// Exactly this profile.
    Exactly(DelayProfile),
}

impl DelayChoice {
    /// Every delay profile (what `delays: []` means).
    pub const ALL: &'static [DelayChoice] = &[
        DelayChoice::Constant,
        DelayChoice::Uniform,
        DelayChoice::Normal,
        DelayChoice::LogNormal,
        DelayChoice::Exponential,
        DelayChoice::Pareto,
        DelayChoice::Shifted,
    ];
}

/// Clients and requests per client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadSpace {
    /// Clients.
    pub clients: Range<CountU32>,
    /// Requests per client.
    pub requests: Range<CountU64>,
}

impl Default for WorkloadSpace {
    fn default() -> Self {
        WorkloadSpace {
            clients: Range::exactly(count(1)),
            requests: Range::exactly(count64(1)),
        }
    }
}

/// Protocol parameters: a fixed base, and the parameters drawn over it (a parameter left out
/// keeps the base's value).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProtocolSpace {
    /// Every draw's protocol, before the drawn parameters are set (any scenario `protocol`
    /// fields).
    pub base: ProtocolConfig,
    /// `checkpoint_interval` drawn from these values; `[]`: the base's.
    pub checkpoint_interval: Vec<CountU64>,
    /// `log_window` in checkpoint intervals (`2` = twice the drawn interval); left out: the
    /// base's, raised to the interval if it is smaller.
    pub log_window: Option<Range<u64>>,
    /// `batch_size`.
    pub batch_size: Option<Range<CountU32>>,
    /// `window` (sequence numbers in flight).
    pub window: Option<Range<CountU64>>,
    /// `view_change_timeout_ms`.
    pub view_change_timeout_ms: Option<Range<PositiveMillis>>,
    /// `request_timeout_ms`.
    pub request_timeout_ms: Option<Range<PositiveMillis>>,
    /// `batch_timeout_ms`.
    pub batch_timeout_ms: Option<Range<PositiveMillis>>,
}

impl ProtocolSpace {
    /// The protocol nearest the base the space allows: each drawn parameter at the base's
    /// value where its range holds it, else at the range's end nearest to it (the largest
    /// listed checkpoint interval when the base's is not listed).
    pub fn simplest(&self) -> ProtocolConfig {
        let mut p = self.base.clone();
        if !self.checkpoint_interval.is_empty()
            && !self.checkpoint_interval.contains(&p.checkpoint_interval)
        {
            if let Some(largest) = self.checkpoint_interval.iter().max() {
                p.checkpoint_interval = *largest;
            }
        }
        let interval = p.checkpoint_interval.get();
        p.log_window = match self.log_window {
            Some(r) => interval.saturating_mul(r.min.max(1)),
            None => p.log_window.max(interval),
        };
        if let Some(r) = self.batch_size {
            p.batch_size = nearest(p.batch_size, r);
        }
        if let Some(r) = self.window {
            p.window = nearest(p.window, r);
        }
        if let Some(r) = self.view_change_timeout_ms {
            p.view_change_timeout_ms = nearest(p.view_change_timeout_ms, r);
        }
        if let Some(r) = self.request_timeout_ms {
            p.request_timeout_ms = nearest(p.request_timeout_ms, r);
        }
        if let Some(r) = self.batch_timeout_ms {
            p.batch_timeout_ms = nearest(p.batch_timeout_ms, r);
        }
        p
    }
}

/// `value` if `range` holds it, else the range's nearest end.
fn nearest<T: PartialOrd + Copy>(value: T, range: Range<T>) -> T {
    if value < range.min {
        range.min
    } else if value > range.max {
        range.max
    } else {
        value
    }
}

/// A default duration (the constants above are durations).
fn ms(v: f64) -> Millis {
    Millis::new(v).expect("the space's default durations are >= 0")
}

/// A default positive duration.
fn positive_ms(v: f64) -> PositiveMillis {
    PositiveMillis::new(v).expect("the space's default horizon is > 0")
}

/// A default factor.
fn positive(v: f64) -> Positive {
    Positive::new(v).expect("the space's default factors are > 0")
}

/// A default probability.
fn probability(v: f64) -> Probability {
    Probability::new(v).expect("the space's default probabilities are in [0, 1]")
}

/// A default count.
pub(super) fn count(n: u32) -> CountU32 {
    CountU32::new(n).expect("the space's default counts are >= 1")
}

/// A default count, 64 bits.
pub(super) fn count64(n: u64) -> CountU64 {
    CountU64::new(n).expect("the space's default counts are >= 1")
}
