//! An honest PBFT replica (Castro & Liskov §4.2-4.4; TOCS'02 §5-6): its identity, parameters,
//! view and mode, message log and service state, and the dispatch of `handle(Input) ->
//! Vec<Action>`, with the normal case here (requests §4.1, pre-prepare, prepare and commit
//! §4.2, execution). The rest is split by what owns the state:
//!
//! - `log.rs` (`Log`, `Slot`): slots within the watermarks, votes (`vote_keeper.rs`), the
//!   stable checkpoint and the checkpoint states (§4.2-4.3);
//! - `sequencer.rs` (`Sequencer`): the primary's ordering and batching (§4.2, TOCS'02 §5.1);
//! - `request_tracker.rs` (`RequestTracker`): requests waited for by the view-change timer
//!   (§4.4);
//! - `view_change_keeper.rs` (`ViewChangeKeeper`): VIEW-CHANGEs, failures in a row, buffered
//!   pre-prepares and the last NEW-VIEW (§4.4-4.5); the protocol steps are in `view_change.rs`;
//! - `state_transfer.rs` (`StateTransfer`) and `stall.rs` (`StallDetector`): catching up
//!   (§4.3, TOCS'02 §5.2, §6.2); the protocol steps are in `catch_up.rs`;
//! - `timers.rs` (`Timers`): the live setting of each of the replica's timers;
//! - `read_only.rs`, `tentative.rs` (`TentativeRun`) and `unreplicated.rs`: the paper's
//!   read-only and tentative execution (OSDI'99 §5.1) and the unreplicated baseline.
//!
//! A replica's messages to itself never cross the network: its own PREPARE, COMMIT,
//! CHECKPOINT and VIEW-CHANGE are counted directly, at once. Byzantine input is data: anything
//! malformed, unauthenticated or out of place is dropped and the replica goes on, saying why
//! with one `Observation::Rejected` (`rejection.rs`): each handler checks in order and reports
//! the first reason that refuses the input.

use std::sync::Arc;

use super::auth::{Keyring, VoteKind};
use super::log::{Log, Prepared, StableCheckpoint};
use super::message::{
    Batch, ClientId, Message, NodeId, PrePrepare, ReplicaId, Reply, Request, SeqNum, SignedVote,
    Timestamp, View, Vote,
};
use super::rejection::Rejection;
use super::request_tracker::RequestTracker;
use super::sequencer::{Proposal, Sequencer};
use super::service::{Execution, ServiceState};
use super::stall::{StallDetector, StatusPeriods, StatusTimer};
use super::state_transfer::StateTransfer;
use super::tentative::TentativeRun;
use super::timers::Timers;
use super::view_change_keeper::ViewChangeKeeper;
use super::vote_keeper::Votes;
use super::{Action, Input, Observation, ReplicaConfig, Timer, TimerKind};

/// A replica's mode: normal operation in its view, or changing to it (§4.4: while changing,
/// only CHECKPOINT, VIEW-CHANGE and NEW-VIEW count).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Processing requests in the replica's view.
    Normal,
    /// Waiting for the NEW-VIEW of the replica's view.
    ViewChanging,
}

