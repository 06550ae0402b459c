//! `SplitBrain`: a coalition led by a byzantine primary orders two different batches at one
//! sequence number, each for half of the honest replicas, and every member votes for both.
//! Within f faults any two quorums share an honest replica, which votes for one batch only,
//! so at most one batch commits at n; with f+1 members both may (Castro & Liskov §4.5.1,
//! TOCS'02 §2.2).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use rand::seq::SliceRandom;

use super::{lock, Behaviour, BuildContext, BuildError, Context, Outgoing};
use crate::protocol::message::{Batch, PrePrepare, Vote};
use crate::protocol::{
    Action, ClientId, Digest, Input, Message, NodeId, Observation, ReplicaId, Request, SeqNum,
    Timestamp, View, VoteKind,
};

/// At most this many client requests a member keeps as candidates for a second batch.
const MAX_SEEN: usize = 256;

/// One equivocation: at (v, n) the primary proposed batch `a` to most replicas and `b` to the
/// honest replicas of `b_side`.
#[derive(Clone, Debug)]
struct Equivocation {
    a: Digest,
    b: PrePrepare,
    b_side: BTreeSet<ReplicaId>,
}

/// The state a trial's `SplitBrain` replicas share: who they are, and the equivocations their
/// primaries have started, by (view, sequence number).
#[derive(Debug, Default)]
pub struct Coalition {
    members: BTreeSet<ReplicaId>,
    equivocations: BTreeMap<(View, SeqNum), Equivocation>,
}

/// A member of the split-brain coalition (the attack behind PBFT's bound n >= 3f+1, Castro &
/// Liskov, OSDI'99 §4.5.1 and TOCS'02 §2.2: with f+1 faulty replicas two quorums may share
/// only faulty ones). All `SplitBrain` replicas of a
/// trial form one coalition. When a member is primary, for each batch A it orders it picks a
/// second batch B (another client request it has seen and not yet ordered, or the null request)
/// and a random half of the honest replicas: those get a pre-prepare of B, everyone else one of A,
/// for the same (v, n), both correctly signed. Every member then votes PREPARE (re-signed) and
/// COMMIT for each version to the side that got it, and for A to the other members. With f+1
/// members (n = 3f+1) each side reaches a quorum and the two halves commit different batches:
/// an agreement violation. With f or fewer, only A can gather a quorum; the others fetch it.
/// When no member is primary it is honest.
pub struct SplitBrain {
    coalition: Arc<Mutex<Coalition>>,
    seen: BTreeMap<(ClientId, Timestamp), Request>,
    /// Whether the coalition's equivocations were pruned below this replica's low watermark
    /// since its last input (once per input, before its first send, as every member does).
    pruned: bool,
    /// Whether the broadcast being sent started a plan (its copies then carry COMMITs).
    fresh: bool,
}

impl SplitBrain {
    /// Replica `ctx.replica()` joins the trial's coalition (an error if another behaviour
    /// holds the name `"SplitBrain"` with another state type).
    pub fn join(ctx: &mut BuildContext) -> Result<SplitBrain, BuildError> {
        let coalition = ctx.coalition::<Coalition>("SplitBrain")?;
        lock(&coalition).members.insert(ctx.replica());
        Ok(SplitBrain {
            coalition,
            seen: BTreeMap::new(),
            pruned: false,
            fresh: false,
        })
    }

    /// Drops the equivocations at or below this replica's low watermark, once per input.
    fn prune(&mut self, coalition: &mut Coalition, ctx: &Context<'_>) {
        if !std::mem::replace(&mut self.pruned, true) {
            let low = ctx.replica.low_watermark();
            coalition.equivocations.retain(|(_, seq), _| *seq > low);
        }
    }

    /// Starts an equivocation on `pp` (this replica's own pre-prepare as primary): the second
    /// batch, signed, and the side that gets it. `None` when there is nothing to conflict with.
    fn equivocation(
        &mut self,
        pp: &PrePrepare,
        coalition: &Coalition,
        ctx: &mut Context<'_>,
    ) -> Option<Equivocation> {
        for r in pp.batch.requests() {
            self.seen.remove(&(r.client(), r.timestamp()));
        }
        let b = match self.seen.values().next() {
            Some(other) => Batch::new(vec![*other]),
            None => Batch::null(),
        };
        if b.digest() == pp.batch.digest() {
            return None;
        }
        let vote = Vote {
            digest: b.digest(),
            ..pp.vote()
        };
        let b = PrePrepare {
            signed: ctx.replica.keyring().sign((VoteKind::PrePrepare, vote)),
            batch: b,
        };
        let mut honest: Vec<ReplicaId> = (0..ctx.replica.config().n)
            .filter(|r| !coalition.members.contains(r))
            .collect();
        honest.shuffle(&mut *ctx.rng);
        honest.truncate(honest.len() / 2);
        Some(Equivocation {
            a: pp.vote().digest,
            b,
            b_side: honest.into_iter().collect(),
        })
    }

