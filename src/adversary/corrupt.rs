//! Corrupted messages: `WrongDigest` (PREPARE and COMMIT votes for digests nobody proposed,
//! which never match a quorum's, Castro & Liskov §4.2) and `Mutate` (small-scope corruption of
//! one field, re-signed, after ByzzFuzz, Winter et al., OOPSLA'23).

use std::sync::Arc;

use rand::RngExt;

use super::spec::MutateField;
use super::{Behaviour, Context, Outgoing};
use crate::net::SimRng;
use crate::protocol::message::{Checkpoint, PrePrepare, SignedVote, Vote};
use crate::protocol::{Action, Digest, Keyring, Message};

/// A digest no replica computed: derived from the real one and a random salt.
fn bogus(of: Digest, rng: &mut SimRng) -> Digest {
    Digest::of(&[b"bogus", &of.0, &rng.random::<u64>().to_le_bytes()])
}

/// A replica that votes for digests nobody proposed (the "arbitrary behaviour" of Castro &
/// Liskov §3, aimed at the vote counting of §4.2): every PREPARE and COMMIT it sends names a
/// fresh random digest instead of the one it saw; its PREPAREs are signed by itself, so they are
/// well-formed votes for the wrong thing. Quorum certificates only count matching votes, so it
/// is no better than silent at slowing the others, and can never make a wrong digest prepare.
/// Every recipient of one broadcast vote gets the same wrong digest. It sends no commit
/// certificates (they would carry its own COMMIT for the real digest). Its pre-prepares (as
/// primary) are honest.
#[derive(Clone, Debug, Default)]
pub struct WrongDigest {
    /// The corrupted form of the message being sent, for every copy of it.
    corrupted: Option<Message>,
}

/// `signed`'s vote changed by `change`, signed anew by `keys` (the same kind of vote).
fn re_signed(signed: &SignedVote, keys: &Keyring, change: impl FnOnce(Vote) -> Vote) -> SignedVote {
    let (kind, vote) = *signed.value();
    keys.sign((kind, change(vote)))
}

impl WrongDigest {
    fn corrupt(message: Message, keys: &Keyring, rng: &mut SimRng) -> Message {
        let wrong = |vote: Vote| Vote {
            digest: bogus(vote.digest, rng),
            ..vote
        };
        match message {
            Message::Prepare(signed) => Message::Prepare(re_signed(&signed, keys, wrong)),
            Message::Commit(signed) => Message::Commit(re_signed(&signed, keys, wrong)),
            other => other,
        }
    }
}

impl Behaviour for WrongDigest {
    fn name(&self) -> &str {
        "WrongDigest"
    }

    fn on_send(&mut self, copy: Outgoing, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        match &copy.message {
            // §4.2: PREPARE and COMMIT name the digest they vote for.
            Message::Prepare(_) | Message::Commit(_) => {
                if copy.is_first_copy() || self.corrupted.is_none() {
                    let message = copy.message.clone();
                    let keys = ctx.replica.keyring();
                    self.corrupted = Some(Self::corrupt(message, keys, ctx.rng));
                }
                if let Some(message) = self.corrupted.clone() {
                    out.push(Action::Send {
                        to: copy.to,
                        message,
                    });
                }
            }
            Message::CommitCertificate { .. } => {}
            _ => out.push(copy.into_action()),
        }
    }
}

/// Small-scope message corruption, as in ByzzFuzz (Winter et al., "Randomized Testing of
/// Byzantine Fault Tolerant Algorithms", OOPSLA'23): each protocol message it sends (each copy,
/// per recipient) is, with `probability`, corrupted in one field: the view or the sequence number
/// moved by one, or the digest replaced. The messages are PRE-PREPARE, PREPARE and COMMIT
/// (view, sequence number, digest), CHECKPOINT (sequence number, state digest) and VIEW-CHANGE
/// (new view, checkpoint number, state digest). Signed ones are re-signed with its own key, so
/// the envelope's sender and the signature agree and only the protocol's own checks can reject
/// them. Other messages, and other fields, are sent unchanged.
#[derive(Clone, Copy, Debug)]
pub struct Mutate {
    probability: f64,
    field: MutateField,
}

