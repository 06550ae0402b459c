//! The chart's default time window, also the viewer's opening view: which stretch of a long
//! trace is drawn when its events do not all fit.
//!
//! The window holds about [`MAX_ARROWS`] arrows (message copies) and [`MAX_MARKS`] marks. It
//! ends where nothing drawn is in flight once that budget is spent (so a protocol round in
//! progress, §4.2, is finished rather than cut), and goes on past an oracle violation that
//! follows closely; it never holds more than half as much again. It starts at the first event,
//! unless the first *interesting* event falls after that window: then it starts shortly before
//! it. Interesting are, in this order of preference: an oracle violation, the start of a timed
//! fault (crash, partition, slow period, loss burst), a view entered (§4.4), a byzantine
//! behaviour's tampering, and a rejected input whose reason is not routine housekeeping
//! ([`ROUTINE_REJECTIONS`]). Everything is computed from the events alone: the same events
//! give the same window.

use std::collections::BTreeMap;

use super::{MAX_ARROWS, MAX_MARKS};
use crate::records::trace::{Happening, Node, TraceEvent, TraceTrial};

/// Rejection reasons that are normal protocol housekeeping, not a sign of trouble: late COMMITs
/// for a batch already executed, replies and timers that arrive late, duplicate copies, and
/// requests for something no longer held. The chart draws them faded, the viewer lighter.
pub(crate) const ROUTINE_REJECTIONS: [&str; 5] = [
    "already_executed",
    "stale_reply",
    "stale_timer",
    "duplicate",
    "not_held",
];

/// Whether a rejection with this reason name is routine housekeeping.
pub(crate) fn is_routine_rejection(reason: &str) -> bool {
    ROUTINE_REJECTIONS.contains(&reason)
}

/// The window drawn by default, in virtual ns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    /// Its start.
    pub from_ns: u64,
    /// Its end (events at or after it are not drawn), or `None`: every event from the start.
    pub until_ns: Option<u64>,
    /// What the start was moved to be just before ("the first partition"), if it was moved.
    pub anchor: Option<String>,
}

/// The default window of `events` (in engine order) for the lanes `lane_of` (node to lane).
pub(super) fn default_window(
    trial: &TraceTrial,
    events: &[TraceEvent],
    lane_of: &BTreeMap<Node, usize>,
) -> Window {
    let Some(first) = events.first().map(|e| e.t_ns) else {
        return Window {
            from_ns: 0,
            until_ns: None,
            anchor: None,
        };
    };
    let (budget_end, until_ns) = window_end(events, lane_of);
    let from_first = Window {
        from_ns: first,
        until_ns,
        anchor: None,
    };
    // The test is against the window before its extension to a quiet point: an event that
    // only the extension reaches is at the very bottom of the chart.
    let Some(until) = budget_end else {
        return from_first;
    };
    let Some((at, what)) = first_interesting(trial, events) else {
        return from_first;
    };
    if at < until {
        return from_first;
    }
    // Shortly before: a twentieth of the window from the first event, at least 1 ms.
    let lead = ((until - first) / 20).max(1_000_000);
    let from_ns = at.saturating_sub(lead).max(first);
    let start = events.partition_point(|e| e.t_ns < from_ns);
    Window {
        from_ns,
        until_ns: events
            .get(start..)
            .and_then(|rest| window_end(rest, lane_of).1),
        anchor: Some(what),
    }
}

/// Whether the chart draws a mark for this happening (what counts towards [`MAX_MARKS`]).
fn is_drawn_mark(what: &Happening) -> bool {
    match what {
        Happening::Reject { from, message, .. } => from.is_some() || message.is_some(),
        Happening::Drop { .. }
        | Happening::Tamper { .. }
        | Happening::ViewEntered { .. }
        | Happening::Committed { .. }
        | Happening::Executed { .. }
        | Happening::CheckpointStable { .. }
        | Happening::StateTransfer { .. }
        | Happening::Retransmit { .. }
        | Happening::Accepted { .. } => true,
        _ => false,
    }
}

