//! The RON scenario schema. Field names are a contract (see the issues); every optional field
//! has a serde default, and unknown fields are errors. Numbers that have a range of their own
//! (durations, counts, probabilities) are checked types (`net::checked`), refused at the
//! value's LINE:COL while the file is read; checks across fields are `validate`'s.

use serde::{Deserialize, Serialize};

use crate::adversary::ByzantineGroup;
use crate::net::{CountU32, CountU64, Fault, Link, NetworkConfig, PositiveMillis, Region};

/// A scenario: a PBFT deployment, its faults and workload, and what to sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name; the default output folder is `results/<name>/`.
    pub name: String,
    /// What the scenario shows.
    #[serde(default)]
    pub description: String,
    /// Scenario seed; trial seeds derive from it.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Trials per sweep point.
    #[serde(default = "default_trials")]
    pub trials: u32,
    /// Number of replicas n.
    pub replicas: u32,
    /// Fault bound; default floor((n - 1) / 3).
    #[serde(default)]
    pub f: Option<u32>,
    /// Clients and requests.
    #[serde(default)]
    pub workload: Workload,
    /// Link model.
    #[serde(default)]
    pub network: NetworkConfig,
    /// Regions replicas and clients are placed in (default: none, every link global).
    #[serde(default)]
    pub regions: Vec<Region>,
    /// One-way delays between regions (a link given once serves both ways).
    #[serde(default)]
    pub links: Vec<Link>,
    /// Timed faults: crashes, partitions, slow replicas, loss bursts.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Byzantine replicas, in groups.
    #[serde(default)]
    pub byzantine: Vec<ByzantineGroup>,
    /// Protocol parameters.
    #[serde(default)]
    pub protocol: ProtocolConfig,
    /// Virtual time after which a trial stops, in ms.
    #[serde(default = "default_time_limit_ms")]
    pub time_limit_ms: PositiveMillis,
    /// Axes to sweep (cartesian product).
    #[serde(default)]
    pub sweep: Vec<SweepAxis>,
}

fn default_seed() -> u64 {
    1
}
fn default_trials() -> u32 {
    1
}
fn default_time_limit_ms() -> PositiveMillis {
    ms(10_000.0)
}

/// A default duration.
fn ms(v: f64) -> PositiveMillis {
    PositiveMillis::new(v).expect("the schema's default durations are > 0")
}

/// A default count.
fn count(n: u32) -> CountU32 {
    CountU32::new(n).expect("the schema's default counts are >= 1")
}

/// A default count, 64 bits.
fn count64(n: u64) -> CountU64 {
    CountU64::new(n).expect("the schema's default counts are >= 1")
}

/// Closed-loop clients, each with one outstanding request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    /// Number of clients.
    pub clients: CountU32,
    /// Requests per client.
    pub requests: CountU64,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            clients: count(1),
            requests: count64(1),
        }
    }
}

/// PBFT parameters (Castro & Liskov §4.3-4.4, TOCS'02 §5.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProtocolConfig {
    /// Whether view change runs; false reproduces the seed's toy (a faulty primary stalls).
    pub view_change: bool,
    /// A backup's timer for a waiting request, and the base new-view timeout, ms.
    pub view_change_timeout_ms: PositiveMillis,
    /// A client's retransmission timeout, ms.
    pub request_timeout_ms: PositiveMillis,
    /// A CHECKPOINT every this many sequence numbers.
    pub checkpoint_interval: CountU64,
    /// H - h.
    pub log_window: u64,
    /// Requests per pre-prepare at most.
    pub batch_size: CountU32,
    /// How long the primary holds a partial batch, ms.
    pub batch_timeout_ms: PositiveMillis,
    /// Sequence numbers in flight (assigned, not executed) at most.
    pub window: CountU64,
    /// How long a slot may stay open before its replica asks for what it lacks (STATUS,
    /// TOCS'02 §5.2), ms; `None`: a quarter of `view_change_timeout_ms`.
    pub status_period_ms: Option<PositiveMillis>,
    /// A bug planted in the protocol for testing the explorer (only with the cargo feature
    /// `planted-bug`); `None`, the default, is the real protocol and is not written out.
    #[cfg(feature = "planted-bug")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planted_bug: Option<crate::protocol::PlantedBug>,
}

