//! Read-only requests (Castro & Liskov, OSDI'99 §5.1; TOCS'02 §5.1.3): a client sends a
//! read-only request to every replica, and each executes it at once against its current
//! (committed) service state, without ordering it: no sequence number, no pre-prepare, and the
//! log, the state and the reply table stay as they were. The client waits for 2f+1 matching
//! replies, and retries the request as read-write if they do not match.
//!
//! The simulated service's read is a function of the whole state (its digest folded to a u64,
//! [`read_result`]), so replicas in different states give different results and the client
//! falls back. A replica in the middle of a view change refuses (`ViewChanging`; the client's
//! retransmission or read-write retry covers it); one fetching a state answers from the state
//! it has, which differs from the others' and so cannot make up a quorum with them. Under tentative execution the read
//! uses the committed state, not the tentative one: the paper executes it in the tentative
//! state and holds the reply until every request executed before it has committed, which gives
//! the same guarantee (the result reflects committed requests only) at once.

use super::message::{NodeId, Request};
use super::rejection::Rejection;
use super::replica::{Mode, Replica};
use super::service::ServiceState;
use super::Observation;

/// The result of a read-only request in `state`: its digest folded to a u64, so that any two
/// different states give different results.
pub fn read_result(state: &ServiceState) -> u64 {
    let d = state.digest().0;
    let mut low = [0u8; 8];
    let mut high = [0u8; 8];
    low.copy_from_slice(&d[..8]);
    high.copy_from_slice(&d[8..]);
    u64::from_le_bytes(low) ^ u64::from_le_bytes(high)
}

impl Replica {
    /// A read-only request from its client (already authenticated, and newer than the
    /// client's last executed request): executed at once in the current state and answered,
    /// never ordered. One relayed by a replica is not taken (clients send read-only requests
    /// to every replica themselves).
    pub(super) fn on_read_only(&mut self, from: NodeId, request: Request) {
        if from != NodeId::Client(request.client()) {
            return self.reject(Rejection::Unexpected);
        }
        if self.mode != Mode::Normal {
            return self.reject(Rejection::ViewChanging);
        }
        self.answer_read_only(request);
    }

    /// Executes a read-only request against the committed state and replies (also the
    /// unreplicated server's read, `unreplicated.rs`).
    pub(super) fn answer_read_only(&mut self, request: Request) {
        let result = read_result(&self.service);
        self.observe(Observation::ReadOnlyExecuted {
            client: request.client(),
            timestamp: request.timestamp(),
            result,
        });
        self.reply(request.client(), request.timestamp(), result);
    }
}
