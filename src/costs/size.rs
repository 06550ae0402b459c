//! Message sizes on the wire, computed from their content: headers, votes, certificates,
//! authenticators or signatures, request arguments and reply results (`docs/costs.md`,
//! "Message sizes", has the table of formulas this module implements).
//!
//! Every message is `envelope_bytes + header_bytes + body + authentication`. The body is what
//! the message carries beyond its fixed fields (which the header covers); the authentication
//! is one MAC point to point, an authenticator of one MAC per recipient for a multicast, or
//! one signature, as [`Auth`] and [`Addressing`] say, and nothing in an unauthenticated trial
//! (the unreplicated baseline). Signed votes and requests embedded in a message (a batch's
//! requests, a certificate's votes) carry their own authentication: one signature, or with
//! MACs an authenticator of one MAC per replica, since any replica may have to check them.

use super::{Auth, WireSizes};
use crate::protocol::message::{Batch, Message, NodeId, PrePrepare, PreparedProof, ViewChange};

/// How a message is sent, which decides its authentication bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addressing {
    /// To one node: one MAC (or one signature).
    PointToPoint,
    /// To `recipients` nodes at once: an authenticator of that many MACs (or one signature).
    Multicast {
        /// How many nodes receive it.
        recipients: u32,
    },
}

/// What a size depends on besides the message.
#[derive(Clone, Copy, Debug)]
pub struct SizeContext<'a> {
    /// The sizes.
    pub sizes: &'a WireSizes,
    /// The authentication.
    pub auth: Auth,
    /// Replies with digests ([`super::CostModel::digest_replies`]).
    pub digest_replies: bool,
    /// Number of replicas.
    pub n: u32,
    /// Bytes of every result in the trial (the workload's `reply_bytes`: a reply carries no
    /// size of its own, and every request of a trial has the same result size).
    pub result_bytes: u32,
    /// Whether messages carry authentication at all (`false` for the unreplicated baseline,
    /// which runs no protocol and checks nothing).
    pub authenticated: bool,
}

