//! Pure PBFT (Castro & Liskov, OSDI'99 §4; TOCS'02): replicas and clients as state machines.
//!
//! Nothing here touches actix, a clock or an RNG. A node is driven by `handle(Input)` and
//! answers with `Vec<Action>`: messages to send, timers to set, and observations for the oracle
//! and the metrics. Time exists only as timer durations; the simulator decides when things happen.
//!
//! Public: the messages and their digests (`message`), signatures and keys (`auth`), quorum
//! arithmetic (`quorum`), the service (`service`), the client (`client`), the pure checks of
//! VIEW-CHANGE and NEW-VIEW (`view_change`), and `Replica` with its read-only accessors. The
//! replica's components are the crate's own: the log and its vote keepers (`log`,
//! `vote_keeper`), the primary's `sequencer`, the `request_tracker`, the
//! `view_change_keeper`, `state_transfer`, `stall` detection and `timers`; `catch_up` and
//! `view_change` hold the protocol steps that use them (see `replica.rs`).

pub mod auth;
mod catch_up;
pub mod client;
#[cfg(test)]
mod client_tests;
pub(crate) mod log;
pub mod message;
#[cfg(feature = "planted-bug")]
pub mod planted;
pub mod quorum;
pub mod read_only;
pub mod rejection;
mod replica;
mod reply_tally;
mod request_tracker;
mod sequencer;
pub mod service;
mod stall;
mod state_transfer;
mod tentative;
mod timers;
mod unreplicated;
pub mod view_change;
mod view_change_keeper;
pub(crate) mod vote_keeper;

use std::sync::Arc;

pub use auth::{trial_keys, ClientKey, Keyring, Signed, VoteKind};
pub use client::Client;
pub use log::StableCheckpoint;
pub use message::{
    Batch, ClientId, Digest, Message, NodeId, ReplicaId, Request, RequestShape, SeqNum, Timestamp,
    View,
};
#[cfg(feature = "planted-bug")]
pub use planted::PlantedBug;
pub use rejection::{Rejection, RejectionClass};
pub use replica::{Mode, Replica};

/// A timer's purpose. Timers are data: a node sets one with an action and receives it back as
/// an input; a timer whose generation is stale is ignored.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum TimerKind {
    /// Primary: send a partial batch (batching, TOCS'02 §5.1).
    Batch,
    /// Backup: a request waited too long, or a new view did not arrive in time (§4.4).
    ViewChange,
    /// State transfer: ask another replica if the last one did not answer.
    Fetch,
    /// Client: retransmit the outstanding request to all replicas (§4.1).
    Retransmit,
    /// Client, open loop: the next request arrives.
    Arrival,
    /// Client, closed loop: its think time after a result is over.
    Think,
    /// Replica: no progress for a while; ask the others for what it is missing.
    Status,
    /// A byzantine behaviour's own wake-up, with the behaviour's tag (`adversary::wake_up`).
    /// The wrapper of the behaviour takes it; the honest replica never sees it.
    Behaviour(u64),
}

/// A timer as set and as fired.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Timer {
    /// What it is for.
    pub kind: TimerKind,
    /// Which setting of that timer this is; only the latest is live.
    pub generation: u64,
}

/// What a node is handed.
#[derive(Clone, Debug)]
pub enum Input {
    /// The trial starts (clients send their first request).
    Start,
    /// A message arrived; `from` is the network's stamp, not the message's word.
    Message {
        /// True sender.
        from: NodeId,
        /// The message.
        message: Message,
    },
    /// A timer fired.
    Timeout(Timer),
    /// The node restarts after a crash with its durable state; timers set before were lost.
    Recover,
}

