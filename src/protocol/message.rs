//! The typed messages of PBFT (Castro & Liskov, OSDI'99 §4; TOCS'02 §4), and their digests.
//!
//! A message never names its own sender: the network stamps the true sender on every envelope
//! (§3 "all replicas know the others' public keys"), so a byzantine replica cannot speak as an
//! honest one. Digests (§4.1 "D(m)") are SHA-256 truncated to its first 128 bits (16 bytes,
//! [`Digest`]); a batch's digest is computed once, when the batch is built, and the batch is
//! shared (`Arc`) by every message that carries it.

use std::fmt;
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use super::auth::{Signed, TrialId, VoteKind};

/// Index of a replica, `0..n`.
pub type ReplicaId = u32;
/// Index of a client, `0..clients`.
pub type ClientId = u32;
/// A view number; the primary of view `v` is `v mod n` (§4.1).
pub type View = u64;
/// A sequence number assigned by the primary (§4.2).
pub type SeqNum = u64;
/// A client's request timestamp, increasing per client (§4.1 "t").
pub type Timestamp = u64;

/// A 128-bit digest: SHA-256 cut to its first 16 bytes. The BFT library used 128-bit (MD5)
/// digests too; a simulation needs collision resistance, not 256 bits, and every vote carries
/// one, so half the bytes is a shorter copy for each of the millions of votes a trial moves.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 16]);

impl Digest {
    /// SHA-256 of the concatenation of `parts`, cut to 16 bytes.
    pub fn of(parts: &[&[u8]]) -> Digest {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        Digest::cut(hasher)
    }

    /// The first 16 bytes of what `hasher` has taken in.
    fn cut(hasher: Sha256) -> Digest {
        let full: [u8; 32] = hasher.finalize().into();
        let mut cut = [0u8; 16];
        cut.copy_from_slice(&full[..16]);
        Digest(cut)
    }

    /// The first eight hex digits, for logs and violation reports.
    pub fn short(&self) -> String {
        self.0[..4].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.short())
    }
}

/// An address on the simulated network.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum NodeId {
    /// Replica `i`.
    Replica(ReplicaId),
    /// Client `c`.
    Client(ClientId),
}

/// `REQUEST(o, t, c)σc` (§4.1), authenticated by its client: only the client's
/// [`ClientKey`](super::auth::ClientKey) makes one, and nobody can change one afterwards (its
/// fields are private), so a replica that relays a request relays its client's words. Replicas
/// check with [`Keyring::authentic`](super::auth::Keyring::authentic) that it was made in their
/// trial.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Request {
    client: ClientId,
    timestamp: Timestamp,
    operation: u64,
    trial: TrialId,
    shape: RequestShape,
}

/// What kind of request it is, beyond its operation: read-only or not (OSDI'99 §5.1), and the
/// sizes of its argument and of the result it asks for (the cost model's message sizes). The
/// simulated service runs no real payloads: only their sizes travel.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct RequestShape {
    /// Read-only: sent to every replica, executed at once in the current state, without
    /// ordering; its client waits for 2f+1 matching replies.
    pub read_only: bool,
    /// Bytes of the operation's argument.
    pub arg_bytes: u32,
    /// Bytes of the result.
    pub result_bytes: u32,
}

impl Request {
    /// A request as client `client`'s key makes it in trial `trial`.
    pub(crate) fn authenticated(
        client: ClientId,
        timestamp: Timestamp,
        operation: u64,
        trial: TrialId,
        shape: RequestShape,
    ) -> Request {
        Request {
            client,
            timestamp,
            operation,
            trial,
            shape,
        }
    }

    /// Read-only or not, and its payload sizes.
    pub fn shape(&self) -> RequestShape {
        self.shape
    }

    /// The issuing client.
    pub fn client(&self) -> ClientId {
        self.client
    }

    /// The client's timestamp, one per request, increasing.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// The operation; the simulated service only needs it to be distinct per request.
    pub fn operation(&self) -> u64 {
        self.operation
    }

    /// The trial whose client made it.
    pub(crate) fn trial(&self) -> TrialId {
        self.trial
    }

