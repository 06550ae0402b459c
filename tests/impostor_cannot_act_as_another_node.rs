//! The adversary model's promise, tested as an attacker would (Castro & Liskov §3: a faulty
//! replica cannot forge a non-faulty node's signature; §4.1: requests are authenticated by
//! their client). `Impostor` is a byzantine behaviour written against the public API only. It
//! does everything the API lets it try in order to act as someone else:
//!
//! - signs PREPAREs, COMMITs and VIEW-CHANGEs as every other replica, with keys it minted
//!   itself (the only public way to get a keyring other than its own);
//! - forges commit certificates for a batch of forged requests, with q "signatures" of other
//!   replicas, alone and mixed with its own genuine COMMIT, and one for the null request at the
//!   genuine request's sequence number;
//! - forges a stable checkpoint with a made-up state, and a NEW-VIEW "from" the next primary
//!   with q forged VIEW-CHANGEs;
//! - makes requests in a real client's name, at the next timestamp (near) and a million ahead
//!   (far), relays them to every replica, and, as primary, orders them in a pre-prepare signed
//!   with its own (genuine) key before the honest pre-prepare for the same sequence number.
//!
//! Every forgery must be refused: no safety violation, every genuine request completes, and
//! the forged VIEW-CHANGEs start no view change.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};

use common::run_scenario_text;
use pbft_sim::adversary::{register, Behaviour, BuildContext, Context, Outgoing};
use pbft_sim::protocol::client::operation_of;
use pbft_sim::protocol::message::{
    Batch, Checkpoint, Digest, Message, NewView, NodeId, PrePrepare, Request, ViewChange, Vote,
};
use pbft_sim::protocol::service::ServiceState;
use pbft_sim::protocol::{
    trial_keys, Action, ClientKey, Input, Keyring, Observation, Replica, VoteKind,
};

/// Forged messages sent, over every trial of the test binary (proof that the attack ran).
static FORGERIES: AtomicU64 = AtomicU64::new(0);

struct Impostor {
    /// Keyrings for every replica and keys for every client, minted by the attacker.
    forged_replicas: Vec<Keyring>,
    forged_clients: Vec<ClientKey>,
    /// Requests already answered with forgeries, so that each is attacked once.
    attacked: std::collections::BTreeSet<(u32, u64)>,
}

impl Impostor {
    fn new(ctx: &mut BuildContext) -> Impostor {
        let (forged_replicas, forged_clients) = trial_keys(ctx.n(), 4);
        Impostor {
            forged_replicas,
            forged_clients,
            attacked: Default::default(),
        }
    }

    /// Client `genuine.client()`'s request `ahead` timestamps later, made with a forged key.
    fn forged_request(&self, genuine: &Request, ahead: u64) -> Option<Request> {
        let key = self.forged_clients.get(genuine.client() as usize)?;
        let timestamp = genuine.timestamp() + ahead;
        Some(key.request(timestamp, operation_of(genuine.client(), timestamp)))
    }

