//! Attacks on timing: `SlowPrimary` (a primary that stays just fast enough not to be replaced,
//! Clement et al., NSDI'09) and `ViewChangeStorm` (a replica that keeps demanding view changes:
//! alone it moves nobody, since a replica joins only when f+1 others ask, Castro & Liskov
//! §4.5.2).

use std::sync::Arc;

use rand::RngExt;

use super::{wake_up, Behaviour, Context, Outgoing};
use crate::protocol::message::ViewChange;
use crate::protocol::{Action, Input, Message, View};

/// A primary that is correct but slow on purpose (Clement et al., "Making Byzantine Fault
/// Tolerant Systems Tolerate Byzantine Faults", NSDI'09, the attack that motivates Aardvark's
/// throughput monitoring): it holds every pre-prepare it
/// sends back by `delay_ns` of virtual time (`Action::Delayed`). Set just under the view-change
/// timeout, it cuts throughput by orders of magnitude while no backup's timer ever expires, so
/// PBFT never replaces it. Everything else it does on time; as backup it is honest.
#[derive(Clone, Copy, Debug, Default)]
pub struct SlowPrimary {
    /// How long each pre-prepare is held back, in virtual nanoseconds.
    pub delay_ns: u64,
}

impl Behaviour for SlowPrimary {
    fn name(&self) -> &str {
        "SlowPrimary"
    }

    fn on_send(&mut self, copy: Outgoing, _ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        // §4.2: the pre-prepare is the primary's proposal; holding it back delays the slot.
        let action = copy.into_action();
        match &action {
            Action::Send {
                message: Message::PrePrepare(_),
                ..
            } if self.delay_ns > 0 => out.push(Action::Delayed {
                after_ns: self.delay_ns,
                action: Box::new(action),
            }),
            _ => out.push(action),
        }
    }
}

/// The wake-up tag of the storm's timer.
const STORM: u64 = 0x5707;

/// A replica that demands view changes without cause (Castro & Liskov, OSDI'99 §4.5.2: "faulty
/// replicas are unable to impede progress by forcing frequent view changes", since a replica
/// joins a view change only when f+1 others ask for one). About every half view-change timeout
/// (at random between a quarter and three quarters of it) it sends every replica a VIEW-CHANGE
/// for a view above its current one and above the last it demanded, signed by itself, with its
/// stable checkpoint and that checkpoint's proof as C and an empty P, so honest replicas accept
/// it as valid (a faulty replica may always leave out what it prepared). At most f of them
/// cannot move the others; their demands still count in the quorums of real view changes.
/// Otherwise honest.
#[derive(Clone, Copy, Debug, Default)]
pub struct ViewChangeStorm {
    last_demanded: View,
    rearm: bool,
}

impl ViewChangeStorm {
    fn next_wake_up(ctx: &mut Context<'_>) -> Action {
        let half = (ctx.replica.config().view_change_timeout_ns / 2).max(1_000_000);
        let after_ns = ctx.rng.random_range(half / 2..=half + half / 2);
        wake_up(STORM, after_ns)
    }
}

impl Behaviour for ViewChangeStorm {
    fn name(&self) -> &str {
        "ViewChangeStorm"
    }

    fn on_start(&mut self, ctx: &mut Context<'_>) -> Vec<Action> {
        vec![Self::next_wake_up(ctx)]
    }

    fn on_input(&mut self, input: Input, _ctx: &mut Context<'_>) -> Option<Input> {
        if let Input::Recover = input {
            self.rearm = true; // a crash lost the timer
        }
        Some(input)
    }

    fn after_input(&mut self, ctx: &mut Context<'_>, out: &mut Vec<Action>) {
        if std::mem::take(&mut self.rearm) {
            out.push(Self::next_wake_up(ctx));
        }
    }

    fn on_wake_up(&mut self, tag: u64, ctx: &mut Context<'_>) -> Vec<Action> {
        if tag != STORM {
            return Vec::new();
        }
        let view = self.last_demanded.max(ctx.replica.view()).saturating_add(1);
        self.last_demanded = view;
        let stable = ctx.replica.stable_checkpoint();
        let demand = ViewChange {
            new_view: view,
            stable_seq: stable.seq,
            stable_state: stable.state,
            checkpoint_proof: stable.proof.clone(),
            prepared: Vec::new(),
        };
        let signed = ctx.replica.keyring().sign(demand);
        vec![
            Action::Broadcast(Message::ViewChange(Arc::new(signed))),
            Self::next_wake_up(ctx),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::protocol::view_change::check_view_change;
    use crate::protocol::{Keyring, NodeId};

    #[test]
    fn slow_primary_delays_only_pre_prepares() {
        let mut h = Harness::new(0, 4);
        let mut b = SlowPrimary { delay_ns: 150 };
        let pp = pre_prepare(0, 0, 1, &[request(0, 1)]);
        let out = h.actions(
            &mut b,
            vec![
                Action::Broadcast(pp.clone()),
                Action::Send {
                    to: NodeId::Replica(2),
                    message: pp,
                },
                Action::Broadcast(Message::Status(Default::default())),
            ],
        );
        // The broadcast's three copies and the resend are held back; STATUS is not.
        assert_eq!(out.len(), 7);
        for (i, action) in out[..4].iter().enumerate() {
            let Action::Delayed {
                after_ns: 150,
                action,
            } = action
            else {
                panic!("copy {i} delayed by 150 ns: {action:?}")
            };
            let to = if i < 3 { [1, 2, 3][i] } else { 2 };
            assert!(matches!(
                **action,
                Action::Send { to: NodeId::Replica(r), message: Message::PrePrepare(_) } if r == to
            ));
        }
        assert!(out[4..].iter().all(|a| matches!(
            a,
            Action::Send {
                message: Message::Status(_),
                ..
            }
        )));
    }

    #[test]
    fn storm_demands_ever_higher_views_that_honest_replicas_accept() {
        let mut h = Harness::new(2, 4);
        let mut b = ViewChangeStorm::default();
        let mut ctx = Context {
            replica: &h.replica,
            rng: &mut h.rng,
        };
        let start = b.on_start(&mut ctx);
        assert!(matches!(&start[..], [Action::SetTimer { .. }]));
        let honest = Keyring::for_test(0);
        for expected in 1..=3 {
            let out = b.on_wake_up(STORM, &mut ctx);
            let [Action::Broadcast(Message::ViewChange(vc)), Action::SetTimer { after_ns, .. }] =
                &out[..]
            else {
                panic!("a view-change and the next wake-up")
            };
            assert!((50_000_000..=150_000_000).contains(after_ns));
            assert_eq!(vc.value().new_view, expected);
            assert!(vc.value().prepared.is_empty());
            assert!(honest.verify(vc.as_ref()) && vc.signer() == 2);
            assert_eq!(check_view_change(vc.value(), &config(4), &honest), Ok(()));
        }
        assert!(b.on_wake_up(STORM + 1, &mut ctx).is_empty(), "not its tag");
    }
}