    /// Forgets candidate requests that this replica executed (and older ones of that client).
    fn forget_executed(&mut self, executed: &[(Request, u64)]) {
        for (r, _) in executed {
            let done: Vec<_> = self
                .seen
                .range((r.client(), 0)..=(r.client(), r.timestamp()))
                .map(|(k, _)| *k)
                .collect();
            for key in done {
                self.seen.remove(&key);
            }
        }
    }
}

/// The version of `message` that replica `to` should get under `plan`.
fn version_for(
    message: &Message,
    to: ReplicaId,
    plan: &Equivocation,
    ctx: &Context<'_>,
) -> Message {
    if !plan.b_side.contains(&to) {
        return message.clone();
    }
    let b = plan.b.vote();
    match message {
        Message::PrePrepare(pp) if pp.vote().digest == plan.a => {
            Message::PrePrepare(plan.b.clone())
        }
        Message::Prepare(signed) if signed.value().1.digest == plan.a => {
            Message::Prepare(ctx.replica.keyring().sign((VoteKind::Prepare, b)))
        }
        Message::Commit(signed) if signed.value().1.digest == plan.a => {
            Message::Commit(ctx.replica.keyring().sign((VoteKind::Commit, b)))
        }
        other => other.clone(),
    }
}

/// The (view, seq) a normal-case message is about.
fn slot_of(message: &Message) -> Option<(View, SeqNum)> {
    let vote = match message {
        Message::PrePrepare(pp) => pp.vote(),
        Message::Prepare(signed) => signed.value().1,
        Message::Commit(signed) => signed.value().1,
        _ => return None,
    };
    Some((vote.view, vote.seq))
}

/// The COMMIT of this member for the batch A of `plan`, signed.
fn commit_of_a(plan: &Equivocation, ctx: &Context<'_>) -> Message {
    let a_vote = Vote {
        digest: plan.a,
        ..plan.b.vote()
    };
    Message::Commit(ctx.replica.keyring().sign((VoteKind::Commit, a_vote)))
}

impl Behaviour for SplitBrain {
    fn name(&self) -> &str {
        "SplitBrain"
    }

    fn on_input(&mut self, input: Input, _ctx: &mut Context<'_>) -> Option<Input> {
        if let Input::Message {
            message: Message::Request(r),
            ..
        } = &input
        {
            if self.seen.len() < MAX_SEEN {
                self.seen.insert((r.client(), r.timestamp()), *r);
            }
        }
        Some(input)
    }

    fn on_send(&mut self, copy: Outgoing, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        let shared = Arc::clone(&self.coalition);
        let mut coalition = lock(&shared);
        self.prune(&mut coalition, ctx);
        let (NodeId::Replica(r), Some(key)) = (copy.to, slot_of(&copy.message)) else {
            out.push(copy.into_action());
            return;
        };
        if copy.broadcast == Some(0) {
            self.fresh = false;
            // The primary's proposal (§4.2): start the equivocation at this (v, n).
            if let Message::PrePrepare(pp) = &copy.message {
                if !coalition.equivocations.contains_key(&key) && ctx.replica.is_primary() {
                    if let Some(plan) = self.equivocation(pp, &coalition, ctx) {
                        coalition.equivocations.insert(key, plan);
                        self.fresh = true;
                    }
                }
            }
        }
        let Some(plan) = coalition.equivocations.get(&key) else {
            out.push(copy.into_action());
            return;
        };
        out.push(Action::Send {
            to: copy.to,
            message: version_for(&copy.message, r, plan, ctx),
        });
        // The primary's first pre-prepare and each member's broadcast PREPARE come with the
        // member's COMMITs for both versions: the votes that make both sides' certificates.
        let prepare = matches!(copy.message, Message::Prepare(_));
        if copy.broadcast.is_some() && (self.fresh || prepare) {
            out.push(Action::Send {
                to: copy.to,
                message: version_for(&commit_of_a(plan, ctx), r, plan, ctx),
            });
        }
    }

    fn on_local(&mut self, action: Action, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        if let Action::Observe(Observation::Executed { executed, .. }) = &action {
            self.forget_executed(executed);
        }
        out.push(action);
    }

