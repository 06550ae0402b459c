//! Withholding: `Censor` (a primary that never orders some clients' requests) and
//! `SelectiveSilence` (a replica that sends nothing to some replicas).

use std::collections::BTreeSet;

use super::{recipients, Behaviour, Context};
use crate::protocol::message::{Batch, PrePrepare, Request, Vote};
use crate::protocol::{Action, ClientId, Input, Keyring, Message, NodeId, ReplicaId, VoteKind};

/// A primary that censors clients (Castro & Liskov, OSDI'99 §4.4: a backup whose request is
/// not executed in time suspects the primary and starts a view change, so a primary cannot
/// starve a client for long). As primary (or while changing to a view it will lead) it
/// never hears the requests of `clients`, whether from them or relayed by backups, so it never
/// orders them, and it orders everyone else's as usual; a pre-prepare it would send with such a
/// request anyway (one inherited from an earlier view) is re-signed without it (the null request
/// if nothing is left). Pre-prepares re-issued in a NEW-VIEW are left alone (they are prepared
/// already, and tampering would only void the NEW-VIEW). The censored client's retransmission
/// reaches the backups, whose view-change timers then replace the primary. As backup it is
/// honest.
#[derive(Clone, Debug, Default)]
pub struct Censor {
    clients: BTreeSet<ClientId>,
}

impl Censor {
    /// Censors `clients`.
    pub fn new(clients: &[ClientId]) -> Censor {
        Censor {
            clients: clients.iter().copied().collect(),
        }
    }

    fn censored(&self, request: &Request) -> bool {
        self.clients.contains(&request.client())
    }

    /// `pp` without the censored requests, re-signed; `pp` itself if it has none.
    fn strip(&self, pp: PrePrepare, keys: &Keyring) -> PrePrepare {
        if !pp.batch.requests().iter().any(|r| self.censored(r)) {
            return pp;
        }
        let kept: Vec<Request> = pp
            .batch
            .requests()
            .iter()
            .filter(|r| !self.censored(r))
            .copied()
            .collect();
        let batch = Batch::new(kept);
        let vote = Vote {
            digest: batch.digest(),
            ..pp.vote()
        };
        PrePrepare {
            signed: keys.sign((VoteKind::PrePrepare, vote)),
            batch,
        }
    }
}

impl Behaviour for Censor {
    fn name(&self) -> &str {
        "Censor"
    }

    fn lookahead_bound_ns(&self, _cfg: &crate::protocol::ReplicaConfig) -> u64 {
        u64::MAX // schedules nothing itself, shares no state, never sends to itself
    }

    fn on_input(&mut self, input: Input, ctx: &mut Context<'_>) -> Option<Input> {
        if let Input::Message {
            message: Message::Request(request),
            ..
        } = &input
        {
            if ctx.replica.is_primary() && self.censored(request) {
                return None;
            }
        }
        Some(input)
    }

    fn on_actions(&mut self, actions: Vec<Action>, ctx: &mut Context<'_>) -> Vec<Action> {
        let keys = ctx.replica.keyring();
        actions
            .into_iter()
            .map(|action| match action {
                Action::Broadcast(Message::PrePrepare(pp)) => {
                    Action::Broadcast(Message::PrePrepare(self.strip(pp, keys)))
                }
                Action::Send {
                    to,
                    message: Message::PrePrepare(pp),
                } => Action::Send {
                    to,
                    message: Message::PrePrepare(self.strip(pp, keys)),
                },
                other => other,
            })
            .collect()
    }
}

/// A replica that is silent towards some replicas only (a faulty replica may "fail to send" to
/// anyone it likes, Castro & Liskov §3; with a partition-like effect that only the faulty side
/// chooses). Every message it would send to a replica of `to`, on its own or as part of a
/// broadcast, is dropped; everything else (including replies to clients) goes out as usual.
#[derive(Clone, Debug, Default)]
pub struct SelectiveSilence {
    to: BTreeSet<ReplicaId>,
}

impl SelectiveSilence {
    /// Silent towards `to`.
    pub fn new(to: &[ReplicaId]) -> SelectiveSilence {
        SelectiveSilence {
            to: to.iter().copied().collect(),
        }
    }