/// An honest replica.
#[derive(Debug)]
pub struct Replica {
    pub(super) id: ReplicaId,
    pub(super) cfg: ReplicaConfig,
    pub(super) keys: Keyring,
    /// The current view (the target view while changing views).
    pub(super) view: View,
    pub(super) mode: Mode,
    pub(super) log: Log,
    /// The committed service state.
    pub(super) service: ServiceState,
    pub(super) last_executed: SeqNum,
    /// With tentative execution: the batches executed once prepared and not yet committed,
    /// and the state they left (`tentative.rs`).
    pub(super) tentative: Option<TentativeRun>,
    /// As primary: requests waiting for a sequence number, and those assigned one.
    pub(super) sequencer: Sequencer,
    /// Requests known and not yet executed; the view-change timer runs while there are some.
    pub(super) requests: RequestTracker,
    pub(super) view_changes: ViewChangeKeeper,
    pub(super) transfer: StateTransfer,
    pub(super) stall: StallDetector,
    pub(super) timers: Timers,
    /// The actions of the input being handled.
    pub(super) out: Vec<Action>,
    /// Whether the replica reports its protocol steps and cancelled timers
    /// ([`Replica::set_explaining`]).
    pub(super) explaining: bool,
    /// While not explaining: the input's rejection, set aside for the simulator to count
    /// ([`Replica::take_rejection`]) instead of returned as an action.
    pub(super) rejection: Option<Rejection>,
    /// Tests only: skip the state-transfer digest check (`catch_up.rs`, `on_state`), so that a
    /// test can make an honest replica install a wrong state and watch the oracle report it.
    #[cfg(test)]
    pub(crate) install_unchecked_states: bool,
    /// The view in which the planted bug makes this replica count certificates one vote
    /// short (`planted::PlantedBug`), if any.
    #[cfg(feature = "planted-bug")]
    pub(super) short_view: Option<View>,
}

impl Replica {
    /// A replica in view 0 with the initial state.
    pub fn new(id: ReplicaId, cfg: ReplicaConfig, keys: Keyring) -> Replica {
        let service = ServiceState::default();
        Replica {
            id,
            log: Log::new(cfg.watermark_span, &service),
            cfg,
            keys,
            view: 0,
            mode: Mode::Normal,
            service,
            last_executed: 0,
            tentative: None,
            sequencer: Sequencer::default(),
            requests: RequestTracker::default(),
            view_changes: ViewChangeKeeper::default(),
            transfer: StateTransfer::default(),
            stall: StallDetector::default(),
            timers: Timers::default(),
            out: Vec::new(),
            explaining: true,
            rejection: None,
            #[cfg(test)]
            install_unchecked_states: false,
            #[cfg(feature = "planted-bug")]
            short_view: None,
        }
    }

    // What a byzantine behaviour may read of the replica it wraps (`adversary::Context`): a
    // few values, none of the log's or the components' internals.

    /// This replica's id.
    pub fn id(&self) -> ReplicaId {
        self.id
    }

    /// The current view (the target view while changing views).
    pub fn view(&self) -> View {
        self.view
    }

    /// Normal operation or view change.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether this replica is the primary of its current view.
    pub fn is_primary(&self) -> bool {
        self.cfg.primary(self.view) == self.id
    }

    /// The parameters (n, f, timeouts, ...).
    pub fn config(&self) -> &ReplicaConfig {
        &self.cfg
    }

    /// This replica's keyring (signs only as this replica).
    pub fn keyring(&self) -> &Keyring {
        &self.keys
    }

    /// The last sequence number executed.
    pub fn last_executed(&self) -> SeqNum {
        self.last_executed
    }

    /// The low watermark h: the last stable checkpoint's sequence number (§4.3).
    pub fn low_watermark(&self) -> SeqNum {
        self.log.low()
    }

    /// The high watermark H = h + L, L the watermark span (`log_window`, §4.3).
    pub fn high_watermark(&self) -> SeqNum {
        self.log.high()
    }

    /// The last stable checkpoint: its sequence number, state digest and proof (§4.3), as a
    /// VIEW-CHANGE carries it.
    pub fn stable_checkpoint(&self) -> &StableCheckpoint {
        self.log.stable()
    }

    /// Whether to report, besides what the oracle and the metrics need, every protocol step
    /// (`PrePrepared`, `Prepared`, `CheckpointStable`), cancelled timer and rejection as an
    /// observation (the default). The simulator turns it off when no trace is written: a
    /// rejection is then set aside instead ([`Replica::take_rejection`]; a trial's row counts
    /// it), and nothing else changes.
    pub fn set_explaining(&mut self, explaining: bool) {
        self.explaining = explaining;
    }

