//! The cost model applied (`docs/costs.md`): each node's CPU as one FIFO server, each node's
//! link (and, on a switched LAN, its receiving port) as one transmission at a time, and what
//! every input and every send costs. Pure bookkeeping over virtual time: the engine
//! (`engine/costed.rs`) asks it when a node's handling of an input starts and what each step
//! costs, and tells it what was sent; it keeps each node's load for the outcome.
//!
//! Inputs reach a node in the order the agenda pops them, which is their arrival order; the
//! node handles each at once, but its handling is dated from when its CPU is free, so work
//! queues exactly as a FIFO server's would. The receive cost of a message is worked out when
//! it is sent (its size is known then) and waits, keyed by its event, until it is handled.

use std::collections::BTreeMap;

use super::agenda::Event;
use crate::costs::size::{embedded_signed, wire_bytes, Addressing, SizeContext};
use crate::costs::{Auth, CostModel, CpuCosts, LoadOutcome, NodeLoad, WireSizes};
use crate::protocol::message::{Message, NodeId};
use crate::sim::trace::MESSAGE_KINDS;

/// An event's key without its slab slot.
type EventKey = (u64, u64, u64);

fn key(event: &Event) -> EventKey {
    (event.time, event.created, event.order)
}

/// What an event still waiting carries for the cost model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Note {
    /// An input that costs its receiver this many ns to take in.
    Input(u64),
    /// A message whose first bit reached its receiver's switch port: it occupies the port for
    /// `tx_ns` (queued behind earlier arrivals), then costs its receiver `receive_ns`.
    AtPort {
        /// Its transmission time.
        tx_ns: u64,
        /// Its receive cost.
        receive_ns: u64,
    },
}

/// One kind of node's CPU costs, in ns.
#[derive(Clone, Debug)]
struct CpuNs {
    per_input: f64,
    per_send: f64,
    per_byte: f64,
    by_kind: [f64; MESSAGE_KINDS.len()],
    execute: f64,
}

impl CpuNs {
    fn of(cpu: &CpuCosts) -> CpuNs {
        let mut by_kind = [0.0; MESSAGE_KINDS.len()];
        for (kind, cost) in &cpu.by_kind_us {
            if let Some(i) = MESSAGE_KINDS.iter().position(|k| k == kind) {
                by_kind[i] = cost.get() * 1e3;
            }
        }
        CpuNs {
            per_input: cpu.per_input_us.get() * 1e3,
            per_send: cpu.per_send_us.get() * 1e3,
            per_byte: cpu.per_byte_ns.get(),
            by_kind,
            execute: cpu.execute_us.get() * 1e3,
        }
    }
}

/// One trial's cost model state: the costs, and each node's CPU, link and port.
pub(super) struct Costs {
    replica_cpu: CpuNs,
    client_cpu: CpuNs,
    mac_ns: f64,
    digest_ns_per_byte: f64,
    sign_ns: f64,
    verify_ns: f64,
    auth: Auth,
    authenticated: bool,
    sizes: WireSizes,
    digest_replies: bool,
    result_bytes: u32,
    replicas: u32,
    /// Bits per ns of each link (`None`: unlimited).
    bits_per_ns: Option<f64>,
    multicast: bool,
    receiver_port: bool,
    cpu_free: Vec<u64>,
    link_free: Vec<u64>,
    port_free: Vec<u64>,
    load: Vec<NodeLoad>,
    notes: BTreeMap<EventKey, Note>,
    last_end: u64,
}

impl Costs {
    /// The state of a trial under `model` with `replicas` replicas and `nodes` nodes in all,
    /// whose results are `result_bytes` long; `authenticated` is false for the unreplicated
    /// baseline (no MACs, no digests, no authentication bytes).
    pub(super) fn new(
        model: &CostModel,
        replicas: u32,
        nodes: usize,
        result_bytes: u32,
        authenticated: bool,
    ) -> Costs {
        let replica_cpu = CpuNs::of(&model.cpu);
        let client_cpu = model
            .client_cpu
            .as_ref()
            .map_or_else(|| replica_cpu.clone(), CpuNs::of);
        Costs {
            replica_cpu,
            client_cpu,
            mac_ns: model.crypto.mac_us.get() * 1e3,
            digest_ns_per_byte: model.crypto.digest_ns_per_byte.get(),
            sign_ns: model.crypto.sign_us.get() * 1e3,
            verify_ns: model.crypto.verify_us.get() * 1e3,
            auth: model.auth,
            authenticated,
            sizes: model.sizes.clone(),
            digest_replies: model.digest_replies,
            result_bytes,
            replicas,
            // Mbit/s is 1e6 bits per 1e9 ns.
            bits_per_ns: model.link.bandwidth_mbps.map(|b| b.get() / 1e3),
            multicast: model.link.multicast,
            receiver_port: model.link.receiver_port,
            cpu_free: vec![0; nodes],
            link_free: vec![0; nodes],
            port_free: vec![0; nodes],
            load: vec![NodeLoad::default(); nodes],
            notes: BTreeMap::new(),
            last_end: 0,
        }
    }

