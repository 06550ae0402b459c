//! The search space: a RON file of ranges and choices for every scenario dimension that
//! matters (replicas, byzantine groups, timed faults, the network, the workload, protocol
//! parameters) and the properties every drawn trial is checked against. `docs/explore.md` is
//! its reference, field by field.
//!
//! The file is regular: every range is `(min: A, max: B)` (both included; `min == max` fixes
//! the value), every choice list is `[]` for "all of the built-in set" or the names allowed
//! (one name fixes it), and every number is a checked type (`net::checked`), refused at its
//! LINE:COL while the file is read. Checks across fields (`check`) come next, each placed at
//! the field it is about; last, a few scenarios are drawn and validated, so that a space whose
//! draws cannot run is refused here rather than in the middle of a campaign.

mod check;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Floor, Property, ShrinkOptions};
use crate::adversary::{BehaviourSpec, Placement};
use crate::net::{CountU32, CountU64, DelayProfile, Millis, Positive, PositiveMillis, Probability};
use crate::protocol::quorum::default_f;
use crate::scenario::{ProtocolConfig, ScenarioError};

/// A search space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    /// Name; the default output folder is `results/explore-<name>/`.
    pub name: String,
    /// What the space is for.
    #[serde(default)]
    pub description: String,
    /// The space seed: scenario `i` is drawn from (seed, i).
    #[serde(default)]
    pub seed: u64,
    /// What every trial is checked against, in order.
    #[serde(default = "default_properties")]
    pub properties: Vec<Property>,
    /// Number of replicas n.
    #[serde(default = "default_replicas")]
    pub replicas: Range<u32>,
    /// The fault bound of every draw; `None`: floor((n - 1) / 3) at the drawn n.
    #[serde(default)]
    pub f: Option<u32>,
    /// Byzantine replicas.
    #[serde(default)]
    pub byzantine: ByzantineSpace,
    /// Timed faults.
    #[serde(default)]
    pub faults: FaultSpace,
    /// The link model.
    #[serde(default)]
    pub network: NetworkSpace,
    /// Clients and requests.
    #[serde(default)]
    pub workload: WorkloadSpace,
    /// Protocol parameters.
    #[serde(default)]
    pub protocol: ProtocolSpace,
    /// Every draw's time limit, ms, when no `LivenessWithinF` property sets it (then it is
    /// `heal_by_ms + grace_ms`, and giving it too is an error); default 10000.
    #[serde(default)]
    pub time_limit_ms: Option<PositiveMillis>,
    /// How hard shrinking tries.
    #[serde(default)]
    pub shrink: ShrinkOptions,
}

fn default_properties() -> Vec<Property> {
    vec![Property::Safety]
}

fn default_replicas() -> Range<u32> {
    Range { min: 4, max: 4 }
}

/// A closed range `min..=max` of a space dimension; `min == max` fixes the value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range<T> {
    /// The smallest value drawn.
    pub min: T,
    /// The largest value drawn.
    pub max: T,
}

impl<T: Copy> Range<T> {
    /// The range holding only `value`.
    pub fn exactly(value: T) -> Range<T> {
        Range {
            min: value,
            max: value,
        }
    }
}

/// A bound on a number of replicas: a plain number, or relative to the drawn n's f.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "a number of replicas (`2`) or `F(k)`, f + k replicas at the drawn n (`F(0)` is f, `F(1)` one beyond)"
)]
pub enum Bound {
    /// This many replicas.
    Replicas(u32),
    /// Relative to f.
    Relative(RelativeToF),
}

/// A number of replicas relative to the drawn n's fault bound f.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelativeToF {
    /// f + k (k may be negative: `F(-1)` is f - 1), never below 0 or above n.
    F(i32),
}

impl Bound {
    /// The bound at `n` replicas with fault bound `f`, never above `n`.
    pub fn at(self, n: u32, f: u32) -> u32 {
        match self {
            Bound::Replicas(k) => k.min(n),
            Bound::Relative(RelativeToF::F(k)) => {
                (i64::from(f) + i64::from(k)).clamp(0, i64::from(n)) as u32
            }
        }
    }

