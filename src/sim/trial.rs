//! One trial: build its nodes from a resolved spec, run the engine over them (as actix actors,
//! or in place for the reference driver), return the outcome.

use actix::Actor;

use super::actors::{ClientActor, EngineActor, ReplicaActor, RunTrial};
use super::cpu::Costs;
use super::engine::{Engine, EngineSetup};
use super::links::LinkModel;
use super::metrics::Metrics;
use super::nodes::{ActorNodes, DirectNodes, Nodes};
use super::outcome::TrialOutcome;
use super::seeds::{stream, Stream};
use super::speculation::{count_miss, speculative_lookahead_ns, Speculated};
use super::trace::{Node, NodeRole, TraceSink, TraceTrial};
use super::tracer::{periods, Tracer};
use super::SimError;
use crate::adversary::{place, BuildContext, ByzantineGroup, ReplicaNode};
use crate::net::{FaultPlan, NetworkConfig, SimRng, Topology};
use crate::oracle::Oracle;
use crate::protocol::client::{ClientConfig, ClientWorkload};
use crate::protocol::message::NodeId;
use crate::protocol::{trial_keys, Client, Replica, ReplicaConfig};
use std::future::Future;

/// Everything one trial needs, with every default resolved.
#[derive(Clone, Debug)]
pub struct TrialSpec {
    /// The trial's seed (see [`super::trial_seed`]).
    pub seed: u64,
    /// Replica parameters (n, f, timeouts, checkpoints, batching).
    pub replica: ReplicaConfig,
    /// Number of clients.
    pub clients: u32,
    /// Requests per client, closed loop.
    pub requests_per_client: u64,
    /// Client retransmission timeout, virtual ns.
    pub retransmit_ns: u64,
    /// The link model.
    pub network: NetworkConfig,
    /// Regions and the delays between them.
    pub topology: Topology,
    /// Timed faults.
    pub faults: FaultPlan,
    /// Byzantine groups, placed per trial.
    pub byzantine: Vec<ByzantineGroup>,
    /// The trial ends at this virtual time at the latest.
    pub time_limit_ns: u64,
    /// What the clients ask for, and when.
    pub workload: TrialWorkload,
    /// What computing and sending cost (`None`: nothing).
    pub costs: Option<crate::costs::CostModel>,
}

/// What the clients ask for, and when: the scenario's `workload` beyond its counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrialWorkload {
    /// Bytes of each request's argument.
    pub arg_bytes: u32,
    /// Bytes of each result.
    pub result_bytes: u32,
    /// Closed loop: virtual ns between a result and the client's next request.
    pub think_ns: u64,
    /// Open loop: Poisson arrivals at this total rate per virtual second; `None`: closed loop.
    pub poisson_per_second: Option<f64>,
    /// The share of requests that are read-only.
    pub read_only: f64,
}

impl TrialSpec {
    /// Total requests the clients issue.
    pub fn total_requests(&self) -> u64 {
        u64::from(self.clients) * self.requests_per_client
    }
}

/// A trial's nodes and everything the engine needs besides, built from the spec.
struct Parts {
    replicas: Vec<ReplicaNode>,
    clients: Vec<Client>,
    engine: EngineParts,
    /// Each replica's behaviour by name (`None`: honest), for a trace's header.
    behaviours: Vec<Option<String>>,
}

/// What the engine takes besides the nodes and the spec.
struct EngineParts {
    /// One link stream per node.
    link_streams: Vec<SimRng>,
    oracle: Oracle,
    metrics: Metrics,
    /// The lookahead the engine may use for this trial (see [`trial_lookahead_ns`]).
    lookahead_ns: u64,
    /// Whether the trial may be run on a speculative lookahead (`speculation.rs`): not under a
    /// cost model nor with a coalition sharing state (those run one event at a time).
    may_speculate: bool,
    /// The speculative lookahead [`run_trial`] tries first (0: none; `speculation.rs`).
    speculation_ns: u64,
    /// Whether `lookahead_ns` is now that guess (the engine then stops at its first miss).
    speculative: bool,
    /// Which replicas are honest.
    honest: Vec<bool>,
    /// The trace to write, if one was asked for.
    tracer: Option<Tracer>,
}

