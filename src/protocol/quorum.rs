//! Quorum arithmetic and vote sets (Castro & Liskov §4.1-4.3; TOCS'02 §4 for n > 3f+1).
//!
//! A certificate is a set of matching votes from distinct replicas: `quorum(n, f)` of them, f
//! at most `default_f(n)` by default. `VoteSet` holds the votes for one key, one per replica (a
//! replica voting twice counts once); the vote keeper (`vote_keeper.rs`) keeps one per (view,
//! digest) of a slot.

/// Votes of distinct replicas, indexed by replica id (a replica voting again replaces its vote
/// and counts once). The votes sit in arrival order beside a small index by voter: a map's
/// inserts were a tenth of a trial at n = 512, and a vector of `Option` votes by id spent as
/// long zeroing a vote-sized entry (80 bytes when measured; a signed vote is 56 bytes now) for
/// each voter that never came.
#[derive(Clone, Debug)]
pub(crate) struct VoteSet<V> {
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

    /// A voter counts once: voting again replaces its vote; votes and voters come out in id
    /// order whatever the arrival order, also once the set made room for every voter.
    #[test]
    fn a_voter_counts_once_and_votes_come_out_by_voter() {
        let mut set: VoteSet<char> = VoteSet::for_voters(16);
        let arrivals = [(9, 'a'), (2, 'b'), (9, 'c'), (0, 'd'), (14, 'e'), (3, 'f')];
        let new: Vec<bool> = arrivals.iter().map(|&(r, v)| set.insert(r, v)).collect();
        assert_eq!(new, [true, true, false, true, true, true]);
        assert_eq!(set.len(), 5);
        assert_eq!(set.get(9), Some(&'c'), "replaced");
        assert!(set.contains(14) && !set.contains(15) && !set.contains(99));
        assert_eq!(set.voters().collect::<Vec<_>>(), [0, 2, 3, 9, 14]);
        assert_eq!(set.values().collect::<String>(), "dbfce");
    }
}
