//! The Network actor: the virtual clock and the event heap (DESIGN.md §2).
//!
//! Events are ordered by `(time, time created, creating node, that node's own counter)`, a key
//! that does not depend on the order in which nodes were processed. The network pops the next
//! event (with every other one due within the lookahead: `window.rs`), hands it to its actor,
//! and turns the returned actions into new events: `Send`/`Broadcast` into deliveries whose
//! fate (loss, delay, duplication, reordering) is drawn from the sender's own RNG stream,
//! `SetTimer` into a timer event, and `Observe` into oracle and metric updates. No real time
//! passes anywhere; a trial ends when every request is done, when nothing is left to happen,
//! or at the time limit.

use actix::{Actor, Context, Handler, Message as ActixMessage, ResponseFuture};

use super::metrics::Metrics;
use super::nodes::ActorNodes;
use super::nodes::Nodes;
use super::outcome::TrialOutcome;
use super::queue::{EventQueue, Timed};
use super::window::WindowBuffers;
use super::SimError;
use crate::net::{FaultPlan, LinkConditions, NetworkConfig, SimRng, Topology};
use crate::oracle::Oracle;
use crate::protocol::message::{Message, NodeId};
use crate::protocol::{Action, Input, Observation, Timer};

/// What an event does when its time comes.
pub(super) enum Payload {
    Deliver {
        from: NodeId,
        message: Message,
    },
    Fire(Timer),
    /// An action a node asked to perform later (`Action::Delayed`).
    Perform(Action),
    /// A crashed replica restarts.
    Recover,
    /// An event its node has already handled, given back by a lookahead window that could not
    /// apply it yet (an earlier event of another node came first): its actions.
    Done(Vec<Action>),
}

/// An entry of the event heap: the ordering key and where its payload waits. Payloads live in
/// a slab beside the heap, so that sifting moves 40 bytes, not whole messages.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Event {
    pub(super) time: u64,
    pub(super) created: u64,
    pub(super) creator: u32,
    pub(super) counter: u64,
    pub(super) target: u32,
    pub(super) slot: u32,
}

impl Timed for Event {
    fn time(&self) -> u64 {
        self.time
    }
}

/// Payloads by slot, with a free list.
#[derive(Default)]
pub(super) struct Slab {
    payloads: Vec<Option<Payload>>,
    free: Vec<u32>,
}

impl Slab {
    pub(super) fn insert(&mut self, payload: Payload) -> u32 {
        // Free slots are always in range (`take` frees only those); were one not, the payload
        // would go to a new slot rather than be lost.
        if let Some(slot) = self.free.pop() {
            if let Some(place) = self.payloads.get_mut(slot as usize) {
                // A free slot holds `None`, which needs no drop: writing without reading it
                // first spares a cache miss per event (the slot was freed a whole window ago).
                // Were it ever `Some`, the payload would leak, nothing worse.
                // SAFETY: `place` is a valid, aligned, exclusive reference.
                unsafe { std::ptr::write(place, Some(payload)) };
                return slot;
            }
        }
        self.payloads.push(Some(payload));
        (self.payloads.len() - 1) as u32
    }

    /// Asks the CPU to bring `slot`'s payload into cache (a hint; no effect on the result).
    pub(super) fn prefetch(&self, slot: u32) {
        #[cfg(target_arch = "x86_64")]
        if let Some(p) = self.payloads.get(slot as usize) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: a prefetch is a hint; it reads nothing and cannot fault.
            unsafe { _mm_prefetch::<_MM_HINT_T0>((p as *const Option<Payload>).cast::<i8>()) };
        }
    }

    pub(super) fn take(&mut self, slot: u32) -> Option<Payload> {
        let payload = self.payloads.get_mut(slot as usize)?.take();
        self.free.push(slot);
        payload
    }
}

