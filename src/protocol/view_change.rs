//! View change (Castro & Liskov §4.4-4.5; TOCS'02 §4.4): VIEW-CHANGE and NEW-VIEW.
//!
//! When a backup's timer expires it moves to view v+1 and multicasts VIEW-CHANGE(v+1, n, C, P, i):
//! its stable checkpoint with the q signed CHECKPOINTs that prove it, and a prepared certificate
//! for every request prepared above it. The primary of v+1, holding q valid view-changes (V),
//! multicasts NEW-VIEW(v+1, V, O), where O re-issues, for every n in (min-s, max-s], the batch
//! prepared in the highest view, or the null request where no certificate names n. Backups
//! recompute O from V and reject a NEW-VIEW that differs. Liveness (§4.5.2): the new-view timer
//! starts once q view-changes are in (or q replicas are known to be changing to the view or
//! beyond: see `start_new_view_timer_beyond`) and doubles with each consecutive failure; a
//! replica joins a view change as soon as f+1 others ask for higher views.
//!
//! The checks and the computation of O are pure functions (table-tested in
//! `tests/view_change_core.rs`); the replica's part is a second `impl Replica`, whose state
//! (VIEW-CHANGEs held, failures in a row, buffered pre-prepares, the last NEW-VIEW) is owned
//! by `ViewChangeKeeper` (`view_change_keeper.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::auth::{Keyring, Signed, VoteKind};
use super::log::{Prepared, StableCheckpoint};
use super::message::{
    Batch, Checkpoint, Digest, NewView, PrePrepare, ReplicaId, SeqNum, View, ViewChange,
};
use super::rejection::Rejection;
use super::replica::{Mode, Replica};
use super::service::ServiceState;
use super::{Message, Observation, ReplicaConfig, TimerKind};

/// Why a VIEW-CHANGE or NEW-VIEW was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ViewChangeError {
    /// C does not prove the claimed stable checkpoint.
    #[error("checkpoint proof does not prove checkpoint {0}")]
    CheckpointProof(SeqNum),
    /// A certificate in P is malformed, forged or out of range.
    #[error("invalid prepared certificate at sequence number {0}")]
    PreparedProof(SeqNum),
    /// V is not q valid view-changes for the new view from distinct replicas.
    #[error("the view-change set V is not a valid quorum for view {0}")]
    ViewChangeSet(View),
    /// O differs from the recomputation from V.
    #[error("O does not match the pre-prepares recomputed from V")]
    Proposals,
}

/// What a new view starts from, computed from V (§4.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewViewPlan {
    /// min-s: the latest stable checkpoint in V.
    pub min_s: SeqNum,
    /// Its state digest.
    pub stable_state: Digest,
    /// Its proof.
    pub stable_proof: Vec<Signed<Checkpoint>>,
    /// For each n in (min-s, max-s], the batch to re-propose (null where none prepared).
    pub proposals: Vec<(SeqNum, Arc<Batch>)>,
}

/// Checks a VIEW-CHANGE's C and P (§4.4): C holds q signed matching CHECKPOINTs (or names the
/// initial state), and each certificate in P is a pre-prepare signed by its view's primary with
/// q-1 signed matching PREPAREs from distinct backups, in a view below the new one, above the
/// checkpoint and within the watermarks (at most the watermark span L above it, §4.3).
pub fn check_view_change(
    vc: &ViewChange,
    cfg: &ReplicaConfig,
    keys: &Keyring,
) -> Result<(), ViewChangeError> {
    let quorum = cfg.quorum();
    if vc.stable_seq == 0 {
        if vc.stable_state != ServiceState::initial_digest() {
            return Err(ViewChangeError::CheckpointProof(0));
        }
    } else {
        let expected = Checkpoint {
            seq: vc.stable_seq,
            state: vc.stable_state,
        };
        let signers: BTreeSet<ReplicaId> = vc
            .checkpoint_proof
            .iter()
            .filter(|c| *c.value() == expected && keys.verify(*c))
            .map(Signed::signer)
            .collect();
        if signers.len() < quorum {
            return Err(ViewChangeError::CheckpointProof(vc.stable_seq));
        }
    }
    let mut seen = BTreeSet::new();
    for proof in &vc.prepared {
        let vote = proof.vote();
        let primary = cfg.primary(vote.view);
        let bad = Err(ViewChangeError::PreparedProof(vote.seq));
        if proof.pre_prepare.value().0 != VoteKind::PrePrepare
            || proof.pre_prepare.signer() != primary
            || !keys.verify(&proof.pre_prepare)
            || vote.view >= vc.new_view
            || vote.seq <= vc.stable_seq
            || vote.seq > vc.stable_seq + cfg.watermark_span
            || proof.batch.digest() != vote.digest
            || !keys.authentic_batch(&proof.batch)
            || !seen.insert(vote.seq)
        {
            return bad;
        }
        let backups: BTreeSet<ReplicaId> = proof
            .prepares
            .iter()
            .filter(|p| {
                *p.value() == (VoteKind::Prepare, vote) && p.signer() != primary && keys.verify(*p)
            })
            .map(Signed::signer)
            .collect();
        #[cfg(feature = "planted-bug")]
        let quorum = super::planted::votes_needed(cfg.planted_bug, vote.view > 0, quorum);
        if backups.len() + 1 < quorum {
            return bad;
        }
    }
    Ok(())
}