/// Facts a node reports for the oracle and the metrics; they never change the protocol.
#[derive(Clone, Debug)]
pub enum Observation {
    /// A replica committed `batch` at `seq` (committed-local, §4.2).
    Committed {
        /// Sequence number.
        seq: SeqNum,
        /// The batch.
        batch: Arc<Batch>,
    },
    /// A replica executed the batch at `seq`; `executed` lists the requests it actually ran
    /// (duplicates skipped), with their results, and `state` is its service state's digest
    /// after the batch (the oracle's state check, `docs/design.md`, "The oracle").
    Executed {
        /// Sequence number.
        seq: SeqNum,
        /// Requests run, with results.
        executed: Vec<(Request, u64)>,
        /// The batch executed (its digest is `batch.digest()`).
        batch: Arc<Batch>,
        /// Digest of the service state after executing it.
        state: Digest,
    },
    /// A replica installed a checkpointed state by state transfer; `last_timestamps` says, per
    /// client, the last request the state includes, and `state` is the installed state's own
    /// digest (not the certified one it was checked against).
    StateTransferred {
        /// The checkpoint's sequence number.
        seq: SeqNum,
        /// Per client, the last timestamp executed in that state.
        last_timestamps: Vec<(ClientId, Timestamp)>,
        /// Digest of the installed service state.
        state: Digest,
        /// The snapshot installed.
        snapshot: Arc<message::Snapshot>,
    },
    /// A replica executed client `client`'s read-only request `timestamp` at once in its
    /// current state, without ordering it (OSDI'99 §5.1), and replied `result`.
    ReadOnlyExecuted {
        /// The client.
        client: ClientId,
        /// The request's timestamp.
        timestamp: Timestamp,
        /// The result it replied.
        result: u64,
    },
    /// A replica entered `view` in normal operation (NEW-VIEW accepted or sent).
    ViewEntered {
        /// The view.
        view: View,
    },
    /// A request arrived at its client, which sends it now if nothing is outstanding (always,
    /// in the closed loop) or once the requests before it are accepted (open loop): its
    /// latency counts from here.
    RequestIssued {
        /// The request.
        request: Request,
    },
    /// A client accepted f+1 matching replies.
    Accepted {
        /// The request's timestamp.
        timestamp: Timestamp,
        /// The accepted result.
        result: u64,
    },
    /// A replica accepted a PRE-PREPARE for (`view`, `seq`) with batch digest `digest` (or, as
    /// primary, sent one), §4.2.
    PrePrepared {
        /// The view.
        view: View,
        /// The sequence number.
        seq: SeqNum,
        /// The batch digest.
        digest: Digest,
    },
    /// A replica became prepared for (`view`, `seq`, `digest`) and sent its COMMIT, §4.2.
    Prepared {
        /// The view.
        view: View,
        /// The sequence number.
        seq: SeqNum,
        /// The batch digest.
        digest: Digest,
    },
    /// A replica's checkpoint at `seq` became stable (q matching CHECKPOINTs), §4.3.
    CheckpointStable {
        /// The checkpoint's sequence number.
        seq: SeqNum,
    },
    /// A client retransmitted its outstanding request to every replica, §4.1.
    Retransmitted {
        /// The request's timestamp.
        timestamp: Timestamp,
    },
    /// A node cancelled its pending timer of `kind` (its firing will be stale).
    TimerCancelled {
        /// The timer's kind.
        kind: TimerKind,
    },
    /// The node refused the input it is handling, and why (`rejection.rs`).
    Rejected(Rejection),
    /// What a byzantine behaviour changed of its replica's honest conduct (reported by the
    /// simulator's wrapper, `adversary::ReplicaNode`, never by the behaviour itself).
    Tampered(Tampering),
    /// What a byzantine behaviour changed while its replica handled one input, counted by kind:
    /// what the wrapper reports instead of each `Tampered` when no trace is written (at most
    /// one per input, none if nothing changed).
    Departed(Departures),
}

/// One change a byzantine behaviour made to what its honest replica would have done.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Tampering {
    /// What was done.
    pub change: Change,
    /// The recipient of the message concerned, if it is a message.
    pub to: Option<NodeId>,
    /// The kind of message concerned (`Message::kind`), or of input for a hidden input.
    pub message: &'static str,
}

/// How many changes of each kind a behaviour made while its replica handled one input, when
/// the simulator's wrapper counts them rather than reports each (`Observation::Departed`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Departures {
    /// By `Change`, in its declaration order.
    counts: [u32; 6],
}

impl Departures {
    /// Counts `times` changes of kind `change`.
    pub fn add(&mut self, change: Change, times: u32) {
        let slot = &mut self.counts[change as usize];
        *slot = slot.saturating_add(times);
    }

    /// The number of changes of kind `change`.
    pub fn count(&self, change: Change) -> u32 {
        self.counts[change as usize]
    }

    /// Whether there were none.
    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|&c| c == 0)
    }

    /// Every kind with its count, in `Change` order.
    pub fn by_change(&self) -> impl Iterator<Item = (Change, u32)> + '_ {
        CHANGES.iter().map(|&change| (change, self.count(change)))
    }
}