    /// The bytes that a digest covers: client, timestamp and operation, then the shape (the
    /// read-only flag and both sizes) unless it is the default, so that a replica cannot turn
    /// a read-only request into a read-write one or change its sizes, while a default request
    /// keeps the digest it always had.
    fn encode(&self) -> EncodedRequest {
        let mut bytes = [0u8; 29];
        bytes[..4].copy_from_slice(&self.client.to_le_bytes());
        bytes[4..12].copy_from_slice(&self.timestamp.to_le_bytes());
        bytes[12..20].copy_from_slice(&self.operation.to_le_bytes());
        let len = if self.shape == RequestShape::default() {
            20
        } else {
            bytes[20] = u8::from(self.shape.read_only) | 0x80;
            bytes[21..25].copy_from_slice(&self.shape.arg_bytes.to_le_bytes());
            bytes[25..29].copy_from_slice(&self.shape.result_bytes.to_le_bytes());
            29
        };
        EncodedRequest { bytes, len }
    }

    /// `D(m)` of a single request.
    pub fn digest(&self) -> Digest {
        Digest::of(&[b"request", self.encode().as_bytes()])
    }
}

/// A request's digested bytes (`Request::encode`): 20, or 29 with a shape that is not the
/// default.
struct EncodedRequest {
    bytes: [u8; 29],
    len: usize,
}

impl EncodedRequest {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The requests one pre-prepare orders (§4.2, batching in TOCS'02 §5.1). An empty batch is the
/// null request used to fill gaps in a new view (§4.4).
#[derive(PartialEq, Eq, Debug)]
pub struct Batch {
    requests: Vec<Request>,
    digest: Digest,
}

impl Batch {
    /// Builds a batch, computing its digest once.
    pub fn new(requests: Vec<Request>) -> Arc<Batch> {
        let mut hasher = Sha256::new();
        hasher.update(b"batch");
        for request in &requests {
            hasher.update(request.encode().as_bytes());
        }
        Arc::new(Batch {
            requests,
            digest: Digest::cut(hasher),
        })
    }

    /// The null request (§4.4): an empty batch.
    pub fn null() -> Arc<Batch> {
        Batch::new(Vec::new())
    }

    /// The requests, in execution order.
    pub fn requests(&self) -> &[Request] {
        &self.requests
    }

    /// The digest of the batch's contents.
    pub fn digest(&self) -> Digest {
        self.digest
    }

    /// Whether this is the null request.
    pub fn is_null(&self) -> bool {
        self.requests.is_empty()
    }
}

/// A signed `PRE-PREPARE`, `PREPARE` or `COMMIT` vote (§4.2), as kept in prepared certificates
/// (§4.4) and commit certificates (catching up).
pub type SignedVote = Signed<(VoteKind, Vote)>;

/// `PRE-PREPARE(v, n, d)` with the batch it orders (§4.2), signed by the primary so that it can be
/// forwarded in a prepared certificate.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PrePrepare {
    /// The signed `(v, n, d)`; `d` is the claimed digest of `batch`, which a backup checks.
    pub signed: SignedVote,
    /// The ordered requests.
    pub batch: Arc<Batch>,
}

impl PrePrepare {
    /// The `(v, n, d)` this pre-prepare proposes.
    pub fn vote(&self) -> Vote {
        self.signed.value().1
    }
}

/// `PREPARE(v, n, d, i)` or `COMMIT(v, n, D(m), i)` (§4.2); the sender is the envelope's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Vote {
    /// View.
    pub view: View,
    /// Sequence number.
    pub seq: SeqNum,
    /// Digest voted for.
    pub digest: Digest,
}

/// `REPLY(v, t, c, i, r)` (§4.1); `i` is the envelope's sender.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Reply {
    /// The replica's current view, so the client can track the primary.
    pub view: View,
    /// Timestamp of the request answered.
    pub timestamp: Timestamp,
    /// Result of executing it.
    pub result: u64,
    /// Sent after executing tentatively, once prepared (OSDI'99 §5.1), not after commit; a
    /// client needs 2f+1 matching tentative replies.
    pub tentative: bool,
}

/// `CHECKPOINT(n, d, i)` (§4.3): the state digest after executing sequence number `seq`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Checkpoint {
    /// Sequence number of the last request executed in the checkpointed state.
    pub seq: SeqNum,
    /// Digest of the state.
    pub state: Digest,
}

/// A prepared certificate (§4.4 "P"): the primary's signed pre-prepare, the batch, and q-1
/// signed matching PREPAREs from distinct backups.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PreparedProof {
    /// The primary's pre-prepare.
    pub pre_prepare: SignedVote,
    /// The batch whose digest it names.
    pub batch: Arc<Batch>,
    /// The matching prepares.
    pub prepares: Vec<SignedVote>,
}

