//! One trial: build the actors from a resolved spec, run the network, return the outcome.

use actix::Actor;

use super::actors::{ClientActor, ReplicaActor};
use super::metrics::Metrics;
use super::network::{Engine, Network, RunTrial};
use super::nodes::{ActorNodes, DirectNodes, Nodes};
use super::outcome::TrialOutcome;
use super::seeds::{stream, Stream};
use super::SimError;
use crate::adversary::{place, BuildContext, ByzantineGroup, ReplicaNode};
use crate::net::{FaultPlan, NetworkConfig, Topology};
use crate::oracle::Oracle;
use crate::protocol::client::ClientConfig;
use crate::protocol::{trial_keys, Client, Replica, ReplicaConfig};
use std::future::Future;

/// Everything one trial needs, with every default resolved.
#[derive(Clone, Debug)]
pub struct TrialSpec {
    /// The trial's seed (see `seeds::trial_seed`).
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
    /// The lookahead the actix engine may use for this trial (see [`trial_lookahead_ns`]).
    lookahead_ns: u64,
    engine: EngineParts,
}

/// What the engine takes besides the nodes.
struct EngineParts {
    links: Vec<crate::net::SimRng>,
    oracle: Oracle,
    metrics: Metrics,
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
    for ((id, behaviour), keys) in (0..n).zip(&behaviours).zip(keyrings) {
        let replica = Replica::new(id, spec.replica.clone(), keys);
        let node = match behaviour {
            None => ReplicaNode::honest(replica),
            Some(b) => ReplicaNode::byzantine(
                replica,
                b.build(id, &mut coalitions)?,
                stream(spec.seed, Stream::Behaviour(id)),
            ),
        };
        replicas.push(node);
    }
    let client_cfg = ClientConfig {
        n,
        f: spec.replica.f,
        requests: spec.requests_per_client,
        retransmit_ns: spec.retransmit_ns,
    };
    let clients = client_keys
        .into_iter()
        .map(|key| Client::new(key, client_cfg.clone()))
        .collect();
    let links = (0..n + spec.clients)
        .map(|i| stream(spec.seed, Stream::Links(i)))
        .collect();
    // Behaviours that share state (a coalition of two or more) must see each other's updates
    // in event order: their trial runs one event at a time. Anything else a behaviour does
    // (delayed actions, wake-ups, sends to itself) the windows already respect.
    let lookahead_ns = if coalitions.shares_state() {
        0
    } else {
        lookahead_ns(spec)
    };
    Ok(Parts {
        replicas,
        clients,
        lookahead_ns,
        engine: EngineParts {
            links,
            oracle: Oracle::new(honest, spec.clients as usize, spec.replica.f),
            metrics: Metrics::new(expected, spec.total_requests()),
        },
    })
}

fn engine<N: Nodes>(spec: &TrialSpec, nodes: N, parts: EngineParts) -> Engine<N> {
    Engine::new(
        nodes,
        parts.links,
        (
            spec.network.clone(),
            spec.topology.clone(),
            spec.faults.clone(),
        ),
        parts.oracle,
        parts.metrics,
        spec.time_limit_ns,
        spec.total_requests(),
    )
}

/// Runs one trial inside the current actix System: replicas and clients as actors, driven by
/// the Network actor.
pub async fn run_trial(spec: &TrialSpec) -> Result<TrialOutcome, SimError> {
    let parts = build(spec)?;
    let lookahead = parts.lookahead_ns;
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
    let engine = engine(spec, nodes, parts.engine).with_lookahead(lookahead);
    let network = Network::new(engine).start();
    network
        .send(RunTrial)
        .await
        .map_err(|e| SimError::Mailbox(e.to_string()))?
}

/// The least delay with which one node can make an event for another in this trial, so that
/// the actix engine may hand every event due within it of the earliest one to the actors at
/// once (DESIGN.md §2, conservative lookahead). Link delays are bounded below by their
/// profiles (slowed down by `Slow` faults below 1). A node's events for itself (timers) may be
/// sooner: the window stops at them (`sim::window`), and so at whatever a byzantine behaviour
/// schedules itself. Behaviours that share state are the exception ([`trial_lookahead_ns`]).
pub fn lookahead_ns(spec: &TrialSpec) -> u64 {
    let min_ms = spec
        .topology
        .profiles()
        .map(crate::net::DelayProfile::min_ms)
        .fold(spec.network.delay.min_ms(), f64::min);
    crate::net::ms_to_ns(min_ms * spec.faults.min_slowdown().min(1.0))
}

/// The lookahead the actix engine uses for the trial: [`lookahead_ns`], or 0 (one event at a
/// time) when two or more of its byzantine replicas share a coalition's state
/// (`BuildContext::shares_state`). An error if its behaviours cannot be built.
pub fn trial_lookahead_ns(spec: &TrialSpec) -> Result<u64, SimError> {
    Ok(build(spec)?.lookahead_ns)
}

/// Runs one trial in a fresh actix System on the calling thread (for tests and examples).
pub fn run_trial_blocking(spec: &TrialSpec) -> Result<TrialOutcome, SimError> {
    actix::System::new().block_on(run_trial(spec))
}

/// The reference driver: the same state machines, event heap and RNG streams, driven by a plain
/// loop with no actix. It gives the identical event trace (`trace_hash`) and outcome, and is
/// the lower bound the actix engine is measured against.
pub fn run_trial_reference(spec: &TrialSpec) -> Result<TrialOutcome, SimError> {
    run_parts_reference(spec, build(spec)?)
}

/// The reference driver over nodes already built from `spec`.
fn run_parts_reference(spec: &TrialSpec, parts: Parts) -> Result<TrialOutcome, SimError> {
    let nodes = DirectNodes {
        replicas: parts.replicas,
        clients: parts.clients,
    };
    let run = engine(spec, nodes, parts.engine).run();
    // Every step of `DirectNodes` is ready at once, so one poll runs the trial to its end.
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
    use crate::protocol::Action;

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
            .unwrap_or_else(|e| panic!("the test scenario is valid: {e}"));
        crate::scenario::trial_spec(&plan.points[0].scenario, 7)
    }

    /// Runs the trial; `unchecked` makes replica 3 install states without checking them
    /// against the certified digest.
    fn run(unchecked: bool) -> TrialOutcome {
        let spec = spec();
        let mut parts = build(&spec).unwrap_or_else(|e| panic!("the trial builds: {e}"));
        parts.replicas[3].replica_mut().install_unchecked_states = unchecked;
        run_parts_reference(&spec, parts).unwrap_or_else(|e| panic!("the trial runs: {e}"))
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

    #[test]
    fn with_the_digest_check_the_wrong_state_is_refused_and_the_trial_is_safe() {
        let outcome = run(false);
        assert!(outcome.state_transfers >= 1, "{outcome:?}");
        assert!(outcome.safety_ok, "{:?}", outcome.violations);
        assert!(outcome.success, "{outcome:?}");
    }
}
