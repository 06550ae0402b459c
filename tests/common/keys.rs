//! One trial's keys for the tests that drive replicas by hand (replicas 0..4, client 0), minted
//! once with the public `trial_keys`, as any user of the library would.

#![allow(dead_code)] // each test file uses its own subset

use std::sync::OnceLock;

use pbft_sim::protocol::message::Request;
use pbft_sim::protocol::{trial_keys, ClientKey, Keyring};

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