/// Everything one trial's network owns. Nodes are indexed replicas first (0..n), then clients.
/// `N` carries the nodes: actix actors (the engine) or the bare state machines (the reference
/// driver); everything else, and so the event trace, is the same code.
pub struct Engine<N: Nodes> {
    pub(crate) nodes: N,
    pub(crate) links: Vec<SimRng>,
    pub(crate) network: NetworkConfig,
    pub(crate) topology: Topology,
    pub(crate) faults: FaultPlan,
    pub(crate) oracle: Oracle,
    pub(crate) metrics: Metrics,
    pub(crate) time_limit_ns: u64,
    pub(crate) requests: u64,
    pub(super) now: u64,
    pub(super) heap: EventQueue<Event>,
    pub(super) slab: Slab,
    pub(super) counters: Vec<u64>,
    messages: u64,
    pub(super) events: u64,
    copies: Vec<u64>,
    pub(super) trace: u64,
    /// Conservative lookahead (DESIGN.md §2): no node can make an event for another node less
    /// than this after its own time, so every event due within it of the earliest one is
    /// handed over at once (one actix message per node); 0 delivers one event at a time.
    pub(super) lookahead_ns: u64,
    /// The end of the window being processed: an event for another node scheduled before it
    /// breaks the bound; one a node schedules for itself moves `cut`.
    pub(super) window_end: u64,
    pub(super) lookahead_broken: bool,
    /// The earliest event a node scheduled for itself inside the window being applied: later
    /// events of the window wait for it (they are given back to the queue).
    pub(super) cut: Option<Event>,
    /// The window being processed, its per-event inputs, actions and crashed targets, and the
    /// scratch that hands them to the nodes.
    buffers: WindowBuffers,
}

impl<N: Nodes> Engine<N> {
    /// An engine over `nodes`; `links[i]` is node i's link stream.
    pub fn new(
        nodes: N,
        links: Vec<SimRng>,
        (network, topology, faults): (NetworkConfig, Topology, FaultPlan),
        oracle: Oracle,
        metrics: Metrics,
        time_limit_ns: u64,
        requests: u64,
    ) -> Engine<N> {
        let count = (nodes.replicas() + nodes.clients()) as usize;
        Engine {
            nodes,
            links,
            network,
            topology,
            faults,
            oracle,
            metrics,
            time_limit_ns,
            requests,
            now: 0,
            heap: EventQueue::default(),
            slab: Slab::default(),
            counters: vec![0; count],
            trace: 0,
            lookahead_ns: 0,
            window_end: 0,
            lookahead_broken: false,
            cut: None,
            buffers: WindowBuffers::default(),
            messages: 0,
            events: 0,
            copies: Vec::with_capacity(2),
        }
    }

    /// Sets the lookahead: the least delay any event of this trial can be created with.
    pub fn with_lookahead(mut self, lookahead_ns: u64) -> Engine<N> {
        self.lookahead_ns = lookahead_ns;
        self
    }

    pub(super) fn n(&self) -> u32 {
        self.nodes.replicas()
    }

    fn index(&self, node: NodeId) -> u32 {
        match node {
            NodeId::Replica(r) => r,
            NodeId::Client(c) => self.n() + c,
        }
    }

    pub(super) fn node(&self, index: u32) -> NodeId {
        if index < self.n() {
            NodeId::Replica(index)
        } else {
            NodeId::Client(index - self.n())
        }
    }

    fn schedule(&mut self, creator: u32, delay_ns: u64, target: u32, payload: Payload) {
        let counter = &mut self.counters[creator as usize];
        *counter += 1;
        let counter = *counter;
        let slot = self.slab.insert(payload);
        let event = Event {
            time: self.now.saturating_add(delay_ns),
            created: self.now,
            creator,
            counter,
            target,
            slot,
        };
        if event.time < self.window_end {
            if creator == target {
                self.cut = Some(self.cut.map_or(event, |cut| cut.min(event)));
            } else {
                self.lookahead_broken = true;
            }
        }
        self.heap.push(event);
    }

    pub(super) async fn step(
        &mut self,
        target: u32,
        input: Input,
    ) -> Result<Vec<Action>, SimError> {
        let node = self.node(target);
        self.nodes.step(node, input).await
    }

