//! A bug planted on purpose, to test the explorer with (`pbft-sim explore` must find it): it
//! exists only when the crate is built with `--features planted-bug`, and acts only when a
//! scenario's `protocol.planted_bug` names it. Without the feature this module is not compiled.

use serde::{Deserialize, Serialize};

use super::replica::{Mode, Replica};
use super::View;

/// A protocol bug that can be switched on from a scenario (`protocol: (planted_bug:
/// Some(ShortQuorumAfterMutePrimary))`), for testing the explorer. `None` is the real protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlantedBug {
    /// A replica that leaves a view because its primary went mute (it has requests waiting
    /// and holds no pre-prepare of that view for any sequence number it has not executed)
    /// takes the deposed primary for crashed, and in the new view counts certificates against
    /// the replicas left: one vote short. It is prepared with q - 2 matching PREPAREs instead
    /// of q - 1 (2f at n = 3f + 1), committed-local with q - 1 COMMITs instead of q; and, since
    /// any certificate of a view after the first may have been gathered so, VIEW-CHANGE checks
    /// accept those one PREPARE short. This breaks Castro & Liskov, OSDI'99 §4.2 (the
    /// predicates `prepared` and `committed-local` need 2f + 1 replicas of all n, so that any
    /// two certificates meet in an honest replica, whoever is down) and §4.4 (the prepared
    /// certificates a VIEW-CHANGE carries).
    ///
    /// What it takes to show: a mute primary (a timed fault: the primary crashed, cut off, or
    /// its pre-prepares lost; or a byzantine one that sends nothing, which then needs a second
    /// byzantine replica for the next step), then a byzantine primary of the new view that
    /// equivocates and votes for both batches (`SplitBrain`): both halves commit, an agreement
    /// violation within f. An honest new primary proposes one batch per (v, n), so short
    /// quorums still agree (at worst a replica lags: a liveness failure).
    ShortQuorumAfterMutePrimary,
}

/// `needed` votes, one fewer under `bug` where the certificate is counted `short`: in the
/// view a replica entered after a mute primary (`Replica::short_view`), and in the check of any
/// VIEW-CHANGE certificate of a view after the first.
pub(crate) fn votes_needed(bug: Option<PlantedBug>, short: bool, needed: usize) -> usize {
    match bug {
        Some(PlantedBug::ShortQuorumAfterMutePrimary) if short => needed.saturating_sub(1),
        _ => needed,
    }
}

impl Replica {
    /// The view the replica will count short in after it moves to `new_view`: `new_view` if
    /// it leaves a view whose primary went mute, or leaves a view it was already counting
    /// short in without entering it (the next primary mute too); else none.
    pub(super) fn planted_short_view(&self, new_view: View) -> Option<View> {
        self.cfg.planted_bug?;
        let mute = match self.mode {
            Mode::ViewChanging => self.short_view == Some(self.view),
            Mode::Normal => {
                let view = self.view;
                let pre_prepared = self.log.slots().any(|(&seq, slot)| {
                    seq > self.last_executed
                        && slot
                            .pre_prepare
                            .as_ref()
                            .is_some_and(|pp| pp.vote().view == view)
                });
                let waiting = !self.requests.is_empty();
                waiting && !pre_prepared
            }
        };
        mute.then_some(new_view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_short_certificate_with_the_bug_on_is_one_vote_short() {
        let bug = Some(PlantedBug::ShortQuorumAfterMutePrimary);
        assert_eq!(votes_needed(bug, true, 3), 2);
        assert_eq!(votes_needed(bug, false, 3), 3);
        assert_eq!(votes_needed(None, true, 3), 3);
        assert_eq!(votes_needed(bug, true, 0), 0);
    }
}
