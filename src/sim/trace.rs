//! The event trace of one trial (`docs/trace.md`): what the engine did, in the order it did it.
//!
//! A trace is asked for by handing the engine a [`TraceSink`] ([`super::run_trial_traced`]);
//! without one the engine records nothing beyond its counters. Each [`TraceEvent`] is one thing
//! that happened at one virtual instant: a message sent, delivered, dropped (and why), duplicated
//! or delayed by reordering (Castro & Liskov §3: the network may fail to deliver, delay,
//! duplicate or reorder); a timer set, fired, found stale or cancelled; a timed fault starting or
//! ending; a step of the protocol at a replica (pre-prepared, prepared, committed, executed:
//! §4.2; checkpoint stable, state transfer: §4.3; view entered: §4.4); a client's retransmission
//! and accepted reply (§4.1); an input a node refused, with its typed reason; what a byzantine
//! behaviour changed of its replica's honest conduct; an oracle violation. Events serialize as
//! one JSON object each (JSON Lines), after a [`TraceHeader`] line carrying the schema version.

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use crate::protocol::message::{Digest, Message, NodeId, SeqNum, Timestamp, View};
use crate::protocol::{Change, Rejection, RejectionClass, Tampering, Timer, TimerKind};

/// The trace schema's version (the header's `version` field); bumped when a field changes
/// meaning or goes away (new fields and event kinds do not bump it).
pub const TRACE_VERSION: u32 = 1;

/// Every event kind (the JSON's `ev` field), as [`Happening::name`] gives them.
pub const EVENT_KINDS: [&str; 30] = [
    "send",
    "drop",
    "duplicate",
    "reorder",
    "deliver",
    "timer_set",
    "timer_fire",
    "timer_stale",
    "timer_cancel",
    "crash",
    "recover",
    "partition_start",
    "partition_end",
    "slow_start",
    "slow_end",
    "loss_start",
    "loss_end",
    "view_entered",
    "pre_prepared",
    "prepared",
    "committed",
    "executed",
    "checkpoint_stable",
    "state_transfer",
    "request_issued",
    "retransmit",
    "accepted",
    "reject",
    "tamper",
    "violation",
];

/// Every message kind (the JSON's `msg` field), as `Message::kind` gives them.
pub const MESSAGE_KINDS: [&str; 14] = [
    "request",
    "pre-prepare",
    "prepare",
    "commit",
    "reply",
    "checkpoint",
    "view-change",
    "new-view",
    "fetch-state",
    "state",
    "fetch-batch",
    "status",
    "commit-certificate",
    "batch",
];

/// Where a trial's trace goes, event by event, in the engine's order.
pub trait TraceSink {
    /// The trial is about to start: who is who, and the timed faults.
    fn start(&mut self, trial: &TraceTrial);
    /// One event.
    fn event(&mut self, event: TraceEvent);
    /// The trial is over: no more events (the place to flush, and to note a failure to).
    fn finish(&mut self) {}
}

/// What a trace says about its trial before the first event.
#[derive(Clone, Debug, Serialize)]
pub struct TraceTrial {
    /// The trial's seed.
    pub seed: u64,
    /// Replicas.
    pub n: u32,
    /// Fault bound.
    pub f: u32,
    /// Clients.
    pub clients: u32,
    /// The trial's time limit, virtual ms.
    pub time_limit_ms: f64,
    /// Every node, replicas first: its lane in a chart.
    pub nodes: Vec<NodeRole>,
    /// The timed faults, as periods (for shading a chart even when its window starts late).
    pub periods: Vec<FaultPeriod>,
}

/// One node of the trial.
#[derive(Clone, Debug, Serialize)]
pub struct NodeRole {
    /// The node (`"r0"`, `"c0"`).
    pub node: Node,
    /// `"replica"` or `"client"`.
    pub role: &'static str,
    /// The byzantine behaviour wrapping it (replicas only), by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<String>,
}

/// A timed fault as a period of virtual time.
#[derive(Clone, Debug, Serialize)]
pub struct FaultPeriod {
    /// `"crash"`, `"partition"`, `"slow"` or `"loss"`.
    pub kind: &'static str,
    /// The replicas it applies to (every replica in a partition's groups; empty for loss).
    pub replicas: Vec<u32>,
    /// Start, virtual ms.
    pub from_ms: f64,
    /// End, virtual ms; `None`: never (a crash for good).
    pub until_ms: Option<f64>,
    /// What it does, in words (`"groups [[0, 1], [2, 3]]"`, `"factor 4"`, `"p = 0.3"`).
    pub detail: String,
}

