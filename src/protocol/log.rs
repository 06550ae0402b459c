//! The message log, watermarks and checkpoints (Castro & Liskov §4.2-4.3).
//!
//! The log holds one `Slot` per sequence number within the watermarks `(h, H]`, where h is
//! the last stable checkpoint and `H = h + L`, L the watermark span (RON `log_window`). A slot
//! keeps the accepted pre-prepare, the PREPAREs and COMMITs received per (view, digest), the
//! highest-view prepared certificate (for VIEW-CHANGE's P set, §4.4) and the committed batch.
//! When a checkpoint becomes stable (q matching CHECKPOINTs) every slot and vote at or below it
//! is discarded (garbage collection), so memory is bounded by the span, however long the run.
//! The log is the crate's own: a byzantine behaviour sees the watermarks and the stable
//! checkpoint through `Replica`'s accessors only.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::auth::Signed;
use super::message::{
    Batch, Checkpoint, Digest, HeldSlot, PrePrepare, PreparedProof, ReplicaId, SeqNum, SignedVote,
    View, Vote, Voters,
};
use super::rejection::Rejection;
use super::service::ServiceState;
use super::vote_keeper::{VoteKeeper, Votes};

/// A slot's prepared certificate (§4.4 "P"): the primary's pre-prepare, the batch and the
/// matching PREPAREs as they were when it prepared, kept cosigned; a VIEW-CHANGE carries it
/// built out (`proof`). Measured on `one1024.ron`: the built-out vectors were 682 votes in a
/// capacity of 1,024 per replica, about a quarter of the votes' memory.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    /// The primary's signed pre-prepare.
    pub pre_prepare: SignedVote,
    /// The batch it orders.
    pub batch: Arc<Batch>,
    /// The matching PREPAREs (none when a quorum needs no backup's).
    pub prepares: Option<Votes>,
}

impl Prepared {
    /// The `(v, n, d)` that prepared.
    pub fn vote(&self) -> Vote {
        self.pre_prepare.value().1
    }

    /// The certificate as a VIEW-CHANGE carries it, PREPAREs in voter order.
    pub fn proof(&self) -> PreparedProof {
        let mut prepares = Vec::with_capacity(self.prepares.as_ref().map_or(0, Votes::len));
        prepares.extend(self.prepares.iter().flat_map(Votes::iter));
        PreparedProof {
            pre_prepare: self.pre_prepare.clone(),
            batch: self.batch.clone(),
            prepares,
        }
    }
}

/// Everything known about one sequence number.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    /// The pre-prepare accepted for this sequence number in the latest view that sent one.
    pub pre_prepare: Option<PrePrepare>,
    /// Signed PREPAREs per (view, digest), by sender (views before the current one pruned).
    pub prepares: VoteKeeper,
    /// Signed COMMITs per (view, digest), by sender, in every view kept (§4.4).
    pub commits: VoteKeeper,
    /// The view in which this replica sent its PREPARE (or, as primary, its PRE-PREPARE).
    pub voted_prepare: Option<View>,
    /// This replica's COMMITs for this sequence number, one per view, oldest first (a few
    /// views at most): a lagging replica may need the ones of an earlier view.
    pub voted_commits: Vec<SignedVote>,
    /// The prepared certificate of the highest view in which this replica prepared.
    pub prepared: Option<Prepared>,
    /// The batch once committed (q matching commits and the batch known).
    pub committed: Option<Arc<Batch>>,
    /// Batches learned by fetching, by digest (catch-up).
    pub fetched: Option<Arc<Batch>>,
    /// Whether a fetch of the committed batch has been asked for.
    pub fetch_asked: bool,
}

/// How many of its own COMMITs per slot a replica keeps for retransmission.
pub(crate) const KEPT_COMMITS: usize = 4;

impl Slot {
    /// Whether this replica sent a COMMIT for this slot in `view`.
    pub fn committed_in(&self, view: View) -> bool {
        self.voted_commits.iter().any(|v| v.value().1.view == view)
    }

    /// Records this replica's COMMIT (also counted among the slot's commits; `n` replicas,
    /// certificates of `quorum`).
    pub fn record_commit(&mut self, signed: SignedVote, n: u32, quorum: usize) {
        // Never refused: a replica commits once per view, in views that only go up.
        let _ = self.commits.add(signed.clone(), n, quorum);
        self.voted_commits.push(signed);
        if self.voted_commits.len() > KEPT_COMMITS {
            self.voted_commits.remove(0);
        }
    }

