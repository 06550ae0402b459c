//! The network model (Castro & Liskov §3: an asynchronous network that may fail to deliver,
//! delay, duplicate or reorder messages). Pure: every decision draws from an RNG passed in,
//! which the simulator keys per sending actor so that processing order never changes a draw.
//!
//! - `delay.rs`: delay profiles (their distributions built once, drawn per message);
//! - `faults.rs`: timed crashes, partitions, slow periods and loss bursts;
//! - `topology.rs`: regions and the links between them;
//! - `checked.rs`: the checked numbers (probabilities, durations, counts) that these types and
//!   the rest of the scenario schema are made of, and `FieldError` for checks across fields.

mod checked;
mod delay;
mod faults;
mod topology;

use serde::{Deserialize, Serialize};

pub use checked::{
    CountU32, CountU64, FieldError, Millis, NonNegative, OutOfRange, Positive, PositiveMillis,
    Probability,
};
pub use delay::{BadDistribution, DelayProfile, DelaySpec, FORMS as DELAY_FORMS};
pub use faults::{Fault, FaultPlan, FORMS as FAULT_FORMS};
pub use topology::{Link, Region, Topology};

/// What applies to one message besides the global model: its link's delay profile, extra loss
/// from a burst, and a slowdown factor.
#[derive(Clone, Copy, Debug)]
pub struct LinkConditions<'a> {
    /// The delay profile of this link.
    pub profile: &'a DelayProfile,
    /// Extra loss probability (timed `Loss` faults).
    pub extra_loss: f64,
    /// Delay multiplier (timed `Slow` faults).
    pub slowdown: f64,
}

/// Why a message is lost.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LossCause {
    /// The network's own loss probability (`drop`).
    Drop,
    /// A timed `Loss` fault (a burst).
    Burst,
    /// A timed `Partition` fault.
    Partition,
}

/// What the link model did to one message besides its delays: lost (and why), or delayed
/// further by reordering (the largest extra delay of its copies, at least 1 ns when reordered).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Fate {
    /// Lost, and why; `None` when some copy arrives.
    pub lost: Option<LossCause>,
    /// The extra delay reordering added, ns; 0 when not reordered.
    pub reordered_ns: u64,
}

/// The simulator's RNG: ChaCha8, seeded per trial and per stream.
pub type SimRng = rand_chacha::ChaCha8Rng;

/// Extra delay applied to a share of messages, so that they overtake or are overtaken.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reorder {
    /// Share of messages delayed further.
    pub probability: Probability,
    /// The extra delay.
    pub extra: DelayProfile,
}

impl Default for Reorder {
    fn default() -> Self {
        Reorder {
            probability: Probability::ZERO,
            extra: DelayProfile::constant(Millis::ZERO),
        }
    }
}

/// The global link model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// One-way delay of every link.
    pub delay: DelayProfile,
    /// Probability that a message is lost.
    #[serde(default = "Probability::zero")]
    pub drop: Probability,
    /// Probability that a message is delivered twice (the copy with its own delay).
    #[serde(default = "Probability::zero")]
    pub duplicate: Probability,
    /// Reordering by extra delay.
    #[serde(default)]
    pub reorder: Reorder,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            delay: DelayProfile::constant(Millis::new(10.0).expect("10 ms is a duration")),
            drop: Probability::ZERO,
            duplicate: Probability::ZERO,
            reorder: Reorder::default(),
        }
    }
}

/// Converts milliseconds to whole virtual nanoseconds (rounded; never negative).
pub fn ms_to_ns(ms: f64) -> u64 {
    (ms.max(0.0) * 1e6).round() as u64
}

impl NetworkConfig {
    /// The conditions of a link with no topology and no timed fault.
    pub fn plain(&self) -> LinkConditions<'_> {
        LinkConditions {
            profile: &self.delay,
            extra_loss: 0.0,
            slowdown: 1.0,
        }
    }

    /// Decides the fate of one message: the delays (in ns) of the copies that arrive; empty
    /// when it is lost. Draw order is fixed: loss, burst loss, delay, reorder, duplication
    /// (a draw is skipped only when its probability is 0, identically in every run).
    pub fn transmit(
        &self,
        rng: &mut SimRng,
        link: LinkConditions<'_>,
        copies: &mut Vec<u64>,
    ) -> Fate {
        use rand::RngExt;
        copies.clear();
        let mut fate = Fate::default();
        let (drop, duplicate) = (self.drop.get(), self.duplicate.get());
        if drop > 0.0 && rng.random_bool(drop) {
            fate.lost = Some(LossCause::Drop);
            return fate;
        }
        if link.extra_loss > 0.0 && rng.random_bool(link.extra_loss.min(1.0)) {
            fate.lost = Some(LossCause::Burst);
            return fate;
        }
        copies.push(self.one_delay_ns(rng, link, &mut fate));
        if duplicate > 0.0 && rng.random_bool(duplicate) {
            copies.push(self.one_delay_ns(rng, link, &mut fate));
        }
        fate
    }

    fn one_delay_ns(&self, rng: &mut SimRng, link: LinkConditions<'_>, fate: &mut Fate) -> u64 {
        use rand::RngExt;
        let mut ms = link.profile.sample_ms(rng) * link.slowdown;
        let reorder = self.reorder.probability.get();
        if reorder > 0.0 && rng.random_bool(reorder) {
            let extra = self.reorder.extra.sample_ms(rng);
            ms += extra;
            fate.reordered_ns = fate.reordered_ns.max(ms_to_ns(extra)).max(1);
        }
        ms_to_ns(ms)
    }

    /// Checks what the fields' types cannot (a uniform delay's bounds in order); the error's
    /// path is relative to the network.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.delay.validate().map_err(|e| e.within("delay"))?;
        self.reorder
            .extra
            .validate()
            .map_err(|e| e.within("reorder.extra"))
    }
}
