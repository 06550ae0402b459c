//! An honest PBFT replica: the normal case, checkpoints and state transfer (Castro & Liskov
//! §4.2-4.3; TOCS'02 §5-6). View change lives in `view_change.rs`, as a second `impl Replica`.
//!
//! `Replica::handle(Input) -> Vec<Action>` is the whole interface. A replica's messages to itself
//! never cross the network: its own PREPARE, COMMIT, CHECKPOINT and VIEW-CHANGE are counted
//! directly, at once. Byzantine input is data: anything malformed, unauthenticated or out of
//! place is dropped and the replica goes on.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use super::auth::{Keyring, Signed, VoteKind};
use super::log::Log;
use super::message::{
    Batch, ClientId, Message, NewView, NodeId, PrePrepare, ReplicaId, Reply, Request, SeqNum,
    SignedVote, Timestamp, View, ViewChange, Vote,
};
use super::service::{Execution, ServiceState};
use super::{Action, Input, Observation, ReplicaConfig, Timer, TimerKind};

/// Normal operation, or between views (§4.4: only CHECKPOINT, VIEW-CHANGE and NEW-VIEW count).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// Processing requests in `view`.
    Normal,
    /// Waiting for NEW-VIEW of `view`.
    ViewChanging,
}

/// An ongoing state transfer.
#[derive(Clone, Debug)]
pub(crate) struct Fetch {
    pub(crate) seq: SeqNum,
    pub(crate) state: super::message::Digest,
    pub(crate) candidates: Vec<ReplicaId>,
    pub(crate) next: usize,
}

/// A live timer: its generation, and whether it is armed.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct TimerSlot {
    pub(crate) generation: u64,
    pub(crate) armed: bool,
}

/// An honest replica.
#[derive(Debug)]
pub struct Replica {
    pub(crate) id: ReplicaId,
    pub(crate) cfg: ReplicaConfig,
    pub(crate) keys: Keyring,
    pub(crate) view: View,
    pub(crate) status: Status,
    pub(crate) log: Log,
    pub(crate) service: ServiceState,
    pub(crate) last_executed: SeqNum,
    // Primary: the last sequence number assigned, requests not yet assigned, a partial batch due.
    pub(crate) next_seq: SeqNum,
    pub(crate) pending: VecDeque<Request>,
    pub(crate) assigned: BTreeMap<(ClientId, Timestamp), SeqNum>,
    pub(crate) batch_timer: TimerSlot,
    pub(crate) partial_batch_due: bool,
    // Requests known and not yet executed; the view-change timer runs while there are some.
    pub(crate) waiting: BTreeMap<(ClientId, Timestamp), Request>,
    pub(crate) view_change_timer: TimerSlot,
    // View change: the latest VIEW-CHANGE from each replica, consecutive failures, buffered
    // pre-prepares for a view not yet entered, and the NEW-VIEW sent as primary.
    pub(crate) view_changes: BTreeMap<(View, ReplicaId), Arc<Signed<ViewChange>>>,
    pub(crate) own_view_changes: BTreeMap<View, Arc<Signed<ViewChange>>>,
    pub(crate) failed_view_changes: u32,
    /// Whether a request executed since this replica entered its current view.
    pub(crate) progress_in_view: bool,
    pub(crate) future_pre_prepares: Vec<(ReplicaId, PrePrepare)>,
    pub(crate) last_new_view: Option<Arc<Signed<NewView>>>,
    // State transfer.
    pub(crate) fetch: Option<Fetch>,
    pub(crate) fetch_timer: TimerSlot,
    // Stall detection: the status timer, how far execution was when it was set or last fired,
    // how many STATUS were sent since execution last moved, and whether the timer is set for
    // an open slot (`status_period_ns`) or for an idle wait (half the view-change timeout,
    // backing off).
    pub(crate) status_timer: TimerSlot,
    pub(crate) status_mark: SeqNum,
    pub(crate) status_backoff: u32,
    pub(crate) status_for_open_slot: bool,
    /// Votes, pre-prepares and certificates taken in so far, and how many when the status
    /// timer was set: an open slot that still takes some in is moving, not stalled.
    pub(crate) votes_seen: u64,
    pub(crate) status_votes_mark: u64,
    /// Firings of the status timer, at half the period, since the slot check began.
    pub(crate) status_ticks: u32,
    pub(crate) out: Vec<Action>,
    /// Tests only: skip the state-transfer digest check (`catch_up.rs`, `on_state`), so that a
    /// test can make an honest replica install a wrong state and watch the oracle report it.
    #[cfg(test)]
    pub(crate) install_unchecked_states: bool,
}

