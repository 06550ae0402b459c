//! The RON scenario schema. Field names are a contract (see the issues); every optional field
//! has a serde default, and unknown fields are errors. Numbers that have a range of their own
//! (durations, counts, probabilities) are checked types (`net::checked`), refused at the
//! value's LINE:COL while the file is read; checks across fields are `validate`'s.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::adversary::ByzantineGroup;
use crate::costs::CostModel;
use crate::net::{
    CountU32, CountU64, Fault, Link, Millis, NetworkConfig, Positive, PositiveMillis, Probability,
    Region,
};

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
    /// What computing and sending cost (`costs::CostModel`, `docs/costs.md`); `None`: nothing
    /// (every node computes in zero time and links carry any size within their delay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub costs: Option<CostModel>,
    /// Published figures to print this run's own beside (`run` and `reference.csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
}

/// Published figures a scenario reproduces: after a run, `run` prints each cell's own value
/// beside the published one, and writes `reference.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Where the figures come from (e.g. "Castro & Liskov, OSDI'99, Table 1").
    pub source: String,
    /// The `summary.csv` column the figures are compared with (e.g. "latency_p50_ms").
    pub column: String,
    /// The figures, one per sweep point they name.
    pub cells: Vec<ReferenceCell>,
}

/// One published figure and the sweep point it is for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceCell {
    /// The point: each named axis's value, as its column shows it (e.g. `{"op": "0/0"}`).
    pub at: BTreeMap<String, String>,
    /// The published value.
    pub value: f64,
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

/// Clients, each with one outstanding request at a time (§4.1), and what they ask.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    /// Number of clients.
    pub clients: CountU32,
    /// Requests per client.
    pub requests: CountU64,
    /// Bytes of each request's argument (the operation's payload).
    #[serde(skip_serializing_if = "is_zero")]
    pub request_bytes: u32,
    /// Bytes of each reply's result.
    #[serde(skip_serializing_if = "is_zero")]
    pub reply_bytes: u32,
    /// Closed loop: how long a client waits after a result before its next request, ms.
    #[serde(skip_serializing_if = "is_no_time")]
    pub think_time_ms: Millis,
    /// When requests arrive: `Closed` (each client issues its next request when its last is
    /// done, after its think time) or `Poisson(per_second:)` (open loop).
    #[serde(skip_serializing_if = "Arrivals::is_closed")]
    pub arrivals: Arrivals,
    /// The share of requests that are read-only (OSDI'99 §5.1), spread evenly over each
    /// client's requests.
    #[serde(skip_serializing_if = "is_never")]
    pub read_only: Probability,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            clients: count(1),
            requests: count64(1),
            request_bytes: 0,
            reply_bytes: 0,
            think_time_ms: Millis::ZERO,
            arrivals: Arrivals::Closed,
            read_only: Probability::ZERO,
        }
    }
}

/// How requests arrive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Arrivals {
    /// Closed loop: a client's next request when its last is done (and its think time over).
    #[default]
    Closed,
    /// Open loop: requests arrive as a Poisson process of this total rate, handed to the
    /// clients in turn; a client with a request outstanding queues the next, and a request's
    /// latency counts from its arrival.
    Poisson {
        /// Arrivals per virtual second, all clients together.
        per_second: Positive,
    },
}

impl Arrivals {
    /// Whether this is the closed loop (the default, not written out).
    pub fn is_closed(&self) -> bool {
        matches!(self, Arrivals::Closed)
    }
}

/// How the service is run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Replication {
    /// PBFT over `replicas` replicas.
    #[default]
    Pbft,
    /// The baseline papers compare with: one server (replica 0), no protocol, no
    /// authentication; the client takes its one reply. `replicas` and `f` are not used.
    Unreplicated,
}

impl Replication {
    /// Whether this is PBFT (the default, not written out).
    pub fn is_pbft(&self) -> bool {
        matches!(self, Replication::Pbft)
    }
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

fn is_no_time(v: &Millis) -> bool {
    v.get() == 0.0
}

fn is_never(p: &Probability) -> bool {
    p.get() == 0.0
}

fn is_false(b: &bool) -> bool {
    !*b
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
    /// Tentative execution (OSDI'99 §5.1): replicas execute a request once it is prepared and
    /// reply at once; the client takes 2f+1 matching tentative replies (four message delays
    /// instead of five), else f+1 replies after commit.
    #[serde(skip_serializing_if = "is_false")]
    pub tentative_execution: bool,
    /// PBFT, or the unreplicated baseline.
    #[serde(skip_serializing_if = "Replication::is_pbft")]
    pub replication: Replication,
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
            tentative_execution: false,
            replication: Replication::Pbft,
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
    /// Named cases, each setting one or more fields at once: the axis's column shows the
    /// case's name, and its path is only that column's name (e.g. `op`, with cases `"0/4"`
    /// setting `workload.request_bytes` and `workload.reply_bytes`).
    Cases(Vec<Case>),
}

/// One value of a `Cases` axis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Its name, as the axis's column shows it.
    pub name: String,
    /// The fields it sets: path (as a sweep axis's) -> value.
    pub set: BTreeMap<String, Scalar>,
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
            SweepValues::Cases(cases) => cases.len() as u64,
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
            SweepValues::Cases(cases) => {
                cases.iter().map(|c| Scalar::Str(c.name.clone())).collect()
            }
        }
    }
}
