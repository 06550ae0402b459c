//! One trial: build the actors from a resolved spec, run the network, return the outcome.

use actix::Actor;

use super::actors::{ClientActor, ReplicaActor};
use super::metrics::Metrics;
use super::network::{Engine, Network, RunTrial};
use super::outcome::TrialOutcome;
use super::seeds::{stream, stream_seed, Stream};
use super::SimError;
use crate::adversary::{place, ByzantineGroup, ReplicaNode};
use crate::net::NetworkConfig;
use crate::oracle::Oracle;
use crate::protocol::client::ClientConfig;
use crate::protocol::{Client, Keyring, Replica, ReplicaConfig};

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

/// Runs one trial inside the current actix System.
pub async fn run_trial(spec: &TrialSpec) -> Result<TrialOutcome, SimError> {
    let n = spec.replica.n;
    let mut placement_rng = stream(spec.seed, Stream::Placement);
    let behaviours = place(&spec.byzantine, n, &mut placement_rng);
    let secret = stream_seed(spec.seed, Stream::Keys);
    let honest: Vec<bool> = behaviours.iter().map(Option::is_none).collect();

    let mut replicas = Vec::with_capacity(n as usize);
    for (id, behaviour) in (0..n).zip(&behaviours) {
        let replica = Replica::new(id, spec.replica.clone(), Keyring::issue(id, secret));
        let node = match behaviour {
            None => ReplicaNode::honest(replica),
            Some(b) => {
                ReplicaNode::byzantine(replica, b.build(), stream(spec.seed, Stream::Behaviour(id)))
            }
        };
        replicas.push(ReplicaActor::new(node).start());
    }
    let client_cfg = ClientConfig {
        n,
        f: spec.replica.f,
        requests: spec.requests_per_client,
        retransmit_ns: spec.retransmit_ns,
    };
    let clients = (0..spec.clients)
        .map(|c| ClientActor::new(Client::new(c, client_cfg.clone())).start())
        .collect();
    let nodes = n + spec.clients;
    let links = (0..nodes)
        .map(|i| stream(spec.seed, Stream::Links(i)))
        .collect();
    let engine = Engine::new(
        replicas,
        clients,
        links,
        spec.network.clone(),
        Oracle::new(honest.clone(), spec.clients as usize, spec.replica.f),
        Metrics::new(honest, spec.total_requests()),
        spec.time_limit_ns,
        spec.total_requests(),
    );
    let network = Network::new(engine).start();
    network
        .send(RunTrial)
        .await
        .map_err(|e| SimError::Mailbox(e.to_string()))?
}

/// Runs one trial in a fresh actix System on the calling thread (for tests and examples).
pub fn run_trial_blocking(spec: &TrialSpec) -> Result<TrialOutcome, SimError> {
    actix::System::new().block_on(run_trial(spec))
}
