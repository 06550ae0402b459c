//! What a replica keeps for view changes (Castro & Liskov §4.4; liveness §4.5.2): the
//! VIEW-CHANGEs received and its own, how many view changes in a row failed, pre-prepares for a
//! view not yet entered, and the last NEW-VIEW accepted or sent.
//!
//! The replica's view-change protocol (`view_change.rs`) decides when to move views and checks
//! the messages; this keeper holds the state it needs, bounded so that a faulty replica cannot
//! fill memory: a few views' VIEW-CHANGEs per sender, and at most the watermark span's worth of
//! buffered pre-prepares.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::auth::Signed;
use super::message::{NewView, PrePrepare, ReplicaId, View, ViewChange};

/// How many views' VIEW-CHANGEs are kept per replica (own ones, for retransmission, included).
const KEPT_VIEW_CHANGES: usize = 4;

/// The view-change state of one replica.
#[derive(Debug)]
pub(crate) struct ViewChangeKeeper {
    /// The VIEW-CHANGEs taken in, by (view asked for, sender): this replica's own included.
    received: BTreeMap<(View, ReplicaId), Arc<Signed<ViewChange>>>,
    /// This replica's own VIEW-CHANGEs, by view, for retransmission.
    own: BTreeMap<View, Arc<Signed<ViewChange>>>,
    /// Consecutive view changes that failed to start a view that executed a request.
    failed: u32,
    /// Whether a request executed since this replica entered its current view.
    progress_in_view: bool,
    /// Authenticated pre-prepares for a view not yet entered, with their senders.
    future_pre_prepares: Vec<(ReplicaId, PrePrepare)>,
    /// The last NEW-VIEW this replica accepted, or sent as primary.
    last_new_view: Option<Arc<Signed<NewView>>>,
}

impl Default for ViewChangeKeeper {
    fn default() -> Self {
        ViewChangeKeeper {
            received: BTreeMap::new(),
            own: BTreeMap::new(),
            failed: 0,
            // View 0 needs no view change to prove itself.
            progress_in_view: true,
            future_pre_prepares: Vec::new(),
            last_new_view: None,
        }
    }
}

impl ViewChangeKeeper {
    /// The view-change timeout now: `base`, doubled for each consecutive view change that
    /// failed to start a view that executed a request (§4.5.2).
    pub(crate) fn timeout_ns(&self, base: u64) -> u64 {
        base << self.failed.min(16)
    }

    /// The view-change timer fired: the last view change failed if no new view came
    /// (`changing`), or the view it started executed nothing.
    pub(crate) fn timer_fired(&mut self, changing: bool) {
        if changing || !self.progress_in_view {
            self.failed += 1;
        }
    }

    /// A request executed: the current view works, so the timeout backs off no more.
    pub(crate) fn made_progress(&mut self) {
        self.progress_in_view = true;
        self.failed = 0;
    }

    /// This replica's own VIEW-CHANGE for `view`: VIEW-CHANGEs for earlier views are dropped.
    pub(crate) fn record_own(
        &mut self,
        view: View,
        me: ReplicaId,
        signed: Arc<Signed<ViewChange>>,
    ) {
        self.received.retain(|(v, _), _| *v >= view);
        self.received.insert((view, me), signed.clone());
        self.own.insert(view, signed);
        while self.own.len() > KEPT_VIEW_CHANGES {
            self.own.pop_first();
        }
    }

    /// Whether `sender`'s VIEW-CHANGE for `view` is held.
    pub(crate) fn holds(&self, view: View, sender: ReplicaId) -> bool {
        self.received.contains_key(&(view, sender))
    }

    /// Keeps `sender`'s (checked) VIEW-CHANGE for `view`, and that sender's latest few only.
    pub(crate) fn record(
        &mut self,
        view: View,
        sender: ReplicaId,
        signed: Arc<Signed<ViewChange>>,
    ) {
        self.received.insert((view, sender), signed);
        let from_sender: Vec<(View, ReplicaId)> = self
            .received
            .keys()
            .filter(|(_, r)| *r == sender)
            .copied()
            .collect();
        for key in from_sender
            .iter()
            .take(from_sender.len().saturating_sub(KEPT_VIEW_CHANGES))
        {
            self.received.remove(key);
        }
    }

