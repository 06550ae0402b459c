//! Why a node refuses an input: typed rejections (Castro & Liskov §4.2-4.4 state when a replica
//! accepts a message; everything else is refused, and says why).
//!
//! A handler that refuses an input reports [`Observation::Rejected`](super::Observation) with a
//! [`Rejection`] instead of returning in silence. It is data, never an error: byzantine input
//! is expected, and the replica goes on. The simulator pairs the rejection with the input being
//! handled (sender, message kind, view, sequence number) in the trace, and counts honest
//! replicas' rejections by [`RejectionClass`] in every trial row (`docs/trace.md`).

use serde::Serialize;

/// Why an input was refused.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    // Authentication (§3: signatures and MACs; the network's sender stamp).
    /// The signature, MAC or client authentication does not verify.
    BadAuthentication,
    /// Signed by another node than the one the network says sent it.
    WrongSigner,
    /// A vote of one kind presented as another (a PREPARE signed as a COMMIT, say).
    WrongVoteKind,

    // Views (§4.2, §4.4).
    /// For a view older than the replica's, or (a VIEW-CHANGE, a NEW-VIEW) for the view it is
    /// in already, its view change over.
    OldView,
    /// A PRE-PREPARE (or NEW-VIEW) from a replica that is not the primary of its view.
    NotPrimary,
    /// A PREPARE from the primary of its view (the primary's pre-prepare is its vote).
    FromPrimary,
    /// Normal-case traffic while the replica changes views.
    ViewChanging,

    // Watermarks and sequence numbers (§4.3).
    /// A sequence number outside the watermarks (h, H].
    OutsideWatermarks,
    /// For a sequence number the replica has already executed (a late vote: normal).
    AlreadyExecuted,
    /// A PRE-PREPARE for a view not yet entered, with the buffer of those (L of them) full.
    BufferFull,

    // Conflicts (§4.2: at most one pre-prepare per view and sequence number).
    /// Another PRE-PREPARE was accepted for this view and sequence number.
    ConflictingPrePrepare,
    /// A vote conflicting with one the same sender cast (equivocation), or from a sender with
    /// votes in more views than are kept.
    Equivocation,

    // Invalid content.
    /// The digest does not match the content it certifies.
    DigestMismatch,
    /// A VIEW-CHANGE, NEW-VIEW, CHECKPOINT or certificate that fails its checks.
    InvalidCertificate,
    /// A state or batch nobody asked for, or that does not match what was asked.
    Unrequested,
    /// A message of a kind this node does not take from this sender (a client's PREPARE, a
    /// replica's REPLY to a replica).
    Unexpected,

    // Stale input.
    /// A request older than the last one executed for its client.
    StaleTimestamp,
    /// A reply for another request than the one outstanding (clients).
    StaleReply,
    /// A timer setting that was re-armed or cancelled since.
    StaleTimer,
    /// Already known: a duplicate of something held.
    Duplicate,
    /// A FETCH for a batch or state this replica does not hold (never had, or discarded).
    NotHeld,
}

/// The classes rejections are counted by in a trial's row (`rejected_<class>` columns).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionClass {
    /// Bad authentication, wrong signer, wrong vote kind.
    Auth,
    /// Old view, not the primary, from the primary, while changing views.
    View,
    /// Outside the watermarks, already executed, or no room to buffer it.
    Watermarks,
    /// A conflicting pre-prepare, an equivocating vote.
    Conflict,
    /// Digest mismatch, invalid certificate, unrequested or unexpected content.
    Invalid,
    /// Stale timestamps, replies and timers; duplicates; fetches of what is not held.
    Stale,
}

impl RejectionClass {
    /// Every class, in column order.
    pub const ALL: [RejectionClass; 6] = [
        RejectionClass::Auth,
        RejectionClass::View,
        RejectionClass::Watermarks,
        RejectionClass::Conflict,
        RejectionClass::Invalid,
        RejectionClass::Stale,
    ];

    /// The class's name, as in the `rejected_<class>` column.
    pub fn name(self) -> &'static str {
        match self {
            RejectionClass::Auth => "auth",
            RejectionClass::View => "view",
            RejectionClass::Watermarks => "watermarks",
            RejectionClass::Conflict => "conflict",
            RejectionClass::Invalid => "invalid",
            RejectionClass::Stale => "stale",
        }
    }
}

impl Rejection {
    /// Every reason, in declaration order.
    pub const ALL: [Rejection; 21] = {
        use Rejection::*;
        [
            BadAuthentication,
            WrongSigner,
            WrongVoteKind,
            OldView,
            NotPrimary,
            FromPrimary,
            ViewChanging,
            OutsideWatermarks,
            AlreadyExecuted,
            BufferFull,
            ConflictingPrePrepare,
            Equivocation,
            DigestMismatch,
            InvalidCertificate,
            Unrequested,
            Unexpected,
            StaleTimestamp,
            StaleReply,
            StaleTimer,
            Duplicate,
            NotHeld,
        ]
    };

    /// The class it is counted in.
    pub fn class(self) -> RejectionClass {
        use Rejection::*;
        match self {
            BadAuthentication | WrongSigner | WrongVoteKind => RejectionClass::Auth,
            OldView | NotPrimary | FromPrimary | ViewChanging => RejectionClass::View,
            OutsideWatermarks | AlreadyExecuted | BufferFull => RejectionClass::Watermarks,
            ConflictingPrePrepare | Equivocation => RejectionClass::Conflict,
            DigestMismatch | InvalidCertificate | Unrequested | Unexpected => {
                RejectionClass::Invalid
            }
            StaleTimestamp | StaleReply | StaleTimer | Duplicate | NotHeld => RejectionClass::Stale,
        }
    }

    /// The reason's name, as in the trace (`reason` field).
    pub fn name(self) -> &'static str {
        use Rejection::*;
        match self {
            BadAuthentication => "bad_authentication",
            WrongSigner => "wrong_signer",
            WrongVoteKind => "wrong_vote_kind",
            OldView => "old_view",
            NotPrimary => "not_primary",
            FromPrimary => "from_primary",
            ViewChanging => "view_changing",
            OutsideWatermarks => "outside_watermarks",
            AlreadyExecuted => "already_executed",
            BufferFull => "buffer_full",
            ConflictingPrePrepare => "conflicting_pre_prepare",
            Equivocation => "equivocation",
            DigestMismatch => "digest_mismatch",
            InvalidCertificate => "invalid_certificate",
            Unrequested => "unrequested",
            Unexpected => "unexpected",
            StaleTimestamp => "stale_timestamp",
            StaleReply => "stale_reply",
            StaleTimer => "stale_timer",
            Duplicate => "duplicate",
            NotHeld => "not_held",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trace's names are serde's names, so the schema has one spelling.
    #[test]
    fn names_are_the_serialized_names() {
        // ALL lists each reason once, in declaration order (the derived order).
        assert!(Rejection::ALL.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Rejection::ALL.last(), Some(&Rejection::NotHeld));
        for reason in Rejection::ALL {
            let json = serde_json::to_string(&reason).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", reason.name()));
        }
        for class in RejectionClass::ALL {
            let json = serde_json::to_string(&class).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", class.name()));
        }
    }
}