    /// Whether a broadcast is one transmission.
    pub(super) fn multicast(&self) -> bool {
        self.multicast
    }

    fn cpu(&self, index: u32) -> &CpuNs {
        if index < self.replicas {
            &self.replica_cpu
        } else {
            &self.client_cpu
        }
    }

    fn node(&self, index: u32) -> NodeId {
        if index < self.replicas {
            NodeId::Replica(index)
        } else {
            NodeId::Client(index - self.replicas)
        }
    }

    /// The bytes of `message` from node `source` sent as `addressing`.
    pub(super) fn bytes(&self, message: &Message, source: u32, addressing: Addressing) -> u64 {
        let cx = SizeContext {
            sizes: &self.sizes,
            auth: self.auth,
            digest_replies: self.digest_replies,
            n: self.replicas,
            result_bytes: self.result_bytes,
            authenticated: self.authenticated,
        };
        wire_bytes(message, self.node(source), addressing, &cx)
    }

    /// What node `source` spends sending a message of `bytes` to `recipients` nodes at once.
    pub(super) fn send_ns(&self, source: u32, bytes: u64, recipients: u32) -> u64 {
        let cpu = self.cpu(source);
        let mut ns = cpu.per_send + cpu.per_byte * bytes as f64;
        if self.authenticated {
            ns += self.digest_ns_per_byte * bytes as f64;
            ns += match self.auth {
                Auth::Macs => self.mac_ns * f64::from(recipients),
                Auth::Signatures => self.sign_ns,
            };
        }
        ns.round() as u64
    }

    /// What node `target` spends taking in `message` of `bytes` from another node: the
    /// per-input and per-kind costs, its bytes, and checking it (its digest and one MAC, or
    /// its signature and every signature it embeds).
    pub(super) fn receive_ns(&self, target: u32, message: &Message, bytes: u64) -> u64 {
        let cpu = self.cpu(target);
        let kind = MESSAGE_KINDS
            .iter()
            .position(|k| *k == message.kind())
            .map_or(0.0, |i| cpu.by_kind[i]);
        let mut ns = cpu.per_input + kind + cpu.per_byte * bytes as f64;
        if self.authenticated {
            ns += self.digest_ns_per_byte * bytes as f64;
            ns += match self.auth {
                // Each embedded signed item (a batch's requests, a certificate's votes) is
                // checked too: its receiver's own MAC entry, or its signature.
                Auth::Macs => self.mac_ns * (1 + embedded_signed(message)) as f64,
                Auth::Signatures => self.verify_ns * (1 + embedded_signed(message)) as f64,
            };
        }
        ns.round() as u64
    }

    /// What node `target` spends taking in a timer that fired.
    pub(super) fn timer_ns(&self, target: u32) -> u64 {
        self.cpu(target).per_input.round() as u64
    }

    /// What node `index` spends executing `requests` requests.
    pub(super) fn execute_ns(&self, index: u32, requests: usize) -> u64 {
        (self.cpu(index).execute * requests as f64).round() as u64
    }

    /// Notes what the event `event` carries.
    pub(super) fn note(&mut self, event: &Event, note: Note) {
        if note != Note::Input(0) {
            self.notes.insert(key(event), note);
        }
    }

    /// Takes what `event` carries (an input costing nothing when nothing was noted).
    pub(super) fn take_note(&mut self, event: &Event) -> Note {
        self.notes.remove(&key(event)).unwrap_or(Note::Input(0))
    }

    /// Whether `event` is a message reaching its receiver's port (not yet its CPU).
    pub(super) fn at_port(&self, event: &Event) -> bool {
        matches!(self.notes.get(&key(event)), Some(Note::AtPort { .. }))
    }

    /// A message whose first bit reaches port `target` at `at` and occupies it for `tx_ns`:
    /// when it has arrived whole (at once behind nothing, else behind the port's earlier
    /// arrivals).
    pub(super) fn through_port(&mut self, target: u32, at: u64, tx_ns: u64) -> u64 {
        let free = &mut self.port_free[target as usize];
        let done = at.max(*free).saturating_add(tx_ns);
        *free = done;
        done
    }