    /// The bound as a number, if it is one.
    fn fixed(self) -> Option<u32> {
        match self {
            Bound::Replicas(k) => Some(k),
            Bound::Relative(_) => None,
        }
    }
}

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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

impl Default for ProtocolSpace {
    fn default() -> Self {
        ProtocolSpace {
            base: ProtocolConfig::default(),
            checkpoint_interval: Vec::new(),
            log_window: None,
            batch_size: None,
            window: None,
            view_change_timeout_ms: None,
            request_timeout_ms: None,
            batch_timeout_ms: None,
        }
    }
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

impl Space {
    /// What shrinking may not go below: the space's minimums (the byzantine count's at the
    /// smallest n), and the simplest protocol it allows.
    pub fn floor(&self) -> Floor {
        let n = self.replicas.min;
        Floor {
            replicas: n,
            clients: self.workload.clients.min.get(),
            requests: self.workload.requests.min.get(),
            byzantine: self.byzantine.count.min.at(n, self.f_at(n)),
            faults: self.faults.count.min,
            protocol: Some(self.protocol.simplest()),
        }
    }

    /// The fault bound at `n` replicas: the space's `f`, else floor((n - 1) / 3).
    pub fn f_at(&self, n: u32) -> u32 {
        self.f.unwrap_or_else(|| default_f(n))
    }
}

/// Reads and checks a space file.
pub fn load_space(path: &Path) -> Result<Space, ScenarioError> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    parse_space(&file, &source)
}

/// How a space file starts, for the empty-file message.
const SPACE_START: &str =
    "a search space starts with `Space(`, e.g. `Space(name: \"demo\", replicas: (min: 4, max: 7))`";

/// Parses and checks space text; `file` names it in errors. Every error is one line `FILE:LINE:COL:
/// what is wrong` where the place is knowable (`FILE: field.path: ...` for a default).
pub fn parse_space(file: &str, source: &str) -> Result<Space, ScenarioError> {
    if source.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with("//")
    }) {
        return Err(ScenarioError::At {
            file: file.to_string(),
            line: 1,
            col: 1,
            message: format!("the file is empty; {SPACE_START}"),
        });
    }
    // `Some(..)` may be left out around an optional range: `batch_size: (min: 1, max: 4)`.
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let space: Space =
        crate::scenario::read_ron(file, source, &options).map_err(|e| for_a_space(source, e))?;
    check::check(&space).map_err(|e| check::located(file, source, e))?;
    check::check_draws(&space).map_err(|e| check::located(file, source, e))?;
    Ok(space)
}

/// The names a space lists bare (their parameters drawn), with what a user writing them with
/// parameters should write instead.
const DRAWN_CHOICES: &[(&str, &str)] = &[
    ("SlowPrimary", "Exactly"),
    ("Censor", "Exactly"),
    ("SelectiveSilence", "Exactly"),
    ("Mutate", "Exactly"),
    ("Ids", "Exactly"),
    ("Constant", "Exactly"),
    ("Uniform", "Exactly"),
    ("Normal", "Exactly"),
    ("LogNormal", "Exactly"),
    ("Exponential", "Exactly"),
    ("Pareto", "Exactly"),
    ("Shifted", "Exactly"),
    ("Crash", ""),
    ("Partition", ""),
    ("Slow", ""),
    ("Loss", ""),
];