    /// Runs the trial to its end.
    pub async fn run(mut self) -> Result<TrialOutcome, SimError> {
        for (at, replica) in self.faults.recoveries() {
            self.schedule(replica, at, replica, Payload::Recover);
        }
        for c in 0..self.nodes.clients() {
            let target = self.n() + c;
            let actions = self.step(target, Input::Start).await?;
            self.apply(target, actions);
        }
        let mut ended_at = 0;
        while !self.metrics.all_done() {
            let Some(first) = self.heap.pop() else {
                break;
            };
            if first.time > self.time_limit_ns {
                ended_at = self.time_limit_ns;
                break;
            }
            // The window's buffers are kept from one window to the next: at n = 1024 a window
            // holds a quarter million events, and fresh buffers meant fresh pages every time.
            let mut buffers = std::mem::take(&mut self.buffers);
            self.take_window(first, &mut buffers.window);
            self.take_inputs(&mut buffers);
            let left = self.step_window(&mut buffers).await?;
            if let Some(at) = self.apply_window(&mut buffers, left) {
                ended_at = at;
            }
            buffers.clear();
            self.buffers = buffers;
            self.window_end = 0;
            self.cut = None;
        }
        if self.lookahead_broken {
            return Err(SimError::Lookahead);
        }
        Ok(self.outcome(ended_at))
    }

