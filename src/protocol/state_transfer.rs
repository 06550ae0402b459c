//! State transfer (Castro & Liskov §4.3; TOCS'02 §6.2): fetching a stable checkpoint's state
//! that this replica has not executed to.
//!
//! When a checkpoint becomes stable beyond a replica's execution (q signed CHECKPOINTs with one
//! state digest), the replica asks the replicas that signed them, one at a time, for that
//! state, and installs only a state whose digest is the certified one: at least one signer is
//! honest, and a forged state does not match. `StateTransfer` holds the checkpoint fetched and
//! whom to ask next; the replica sends FETCH-STATE, runs the fetch timer and installs the state.

use super::message::{Digest, ReplicaId, SeqNum};

/// An ongoing fetch of a stable checkpoint's state.
#[derive(Clone, Debug)]
struct Fetch {
    /// The checkpoint's sequence number.
    seq: SeqNum,
    /// Its certified state digest.
    state: Digest,
    /// The replicas that vouched for it (this one excluded), asked in turn.
    candidates: Vec<ReplicaId>,
    /// How many have been asked so far.
    asked: usize,
}

/// The replica's state transfer: none, or one fetch under way.
#[derive(Clone, Debug, Default)]
pub(crate) struct StateTransfer {
    fetch: Option<Fetch>,
}

impl StateTransfer {
    /// Starts fetching the state of checkpoint `seq` with digest `state` from `candidates`
    /// (replaces a fetch under way: the checkpoint is newer).
    pub(crate) fn begin(&mut self, seq: SeqNum, state: Digest, candidates: Vec<ReplicaId>) {
        self.fetch = Some(Fetch {
            seq,
            state,
            candidates,
            asked: 0,
        });
    }

    /// Whether a fetch is under way.
    pub(crate) fn is_active(&self) -> bool {
        self.fetch.is_some()
    }

    /// Whom to ask next, and for which checkpoint: the candidates in turn, round and round.
    /// `None` when no fetch is under way or nobody can be asked.
    pub(crate) fn next_target(&mut self) -> Option<(ReplicaId, SeqNum)> {
        let fetch = self.fetch.as_mut()?;
        if fetch.candidates.is_empty() {
            return None;
        }
        let target = fetch.candidates[fetch.asked % fetch.candidates.len()];
        fetch.asked += 1;
        Some((target, fetch.seq))
    }

    /// The checkpoint being fetched and its certified digest, if a fetch is under way.
    pub(crate) fn expected(&self) -> Option<(SeqNum, Digest)> {
        self.fetch.as_ref().map(|f| (f.seq, f.state))
    }

    /// The state arrived and was installed: the fetch is over.
    pub(crate) fn finish(&mut self) {
        self.fetch = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_asked_in_turn_until_the_state_arrives() {
        let mut transfer = StateTransfer::default();
        assert_eq!(transfer.next_target(), None, "nothing to fetch");
        assert_eq!(transfer.expected(), None);
        transfer.begin(8, Digest([1; 16]), vec![2, 0, 3]);
        assert!(transfer.is_active());
        assert_eq!(transfer.expected(), Some((8, Digest([1; 16]))));
        let asked: Vec<_> = (0..4).filter_map(|_| transfer.next_target()).collect();
        assert_eq!(asked, [(2, 8), (0, 8), (3, 8), (2, 8)]);
        transfer.begin(16, Digest([2; 16]), vec![1]);
        assert_eq!(
            transfer.next_target(),
            Some((1, 16)),
            "a newer checkpoint restarts"
        );
        transfer.finish();
        assert!(!transfer.is_active());
        assert_eq!(transfer.next_target(), None);
    }

    #[test]
    fn a_checkpoint_nobody_else_vouched_for_is_asked_of_nobody() {
        let mut transfer = StateTransfer::default();
        transfer.begin(4, Digest([0; 16]), Vec::new());
        assert!(transfer.is_active());
        assert_eq!(transfer.next_target(), None);
    }
}