    /// The transmission time of `bytes` (0 on unlimited links).
    pub(super) fn tx_ns(&self, bytes: u64) -> u64 {
        self.bits_per_ns.map_or(0, |bits_per_ns| {
            (bytes as f64 * 8.0 / bits_per_ns).round() as u64
        })
    }

    /// Whether arrivals queue at the receiver's port.
    pub(super) fn ports(&self) -> bool {
        self.receiver_port && self.bits_per_ns.is_some()
    }

    /// Node `index` puts a transmission of `bytes` on its link, ready at `ready`: when it
    /// starts (once the link is free), counted in the node's load.
    pub(super) fn transmit(&mut self, index: u32, ready: u64, bytes: u64) -> u64 {
        let tx = self.tx_ns(bytes);
        let link = &mut self.link_free[index as usize];
        let start = ready.max(*link);
        *link = start.saturating_add(tx);
        let load = &mut self.load[index as usize];
        load.transmissions += 1;
        load.bytes_sent += bytes;
        start
    }

    /// Node `index` takes an input at `at`: when its handling starts (its CPU free).
    pub(super) fn start(&self, index: u32, at: u64) -> u64 {
        at.max(self.cpu_free[index as usize])
    }

    /// Node `index` handled an input from `start` to `end`.
    pub(super) fn handled(&mut self, index: u32, start: u64, end: u64) {
        self.cpu_free[index as usize] = end;
        self.load[index as usize].busy_ns += end - start;
        self.last_end = end;
    }

    /// When the handling applied last ended (its observations' time).
    pub(super) fn last_end(&self) -> u64 {
        self.last_end
    }

    /// Every node's load up to `until` (the trial's end), replicas then clients. A node still
    /// working through a backlog when the trial ends has one busy stretch past it (every input
    /// it took arrived by then, so its handlings after `until` follow each other without a
    /// gap): that stretch is not counted, so busy time never exceeds the trial's.
    pub(super) fn load(&self, until: u64) -> LoadOutcome {
        let nodes = self
            .load
            .iter()
            .zip(&self.cpu_free)
            .map(|(load, free)| NodeLoad {
                busy_ns: load.busy_ns.saturating_sub(free.saturating_sub(until)),
                ..*load
            })
            .collect();
        LoadOutcome { nodes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::costs::LinkCosts;
    use crate::net::Positive;

    /// 10 Mbit/s links with switch ports, 4 replicas and a client.
    fn lan() -> Costs {
        let model = CostModel {
            link: LinkCosts {
                bandwidth_mbps: Positive::new(10.0).ok(),
                multicast: true,
                receiver_port: true,
            },
            ..CostModel::default()
        };
        Costs::new(&model, 4, 5, 0, true)
    }

    #[test]
    fn a_link_sends_one_transmission_at_a_time() {
        let mut costs = lan();
        // 1000 bytes at 10 Mbit/s: 800 us.
        assert_eq!(costs.tx_ns(1000), 800_000);
        assert_eq!(costs.transmit(0, 0, 1000), 0);
        // Ready at 100 us, it waits for the link until 800 us; the next one after it.
        assert_eq!(costs.transmit(0, 100_000, 1000), 800_000);
        assert_eq!(costs.transmit(0, 2_000_000, 1000), 2_000_000);
        // Another node's link is its own.
        assert_eq!(costs.transmit(1, 0, 1000), 0);
        let load = costs.load(u64::MAX);
        assert_eq!(load.nodes[0].transmissions, 3);
        assert_eq!(load.nodes[0].bytes_sent, 3000);
    }

    #[test]
    fn a_port_cuts_through_when_idle_and_queues_otherwise() {
        let mut costs = lan();
        // First bit at 1 ms, 800 us on the port: whole at 1.8 ms.
        assert_eq!(costs.through_port(2, 1_000_000, 800_000), 1_800_000);
        // Another's first bit at 1.2 ms: behind it, whole at 2.6 ms.
        assert_eq!(costs.through_port(2, 1_200_000, 800_000), 2_600_000);
        // Long after: at once again.
        assert_eq!(costs.through_port(2, 5_000_000, 800_000), 5_800_000);
    }

    #[test]
    fn a_cpu_serves_its_inputs_in_order() {
        let mut costs = lan();
        assert_eq!(costs.start(0, 1_000), 1_000);
        costs.handled(0, 1_000, 5_000);
        // Arrived at 2 us, while busy: served from 5 us.
        assert_eq!(costs.start(0, 2_000), 5_000);
        costs.handled(0, 5_000, 6_000);
        assert_eq!(costs.start(0, 9_000), 9_000);
        assert_eq!(costs.load(u64::MAX).nodes[0].busy_ns, 5_000);
        assert_eq!(costs.last_end(), 6_000);
    }
}
