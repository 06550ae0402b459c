//! The replicated service and exactly-once execution (Castro & Liskov §4.1, §4.2 "execution").
//!
//! The service is a deterministic log: executing a request appends its digest to a running hash
//! and returns the count of operations executed so far, so honest replicas that execute the same
//! requests in the same order return the same results and reach the same state digest. The
//! service also keeps the last reply sent to each client: a request whose timestamp is not newer
//! than the last one executed for its client is not executed again (§4.1).

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
}

impl Default for ServiceState {
    fn default() -> Self {
        ServiceState {
            executed: 0,
            chain: Digest([0; 16]),
            last_reply: BTreeMap::new(),
        }
    }
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
        self.last_reply.insert(
            request.client(),
            LastReply {
                timestamp: request.timestamp(),
                result,
            },
        );
        Execution::Executed(result)
    }

    /// The last reply sent to `client`, if any.
    pub fn last_reply(&self, client: ClientId) -> Option<LastReply> {
        self.last_reply.get(&client).copied()
    }

    /// The digest a CHECKPOINT carries (§4.3): covers the log hash and the reply table.
    pub fn digest(&self) -> Digest {
        let mut table = Vec::with_capacity(self.last_reply.len() * 20);
        for (client, last) in &self.last_reply {
            table.extend_from_slice(&client.to_le_bytes());
            table.extend_from_slice(&last.timestamp.to_le_bytes());
            table.extend_from_slice(&last.result.to_le_bytes());
        }
        Digest::of(&[
            b"state",
            &self.executed.to_le_bytes(),
            &self.chain.0,
            &table,
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
}