impl Replica {
    /// A replica in view 0 with the initial state.
    pub fn new(id: ReplicaId, cfg: ReplicaConfig, keys: Keyring) -> Replica {
        let service = ServiceState::default();
        Replica {
            id,
            log: Log::new(cfg.log_window, &service),
            cfg,
            keys,
            view: 0,
            status: Status::Normal,
            service,
            last_executed: 0,
            next_seq: 0,
            pending: VecDeque::new(),
            assigned: BTreeMap::new(),
            batch_timer: TimerSlot::default(),
            partial_batch_due: false,
            waiting: BTreeMap::new(),
            view_change_timer: TimerSlot::default(),
            view_changes: BTreeMap::new(),
            own_view_changes: BTreeMap::new(),
            failed_view_changes: 0,
            progress_in_view: true,
            future_pre_prepares: Vec::new(),
            last_new_view: None,
            fetch: None,
            fetch_timer: TimerSlot::default(),
            status_timer: TimerSlot::default(),
            status_mark: 0,
            status_backoff: 0,
            status_for_open_slot: false,
            votes_seen: 0,
            status_votes_mark: 0,
            status_ticks: 0,
            out: Vec::new(),
            #[cfg(test)]
            install_unchecked_states: false,
        }
    }

    /// This replica's id.
    pub fn id(&self) -> ReplicaId {
        self.id
    }

    /// The current view (the target view while changing views).
    pub fn view(&self) -> View {
        self.view
    }

    /// Normal operation or view change.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The last sequence number executed.
    pub fn last_executed(&self) -> SeqNum {
        self.last_executed
    }

    /// The message log.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The parameters.
    pub fn config(&self) -> &ReplicaConfig {
        &self.cfg
    }

    /// This replica's keyring (signs only as this replica).
    pub fn keyring(&self) -> &Keyring {
        &self.keys
    }

    /// Whether this replica is the primary of its current view.
    pub fn is_primary(&self) -> bool {
        self.cfg.primary(self.view) == self.id
    }