impl Mutate {
    /// Corrupts `field` with `probability` (clamped to [0, 1]; not a number counts as 0).
    pub fn new(probability: f64, field: MutateField) -> Mutate {
        let probability = if probability.is_nan() {
            0.0
        } else {
            probability.clamp(0.0, 1.0)
        };
        Mutate { probability, field }
    }

    fn applies(message: &Message) -> bool {
        matches!(
            message,
            Message::PrePrepare(_)
                | Message::Prepare(_)
                | Message::Commit(_)
                | Message::Checkpoint(_)
                | Message::ViewChange(_)
        )
    }

    /// `x` moved by one, up or down (up from 0).
    fn nudge(x: u64, rng: &mut SimRng) -> u64 {
        if x == 0 || rng.random_bool(0.5) {
            x.saturating_add(1)
        } else {
            x - 1
        }
    }

    fn vote(&self, vote: Vote, rng: &mut SimRng) -> Vote {
        match self.field {
            MutateField::View => Vote {
                view: Self::nudge(vote.view, rng),
                ..vote
            },
            MutateField::Seq => Vote {
                seq: Self::nudge(vote.seq, rng),
                ..vote
            },
            MutateField::Digest => Vote {
                digest: bogus(vote.digest, rng),
                ..vote
            },
        }
    }

    /// `message` with the field corrupted, re-signed by `keys`.
    pub(crate) fn corrupt(&self, message: Message, keys: &Keyring, rng: &mut SimRng) -> Message {
        match message {
            Message::PrePrepare(pp) => Message::PrePrepare(PrePrepare {
                signed: re_signed(&pp.signed, keys, |v| self.vote(v, rng)),
                batch: pp.batch,
            }),
            Message::Prepare(signed) => {
                Message::Prepare(re_signed(&signed, keys, |v| self.vote(v, rng)))
            }
            Message::Commit(signed) => {
                Message::Commit(re_signed(&signed, keys, |v| self.vote(v, rng)))
            }
            Message::Checkpoint(signed) => {
                let cp = *signed.value();
                let cp = match self.field {
                    MutateField::View => return Message::Checkpoint(signed),
                    MutateField::Seq => Checkpoint {
                        seq: Self::nudge(cp.seq, rng),
                        ..cp
                    },
                    MutateField::Digest => Checkpoint {
                        state: bogus(cp.state, rng),
                        ..cp
                    },
                };
                Message::Checkpoint(keys.sign(cp))
            }
            Message::ViewChange(signed) => {
                let mut vc = signed.value().clone();
                match self.field {
                    MutateField::View => vc.new_view = Self::nudge(vc.new_view, rng),
                    MutateField::Seq => vc.stable_seq = Self::nudge(vc.stable_seq, rng),
                    MutateField::Digest => vc.stable_state = bogus(vc.stable_state, rng),
                }
                Message::ViewChange(Arc::new(keys.sign(vc)))
            }
            other => other,
        }
    }
}

impl Behaviour for Mutate {
    fn name(&self) -> &str {
        "Mutate"
    }

