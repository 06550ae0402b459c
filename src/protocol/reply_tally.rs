//! A client's count of the replies to its outstanding request, and the rule that turns them
//! into a result (Castro & Liskov §4.1, OSDI'99 §5.1):
//! - an ordinary request takes f+1 matching replies (one of them is from an honest replica,
//!   which replies only once the request committed);
//! - with tentative execution, 2f+1 matching replies marked tentative (a quorum prepared it, so
//!   it commits in any view change) or f+1 matching replies not marked (committed), each
//!   replica counted once per kind;
//! - a read-only request takes 2f+1 matching replies, however marked (its replicas executed it
//!   at once, without ordering); once all n replied without such a quorum it cannot get one.
//!
//! A replica's later reply of the same kind replaces its earlier one, so a replica is never
//! counted twice towards one result.

use std::collections::BTreeMap;

use super::message::{ReplicaId, Reply, View};

/// Which of the rules above applies to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rule {
    /// f+1 matching replies of any kind (today's rule, without tentative execution).
    AnyKind,
    /// 2f+1 matching tentative replies, or f+1 matching committed ones.
    Tentative,
    /// 2f+1 matching replies from distinct replicas, of any kind.
    ReadOnly,
}

/// What the replies so far amount to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Not enough yet.
    Pending,
    /// A result: the value, and the highest view among the replies that carried it.
    Accept {
        /// The accepted result.
        result: u64,
        /// The highest view among its matching replies.
        view: View,
    },
    /// A read-only request every replica answered without 2f+1 matching: it never will.
    Exhausted,
}

/// The replies to one outstanding request, by replica and kind.
#[derive(Debug)]
pub(super) struct ReplyTally {
    rule: Rule,
    /// Keyed by (replica, counted as tentative): the kind is told apart only under
    /// [`Rule::Tentative`].
    replies: BTreeMap<(ReplicaId, bool), Reply>,
    /// Replies with digests (OSDI'99 §5.1): only the designated replier, the primary of its
    /// reply's view, sends the full result, so a quorum counts only with that reply among it.
    needs_full: bool,
}

impl ReplyTally {
    /// An empty tally under `rule`.
    pub(super) fn new(rule: Rule) -> ReplyTally {
        ReplyTally {
            rule,
            replies: BTreeMap::new(),
            needs_full: false,
        }
    }

    /// This tally, counting a quorum only when the designated replier's full result is in it
    /// (replies with digests, OSDI'99 §5.1).
    pub(super) fn needing_full_result(self, needs_full: bool) -> ReplyTally {
        ReplyTally { needs_full, ..self }
    }

    /// Stops waiting for the full result (a client that retransmitted asks every replica for
    /// it, as OSDI'99 §5.1's client does when the designated replier does not answer).
    pub(super) fn forgo_full_result(&mut self) {
        self.needs_full = false;
    }

    /// The rule it counts by.
    pub(super) fn rule(&self) -> Rule {
        self.rule
    }