/// A node as a trace names it: `"r3"` for replica 3, `"c0"` for client 0.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct Node(pub NodeId);

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.to_string())
    }
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            NodeId::Replica(r) => write!(f, "r{r}"),
            NodeId::Client(c) => write!(f, "c{c}"),
        }
    }
}

/// One event of the trace.
#[derive(Clone, Debug, Serialize)]
pub struct TraceEvent {
    /// Its place in the engine's order, from 0.
    pub i: u64,
    /// Virtual time, ns.
    pub t_ns: u64,
    /// The same, in ms.
    pub t_ms: f64,
    /// The node it happened at (the sender, for what the network did to a message); `None`
    /// for a fault period starting or ending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<Node>,
    /// What happened.
    #[serde(flatten)]
    pub what: Happening,
}

/// A message as a trace shows it: its kind and the fields that place it in the protocol.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct MessageSummary {
    /// `Message::kind` (`"pre-prepare"`, `"commit"`, ...).
    pub msg: &'static str,
    /// The view it is for, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<View>,
    /// The sequence number it is for, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<SeqNum>,
    /// The first 4 bytes of the digest it carries or certifies, in hex.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "digest_prefix"
    )]
    pub digest: Option<Digest>,
    /// The request's timestamp (requests and replies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
}

fn digest_prefix<S: Serializer>(digest: &Option<Digest>, s: S) -> Result<S::Ok, S::Error> {
    match digest {
        Some(d) => s.collect_str(&d.short()),
        None => s.serialize_none(),
    }
}

impl TraceEvent {
    /// Event `i` of the trace, at `t_ns`.
    pub fn new(i: u64, t_ns: u64, node: Option<NodeId>, what: Happening) -> TraceEvent {
        TraceEvent {
            i,
            t_ns,
            t_ms: t_ns as f64 / 1e6,
            node: node.map(Node),
            what,
        }
    }
}

impl MessageSummary {
    /// The summary of `message`.
    pub fn of(message: &Message) -> MessageSummary {
        let mut summary = MessageSummary {
            msg: message.kind(),
            ..MessageSummary::default()
        };
        let vote = |summary: &mut MessageSummary, view, seq, digest| {
            summary.view = Some(view);
            summary.seq = Some(seq);
            summary.digest = Some(digest);
        };
        match message {
            Message::Request(request) => summary.timestamp = Some(request.timestamp()),
            Message::PrePrepare(pp) => {
                let v = pp.vote();
                vote(&mut summary, v.view, v.seq, v.digest);
            }
            Message::Prepare(signed) | Message::Commit(signed) => {
                let v = signed.value().1;
                vote(&mut summary, v.view, v.seq, v.digest);
            }
            Message::Reply(reply) => {
                summary.view = Some(reply.view);
                summary.timestamp = Some(reply.timestamp);
            }
            Message::Checkpoint(signed) => {
                summary.seq = Some(signed.value().seq);
                summary.digest = Some(signed.value().state);
            }
            Message::ViewChange(signed) => {
                summary.view = Some(signed.value().new_view);
                summary.seq = Some(signed.value().stable_seq);
            }
            Message::NewView(signed) => summary.view = Some(signed.value().view),
            Message::FetchState { seq } => summary.seq = Some(*seq),
            Message::State(snapshot) => summary.seq = Some(snapshot.seq),
            Message::FetchBatch { seq, digest } => {
                summary.seq = Some(*seq);
                summary.digest = Some(*digest);
            }
            Message::Status(report) => {
                summary.view = Some(report.view);
                summary.seq = Some(report.last_executed);
            }
            Message::CommitCertificate { batch, commits } => {
                summary.seq = commits.first().map(|c| c.value().1.seq);
                summary.digest = Some(batch.digest());
            }
            Message::Batch { seq, batch } => {
                summary.seq = Some(*seq);
                summary.digest = Some(batch.digest());
            }
        }
        summary
    }
}

/// Why the network or a crash lost a message.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropCause {
    /// The network's own loss probability (`network.drop`).
    Loss,
    /// A `Loss` fault (a burst of extra loss).
    Burst,
    /// A `Partition` fault cut the link.
    Partition,
    /// The recipient was crashed when it arrived.
    Crash,
}

