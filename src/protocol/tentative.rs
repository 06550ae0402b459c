//! Tentative execution (Castro & Liskov, OSDI'99 §5.1; TOCS'02 §5.1.2): with
//! `ReplicaConfig::tentative_execution`, a replica executes a batch as soon as it is prepared
//! in its current view and every earlier sequence number has been executed (tentatively or
//! committed), and replies at once, marking the reply tentative; the client waits for 2f+1
//! matching tentative replies (or f+1 committed ones), which saves one message delay (four
//! instead of five). When the batch later commits, the replica does not reply again: a client
//! that retransmits gets the committed reply from the reply table.
//!
//! The replica keeps two states: the committed one (`Replica::service`, which checkpoints, the
//! oracle's `Executed` observations and state transfer are about, as without the
//! optimisation) and a tentative copy ahead of it ([`TentativeRun`]), with the digest of every
//! batch executed tentatively above the last committed sequence number. When the committed
//! execution reaches a number the run covers with the same batch, that batch's replies were
//! sent already; if it commits another batch there (a view change discarded the tentative
//! one), or the replica left the run's view, or it installed a state by transfer, the run is
//! dropped: the state rolls back to the committed one, and what the new view orders is
//! executed again from there.

use std::collections::BTreeMap;

use super::message::{Digest, Message, NodeId, Reply, SeqNum, View};
use super::replica::{Mode, Replica};
use super::service::{Execution, ServiceState};

/// Batches executed tentatively, above the last committed sequence number, and the state
/// they left.
#[derive(Debug)]
pub(crate) struct TentativeRun {
    /// The view in which they prepared.
    view: View,
    /// The committed state with those batches executed.
    state: ServiceState,
    /// The last sequence number executed tentatively.
    last: SeqNum,
    /// Per sequence number executed tentatively and not yet committed, its batch's digest.
    batches: BTreeMap<SeqNum, Digest>,
}

impl Replica {
    /// Executes tentatively every prepared batch of the current view that follows the last
    /// executed sequence number (tentatively or committed) without a gap, replying to each
    /// request at once with `tentative: true`.
    pub(super) fn try_execute_tentatively(&mut self) {
        if !self.cfg.tentative_execution || self.mode != Mode::Normal {
            return;
        }
        if self.tentative.as_ref().is_some_and(|run| {
            run.view != self.view
                || run.batches.first_key_value().map(|(s, _)| *s) != Some(self.last_executed + 1)
        }) {
            self.tentative = None; // stale: roll back to the committed state
        }
        loop {
            let seq = self
                .tentative
                .as_ref()
                .map_or(self.last_executed, |run| run.last)
                + 1;
            let Some(batch) = self
                .log
                .slot(seq)
                .and_then(|slot| slot.prepared.as_ref())
                .filter(|proof| proof.vote().view == self.view)
                .map(|proof| proof.batch.clone())
            else {
                return;
            };
            let run = self.tentative.get_or_insert_with(|| TentativeRun {
                view: self.view,
                state: self.service.clone(),
                last: self.last_executed,
                batches: BTreeMap::new(),
            });
            run.last = seq;
            run.batches.insert(seq, batch.digest());
            let mut replies = Vec::with_capacity(batch.requests().len());
            for request in batch.requests() {
                let result = match run.state.execute(request) {
                    Execution::Executed(result) | Execution::Duplicate(result) => result,
                    Execution::Stale => continue,
                };
                let reply = Reply {
                    view: self.view,
                    timestamp: request.timestamp(),
                    result,
                    tentative: true,
                };
                replies.push((request.client(), reply));
            }
            for (client, reply) in replies {
                self.send(NodeId::Client(client), Message::Reply(reply));
            }
        }
    }

    /// The committed execution is at `seq`, running the batch with `digest`: whether the
    /// tentative run executed that batch there (its replies were sent then). Consumes the
    /// run's record of `seq`; drops the run if it does not match (the state rolls back), or
    /// once the committed state has caught up with it.
    pub(super) fn replied_tentatively(&mut self, seq: SeqNum, digest: Digest) -> bool {
        let Some(run) = self.tentative.as_mut() else {
            return false;
        };
        let covered = run.batches.first_key_value() == Some((&seq, &digest));
        if covered {
            run.batches.remove(&seq);
        }
        if !covered || run.batches.is_empty() {
            self.tentative = None;
        }
        covered
    }
}

#[cfg(test)]
#[path = "tentative_tests.rs"]
mod tests;
