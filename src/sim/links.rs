//! The engine's link model application (Castro & Liskov §3: the network may fail to deliver,
//! delay, duplicate or reorder messages; DESIGN.md §2 and §6.8): for each point-to-point message,
//! the delays of the copies that arrive, drawn from the sender's own RNG stream so that the
//! order in which nodes are processed never changes a draw; and the timed faults (partitions,
//! loss bursts, slow replicas, crashes) in force at a given time. The model itself is the pure
//! `net` module; this component owns one trial's streams and applies the model to its nodes.

use crate::net::{Fate, FaultPlan, LinkConditions, LossCause, NetworkConfig, SimRng, Topology};

/// The link model of a trial: what [`Links`] applies.
#[derive(Clone, Debug)]
pub(super) struct LinkModel {
    /// The global link model (delay, loss, duplication, reordering).
    pub(super) network: NetworkConfig,
    /// Per-link delay profiles between regions.
    pub(super) topology: Topology,
    /// Timed faults.
    pub(super) faults: FaultPlan,
}

/// One trial's links: the model and one RNG stream per sending node.
pub(super) struct Links {
    model: LinkModel,
    /// `streams[i]` draws the fate of node i's messages.
    streams: Vec<SimRng>,
    /// Nodes below this index are replicas (the only ones faults apply to).
    replicas: u32,
    /// The copies drawn for the message being sent (kept from one message to the next).
    copies: Vec<u64>,
}

impl Links {
    /// Links under `model` for nodes drawing from `streams` (one per node, replicas first);
    /// the first `replicas` nodes are replicas.
    pub(super) fn new(model: LinkModel, streams: Vec<SimRng>, replicas: u32) -> Links {
        Links {
            model,
            streams,
            replicas,
            copies: Vec::with_capacity(2),
        }
    }

    /// How many of the nodes are replicas (indexed first).
    pub(super) fn replicas(&self) -> u32 {
        self.replicas
    }

    /// When crashed replicas restart: (time, replica).
    pub(super) fn recoveries(&self) -> Vec<(u64, u32)> {
        self.model.faults.recoveries()
    }

    /// Whether node `index` is a replica that is crashed at `now`.
    pub(super) fn is_down(&self, index: u32, now: u64) -> bool {
        index < self.replicas
            && !self.model.faults.is_empty()
            && self.model.faults.crashed(index, now)
    }

    /// The fate of one message from node `source` to node `target` sent at `now`: the delays
    /// of the copies that arrive (none when it is lost), drawn from `source`'s stream, and
    /// what else the links did to it.
    pub(super) fn draw(&mut self, source: u32, target: u32, now: u64) -> Drawn<'_> {
        let Links {
            model,
            streams,
            replicas,
            copies,
        } = self;
        let replica = |i: u32| (i < *replicas).then_some(i);
        let profile = model
            .topology
            .profile(source, target)
            .unwrap_or(&model.network.delay);
        let rng = &mut streams[source as usize];
        if model.faults.is_empty() {
            let link = LinkConditions {
                profile,
                ..model.network.plain()
            };
            let fate = model.network.transmit(rng, link, copies);
            return Drawn {
                copies,
                fate,
                slowdown: 1.0,
            };
        }
        // The timed faults active now: partitions cut, bursts lose, slow replicas stretch
        // delays. Messages to a crashed replica are lost on arrival, not here.
        copies.clear();
        if let (Some(a), Some(b)) = (replica(source), replica(target)) {
            if model.faults.partitioned(a, b, now) {
                let fate = Fate {
                    lost: Some(LossCause::Partition),
                    ..Fate::default()
                };
                return Drawn {
                    copies,
                    fate,
                    slowdown: 1.0,
                };
            }
        }
        let link = LinkConditions {
            profile,
            extra_loss: model.faults.extra_loss(now),
            slowdown: model.faults.slowdown(replica(source), replica(target), now),
        };
        let fate = model.network.transmit(rng, link, copies);
        Drawn {
            copies,
            fate,
            slowdown: link.slowdown,
        }
    }
}

/// One message's fate as the links drew it.
pub(super) struct Drawn<'a> {
    /// The delays of the copies that arrive, ns (none: lost).
    pub(super) copies: &'a [u64],
    /// Lost and why, or reordered.
    pub(super) fate: Fate,
    /// The `Slow` faults' delay factor on the link (1: none).
    pub(super) slowdown: f64,
}