/// The name of a timer's kind, as a trace writes it.
pub fn timer_name(kind: TimerKind) -> &'static str {
    match kind {
        TimerKind::Batch => "batch",
        TimerKind::ViewChange => "view-change",
        TimerKind::Fetch => "fetch",
        TimerKind::Retransmit => "retransmit",
        TimerKind::Arrival => "arrival",
        TimerKind::Think => "think",
        TimerKind::Status => "status",
        TimerKind::Behaviour(_) => "behaviour",
    }
}

/// What happened, by kind (the JSON's `ev` field).
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum Happening {
    /// `node` sent a message to `to`; `delays_ms` are the network delays of the copies that
    /// will arrive (none: lost, and a `drop` follows; two: duplicated).
    Send {
        /// The recipient.
        to: Node,
        /// The message.
        #[serde(flatten)]
        message: MessageSummary,
        /// Each arriving copy's delay, virtual ns (written in ms, as `delays_ms`).
        #[serde(rename = "delays_ms", serialize_with = "ms_list")]
        delays_ns: Vec<u64>,
        /// The `Slow` faults' delay factor on this link, when not 1.
        #[serde(skip_serializing_if = "Option::is_none")]
        slowed: Option<f64>,
    },
    /// The message `node` sent to `to` will not arrive.
    Drop {
        /// The recipient.
        to: Node,
        /// The message.
        #[serde(flatten)]
        message: MessageSummary,
        /// Why.
        cause: DropCause,
    },
    /// The network duplicated the message `node` sent to `to`.
    Duplicate {
        /// The recipient.
        to: Node,
        /// The message.
        #[serde(flatten)]
        message: MessageSummary,
    },
    /// The network delayed the message `node` sent to `to` by reordering, `extra_ms` more.
    Reorder {
        /// The recipient.
        to: Node,
        /// The message.
        #[serde(flatten)]
        message: MessageSummary,
        /// The extra delay, virtual ms.
        extra_ms: f64,
    },
    /// A message from `from` arrived at `node` (and was handed to it).
    Deliver {
        /// The sender.
        from: Node,
        /// The message.
        #[serde(flatten)]
        message: MessageSummary,
    },
    /// `node` set a timer.
    TimerSet {
        /// Its kind.
        timer: &'static str,
        /// Which setting.
        generation: u64,
        /// In how long, virtual ms.
        after_ms: f64,
    },
    /// A timer of `node` fired (and was handed to it).
    TimerFire {
        /// Its kind.
        timer: &'static str,
        /// Which setting.
        generation: u64,
    },
    /// A timer of `node` fired, but that setting had been re-armed or cancelled: ignored.
    TimerStale {
        /// Its kind.
        timer: &'static str,
        /// Which setting.
        generation: u64,
    },
    /// `node` cancelled its pending timer (its firing will be stale).
    TimerCancel {
        /// Its kind.
        timer: &'static str,
    },
    /// `node` (a replica) crashed: it receives nothing and its timers are lost.
    Crash,
    /// `node` restarted with its durable state.
    Recover,
    /// A partition started.
    PartitionStart {
        /// Its groups of replicas.
        groups: Vec<Vec<u32>>,
        /// Only earlier-to-later groups are cut.
        one_way: bool,
    },
    /// A partition ended.
    PartitionEnd {
        /// Its groups of replicas.
        groups: Vec<Vec<u32>>,
    },
    /// A slow period started: messages to and from these replicas take `factor` times longer.
    SlowStart {
        /// The replicas.
        replicas: Vec<u32>,
        /// The delay factor.
        factor: f64,
    },
    /// A slow period ended.
    SlowEnd {
        /// The replicas.
        replicas: Vec<u32>,
    },
    /// A burst of extra loss started.
    LossStart {
        /// Its loss probability.
        probability: f64,
    },
    /// A burst of extra loss ended.
    LossEnd,
    /// `node` entered `view` in normal operation (§4.4).
    ViewEntered {
        /// The view.
        view: View,
    },
    /// `node` accepted (or, as primary, sent) a PRE-PREPARE (§4.2).
    PrePrepared {
        /// The view.
        view: View,
        /// The sequence number.
        seq: SeqNum,
        /// The batch digest, first 4 bytes in hex.
        #[serde(serialize_with = "short")]
        digest: Digest,
    },
    /// `node` became prepared and sent its COMMIT (§4.2).
    Prepared {
        /// The view.
        view: View,
        /// The sequence number.
        seq: SeqNum,
        /// The batch digest.
        #[serde(serialize_with = "short")]
        digest: Digest,
    },
    /// `node` committed the batch at `seq` (committed-local, §4.2).
    Committed {
        /// The sequence number.
        seq: SeqNum,
        /// The batch digest.
        #[serde(serialize_with = "short")]
        digest: Digest,
        /// Requests in the batch.
        requests: usize,
    },
    /// `node` executed the batch at `seq`.
    Executed {
        /// The sequence number.
        seq: SeqNum,
        /// The batch digest.
        #[serde(serialize_with = "short")]
        digest: Digest,
        /// The service state's digest after it.
        #[serde(serialize_with = "short")]
        state: Digest,
    },
    /// A checkpoint of `node` became stable (§4.3).
    CheckpointStable {
        /// Its sequence number.
        seq: SeqNum,
    },
    /// `node` installed the checkpointed state at `seq` by state transfer (§4.3).
    StateTransfer {
        /// The checkpoint's sequence number.
        seq: SeqNum,
        /// The installed state's digest.
        #[serde(serialize_with = "short")]
        state: Digest,
    },
    /// Client `node` sent a request for the first time.
    RequestIssued {
        /// Its timestamp.
        timestamp: Timestamp,
    },
    /// Client `node` retransmitted its outstanding request to every replica (§4.1).
    Retransmit {
        /// Its timestamp.
        timestamp: Timestamp,
    },
    /// Client `node` accepted f+1 matching replies (§4.1).
    Accepted {
        /// The request's timestamp.
        timestamp: Timestamp,
        /// The result.
        result: u64,
    },
    /// `node` refused the input it was handling.
    Reject {
        /// Why.
        reason: Rejection,
        /// The reason's class (the `rejected_<class>` column it counts in).
        class: RejectionClass,
        /// The input's sender, if it was a message.
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<Node>,
        /// The message refused, if it was one.
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        message: Option<MessageSummary>,
    },
    /// Byzantine `node`'s behaviour departed from what its honest replica would have done.
    Tamper {
        /// What it did.
        #[serde(serialize_with = "change_name")]
        change: Change,
        /// The recipient of the message concerned.
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<Node>,
        /// The kind of message (or input) concerned.
        msg: &'static str,
    },
    /// The oracle found a violation (its first of this kind).
    Violation {
        /// The violation, described.
        text: String,
    },
}

