//! The two simplest behaviours: `Silent`, a replica that crashed before the trial began (a
//! faulty replica may stop, Castro & Liskov §3), and `SeedAdversary`, the seed tutorial's
//! adversary (pre-prepares with wrong digests as primary, which §4.2's digest check rejects;
//! dropped and random PREPAREs as backup, and no COMMIT).

use rand::RngExt;

use super::{Behaviour, Context, Outgoing};
use crate::net::SimRng;
use crate::protocol::message::{Digest, Message, NodeId, PrePrepare, ReplicaId, SignedVote, Vote};
use crate::protocol::{Action, Input, Keyring, VoteKind};

/// A replica that sends nothing (a crash from the start, or a mute primary). It still receives
/// messages and ignores them; its timers never fire.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Behaviour for Silent {
    fn name(&self) -> &str {
        "Silent"
    }

    fn on_input(&mut self, _input: Input, _ctx: &mut Context<'_>) -> Option<Input> {
        None
    }
}

/// The seed tutorial's adversary. As primary it sends every replica a pre-prepare with a
/// different digest (equivocation that honest backups detect, since the digest does not match
/// the request). As backup it ignores half the pre-prepares, votes PREPARE for the rest with the
/// right digest or a fake one (even odds, one coin per PREPARE: every recipient of a broadcast
/// gets the same vote), and never commits. It can stall progress but, as the seed notes, never
/// break safety.
#[derive(Clone, Debug, Default)]
pub struct SeedAdversary {
    /// The PREPARE its coin chose for the message being sent, for every copy of it.
    prepare: Option<Message>,
}

fn fake_digest(of: Digest, salt: u64) -> Digest {
    Digest::of(&[b"seed-adversary", &of.0, &salt.to_le_bytes()])
}

impl Behaviour for SeedAdversary {
    fn name(&self) -> &str {
        "SeedAdversary"
    }

    fn on_input(&mut self, input: Input, ctx: &mut Context<'_>) -> Option<Input> {
        if let Input::Message {
            message: Message::PrePrepare(_),
            ..
        } = &input
        {
            if ctx.rng.random_bool(0.5) {
                return None;
            }
        }
        Some(input)
    }

    fn on_send(&mut self, copy: Outgoing, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        let keys = ctx.replica.keyring();
        match (&copy.message, copy.to) {
            // As primary (§4.2 pre-prepare), each replica gets a digest of its own, in a
            // broadcast and in a resend (a STATUS answer) alike: the seed's primary never sends
            // the true digest.
            (Message::PrePrepare(pp), NodeId::Replica(to)) => {
                out.push(forged_pre_prepare(pp, to, keys, ctx.rng));
            }
            (Message::Prepare(signed), to) => {
                if copy.is_first_copy() || self.prepare.is_none() {
                    self.prepare = Some(coin_prepare(signed, keys, ctx.rng));
                }
                if let Some(message) = self.prepare.clone() {
                    out.push(Action::Send { to, message });
                }
            }
            // Never commits: neither its COMMITs nor a commit certificate (which would carry
            // its own signed commit) leave it.
            (Message::Commit(_) | Message::CommitCertificate { .. }, _) => {}
            _ => out.push(copy.into_action()),
        }
    }
}

/// The pre-prepare `pp` for replica `to`, signed with a digest of its own that matches no
/// batch.
fn forged_pre_prepare(pp: &PrePrepare, to: ReplicaId, keys: &Keyring, rng: &mut SimRng) -> Action {
    let mut vote = pp.vote();
    vote.digest = fake_digest(vote.digest, rng.random::<u64>() ^ u64::from(to));
    Action::Send {
        to: NodeId::Replica(to),
        message: Message::PrePrepare(PrePrepare {
            signed: keys.sign((VoteKind::PrePrepare, vote)),
            batch: pp.batch.clone(),
        }),
    }
}

/// The PREPARE `signed` as the seed's backup votes it: the right digest or a fake one, at even
/// odds.
fn coin_prepare(signed: &SignedVote, keys: &Keyring, rng: &mut SimRng) -> Message {
    let (kind, vote) = *signed.value();
    let vote = if rng.random_bool(0.5) {
        vote
    } else {
        Vote {
            digest: fake_digest(vote.digest, 0),
            ..vote
        }
    };
    Message::Prepare(keys.sign((kind, vote)))
}
