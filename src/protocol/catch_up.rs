//! Catching up (Castro & Liskov §4.3 state transfer; TOCS'02 §5.2 status messages and §6.2
//! state transfer): how a replica that missed messages, or a whole stretch of the log, gets
//! back in step. A replica whose execution has not moved for a while broadcasts STATUS; the
//! others answer with what it lacks: certificates of batches committed above where it stands,
//! their own votes for slots still open, the signed CHECKPOINTs that make a checkpoint stable,
//! their VIEW-CHANGEs, or the NEW-VIEW it missed. A replica that learns of a stable checkpoint
//! beyond its execution fetches the state and checks it against the certified digest. Also
//! here: checkpoints themselves (§4.3) and the restart after a crash.
//!
//! This file is the protocol's part, a third `impl Replica`; the state it keeps is owned by
//! `StallDetector` (`stall.rs`: when to send STATUS), `StateTransfer` (`state_transfer.rs`:
//! the fetch under way) and the `Log` (checkpoints and their states).

use std::sync::Arc;

use super::auth::{Signed, VoteKind};
use super::log::{Slot, StableCheckpoint};
use super::message::{
    Batch, Checkpoint, ClientId, HeldSlot, Message, NewView, NodeId, ReplicaId, SeqNum, SignedVote,
    Snapshot, StatusReport, Timestamp, View,
};
use super::rejection::Rejection;
use super::replica::{Mode, Replica};
use super::{Observation, TimerKind};

impl Replica {
    /// Back from a crash: every timer was lost. Ask the others where they stand (their answers
    /// bring missing commits, checkpoints and new views), and wait for requests again.
    pub(super) fn on_recover(&mut self) {
        for kind in [
            TimerKind::Batch,
            TimerKind::ViewChange,
            TimerKind::Fetch,
            TimerKind::Status,
        ] {
            // Not `disarm`: the settings were lost with the crash, none is cancelled now.
            self.timers.disarm(kind);
        }
        self.stall.reset_backoff();
        let status = self.status_message();
        self.broadcast(status);
        if self.mode == Mode::ViewChanging {
            self.arm(TimerKind::ViewChange, self.view_change_timeout_ns());
        } else {
            self.restart_request_timer(false);
        }
        if self.transfer.is_active() {
            self.ask_for_state();
        }
        self.sequencer.release_partial_batch();
        self.try_propose();
    }

    /// The client's retransmission: resend this replica's protocol messages for the slot that
    /// holds the request, so that peers that lost them can complete it.
    pub(super) fn retransmit_votes_for(&mut self, key: (ClientId, Timestamp)) {
        let Some(seq) = self.sequencer.assigned_seq(key) else {
            let found = self.log.slots().find(|(_, slot)| {
                slot.pre_prepare.as_ref().is_some_and(|pp| {
                    pp.batch
                        .requests()
                        .iter()
                        .any(|r| (r.client(), r.timestamp()) == key)
                })
            });
            if let Some((&seq, _)) = found {
                self.resend_slot(seq);
            }
            return;
        };
        self.resend_slot(seq);
    }

    /// Resends this replica's own messages for `seq` in the current view (pre-prepare as
    /// primary, prepare and commit as sent) to all replicas.
    pub(super) fn resend_slot(&mut self, seq: SeqNum) {
        let mut resend = Vec::new();
        if let Some(slot) = self.log.slot(seq) {
            self.own_messages(slot, false, None, &mut resend);
        }
        for message in resend {
            self.broadcast(message);
        }
    }

    /// This replica's own messages for `slot` in the current view (pre-prepare as primary,
    /// prepare and commit as sent), for one replica that asked (`asked`: every COMMIT kept, as
    /// each stays evidence in any later view) or for all (the latest COMMIT only); those
    /// `held` says the receiver has already are skipped.
    fn own_messages(
        &self,
        slot: &Slot,
        asked: bool,
        held: Option<&HeldSlot>,
        out: &mut Vec<Message>,
    ) {
        let view = self.view;
        let me = self.id;
        let lacks = |kind: VoteKind, view: View| !held.is_some_and(|h| h.holds(kind, view, me));
        let current = slot
            .pre_prepare
            .as_ref()
            .filter(|pp| pp.vote().view == view && self.mode == Mode::Normal);
        if let Some(pp) = current {
            let digest = pp.vote().digest;
            if self.cfg.primary(view) == me {
                if lacks(VoteKind::PrePrepare, view) {
                    out.push(Message::PrePrepare(pp.clone()));
                }
            } else if let Some(mine) = slot
                .prepares
                .get(&(view, digest))
                .and_then(|p| p.signed_by(me))
                .filter(|_| lacks(VoteKind::Prepare, view))
            {
                out.push(Message::Prepare(mine));
            }
        }
        let commits = if asked {
            &slot.voted_commits[..]
        } else {
            slot.voted_commits
                .last()
                .map_or(&[][..], std::slice::from_ref)
        };
        for vote in commits {
            if lacks(VoteKind::Commit, vote.value().1.view) {
                out.push(Message::Commit(vote.clone()));
            }
        }
    }