    /// Counts `reply` from `replica` (the caller checked its timestamp) and says what the
    /// replies now amount to, for a client of `n` replicas tolerating `f` faults.
    pub(super) fn record(&mut self, replica: ReplicaId, reply: Reply, n: u32, f: u32) -> Verdict {
        let tentative = self.rule == Rule::Tentative && reply.tentative;
        self.replies.insert((replica, tentative), reply);
        let (f, n, result) = (f as usize, n as usize, reply.result);
        // Without the designated replier's full result in hand, a quorum of digests is not yet
        // a result: no reply matches until it is.
        let full = !self.needs_full
            || self.replies.iter().any(|((replica, _), r)| {
                r.result == result && r.view % n as u64 == u64::from(*replica)
            });
        let matching = |kind: Option<bool>| {
            self.replies
                .iter()
                .filter(move |((_, t), r)| {
                    full && r.result == result && kind.is_none_or(|k| *t == k)
                })
                .map(|(_, r)| r.view)
        };
        let quorum = match self.rule {
            Rule::AnyKind | Rule::ReadOnly => {
                let needed = if self.rule == Rule::ReadOnly {
                    2 * f + 1
                } else {
                    f + 1
                };
                let views: Vec<View> = matching(None).collect();
                (views.len() >= needed).then(|| views.into_iter().max())
            }
            Rule::Tentative => {
                let tentative: Vec<View> = matching(Some(true)).collect();
                let committed: Vec<View> = matching(Some(false)).collect();
                if tentative.len() > 2 * f {
                    Some(tentative.into_iter().max())
                } else if committed.len() > f {
                    Some(committed.into_iter().max())
                } else {
                    None
                }
            }
        };
        match quorum {
            Some(view) => Verdict::Accept {
                result: reply.result,
                view: view.unwrap_or(reply.view),
            },
            // Under the read-only rule each replica has one entry: all n in, no quorum.
            None if self.rule == Rule::ReadOnly && self.replies.len() >= n => Verdict::Exhausted,
            None => Verdict::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(result: u64, tentative: bool) -> Reply {
        Reply {
            view: 0,
            timestamp: 1,
            result,
            tentative,
        }
    }

    fn accepted(v: Verdict) -> Option<u64> {
        match v {
            Verdict::Accept { result, .. } => Some(result),
            _ => None,
        }
    }

    #[test]
    fn with_digest_replies_a_quorum_waits_for_the_designated_repliers_full_result() {
        // View 0: replica 0 is the designated replier; 1 and 2 send digests.
        let mut t = ReplyTally::new(Rule::AnyKind).needing_full_result(true);
        assert_eq!(t.record(1, reply(7, false), 4, 1), Verdict::Pending);
        assert_eq!(
            t.record(2, reply(7, false), 4, 1),
            Verdict::Pending,
            "f+1 digests, no result"
        );
        assert_eq!(accepted(t.record(0, reply(7, false), 4, 1)), Some(7));
        let mut tentative = ReplyTally::new(Rule::Tentative).needing_full_result(true);
        for r in [1, 2, 3] {
            assert_eq!(tentative.record(r, reply(7, true), 4, 1), Verdict::Pending);
        }
        tentative.forgo_full_result();
        assert_eq!(accepted(tentative.record(3, reply(7, true), 4, 1)), Some(7));
    }

    #[test]
    fn any_kind_takes_f_plus_one_matching() {
        let mut t = ReplyTally::new(Rule::AnyKind);
        assert_eq!(t.record(0, reply(7, false), 4, 1), Verdict::Pending);
        assert_eq!(
            t.record(0, reply(7, true), 4, 1),
            Verdict::Pending,
            "same replica"
        );
        assert_eq!(
            t.record(1, reply(8, false), 4, 1),
            Verdict::Pending,
            "mismatch"
        );
        assert_eq!(accepted(t.record(2, reply(7, true), 4, 1)), Some(7));
    }

    #[test]
    fn tentative_takes_two_f_plus_one_tentative_or_f_plus_one_committed() {
        let mut t = ReplyTally::new(Rule::Tentative);
        assert_eq!(t.record(0, reply(7, true), 4, 1), Verdict::Pending);
        assert_eq!(
            t.record(1, reply(7, true), 4, 1),
            Verdict::Pending,
            "2 < 2f+1"
        );
        assert_eq!(
            t.record(1, reply(7, true), 4, 1),
            Verdict::Pending,
            "a replica counts once"
        );
        assert_eq!(
            t.record(2, reply(7, false), 4, 1),
            Verdict::Pending,
            "one committed reply does not make a tentative quorum, nor f+1 committed"
        );
        assert_eq!(accepted(t.record(3, reply(7, true), 4, 1)), Some(7));

        let mut committed = ReplyTally::new(Rule::Tentative);
        assert_eq!(committed.record(0, reply(7, true), 4, 1), Verdict::Pending);
        assert_eq!(committed.record(0, reply(7, false), 4, 1), Verdict::Pending);
        assert_eq!(
            accepted(committed.record(1, reply(7, false), 4, 1)),
            Some(7),
            "f+1 committed, one of them after its own tentative reply"
        );
    }

    #[test]
    fn read_only_takes_two_f_plus_one_and_is_exhausted_when_all_answered_without() {
        let mut t = ReplyTally::new(Rule::ReadOnly);
        assert_eq!(t.record(0, reply(7, false), 4, 1), Verdict::Pending);
        assert_eq!(
            t.record(1, reply(7, true), 4, 1),
            Verdict::Pending,
            "f+1 is not enough"
        );
        assert_eq!(accepted(t.record(2, reply(7, false), 4, 1)), Some(7));

        let mut split = ReplyTally::new(Rule::ReadOnly);
        for (r, result) in [(0, 7), (1, 8), (2, 7)] {
            assert_eq!(
                split.record(r, reply(result, false), 4, 1),
                Verdict::Pending
            );
        }
        assert_eq!(split.record(3, reply(8, false), 4, 1), Verdict::Exhausted);

        // One server (the unreplicated baseline, f = 0): 2f+1 = 1.
        let mut alone = ReplyTally::new(Rule::ReadOnly);
        assert_eq!(accepted(alone.record(0, reply(3, false), 1, 0)), Some(3));
    }

    #[test]
    fn the_view_is_the_highest_among_the_matching_replies() {
        let mut t = ReplyTally::new(Rule::AnyKind);
        let mut late = reply(7, false);
        late.view = 5;
        let mut other = reply(9, false);
        other.view = 9;
        t.record(0, late, 4, 1);
        t.record(1, other, 4, 1);
        assert_eq!(
            t.record(2, reply(7, false), 4, 1),
            Verdict::Accept { result: 7, view: 5 }
        );
    }
}