    fn on_send(&mut self, copy: Outgoing, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        if !Self::applies(&copy.message) || !ctx.rng.random_bool(self.probability) {
            out.push(copy.into_action());
            return;
        }
        let message = self.corrupt(copy.message, ctx.replica.keyring(), ctx.rng);
        out.push(Action::Send {
            to: copy.to,
            message,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::protocol::message::ViewChange;
    use crate::protocol::{NodeId, VoteKind};

    #[test]
    fn mutate_re_signs_so_envelope_and_signature_agree() {
        let me = replica(2, 4);
        let keys = Keyring::for_test(2);
        let other = Keyring::for_test(0);
        let mut rng = rng();
        for field in [MutateField::View, MutateField::Seq, MutateField::Digest] {
            let m = Mutate::new(1.0, field);
            let prepare = Message::Prepare(keys.sign((VoteKind::Prepare, vote())));
            let Message::Prepare(s) = m.corrupt(prepare, me.keyring(), &mut rng) else {
                panic!("still a prepare")
            };
            assert_eq!(s.signer(), 2);
            assert!(other.verify(&s), "{field:?}: signature valid");
            let changed = s.value().1;
            let diff = [
                changed.view != 3,
                changed.seq != 5,
                changed.digest != vote().digest,
            ];
            assert_eq!(
                diff.iter().filter(|d| **d).count(),
                1,
                "{field:?}: one field"
            );
            let vc = ViewChange {
                new_view: 4,
                stable_seq: 0,
                stable_state: vote().digest,
                checkpoint_proof: Vec::new(),
                prepared: Vec::new(),
            };
            let vc = Message::ViewChange(Arc::new(keys.sign(vc)));
            let Message::ViewChange(s) = m.corrupt(vc, me.keyring(), &mut rng) else {
                panic!("still a view-change")
            };
            assert!(other.verify(s.as_ref()) && s.signer() == 2);
        }
        let zero = Vote { view: 0, ..vote() };
        let m = Mutate::new(1.0, MutateField::View);
        for _ in 0..10 {
            let Message::Commit(v) = m.corrupt(commit_of(zero), me.keyring(), &mut rng) else {
                panic!("still a commit")
            };
            assert_eq!(v.value().1.view, 1, "view 0 moves up");
        }
    }

    #[test]
    fn mutate_probability_zero_changes_nothing_and_bad_values_do_not_panic() {
        let mut h = Harness::new(1, 4);
        let commit = commit_of(vote());
        for p in [0.0, -3.0, f64::NAN] {
            let mut m = Mutate::new(p, MutateField::Digest);
            let out = h.actions(&mut m, vec![Action::Broadcast(commit.clone())]);
            let sent = sends(&out, 1, 4);
            let to: Vec<NodeId> = sent.iter().map(|(to, _)| *to).collect();
            assert_eq!(to, [0, 2, 3].map(NodeId::Replica), "{p}: one copy each");
            assert!(sent.iter().all(|(_, c)| *c == commit), "{p}: unchanged");
        }
        let mut m = Mutate::new(7.0, MutateField::Digest);
        let out = h.actions(&mut m, vec![Action::Broadcast(commit.clone())]);
        let sent = sends(&out, 1, 4);
        assert_eq!(sent.len(), 3);
        assert!(sent.iter().all(|(_, c)| *c != commit), "clamped to 1");
    }

    #[test]
    fn wrong_digest_votes_for_unproposed_digests() {
        let mut h = Harness::new(1, 4);
        let keys = h.replica.keyring().clone();
        let prepare = Message::Prepare(keys.sign((VoteKind::Prepare, vote())));
        let reply = Action::Send {
            to: NodeId::Client(0),
            message: Message::Reply(crate::protocol::message::Reply {
                view: 0,
                timestamp: 1,
                result: 2,
                tentative: false,
            }),
        };
        let mut b = WrongDigest::default();
        let out = h.actions(
            &mut b,
            vec![
                Action::Broadcast(prepare),
                Action::Broadcast(commit_of(vote())),
                reply,
            ],
        );
        let sent = sends(&out, 1, 4);
        assert_eq!(sent.len(), 7, "three prepares, three commits, the reply");
        let (prepares, rest) = sent.split_at(3);
        let (commits, reply) = rest.split_at(3);
        for (copies, kind) in [(prepares, VoteKind::Prepare), (commits, VoteKind::Commit)] {
            let votes: Vec<_> = copies
                .iter()
                .map(|(_, m)| match m {
                    Message::Prepare(s) | Message::Commit(s) => s.clone(),
                    other => panic!("a vote, got {other:?}"),
                })
                .collect();
            for v in &votes {
                assert!(keys.verify(v) && v.value().0 == kind);
                assert_ne!(
                    v.value().1.digest,
                    vote().digest,
                    "a digest nobody proposed"
                );
                assert_eq!((v.value().1.view, v.value().1.seq), (3, 5));
                assert_eq!(v.value(), votes[0].value(), "one wrong vote per broadcast");
            }
        }
        assert_ne!(prepares[0].1, commits[0].1);
        assert!(matches!(reply, [(NodeId::Client(0), Message::Reply(_))]));
    }
}