    /// The status timer fired (execution has not moved since it was set: `keep_status_timer`
    /// sets it again whenever it does): if the stall detector says the replica is stalled,
    /// tell the others where it stands so that they resend what it lacks (TOCS'02 §5.2). The
    /// timer is set again at the end of `handle`.
    pub(super) fn on_status_timeout(&mut self) {
        let unfinished = self.unfinished();
        if self.stall.on_tick(self.last_executed, unfinished) {
            let status = self.status_message();
            self.broadcast(status);
            self.refetch_missing_batches();
        }
    }

    /// Asks again for committed batches whose earlier fetch went unanswered (lost, or asked of
    /// a faulty replica).
    pub(super) fn refetch_missing_batches(&mut self) {
        let missing: Vec<SeqNum> = self
            .log
            .slots_mut()
            .filter(|(_, slot)| slot.fetch_asked && slot.committed.is_none())
            .map(|(seq, slot)| {
                slot.fetch_asked = false;
                *seq
            })
            .collect();
        for seq in missing {
            self.check_committed(seq);
        }
    }

    /// This replica's STATUS: where it stands and what it holds above its last executed
    /// sequence number, so that each answer carries only what it lacks.
    pub(super) fn status_message(&self) -> Message {
        let normal = self.mode == Mode::Normal;
        let view_changes = if normal {
            Vec::new()
        } else {
            self.view_changes.senders(self.view).collect()
        };
        Message::Status(Arc::new(StatusReport {
            view: self.view,
            normal,
            last_executed: self.last_executed,
            stable: self.log.low(),
            slots: self
                .log
                .slots_above(self.last_executed)
                .map(|(&seq, slot)| slot.held(seq, self.view))
                .collect(),
            view_changes,
        }))
    }

    /// Another replica is stuck at its last executed sequence number: send it what its
    /// `report` says it lacks: the commits of batches committed above that (and this replica's
    /// messages for slots still open), its own CHECKPOINT if the sender is behind the stable
    /// checkpoint, VIEW-CHANGEs, and, as primary, a NEW-VIEW it may have missed.
    pub(super) fn on_status(&mut self, j: ReplicaId, report: Arc<StatusReport>) {
        if j == self.id {
            return self.reject(Rejection::Unexpected); // its own, back from the network
        }
        let StatusReport {
            view,
            normal,
            last_executed,
            stable,
            ..
        } = *report;
        if last_executed > self.last_executed || stable > self.log.low() {
            // The sender is ahead: tell it where we stand so that it sends what we lack.
            let status = self.status_message();
            self.send(NodeId::Replica(j), status);
        }
        // The last NEW-VIEW we accepted, if the sender is behind it or still entering its view,
        // even when we have moved on since: a faulty primary may have sent it to us alone, and
        // the sender, short of the q VIEW-CHANGEs that start its timer, would wait for ever.
        let missed_new_view = |nv: &Arc<Signed<NewView>>| {
            let entered = nv.value().view;
            entered > view || (entered == view && !normal)
        };
        if let Some(nv) = self
            .view_changes
            .last_new_view()
            .filter(|nv| missed_new_view(nv))
            .cloned()
        {
            self.send(NodeId::Replica(j), Message::NewView(nv));
        }
        if self.mode == Mode::ViewChanging && view <= self.view {
            // The sender may have lost our VIEW-CHANGEs: send again the one for its view (unless
            // it holds it) and the one for ours.
            let holds_ours = !normal && report.view_changes.contains(&self.id);
            let mut views = vec![view, self.view];
            views.dedup();
            let mine: Vec<_> = views
                .iter()
                .filter(|&&v| !(v == view && holds_ours))
                .filter_map(|&v| self.view_changes.own(v).cloned())
                .collect();
            for vc in mine {
                self.send(NodeId::Replica(j), Message::ViewChange(vc));
            }
        }
        // Our stable checkpoint's proof (q signed CHECKPOINTs: enough on its own, even if a
        // faulty replica never sent the sender its own), and our CHECKPOINTs above it, signed
        // anew from the kept states.
        if self.log.low() > stable {
            for signed in self.log.stable().proof.clone() {
                self.send(NodeId::Replica(j), Message::Checkpoint(signed));
            }
        }
        for cp in self.log.checkpoints_above(stable.max(self.log.low())) {
            let signed = self.keys.sign(cp);
            self.send(NodeId::Replica(j), Message::Checkpoint(signed));
        }
        // Above where the sender stands: a commit certificate for each batch we hold committed
        // with one that it does not know committed, and our own messages for the slots still
        // open that it lacks.
        let quorum = self.cfg.quorum();
        let held = |seq: SeqNum| {
            report
                .slots
                .binary_search_by_key(&seq, |h| h.seq)
                .ok()
                .map(|i| &report.slots[i])
        };
        let mut answers = Vec::new();
        for (&seq, slot) in self.log.slots_above(last_executed) {
            let certificate = slot.committed.as_ref().and_then(|batch| {
                slot.commit_certificate(batch.digest(), quorum)
                    .map(|commits| (batch.clone(), commits))
            });
            match certificate {
                Some((batch, commits)) if !held(seq).is_some_and(|h| h.committed) => {
                    answers.push(Message::CommitCertificate { batch, commits });
                }
                Some(_) => {}
                None => self.own_messages(slot, true, held(seq), &mut answers),
            }
        }
        for message in answers {
            self.send(NodeId::Replica(j), message);
        }
    }