    /// The first (view, digest) with at least `quorum` commits: a committed batch (§4.2).
    pub fn certified(&self, quorum: usize) -> Option<(View, Digest)> {
        self.commits.certified(quorum)
    }

    /// A commit certificate for `digest`: `quorum` signed commits of one view.
    pub fn commit_certificate(&self, digest: Digest, quorum: usize) -> Option<Vec<SignedVote>> {
        self.commits.certificate(digest, quorum)
    }

    /// What this slot holds, for a STATUS message of a replica in `view` (TOCS'02 §5.2).
    pub fn held(&self, seq: SeqNum, view: View) -> HeldSlot {
        let mut prepares = Voters::default();
        for set in self.prepares.in_view(view).map(|(_, set)| set) {
            set.signers().for_each(|r| prepares.insert(r));
        }
        let mut commits: Vec<(View, Voters)> = Vec::new();
        for (&(view, _), set) in self.commits.iter() {
            if commits.last().is_none_or(|(v, _)| *v != view) {
                commits.push((view, Voters::default()));
            }
            if let Some((_, voters)) = commits.last_mut() {
                set.signers().for_each(|r| voters.insert(r));
            }
        }
        HeldSlot {
            seq,
            committed: self.committed.is_some(),
            pre_prepare: self.pre_prepare.as_ref().map(|pp| pp.vote().view),
            prepares: (view, prepares),
            commits,
        }
    }

    /// The batch with digest `digest`, if this slot holds one.
    pub fn batch_with(&self, digest: Digest) -> Option<Arc<Batch>> {
        let from_pp = self
            .pre_prepare
            .as_ref()
            .filter(|pp| pp.batch.digest() == digest)
            .map(|pp| pp.batch.clone());
        from_pp
            .or_else(|| {
                self.prepared
                    .as_ref()
                    .filter(|p| p.batch.digest() == digest)
                    .map(|p| p.batch.clone())
            })
            .or_else(|| {
                self.fetched
                    .as_ref()
                    .filter(|b| b.digest() == digest)
                    .cloned()
            })
    }
}

/// A checkpoint proven stable by q signed matching CHECKPOINTs (§4.3), or the initial state.
#[derive(Clone, Debug)]
pub struct StableCheckpoint {
    /// Its sequence number, h.
    pub seq: SeqNum,
    /// Its state digest.
    pub state: Digest,
    /// The proof (empty for the initial state).
    pub proof: Vec<Signed<Checkpoint>>,
}

/// How many unsettled checkpoints a replica keeps per sender: enough for a replica that lags to
/// see q of them agree, few enough that a byzantine sender cannot fill memory.
const CHECKPOINTS_PER_SENDER: usize = 4;

/// The log: slots in `(h, H]`, checkpoint votes, own checkpoint states, and the stable checkpoint.
#[derive(Debug)]
pub(crate) struct Log {
    slots: BTreeMap<SeqNum, Slot>,
    checkpoint_votes: BTreeMap<(SeqNum, Digest), BTreeMap<ReplicaId, Signed<Checkpoint>>>,
    snapshots: BTreeMap<SeqNum, ServiceState>,
    stable: StableCheckpoint,
    /// The replicas known to hold the stable checkpoint (they signed a matching CHECKPOINT):
    /// while some do not, they may be behind, and this replica keeps saying where it stands.
    stable_holders: BTreeSet<ReplicaId>,
    /// The watermark span L: H = h + L.
    span: u64,
}

impl Log {
    /// An empty log whose stable checkpoint is the initial state.
    pub fn new(span: u64, initial: &ServiceState) -> Log {
        let mut snapshots = BTreeMap::new();
        snapshots.insert(0, initial.clone());
        Log {
            slots: BTreeMap::new(),
            checkpoint_votes: BTreeMap::new(),
            snapshots,
            stable: StableCheckpoint {
                seq: 0,
                state: initial.digest(),
                proof: Vec::new(),
            },
            stable_holders: BTreeSet::new(),
            span,
        }
    }

    /// Low watermark h.
    pub fn low(&self) -> SeqNum {
        self.stable.seq
    }

