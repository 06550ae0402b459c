//! Stall detection (TOCS'02 §5.2, retransmission driven by status messages): when a replica
//! should broadcast STATUS so that the others resend what it lost.
//!
//! The status timer is set again whenever execution moves, so it fires only while execution
//! stands still. With a slot open (pre-prepared or voted on, not executed) it ticks at half
//! `status_period_ns`: the first STATUS goes out once the slot has been open a whole period and
//! nothing came in during the last tick (the slot is stalled, not slow); then it asks again at
//! each tick three times, and backs off to the period, doubling up to four times. A slot that
//! opens during an idle wait is checked from then. Other unfinished work (requests waiting
//! without a slot, a view change, peers that may lag) waits an idle period, half the
//! view-change timeout, doubling up to four times that.
//!
//! `StallDetector` owns that schedule; the replica tells it what it knows after each input
//! (how far it executed, whether a slot is open, whether work is unfinished) and performs what
//! it answers: leave the timer, stop it, or set it.

use super::message::SeqNum;

/// What to do with the status timer after an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatusTimer {
    /// Leave it as it is (running, or not needed and not running).
    Leave,
    /// Nothing is unfinished: stop it.
    Stop,
    /// Set it (anew) for this many virtual nanoseconds.
    Set(u64),
}

/// The two periods of the status timer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StatusPeriods {
    /// How long a slot may stay open before the replica says where it stands.
    pub(crate) open_slot_ns: u64,
    /// The wait for other unfinished work (half the base view-change timeout).
    pub(crate) idle_ns: u64,
}

/// The status timer's schedule: where execution stood when it was set, how many STATUS were
/// sent since execution last moved, and what came in meanwhile.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StallDetector {
    /// The last executed sequence number when the timer was set or last fired.
    mark: SeqNum,
    /// STATUS messages sent since execution last moved (the backoff).
    backoff: u32,
    /// Whether the timer is set for an open slot (`open_slot_ns`) or for an idle wait.
    for_open_slot: bool,
    /// Votes, pre-prepares and certificates taken in so far.
    taken_in: u64,
    /// `taken_in` when the timer was set: an open slot that still takes some in is moving.
    taken_in_mark: u64,
    /// Firings of the timer, at half the period, since the slot check began.
    ticks: u32,
}

impl StallDetector {
    /// The replica took in a vote, a pre-prepare or a certificate.
    pub(crate) fn took_in(&mut self) {
        self.taken_in += 1;
    }

    /// Starts the backoff afresh (after a crash, or when a view change begins).
    pub(crate) fn reset_backoff(&mut self) {
        self.backoff = 0;
    }

    /// After an input: whether and for how long to set the status timer, given how far the
    /// replica executed, whether the timer is `armed`, and (asked only when needed) whether a
    /// slot is `open` and whether work is `unfinished`.
    pub(crate) fn after_input(
        &mut self,
        last_executed: SeqNum,
        armed: bool,
        open: impl Fn() -> bool,
        unfinished: impl FnOnce() -> bool,
        periods: StatusPeriods,
    ) -> StatusTimer {
        let moved = last_executed != self.mark;
        if moved {
            self.backoff = 0;
            self.ticks = 0;
        }
        if armed && !moved {
            if self.for_open_slot || !open() {
                return StatusTimer::Leave;
            }
            // A slot opened during an idle wait: check it at the short period.
            self.backoff = 0;
            self.ticks = 0;
        }
        let open = open();
        if open && !self.for_open_slot {
            self.ticks = 0;
        }
        if !open && !unfinished() {
            self.mark = last_executed;
            return if armed {
                StatusTimer::Stop
            } else {
                StatusTimer::Leave
            };
        }
        let period = if open {
            // Ticks at half the period: see `on_tick`.
            let half = periods.open_slot_ns / 2;
            match self.backoff {
                0..=3 => half,
                k => periods.open_slot_ns << (k - 4).min(2),
            }
        } else {
            periods.idle_ns << self.backoff.min(2)
        };
        self.for_open_slot = open;
        self.mark = last_executed;
        self.taken_in_mark = self.taken_in;
        StatusTimer::Set(period)
    }