fn build(spec: &TrialSpec) -> Result<Parts, SimError> {
    let n = spec.replica.n;
    let mut placement_rng = stream(spec.seed, Stream::Placement);
    let behaviours = place(&spec.byzantine, n, &mut placement_rng);
    // Each node gets its own signing capability and nothing else (protocol::auth).
    let (keyrings, client_keys) = trial_keys(n, spec.clients);
    let honest: Vec<bool> = behaviours.iter().map(Option::is_none).collect();
    // Replicas that crash for good are faulty for the success criterion, not for the oracle.
    let mut expected = honest.clone();
    for r in spec.faults.crashed_for_good() {
        if let Some(e) = expected.get_mut(r as usize) {
            *e = false;
        }
    }
    let mut coalitions = BuildContext::new(n, spec.replica.f);
    let mut replicas = Vec::with_capacity(n as usize);
    let mut names = Vec::with_capacity(n as usize);
    for ((id, behaviour), keys) in (0..n).zip(&behaviours).zip(keyrings) {
        let replica = Replica::new(id, spec.replica.clone(), keys);
        let node = match behaviour {
            None => {
                names.push(None);
                ReplicaNode::honest(replica)
            }
            Some(b) => {
                let built = b.build(id, &mut coalitions)?;
                names.push(Some(built.name().to_string()));
                ReplicaNode::byzantine(replica, built, stream(spec.seed, Stream::Behaviour(id)))
            }
        };
        replicas.push(node);
    }
    // What only a trace reads is not reported unless one is written (`Parts::traced`).
    for node in &mut replicas {
        node.set_explaining(false);
    }
    let client_cfg = ClientConfig {
        n,
        f: spec.replica.f,
        requests: spec.requests_per_client,
        retransmit_ns: spec.retransmit_ns,
        workload: client_workload(spec),
    };
    // Open loop: one Poisson process for all clients, dealt out in turn (`arrivals.rs`).
    let mut arrivals = spec
        .workload
        .poisson_per_second
        .map(|rate| {
            super::arrivals::poisson_arrivals(
                spec.seed,
                spec.clients,
                spec.requests_per_client,
                rate,
            )
        })
        .unwrap_or_default()
        .into_iter();
    let clients = client_keys
        .into_iter()
        .map(|key| {
            let mut cfg = client_cfg.clone();
            cfg.workload.arrivals = arrivals.next();
            let mut client = Client::new(key, cfg);
            client.set_explaining(false);
            client
        })
        .collect();
    let link_streams = (0..n + spec.clients)
        .map(|i| stream(spec.seed, Stream::Links(i)))
        .collect();
    // Behaviours that share state (a coalition of two or more) must see each other's updates
    // in event order: their trial runs one event at a time. Anything else a behaviour does
    // (delayed actions, wake-ups, sends to itself) the epochs already respect.
    // Under a cost model nodes queue for their CPU, links and ports: the trial runs one
    // event at a time so that every queue is served exactly in arrival order.
    let may_speculate = !coalitions.shares_state() && spec.costs.is_none();
    let lookahead_ns = if may_speculate { lookahead_ns(spec) } else { 0 };
    let speculation_ns = if may_speculate {
        speculative_lookahead_ns(spec, lookahead_ns)
    } else {
        0
    };
    Ok(Parts {
        replicas,
        clients,
        engine: EngineParts {
            link_streams,
            oracle: Oracle::new(honest.clone(), spec.clients as usize, spec.replica.f),
            metrics: Metrics::new(expected, spec.clients, spec.requests_per_client),
            lookahead_ns,
            may_speculate,
            speculation_ns,
            speculative: false,
            honest,
            tracer: None,
        },
        behaviours: names,
    })
}

/// What every client of `spec` asks for, and when (its open-loop arrivals are its own: set
/// per client).
fn client_workload(spec: &TrialSpec) -> ClientWorkload {
    let w = &spec.workload;
    ClientWorkload {
        arg_bytes: w.arg_bytes,
        result_bytes: w.result_bytes,
        think_ns: w.think_ns,
        arrivals: None,
        read_only: w.read_only,
        tentative: spec.replica.tentative_execution,
        digest_replies: w.result_bytes > 0
            && !spec.replica.unreplicated
            && spec.costs.as_ref().is_some_and(|c| c.digest_replies),
    }
}

/// How the reference driver delivers events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delivery {
    /// One event at a time.
    OneAtATime,
    /// By lookahead epochs, as the actix engine does.
    Epochs,
}