    /// Handles one input and returns the actions it causes.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        match input {
            Input::Start => {}
            Input::Message { from, message } => self.on_message(from, message),
            Input::Timeout(timer) => self.on_timeout(timer),
            Input::Recover => self.on_recover(),
        }
        self.keep_status_timer();
        std::mem::take(&mut self.out)
    }

    /// TOCS'02 §5.2 (retransmission driven by status messages). The status timer is set again
    /// whenever execution moves, so it fires only while execution stands still. With a slot
    /// open it ticks at half `status_period_ns`: the first STATUS goes out once the slot has
    /// been open a whole period and no vote came in during the last tick (the slot is stalled,
    /// not slow: `on_status_timeout`); then it asks again at each tick three times, and backs
    /// off to the period, doubling up to four times. A slot that opens during an idle wait is
    /// checked from then. Other unfinished work (requests waiting without a slot, a view
    /// change, peers that may lag) waits half the view-change timeout, doubling up to four
    /// times that.
    fn keep_status_timer(&mut self) {
        let moved = self.last_executed != self.status_mark;
        if moved {
            self.status_backoff = 0;
            self.status_ticks = 0;
        }
        if self.status_timer.armed && !moved {
            if self.status_for_open_slot || !self.has_open_slot() {
                return;
            }
            // A slot opened during an idle wait: check it at the short period.
            self.status_backoff = 0;
            self.status_ticks = 0;
        }
        let open = self.has_open_slot();
        if open && !self.status_for_open_slot {
            self.status_ticks = 0;
        }
        if !open && !self.unfinished() {
            if self.status_timer.armed {
                self.disarm(TimerKind::Status);
            }
            self.status_mark = self.last_executed;
            return;
        }
        let period = if open {
            // Ticks at half the period: see `on_status_timeout`.
            let half = self.cfg.status_period_ns / 2;
            match self.status_backoff {
                0..=3 => half,
                k => self.cfg.status_period_ns << (k - 4).min(2),
            }
        } else {
            (self.cfg.view_change_timeout_ns / 2) << self.status_backoff.min(2)
        };
        self.status_for_open_slot = open;
        self.status_mark = self.last_executed;
        self.status_votes_mark = self.votes_seen;
        self.arm(TimerKind::Status, period);
    }

    /// Whether, in normal operation, this replica holds a slot above its last executed
    /// sequence number: protocol messages for it are in flight, or were lost.
    pub(crate) fn has_open_slot(&self) -> bool {
        self.status == Status::Normal
            && self
                .log
                .last_slot()
                .is_some_and(|seq| seq > self.last_executed)
    }

    /// Whether this replica knows of work it has not finished: requests waiting, slots above
    /// its last executed sequence number, a state transfer under way, a view change, executed
    /// requests not yet covered by a stable checkpoint, or a stable checkpoint some replica is
    /// not known to hold (others may lack them, and learn so from its STATUS).
    pub(crate) fn unfinished(&self) -> bool {
        self.status == Status::ViewChanging
            || self.last_executed > self.log.low()
            || !self.log.stable_held_by_all(self.cfg.n)
            || !self.waiting.is_empty()
            || !self.pending.is_empty()
            || self.fetch.is_some()
            || self
                .log
                .last_slot()
                .is_some_and(|seq| seq > self.last_executed)
    }

    fn on_message(&mut self, from: NodeId, message: Message) {
        let j = match from {
            NodeId::Replica(j) => j,
            NodeId::Client(_) => {
                // Clients only send requests; anything else from a client is ignored.
                if let Message::Request(request) = message {
                    self.on_request(from, request);
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
            Message::Reply(_) => {} // replicas do not act on replies
        }
    }

    fn on_timeout(&mut self, timer: Timer) {
        match timer.kind {
            TimerKind::Batch => {
                if Self::fires(&mut self.batch_timer, timer) {
                    self.partial_batch_due = true;
                    self.try_propose();
                }
            }
            TimerKind::ViewChange => {
                if Self::fires(&mut self.view_change_timer, timer) {
                    self.on_view_change_timeout();
                }
            }
            TimerKind::Fetch => {
                if Self::fires(&mut self.fetch_timer, timer) {
                    self.ask_for_state();
                }
            }
            TimerKind::Status => {
                if Self::fires(&mut self.status_timer, timer) {
                    self.on_status_timeout();
                }
            }
            // A client's timer, and a behaviour's (its wrapper takes those): never the replica's.
            TimerKind::Retransmit | TimerKind::Behaviour(_) => {}
        }
    }

    /// Whether `timer` is the live setting of `slot` (stale timers are ignored, §6.3 of DESIGN).
    fn fires(slot: &mut TimerSlot, timer: Timer) -> bool {
        let live = slot.armed && slot.generation == timer.generation;
        if live {
            slot.armed = false;
        }
        live
    }

    /// Arms `slot` anew (any earlier setting becomes stale) for `after_ns`.
    pub(crate) fn arm(&mut self, kind: TimerKind, after_ns: u64) {
        let slot = self.timer_slot(kind);
        slot.generation += 1;
        slot.armed = true;
        let timer = Timer {
            kind,
            generation: slot.generation,
        };
        self.out.push(Action::SetTimer { timer, after_ns });
    }

    /// Disarms a timer: its pending firing becomes stale.
    pub(crate) fn disarm(&mut self, kind: TimerKind) {
        let slot = self.timer_slot(kind);
        slot.generation += 1;
        slot.armed = false;
    }

    fn timer_slot(&mut self, kind: TimerKind) -> &mut TimerSlot {
        match kind {
            TimerKind::Batch => &mut self.batch_timer,
            // Never armed by a replica (see `on_timeout`).
            TimerKind::ViewChange | TimerKind::Retransmit | TimerKind::Behaviour(_) => {
                &mut self.view_change_timer
            }
            TimerKind::Fetch => &mut self.fetch_timer,
            TimerKind::Status => &mut self.status_timer,
        }
    }

    pub(crate) fn broadcast(&mut self, message: Message) {
        self.out.push(Action::Broadcast(message));
    }

    pub(crate) fn send(&mut self, to: NodeId, message: Message) {
        self.out.push(Action::Send { to, message });
    }

    pub(crate) fn observe(&mut self, observation: Observation) {
        self.out.push(Action::Observe(observation));
    }

    // §4.1: a request. Executed already: reply again. Primary: order it. Backup: relay it to the
    // primary and start waiting for it to execute (the view-change timer).
    fn on_request(&mut self, from: NodeId, request: Request) {
        if !self.keys.authentic(&request) {
            return; // §4.1: only requests their client authenticated count, relayed or not
        }
        if let Some(last) = self.service.last_reply(request.client()) {
            if request.timestamp() < last.timestamp {
                return;
            }
            if request.timestamp() == last.timestamp {
                let reply = Reply {
                    view: self.view,
                    timestamp: last.timestamp,
                    result: last.result,
                };
                self.send(NodeId::Client(request.client()), Message::Reply(reply));
                return;
            }
        }
        let key = (request.client(), request.timestamp());
        let from_client = matches!(from, NodeId::Client(_));
        if from_client {
            // A client that reached us directly is retransmitting: resend what we said about it.
            self.retransmit_votes_for(key);
        }
        if self.status == Status::Normal && self.is_primary() {
            if !self.assigned.contains_key(&key) && !self.pending.contains(&request) {
                self.pending.push_back(request);
                self.try_propose();
            }
            return;
        }
        if from_client && self.status == Status::Normal {
            let primary = self.cfg.primary(self.view);
            self.send(NodeId::Replica(primary), Message::Request(request));
        }
        if from_client {
            self.wait_for(request);
        }
    }

    /// Starts waiting for `request` to execute (§4.4: the view-change timer).
    pub(crate) fn wait_for(&mut self, request: Request) {
        if !self.cfg.view_change || (self.is_primary() && self.status == Status::Normal) {
            return;
        }
        self.waiting
            .entry((request.client(), request.timestamp()))
            .or_insert(request);
        if self.status == Status::Normal && !self.view_change_timer.armed {
            self.arm(TimerKind::ViewChange, self.view_change_timeout_ns());
        }
    }

    /// Primary (§4.2, batching TOCS'02 §5.1): assign sequence numbers to pending requests, up to
    /// `batch_size` per pre-prepare, within the window and the high watermark.
    pub(crate) fn try_propose(&mut self) {
        while self.status == Status::Normal && self.is_primary() && !self.pending.is_empty() {
            let seq = self.next_seq + 1;
            if seq > self.log.high() || seq > self.last_executed + self.cfg.window {
                return;
            }
            if self.pending.len() < self.cfg.batch_size && !self.partial_batch_due {
                if !self.batch_timer.armed {
                    self.arm(TimerKind::Batch, self.cfg.batch_timeout_ns);
                }
                return;
            }
            self.partial_batch_due = false;
            let take = self.pending.len().min(self.cfg.batch_size);
            let requests: Vec<Request> = self.pending.drain(..take).collect();
            for r in &requests {
                self.assigned.insert((r.client(), r.timestamp()), seq);
            }
            self.next_seq = seq;
            let pp = self.make_pre_prepare(seq, Batch::new(requests));
            self.log.slot_mut(seq).pre_prepare = Some(pp.clone());
            self.log.slot_mut(seq).voted_prepare = Some(self.view);
            self.broadcast(Message::PrePrepare(pp));
            self.check_prepared(seq);
        }
        if self.pending.is_empty() && self.batch_timer.armed {
            self.disarm(TimerKind::Batch);
        }
    }

    pub(crate) fn make_pre_prepare(&self, seq: SeqNum, batch: Arc<Batch>) -> PrePrepare {
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
        if pp.signed.signer() != j
            || pp.signed.value().0 != VoteKind::PrePrepare
            || !self.keys.verify(&pp.signed)
            || vote.digest != pp.batch.digest()
            || j != self.cfg.primary(vote.view)
            || j == self.id
            || !self.keys.authentic_batch(&pp.batch)
        {
            return;
        }
        if vote.view > self.view || (vote.view == self.view && self.status != Status::Normal) {
            if self.future_pre_prepares.len() < self.cfg.log_window as usize {
                self.future_pre_prepares.push((j, pp));
            }
            return;
        }
        if vote.view < self.view {
            return;
        }
        self.accept_pre_prepare(pp);
    }

    /// Logs a pre-prepare of the current view and prepares it (backups), §4.2.
    pub(crate) fn accept_pre_prepare(&mut self, pp: PrePrepare) {
        let vote = pp.vote();
        if !self.log.in_window(vote.seq) {
            return;
        }
        let primary = self.is_primary();
        let slot = self.log.slot_mut(vote.seq);
        if slot
            .pre_prepare
            .as_ref()
            .is_some_and(|old| old.vote().view == vote.view)
        {
            return; // at most one pre-prepare per (v, n)
        }
        let requests: Vec<Request> = pp.batch.requests().to_vec();
        slot.pre_prepare = Some(pp);
        self.votes_seen += 1;
        if primary {
            slot.voted_prepare = Some(vote.view);
        } else {
            let signed = self.keys.sign((VoteKind::Prepare, vote));
            slot.voted_prepare = Some(vote.view);
            // Never refused: its own first vote in this view.
            let _ = slot
                .prepares
                .add(self.id, signed.clone(), self.cfg.n, self.cfg.quorum());
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
    }

    fn on_prepare(&mut self, j: ReplicaId, signed: super::message::SignedVote) {
        let (kind, vote) = *signed.value();
        if signed.signer() != j
            || kind != VoteKind::Prepare
            || j == self.cfg.primary(vote.view)
            || vote.view < self.view
            || !self.log.in_window(vote.seq)
            || !self.keys.verify(&signed)
        {
            return;
        }
        let (n, quorum) = (self.cfg.n, self.cfg.quorum());
        // Refused: an equivocation, or a sender with votes in more views than are kept.
        if self
            .log
            .slot_mut(vote.seq)
            .prepares
            .add(j, signed, n, quorum)
            .is_err()
        {
            return;
        }
        self.votes_seen += 1;
        self.check_prepared(vote.seq);
    }

    // §4.2 prepared(m, v, n, i): the pre-prepare plus q-1 matching PREPAREs from distinct
    // backups (2f when n = 3f+1); then multicast COMMIT.
    pub(crate) fn check_prepared(&mut self, seq: SeqNum) {
        if self.status != Status::Normal {
            return;
        }
        let view = self.view;
        let needed = self.cfg.quorum() - 1;
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
            return self.prepared(seq, Vec::new());
        };
        if prepares.len() < needed {
            return;
        }
        let proof: Vec<_> = prepares.values().cloned().collect();
        self.prepared(seq, proof);
    }

    fn prepared(&mut self, seq: SeqNum, prepares: Vec<super::message::SignedVote>) {
        let id = self.id;
        let slot = self.log.slot_mut(seq);
        let Some(pp) = slot.pre_prepare.clone() else {
            return;
        };
        let vote = pp.vote();
        slot.prepared = Some(super::message::PreparedProof {
            pre_prepare: pp.signed,
            batch: pp.batch,
            prepares,
        });
        let signed = self.keys.sign((VoteKind::Commit, vote));
        slot.record_commit(id, signed.clone(), self.cfg.n, self.cfg.quorum());
        self.broadcast(Message::Commit(signed));
        self.check_committed(seq);
    }

    // Commits count in any view: q matching COMMITs certify the batch (at least f+1 honest
    // replicas prepared it, so no other batch can commit at n, §4.4 invariant).
    fn on_commit(&mut self, j: ReplicaId, signed: SignedVote) {
        let (kind, vote) = *signed.value();
        if signed.signer() != j
            || kind != VoteKind::Commit
            || !self.log.in_window(vote.seq)
            || vote.seq <= self.last_executed
            || !self.keys.verify(&signed)
        {
            return;
        }
        let (n, quorum) = (self.cfg.n, self.cfg.quorum());
        // Refused: an equivocation, or a sender with votes in more views than are kept.
        if self
            .log
            .slot_mut(vote.seq)
            .commits
            .add(j, signed, n, quorum)
            .is_err()
        {
            return;
        }
        self.votes_seen += 1;
        self.check_committed(vote.seq);
    }

    // §4.2 committed-local: q matching commits and the batch known. If the batch is missing
    // (a faulty primary left us out), fetch it from f+1 of the committers.
    pub(crate) fn check_committed(&mut self, seq: SeqNum) {
        let quorum = self.cfg.quorum();
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
                .map(|voters| voters.voters().filter(|&r| r != id).take(f + 1).collect())
                .unwrap_or_default();
            self.log.slot_mut(seq).fetch_asked = true;
            for r in ask {
                self.send(NodeId::Replica(r), Message::FetchBatch { seq, digest });
            }
        }
    }

    /// Executes committed batches in sequence order (§4.2), replying to clients, exactly once
    /// per request (§4.1), and checkpoints every `checkpoint_interval` (§4.3).
    pub(crate) fn try_execute(&mut self) {
        let mut progressed = false;
        loop {
            let seq = self.last_executed + 1;
            let Some(batch) = self.log.slot(seq).and_then(|s| s.committed.clone()) else {
                break;
            };
            self.last_executed = seq;
            self.made_progress();
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
                let reply = Reply {
                    view: self.view,
                    timestamp: request.timestamp(),
                    result,
                };
                self.send(NodeId::Client(request.client()), Message::Reply(reply));
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
        self.try_propose();
    }

    /// Drops a client's requests up to `timestamp` from the waiting and assigned sets.
    pub(crate) fn forget_request(&mut self, client: ClientId, timestamp: Timestamp) -> bool {
        let done: Vec<_> = self
            .waiting
            .range((client, 0)..=(client, timestamp))
            .map(|(k, _)| *k)
            .collect();
        for key in &done {
            self.waiting.remove(key);
        }
        let assigned: Vec<_> = self
            .assigned
            .range((client, 0)..=(client, timestamp))
            .map(|(k, _)| *k)
            .collect();
        for key in assigned {
            self.assigned.remove(&key);
        }
        !done.is_empty()
    }

    /// §4.4: stop the timer when no request is waiting; restart it when one executed and
    /// others still wait.
    pub(crate) fn restart_request_timer(&mut self, progressed: bool) {
        if self.status != Status::Normal || !self.cfg.view_change {
            return;
        }
        if self.waiting.is_empty() {
            if self.view_change_timer.armed {
                self.disarm(TimerKind::ViewChange);
            }
        } else if progressed || !self.view_change_timer.armed {
            self.arm(TimerKind::ViewChange, self.view_change_timeout_ns());
        }
    }

    /// The view-change timeout now: the base, doubled for each consecutive view change that
    /// failed to start a view that executed a request (§4.5.2).
    pub(crate) fn view_change_timeout_ns(&self) -> u64 {
        self.cfg.view_change_timeout_ns << self.failed_view_changes.min(16)
    }

    /// A request executed: the current view works, so the timeout backs off no more.
    pub(crate) fn made_progress(&mut self) {
        self.progress_in_view = true;
        self.failed_view_changes = 0;
    }
}