    /// High watermark H = h + L.
    pub fn high(&self) -> SeqNum {
        self.stable.seq + self.span
    }

    /// Whether `seq` is within the watermarks, in `(h, H]` (§4.2).
    pub fn within_watermarks(&self, seq: SeqNum) -> bool {
        seq > self.low() && seq <= self.high()
    }

    /// The last stable checkpoint.
    pub fn stable(&self) -> &StableCheckpoint {
        &self.stable
    }

    /// The slot for `seq`, created if absent. Callers check the watermarks first.
    pub fn slot_mut(&mut self, seq: SeqNum) -> &mut Slot {
        self.slots.entry(seq).or_default()
    }

    /// The slot for `seq`, if any.
    pub fn slot(&self, seq: SeqNum) -> Option<&Slot> {
        self.slots.get(&seq)
    }

    /// The highest sequence number with a slot.
    pub fn last_slot(&self) -> Option<SeqNum> {
        self.slots.keys().next_back().copied()
    }

    /// Slots in order.
    pub fn slots(&self) -> impl Iterator<Item = (&SeqNum, &Slot)> {
        self.slots.iter()
    }

    /// Slots above `seq`, in order.
    pub fn slots_above(&self, seq: SeqNum) -> impl Iterator<Item = (&SeqNum, &Slot)> {
        self.slots.range(seq.saturating_add(1)..)
    }

    /// Slots in order, mutable.
    pub fn slots_mut(&mut self) -> impl Iterator<Item = (&SeqNum, &mut Slot)> {
        self.slots.iter_mut()
    }

    /// Keeps this replica's own state at a checkpoint, to serve state transfer.
    pub fn keep_snapshot(&mut self, seq: SeqNum, state: ServiceState) {
        self.snapshots.insert(seq, state);
    }

    /// This replica's own checkpoints above `seq`: (sequence number, state digest).
    pub fn checkpoints_above(&self, seq: SeqNum) -> Vec<Checkpoint> {
        self.snapshots
            .range(seq + 1..)
            .map(|(&seq, state)| Checkpoint {
                seq,
                state: state.digest(),
            })
            .collect()
    }

    /// This replica's own state at checkpoint `seq`, if still kept.
    pub fn snapshot(&self, seq: SeqNum) -> Option<&ServiceState> {
        self.snapshots.get(&seq)
    }

    /// Records a signed CHECKPOINT; returns the checkpoint if it just became stable (q matching
    /// and above h). One at or below h is refused (`OutsideWatermarks`), except that a matching
    /// one at h says its signer holds the stable checkpoint.
    pub fn add_checkpoint(
        &mut self,
        signed: Signed<Checkpoint>,
        quorum: usize,
    ) -> Result<Option<StableCheckpoint>, Rejection> {
        let cp = *signed.value();
        if cp.seq == self.low() && cp.state == self.stable.state {
            self.stable_holders.insert(signed.signer());
            return Ok(None);
        }
        if cp.seq <= self.low() {
            return Err(Rejection::OutsideWatermarks);
        }
        let sender = signed.signer();
        let votes = self.checkpoint_votes.entry((cp.seq, cp.state)).or_default();
        votes.insert(sender, signed);
        // A quorum first: the limit below would otherwise drop a faulty replica's true
        // checkpoint (the q-th vote) in favour of its forged ones, for ever.
        if votes.len() >= quorum {
            return Ok(Some(StableCheckpoint {
                seq: cp.seq,
                state: cp.state,
                proof: votes.values().cloned().collect(),
            }));
        }
        self.limit_checkpoints_of(sender);
        Ok(None)
    }

    fn limit_checkpoints_of(&mut self, sender: ReplicaId) {
        let mine: Vec<(SeqNum, Digest)> = self
            .checkpoint_votes
            .iter()
            .filter(|(_, votes)| votes.contains_key(&sender))
            .map(|(key, _)| *key)
            .collect();
        if mine.len() > CHECKPOINTS_PER_SENDER {
            for key in &mine[..mine.len() - CHECKPOINTS_PER_SENDER] {
                if let Some(votes) = self.checkpoint_votes.get_mut(key) {
                    votes.remove(&sender);
                    if votes.is_empty() {
                        self.checkpoint_votes.remove(key);
                    }
                }
            }
        }
    }