    /// The status timer fired (execution has not moved since it was set): whether to broadcast
    /// STATUS now. Before the first STATUS since execution last moved, a slot open for less
    /// than a period is not stalled, nor one that took something in during the tick before (it
    /// is slow: it gets one more tick). After the first STATUS, something was lost: it asks
    /// again whatever comes in.
    pub(crate) fn on_tick(&mut self, last_executed: SeqNum, unfinished: bool) -> bool {
        if self.for_open_slot && self.backoff == 0 {
            self.ticks += 1;
            let taking_in = self.taken_in != self.taken_in_mark;
            if self.ticks < 2 || (self.ticks == 2 && taking_in) {
                return false;
            }
        }
        if last_executed == self.mark && unfinished {
            self.backoff += 1;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIODS: StatusPeriods = StatusPeriods {
        open_slot_ns: 100,
        idle_ns: 1000,
    };

    /// Sets the timer as the replica would: `Set` arms it, `Stop` disarms it.
    fn step(s: &mut StallDetector, armed: &mut bool, executed: SeqNum, open: bool) -> StatusTimer {
        let plan = s.after_input(executed, *armed, || open, || true, PERIODS);
        match plan {
            StatusTimer::Set(_) => *armed = true,
            StatusTimer::Stop => *armed = false,
            StatusTimer::Leave => {}
        }
        plan
    }

    /// A stalled open slot: two quiet ticks, then STATUS at each tick three times more, then
    /// backing off to the period, doubling up to four times it.
    #[test]
    fn an_open_slot_that_stalls_asks_then_backs_off() {
        let mut s = StallDetector::default();
        let mut armed = false;
        assert_eq!(step(&mut s, &mut armed, 0, true), StatusTimer::Set(50));
        let mut sent = Vec::new();
        let mut periods = Vec::new();
        for _ in 0..9 {
            armed = false; // it fired
            sent.push(s.on_tick(0, true));
            match step(&mut s, &mut armed, 0, true) {
                StatusTimer::Set(p) => periods.push(p),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            sent,
            [false, true, true, true, true, true, true, true, true]
        );
        assert_eq!(periods, [50, 50, 50, 50, 100, 200, 400, 400, 400]);
    }

    /// A table of what comes after the timer is set for an open slot: (votes came in during
    /// the tick before the second, execution moved) -> STATUS at the first three ticks.
    #[test]
    fn a_slow_slot_gets_one_more_tick_and_progress_starts_afresh() {
        let cases = [
            ("quiet", false, false, [false, true, true]),
            ("taking votes", true, false, [false, false, true]),
            ("execution moved", false, true, [false, false, true]),
        ];
        for (case, votes, moved, expected) in cases {
            let mut s = StallDetector::default();
            let mut armed = false;
            step(&mut s, &mut armed, 0, true);
            let mut executed = 0;
            let mut sent = Vec::new();
            for tick in 0..3 {
                armed = false;
                if tick == 1 && votes {
                    s.took_in();
                }
                if tick == 1 && moved {
                    executed = 1;
                    step(&mut s, &mut armed, executed, true);
                    armed = false;
                }
                sent.push(s.on_tick(executed, true));
                step(&mut s, &mut armed, executed, true);
            }
            assert_eq!(sent, expected, "{case}");
        }
    }

    #[test]
    fn idle_waits_double_and_finished_work_stops_the_timer() {
        let mut s = StallDetector::default();
        let mut armed = false;
        let mut periods = Vec::new();
        for _ in 0..4 {
            if let StatusTimer::Set(p) = step(&mut s, &mut armed, 3, false) {
                periods.push(p);
            }
            armed = false;
            assert!(s.on_tick(3, true), "idle: every firing asks");
        }
        assert_eq!(periods, [1000, 2000, 4000, 4000]);
        // A slot opens during an idle wait: the short period, from a fresh backoff.
        assert_eq!(step(&mut s, &mut armed, 3, false), StatusTimer::Set(4000));
        assert_eq!(step(&mut s, &mut armed, 3, true), StatusTimer::Set(50));
        assert_eq!(step(&mut s, &mut armed, 3, true), StatusTimer::Leave);
        // Nothing unfinished: stopped once, then left alone.
        let done = |s: &mut StallDetector, armed: bool| {
            s.after_input(4, armed, || false, || false, PERIODS)
        };
        assert_eq!(done(&mut s, true), StatusTimer::Stop);
        assert_eq!(done(&mut s, false), StatusTimer::Leave);
        assert!(
            (0..3).all(|_| !s.on_tick(4, false)),
            "nothing unfinished: no STATUS"
        );
    }
}