    /// A commit certificate: q signed COMMITs of one view for `(v, n, D(batch))` from distinct
    /// replicas prove the batch committed at n (at least f+1 honest replicas prepared it, so no
    /// other batch can commit there, §4.4), whatever this replica saw itself.
    pub(super) fn on_commit_certificate(&mut self, batch: Arc<Batch>, commits: Vec<SignedVote>) {
        let Some(first) = commits.first() else {
            return self.reject(Rejection::InvalidCertificate);
        };
        let vote = first.value().1;
        if vote.digest != batch.digest() {
            return self.reject(Rejection::DigestMismatch);
        }
        if !self.keys.authentic_batch(&batch) {
            return self.reject(Rejection::BadAuthentication);
        }
        if !self.log.within_watermarks(vote.seq) {
            return self.reject(Rejection::OutsideWatermarks);
        }
        if vote.seq <= self.last_executed {
            return self.reject(Rejection::AlreadyExecuted);
        }
        if self
            .log
            .slot(vote.seq)
            .is_some_and(|s| s.committed.is_some())
        {
            return self.reject(Rejection::Duplicate); // committed already
        }
        let mut signers = std::collections::BTreeSet::new();
        let valid = commits.iter().all(|c| {
            *c.value() == (VoteKind::Commit, vote)
                && signers.insert(c.signer())
                && self.keys.verify(c)
        });
        if !valid || signers.len() < self.cfg.quorum() {
            return self.reject(Rejection::InvalidCertificate);
        }
        let seq = vote.seq;
        let (n, quorum) = (self.cfg.n, self.cfg.quorum());
        let slot = self.log.slot_mut(seq);
        // The commits stay as evidence: without them this replica could not prove the batch
        // committed to a replica that missed the same commits (one a faulty replica never sent).
        // Proven, they replace their signers' other votes of that view.
        for commit in commits {
            let _ = slot.commits.add_proven(commit, n, quorum);
        }
        slot.committed = Some(batch.clone());
        self.stall.took_in();
        self.observe(Observation::Committed { seq, batch });
        self.try_execute();
    }

    pub(super) fn on_fetch_batch(
        &mut self,
        j: ReplicaId,
        seq: SeqNum,
        digest: super::message::Digest,
    ) {
        let committed = self
            .log
            .slot(seq)
            .and_then(|s| s.committed.clone())
            .filter(|b| b.digest() == digest);
        match committed {
            Some(batch) => self.send(NodeId::Replica(j), Message::Batch { seq, batch }),
            None => self.reject(Rejection::NotHeld),
        }
    }

    /// A batch fetched for a slot certified committed without it (`check_committed`).
    pub(super) fn on_batch(&mut self, seq: SeqNum, batch: Arc<Batch>) {
        let Some(slot) = self.log.slot(seq) else {
            return self.reject(Rejection::Unrequested);
        };
        let certified = slot
            .certified(self.cfg.quorum())
            .is_some_and(|(_, d)| d == batch.digest());
        if !certified {
            return self.reject(Rejection::Unrequested);
        }
        if slot.committed.is_some() {
            return self.reject(Rejection::Duplicate);
        }
        if !self.keys.authentic_batch(&batch) {
            return self.reject(Rejection::BadAuthentication);
        }
        self.log.slot_mut(seq).fetched = Some(batch);
        self.check_committed(seq);
    }

    // §4.3: CHECKPOINT(n, d, i) with the digest of the state after executing n.
    pub(super) fn checkpoint(&mut self, seq: SeqNum) {
        let cp = Checkpoint {
            seq,
            state: self.service.digest(),
        };
        self.log.keep_snapshot(seq, self.service.clone());
        let signed = self.keys.sign(cp);
        self.broadcast(Message::Checkpoint(signed.clone()));
        self.add_own_checkpoint(signed);
    }