    /// While not explaining: the rejection of the last input handled, if it was refused, taken
    /// out (the next input starts with none). A second rejection of one input, if any, is
    /// returned as an `Observation::Rejected` action, so none is lost.
    pub fn take_rejection(&mut self) -> Option<Rejection> {
        self.rejection.take()
    }

    /// Handles one input and returns the actions it causes.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        if self.cfg.unreplicated {
            self.serve_unreplicated(input);
            return std::mem::take(&mut self.out);
        }
        match input {
            Input::Start => {}
            Input::Message { from, message } => self.on_message(from, message),
            Input::Timeout(timer) => self.on_timeout(timer),
            Input::Recover => self.on_recover(),
        }
        self.keep_status_timer();
        std::mem::take(&mut self.out)
    }

    /// TOCS'02 §5.2: after each input, sets, keeps or stops the status timer as the stall
    /// detector says (`stall.rs`), so that it fires only while execution stands still.
    fn keep_status_timer(&mut self) {
        let armed = self.timers.is_armed(TimerKind::Status);
        let periods = StatusPeriods {
            open_slot_ns: self.cfg.status_period_ns,
            idle_ns: self.cfg.view_change_timeout_ns / 2,
        };
        // A copy, so that the detector can ask the replica what it needs only when it does.
        let mut stall = self.stall;
        let plan = stall.after_input(
            self.last_executed,
            armed,
            || self.has_open_slot(),
            || self.unfinished(),
            periods,
        );
        self.stall = stall;
        match plan {
            StatusTimer::Leave => {}
            StatusTimer::Stop => self.disarm(TimerKind::Status),
            StatusTimer::Set(period) => self.arm(TimerKind::Status, period),
        }
    }

    /// Whether, in normal operation, this replica holds a slot above its last executed
    /// sequence number: protocol messages for it are in flight, or were lost.
    pub(super) fn has_open_slot(&self) -> bool {
        self.mode == Mode::Normal
            && self
                .log
                .last_slot()
                .is_some_and(|seq| seq > self.last_executed)
    }

    /// Whether this replica knows of work it has not finished: requests waiting, slots above
    /// its last executed sequence number, a state transfer under way, a view change, executed
    /// requests not yet covered by a stable checkpoint, or a stable checkpoint some replica is
    /// not known to hold (others may lack them, and learn so from its STATUS).
    pub(super) fn unfinished(&self) -> bool {
        self.mode == Mode::ViewChanging
            || self.last_executed > self.log.low()
            || !self.log.stable_held_by_all(self.cfg.n)
            || !self.requests.is_empty()
            || self.sequencer.has_pending()
            || self.transfer.is_active()
            || self
                .log
                .last_slot()
                .is_some_and(|seq| seq > self.last_executed)
    }

    fn on_message(&mut self, from: NodeId, message: Message) {
        let j = match from {
            NodeId::Replica(j) => j,
            NodeId::Client(_) => {
                // Clients only send requests; anything else from a client is refused.
                match message {
                    Message::Request(request) => self.on_request(from, request),
                    _ => self.reject(Rejection::Unexpected),
                }
                return;
            }
        };
        match message {
            Message::Request(request) => self.on_request(from, request),
            Message::PrePrepare(pp) => self.on_pre_prepare(j, pp),
            Message::Prepare(signed) => self.on_prepare(j, signed),
            Message::Commit(signed) => self.on_commit(j, signed),
            Message::CommitCertificate { batch, commits } => {
                self.on_commit_certificate(batch, commits)
            }
            Message::Checkpoint(signed) => self.on_checkpoint(j, signed),
            Message::ViewChange(signed) => self.on_view_change(j, signed),
            Message::NewView(new_view) => self.on_new_view(new_view),
            Message::FetchState { seq } => self.on_fetch_state(j, seq),
            Message::State(snapshot) => self.on_state(snapshot),
            Message::FetchBatch { seq, digest } => self.on_fetch_batch(j, seq, digest),
            Message::Batch { seq, batch } => self.on_batch(seq, batch),
            Message::Status(report) => self.on_status(j, report),
            Message::Reply(_) => self.reject(Rejection::Unexpected), // replicas take no replies
        }
    }

    fn on_timeout(&mut self, timer: Timer) {
        if matches!(
            timer.kind,
            TimerKind::Retransmit | TimerKind::Arrival | TimerKind::Think | TimerKind::Behaviour(_)
        ) {
            // Not a replica's timer (a behaviour's wrapper takes its own).
            return self.reject(Rejection::Unexpected);
        }
        if !self.timers.fires(timer) {
            return self.reject(Rejection::StaleTimer);
        }
        match timer.kind {
            TimerKind::Batch => {
                self.sequencer.release_partial_batch();
                self.try_propose();
            }
            TimerKind::ViewChange => self.on_view_change_timeout(),
            TimerKind::Fetch => self.ask_for_state(),
            TimerKind::Status => self.on_status_timeout(),
            TimerKind::Retransmit
            | TimerKind::Arrival
            | TimerKind::Think
            | TimerKind::Behaviour(_) => {}
        }
    }

    /// Arms the timer `kind` anew (any earlier setting becomes stale) for `after_ns`.
    pub(super) fn arm(&mut self, kind: TimerKind, after_ns: u64) {
        let set = self.timers.arm(kind, after_ns);
        self.out.push(set);
    }

    /// Disarms a timer: its pending firing becomes stale (reported if it was armed: a real
    /// cancellation).
    pub(super) fn disarm(&mut self, kind: TimerKind) {
        if self.timers.is_armed(kind) {
            self.explain(Observation::TimerCancelled { kind });
        }
        self.timers.disarm(kind);
    }

    pub(super) fn broadcast(&mut self, message: Message) {
        self.out.push(Action::Broadcast(message));
    }

    pub(super) fn send(&mut self, to: NodeId, message: Message) {
        self.out.push(Action::Send { to, message });
    }

    /// REPLY(v, t, c, i, r) to `client` (§4.1): the result `result` of its request `timestamp`,
    /// after committed execution (or from the reply cache).
    pub(super) fn reply(&mut self, client: ClientId, timestamp: Timestamp, result: u64) {
        let reply = Reply {
            view: self.view,
            timestamp,
            result,
            tentative: false,
        };
        self.send(NodeId::Client(client), Message::Reply(reply));
    }

    pub(super) fn observe(&mut self, observation: Observation) {
        self.out.push(Action::Observe(observation));
    }

    /// Reports that the input being handled is refused, and why (at most once per input: the
    /// handlers return right after).
    /// Not explaining, the first is set aside, with no action (`take_rejection`): refusing
    /// honest traffic (a late COMMIT, a stale timer) then costs no allocation.
    pub(super) fn reject(&mut self, reason: Rejection) {
        if !self.explaining && self.rejection.is_none() {
            self.rejection = Some(reason);
        } else {
            self.observe(Observation::Rejected(reason));
        }
    }

    /// Reports `observation` if the replica is explaining itself (`set_explaining`).
    pub(super) fn explain(&mut self, observation: Observation) {
        if self.explaining {
            self.out.push(Action::Observe(observation));
        }
    }

    // §4.1: a request. Executed already: reply again. Primary: order it. Backup: relay it to the
    // primary and start waiting for it to execute (the view-change timer).
    fn on_request(&mut self, from: NodeId, request: Request) {
        if !self.keys.authentic(&request) {
            // §4.1: only requests their client authenticated count, relayed or not.
            return self.reject(Rejection::BadAuthentication);
        }
        if let Some(last) = self.service.last_reply(request.client()) {
            if request.timestamp() < last.timestamp {
                return self.reject(Rejection::StaleTimestamp);
            }
            if request.timestamp() == last.timestamp {
                self.reply(request.client(), last.timestamp, last.result);
                return;
            }
        }
        if request.shape().read_only {
            // OSDI'99 §5.1: executed at once, never ordered (`read_only.rs`).
            return self.on_read_only(from, request);
        }
        let key = (request.client(), request.timestamp());
        let from_client = matches!(from, NodeId::Client(_));
        if from_client {
            // A client that reached us directly is retransmitting: resend what we said about it.
            self.retransmit_votes_for(key);
        }
        if self.mode == Mode::Normal && self.is_primary() {
            if self.sequencer.enqueue(request) {
                self.try_propose();
            } else {
                self.reject(Rejection::Duplicate); // queued or assigned already
            }
            return;
        }
        if !from_client {
            // Backups relay their clients' requests; one relayed to a backup is not taken.
            return self.reject(match self.mode {
                Mode::ViewChanging => Rejection::ViewChanging,
                Mode::Normal => Rejection::Unexpected,
            });
        }
        if self.mode == Mode::Normal {
            let primary = self.cfg.primary(self.view);
            self.send(NodeId::Replica(primary), Message::Request(request));
        }
        self.wait_for(request);
    }

    /// Starts waiting for `request` to execute (§4.4: the view-change timer).
    pub(super) fn wait_for(&mut self, request: Request) {
        if !self.cfg.view_change || (self.is_primary() && self.mode == Mode::Normal) {
            return;
        }
        self.requests.wait_for(request);
        if self.mode == Mode::Normal && !self.timers.is_armed(TimerKind::ViewChange) {
            self.arm(TimerKind::ViewChange, self.view_change_timeout_ns());
        }
    }

    /// Primary (§4.2, batching TOCS'02 §5.1): assign sequence numbers to pending requests, up to
    /// `batch_size` per pre-prepare, at most `max_in_flight` above the last executed sequence
    /// number and not above the high watermark.
    pub(super) fn try_propose(&mut self) {
        while self.mode == Mode::Normal && self.is_primary() {
            let limit = self
                .log
                .high()
                .min(self.last_executed + self.cfg.max_in_flight);
            let (seq, requests) = match self.sequencer.next(limit, self.cfg.batch_size) {
                Proposal::Nothing => break,
                Proposal::NoRoom => return,
                Proposal::Hold => {
                    if !self.timers.is_armed(TimerKind::Batch) {
                        self.arm(TimerKind::Batch, self.cfg.batch_timeout_ns);
                    }
                    return;
                }
                Proposal::Batch { seq, requests } => (seq, requests),
            };
            let pp = self.make_pre_prepare(seq, Batch::new(requests));
            let vote = pp.vote();
            self.explain(Observation::PrePrepared {
                view: vote.view,
                seq,
                digest: vote.digest,
            });
            self.log.slot_mut(seq).pre_prepare = Some(pp.clone());
            self.log.slot_mut(seq).voted_prepare = Some(self.view);
            self.broadcast(Message::PrePrepare(pp));
            self.check_prepared(seq);
        }
        if !self.sequencer.has_pending() && self.timers.is_armed(TimerKind::Batch) {
            self.disarm(TimerKind::Batch);
        }
    }

    pub(super) fn make_pre_prepare(&self, seq: SeqNum, batch: Arc<Batch>) -> PrePrepare {
        let vote = Vote {
            view: self.view,
            seq,
            digest: batch.digest(),
        };
        PrePrepare {
            signed: self.keys.sign((VoteKind::PrePrepare, vote)),
            batch,
        }
    }

    // §4.2: a backup accepts a pre-prepare if it is the primary's, in its view, inside the
    // watermarks, with the right digest, and it has not accepted another for (v, n).
    fn on_pre_prepare(&mut self, j: ReplicaId, pp: PrePrepare) {
        let vote = pp.vote();
        if pp.signed.signer() != j {
            return self.reject(Rejection::WrongSigner);
        }
        if pp.signed.value().0 != VoteKind::PrePrepare {
            return self.reject(Rejection::WrongVoteKind);
        }
        if !self.keys.verify(&pp.signed) {
            return self.reject(Rejection::BadAuthentication);
        }
        if vote.digest != pp.batch.digest() {
            return self.reject(Rejection::DigestMismatch);
        }
        if j != self.cfg.primary(vote.view) {
            return self.reject(Rejection::NotPrimary);
        }
        if j == self.id {
            return self.reject(Rejection::Unexpected); // its own, back from the network
        }
        if !self.keys.authentic_batch(&pp.batch) {
            return self.reject(Rejection::BadAuthentication);
        }
        if vote.view > self.view || (vote.view == self.view && self.mode != Mode::Normal) {
            // Kept for the view it is for: not a refusal, unless there is no room left.
            let room = self.cfg.watermark_span as usize;
            if !self.view_changes.buffer(j, pp, room) {
                self.reject(Rejection::BufferFull);
            }
            return;
        }
        if vote.view < self.view {
            return self.reject(Rejection::OldView);
        }
        if let Err(reason) = self.accept_pre_prepare(pp) {
            self.reject(reason);
        }
    }

    /// Logs a pre-prepare of the current view and prepares it (backups), §4.2; or says why it
    /// is not logged (for the caller to report if it refuses an input).
    pub(super) fn accept_pre_prepare(&mut self, pp: PrePrepare) -> Result<(), Rejection> {
        let vote = pp.vote();
        if !self.log.within_watermarks(vote.seq) {
            return Err(Rejection::OutsideWatermarks);
        }
        let primary = self.is_primary();
        let slot = self.log.slot_mut(vote.seq);
        // At most one pre-prepare per (v, n): the same one again is a duplicate.
        if let Some(old) = slot
            .pre_prepare
            .as_ref()
            .filter(|old| old.vote().view == vote.view)
        {
            return Err(if old.vote().digest == vote.digest {
                Rejection::Duplicate
            } else {
                Rejection::ConflictingPrePrepare
            });
        }
        let requests: Vec<Request> = pp.batch.requests().to_vec();
        slot.pre_prepare = Some(pp);
        if self.explaining {
            self.out.push(Action::Observe(Observation::PrePrepared {
                view: vote.view,
                seq: vote.seq,
                digest: vote.digest,
            }));
        }
        self.stall.took_in();
        if primary {
            slot.voted_prepare = Some(vote.view);
        } else {
            let signed = self.keys.sign((VoteKind::Prepare, vote));
            slot.voted_prepare = Some(vote.view);
            // Never refused: its own first vote in this view.
            let _ = slot
                .prepares
                .add(signed.clone(), self.cfg.n, self.cfg.quorum());
            self.broadcast(Message::Prepare(signed));
            for request in requests {
                if self
                    .service
                    .last_reply(request.client())
                    .is_none_or(|l| l.timestamp < request.timestamp())
                {
                    self.wait_for(request);
                }
            }
        }
        self.check_prepared(vote.seq);
        self.check_committed(vote.seq);
        Ok(())
    }

    fn on_prepare(&mut self, j: ReplicaId, signed: SignedVote) {
        let (kind, vote) = *signed.value();
        if signed.signer() != j {
            return self.reject(Rejection::WrongSigner);
        }
        if kind != VoteKind::Prepare {
            return self.reject(Rejection::WrongVoteKind);
        }
        if j == self.cfg.primary(vote.view) {
            return self.reject(Rejection::FromPrimary);
        }
        if vote.view < self.view {
            return self.reject(Rejection::OldView);
        }
        if !self.log.within_watermarks(vote.seq) {
            return self.reject(Rejection::OutsideWatermarks);
        }
        if !self.keys.verify(&signed) {
            return self.reject(Rejection::BadAuthentication);
        }
        let (n, quorum) = (self.cfg.n, self.cfg.quorum());
        // Refused: an equivocation, or a sender with votes in more views than are kept.
        if let Err(refused) = self.log.slot_mut(vote.seq).prepares.add(signed, n, quorum) {
            return self.reject(refused.rejection());
        }
        self.stall.took_in();
        self.check_prepared(vote.seq);
    }

    // §4.2 prepared(m, v, n, i): the pre-prepare plus q-1 matching PREPAREs from distinct
    // backups (2f when n = 3f+1); then multicast COMMIT.
    pub(super) fn check_prepared(&mut self, seq: SeqNum) {
        if self.mode != Mode::Normal {
            return;
        }
        let view = self.view;
        let needed = self.cfg.quorum() - 1;
        #[cfg(feature = "planted-bug")]
        let needed = super::planted::votes_needed(
            self.cfg.planted_bug,
            self.short_view == Some(view),
            needed,
        );
        let Some(slot) = self.log.slot(seq) else {
            return;
        };
        let Some(pp) = slot
            .pre_prepare
            .as_ref()
            .filter(|pp| pp.vote().view == view)
        else {
            return;
        };
        if slot.committed_in(view) {
            return;
        }
        let vote = pp.vote();
        let Some(prepares) = slot.prepares.get(&(view, vote.digest)) else {
            if needed > 0 {
                return;
            }
            return self.prepared(seq, None);
        };
        if prepares.len() < needed {
            return;
        }
        let proof = Some(prepares.clone());
        self.prepared(seq, proof);
    }

    fn prepared(&mut self, seq: SeqNum, prepares: Option<Votes>) {
        let slot = self.log.slot_mut(seq);
        let Some(pp) = slot.pre_prepare.clone() else {
            return;
        };
        let vote = pp.vote();
        slot.prepared = Some(Prepared {
            pre_prepare: pp.signed,
            batch: pp.batch,
            prepares,
        });
        let signed = self.keys.sign((VoteKind::Commit, vote));
        slot.record_commit(signed.clone(), self.cfg.n, self.cfg.quorum());
        self.explain(Observation::Prepared {
            view: vote.view,
            seq,
            digest: vote.digest,
        });
        self.broadcast(Message::Commit(signed));
        self.check_committed(seq);
        self.try_execute_tentatively();
    }

    // Commits count in any view: q matching COMMITs certify the batch (at least f+1 honest
    // replicas prepared it, so no other batch can commit at n, §4.4 invariant).
    fn on_commit(&mut self, j: ReplicaId, signed: SignedVote) {
        let (kind, vote) = *signed.value();
        if signed.signer() != j {
            return self.reject(Rejection::WrongSigner);
        }
        if kind != VoteKind::Commit {
            return self.reject(Rejection::WrongVoteKind);
        }
        if !self.log.within_watermarks(vote.seq) {
            return self.reject(Rejection::OutsideWatermarks);
        }
        if vote.seq <= self.last_executed {
            return self.reject(Rejection::AlreadyExecuted); // a late commit: normal
        }
        if !self.keys.verify(&signed) {
            return self.reject(Rejection::BadAuthentication);
        }
        let (n, quorum) = (self.cfg.n, self.cfg.quorum());
        // Refused: an equivocation, or a sender with votes in more views than are kept.
        if let Err(refused) = self.log.slot_mut(vote.seq).commits.add(signed, n, quorum) {
            return self.reject(refused.rejection());
        }
        self.stall.took_in();
        self.check_committed(vote.seq);
    }

    // §4.2 committed-local: q matching commits and the batch known. If the batch is missing
    // (a faulty primary left us out), fetch it from f+1 of the committers.
    pub(super) fn check_committed(&mut self, seq: SeqNum) {
        let quorum = self.cfg.quorum();
        #[cfg(feature = "planted-bug")]
        let quorum = super::planted::votes_needed(
            self.cfg.planted_bug,
            self.short_view == Some(self.view),
            quorum,
        );
        let f = self.cfg.f as usize;
        let id = self.id;
        let Some(slot) = self.log.slot(seq) else {
            return;
        };
        if slot.committed.is_some() || seq <= self.last_executed {
            return;
        }
        let Some(key) = slot.certified(quorum) else {
            return;
        };
        let digest = key.1;
        if let Some(batch) = slot.batch_with(digest) {
            let slot = self.log.slot_mut(seq);
            slot.committed = Some(batch.clone());
            self.observe(Observation::Committed { seq, batch });
            self.try_execute();
        } else if !slot.fetch_asked {
            let ask: Vec<ReplicaId> = slot
                .commits
                .get(&key)
                .map(|voters| voters.signers().filter(|&r| r != id).take(f + 1).collect())
                .unwrap_or_default();
            self.log.slot_mut(seq).fetch_asked = true;
            for r in ask {
                self.send(NodeId::Replica(r), Message::FetchBatch { seq, digest });
            }
        }
    }

    /// Executes committed batches in sequence order (§4.2), replying to clients, exactly once
    /// per request (§4.1), and checkpoints every `checkpoint_interval` (§4.3).
    pub(super) fn try_execute(&mut self) {
        let mut progressed = false;
        loop {
            let seq = self.last_executed + 1;
            let Some(batch) = self.log.slot(seq).and_then(|s| s.committed.clone()) else {
                break;
            };
            self.last_executed = seq;
            self.made_progress();
            // Replied to once prepared already (`tentative.rs`): not again.
            let replied = self.replied_tentatively(seq, batch.digest());
            let mut executed = Vec::new();
            for request in batch.requests() {
                let result = match self.service.execute(request) {
                    Execution::Executed(result) => {
                        executed.push((*request, result));
                        result
                    }
                    Execution::Duplicate(result) => result,
                    Execution::Stale => continue,
                };
                if !replied {
                    self.reply(request.client(), request.timestamp(), result);
                }
                progressed |= self.forget_request(request.client(), request.timestamp());
            }
            let state = self.service.digest();
            self.observe(Observation::Executed {
                seq,
                executed,
                batch,
                state,
            });
            if seq.is_multiple_of(self.cfg.checkpoint_interval) {
                self.checkpoint(seq);
            }
        }
        self.restart_request_timer(progressed);
        self.try_execute_tentatively();
        self.try_propose();
    }

    /// Drops a client's requests up to `timestamp` from the waiting and assigned sets; returns
    /// whether some were waited for.
    pub(super) fn forget_request(&mut self, client: ClientId, timestamp: Timestamp) -> bool {
        let waited = self.requests.forget(client, timestamp);
        self.sequencer.forget(client, timestamp);
        waited
    }

    /// §4.4: stop the timer when no request is waiting; restart it when one executed and
    /// others still wait.
    pub(super) fn restart_request_timer(&mut self, progressed: bool) {
        if self.mode != Mode::Normal || !self.cfg.view_change {
            return;
        }
        if self.requests.is_empty() {
            if self.timers.is_armed(TimerKind::ViewChange) {
                self.disarm(TimerKind::ViewChange);
            }
        } else if progressed || !self.timers.is_armed(TimerKind::ViewChange) {
            self.arm(TimerKind::ViewChange, self.view_change_timeout_ns());
        }
    }

    /// The view-change timeout now: the base, doubled for each consecutive view change that
    /// failed to start a view that executed a request (§4.5.2).
    pub(super) fn view_change_timeout_ns(&self) -> u64 {
        self.view_changes
            .timeout_ns(self.cfg.view_change_timeout_ns)
    }

    /// A request executed: the current view works, so the timeout backs off no more.
    pub(super) fn made_progress(&mut self) {
        self.view_changes.made_progress();
    }
}