    /// Everything the impostor sends when it sees `genuine` (a real client's request).
    fn forgeries(&self, genuine: &Request, replica: &Replica) -> Vec<Action> {
        let cfg = replica.config();
        let me = replica.id();
        let others: Vec<u32> = (0..cfg.n).filter(|&r| r != me).collect();
        let near = self.forged_request(genuine, 1);
        let far = self.forged_request(genuine, 1_000_000);
        let forged: Vec<Request> = near.into_iter().chain(far).collect();
        let mut out = Vec::new();
        let mut to_all = |message: Message| {
            for &r in &others {
                out.push(Action::Send {
                    to: NodeId::Replica(r),
                    message: message.clone(),
                });
            }
        };
        // Relayed in the client's name.
        for request in &forged {
            to_all(Message::Request(*request));
        }
        let batch = Batch::new(forged.clone());
        let seq = replica.last_executed() + 1;
        let vote = Vote {
            view: replica.view(),
            seq,
            digest: batch.digest(),
        };
        // As primary: a pre-prepare, genuinely signed, ordering the forged requests.
        if replica.is_primary() {
            to_all(Message::PrePrepare(PrePrepare {
                signed: replica.keyring().sign((VoteKind::PrePrepare, vote)),
                batch: batch.clone(),
            }));
        }
        // Votes "signed" by every other replica.
        for r in &others {
            let key = &self.forged_replicas[*r as usize];
            to_all(Message::Prepare(key.sign((VoteKind::Prepare, vote))));
            to_all(Message::Commit(key.sign((VoteKind::Commit, vote))));
        }
        // Commit certificates: q forged commits; and q - 1 forged beside its own genuine one.
        let quorum = cfg.quorum();
        let forged_commits: Vec<_> = (0..cfg.n)
            .filter(|&r| r != me)
            .take(quorum)
            .map(|r| self.forged_replicas[r as usize].sign((VoteKind::Commit, vote)))
            .collect();
        to_all(Message::CommitCertificate {
            batch: batch.clone(),
            commits: forged_commits.clone(),
        });
        let mut mixed = vec![replica.keyring().sign((VoteKind::Commit, vote))];
        mixed.extend(forged_commits.into_iter().take(quorum - 1));
        to_all(Message::CommitCertificate {
            batch,
            commits: mixed,
        });
        // The null request certified at the genuine request's sequence number: no forged
        // request in it, so only the signatures stand between it and an agreement violation.
        let null = Batch::null();
        let null_vote = Vote {
            digest: null.digest(),
            ..vote
        };
        to_all(Message::CommitCertificate {
            batch: null,
            commits: (0..cfg.n)
                .filter(|&r| r != me)
                .take(quorum)
                .map(|r| self.forged_replicas[r as usize].sign((VoteKind::Commit, null_vote)))
                .collect(),
        });
        // A stable checkpoint far ahead with a made-up state, "signed" by every other replica
        // (checkpoints count by signature, whoever forwards them).
        let checkpoint = Checkpoint {
            seq: cfg.checkpoint_interval,
            state: Digest([0xab; 16]),
        };
        for r in &others {
            to_all(Message::Checkpoint(
                self.forged_replicas[*r as usize].sign(checkpoint),
            ));
        }
        // VIEW-CHANGEs for the next view "from" every other replica, and the NEW-VIEW its
        // primary would send with them: accepted, they would start view v + 1.
        let initial = ServiceState::default();
        let new_view = replica.view() + 1;
        let view_changes: Vec<_> = (0..cfg.n)
            .map(|r| {
                let vc = ViewChange {
                    new_view,
                    stable_seq: 0,
                    stable_state: initial.digest(),
                    checkpoint_proof: Vec::new(),
                    prepared: Vec::new(),
                };
                Arc::new(self.forged_replicas[r as usize].sign(vc))
            })
            .collect();
        for vc in view_changes.iter().filter(|vc| vc.signer() != me) {
            to_all(Message::ViewChange(vc.clone()));
        }
        let next_primary = cfg.primary(new_view) as usize;
        to_all(Message::NewView(Arc::new(
            self.forged_replicas[next_primary].sign(NewView {
                view: new_view,
                view_changes: view_changes.into_iter().take(quorum).collect(),
                pre_prepares: Vec::new(),
            }),
        )));
        FORGERIES.fetch_add(out.len() as u64, Ordering::Relaxed);
        out
    }
}

impl Behaviour for Impostor {
    fn name(&self) -> &str {
        "Impostor"
    }

    fn on_send(&mut self, copy: Outgoing, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        // The requests this replica knows of: those it orders or relays, and those in the
        // pre-prepares it sends. Each is attacked once, before the honest message goes out (so
        // the forged pre-prepare reaches the backups first).
        let seen: Vec<Request> = match &copy.message {
            Message::Request(r) => vec![*r],
            Message::PrePrepare(pp) => pp.batch.requests().to_vec(),
            _ => Vec::new(),
        };
        for request in seen {
            if self
                .attacked
                .insert((request.client(), request.timestamp()))
            {
                out.extend(self.forgeries(&request, ctx.replica));
            }
        }
        out.push(copy.into_action());
    }
}

