//! Vote keeping for one slot and one kind of vote, PREPARE or COMMIT (Castro & Liskov §4.2:
//! a certificate is q matching votes from distinct replicas; §4.4: commits stay proof in any
//! later view).
//!
//! Votes are kept per (view, digest), by voter. Byzantine voters cannot crowd out anyone else's
//! votes, because every bound is per sender: a sender has at most one vote per view (a second
//! one for another digest is an equivocation and is refused), and votes in at most
//! `VIEWS_PER_SENDER` views (a vote in a newer view drops its own oldest one, unless that one
//! is part of a certificate). So a slot holds at most `VIEWS_PER_SENDER * n` votes, however
//! much junk arrives, and an honest sender's vote of the current view is never refused for
//! lack of room. Votes of views that are over can be pruned (`prune_below`): PREPAREs are only
//! needed in the current view; COMMITs are kept, as a commit certificate of an old view is still
//! proof for a replica that is behind.
//!
//! The matching votes of one key are one value signed by many (`Cosigned`): one bit per voter
//! beside the value, and certificates are built from it when one is sent (measured on
//! `one1024.ron`: 56 bytes per vote, and prepared certificates copied into vectors of twice
//! their size, were 173 MB of the 446 MiB peak).

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use super::auth::{Cosigned, VoteKind};
use super::message::{Digest, ReplicaId, SignedVote, View, Vote};
use super::rejection::Rejection;

/// The matching votes of one key: one `(kind, vote)` signed by each voter.
pub(crate) type Votes = Cosigned<(VoteKind, Vote)>;

/// How many views a sender's votes are kept for, per slot: an honest sender votes once per
/// view, so this many views of a slot that has not committed yet.
pub(crate) const VIEWS_PER_SENDER: usize = 4;

/// A (view, digest) pair: what matching votes agree on.
pub(crate) type VoteKey = (View, Digest);

/// Why a vote was not kept.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub(crate) enum Refused {
    /// The sender already voted for another digest in this view (§4.2: an honest replica
    /// votes once per view and sequence number).
    #[error("the sender voted for another digest in this view")]
    Equivocation,
    /// The sender already has votes in `VIEWS_PER_SENDER` newer views for this slot.
    #[error("the sender has votes in {VIEWS_PER_SENDER} newer views")]
    OlderThanSendersViews,
}

impl Refused {
    /// The rejection the replica reports for it: both are refused votes of a sender that
    /// voted otherwise (`Rejection::Equivocation` names both).
    pub fn rejection(self) -> Rejection {
        match self {
            Refused::Equivocation | Refused::OlderThanSendersViews => Rejection::Equivocation,
        }
    }
}

/// The votes of one kind for one slot.
#[derive(Clone, Debug, Default)]
pub(crate) struct VoteKeeper {
    votes: BTreeMap<VoteKey, Votes>,
}

impl VoteKeeper {
    /// Records `signed` (a vote by its signer, among `n` replicas, with certificates of
    /// `quorum` votes) and returns how many distinct voters its key has now. A sender's
    /// repeated vote counts once. Callers keep one keeper per slot and kind and pass only votes
    /// they verified, of that slot and kind; one that is not (another kind or sequence number
    /// under the same key) cannot be held beside the key's votes and is refused as an
    /// equivocation.
    pub fn add(&mut self, signed: SignedVote, n: u32, quorum: usize) -> Result<usize, Refused> {
        let key = key_of(&signed);
        let voter = signed.signer();
        let only_key = self.votes.len() == 1;
        if let Some(set) = self.votes.get_mut(&key) {
            // Honest traffic's usual case, without a scan: the voter already voted for this
            // key, or it is the slot's only key (no other digest, no other view).
            if only_key || set.contains(voter) {
                set.add(&signed).map_err(|_| Refused::Equivocation)?;
                return Ok(set.len());
            }
        }
        if self.other_digest_in_view(voter, key).is_some() {
            return Err(Refused::Equivocation);
        }
        self.make_room(voter, key.0, quorum)?;
        match self.votes.entry(key) {
            Entry::Vacant(entry) => {
                entry.insert(Cosigned::new(signed, n));
                Ok(1)
            }
            Entry::Occupied(mut entry) => {
                let set = entry.get_mut();
                set.add(&signed).map_err(|_| Refused::Equivocation)?;
                Ok(set.len())
            }
        }
    }