impl PreparedProof {
    /// The `(v, n, d)` that prepared.
    pub fn vote(&self) -> Vote {
        self.pre_prepare.value().1
    }
}

/// `VIEW-CHANGE(v+1, n, C, P, i)` (§4.4); signed by its sender when sent.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ViewChange {
    /// The view being moved to.
    pub new_view: View,
    /// `n`: the sender's last stable checkpoint.
    pub stable_seq: SeqNum,
    /// That checkpoint's state digest.
    pub stable_state: Digest,
    /// `C`: q signed matching CHECKPOINTs proving it stable (empty for the initial state, 0).
    pub checkpoint_proof: Vec<Signed<Checkpoint>>,
    /// `P`: a prepared certificate for each request prepared above `stable_seq`.
    pub prepared: Vec<PreparedProof>,
}

/// `NEW-VIEW(v+1, V, O)` (§4.4), signed by the new primary. Being signed, it proves itself
/// whoever hands it on: a replica that entered the view passes it to one still waiting for it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewView {
    /// The new view.
    pub view: View,
    /// `V`: q signed view-change messages for `view` from distinct replicas.
    pub view_changes: Vec<Arc<Signed<ViewChange>>>,
    /// `O`: the pre-prepares the new primary re-issues for `(min-s, max-s]`.
    pub pre_prepares: Vec<PrePrepare>,
}

/// The service state at a checkpoint, sent in state transfer (§4.3, TOCS'02 §6.2).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Snapshot {
    /// Sequence number it reflects.
    pub seq: SeqNum,
    /// The service's state.
    pub service: crate::protocol::service::ServiceState,
}

/// Where a stalled replica stands and what it already holds (TOCS'02 §5.2: the status
/// message's view, last executed and stable sequence numbers, and bitmaps of what it has for
/// the slots still open and for the view change under way).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StatusReport {
    /// The sender's view.
    pub view: View,
    /// Whether the sender is in normal operation (not between views).
    pub normal: bool,
    /// The sender's last executed sequence number.
    pub last_executed: SeqNum,
    /// The sender's last stable checkpoint.
    pub stable: SeqNum,
    /// What it holds for each slot above `last_executed` it knows of, by sequence number.
    pub slots: Vec<HeldSlot>,
    /// The replicas whose VIEW-CHANGE for `view` it holds (when between views).
    pub view_changes: Vec<ReplicaId>,
}

/// A set of replicas as a bitmap (the status message's bitmaps, TOCS'02 §5.2).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Voters(Vec<u64>);

impl Voters {
    /// Adds `r`.
    pub fn insert(&mut self, r: ReplicaId) {
        let (word, bit) = ((r / 64) as usize, r % 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }

    /// Whether `r` is in the set.
    pub fn contains(&self, r: ReplicaId) -> bool {
        self.0
            .get((r / 64) as usize)
            .is_some_and(|word| word & (1 << (r % 64)) != 0)
    }
}

/// What a replica holds for one open slot: answers skip these.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct HeldSlot {
    /// The sequence number.
    pub seq: SeqNum,
    /// Whether it knows the slot committed (a certificate would tell it nothing new).
    pub committed: bool,
    /// The view of the pre-prepare it accepted, if any.
    pub pre_prepare: Option<View>,
    /// The PREPAREs it holds in its current view, by voter.
    pub prepares: (View, Voters),
    /// The COMMITs it holds, per view (ascending), by voter.
    pub commits: Vec<(View, Voters)>,
}

impl HeldSlot {
    /// Whether this slot's holder has `voter`'s vote of this kind in `view` already.
    pub fn holds(&self, kind: VoteKind, view: View, voter: ReplicaId) -> bool {
        match kind {
            VoteKind::PrePrepare => self.pre_prepare == Some(view),
            VoteKind::Prepare => self.prepares.0 == view && self.prepares.1.contains(voter),
            VoteKind::Commit => self
                .commits
                .binary_search_by_key(&view, |(v, _)| *v)
                .is_ok_and(|i| self.commits[i].1.contains(voter)),
        }
    }
}