/// Computes min-s, the stable checkpoint and O's batches from V (§4.4): for each n in
/// (min-s, max-s], the batch of the certificate with the highest view, or the null request.
/// Ties (two certificates of one view, possible only beyond f faults) go to the first in V.
pub fn plan_new_view(view_changes: &[&ViewChange]) -> NewViewPlan {
    let mut best: Option<&ViewChange> = None;
    for vc in view_changes {
        if best.is_none_or(|b| vc.stable_seq > b.stable_seq) {
            best = Some(vc);
        }
    }
    let (min_s, stable_state, stable_proof) = match best {
        Some(vc) => (vc.stable_seq, vc.stable_state, vc.checkpoint_proof.clone()),
        None => (0, ServiceState::initial_digest(), Vec::new()),
    };
    let mut chosen: BTreeMap<SeqNum, (View, Arc<Batch>)> = BTreeMap::new();
    for vc in view_changes {
        for proof in &vc.prepared {
            let vote = proof.vote();
            if vote.seq <= min_s {
                continue;
            }
            let higher = chosen.get(&vote.seq).is_none_or(|(v, _)| vote.view > *v);
            if higher {
                chosen.insert(vote.seq, (vote.view, proof.batch.clone()));
            }
        }
    }
    let max_s = chosen.keys().next_back().copied().unwrap_or(min_s);
    let proposals = (min_s + 1..=max_s)
        .map(|n| {
            let batch = chosen.get(&n).map_or_else(Batch::null, |(_, b)| b.clone());
            (n, batch)
        })
        .collect();
    NewViewPlan {
        min_s,
        stable_state,
        stable_proof,
        proposals,
    }
}

/// Checks a NEW-VIEW (§4.4): V is q valid VIEW-CHANGEs for its view from distinct replicas, and
/// O equals what V yields, each pre-prepare signed by the new primary.
pub fn check_new_view(
    new_view: &NewView,
    cfg: &ReplicaConfig,
    keys: &Keyring,
) -> Result<NewViewPlan, ViewChangeError> {
    let view = new_view.view;
    let mut senders = BTreeSet::new();
    let mut valid = Vec::new();
    for signed in &new_view.view_changes {
        let vc = signed.value();
        if vc.new_view == view
            && keys.verify(signed.as_ref())
            && senders.insert(signed.signer())
            && check_view_change(vc, cfg, keys).is_ok()
        {
            valid.push(vc);
        }
    }
    if valid.len() != new_view.view_changes.len() || valid.len() < cfg.quorum() {
        return Err(ViewChangeError::ViewChangeSet(view));
    }
    let plan = plan_new_view(&valid);
    let primary = cfg.primary(view);
    let matches = plan.proposals.len() == new_view.pre_prepares.len()
        && plan
            .proposals
            .iter()
            .zip(&new_view.pre_prepares)
            .all(|((seq, batch), pp)| {
                let vote = pp.vote();
                vote.view == view
                    && vote.seq == *seq
                    && vote.digest == batch.digest()
                    && pp.batch.digest() == batch.digest()
                    && pp.signed.signer() == primary
                    && pp.signed.value().0 == VoteKind::PrePrepare
                    && keys.verify(&pp.signed)
            });
    if matches {
        Ok(plan)
    } else {
        Err(ViewChangeError::Proposals)
    }
}

