//! Withholding: `Censor` (a primary that never orders some clients' requests: the backups the
//! clients reach wait for them and vote the primary out, Castro & Liskov §4.4) and
//! `SelectiveSilence` (a replica that sends nothing to some replicas, an omission fault, §3).

use std::collections::BTreeSet;

use super::{Behaviour, Context, Outgoing};
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

    fn on_send(&mut self, copy: Outgoing, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        match copy.message {
            Message::PrePrepare(pp) => out.push(Action::Send {
                to: copy.to,
                message: Message::PrePrepare(self.strip(pp, ctx.replica.keyring())),
            }),
            message => out.push(Action::Send {
                to: copy.to,
                message,
            }),
        }
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
}

impl Behaviour for SelectiveSilence {
    fn name(&self) -> &str {
        "SelectiveSilence"
    }

    fn on_send(&mut self, copy: Outgoing, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        match copy.to {
            NodeId::Replica(r) if self.to.contains(&r) => {}
            _ => out.push(copy.into_action()),
        }
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
        let send = |to| Action::Send {
            to,
            message: commit.clone(),
        };
        use NodeId::{Client, Replica};
        let actions = vec![
            Action::Broadcast(commit.clone()),
            send(Replica(3)),
            send(Replica(4)),
            send(Client(3)),
            timer,
        ];
        let out = h.actions(&mut b, actions);
        let to: Vec<NodeId> = sends(&out, 1, 5).into_iter().map(|(to, _)| to).collect();
        assert_eq!(to, vec![Replica(2), Replica(4), Replica(4), Client(3)]);
        assert!(matches!(out.last(), Some(Action::SetTimer { .. })));
        let mut none = SelectiveSilence::new(&[1]);
        let out = h.actions(&mut none, vec![Action::Broadcast(commit)]);
        let to: Vec<NodeId> = sends(&out, 1, 5).into_iter().map(|(to, _)| to).collect();
        assert_eq!(to, [0, 2, 3, 4].map(Replica), "only itself: no change");
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
        let sent = sends(&out, 0, 4);
        assert_eq!(sent.len(), 3, "one copy per backup");
        for (_, m) in &sent {
            let Message::PrePrepare(p) = m else {
                panic!("a pre-prepare")
            };
            assert_eq!(p.batch.requests(), &[request(0, 1)]);
            assert_eq!(p.vote().digest, p.batch.digest());
            assert!(primary.replica.keyring().verify(&p.signed) && p.signed.signer() == 0);
        }
        let only = pre_prepare(0, 0, 2, &[request(1, 2)]);
        let resend = Action::Send {
            to: NodeId::Replica(2),
            message: only,
        };
        let out = primary.actions(&mut b, vec![resend]);
        let [Action::Send {
            to: NodeId::Replica(2),
            message: Message::PrePrepare(p),
        }] = &out[..]
        else {
            panic!("one pre-prepare, to replica 2")
        };
        assert!(p.batch.is_null(), "the null request, in a resend too");
    }
}
