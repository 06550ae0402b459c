//! `Equivocate`: a primary that sends conflicting, well-formed pre-prepares to different backups.
//! Castro & Liskov §4.2: a backup accepts one pre-prepare per (v, n), and the prepared
//! predicate keeps two batches from both preparing at n, so at most a view change (§4.4)
//! follows.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use rand::seq::SliceRandom;

use super::{recipients, Behaviour, Context, Outgoing};
use crate::protocol::message::{Batch, PrePrepare, Vote};
use crate::protocol::{Action, Keyring, Message, NodeId, ReplicaId, SeqNum, View, VoteKind};

/// A faulty primary that equivocates (Castro & Liskov, OSDI'99 §4.2 and the safety argument of
/// §4.5.1: two prepared certificates for one (v, n) would need two quorums that meet in an
/// honest replica, which prepares only one digest). For each batch it orders, a random half of
/// the backups gets the honest pre-prepare and the other half a conflicting one for the same
/// (v, n): the same requests in reverse order, or the null request when the batch holds one
/// request. Both are correctly signed and their digests match their batches, so unlike
/// `SeedAdversary`'s fake digests no backup can tell on its own; the backups just split their
/// PREPAREs. Alone (at most f faults) it can delay, never break, agreement; the view change
/// (§4.4) replaces it. Resends of a pre-prepare keep each backup's version. As backup it is
/// honest.
#[derive(Debug, Default)]
pub struct Equivocate {
    /// Per (v, n): the conflicting pre-prepare, and the backups that get it.
    split: BTreeMap<(View, SeqNum), (PrePrepare, BTreeSet<ReplicaId>)>,
    /// Whether `split` was pruned below the log's low watermark since the last input.
    pruned: bool,
}

/// A pre-prepare for the same (v, n) as `pp` but another batch, signed by `keys`; `None` for
/// the null request (nothing to reorder or leave out).
fn conflicting(pp: &PrePrepare, keys: &Keyring) -> Option<PrePrepare> {
    let requests = pp.batch.requests();
    let batch = match requests.len() {
        0 => return None,
        1 => Batch::null(),
        _ => Batch::new(requests.iter().rev().copied().collect()),
    };
    let vote = Vote {
        digest: batch.digest(),
        ..pp.vote()
    };
    Some(PrePrepare {
        signed: keys.sign((VoteKind::PrePrepare, vote)),
        batch,
    })
}

impl Behaviour for Equivocate {
    fn name(&self) -> &str {
        "Equivocate"
    }

    fn on_send(&mut self, copy: Outgoing, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        let (Message::PrePrepare(pp), NodeId::Replica(r)) = (&copy.message, copy.to) else {
            out.push(copy.into_action());
            return;
        };
        if !std::mem::replace(&mut self.pruned, true) {
            let low = ctx.replica.low_watermark();
            self.split.retain(|(_, seq), _| *seq > low);
        }
        let vote = pp.vote();
        let key = (vote.view, vote.seq);
        // The first copy of a broadcast pre-prepare is a fresh proposal (§4.2): split the
        // backups for it. A pre-prepare sent to one replica is a resend and keeps the split.
        if copy.broadcast == Some(0) {
            if let Entry::Vacant(entry) = self.split.entry(key) {
                if let Some(other) = conflicting(pp, ctx.replica.keyring()) {
                    let mut backups: Vec<ReplicaId> = recipients(ctx.replica).collect();
                    backups.shuffle(&mut *ctx.rng);
                    let side = backups[..backups.len() / 2].iter().copied().collect();
                    entry.insert((other, side));
                }
            }
        }
        match self.split.get(&key) {
            Some((other, side)) if side.contains(&r) => out.push(Action::Send {
                to: copy.to,
                message: Message::PrePrepare(other.clone()),
            }),
            _ => out.push(copy.into_action()),
        }
    }

    fn after_input(&mut self, _ctx: &mut Context<'_>, _out: &mut Vec<Action>) {
        self.pruned = false;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn two_versions_each_well_formed_and_resends_stay_consistent() {
        let mut h = Harness::new(0, 7);
        let mut b = Equivocate::default();
        let pp = pre_prepare(0, 0, 1, &[request(0, 1), request(1, 1)]);
        let out = h.actions(&mut b, vec![Action::Broadcast(pp.clone())]);
        let sent = sends(&out, 0, 7);
        assert_eq!(sent.len(), 6);
        let keys = Keyring::for_test(3);
        let mut digests = BTreeMap::new();
        for (to, message) in &sent {
            let Message::PrePrepare(p) = message else {
                panic!("only pre-prepares")
            };
            assert!(keys.verify(&p.signed) && p.signed.signer() == 0);
            assert_eq!(p.vote().digest, p.batch.digest(), "digest matches batch");
            assert_eq!((p.vote().view, p.vote().seq), (0, 1));
            digests.insert(*to, p.vote().digest);
        }
        let distinct: BTreeSet<_> = digests.values().collect();
        assert_eq!(distinct.len(), 2, "two versions");
        // A resend to one backup carries the version that backup got.
        for r in 1..7 {
            let resend = vec![Action::Send {
                to: NodeId::Replica(r),
                message: pp.clone(),
            }];
            let again = sends(&h.actions(&mut b, resend), 0, 7);
            let Message::PrePrepare(p) = &again[0].1 else {
                panic!("a pre-prepare")
            };
            assert_eq!(p.vote().digest, digests[&NodeId::Replica(r)]);
        }
    }

    #[test]
    fn leaves_other_messages_alone() {
        let mut h = Harness::new(1, 4);
        let mut b = Equivocate::default();
        let commit = commit_of(Vote {
            view: 0,
            seq: 1,
            digest: batch(&[request(0, 1)]).digest(),
        });
        let out = h.actions(&mut b, vec![Action::Broadcast(commit.clone())]);
        let sent = sends(&out, 1, 4);
        assert_eq!(sent.len(), 3, "one copy per other replica");
        assert!(sent.iter().all(|(_, m)| *m == commit), "unchanged");
    }
}