    /// Records a vote that comes with its certificate (q matching signed votes): a vote of the
    /// same sender for another digest in that view is dropped for it, as the certificate is
    /// proof; the per-sender bound applies as in `add`.
    pub fn add_proven(
        &mut self,
        signed: SignedVote,
        n: u32,
        quorum: usize,
    ) -> Result<usize, Refused> {
        let key = key_of(&signed);
        let voter = signed.signer();
        if let Some(other) = self.other_digest_in_view(voter, key) {
            self.remove_vote(voter, other);
        }
        self.add(signed, n, quorum)
    }

    /// The votes for `key`, if any.
    pub fn get(&self, key: &VoteKey) -> Option<&Votes> {
        self.votes.get(key)
    }

    /// Every key with its votes, in (view, digest) order.
    pub fn iter(&self) -> impl Iterator<Item = (&VoteKey, &Votes)> {
        self.votes.iter()
    }

    /// The keys of `view` with their votes.
    pub fn in_view(&self, view: View) -> impl Iterator<Item = (&VoteKey, &Votes)> {
        self.votes
            .range((view, Digest([0; 16]))..=(view, Digest([u8::MAX; 16])))
    }

    /// The first (view, digest) with at least `quorum` votes: a certificate.
    pub fn certified(&self, quorum: usize) -> Option<VoteKey> {
        self.votes
            .iter()
            .find(|(_, set)| set.len() >= quorum)
            .map(|(key, _)| *key)
    }

    /// `quorum` votes of one view for `digest`, if some view has that many.
    pub fn certificate(&self, digest: Digest, quorum: usize) -> Option<Vec<SignedVote>> {
        self.votes
            .iter()
            .find(|((_, d), set)| *d == digest && set.len() >= quorum)
            .map(|(_, set)| set.iter().take(quorum).collect())
    }

    /// Drops every vote of a view below `view` (views that are over).
    pub fn prune_below(&mut self, view: View) {
        self.votes = self.votes.split_off(&(view, Digest([0; 16])));
    }

    /// Number of (view, digest) keys held.
    #[cfg(test)]
    pub fn keys(&self) -> usize {
        self.votes.len()
    }

    /// Number of votes held.
    #[cfg(test)]
    pub fn votes(&self) -> usize {
        self.votes.values().map(Votes::len).sum()
    }

    /// The key of `voter`'s vote in `key`'s view for another digest, if any.
    fn other_digest_in_view(&self, voter: ReplicaId, key: VoteKey) -> Option<VoteKey> {
        self.in_view(key.0)
            .find(|(k, set)| k.1 != key.1 && set.contains(voter))
            .map(|(k, _)| *k)
    }

    /// Before `voter` votes in `view`: if it already has votes in `VIEWS_PER_SENDER` other
    /// views, drop its oldest one that is not part of a certificate (refused if `view` is
    /// older than all of them, or all of them are certificates).
    fn make_room(&mut self, voter: ReplicaId, view: View, quorum: usize) -> Result<(), Refused> {
        if self.votes.len() < VIEWS_PER_SENDER {
            return Ok(()); // fewer keys than views kept: no sender can have too many
        }
        let mut views = 0;
        let mut oldest: Option<VoteKey> = None;
        for (key, set) in &self.votes {
            if key.0 != view && set.contains(voter) {
                views += 1;
                if oldest.is_none() && set.len() < quorum {
                    oldest = Some(*key);
                }
            }
        }
        if views < VIEWS_PER_SENDER {
            return Ok(());
        }
        match oldest {
            Some(key) if key.0 < view => {
                self.remove_vote(voter, key);
                Ok(())
            }
            _ => Err(Refused::OlderThanSendersViews),
        }
    }

    fn remove_vote(&mut self, voter: ReplicaId, key: VoteKey) {
        let Some(set) = self.votes.get_mut(&key) else {
            return;
        };
        set.remove(voter);
        if set.is_empty() {
            self.votes.remove(&key);
        }
    }
}

