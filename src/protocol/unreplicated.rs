//! The unreplicated baseline (the "unreplicated" column of Castro & Liskov, OSDI'99, Table 1):
//! with `ReplicaConfig::unreplicated`, replica 0 is the only server and runs no protocol. It
//! executes each authentic request on arrival and replies: no pre-prepare, no votes, no
//! checkpoints, no view changes, no timers. A read-only request is answered from the state
//! without changing it, as by a replica (`read_only.rs`); a repeated request gets its cached
//! reply, as in §4.1.
//!
//! Each executed request is reported as its own committed and executed one-request batch at
//! the next sequence number, so that the oracle (validity, exactly-once, the state check) and
//! the metrics (a request is done once every honest replica committed it) work unchanged at
//! n = 1.

use super::message::{Batch, Message, NodeId, Request};
use super::rejection::Rejection;
use super::replica::Replica;
use super::service::Execution;
use super::{Input, Observation};

impl Replica {
    /// Handles one input as the unreplicated server.
    pub(super) fn serve_unreplicated(&mut self, input: Input) {
        match input {
            Input::Message {
                from: NodeId::Client(_),
                message: Message::Request(request),
            } => self.execute_unreplicated(request),
            // No other node to hear from, and no timer of its own.
            Input::Message { .. } | Input::Timeout(_) => self.reject(Rejection::Unexpected),
            Input::Start | Input::Recover => {}
        }
    }

    fn execute_unreplicated(&mut self, request: Request) {
        if !self.keys.authentic(&request) {
            return self.reject(Rejection::BadAuthentication);
        }
        if request.shape().read_only {
            if let Some(last) = self.service.last_reply(request.client()) {
                if request.timestamp() < last.timestamp {
                    return self.reject(Rejection::StaleTimestamp);
                }
            }
            return self.answer_read_only(request);
        }
        let result = match self.service.execute(&request) {
            Execution::Executed(result) => {
                let seq = self.last_executed + 1;
                self.last_executed = seq;
                let batch = Batch::new(vec![request]);
                self.observe(Observation::Committed {
                    seq,
                    batch: batch.clone(),
                });
                let state = self.service.digest();
                self.observe(Observation::Executed {
                    seq,
                    executed: vec![(request, result)],
                    batch,
                    state,
                });
                result
            }
            Execution::Duplicate(result) => result,
            Execution::Stale => return self.reject(Rejection::StaleTimestamp),
        };
        self.reply(request.client(), request.timestamp(), result);
    }
}