impl Happening {
    /// The event kind's name (the JSON's `ev` field).
    pub fn name(&self) -> &'static str {
        match self {
            Happening::Send { .. } => "send",
            Happening::Drop { .. } => "drop",
            Happening::Duplicate { .. } => "duplicate",
            Happening::Reorder { .. } => "reorder",
            Happening::Deliver { .. } => "deliver",
            Happening::TimerSet { .. } => "timer_set",
            Happening::TimerFire { .. } => "timer_fire",
            Happening::TimerStale { .. } => "timer_stale",
            Happening::TimerCancel { .. } => "timer_cancel",
            Happening::Crash => "crash",
            Happening::Recover => "recover",
            Happening::PartitionStart { .. } => "partition_start",
            Happening::PartitionEnd { .. } => "partition_end",
            Happening::SlowStart { .. } => "slow_start",
            Happening::SlowEnd { .. } => "slow_end",
            Happening::LossStart { .. } => "loss_start",
            Happening::LossEnd => "loss_end",
            Happening::ViewEntered { .. } => "view_entered",
            Happening::PrePrepared { .. } => "pre_prepared",
            Happening::Prepared { .. } => "prepared",
            Happening::Committed { .. } => "committed",
            Happening::Executed { .. } => "executed",
            Happening::CheckpointStable { .. } => "checkpoint_stable",
            Happening::StateTransfer { .. } => "state_transfer",
            Happening::RequestIssued { .. } => "request_issued",
            Happening::Retransmit { .. } => "retransmit",
            Happening::Accepted { .. } => "accepted",
            Happening::Reject { .. } => "reject",
            Happening::Tamper { .. } => "tamper",
            Happening::Violation { .. } => "violation",
        }
    }

    /// The message kind it concerns, if any (`"prepare"`, ...).
    pub fn message_kind(&self) -> Option<&'static str> {
        match self {
            Happening::Send { message, .. }
            | Happening::Drop { message, .. }
            | Happening::Duplicate { message, .. }
            | Happening::Reorder { message, .. }
            | Happening::Deliver { message, .. } => Some(message.msg),
            Happening::Reject { message, .. } => message.map(|m| m.msg),
            Happening::Tamper { msg, .. } => Some(msg),
            _ => None,
        }
    }

    /// The other node it concerns (a message's recipient or sender), if any.
    pub fn peer(&self) -> Option<Node> {
        match self {
            Happening::Send { to, .. }
            | Happening::Drop { to, .. }
            | Happening::Duplicate { to, .. }
            | Happening::Reorder { to, .. } => Some(*to),
            Happening::Deliver { from, .. } => Some(*from),
            Happening::Reject { from, .. } => *from,
            Happening::Tamper { to, .. } => *to,
            _ => None,
        }
    }
}