    /// §4.5.2: the view to join when more than `f` other replicas ask for views above
    /// `current`: the smallest of them (each replica counted once, at the highest view it
    /// asked for).
    pub(crate) fn join_target(&self, current: View, me: ReplicaId, f: usize) -> Option<View> {
        let mut highest: BTreeMap<ReplicaId, View> = BTreeMap::new();
        for (v, r) in self.received.keys() {
            if *r != me && *v > current {
                highest.insert(*r, *v);
            }
        }
        if highest.len() > f {
            highest.into_values().min()
        } else {
            None
        }
    }

    /// How many distinct replicas (this one included) are known to be changing to `view` or
    /// beyond: senders of a VIEW-CHANGE held for `view` or a higher view, each counted once.
    pub(crate) fn changing_to_or_beyond(&self, view: View) -> usize {
        let senders: BTreeSet<ReplicaId> = self
            .received
            .range((view, 0)..)
            .map(|(&(_, r), _)| r)
            .collect();
        senders.len()
    }

    /// The VIEW-CHANGEs held for `view`, by sender.
    pub(crate) fn for_view(&self, view: View) -> Vec<Arc<Signed<ViewChange>>> {
        self.received
            .range((view, 0)..=(view, ReplicaId::MAX))
            .map(|(_, vc)| vc.clone())
            .collect()
    }

