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
mod hints;
mod sections;

pub use sections::{
    BehaviourChoice, ByzantineSpace, DelayChoice, FaultKind, FaultSpace, NetworkSpace,
    PlacementChoice, ProtocolSpace, WorkloadSpace,
};

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Floor, Property, ShrinkOptions};
use crate::net::PositiveMillis;
use crate::protocol::quorum::default_f;
use crate::scenario::ScenarioError;

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
    let space: Space = crate::scenario::read_ron(file, source, &options)
        .map_err(|e| hints::for_a_space(source, e))?;
    check::check(&space).map_err(|e| check::located(file, source, e))?;
    check::check_draws(&space).map_err(|e| check::located(file, source, e))?;
    Ok(space)
}

#[cfg(test)]
mod tests {
    use super::sections::{count, count64};
    use super::*;
    use crate::scenario::ProtocolConfig;

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
