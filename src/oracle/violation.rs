//! What the oracle reports: the safety properties ([`Property`]), a violation as it is
//! described to people ([`Violation`], the text of `trials.csv`'s `violations` column) and the
//! same violation as data ([`ViolationDetail`]: kind, sequence number, replicas, and the client
//! and timestamp where a request is involved; `trials.csv`'s `violation_details` column,
//! `docs/data.md`).

use serde::{Deserialize, Serialize};

use crate::protocol::message::{ClientId, ReplicaId, SeqNum, Timestamp};

/// The kinds of safety property.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Property {
    /// Agreement.
    Agreement,
    /// Validity.
    Validity,
    /// Integrity.
    Integrity,
    /// State: honest replicas' service states agree with honest execution.
    State,
}

impl Property {
    /// The property's name as the files write it: `agreement`, `validity`, `integrity` or
    /// `state`.
    pub fn label(self) -> &'static str {
        match self {
            Property::Agreement => "agreement",
            Property::Validity => "validity",
            Property::Integrity => "integrity",
            Property::State => "state",
        }
    }
}

/// Where a violation happened: the sequence number, the replicas involved and, when a request
/// is involved, its client and timestamp. Which fields are set depends on the kind
/// (`docs/data.md`, "violation_details").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Involved {
    /// The sequence number; `None` when none is known (a client accepted a result no honest
    /// replica has executed yet).
    pub seq: Option<SeqNum>,
    /// The replicas involved, ascending, without repeats.
    pub replicas: Vec<ReplicaId>,
    /// The client of the request involved.
    pub client: Option<ClientId>,
    /// The timestamp of the request involved.
    pub timestamp: Option<Timestamp>,
}

impl Involved {
    /// At sequence number `seq`, nothing else known yet.
    pub(crate) fn at(seq: SeqNum) -> Involved {
        Involved {
            seq: Some(seq),
            ..Involved::default()
        }
    }

    /// The same, with these replicas (sorted, repeats dropped).
    pub(crate) fn replicas(mut self, replicas: impl IntoIterator<Item = ReplicaId>) -> Involved {
        self.replicas.extend(replicas);
        self.replicas.sort_unstable();
        self.replicas.dedup();
        self
    }

    /// The same, with the request of `client` at `timestamp`.
    pub(crate) fn request(mut self, client: ClientId, timestamp: Timestamp) -> Involved {
        self.client = Some(client);
        self.timestamp = Some(timestamp);
        self
    }
}

/// A violation: which property, when (virtual ms), what happened, and who was involved.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// The property broken.
    pub property: Property,
    /// Virtual time, in milliseconds.
    pub at_ms: f64,
    /// What happened, with replica, sequence number and digests.
    pub what: String,
    /// The sequence number, replicas and request involved.
    pub involved: Involved,
}

impl Violation {
    /// The violation as data, for the trial's outcome.
    pub fn detail(&self) -> ViolationDetail {
        ViolationDetail {
            kind: self.property,
            at_ms: self.at_ms,
            seq: self.involved.seq,
            replicas: self.involved.replicas.clone(),
            client: self.involved.client,
            timestamp: self.involved.timestamp,
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at {:.3} ms: {}",
            self.property.label(),
            self.at_ms,
            self.what
        )
    }
}

/// One violation as typed data, kept in a trial's outcome (and its saved row).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViolationDetail {
    /// The property broken.
    pub kind: Property,
    /// When, in virtual milliseconds.
    pub at_ms: f64,
    /// The sequence number, when one is known.
    pub seq: Option<SeqNum>,
    /// The replicas involved, ascending.
    pub replicas: Vec<ReplicaId>,
    /// The client of the request involved, if any.
    pub client: Option<ClientId>,
    /// The timestamp of the request involved, if any.
    pub timestamp: Option<Timestamp>,
}
