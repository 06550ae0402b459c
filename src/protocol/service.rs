//! The replicated service and exactly-once execution (Castro & Liskov §4.1, §4.2 "execution").
//!
//! The service is a deterministic log: executing a request appends its digest to a running hash
//! and returns the count of operations executed so far, so honest replicas that execute the same
//! requests in the same order return the same results and reach the same state digest. The
//! service also keeps the last reply sent to each client: a request whose timestamp is not newer
//! than the last one executed for its client is not executed again (§4.1).
//!
//! The state digest (§4.3's checkpoint digest, also reported after every execution for the
//! oracle) is incremental, as the BFT library's is (TOCS'02 §6.2.2, AdHash): the reply table
//! contributes the sum, modulo 2^128, of one mixed value per entry, updated as entries change,
//! so a digest costs one hash of a few words however many clients there are.

use std::collections::BTreeMap;

use super::message::{ClientId, Digest, Request, Timestamp};

/// The last request executed for a client, and its result.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LastReply {
    /// Timestamp of that request.
    pub timestamp: Timestamp,
    /// Its result.
    pub result: u64,
}

/// What executing one request did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Execution {
    /// Executed now, with this result.
    Executed(u64),
    /// Already executed earlier with this result (same timestamp): reply again, do not execute.
    Duplicate(u64),
    /// Older than the client's last executed request: ignore.
    Stale,
}

/// The replicated state: a running hash of executed operations and the reply table.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServiceState {
    executed: u64,
    chain: Digest,
    last_reply: BTreeMap<ClientId, LastReply>,
    /// The sum (mod 2^128) of `entry_share` over the reply table.
    table_sum: u128,
}

impl Default for ServiceState {
    fn default() -> Self {
        ServiceState {
            executed: 0,
            chain: Digest([0; 16]),
            last_reply: BTreeMap::new(),
            table_sum: 0,
        }
    }
}

/// Folded 64x64 -> 128-bit multiply (a wyhash-style mixing step).
fn fold(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

/// One reply-table entry's share of the table's digest: a 128-bit mix of its fields. Not a
/// cryptographic hash: it tells honest states apart, which is all the simulator asks of it
/// (the state digest hashes the sum with SHA-256, truncated to 128 bits: [`Digest::of`]).
fn entry_share(client: ClientId, last: LastReply) -> u128 {
    const K: [u64; 4] = [
        0x9e37_79b9_7f4a_7c15,
        0xbf58_476d_1ce4_e5b9,
        0x94d0_49bb_1331_11eb,
        0xd6e8_feb8_6659_fd93,
    ];
    let a = fold(u64::from(client) ^ K[0], last.timestamp ^ K[1]);
    let b = fold(last.result ^ K[2], a ^ K[3]);
    let c = fold(a ^ K[1], b ^ K[0]);
    (u128::from(b) << 64) | u128::from(c)
}

impl ServiceState {
    /// Executes `request` unless its client already has a newer or equal one executed.
    pub fn execute(&mut self, request: &Request) -> Execution {
        if let Some(last) = self.last_reply.get(&request.client()) {
            if request.timestamp() < last.timestamp {
                return Execution::Stale;
            }
            if request.timestamp() == last.timestamp {
                return Execution::Duplicate(last.result);
            }
        }
        self.executed += 1;
        self.chain = Digest::of(&[&self.chain.0, &request.digest().0]);
        let result = self.executed;
        let last = LastReply {
            timestamp: request.timestamp(),
            result,
        };
        if let Some(old) = self.last_reply.insert(request.client(), last) {
            self.table_sum = self
                .table_sum
                .wrapping_sub(entry_share(request.client(), old));
        }
        self.table_sum = self
            .table_sum
            .wrapping_add(entry_share(request.client(), last));
        Execution::Executed(result)
    }

    /// The last reply sent to `client`, if any.
    pub fn last_reply(&self, client: ClientId) -> Option<LastReply> {
        self.last_reply.get(&client).copied()
    }

    /// The digest a CHECKPOINT carries (§4.3), and that a replica reports after each
    /// execution: covers the operation count, the log hash and the reply table, in constant
    /// time (the table enters through its running sum, see the module header).
    pub fn digest(&self) -> Digest {
        Digest::of(&[
            b"state",
            &self.executed.to_le_bytes(),
            &self.chain.0,
            &self.table_sum.to_le_bytes(),
        ])
    }

    /// The reply table, per client in id order.
    pub fn reply_table(&self) -> impl Iterator<Item = (ClientId, LastReply)> + '_ {
        self.last_reply.iter().map(|(c, l)| (*c, *l))
    }

    /// The digest of the initial state (computed once per process).
    pub fn initial_digest() -> Digest {
        static INITIAL: std::sync::OnceLock<Digest> = std::sync::OnceLock::new();
        *INITIAL.get_or_init(|| ServiceState::default().digest())
    }

    /// Number of operations executed.
    pub fn executed(&self) -> u64 {
        self.executed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(client: ClientId, timestamp: Timestamp) -> Request {
        crate::protocol::auth::test_request(client, timestamp, 100 + timestamp)
    }

    #[test]
    fn executes_each_timestamp_once() {
        let mut s = ServiceState::default();
        assert_eq!(s.execute(&req(0, 1)), Execution::Executed(1));
        assert_eq!(s.execute(&req(1, 1)), Execution::Executed(2));
        assert_eq!(s.execute(&req(0, 1)), Execution::Duplicate(1));
        assert_eq!(s.execute(&req(0, 2)), Execution::Executed(3));
        assert_eq!(s.execute(&req(0, 1)), Execution::Stale);
        assert_eq!(s.executed(), 3);
    }

    #[test]
    fn digest_depends_on_order() {
        let mut a = ServiceState::default();
        let mut b = ServiceState::default();
        a.execute(&req(0, 1));
        a.execute(&req(1, 1));
        b.execute(&req(1, 1));
        b.execute(&req(0, 1));
        assert_ne!(a.digest(), b.digest());
        let mut c = ServiceState::default();
        c.execute(&req(0, 1));
        c.execute(&req(1, 1));
        assert_eq!(a.digest(), c.digest());
    }

    #[test]
    fn the_incremental_table_sum_is_the_sum_over_the_table() {
        let mut s = ServiceState::default();
        for (client, ts) in [
            (0, 1),
            (1, 1),
            (0, 2),
            (2, 1),
            (1, 2),
            (0, 2),
            (0, 1),
            (0, 3),
        ] {
            s.execute(&req(client, ts));
        }
        let fresh = s
            .reply_table()
            .fold(0u128, |sum, (c, l)| sum.wrapping_add(entry_share(c, l)));
        assert_eq!(s.table_sum, fresh);
    }

    #[test]
    fn the_digest_covers_the_reply_table() {
        let mut a = ServiceState::default();
        a.execute(&req(0, 1));
        let mut b = a.clone();
        assert_eq!(a.digest(), b.digest());
        // Same operation count and log hash, another result recorded for client 0.
        let forged = LastReply {
            timestamp: 1,
            result: 7,
        };
        b.table_sum = b
            .table_sum
            .wrapping_sub(entry_share(
                0,
                LastReply {
                    timestamp: 1,
                    result: 1,
                },
            ))
            .wrapping_add(entry_share(0, forged));
        b.last_reply.insert(0, forged);
        assert_ne!(a.digest(), b.digest());
    }
}
