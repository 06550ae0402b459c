//! Quorum arithmetic and vote tallies (Castro & Liskov §4.1-4.3; TOCS'02 §4 for n > 3f+1).
//!
//! A certificate is a set of matching votes from distinct replicas. `Tally` counts votes per key
//! (a view and digest, a checkpoint digest, ...) and reports a certificate exactly once, the
//! first time its key reaches the threshold; a replica voting twice counts once.

use std::collections::{BTreeMap, BTreeSet};

/// Votes of distinct replicas, indexed by replica id (a replica voting again replaces its vote
/// and counts once). The votes sit in arrival order beside a small index by voter: a map's
/// inserts were a tenth of a trial at n = 512, and a vector of `Option` votes by id spent as
/// long zeroing a vote-sized entry (80 bytes when measured; a signed vote is 56 bytes now) for
/// each voter that never came.
#[derive(Clone, Debug)]
pub struct VoteSet<V> {
    votes: Vec<V>,
    /// Position in `votes` of each voter's vote, `u32::MAX` for none.
    position: Vec<u32>,
    /// How many voters there can be (0: unknown). A set that outgrows its first few votes
    /// makes room for all of them at once: doubling one vote at a time was a twentieth of a
    /// trial at n = 64. A set that stays small (a digest only a faulty replica votes for)
    /// takes no more than it holds.
    room: u32,
}

impl<V> Default for VoteSet<V> {
    fn default() -> Self {
        VoteSet::for_voters(0)
    }
}

impl<V> VoteSet<V> {
    /// An empty set for at most `n` voters (the replicas): see `room`.
    pub fn for_voters(n: u32) -> Self {
        VoteSet {
            votes: Vec::new(),
            position: Vec::new(),
            room: n,
        }
    }

    /// Records `voter`'s vote; returns whether the voter is new.
    pub fn insert(&mut self, voter: ReplicaId, vote: V) -> bool {
        let i = voter as usize;
        let room = self.room as usize;
        if self.position.len() <= i {
            // Voters arrive in any order: grow geometrically, not one id at a time, and to
            // every voter once a second one came.
            let mut len = (i + 1).max(2 * self.position.len()).max(8);
            if !self.votes.is_empty() {
                len = len.max(room);
            }
            self.position.resize(len, u32::MAX);
        }
        match self.position[i] {
            u32::MAX => {
                self.position[i] = self.votes.len() as u32;
                let held = self.votes.len();
                if held == self.votes.capacity() && held >= 4 && room > held {
                    self.votes.reserve_exact(room - held);
                }
                self.votes.push(vote);
                true
            }
            at => {
                self.votes[at as usize] = vote;
                false
            }
        }
    }

    /// `voter`'s vote, if any.
    pub fn get(&self, voter: ReplicaId) -> Option<&V> {
        match *self.position.get(voter as usize)? {
            u32::MAX => None,
            at => self.votes.get(at as usize),
        }
    }

    /// Whether `voter` voted.
    pub fn contains(&self, voter: ReplicaId) -> bool {
        self.get(voter).is_some()
    }

    /// Number of distinct voters.
    pub fn len(&self) -> usize {
        self.votes.len()
    }

    /// Whether nobody voted.
    pub fn is_empty(&self) -> bool {
        self.votes.is_empty()
    }

    /// The votes, in voter order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.position
            .iter()
            .filter(|&&at| at != u32::MAX)
            .map(|&at| &self.votes[at as usize])
    }

    /// The voters, in id order.
    pub fn voters(&self) -> impl Iterator<Item = ReplicaId> + '_ {
        self.position
            .iter()
            .enumerate()
            .filter(|(_, &at)| at != u32::MAX)
            .map(|(i, _)| i as ReplicaId)
    }
}

use super::message::ReplicaId;

/// The quorum size `q = ceil((n + f + 1) / 2)`: any two quorums share at least f+1 replicas,
/// one of them honest. It is `2f + 1` when `n = 3f + 1`.
pub fn quorum(n: u32, f: u32) -> u32 {
    (n + f + 1).div_ceil(2)
}

/// The default fault bound `f = floor((n - 1) / 3)`.
pub fn default_f(n: u32) -> u32 {
    n.saturating_sub(1) / 3
}

/// Votes per key from distinct replicas, each certificate reported once.
#[derive(Clone, Debug)]
pub struct Tally<K: Ord + Clone> {
    votes: BTreeMap<K, VoteSet<()>>,
    reported: BTreeSet<K>,
}

impl<K: Ord + Clone> Default for Tally<K> {
    fn default() -> Self {
        Tally {
            votes: BTreeMap::new(),
            reported: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Clone> Tally<K> {
    /// Records `voter`'s vote for `key`; returns the number of distinct voters for `key`.
    pub fn add(&mut self, key: K, voter: ReplicaId) -> usize {
        let voters = self.votes.entry(key).or_default();
        voters.insert(voter, ());
        voters.len()
    }

    /// Number of distinct voters for `key`.
    pub fn count(&self, key: &K) -> usize {
        self.votes.get(key).map_or(0, VoteSet::len)
    }

    /// The voters for `key`, in id order.
    pub fn voters(&self, key: &K) -> Vec<ReplicaId> {
        self.votes
            .get(key)
            .map(|v| v.voters().collect())
            .unwrap_or_default()
    }

    /// True exactly once: the first call at which `key` has at least `threshold` voters.
    pub fn certify(&mut self, key: &K, threshold: usize) -> bool {
        if self.count(key) >= threshold && !self.reported.contains(key) {
            self.reported.insert(key.clone());
            true
        } else {
            false
        }
    }

    /// Forgets every key below `bound` (garbage collection after a stable checkpoint).
    pub fn retain_from(&mut self, bound: &K) {
        self.votes = self.votes.split_off(bound);
        self.reported = self.reported.split_off(bound);
    }

    /// The keys with at least one vote, in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.votes.keys()
    }

    /// Number of keys held (for memory accounting in tests).
    pub fn len(&self) -> usize {
        self.votes.len()
    }

    /// Whether no vote is held.
    pub fn is_empty(&self) -> bool {
        self.votes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_sizes() {
        // (n, f, q)
        let table = [
            (1, 0, 1),
            (4, 1, 3),
            (5, 1, 4),
            (6, 1, 4),
            (7, 2, 5),
            (10, 3, 7),
            (100, 33, 67),
        ];
        for (n, f, q) in table {
            assert_eq!(default_f(n), f, "f for n={n}");
            assert_eq!(quorum(n, f), q, "q for n={n}");
            // Two quorums intersect in at least f+1 replicas.
            assert!(2 * q - n > f, "intersection for n={n}");
        }
    }

    #[test]
    fn certificate_reported_once_and_duplicates_ignored() {
        let mut t: Tally<(u64, u8)> = Tally::default();
        assert_eq!(t.add((1, 7), 0), 1);
        assert_eq!(t.add((1, 7), 0), 1, "same voter twice counts once");
        assert!(!t.certify(&(1, 7), 2));
        t.add((1, 7), 3);
        t.add((1, 9), 2);
        assert!(t.certify(&(1, 7), 2));
        assert!(!t.certify(&(1, 7), 2), "reported only once");
        assert_eq!(t.count(&(1, 9)), 1);
        assert_eq!(t.voters(&(1, 7)), vec![0, 3]);
    }

    #[test]
    fn retain_from_drops_lower_keys() {
        let mut t: Tally<u64> = Tally::default();
        for k in 0..10 {
            t.add(k, 1);
        }
        t.retain_from(&6);
        assert_eq!(t.keys().copied().collect::<Vec<_>>(), vec![6, 7, 8, 9]);
    }
}