/// The engine of `spec`'s trial over `nodes`.
fn engine<N: Nodes>(spec: &TrialSpec, nodes: N, parts: EngineParts) -> Engine<N> {
    Engine::new(EngineSetup {
        nodes,
        link_model: LinkModel {
            network: spec.network.clone(),
            topology: spec.topology.clone(),
            faults: spec.faults.clone(),
        },
        link_streams: parts.link_streams,
        oracle: parts.oracle,
        metrics: parts.metrics,
        time_limit_ns: spec.time_limit_ns,
        requests: spec.total_requests(),
        lookahead_ns: parts.lookahead_ns,
        speculative: parts.speculative,
        honest: parts.honest,
        tracer: parts.tracer,
        costs: spec.costs.as_ref().map(|model| {
            let n = spec.replica.n;
            Costs::new(
                model,
                n,
                (n + spec.clients) as usize,
                spec.workload.result_bytes,
                !spec.replica.unreplicated,
            )
        }),
    })
}

/// Runs one trial inside the current actix System: replicas and clients as actors, driven by
/// the engine actor, by lookahead epochs. Where the delays leave no useful lookahead, the epochs
/// are first tried on a speculative one, and the trial is run again with the exact bound if
/// that missed (`speculation.rs`): the outcome is the same either way.
pub async fn run_trial(spec: &TrialSpec) -> Result<TrialOutcome, SimError> {
    let parts = build(spec)?;
    let guess = parts.engine.speculation_ns;
    if guess == 0 {
        return run_parts(spec, parts).await;
    }
    Ok(run_speculating(spec, parts, guess).await?.outcome)
}

/// [`run_trial`] on the speculative lookahead `lookahead_ns` (at least the exact bound) instead
/// of the one the trial would choose, in a fresh actix System on the calling thread: for tests
/// that make speculation miss. A trial that may not speculate (a cost model, a coalition
/// sharing state) runs as [`run_trial`] does.
pub fn run_trial_speculating_blocking(
    spec: &TrialSpec,
    lookahead_ns: u64,
) -> Result<Speculated, SimError> {
    actix::System::new().block_on(async {
        let parts = build(spec)?;
        if !parts.engine.may_speculate {
            let outcome = run_parts(spec, parts).await?;
            return Ok(Speculated {
                outcome,
                missed: false,
            });
        }
        run_speculating(spec, parts, lookahead_ns).await
    })
}

/// Runs `parts` as actors on the lookahead `guess` (or the exact bound, if longer); on a miss,
/// counts it and runs the trial again from scratch with the exact bound.
async fn run_speculating(
    spec: &TrialSpec,
    parts: Parts,
    guess: u64,
) -> Result<Speculated, SimError> {
    let parts = parts.speculating(guess);
    match run_parts(spec, parts).await {
        Err(SimError::Lookahead) => {
            count_miss();
            Ok(Speculated {
                outcome: run_parts(spec, build(spec)?).await?,
                missed: true,
            })
        }
        result => result.map(|outcome| Speculated {
            outcome,
            missed: false,
        }),
    }
}

/// The reference driver by epochs on the speculative lookahead `lookahead_ns` (at least the
/// exact bound), with the same fallback as [`run_trial`]: on a miss the trial is run again by
/// epochs of the exact bound. Its outcome is [`run_trial_reference`]'s.
pub fn run_trial_reference_speculating(
    spec: &TrialSpec,
    lookahead_ns: u64,
) -> Result<Speculated, SimError> {
    let parts = build(spec)?;
    if !parts.engine.may_speculate {
        let outcome = run_parts_reference(spec, parts, Delivery::Epochs)?;
        return Ok(Speculated {
            outcome,
            missed: false,
        });
    }
    match run_parts_reference(spec, parts.speculating(lookahead_ns), Delivery::Epochs) {
        Err(SimError::Lookahead) => {
            count_miss();
            Ok(Speculated {
                outcome: run_parts_reference(spec, build(spec)?, Delivery::Epochs)?,
                missed: true,
            })
        }
        result => result.map(|outcome| Speculated {
            outcome,
            missed: false,
        }),
    }
}

/// The speculative lookahead [`run_trial`] tries `spec`'s trial with first, in virtual ns (0:
/// none, the trial runs on its exact bound; `speculation.rs`). An error if its behaviours
/// cannot be built.
pub fn trial_speculation_ns(spec: &TrialSpec) -> Result<u64, SimError> {
    Ok(build(spec)?.engine.speculation_ns)
}

/// [`run_trial`], writing the trial's event trace to `sink` as it runs (`docs/trace.md`). The
/// trial is the same: same events, same outcome.
pub async fn run_trial_traced(
    spec: &TrialSpec,
    sink: Box<dyn TraceSink>,
) -> Result<TrialOutcome, SimError> {
    let parts = build(spec)?.traced(spec, sink);
    run_parts(spec, parts).await
}