/// The `Tampered` observation as a trace event.
pub(super) fn tamper(tampering: Tampering) -> Happening {
    Happening::Tamper {
        change: tampering.change,
        to: tampering.to.map(Node),
        msg: tampering.message,
    }
}

/// A timer, as set.
pub(super) fn timer_set(timer: Timer, after_ns: u64) -> Happening {
    Happening::TimerSet {
        timer: timer_name(timer.kind),
        generation: timer.generation,
        after_ms: after_ns as f64 / 1e6,
    }
}

fn short<S: Serializer>(digest: &Digest, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&digest.short())
}

fn change_name<S: Serializer>(change: &Change, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(change.name())
}

fn ms_list<S: Serializer>(delays_ns: &[u64], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(delays_ns.len()))?;
    for ns in delays_ns {
        seq.serialize_element(&(*ns as f64 / 1e6))?;
    }
    seq.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `name()` is the serialized `ev`, and every one is listed in `EVENT_KINDS`.
    #[test]
    fn event_kind_names_are_the_serialized_ones() {
        let node = Node(NodeId::Replica(1));
        let message = MessageSummary::default();
        let d = Digest([0; 16]);
        let samples = [
            Happening::Drop {
                to: node,
                message,
                cause: DropCause::Crash,
            },
            Happening::Duplicate { to: node, message },
            Happening::Deliver {
                from: node,
                message,
            },
            Happening::TimerStale {
                timer: "status",
                generation: 1,
            },
            Happening::TimerCancel { timer: "batch" },
            Happening::Crash,
            Happening::Recover,
            Happening::LossEnd,
            Happening::PartitionEnd { groups: Vec::new() },
            Happening::ViewEntered { view: 1 },
            Happening::PrePrepared {
                view: 0,
                seq: 1,
                digest: d,
            },
            Happening::Committed {
                seq: 1,
                digest: d,
                requests: 1,
            },
            Happening::CheckpointStable { seq: 2 },
            Happening::Retransmit { timestamp: 1 },
            Happening::Reject {
                reason: Rejection::OldView,
                class: RejectionClass::View,
                from: Some(node),
                message: Some(message),
            },
            Happening::Tamper {
                change: Change::Added,
                to: None,
                msg: "prepare",
            },
            Happening::Violation { text: "x".into() },
        ];
        for what in samples {
            let name = what.name();
            let event = TraceEvent::new(0, 0, None, what);
            let json: serde_json::Value = serde_json::to_value(&event).unwrap_or_default();
            assert_eq!(json["ev"], name);
            assert!(EVENT_KINDS.contains(&name), "{name}");
        }
        let mut unique = EVENT_KINDS.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), EVENT_KINDS.len());
    }

    #[test]
    fn an_event_is_one_flat_json_object_with_its_kind_in_ev() {
        let event = TraceEvent::new(
            7,
            1_500_000,
            Some(NodeId::Replica(0)),
            Happening::Send {
                to: Node(NodeId::Client(2)),
                message: MessageSummary {
                    msg: "reply",
                    view: Some(1),
                    timestamp: Some(3),
                    ..MessageSummary::default()
                },
                delays_ns: vec![2_250_000],
                slowed: None,
            },
        );
        let json = serde_json::to_string(&event).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"i":7,"t_ns":1500000,"t_ms":1.5,"node":"r0","ev":"send","to":"c2","msg":"reply","view":1,"timestamp":3,"delays_ms":[2.25]}"#
        );
    }
}