    /// A CHECKPOINT, sent by its signer or forwarded as part of a stable checkpoint's proof:
    /// its signature, not the envelope, says whose it is.
    pub(super) fn on_checkpoint(&mut self, _j: ReplicaId, signed: Signed<Checkpoint>) {
        if !self.keys.verify(&signed) {
            return self.reject(Rejection::BadAuthentication);
        }
        match self.log.add_checkpoint(signed, self.cfg.quorum()) {
            Ok(Some(stable)) => self.install_stable(stable),
            Ok(None) => {}
            Err(reason) => self.reject(reason),
        }
    }

    /// Counts this replica's own CHECKPOINT (never below its stable checkpoint).
    pub(super) fn add_own_checkpoint(&mut self, signed: Signed<Checkpoint>) {
        if let Ok(Some(stable)) = self.log.add_checkpoint(signed, self.cfg.quorum()) {
            self.install_stable(stable);
        }
    }

    /// A checkpoint became stable (§4.3): garbage-collect, and fetch the state if this replica
    /// has not executed that far (state transfer).
    pub(super) fn install_stable(&mut self, stable: StableCheckpoint) {
        if stable.seq <= self.log.low() {
            return;
        }
        let seq = stable.seq;
        self.log.make_stable(stable);
        self.explain(Observation::CheckpointStable { seq });
        self.sequencer.skip_to(seq);
        if self.last_executed < seq {
            self.begin_state_transfer();
        } else {
            self.try_propose();
        }
    }

    pub(super) fn begin_state_transfer(&mut self) {
        let stable = self.log.stable();
        let candidates: Vec<ReplicaId> = stable
            .proof
            .iter()
            .map(Signed::signer)
            .filter(|&r| r != self.id)
            .collect();
        self.transfer.begin(stable.seq, stable.state, candidates);
        self.ask_for_state();
    }

    /// Asks the next replica that vouched for the stable checkpoint for its state.
    pub(super) fn ask_for_state(&mut self) {
        let Some((target, seq)) = self.transfer.next_target() else {
            return;
        };
        self.send(NodeId::Replica(target), Message::FetchState { seq });
        self.arm(TimerKind::Fetch, self.cfg.view_change_timeout_ns / 2);
    }

    pub(super) fn on_fetch_state(&mut self, j: ReplicaId, seq: SeqNum) {
        let Some(service) = self.log.snapshot(seq) else {
            return self.reject(Rejection::NotHeld);
        };
        let snapshot = Snapshot {
            seq,
            service: service.clone(),
        };
        self.send(NodeId::Replica(j), Message::State(Arc::new(snapshot)));
    }

    // State transfer: install a state only if it matches the digest q replicas vouched for.
    pub(super) fn on_state(&mut self, snapshot: Arc<Snapshot>) {
        let Some((seq, state)) = self.transfer.expected() else {
            return self.reject(Rejection::Unrequested);
        };
        let certified = snapshot.service.digest() == state;
        // Tests only: install whatever arrives, to show the oracle catching a wrong state.
        #[cfg(test)]
        let certified = certified || self.install_unchecked_states;
        if snapshot.seq != seq {
            return self.reject(Rejection::Unrequested);
        }
        if !certified {
            return self.reject(Rejection::DigestMismatch);
        }
        if self.last_executed >= snapshot.seq {
            return self.reject(Rejection::AlreadyExecuted);
        }
        self.transfer.finish();
        self.disarm(TimerKind::Fetch);
        self.service = snapshot.service.clone();
        self.last_executed = snapshot.seq;
        self.made_progress();
        self.log.keep_snapshot(snapshot.seq, self.service.clone());
        let mut last_timestamps = Vec::new();
        let clients: Vec<ClientId> = self
            .requests
            .clients()
            .chain(self.sequencer.assigned_clients())
            .collect();
        for client in clients {
            if let Some(last) = self.service.last_reply(client) {
                self.forget_request(client, last.timestamp);
            }
        }
        for (client, last) in self.service.reply_table() {
            last_timestamps.push((client, last.timestamp));
        }
        // §4.3: it holds the checkpoint now; say so, so that the others know it caught up.
        let signed = self.keys.sign(Checkpoint {
            seq: snapshot.seq,
            state: snapshot.service.digest(),
        });
        self.observe(Observation::StateTransferred {
            seq: snapshot.seq,
            last_timestamps,
            state: self.service.digest(),
            snapshot,
        });
        self.broadcast(Message::Checkpoint(signed.clone()));
        self.add_own_checkpoint(signed);
        self.try_execute();
    }
}