/// [`run_trial_reference`] (one event at a time, no actix), writing the trace to `sink`: the
/// same trace as [`run_trial_traced`] writes.
pub fn run_trial_reference_traced(
    spec: &TrialSpec,
    sink: Box<dyn TraceSink>,
) -> Result<TrialOutcome, SimError> {
    let parts = build(spec)?.traced(spec, sink);
    run_parts_reference(spec, parts, Delivery::OneAtATime)
}

impl Parts {
    /// These parts, run on the speculative lookahead `guess` (or the exact bound, if longer):
    /// the engine stops at the first miss (`SimError::Lookahead`).
    fn speculating(mut self, guess: u64) -> Parts {
        self.engine.lookahead_ns = self.engine.lookahead_ns.max(guess);
        self.engine.speculative = true;
        self
    }

    /// These parts, writing their trial's trace to `sink` (announced to it now).
    fn traced(mut self, spec: &TrialSpec, sink: Box<dyn TraceSink>) -> Parts {
        for node in &mut self.replicas {
            node.set_explaining(true);
        }
        for client in &mut self.clients {
            client.set_explaining(true);
        }
        let mut tracer = Tracer::new(sink, &spec.faults);
        let mut nodes: Vec<NodeRole> = (0..spec.replica.n)
            .zip(&self.behaviours)
            .map(|(r, behaviour)| NodeRole {
                node: Node(NodeId::Replica(r)),
                role: "replica",
                behaviour: behaviour.clone(),
            })
            .collect();
        nodes.extend((0..spec.clients).map(|c| NodeRole {
            node: Node(NodeId::Client(c)),
            role: "client",
            behaviour: None,
        }));
        tracer.start(&TraceTrial {
            seed: spec.seed,
            n: spec.replica.n,
            f: spec.replica.f,
            clients: spec.clients,
            time_limit_ms: spec.time_limit_ns as f64 / 1e6,
            nodes,
            periods: periods(&spec.faults),
        });
        self.engine.tracer = Some(tracer);
        self
    }
}

/// Runs a trial of nodes already built from `spec` as actix actors.
async fn run_parts(spec: &TrialSpec, parts: Parts) -> Result<TrialOutcome, SimError> {
    let nodes = ActorNodes {
        replicas: parts
            .replicas
            .into_iter()
            .map(|node| ReplicaActor::new(node).start())
            .collect(),
        clients: parts
            .clients
            .into_iter()
            .map(|client| ClientActor::new(client).start())
            .collect(),
    };
    let engine = engine(spec, nodes, parts.engine);
    let actor = EngineActor::new(engine).start();
    actor
        .send(RunTrial)
        .await
        .map_err(|e| SimError::Mailbox(e.to_string()))?
}

/// The least delay with which one node can make an event for another in this trial, so that
/// the engine may hand every event due within it of the earliest one to the nodes at once
/// (DESIGN.md §2, conservative lookahead). Link delays are bounded below by their profiles
/// (slowed down by `Slow` faults below 1). A node's events for itself (timers) may be sooner:
/// the epoch stops at them (`sim::lookahead`), and so at whatever a byzantine behaviour
/// schedules itself. Behaviours that share state are the exception ([`trial_lookahead_ns`]).
fn lookahead_ns(spec: &TrialSpec) -> u64 {
    let min_ms = spec
        .topology
        .profiles()
        .map(crate::net::DelayProfile::min_ms)
        .fold(spec.network.delay.min_ms(), f64::min);
    crate::net::ms_to_ns(min_ms * spec.faults.min_slowdown().min(1.0))
}

/// The lookahead the actix engine uses for the trial, in virtual ns: the least delay with which
/// one node can make an event for another (the least link delay, shortened by `Slow` faults
/// below 1), or 0 (one event at a time) when two or more of its byzantine replicas share a
/// coalition's state (`BuildContext::shares_state`). An error if its behaviours cannot be built.
pub fn trial_lookahead_ns(spec: &TrialSpec) -> Result<u64, SimError> {
    Ok(build(spec)?.engine.lookahead_ns)
}

/// Runs one trial in a fresh actix System on the calling thread (for tests and examples).
pub fn run_trial_blocking(spec: &TrialSpec) -> Result<TrialOutcome, SimError> {
    actix::System::new().block_on(run_trial(spec))
}

