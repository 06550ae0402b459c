//! A replica's timers, which are data (see `TimerKind`): the batch timer (TOCS'02 §5.1), the
//! view-change timer (Castro & Liskov §4.4, §4.5.2), the state-transfer timer (§4.3) and the
//! status timer (TOCS'02 §5.2).
//!
//! A replica arms a timer by emitting `Action::SetTimer` and gets it back as
//! `Input::Timeout`. Each kind has one live setting: arming again, or disarming, makes every
//! earlier setting stale, and a stale timer is ignored when it fires. `Timers` owns the
//! generation and armed flag of each kind; the components that start and stop them (sequencer,
//! request tracking, view change, state transfer, stall detection) ask it, through the
//! replica, which of its settings is live.

use super::{Action, Timer, TimerKind};

/// The live setting of one timer: its generation, and whether it is armed.
#[derive(Clone, Copy, Default, Debug)]
struct TimerSlot {
    generation: u64,
    armed: bool,
}

/// The replica's four timers, one live setting each.
#[derive(Clone, Debug, Default)]
pub(crate) struct Timers {
    batch: TimerSlot,
    view_change: TimerSlot,
    fetch: TimerSlot,
    status: TimerSlot,
}

impl Timers {
    fn slot_mut(&mut self, kind: TimerKind) -> &mut TimerSlot {
        match kind {
            TimerKind::Batch => &mut self.batch,
            // A client's timer and a behaviour's are never a replica's: they share a slot that
            // `fires` never consults for them.
            TimerKind::ViewChange
            | TimerKind::Retransmit
            | TimerKind::Arrival
            | TimerKind::Think
            | TimerKind::Behaviour(_) => &mut self.view_change,
            TimerKind::Fetch => &mut self.fetch,
            TimerKind::Status => &mut self.status,
        }
    }

    /// Arms `kind` anew (any earlier setting becomes stale): the action that sets it for
    /// `after_ns` of virtual time.
    pub(crate) fn arm(&mut self, kind: TimerKind, after_ns: u64) -> Action {
        let slot = self.slot_mut(kind);
        slot.generation += 1;
        slot.armed = true;
        let timer = Timer {
            kind,
            generation: slot.generation,
        };
        Action::SetTimer { timer, after_ns }
    }

    /// Disarms `kind`: its pending firing becomes stale.
    pub(crate) fn disarm(&mut self, kind: TimerKind) {
        let slot = self.slot_mut(kind);
        slot.generation += 1;
        slot.armed = false;
    }

    /// Whether `kind` is armed (set, and neither fired nor disarmed since).
    pub(crate) fn is_armed(&self, kind: TimerKind) -> bool {
        match kind {
            TimerKind::Batch => self.batch.armed,
            TimerKind::ViewChange => self.view_change.armed,
            TimerKind::Fetch => self.fetch.armed,
            TimerKind::Status => self.status.armed,
            TimerKind::Retransmit
            | TimerKind::Arrival
            | TimerKind::Think
            | TimerKind::Behaviour(_) => false,
        }
    }

    /// Whether `timer`, as fired, is the live setting of its kind; if so it is armed no more.
    /// Stale settings, and kinds that are not a replica's, never fire.
    pub(crate) fn fires(&mut self, timer: Timer) -> bool {
        if matches!(
            timer.kind,
            TimerKind::Retransmit | TimerKind::Arrival | TimerKind::Think | TimerKind::Behaviour(_)
        ) {
            return false;
        }
        let slot = self.slot_mut(timer.kind);
        let live = slot.armed && slot.generation == timer.generation;
        if live {
            slot.armed = false;
        }
        live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(action: Action) -> Timer {
        match action {
            Action::SetTimer { timer, .. } => timer,
            other => panic!("not a timer: {other:?}"),
        }
    }

    #[test]
    fn only_the_latest_setting_fires_and_only_once() {
        let mut timers = Timers::default();
        let first = set(timers.arm(TimerKind::Batch, 5));
        let second = set(timers.arm(TimerKind::Batch, 5));
        assert!(timers.is_armed(TimerKind::Batch));
        assert!(!timers.fires(first), "re-armed: the first setting is stale");
        assert!(timers.fires(second));
        assert!(!timers.is_armed(TimerKind::Batch));
        assert!(!timers.fires(second), "fired already");
    }

    #[test]
    fn a_disarmed_timer_never_fires() {
        let mut timers = Timers::default();
        let timer = set(timers.arm(TimerKind::Status, 5));
        timers.disarm(TimerKind::Status);
        assert!(!timers.is_armed(TimerKind::Status));
        assert!(!timers.fires(timer));
    }

    /// Each kind has its own setting; the kinds that are not a replica's never fire, even with
    /// the generation of the slot they map to.
    #[test]
    fn kinds_are_independent() {
        let mut timers = Timers::default();
        let kinds = [
            TimerKind::Batch,
            TimerKind::ViewChange,
            TimerKind::Fetch,
            TimerKind::Status,
        ];
        let set_ones: Vec<Timer> = kinds.iter().map(|&k| set(timers.arm(k, 1))).collect();
        for (i, timer) in set_ones.iter().enumerate() {
            assert_eq!(timer.generation, 1, "{:?}", kinds[i]);
        }
        for kind in [TimerKind::Retransmit, TimerKind::Behaviour(7)] {
            assert!(!timers.is_armed(kind));
            assert!(!timers.fires(Timer {
                kind,
                generation: 1
            }));
        }
        timers.disarm(TimerKind::Fetch);
        for (timer, fires) in set_ones.into_iter().zip([true, true, false, true]) {
            assert_eq!(timers.fires(timer), fires, "{:?}", timer.kind);
        }
    }
}