/// Everything a node can send.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Message {
    /// Client to replica (§4.1).
    Request(Request),
    /// Primary to backups (§4.2).
    PrePrepare(PrePrepare),
    /// Backup to all (§4.2), signed for later use in prepared certificates.
    Prepare(SignedVote),
    /// Replica to all (§4.2), signed so that q of them form a commit certificate.
    Commit(SignedVote),
    /// Replica to client (§4.1).
    Reply(Reply),
    /// Replica to all (§4.3).
    Checkpoint(Signed<Checkpoint>),
    /// Replica to all (§4.4).
    ViewChange(Arc<Signed<ViewChange>>),
    /// New primary to all (§4.4).
    NewView(Arc<Signed<NewView>>),
    /// Ask a replica for its state at a stable checkpoint (state transfer).
    FetchState {
        /// The checkpoint wanted.
        seq: SeqNum,
    },
    /// Answer to `FetchState`.
    State(Arc<Snapshot>),
    /// Ask a replica for the batch committed at `seq` with digest `digest` (catching up on a
    /// committed request whose pre-prepare this replica never accepted).
    FetchBatch {
        /// Sequence number.
        seq: SeqNum,
        /// Digest certified by q matching commits.
        digest: Digest,
    },
    /// "I have executed up to `last_executed` in `view`, and here is what I hold above it":
    /// sent by a replica that made no progress for a while; each other replica resends only
    /// what it lacks (the BFT library's status messages and their bitmaps, TOCS'02 §5.2).
    Status(Arc<StatusReport>),
    /// q signed matching COMMITs and the batch they certify: proof that the batch committed at
    /// its sequence number, sent to a replica that is behind.
    CommitCertificate {
        /// The batch.
        batch: Arc<Batch>,
        /// The commits, all for `(v, n, D(batch))`.
        commits: Vec<SignedVote>,
    },
    /// Answer to `FetchBatch`.
    Batch {
        /// Sequence number.
        seq: SeqNum,
        /// The batch; the receiver checks its digest against its commit certificate.
        batch: Arc<Batch>,
    },
}

impl Message {
    /// A short name of the kind of message, for traces and statistics.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Request(_) => "request",
            Message::PrePrepare(_) => "pre-prepare",
            Message::Prepare(_) => "prepare",
            Message::Commit(_) => "commit",
            Message::Reply(_) => "reply",
            Message::Checkpoint(_) => "checkpoint",
            Message::ViewChange(_) => "view-change",
            Message::NewView(_) => "new-view",
            Message::FetchState { .. } => "fetch-state",
            Message::State(_) => "state",
            Message::FetchBatch { .. } => "fetch-batch",
            Message::Status { .. } => "status",
            Message::CommitCertificate { .. } => "commit-certificate",
            Message::Batch { .. } => "batch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_digest_depends_on_contents_and_order() {
        let (_, clients) = crate::protocol::auth::trial_keys(0, 2);
        let a = clients[0].request(1, 7);
        let b = clients[1].request(1, 8);
        let ab = Batch::new(vec![a, b]);
        let ba = Batch::new(vec![b, a]);
        assert_ne!(ab.digest(), ba.digest());
        assert_eq!(ab.digest(), Batch::new(vec![a, b]).digest());
        assert_ne!(Batch::null().digest(), ab.digest());
        assert!(Batch::null().is_null());
    }

    #[test]
    fn the_digest_covers_a_shape_that_is_not_the_default() {
        let (_, clients) = crate::protocol::auth::trial_keys(0, 1);
        let plain = clients[0].request(1, 7);
        // The default shape digests the 20 bytes it always did.
        let mut old = [0u8; 20];
        old[4..12].copy_from_slice(&1u64.to_le_bytes());
        old[12..].copy_from_slice(&7u64.to_le_bytes());
        assert_eq!(plain.digest(), Digest::of(&[b"request", &old]));
        let shaped = |read_only, arg_bytes, result_bytes| {
            let shape = RequestShape {
                read_only,
                arg_bytes,
                result_bytes,
            };
            clients[0].request_shaped(1, 7, shape).digest()
        };
        let read_only = shaped(true, 0, 0);
        assert_ne!(read_only, plain.digest());
        assert_ne!(shaped(false, 4096, 0), plain.digest());
        assert_ne!(shaped(false, 0, 4096), shaped(false, 4096, 0));
        assert_ne!(shaped(true, 4096, 0), shaped(false, 4096, 0));
        assert_eq!(shaped(false, 0, 0), plain.digest());
        let batch = |r| Batch::new(vec![r]).digest();
        let ro = clients[0].request_shaped(
            1,
            7,
            RequestShape {
                read_only: true,
                ..RequestShape::default()
            },
        );
        assert_ne!(batch(ro), batch(plain));
    }
}