/// The reference driver: the same state machines, agenda and RNG streams, driven by a plain
/// loop with no actix, one event at a time. It gives the identical event trace (`trace_hash`)
/// and outcome as [`run_trial`].
pub fn run_trial_reference(spec: &TrialSpec) -> Result<TrialOutcome, SimError> {
    run_parts_reference(spec, build(spec)?, Delivery::OneAtATime)
}

/// The reference driver by lookahead epochs, as [`run_trial`] delivers them, but with no actix:
/// each node's share of an epoch is handed to it by a plain call. It gives the identical event
/// trace and outcome as [`run_trial`] and [`run_trial_reference`], and is the baseline that
/// measures what actix itself costs (`benches/engine.rs`).
pub fn run_trial_reference_with_lookahead(spec: &TrialSpec) -> Result<TrialOutcome, SimError> {
    run_parts_reference(spec, build(spec)?, Delivery::Epochs)
}

/// The reference driver over nodes already built from `spec`.
fn run_parts_reference(
    spec: &TrialSpec,
    parts: Parts,
    delivery: Delivery,
) -> Result<TrialOutcome, SimError> {
    let nodes = DirectNodes {
        replicas: parts.replicas,
        clients: parts.clients,
    };
    run_at_once(engine(spec, nodes, parts.engine.delivering(delivery)))
}

impl EngineParts {
    /// These parts, with the lookahead of `delivery`.
    fn delivering(self, delivery: Delivery) -> EngineParts {
        match delivery {
            Delivery::OneAtATime => EngineParts {
                lookahead_ns: 0,
                ..self
            },
            Delivery::Epochs => self,
        }
    }
}