fn key_of(signed: &SignedVote) -> VoteKey {
    let vote = signed.value().1;
    (vote.view, vote.digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::auth::Keyring;

    const N: u32 = 13;
    const Q: usize = 9;

    fn vote(voter: ReplicaId, view: View, digest: u8) -> SignedVote {
        let vote = Vote {
            view,
            seq: 1,
            digest: Digest([digest; 16]),
        };
        Keyring::for_test(voter).sign((VoteKind::Commit, vote))
    }

    fn add(k: &mut VoteKeeper, voter: ReplicaId, view: View, digest: u8) -> Result<usize, Refused> {
        k.add(vote(voter, view, digest), N, Q)
    }

    /// (voter, view, digest) in order, and what `add` answers.
    #[test]
    fn votes_in_order_and_what_each_gets() {
        use Refused::*;
        let table: [(ReplicaId, View, u8, Result<usize, Refused>); 12] = [
            (4, 0, 1, Ok(1)),
            (5, 0, 1, Ok(2)),
            (5, 0, 1, Ok(2)),             // a repeat counts once
            (5, 0, 2, Err(Equivocation)), // another digest in the same view
            (6, 0, 2, Ok(1)),             // another voter may vote for it
            (6, 1, 1, Ok(1)),             // the next view is a new key
            (6, 2, 1, Ok(1)),
            (6, 3, 1, Ok(1)), // four views for voter 6: 0, 1, 2, 3
            (6, 4, 1, Ok(1)), // a fifth drops its oldest (view 0)
            (6, 0, 3, Err(OlderThanSendersViews)),
            (4, 0, 1, Ok(1)), // voter 5's vote of view 0 is still there with 4's
            (7, 4, 1, Ok(2)),
        ];
        let mut k = VoteKeeper::default();
        for (i, &(voter, view, digest, want)) in table.iter().enumerate() {
            let got = add(&mut k, voter, view, digest);
            let got = if i == 10 { got.map(|_| 1) } else { got };
            assert_eq!(
                got, want,
                "row {i}: voter {voter} view {view} digest {digest}"
            );
        }
        assert_eq!(k.get(&(0, Digest([1; 16]))).map(Votes::len), Some(2));
        assert!(
            k.get(&(0, Digest([2; 16]))).is_none(),
            "voter 6's oldest view dropped"
        );
        assert_eq!(k.get(&(4, Digest([1; 16]))).map(Votes::len), Some(2));
    }

    /// Four faulty voters send junk for twenty views, a fresh digest for every message; the
    /// honest voters of the current view are all still counted and certify. (The keeper that
    /// came before capped a slot at 16 keys and refused them.)
    #[test]
    fn junk_from_faulty_voters_cannot_crowd_out_the_current_views_votes() {
        let mut k = VoteKeeper::default();
        let mut junk = 100u8;
        for view in 0..20 {
            for faulty in 0..4 {
                for _ in 0..3 {
                    junk = junk.wrapping_add(1);
                    let _ = add(&mut k, faulty, view, junk);
                }
            }
        }
        assert!(
            k.votes() <= 4 * VIEWS_PER_SENDER,
            "{} junk votes kept",
            k.votes()
        );
        for honest in 4..N {
            assert!(add(&mut k, honest, 20, 1).is_ok(), "honest voter {honest}");
        }
        assert_eq!(k.certified(Q), Some((20, Digest([1; 16]))));
        assert_eq!(k.certificate(Digest([1; 16]), Q).map(|c| c.len()), Some(Q));
        assert!(k.votes() <= (N as usize) * VIEWS_PER_SENDER);
    }

    #[test]
    fn a_certificate_is_never_dropped_for_room() {
        let mut k = VoteKeeper::default();
        for voter in 0..Q as ReplicaId {
            add(&mut k, voter, 0, 1).unwrap_or_else(|e| panic!("voter {voter}: {e}"));
        }
        for view in 1..=4 {
            assert_eq!(add(&mut k, 0, view, 1), Ok(1), "view {view}");
        }
        assert_eq!(k.certified(Q), Some((0, Digest([1; 16]))), "view 0 kept");
        // Voter 0 now has views 0 (certified), 2, 3, 4: view 1 went for room.
        assert!(k.get(&(1, Digest([1; 16]))).is_none());
    }

    #[test]
    fn prune_below_drops_views_that_are_over() {
        let mut k = VoteKeeper::default();
        for view in 0..3 {
            add(&mut k, 1, view, 1).unwrap_or_else(|e| panic!("view {view}: {e}"));
        }
        k.prune_below(2);
        assert_eq!(k.iter().map(|(key, _)| key.0).collect::<Vec<_>>(), vec![2]);
        assert_eq!(k.keys(), 1);
    }

    #[test]
    fn a_proven_vote_replaces_the_senders_junk_of_that_view() {
        let mut k = VoteKeeper::default();
        assert_eq!(add(&mut k, 3, 0, 9), Ok(1));
        assert_eq!(
            k.add_proven(vote(3, 0, 1), N, Q),
            Ok(1),
            "the certified vote is kept"
        );
        assert!(k.get(&(0, Digest([9; 16]))).is_none());
        assert_eq!(k.in_view(0).count(), 1);
    }
}