    /// The senders of the VIEW-CHANGEs held for `view`, in order.
    pub(crate) fn senders(&self, view: View) -> impl Iterator<Item = ReplicaId> + '_ {
        self.received
            .range((view, 0)..=(view, ReplicaId::MAX))
            .map(|(&(_, r), _)| r)
    }

    /// This replica's own VIEW-CHANGE for `view`, if still kept.
    pub(crate) fn own(&self, view: View) -> Option<&Arc<Signed<ViewChange>>> {
        self.own.get(&view)
    }

    /// Buffers a pre-prepare for a view not yet entered, up to `room` of them; returns whether
    /// it was kept.
    pub(crate) fn buffer(&mut self, sender: ReplicaId, pp: PrePrepare, room: usize) -> bool {
        let kept = self.future_pre_prepares.len() < room;
        if kept {
            self.future_pre_prepares.push((sender, pp));
        }
        kept
    }

    /// Entering `view` (§4.4): VIEW-CHANGEs for it and below are done with, the view has yet to
    /// execute a request, and the buffered pre-prepares of `view` come out, in arrival order
    /// (those of later views stay, those of earlier ones are dropped).
    pub(crate) fn enter(&mut self, view: View) -> Vec<PrePrepare> {
        self.progress_in_view = false;
        self.received.retain(|(v, _), _| *v > view);
        let buffered = std::mem::take(&mut self.future_pre_prepares);
        let mut now = Vec::new();
        for (j, pp) in buffered {
            match pp.vote().view.cmp(&view) {
                std::cmp::Ordering::Equal => now.push(pp),
                std::cmp::Ordering::Greater => self.future_pre_prepares.push((j, pp)),
                std::cmp::Ordering::Less => {}
            }
        }
        now
    }

    /// The last NEW-VIEW accepted or sent.
    pub(crate) fn last_new_view(&self) -> Option<&Arc<Signed<NewView>>> {
        self.last_new_view.as_ref()
    }

    /// Records the NEW-VIEW just accepted or sent.
    pub(crate) fn set_last_new_view(&mut self, new_view: Arc<Signed<NewView>>) {
        self.last_new_view = Some(new_view);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::auth::Keyring;
    use crate::protocol::message::{Batch, Vote};
    use crate::protocol::service::ServiceState;
    use crate::protocol::VoteKind;

    fn vc(signer: ReplicaId, view: View) -> Arc<Signed<ViewChange>> {
        Arc::new(Keyring::for_test(signer).sign(ViewChange {
            new_view: view,
            stable_seq: 0,
            stable_state: ServiceState::initial_digest(),
            checkpoint_proof: Vec::new(),
            prepared: Vec::new(),
        }))
    }

    fn pp(view: View, seq: u64) -> PrePrepare {
        let batch = Batch::null();
        let vote = Vote {
            view,
            seq,
            digest: batch.digest(),
        };
        PrePrepare {
            signed: Keyring::for_test(0).sign((VoteKind::PrePrepare, vote)),
            batch,
        }
    }

    /// A table of the VIEW-CHANGEs held (sender, view) -> the view replica 0 joins from view 1
    /// with f = 1 (more than f others must ask for higher views).
    #[test]
    fn a_replica_joins_the_smallest_view_more_than_f_others_ask_for() {
        type Held = &'static [(ReplicaId, View)];
        let cases: [(Held, Option<View>); 5] = [
            (&[(1, 2)], None),
            (&[(1, 2), (2, 3)], Some(2)),
            (&[(1, 2), (1, 3)], None),
            (&[(0, 2), (1, 2)], None),
            (&[(1, 1), (2, 1), (3, 4)], None),
        ];
        for (held, joins) in cases {
            let mut keeper = ViewChangeKeeper::default();
            for &(r, v) in held {
                keeper.record(v, r, vc(r, v));
            }
            assert_eq!(keeper.join_target(1, 0, 1), joins, "{held:?}");
        }
    }

    /// A table of the VIEW-CHANGEs held (sender, view) -> how many replicas are changing to
    /// view 2 or beyond (each counted once, whatever views it asked for).
    #[test]
    fn replicas_changing_to_a_view_or_beyond_are_counted_once_each() {
        type Held = &'static [(ReplicaId, View)];
        let cases: [(Held, usize); 4] = [
            (&[], 0),
            (&[(0, 2), (1, 2)], 2),
            (&[(0, 2), (0, 3), (1, 1)], 1),
            (&[(0, 2), (1, 3), (2, 5), (3, 1)], 3),
        ];
        for (held, changing) in cases {
            let mut keeper = ViewChangeKeeper::default();
            for &(r, v) in held {
                keeper.record(v, r, vc(r, v));
            }
            assert_eq!(keeper.changing_to_or_beyond(2), changing, "{held:?}");
        }
    }

    #[test]
    fn a_sender_keeps_only_its_latest_views() {
        let mut keeper = ViewChangeKeeper::default();
        for v in 1..=10 {
            keeper.record(v, 3, vc(3, v));
        }
        let kept: Vec<View> = (1..=10).filter(|&v| keeper.holds(v, 3)).collect();
        assert_eq!(kept, [7, 8, 9, 10]);
        keeper.record_own(9, 0, vc(0, 9));
        assert!(!keeper.holds(8, 3), "below its own view: dropped");
        assert_eq!(keeper.senders(9).collect::<Vec<_>>(), [0, 3]);
        assert_eq!(keeper.for_view(9).len(), 2);
        assert!(keeper.own(9).is_some() && keeper.own(8).is_none());
    }

    #[test]
    fn the_timeout_doubles_with_each_failure_until_a_view_executes() {
        let mut keeper = ViewChangeKeeper::default();
        keeper.timer_fired(false);
        assert_eq!(
            keeper.timeout_ns(100),
            100,
            "view 0 executed: not a failure"
        );
        keeper.enter(1);
        keeper.timer_fired(false);
        keeper.timer_fired(true);
        assert_eq!(keeper.timeout_ns(100), 400);
        keeper.made_progress();
        assert_eq!(keeper.timeout_ns(100), 100);
    }

    #[test]
    fn entering_a_view_releases_its_buffered_pre_prepares_only() {
        let mut keeper = ViewChangeKeeper::default();
        for (view, seq) in [(2, 1), (1, 1), (3, 1), (2, 2)] {
            assert!(keeper.buffer(0, pp(view, seq), 4), "room for {view}, {seq}");
        }
        assert!(!keeper.buffer(0, pp(2, 3), 4), "no room");
        let seqs = |pps: Vec<PrePrepare>| pps.iter().map(|p| p.vote().seq).collect::<Vec<_>>();
        assert_eq!(seqs(keeper.enter(2)), [1, 2]);
        assert_eq!(seqs(keeper.enter(3)), [1], "a later view's stayed");
        assert!(keeper.enter(4).is_empty());
    }
}