impl Replica {
    /// The view-change timer fired: a request waited too long (normal case), or the new view
    /// did not start in time (view change); move to the next view (§4.4, §4.5.2).
    pub(super) fn on_view_change_timeout(&mut self) {
        if !self.cfg.view_change {
            return self.reject(Rejection::Unexpected); // view change is off
        }
        // The last view change failed if no new view came, or the new view executed nothing.
        self.view_changes
            .timer_fired(self.mode == Mode::ViewChanging);
        self.start_view_change(self.view + 1);
    }

    /// Moves to `new_view` and multicasts VIEW-CHANGE(new_view, n, C, P, i).
    pub(super) fn start_view_change(&mut self, new_view: View) {
        if new_view <= self.view || !self.cfg.view_change {
            return;
        }
        #[cfg(feature = "planted-bug")]
        {
            self.short_view = self.planted_short_view(new_view);
        }
        self.view = new_view;
        self.mode = Mode::ViewChanging;
        self.disarm(TimerKind::ViewChange);
        self.disarm(TimerKind::Batch);
        // Waiting for NEW-VIEW from now on: check at the idle period (`keep_status_timer`).
        self.disarm(TimerKind::Status);
        self.stall.reset_backoff();
        let queued = self.sequencer.leave_view();
        self.requests.take_over(queued);
        let stable = self.log.stable().clone();
        let prepared = self
            .log
            .slots()
            .filter_map(|(_, slot)| slot.prepared.as_ref().map(Prepared::proof))
            .collect();
        let vc = ViewChange {
            new_view,
            stable_seq: stable.seq,
            stable_state: stable.state,
            checkpoint_proof: stable.proof,
            prepared,
        };
        let signed = Arc::new(self.keys.sign(vc));
        self.broadcast(Message::ViewChange(signed.clone()));
        self.view_changes.record_own(new_view, self.id, signed);
        self.check_view_change_quorum();
    }

    pub(super) fn on_view_change(&mut self, j: ReplicaId, signed: Arc<Signed<ViewChange>>) {
        if !self.cfg.view_change {
            return self.reject(Rejection::Unexpected); // view change is off
        }
        if signed.signer() != j {
            return self.reject(Rejection::WrongSigner);
        }
        if !self.keys.verify(signed.as_ref()) {
            return self.reject(Rejection::BadAuthentication);
        }
        let asked = signed.value().new_view;
        // A VIEW-CHANGE for a view we entered has usually just crossed its NEW-VIEW: it is not
        // sent again here. A replica that really missed it says so in its STATUS (it is still
        // changing views), and `on_status` hands the NEW-VIEW on.
        if asked < self.view || (asked == self.view && self.mode == Mode::Normal) {
            return self.reject(Rejection::OldView);
        }
        if self.view_changes.holds(asked, j) {
            return self.reject(Rejection::Duplicate);
        }
        if check_view_change(signed.value(), &self.cfg, &self.keys).is_err() {
            return self.reject(Rejection::InvalidCertificate);
        }
        // Kept with that sender's latest few only, so that a faulty one cannot fill memory.
        self.view_changes.record(asked, j, signed);
        // §4.5.2: f+1 other replicas ask for higher views: join, for the smallest of them.
        let f = self.cfg.f as usize;
        if let Some(smallest) = self.view_changes.join_target(self.view, self.id, f) {
            self.start_view_change(smallest);
        }
        self.check_view_change_quorum();
    }

    /// With q view-changes for the view being entered: start the new-view timer (doubling with
    /// each consecutive failure) and, as its primary, send NEW-VIEW. Short of q for this view,
    /// the timer also starts once q replicas are known to be changing to it or beyond (see
    /// `start_new_view_timer_beyond`).
    fn check_view_change_quorum(&mut self) {
        if self.mode != Mode::ViewChanging {
            return;
        }
        let view = self.view;
        let vcs = self.view_changes.for_view(view);
        if vcs.len() < self.cfg.quorum() {
            return self.start_new_view_timer_beyond(view);
        }
        if !self.timers.is_armed(TimerKind::ViewChange) {
            self.arm(TimerKind::ViewChange, self.view_change_timeout_ns());
        }
        if self.cfg.primary(view) != self.id {
            return;
        }
        let plan = plan_new_view(&vcs.iter().map(|s| s.value()).collect::<Vec<_>>());
        let pre_prepares: Vec<PrePrepare> = plan
            .proposals
            .iter()
            .map(|(seq, batch)| self.make_pre_prepare(*seq, batch.clone()))
            .collect();
        let new_view = Arc::new(self.keys.sign(NewView {
            view,
            view_changes: vcs,
            pre_prepares: pre_prepares.clone(),
        }));
        self.broadcast(Message::NewView(new_view.clone()));
        self.view_changes.set_last_new_view(new_view);
        self.enter_view(plan, pre_prepares);
    }