    /// Makes `stable` the last stable checkpoint and discards everything at or below it (§4.3).
    pub fn make_stable(&mut self, stable: StableCheckpoint) {
        if stable.seq <= self.stable.seq {
            return;
        }
        let above = stable.seq + 1;
        self.slots = self.slots.split_off(&above);
        self.checkpoint_votes = self.checkpoint_votes.split_off(&(above, Digest([0; 16])));
        self.snapshots = self.snapshots.split_off(&stable.seq);
        self.stable_holders = stable.proof.iter().map(Signed::signer).collect();
        self.stable = stable;
    }

    /// Whether all `n` replicas are known to hold the stable checkpoint (the initial state is
    /// everyone's); if not, some may be behind and need telling (TOCS'02 §5.2).
    pub fn stable_held_by_all(&self, n: u32) -> bool {
        self.stable.seq == 0 || self.stable_holders.len() >= n as usize
    }

    /// Number of slots held (for tests of garbage collection).
    #[cfg(test)]
    fn slot_count(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::auth::Keyring;

    fn signed_cp(signer: ReplicaId, seq: SeqNum, state: u8) -> Signed<Checkpoint> {
        Keyring::for_test(signer).sign(Checkpoint {
            seq,
            state: Digest([state; 16]),
        })
    }

    #[test]
    fn watermarks_move_with_the_stable_checkpoint() {
        let mut log = Log::new(8, &ServiceState::default());
        assert!(!log.within_watermarks(0));
        assert!(log.within_watermarks(1) && log.within_watermarks(8) && !log.within_watermarks(9));
        for seq in 1..=8 {
            log.slot_mut(seq);
        }
        assert!(log
            .add_checkpoint(signed_cp(0, 4, 1), 3)
            .is_ok_and(|s| s.is_none()));
        assert!(
            log.add_checkpoint(signed_cp(1, 4, 2), 3)
                .is_ok_and(|s| s.is_none()),
            "digest differs"
        );
        assert!(log
            .add_checkpoint(signed_cp(2, 4, 1), 3)
            .is_ok_and(|s| s.is_none()));
        let stable = log
            .add_checkpoint(signed_cp(3, 4, 1), 3)
            .ok()
            .flatten()
            .expect("q matching");
        assert_eq!(stable.proof.len(), 3);
        log.make_stable(stable);
        assert_eq!((log.low(), log.high()), (4, 12));
        assert_eq!(log.slot_count(), 4, "slots 1..=4 discarded");
        assert!(
            log.add_checkpoint(signed_cp(0, 4, 1), 1)
                .is_ok_and(|s| s.is_none()),
            "at h, matching: its signer holds it"
        );
        for (seq, state) in [(4, 2), (3, 1)] {
            assert_eq!(
                log.add_checkpoint(signed_cp(0, seq, state), 1).err(),
                Some(Rejection::OutsideWatermarks),
                "seq {seq} state {state}"
            );
        }
    }

    #[test]
    fn a_sender_cannot_fill_the_checkpoint_store() {
        let mut log = Log::new(8, &ServiceState::default());
        for seq in 1..100 {
            let _ = log.add_checkpoint(signed_cp(3, seq, 1), 3);
        }
        assert_eq!(log.checkpoint_votes.len(), CHECKPOINTS_PER_SENDER);
    }

    /// Replica 3 forges checkpoints for seq 4 whose digests sort above the true one; its
    /// true checkpoint, the q-th matching vote, still makes the checkpoint stable (it used to
    /// be dropped by the per-sender limit before the quorum was counted).
    #[test]
    fn a_faulty_senders_forgeries_cannot_crowd_out_its_true_checkpoint() {
        let mut log = Log::new(8, &ServiceState::default());
        for forged in 10..20 {
            assert!(log
                .add_checkpoint(signed_cp(3, 4, forged), 3)
                .is_ok_and(|s| s.is_none()));
        }
        assert!(log
            .add_checkpoint(signed_cp(0, 4, 1), 3)
            .is_ok_and(|s| s.is_none()));
        assert!(log
            .add_checkpoint(signed_cp(1, 4, 1), 3)
            .is_ok_and(|s| s.is_none()));
        let stable = log.add_checkpoint(signed_cp(3, 4, 1), 3).ok().flatten();
        assert_eq!(stable.map(|s| (s.seq, s.proof.len())), Some((4, 3)));
    }
}