fn register_impostor() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        register("Impostor", |ctx: &mut BuildContext| -> Box<dyn Behaviour> {
            Box::new(Impostor::new(ctx))
        });
    });
}

fn scenario(n: u32, count: u32, placement: &str) -> String {
    format!(
        r#"Scenario(
            name: "impostor",
            seed: 5,
            trials: 8,
            replicas: {n},
            workload: (clients: 2, requests: 4),
            network: (delay: Uniform(min_ms: 2.0, max_ms: 12.0)),
            byzantine: [(count: {count}, placement: {placement}, behaviour: Custom(name: "Impostor"))],
            time_limit_ms: 30000.0,
        )"#
    )
}

#[test]
fn an_impostor_cannot_sign_as_another_node_nor_speak_for_a_client() {
    register_impostor();
    let before = FORGERIES.load(Ordering::Relaxed);
    for (n, count, placement) in [
        (4, 1, "Primary"),
        (4, 1, "Backups"),
        (4, 1, "Random"),
        (7, 2, "Primary"),
        (7, 2, "Random"),
    ] {
        let records = run_scenario_text(&scenario(n, count, placement));
        assert_eq!(records.len(), 8);
        for r in &records {
            let o = &r.outcome;
            let what = format!(
                "n {n}, {count} impostor(s) at {placement}, trial {}",
                r.trial
            );
            assert!(o.safety_ok, "{what}: {:?}", o.violations);
            assert!(
                o.success,
                "{what}: {}/{} completed",
                o.completed, o.requests
            );
            assert_eq!(o.completed, 8, "{what}: every genuine request completes");
            // Forged VIEW-CHANGEs were refused, and forged pre-prepares too: an honest
            // replica that took them would have left the genuine one waiting.
            assert_eq!(o.view_changes, 0, "{what}: no view change");
        }
    }
    let sent = FORGERIES.load(Ordering::Relaxed) - before;
    assert!(sent > 1000, "the impostor sent {sent} forged messages");
}

/// The same refusals, one replica at a time: what verifies in the trial that minted the keys
/// does not verify in another.
#[test]
fn a_certificate_or_request_minted_outside_the_trial_is_ignored() {
    let cfg = common::keys::config();
    let (keys, clients) = trial_keys(4, 1);
    let (forged_keys, forged_clients) = trial_keys(4, 1);
    let certificate = |keys: &[Keyring], client: &ClientKey| {
        let batch = Batch::new(vec![client.request(1, operation_of(0, 1))]);
        let vote = Vote {
            view: 0,
            seq: 1,
            digest: batch.digest(),
        };
        Message::CommitCertificate {
            commits: keys[1..]
                .iter()
                .map(|k| k.sign((VoteKind::Commit, vote)))
                .collect(),
            batch,
        }
    };
    let committed = |actions: &[Action]| {
        actions
            .iter()
            .any(|a| matches!(a, Action::Observe(Observation::Committed { .. })))
    };
    let from = |message| Input::Message {
        from: NodeId::Replica(1),
        message,
    };
    // Forged signatures, genuine request; genuine signatures, forged request; then the real one.
    for (signers, client, accepted) in [
        (&forged_keys, &clients[0], false),
        (&keys, &forged_clients[0], false),
        (&keys, &clients[0], true),
    ] {
        let mut replica = Replica::new(0, cfg.clone(), keys[0].clone());
        let out = replica.handle(from(certificate(signers, client)));
        assert_eq!(committed(&out), accepted, "{out:?}");
    }
    // A forged request relayed to the primary is not ordered; the genuine one is.
    for (client, ordered) in [(&forged_clients[0], false), (&clients[0], true)] {
        let mut primary = Replica::new(0, cfg.clone(), keys[0].clone());
        let request = client.request(1, operation_of(0, 1));
        let out = primary.handle(from(Message::Request(request)));
        let proposed = out
            .iter()
            .any(|a| matches!(a, Action::Broadcast(Message::PrePrepare(_))));
        assert_eq!(proposed, ordered, "{out:?}");
    }
}