    /// §4.5.2 starts the new-view timer once a replica holds 2f+1 VIEW-CHANGEs for the view it
    /// is entering, so as not to move on "too soon", before the others have joined; the
    /// liveness argument then needs every correct replica to get there. It does not when
    /// correct replicas split across two views: a replica that joined v+1 by the f+1 rule, or
    /// came back from a crash into it, never sends VIEW-CHANGE for v, so a replica still at v
    /// whose faulty peers are silent towards it holds fewer than 2f+1 for v, never starts its
    /// timer, and sees too few correct replicas at v+1 (at most f) to join them; those at v+1
    /// hold fewer than 2f+1 for v+1 without it. Nobody's timer runs, no view forms, for ever.
    /// A VIEW-CHANGE for a view above v shows that its sender has left every view below, v
    /// included: 2f+1 distinct replicas changing to v or beyond are as many as the paper waits
    /// for (at least f+1 of them correct), so the timer starts; when it fires this replica
    /// moves to v+1 with a doubled timeout, as after any failed view change, and the correct
    /// replicas meet in one view. Acts only short of 2f+1 for v itself (the paper's case is
    /// unchanged) and with the timer not already running.
    fn start_new_view_timer_beyond(&mut self, view: View) {
        if self.timers.is_armed(TimerKind::ViewChange) {
            return;
        }
        if self.view_changes.changing_to_or_beyond(view) >= self.cfg.quorum() {
            self.arm(TimerKind::ViewChange, self.view_change_timeout_ns());
        }
    }

    pub(super) fn on_new_view(&mut self, signed: Arc<Signed<NewView>>) {
        let new_view = signed.value();
        let view = new_view.view;
        if !self.cfg.view_change {
            return self.reject(Rejection::Unexpected); // view change is off
        }
        if view < self.view || (view == self.view && self.mode == Mode::Normal) {
            return self.reject(Rejection::OldView);
        }
        if signed.signer() != self.cfg.primary(view) {
            return self.reject(Rejection::NotPrimary);
        }
        if !self.keys.verify(signed.as_ref()) {
            return self.reject(Rejection::BadAuthentication);
        }
        match check_new_view(new_view, &self.cfg, &self.keys) {
            Ok(plan) => {
                self.view = view;
                let pre_prepares = new_view.pre_prepares.clone();
                self.view_changes.set_last_new_view(signed.clone());
                self.enter_view(plan, pre_prepares);
            }
            // §4.4: a NEW-VIEW that does not check out means a faulty primary: move on.
            Err(_) => {
                self.reject(Rejection::InvalidCertificate);
                self.start_view_change(view + 1);
            }
        }
    }

    /// Enters `self.view` in normal operation with the NEW-VIEW's checkpoint and O.
    fn enter_view(&mut self, plan: NewViewPlan, pre_prepares: Vec<PrePrepare>) {
        let view = self.view;
        self.mode = Mode::Normal;
        self.disarm(TimerKind::ViewChange);
        let buffered = self.view_changes.enter(view);
        // PREPAREs of earlier views are of no more use (prepared certificates are kept apart).
        for (_, slot) in self.log.slots_mut() {
            slot.prepares.prune_below(view);
        }
        let max_s = pre_prepares
            .last()
            .map_or(plan.min_s, |pp| pp.vote().seq)
            .max(plan.min_s);
        let reproposed = pre_prepares
            .iter()
            .map(|pp| (pp.vote().seq, pp.batch.requests()));
        self.sequencer
            .enter_view(max_s.max(self.log.low()), reproposed);
        self.observe(Observation::ViewEntered { view });
        if plan.min_s > self.log.low() {
            self.install_stable(StableCheckpoint {
                seq: plan.min_s,
                state: plan.stable_state,
                proof: plan.stable_proof,
            });
        }
        // Not inputs: those the log does not take (below a checkpoint just installed, or a
        // buffered copy of one of O's) are not refusals of the NEW-VIEW.
        for pp in pre_prepares {
            let _ = self.accept_pre_prepare(pp);
        }
        for pp in buffered {
            let _ = self.accept_pre_prepare(pp);
        }
        if self.is_primary() {
            for (key, request) in self.requests.take_all() {
                self.sequencer.adopt(key, request);
            }
            self.try_propose();
        } else {
            self.restart_request_timer(false);
        }
    }
}