    fn after_input(&mut self, ctx: &mut Context<'_>, _out: &mut Vec<Action>) {
        let shared = Arc::clone(&self.coalition);
        self.prune(&mut lock(&shared), ctx);
        self.pruned = false;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::protocol::Keyring;

    fn coalition(members: &[ReplicaId], n: u32) -> (BuildContext, Vec<SplitBrain>) {
        let mut ctx = BuildContext::new(n, (n - 1) / 3);
        let behaviours = members
            .iter()
            .map(|&m| {
                ctx.set_replica(m);
                SplitBrain::join(&mut ctx).expect("one state type")
            })
            .collect();
        (ctx, behaviours)
    }

    fn digests_to(sent: &[(NodeId, Message)], kind: &str) -> BTreeMap<ReplicaId, Vec<Digest>> {
        let mut by = BTreeMap::new();
        for (to, m) in sent {
            let (NodeId::Replica(r), Some(d)) = (to, digest_of(m)) else {
                continue;
            };
            if m.kind() == kind {
                by.entry(*r).or_insert_with(Vec::new).push(d);
            }
        }
        by
    }

    fn digest_of(m: &Message) -> Option<Digest> {
        match m {
            Message::PrePrepare(pp) => Some(pp.vote().digest),
            Message::Prepare(s) => Some(s.value().1.digest),
            Message::Commit(v) => Some(v.value().1.digest),
            _ => None,
        }
    }

    #[test]
    fn primary_and_member_vote_each_version_to_its_side() {
        let (_ctx, mut members) = coalition(&[0, 1], 4);
        let mut primary = Harness::new(0, 4);
        let mut member = Harness::new(1, 4);
        let (a_req, b_req) = (request(0, 1), request(1, 1));
        for r in [a_req, b_req] {
            let input = from(NodeId::Client(r.client()), Message::Request(r));
            assert!(primary.input(&mut members[0], input).is_some());
        }
        let pp = pre_prepare(0, 0, 1, &[a_req]);
        let a = batch(&[a_req]).digest();
        let b = batch(&[b_req]).digest();
        let out = primary.actions(&mut members[0], vec![Action::Broadcast(pp.clone())]);
        let sent = sends(&out, 0, 4);
        let pps = digests_to(&sent, "pre-prepare");
        let commits = digests_to(&sent, "commit");
        assert_eq!(pps[&1], vec![a], "members get A");
        let b_side: Vec<ReplicaId> = [2, 3].into_iter().filter(|r| pps[r] == vec![b]).collect();
        assert_eq!(
            b_side.len(),
            1,
            "one of the two honest replicas gets B: {pps:?}"
        );
        let a_side = 5 - b_side[0];
        assert_eq!(pps[&a_side], vec![a]);
        assert_eq!(commits[&b_side[0]], vec![b]);
        assert_eq!(commits[&a_side], vec![a]);
        let keys = Keyring::for_test(3);
        for (_, m) in &sent {
            if let Message::PrePrepare(p) = m {
                assert!(keys.verify(&p.signed) && p.vote().digest == p.batch.digest());
            }
        }
        // The member prepares A (its honest code got A): each side gets its version, signed.
        let prepare = Message::Prepare(member.replica.keyring().sign((
            VoteKind::Prepare,
            Vote {
                view: 0,
                seq: 1,
                digest: a,
            },
        )));
        let out = member.actions(&mut members[1], vec![Action::Broadcast(prepare)]);
        let sent = sends(&out, 1, 4);
        let prepares = digests_to(&sent, "prepare");
        let commits = digests_to(&sent, "commit");
        assert_eq!(prepares[&b_side[0]], vec![b]);
        assert_eq!(commits[&b_side[0]], vec![b]);
        assert_eq!(
            (prepares[&a_side].clone(), prepares[&0].clone()),
            (vec![a], vec![a])
        );
        for (_, m) in &sent {
            if let Message::Prepare(s) = m {
                assert!(keys.verify(s) && s.signer() == 1);
            }
        }
        // A resend of the primary's pre-prepare to the B side carries B.
        let resend = Action::Send {
            to: NodeId::Replica(b_side[0]),
            message: pp,
        };
        let out = primary.actions(&mut members[0], vec![resend]);
        assert_eq!(digest_of(&sends(&out, 0, 4)[0].1), Some(b));
    }

    #[test]
    fn without_another_request_the_second_version_is_the_null_request() {
        let (_ctx, mut members) = coalition(&[0], 4);
        let mut primary = Harness::new(0, 4);
        let pp = pre_prepare(0, 0, 1, &[request(0, 1)]);
        let out = primary.actions(&mut members[0], vec![Action::Broadcast(pp)]);
        let pps = digests_to(&sends(&out, 0, 4), "pre-prepare");
        let null = Batch::null().digest();
        assert_eq!(
            pps.values().filter(|d| **d == vec![null]).count(),
            1,
            "{pps:?}"
        );
    }

    #[test]
    fn a_backup_with_no_plan_is_honest() {
        let (_ctx, mut members) = coalition(&[1], 4);
        let mut member = Harness::new(1, 4);
        let commit = commit_of(Vote {
            view: 0,
            seq: 1,
            digest: batch(&[request(0, 1)]).digest(),
        });
        let out = member.actions(&mut members[0], vec![Action::Broadcast(commit.clone())]);
        let sent = sends(&out, 1, 4);
        assert_eq!(sent.len(), 3, "one copy per other replica");
        assert!(sent.iter().all(|(_, m)| *m == commit), "unchanged");
    }
}