    fn filter(&self, action: Action, ctx: &Context<'_>, out: &mut Vec<Action>) {
        match action {
            Action::Send {
                to: NodeId::Replica(r),
                ..
            } if self.to.contains(&r) => {}
            Action::Broadcast(message) => {
                if !recipients(ctx.replica).any(|r| self.to.contains(&r)) {
                    out.push(Action::Broadcast(message));
                    return;
                }
                for r in recipients(ctx.replica).filter(|r| !self.to.contains(r)) {
                    out.push(Action::Send {
                        to: NodeId::Replica(r),
                        message: message.clone(),
                    });
                }
            }
            Action::Delayed { after_ns, action } => {
                let mut inner = Vec::new();
                self.filter(*action, ctx, &mut inner);
                for action in inner {
                    out.push(Action::Delayed {
                        after_ns,
                        action: Box::new(action),
                    });
                }
            }
            other => out.push(other),
        }
    }
}

impl Behaviour for SelectiveSilence {
    fn name(&self) -> &str {
        "SelectiveSilence"
    }

    fn lookahead_bound_ns(&self, _cfg: &crate::protocol::ReplicaConfig) -> u64 {
        u64::MAX // schedules nothing itself, shares no state, never sends to itself
    }

    fn on_actions(&mut self, actions: Vec<Action>, ctx: &mut Context<'_>) -> Vec<Action> {
        let mut out = Vec::with_capacity(actions.len());
        for action in actions {
            self.filter(action, ctx, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::protocol::{Timer, TimerKind};

    #[test]
    fn selective_silence_drops_exactly_the_sends_to_its_targets() {
        let mut h = Harness::new(1, 5);
        let mut b = SelectiveSilence::new(&[0, 3, 9]);
        let commit = commit_of(Vote {
            view: 0,
            seq: 1,
            digest: batch(&[request(0, 1)]).digest(),
        });
        let timer = Action::SetTimer {
            timer: Timer {
                kind: TimerKind::Status,
                generation: 1,
            },
            after_ns: 5,
        };
        let actions = vec![
            Action::Broadcast(commit.clone()),
            Action::Send {
                to: NodeId::Replica(3),
                message: commit.clone(),
            },
            Action::Send {
                to: NodeId::Replica(4),
                message: commit.clone(),
            },
            Action::Send {
                to: NodeId::Client(3),
                message: commit.clone(),
            },
            Action::Delayed {
                after_ns: 7,
                action: Box::new(Action::Broadcast(commit.clone())),
            },
            timer,
        ];
        let out = h.actions(&mut b, actions);
        let to: Vec<NodeId> = sends(&out, 1, 5).into_iter().map(|(to, _)| to).collect();
        use NodeId::{Client, Replica};
        assert_eq!(
            to,
            vec![
                Replica(2),
                Replica(4),
                Replica(4),
                Client(3),
                Replica(2),
                Replica(4)
            ]
        );
        assert!(matches!(out.last(), Some(Action::SetTimer { .. })));
        let mut none = SelectiveSilence::new(&[1]);
        let out = h.actions(&mut none, vec![Action::Broadcast(commit)]);
        assert!(
            matches!(&out[..], [Action::Broadcast(_)]),
            "only itself: no change"
        );
    }

    #[test]
    fn censor_hides_those_clients_requests_as_primary_only() {
        let mut b = Censor::new(&[1]);
        let mut primary = Harness::new(0, 4);
        let mut backup = Harness::new(2, 4);
        for client in [0, 1, 2] {
            let req = from(NodeId::Client(client), Message::Request(request(client, 1)));
            let relayed = from(NodeId::Replica(3), Message::Request(request(client, 1)));
            let hidden = client == 1;
            assert_eq!(primary.input(&mut b, req.clone()).is_none(), hidden);
            assert_eq!(primary.input(&mut b, relayed).is_none(), hidden);
            assert!(backup.input(&mut b, req).is_some(), "backups are honest");
        }
        let pp = pre_prepare(0, 0, 1, &[request(0, 1), request(1, 1)]);
        let out = primary.actions(&mut b, vec![Action::Broadcast(pp)]);
        let [Action::Broadcast(Message::PrePrepare(p))] = &out[..] else {
            panic!("one pre-prepare")
        };
        assert_eq!(p.batch.requests(), &[request(0, 1)]);
        assert_eq!(p.vote().digest, p.batch.digest());
        assert!(primary.replica.keyring().verify(&p.signed) && p.signed.signer() == 0);
        let only = pre_prepare(0, 0, 2, &[request(1, 2)]);
        let out = primary.actions(&mut b, vec![Action::Broadcast(only)]);
        let [Action::Broadcast(Message::PrePrepare(p))] = &out[..] else {
            panic!("one pre-prepare")
        };
        assert!(p.batch.is_null(), "the null request");
    }
}