/// Where the budget of the window that starts at `events`' first event is spent (`None`: it
/// is not), and where the window ends (`None`: every event fits).
fn window_end(
    events: &[TraceEvent],
    lane_of: &BTreeMap<Node, usize>,
) -> (Option<u64>, Option<u64>) {
    let Some(from) = events.first().map(|e| e.t_ns) else {
        return (None, None);
    };
    let (mut arrows, mut marks) = (0usize, 0usize);
    // The latest arrival of an arrow counted so far: before it, something is in flight.
    let mut in_flight_until = from;
    let mut budget_spent = None;
    // Instants after the budget was spent at which nothing counted was in flight.
    let mut quiet: Vec<u64> = Vec::new();
    let mut violations: Vec<u64> = Vec::new();
    let mut hard_end = None;
    let mut previous = from;
    for event in events {
        let t = event.t_ns;
        if t > previous {
            if budget_spent.is_some() && t >= in_flight_until {
                quiet.push(t);
            }
            previous = t;
        }
        if t > from && (arrows > MAX_ARROWS * 3 / 2 || marks > MAX_MARKS * 3 / 2) {
            hard_end = Some(t);
            break;
        }
        let on_lane = event.node.is_some_and(|n| lane_of.contains_key(&n));
        match &event.what {
            Happening::Send { to, delays_ns, .. } if on_lane && lane_of.contains_key(to) => {
                arrows += delays_ns.len();
                let last = delays_ns.iter().max().copied().unwrap_or_default();
                in_flight_until = in_flight_until.max(t.saturating_add(last));
            }
            Happening::Violation { .. } => {
                violations.push(t);
                marks += 1;
            }
            what => marks += usize::from(on_lane && is_drawn_mark(what)),
        }
        if t > from && budget_spent.is_none() && (arrows > MAX_ARROWS || marks > MAX_MARKS) {
            budget_spent = Some(t);
        }
    }
    if budget_spent.is_none() {
        return (None, None);
    }
    let quiet_after = |t: u64| quiet.iter().copied().find(|&q| q > t);
    let Some(mut end) = quiet.first().copied() else {
        // Never quiet: the hard limit, or (the trace ended first) every event.
        return (budget_spent, hard_end);
    };
    // A violation soon after the quiet point is worth the extra room.
    if let Some(&last) = violations.iter().rev().find(|&&v| v >= end) {
        match quiet_after(last) {
            Some(q) => end = q,
            None => return (budget_spent, hard_end),
        }
    }
    (budget_spent, Some(end))
}

/// The first interesting event's time and what it is, by order of preference (the module's
/// header): violations first, then fault starts, and so on.
fn first_interesting(trial: &TraceTrial, events: &[TraceEvent]) -> Option<(u64, String)> {
    let first = |wanted: &dyn Fn(&Happening) -> Option<String>| {
        events
            .iter()
            .find_map(|e| wanted(&e.what).map(|what| (e.t_ns, what)))
    };
    let violation = first(&|h| {
        matches!(h, Happening::Violation { .. }).then(|| "the first oracle violation".into())
    });
    let fault = first(&|h| match h {
        Happening::Crash => Some("the first crash".into()),
        Happening::PartitionStart { .. } => Some("the first partition".into()),
        Happening::SlowStart { .. } => Some("the first slow period".into()),
        Happening::LossStart { .. } => Some("the first loss burst".into()),
        _ => None,
    });
    // A fault period the events do not mark (a filtered trace) still counts, if within them.
    let span = events.first()?.t_ns..=events.last()?.t_ns;
    let period = trial
        .periods
        .iter()
        .map(|p| (super::picture::ms_to_ns(p.from_ms), p.kind))
        .filter(|(at, _)| span.contains(at) && at > span.start())
        .min()
        .map(|(at, kind)| (at, format!("the first {} period", kind)));
    let fault = match (fault, period) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    };
    violation
        .or(fault)
        .or_else(|| {
            first(&|h| {
                matches!(h, Happening::ViewEntered { .. }).then(|| "the first view change".into())
            })
        })
        .or_else(|| {
            first(&|h| {
                matches!(h, Happening::Tamper { .. })
                    .then(|| "the byzantine behaviour's first tampering".into())
            })
        })
        .or_else(|| {
            first(&|h| match h {
                Happening::Reject { reason, .. } if !is_routine_rejection(reason.name()) => {
                    Some(format!("the first {} rejection", reason.name()))
                }
                _ => None,
            })
        })
}
