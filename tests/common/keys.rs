//! What the tests that drive replicas by hand share: one trial's keys (replicas 0..4, client 0),
//! minted once with the public `trial_keys`, as any user of the library would, and the n = 4
//! configuration they start from.

#![allow(dead_code)] // each test file uses its own subset

use std::sync::OnceLock;

use pbft_sim::protocol::message::Request;
use pbft_sim::protocol::{trial_keys, ClientKey, Keyring, ReplicaConfig};

fn trial() -> &'static (Vec<Keyring>, Vec<ClientKey>) {
    static KEYS: OnceLock<(Vec<Keyring>, Vec<ClientKey>)> = OnceLock::new();
    KEYS.get_or_init(|| trial_keys(4, 1))
}

/// Replica `r`'s keyring.
pub fn keys(r: u32) -> Keyring {
    trial().0[r as usize].clone()
}

/// Client 0's request with `timestamp` for `operation`.
pub fn request(timestamp: u64, operation: u64) -> Request {
    trial().1[0].request(timestamp, operation)
}

/// n = 4, f = 1, checkpoints every 10 sequence numbers, watermark span 20, one request per
/// batch; a test changes what it is about with `ReplicaConfig { field, ..config() }`.
pub fn config() -> ReplicaConfig {
    ReplicaConfig {
        n: 4,
        f: 1,
        view_change: true,
        view_change_timeout_ns: 1_000_000,
        checkpoint_interval: 10,
        watermark_span: 20,
        batch_size: 1,
        batch_timeout_ns: 1,
        max_in_flight: 20,
        status_period_ns: 250_000,
        tentative_execution: false,
        unreplicated: false,
        #[cfg(feature = "planted-bug")]
        planted_bug: None,
    }
}

/// Client 0's key, for requests of any shape (`ClientKey::request_shaped`).
pub fn client() -> ClientKey {
    trial().1[0].clone()
}