/// Every `Change`, in declaration order (the index of `Departures::counts`).
const CHANGES: [Change; 6] = [
    Change::Dropped,
    Change::Changed,
    Change::Delayed,
    Change::Added,
    Change::HidInput,
    Change::ChangedInput,
];

/// How a behaviour departed from its honest replica.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Change {
    /// A message the honest replica sent was not sent.
    Dropped,
    /// A message was sent in place of the honest one, to the same recipient, but different.
    Changed,
    /// The honest message was sent, but later (`Action::Delayed`).
    Delayed,
    /// A message the honest replica did not send.
    Added,
    /// An input was hidden from the honest replica.
    HidInput,
    /// An input was changed before the honest replica saw it.
    ChangedInput,
}

impl Change {
    /// The change's name, as in the trace.
    pub fn name(self) -> &'static str {
        match self {
            Change::Dropped => "dropped",
            Change::Changed => "changed",
            Change::Delayed => "delayed",
            Change::Added => "added",
            Change::HidInput => "hid_input",
            Change::ChangedInput => "changed_input",
        }
    }
}

/// What a node asks of the world.
#[derive(Clone, Debug)]
pub enum Action {
    /// Send `message` to one node.
    Send {
        /// Destination.
        to: NodeId,
        /// The message.
        message: Message,
    },
    /// Send `message` to every replica but the sender.
    Broadcast(Message),
    /// Fire `timer` after `after_ns` nanoseconds of virtual time.
    SetTimer {
        /// The timer.
        timer: Timer,
        /// Delay in virtual nanoseconds.
        after_ns: u64,
    },
    /// Report a fact.
    Observe(Observation),
    /// Perform `action` after `after_ns` of virtual time. Honest nodes never use it; byzantine
    /// behaviours do, to hold messages back (e.g. a primary that stalls on purpose).
    Delayed {
        /// The delay.
        after_ns: u64,
        /// What to do then.
        action: Box<Action>,
    },
}

/// A replica's parameters (from the scenario's `protocol` section).
#[derive(Clone, Debug)]
pub struct ReplicaConfig {
    /// Number of replicas.
    pub n: u32,
    /// Fault bound.
    pub f: u32,
    /// Whether view change runs (false reproduces the seed's toy: a faulty primary stalls).
    pub view_change: bool,
    /// Base view-change timeout, doubled on each consecutive failed view change.
    pub view_change_timeout_ns: u64,
    /// A CHECKPOINT every this many sequence numbers.
    pub checkpoint_interval: u64,
    /// The watermark span L (RON `log_window`): sequence numbers are accepted in (h, h + L],
    /// h the last stable checkpoint (§4.3).
    pub watermark_span: u64,
    /// Requests per pre-prepare at most.
    pub batch_size: usize,
    /// How long the primary holds a partial batch.
    pub batch_timeout_ns: u64,
    /// The primary's in-flight limit (RON `window`): it assigns sequence numbers at most this
    /// far above the last one executed (TOCS'02 §5.1).
    pub max_in_flight: u64,
    /// How long a slot may stay open (pre-prepared or voted on, not executed) with no vote
    /// coming in before the replica says where it stands with a STATUS, so that peers resend
    /// what it lost (TOCS'02 §5.2). Idle waits (requests without a slot, a view change, peers
    /// that may lag) use half the view-change timeout instead, backing off.
    pub status_period_ns: u64,
    /// Tentative execution (OSDI'99 §5.1): execute once prepared and reply at once, marked
    /// tentative.
    pub tentative_execution: bool,
    /// The unreplicated baseline: this replica is the only server and runs no protocol; it
    /// executes each request on arrival and replies.
    pub unreplicated: bool,
    /// A bug planted for testing the explorer (`planted::PlantedBug`); `None`: the real
    /// protocol.
    #[cfg(feature = "planted-bug")]
    pub planted_bug: Option<PlantedBug>,
}

impl ReplicaConfig {
    /// Quorum size q = ceil((n + f + 1) / 2).
    pub fn quorum(&self) -> usize {
        quorum::quorum(self.n, self.f) as usize
    }

    /// The primary of view `v` (§4.1).
    pub fn primary(&self, view: View) -> ReplicaId {
        (view % u64::from(self.n)) as ReplicaId
    }
}