impl SizeContext<'_> {
    /// The authentication bytes of a message sent as `addressing`.
    fn auth_bytes(&self, addressing: Addressing) -> u64 {
        if !self.authenticated {
            return 0;
        }
        match (self.auth, addressing) {
            (Auth::Signatures, _) => u64::from(self.sizes.signature_bytes),
            (Auth::Macs, Addressing::PointToPoint) => u64::from(self.sizes.mac_bytes),
            (Auth::Macs, Addressing::Multicast { recipients }) => {
                u64::from(recipients) * u64::from(self.sizes.mac_bytes)
            }
        }
    }

    /// The authentication an embedded signed item carries: one signature, or an authenticator
    /// of one MAC per replica.
    fn embedded_auth_bytes(&self) -> u64 {
        self.auth_bytes(Addressing::Multicast { recipients: self.n })
    }

    fn header(&self) -> u64 {
        u64::from(self.sizes.header_bytes)
    }

    fn digest(&self) -> u64 {
        u64::from(self.sizes.digest_bytes)
    }

    /// A signed vote inside a certificate: header, digest, its authentication.
    fn signed_vote(&self) -> u64 {
        self.header() + self.digest() + self.embedded_auth_bytes()
    }

    /// A batch carried inline: each request's header, argument and client authentication.
    fn batch(&self, batch: &Batch) -> u64 {
        batch
            .requests()
            .iter()
            .map(|r| self.header() + u64::from(r.shape().arg_bytes) + self.embedded_auth_bytes())
            .sum()
    }

    /// A pre-prepare inside a new-view: its signed vote and its batch.
    fn embedded_pre_prepare(&self, pre_prepare: &PrePrepare) -> u64 {
        self.signed_vote() + self.batch(&pre_prepare.batch)
    }

    /// A prepared certificate: the signed pre-prepare, its batch and its prepares.
    fn prepared(&self, proof: &PreparedProof) -> u64 {
        self.signed_vote()
            + self.batch(&proof.batch)
            + proof.prepares.len() as u64 * self.signed_vote()
    }

    /// A view-change's body: the stable state's digest, the checkpoint proof, the prepared
    /// certificates.
    fn view_change(&self, vc: &ViewChange) -> u64 {
        self.digest()
            + vc.checkpoint_proof.len() as u64 * self.signed_vote()
            + vc.prepared.iter().map(|p| self.prepared(p)).sum::<u64>()
    }

    /// What `message`, sent by `from`, carries beyond its header and authentication.
    fn body(&self, message: &Message, from: NodeId) -> u64 {
        match message {
            Message::Request(r) => u64::from(r.shape().arg_bytes),
            Message::PrePrepare(pp) => self.digest() + self.batch(&pp.batch),
            Message::Prepare(_) | Message::Commit(_) | Message::Checkpoint(_) => self.digest(),
            Message::FetchBatch { .. } => self.digest(),
            Message::Reply(reply) => {
                let full = u64::from(self.result_bytes);
                let designated = match from {
                    NodeId::Replica(r) => {
                        self.n == 0 || reply.view % u64::from(self.n) == u64::from(r)
                    }
                    NodeId::Client(_) => true,
                };
                if self.digest_replies && !designated {
                    full.min(self.digest())
                } else {
                    full
                }
            }
            Message::ViewChange(vc) => self.view_change(vc.value()),
            Message::NewView(nv) => {
                let nv = nv.value();
                nv.view_changes
                    .iter()
                    .map(|vc| {
                        self.header() + self.view_change(vc.value()) + self.embedded_auth_bytes()
                    })
                    .sum::<u64>()
                    + nv.pre_prepares
                        .iter()
                        .map(|pp| self.embedded_pre_prepare(pp))
                        .sum::<u64>()
            }
            Message::FetchState { .. } => 0,
            Message::State(snapshot) => {
                // The state's digest, then one entry (client, timestamp, result) per client in
                // the reply table, each the size of a header.
                self.digest() + snapshot.service.reply_table().count() as u64 * self.header()
            }
            Message::Status(report) => {
                // Per slot: its sequence number and flags (8 bytes) and one bitmap of ceil(n/8)
                // bytes, with its view (8 bytes), for the prepares and for each view's commits;
                // 4 bytes per view-change sender named.
                let bitmap = 8 + u64::from(self.n.div_ceil(8));
                report
                    .slots
                    .iter()
                    .map(|s| 8 + bitmap * (1 + s.commits.len() as u64))
                    .sum::<u64>()
                    + 4 * report.view_changes.len() as u64
            }
            Message::CommitCertificate { batch, commits } => {
                self.batch(batch) + commits.len() as u64 * self.signed_vote()
            }
            Message::Batch { batch, .. } => self.batch(batch),
        }
    }
}

/// The bytes `message`, sent by `from` as `addressing` says, occupies on the wire, envelope
/// included.
pub fn wire_bytes(
    message: &Message,
    from: NodeId,
    addressing: Addressing,
    cx: &SizeContext<'_>,
) -> u64 {
    u64::from(cx.sizes.envelope_bytes)
        + cx.header()
        + cx.body(message, from)
        + cx.auth_bytes(addressing)
}

/// How many signed items (votes, requests, view-changes) `message` embeds besides its own
/// authentication: with signatures, each is one more signature its receiver verifies.
pub fn embedded_signed(message: &Message) -> u64 {
    let batch = |b: &Batch| b.requests().len() as u64;
    let prepared = |p: &PreparedProof| 1 + batch(&p.batch) + p.prepares.len() as u64;
    let view_change = |vc: &ViewChange| {
        vc.checkpoint_proof.len() as u64 + vc.prepared.iter().map(prepared).sum::<u64>()
    };
    match message {
        Message::PrePrepare(pp) => batch(&pp.batch),
        Message::ViewChange(vc) => view_change(vc.value()),
        Message::NewView(nv) => {
            let nv = nv.value();
            nv.view_changes
                .iter()
                .map(|vc| 1 + view_change(vc.value()))
                .sum::<u64>()
                + nv.pre_prepares
                    .iter()
                    .map(|pp| 1 + batch(&pp.batch))
                    .sum::<u64>()
        }
        Message::CommitCertificate { batch: b, commits } => batch(b) + commits.len() as u64,
        Message::Batch { batch: b, .. } => batch(b),
        Message::Request(_)
        | Message::Prepare(_)
        | Message::Commit(_)
        | Message::Reply(_)
        | Message::Checkpoint(_)
        | Message::FetchState { .. }
        | Message::State(_)
        | Message::FetchBatch { .. }
        | Message::Status(_) => 0,
    }
}

#[cfg(test)]
#[path = "size_tests.rs"]
mod tests;
