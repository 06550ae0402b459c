//! The cost model: what a node's CPU spends on each input and each message it sends, what
//! cryptography costs (MACs and authenticators as in TOCS'02 §3.2, or public-key signatures as
//! in OSDI'99's first design), how long a message occupies a link of finite bandwidth, and how
//! many bytes each message is on the wire. BFTSim (NSDI'08) showed why a BFT simulator needs
//! this: without it throughput is bounded only by the clients, batching shows no benefit, and
//! MACs cost the same as signatures.
//!
//! Optional per scenario (`costs:`); absent, nodes compute in zero time, links carry any size
//! within their delay, and every output is what it was before the model existed. The model is
//! pure data and arithmetic: the engine (`sim`) applies it. Reference: `docs/costs.md`.

pub mod size;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::net::{NonNegative, Positive, Probability};

/// A scenario's cost model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostModel {
    /// How messages are authenticated: the crypto operations each send and receive costs, and
    /// the authentication bytes each message carries.
    pub auth: Auth,
    /// Every replica's CPU (one server per node, inputs handled in arrival order).
    pub cpu: CpuCosts,
    /// The clients' CPU; `None`: the same as the replicas'.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_cpu: Option<CpuCosts>,
    /// What each cryptographic operation costs.
    pub crypto: CryptoCosts,
    /// Link bandwidth and multicast.
    pub link: LinkCosts,
    /// The sizes message sizes are computed from.
    pub sizes: WireSizes,
    /// Replies with digests (OSDI'99 §5.1): only the designated replier (the primary of the
    /// reply's view) sends the full result; the others send its digest.
    pub digest_replies: bool,
    /// The share of each trial's completed requests, first ones first, that is warm-up and
    /// not counted in its throughput (`docs/costs.md`, "Throughput").
    pub warmup: Probability,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            auth: Auth::Macs,
            cpu: CpuCosts::default(),
            client_cpu: None,
            crypto: CryptoCosts::default(),
            link: LinkCosts::default(),
            sizes: WireSizes::default(),
            digest_replies: true,
            warmup: Probability::new(0.1).unwrap_or(Probability::ZERO),
        }
    }
}

/// How messages are authenticated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Auth {
    /// MACs (TOCS'02 §3.2): a point-to-point message carries one MAC; a multicast carries an
    /// authenticator, one MAC per recipient, each computed by the sender.
    #[default]
    Macs,
    /// Public-key signatures: one signature per message however many receive it, each
    /// verified by every receiver.
    Signatures,
}

/// A node's CPU costs. Every field defaults to 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CpuCosts {
    /// Per input handled: a message received or a timer fired, microseconds.
    pub per_input_us: NonNegative,
    /// Per message sent (a multicast once when `link.multicast`), microseconds.
    pub per_send_us: NonNegative,
    /// Per byte received and per byte sent, nanoseconds.
    pub per_byte_ns: NonNegative,
    /// Extra per message received of a kind (`Message::kind`: `"pre-prepare"`, `"reply"`...),
    /// microseconds.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_kind_us: BTreeMap<String, NonNegative>,
    /// Per request executed, microseconds.
    pub execute_us: NonNegative,
}

/// What each cryptographic operation costs. Every field defaults to 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CryptoCosts {
    /// One MAC, computed or checked, microseconds (an authenticator of k entries costs k).
    pub mac_us: NonNegative,
    /// Digesting, per byte of the message digested, nanoseconds.
    pub digest_ns_per_byte: NonNegative,
    /// One signature made, microseconds.
    pub sign_us: NonNegative,
    /// One signature checked, microseconds.
    pub verify_us: NonNegative,
}

/// Links of finite bandwidth.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkCosts {
    /// Each node's link, Mbit/s: a message of b bytes occupies its sender's link for
    /// b / bandwidth (and, with `receiver_port`, the receiver's); `None`: unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bandwidth_mbps: Option<Positive>,
    /// A multicast (a message to every replica) is one transmission on the sender's link, as
    /// IP multicast on a LAN (the paper's setting); else one per recipient.
    pub multicast: bool,
    /// A switched LAN: each node's port towards it also carries one message at a time, so
    /// messages arriving together queue there (full duplex: sending and receiving do not
    /// share it).
    pub receiver_port: bool,
}

/// The sizes message sizes are computed from (`size::wire_bytes`), bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WireSizes {
    /// Per message on the wire: link, network and transport headers (Ethernet, IP, UDP: 42).
    pub envelope_bytes: u32,
    /// A PBFT message's own header: kind, view, sequence number, sender and the like.
    pub header_bytes: u32,
    /// A digest.
    pub digest_bytes: u32,
    /// One MAC (an authenticator carries one per recipient).
    pub mac_bytes: u32,
    /// One signature.
    pub signature_bytes: u32,
}

impl Default for WireSizes {
    fn default() -> Self {
        WireSizes {
            envelope_bytes: 42,
            header_bytes: 32,
            digest_bytes: 16,
            mac_bytes: 8,
            signature_bytes: 128,
        }
    }
}

/// What one trial's nodes did under the cost model: `TrialOutcome::load`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadOutcome {
    /// Per node, replicas first (by id), then clients.
    pub nodes: Vec<NodeLoad>,
}

/// One node's load over a trial.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeLoad {
    /// Virtual ns its CPU was busy.
    pub busy_ns: u64,
    /// Transmissions it made (a multicast once when `link.multicast`, else once per recipient).
    pub transmissions: u64,
    /// Bytes it put on its link (envelopes included).
    pub bytes_sent: u64,
}