/// Runs `engine` to its end in one poll: every step of nodes called in place (`DirectNodes`)
/// is ready at once.
fn run_at_once<N: Nodes>(engine: Engine<N>) -> Result<TrialOutcome, SimError> {
    let run = engine.run();
    let mut run = std::pin::pin!(run);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match run.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(outcome) => outcome,
        std::task::Poll::Pending => Err(SimError::System(
            "the reference driver's run did not complete in one poll".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    //! End to end: a wrong state installed by state transfer is reported by a real trial, and
    //! names the replica that installed it.

    use std::sync::Arc;

    use super::*;
    use crate::adversary::{register, Behaviour, Context, Outgoing};
    use crate::protocol::message::{Message, NodeId, Snapshot};
    use crate::protocol::service::ServiceState;
    use crate::protocol::{Action, Input};

    /// A faulty replica, honest but for the states it serves: whenever it sends a replica
    /// checkpoints (the answer to a STATUS from a replica behind), it sends after them an
    /// empty service state for each of those checkpoints, unasked.
    struct ServesEmptyStates;

    impl Behaviour for ServesEmptyStates {
        fn name(&self) -> &str {
            "test-serves-empty-states"
        }

        fn on_send(&mut self, copy: Outgoing, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
            let empty_state = match (&copy.to, &copy.message) {
                (NodeId::Replica(to), Message::Checkpoint(signed)) if copy.broadcast.is_none() => {
                    let snapshot = Snapshot {
                        seq: signed.value().seq,
                        service: ServiceState::default(),
                    };
                    Some(Action::Send {
                        to: NodeId::Replica(*to),
                        message: Message::State(Arc::new(snapshot)),
                    })
                }
                _ => None,
            };
            out.push(copy.into_action());
            out.extend(empty_state);
        }
    }

    /// n = 4: replica 0 serves empty states; replica 3 is down from the start until 300 ms,
    /// then catches up by state transfer.
    fn spec() -> TrialSpec {
        register("test-serves-empty-states", |_| ServesEmptyStates);
        let text = r#"Scenario(
            name: "wrong-state-transfer",
            replicas: 4,
            workload: (clients: 1, requests: 40),
            network: (delay: Constant(ms: 5.0)),
            faults: [Crash(replicas: [3], at_ms: 0.5, recover_at_ms: Some(300.0))],
            byzantine: [(count: 1, placement: Ids([0]),
                         behaviour: Custom(name: "test-serves-empty-states"))],
            protocol: (checkpoint_interval: 4, log_window: 8),
            time_limit_ms: 5000.0,
        )"#;
        let plan = crate::scenario::parse("wrong-state-transfer.ron", text)
            .expect("the test scenario is valid");
        crate::scenario::trial_spec(&plan.points[0].scenario, 7)
    }

    /// Runs the trial; `unchecked` makes replica 3 install states without checking them
    /// against the certified digest.
    fn run(unchecked: bool) -> TrialOutcome {
        let spec = spec();
        let mut parts = build(&spec).expect("the trial builds");
        parts.replicas[3].replica_mut().install_unchecked_states = unchecked;
        run_parts_reference(&spec, parts, Delivery::OneAtATime).expect("the trial runs")
    }

    #[test]
    fn a_wrong_state_installed_by_transfer_is_reported_naming_the_replica() {
        let outcome = run(true);
        assert!(outcome.state_transfers >= 1, "{outcome:?}");
        assert!(!outcome.safety_ok, "{outcome:?}");
        let state: Vec<&String> = outcome
            .violations
            .iter()
            .filter(|v| v.starts_with("state "))
            .collect();
        assert_eq!(state.len(), 1, "{:?}", outcome.violations);
        assert!(
            state[0].contains("replica 3 installed state") && state[0].contains("state transfer"),
            "{}",
            state[0]
        );
        // Nobody else is blamed: the honest replicas executed right, and clients accepted
        // what honest execution computes.
        assert_eq!(outcome.violations.len(), 1, "{:?}", outcome.violations);
    }

    /// The reference nodes, counting what the engine hands them by epochs.
    struct Counting {
        inner: DirectNodes,
        /// (inboxes handed over, most inputs in one inbox), shared with the test.
        seen: std::rc::Rc<std::cell::Cell<(usize, usize)>>,
    }

    impl Nodes for Counting {
        fn replicas(&self) -> u32 {
            self.inner.replicas()
        }

        fn clients(&self) -> u32 {
            self.inner.clients()
        }

        async fn step(
            &mut self,
            node: NodeId,
            input: Input,
        ) -> Result<super::super::nodes::Handled, SimError> {
            self.inner.step(node, input).await
        }

        async fn step_inboxes(
            &mut self,
            inboxes: Vec<super::super::nodes::Inbox>,
            until: u64,
        ) -> Result<Vec<super::super::nodes::Stepped>, SimError> {
            let (count, most) = self.seen.get();
            let largest = inboxes.iter().map(|i| i.inputs.len()).max().unwrap_or(0);
            self.seen.set((count + inboxes.len(), most.max(largest)));
            self.inner.step_inboxes(inboxes, until).await
        }
    }

    /// Runs `spec` on counting reference nodes by `delivery`: the outcome and what was seen.
    fn run_counting(spec: &TrialSpec, delivery: Delivery) -> (TrialOutcome, (usize, usize)) {
        let parts = build(spec).expect("the trial builds");
        let seen = std::rc::Rc::default();
        let nodes = Counting {
            inner: DirectNodes {
                replicas: parts.replicas,
                clients: parts.clients,
            },
            seen: std::rc::Rc::clone(&seen),
        };
        let outcome = run_at_once(engine(spec, nodes, parts.engine.delivering(delivery)))
            .expect("the trial runs");
        (outcome, seen.get())
    }

    /// The reference driver by epochs does hand nodes several events at once (so comparing it
    /// with the actix engine compares like with like), and gives the one-at-a-time trace.
    #[test]
    fn the_reference_driver_by_epochs_hands_over_epochs() {
        let text = r#"Scenario(name: "epochs", replicas: 7, workload: (clients: 4, requests: 5),
            network: (delay: Uniform(min_ms: 1.0, max_ms: 5.0)))"#;
        let plan = crate::scenario::parse("epochs.ron", text).expect("the test scenario is valid");
        let spec = crate::scenario::trial_spec(&plan.points[0].scenario, 5);
        let (one_at_a_time, (inboxes, _)) = run_counting(&spec, Delivery::OneAtATime);
        assert_eq!(inboxes, 0, "one event at a time hands over no inbox");
        let (by_epochs, (inboxes, most)) = run_counting(&spec, Delivery::Epochs);
        assert!(
            inboxes > 0 && most > 1,
            "{inboxes} inboxes, at most {most} inputs"
        );
        assert!(by_epochs.success, "{by_epochs:?}");
        assert_eq!(by_epochs, one_at_a_time);
        let public = run_trial_reference_with_lookahead(&spec).expect("the trial runs");
        assert_eq!(public, by_epochs);
    }

    #[test]
    fn with_the_digest_check_the_wrong_state_is_refused_and_the_trial_is_safe() {
        let outcome = run(false);
        assert!(outcome.state_transfers >= 1, "{outcome:?}");
        assert!(outcome.safety_ok, "{:?}", outcome.violations);
        assert!(outcome.success, "{outcome:?}");
    }
}