    pub(super) fn apply(&mut self, source: u32, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Send { to, message } => {
                    let target = self.index(to);
                    self.transmit(source, target, message);
                }
                Action::Broadcast(message) => {
                    for r in 0..self.n() {
                        if r != source {
                            self.transmit(source, r, message.clone());
                        }
                    }
                }
                Action::SetTimer { timer, after_ns } => {
                    self.schedule(source, after_ns, source, Payload::Fire(timer));
                }
                Action::Observe(observation) => self.observe(source, observation),
                Action::Delayed { after_ns, action } => {
                    self.schedule(source, after_ns, source, Payload::Perform(*action));
                }
            }
        }
    }

    /// One point-to-point message: counted, then lost, delayed or duplicated by the link model,
    /// drawing from the sender's stream. A node's message to itself arrives at once, uncounted.
    fn transmit(&mut self, source: u32, target: u32, message: Message) {
        let from = self.node(source);
        if source == target {
            self.schedule(source, 0, target, Payload::Deliver { from, message });
            return;
        }
        self.messages += 1;
        if let (NodeId::Replica(r), Message::Reply(reply)) = (from, &message) {
            if let NodeId::Client(c) = self.node(target) {
                self.oracle
                    .on_reply_sent(r, c, reply.timestamp, reply.result);
            }
        }
        let mut copies = std::mem::take(&mut self.copies);
        if self.faults.is_empty() {
            let link = LinkConditions {
                profile: self
                    .topology
                    .profile(source, target)
                    .unwrap_or(&self.network.delay),
                ..self.network.plain()
            };
            self.network
                .transmit(&mut self.links[source as usize], link, &mut copies);
        } else {
            self.transmit_under_faults(source, target, &mut copies);
        }
        let mut message = Some(message);
        for (i, delay) in copies.iter().enumerate() {
            // The last copy takes the message itself; a duplicate before it is a clone.
            let copy = if i + 1 == copies.len() {
                message.take()
            } else {
                message.clone()
            };
            if let Some(message) = copy {
                self.schedule(source, *delay, target, Payload::Deliver { from, message });
            }
        }
        self.copies = copies;
    }

    /// The link model with the timed faults active now: partitions cut, bursts lose, slow
    /// replicas stretch delays. Messages to a crashed replica are lost on arrival.
    fn transmit_under_faults(&mut self, source: u32, target: u32, copies: &mut Vec<u64>) {
        let now = self.now;
        let replica = |i: u32| (i < self.n()).then_some(i);
        copies.clear();
        if let (Some(a), Some(b)) = (replica(source), replica(target)) {
            if self.faults.partitioned(a, b, now) {
                return;
            }
        }
        let link = LinkConditions {
            profile: self
                .topology
                .profile(source, target)
                .unwrap_or(&self.network.delay),
            extra_loss: self.faults.extra_loss(now),
            slowdown: self.faults.slowdown(replica(source), replica(target), now),
        };
        self.network
            .transmit(&mut self.links[source as usize], link, copies);
    }

    /// Whether node `index` is a replica that is crashed now.
    pub(super) fn is_down(&self, index: u32) -> bool {
        index < self.n() && !self.faults.is_empty() && self.faults.crashed(index, self.now)
    }

    fn observe(&mut self, source: u32, observation: Observation) {
        let now = self.now;
        let at_ms = now as f64 / 1e6;
        match (self.node(source), observation) {
            (NodeId::Replica(r), Observation::Committed { batch, .. }) => {
                self.metrics.committed(r, &batch, now);
            }
            (
                NodeId::Replica(r),
                Observation::Executed {
                    seq,
                    executed,
                    batch,
                    state,
                },
            ) => {
                self.oracle
                    .on_executed(r, seq, &batch, &executed, state, at_ms);
            }
            (
                NodeId::Replica(r),
                Observation::StateTransferred {
                    seq,
                    last_timestamps,
                    state,
                    snapshot,
                },
            ) => {
                self.oracle
                    .on_state_transferred(r, seq, &last_timestamps, state, &snapshot, at_ms);
                self.metrics.transferred(r, &last_timestamps, now);
            }
            (NodeId::Replica(r), Observation::ViewEntered { view }) => {
                self.metrics.view_entered(r, view);
            }
            (NodeId::Client(_), Observation::RequestIssued { request }) => {
                self.oracle.on_issued(&request);
                self.metrics.issued(&request, now);
            }
            (NodeId::Client(c), Observation::Accepted { timestamp, result }) => {
                self.oracle.on_accepted(c, timestamp, result, at_ms);
                self.metrics.accepted(c, timestamp, now);
            }
            // A replica cannot issue or accept requests, nor a client commit: ignore such claims.
            (NodeId::Replica(_), Observation::RequestIssued { .. })
            | (NodeId::Replica(_), Observation::Accepted { .. })
            | (NodeId::Client(_), Observation::Committed { .. })
            | (NodeId::Client(_), Observation::Executed { .. })
            | (NodeId::Client(_), Observation::StateTransferred { .. })
            | (NodeId::Client(_), Observation::ViewEntered { .. }) => {}
        }
    }

    fn outcome(&mut self, ended_at_ns: u64) -> TrialOutcome {
        let latencies_ms = self.metrics.take_latencies_ms();
        let latency_ms = (!latencies_ms.is_empty())
            .then(|| latencies_ms.iter().sum::<f64>() / latencies_ms.len() as f64);
        TrialOutcome {
            success: self.metrics.all_done(),
            safety_ok: self.oracle.safe(),
            requests: self.requests,
            completed: self.metrics.completed(),
            latencies_ms,
            latency_ms,
            commit_ms: self.metrics.commit_mean_ms(),
            messages: self.messages,
            events: self.events,
            time_ms: ended_at_ns as f64 / 1e6,
            view_changes: self.metrics.view_changes(),
            final_view: self.metrics.final_view(),
            state_transfers: self.metrics.state_transfers(),
            trace_hash: self.trace,
            violations: self
                .oracle
                .violations()
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }
}

/// Asks the Network actor to run its trial.
#[derive(ActixMessage)]
#[rtype(result = "Result<TrialOutcome, SimError>")]
pub struct RunTrial;

/// The Network actor: owns one trial's engine and runs it when asked.
pub struct Network {
    engine: Option<Engine<ActorNodes>>,
}

impl Network {
    /// A network actor for `engine`.
    pub fn new(engine: Engine<ActorNodes>) -> Network {
        Network {
            engine: Some(engine),
        }
    }
}

impl Actor for Network {
    type Context = Context<Self>;
}

impl Handler<RunTrial> for Network {
    type Result = ResponseFuture<Result<TrialOutcome, SimError>>;

    fn handle(&mut self, _msg: RunTrial, _ctx: &mut Context<Self>) -> Self::Result {
        let engine = self.engine.take();
        Box::pin(async move {
            match engine {
                Some(engine) => engine.run().await,
                None => Err(SimError::AlreadyRun),
            }
        })
    }
}