/// A reader's error made to speak of a space: the scenario reader's words for a file that is
/// not one, and, for a choice written with parameters (`SlowPrimary(delay_ms: 5.0)` in
/// `behaviours`), that a space draws them, and how to fix them instead.
fn for_a_space(source: &str, e: ScenarioError) -> ScenarioError {
    let ScenarioError::At {
        file,
        line,
        col,
        message,
    } = e
    else {
        return e;
    };
    let message = message
        .replace(
            "this is not a scenario file: it does not start with `Scenario(`",
            "this is not a search space file: it does not start with `Space(`",
        )
        .replace(
            "a scenario starts with `Scenario(`, e.g. `Scenario(name: \"demo\", replicas: 4)`",
            SPACE_START,
        );
    let message = match drawn_choice_before(source, line, col) {
        Some((name, "")) => format!(
            "`{name}` in `faults.kinds` takes no parameters: a space draws them (`faults`' \
             ranges, docs/explore.md); write `{name}`"
        ),
        Some((name, wrapper)) => format!(
            "`{name}` in a space's list takes no parameters: they are drawn from the space's \
             ranges (docs/explore.md); for exactly these write `{wrapper}({name}(...))`"
        ),
        None => message,
    };
    ScenarioError::At {
        file,
        line,
        col,
        message,
    }
}

/// The drawn choice whose parenthesis the error at `line`:`col` is inside of, if it is one
/// that a space lists bare, and what to write instead.
fn drawn_choice_before(
    source: &str,
    line: usize,
    col: usize,
) -> Option<(&'static str, &'static str)> {
    let line_start: usize = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let text = source.get(line_start..)?;
    let at = line_start
        + text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
    let before = source.get(..at)?;
    // The `(`s still open at the error, outermost first, each with the name before it.
    let mut open: Vec<&str> = Vec::new();
    // The parser stops at the `(` of a unit name written with parameters: count it as open.
    let upto = if source.get(at..).is_some_and(|rest| rest.starts_with('(')) {
        at + 1
    } else {
        at
    };
    let before = source.get(..upto)?;
    for (i, c) in before.char_indices() {
        match c {
            '(' => {
                let head = before.get(..i).unwrap_or_default().trim_end();
                let start = head
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(0, |k| k + 1);
                open.push(head.get(start..).unwrap_or_default());
            }
            ')' => {
                open.pop();
            }
            _ => {}
        }
    }
    // Inside `Exactly(..)` the parameters belong there.
    if open.contains(&"Exactly") {
        return None;
    }
    let name = *open.last()?;
    DRAWN_CHOICES.iter().find(|(n, _)| *n == name).copied()
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
fn count(n: u32) -> CountU32 {
    CountU32::new(n).expect("the space's default counts are >= 1")
}

/// A default count, 64 bits.
fn count64(n: u64) -> CountU64 {
    CountU64::new(n).expect("the space's default counts are >= 1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_resolve_at_the_drawn_n() {
        let f = |k| Bound::Relative(RelativeToF::F(k));
        assert_eq!(f(0).at(4, 1), 1);
        assert_eq!(f(1).at(7, 2), 3);
        assert_eq!(f(-2).at(4, 1), 0, "never below 0");
        assert_eq!(f(9).at(4, 1), 4, "never above n");
        assert_eq!(Bound::Replicas(3).at(7, 2), 3);
        assert_eq!(Bound::Replicas(9).at(4, 1), 4, "a number is cut to n");
        let read: Range<Bound> = ron::from_str("(min: 2, max: F(-1))").expect("a range of bounds");
        assert_eq!(read.min, Bound::Replicas(2));
        assert_eq!(read.max, f(-1));
        assert!(ron::from_str::<Bound>("G(1)").is_err());
    }

    #[test]
    fn the_simplest_protocol_is_the_nearest_to_the_base() {
        let mut p = ProtocolSpace::default();
        assert_eq!(
            p.simplest(),
            ProtocolConfig::default(),
            "nothing drawn: the base"
        );
        p.checkpoint_interval = vec![count64(2), count64(8)];
        p.log_window = Some(Range { min: 2, max: 4 });
        p.batch_size = Some(Range {
            min: count(2),
            max: count(4),
        });
        p.window = Some(Range {
            min: count64(1),
            max: count64(100),
        });
        let s = p.simplest();
        assert_eq!(s.checkpoint_interval.get(), 8, "the largest listed");
        assert_eq!(s.log_window, 16, "min intervals");
        assert_eq!(s.batch_size.get(), 2, "the end nearest the base's 1");
        assert_eq!(
            s.window,
            ProtocolConfig::default().window,
            "the base's, held"
        );
    }
}