impl ProtocolConfig {
    /// The status period in force, ms: the one given, else a quarter of the view-change
    /// timeout (a lost message is then asked for again two or three times before a request
    /// timer can fire).
    pub fn status_period_ms(&self) -> f64 {
        self.status_period_ms
            .map_or(self.view_change_timeout_ms.get() / 4.0, PositiveMillis::get)
    }
}

impl Default for ProtocolConfig {
    fn default() -> Self {
        ProtocolConfig {
            view_change: true,
            view_change_timeout_ms: ms(200.0),
            request_timeout_ms: ms(300.0),
            checkpoint_interval: count64(128),
            log_window: 256,
            batch_size: count(1),
            batch_timeout_ms: ms(1.0),
            window: count64(64),
            status_period_ms: None,
            #[cfg(feature = "planted-bug")]
            planted_bug: None,
        }
    }
}

/// One sweep axis: a field path and its values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepAxis {
    /// Field names joined by `.`, with `[i]` for list elements, e.g. `byzantine[0].count`.
    pub path: String,
    /// The values.
    pub values: SweepValues,
    /// The axis's name on charts (e.g. `"loss"`); default: a readable name derived from the
    /// path (`byzantine[0].count` -> "byzantine replicas"). Written to `scenario.ron` only
    /// when given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "plain_string"
    )]
    pub label: Option<String>,
}

/// An optional string written as a plain string (`label: "loss"`, not `Some("loss")`), and
/// left out when absent.
mod plain_string {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `Some(text)` as `text` (`None` is skipped by the field's attribute).
    pub fn serialize<S: Serializer>(value: &Option<String>, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(value.as_deref().unwrap_or_default())
    }

    /// Reads a plain string as `Some(text)`.
    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Option<String>, D::Error> {
        String::deserialize(input).map(Some)
    }
}

/// The values of an axis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum SweepValues {
    /// Integers `from..=to`.
    Range {
        /// First value.
        from: i64,
        /// Last value (inclusive).
        to: i64,
    },
    /// Any scalars, in order.
    Values(Vec<Scalar>),
    /// `steps` evenly spaced floats from `from` to `to`, both included (one step: `from`).
    Linear {
        /// First value.
        from: f64,
        /// Last value.
        to: f64,
        /// Number of values.
        steps: u32,
    },
}

/// A scalar sweep value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// true / false.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
}

impl Scalar {
    /// The value as written in CSV columns.
    pub fn label(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(x) => format!("{x}"),
            Scalar::Str(s) => s.clone(),
        }
    }

    /// The value as a number, for chart positions.
    pub fn number(&self) -> Option<f64> {
        match self {
            Scalar::Int(i) => Some(*i as f64),
            Scalar::Float(x) => Some(*x),
            Scalar::Bool(_) | Scalar::Str(_) => None,
        }
    }

    /// The value as JSON, to set into a scenario.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Scalar::Bool(b) => serde_json::Value::Bool(*b),
            Scalar::Int(i) => serde_json::Value::from(*i),
            Scalar::Float(x) => serde_json::Number::from_f64(*x)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Scalar::Str(s) => serde_json::Value::String(s.clone()),
        }
    }
}

impl SweepValues {
    /// How many values the axis has, computed without building them.
    pub fn len(&self) -> u64 {
        match self {
            SweepValues::Range { from, to } => {
                if to < from {
                    0
                } else {
                    (i128::from(*to) - i128::from(*from) + 1).min(i128::from(u64::MAX)) as u64
                }
            }
            SweepValues::Values(values) => values.len() as u64,
            SweepValues::Linear { steps, .. } => u64::from(*steps),
        }
    }

    /// Whether the axis has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The axis's values, in order. Call only after checking `len` against a limit.
    pub fn expand(&self) -> Vec<Scalar> {
        match self {
            SweepValues::Range { from, to } => (*from..=*to).map(Scalar::Int).collect(),
            SweepValues::Values(values) => values.clone(),
            SweepValues::Linear { from, to, steps } => match *steps {
                0 => Vec::new(),
                1 => vec![Scalar::Float(*from)],
                k => (0..k)
                    .map(|i| {
                        let t = f64::from(i) / f64::from(k - 1);
                        // Round away float noise so labels read 0.05, not 0.05000000000000001.
                        let x = from + (to - from) * t;
                        Scalar::Float((x * 1e9).round() / 1e9)
                    })
                    .collect(),
            },
        }
    }
}
