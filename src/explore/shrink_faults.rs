//! The shrinker's moves on timed faults: fewer faults (each removed, last first; then each on
//! fewer replicas), and shorter and later fault windows. Each move is a candidate scenario and
//! a line saying what changed; `shrink` tries them first, in this order.

use crate::net::{Fault, Millis};
use crate::scenario::Scenario;

use super::shrink_moves::{fault_kind, Candidate};
use super::Floor;

/// Moves 1: each timed fault removed, last first (a scenario's later faults are more often the
/// incidental ones, and removing from the end keeps the earlier faults' numbers); then each
/// fault acting on fewer replicas (a crash or slow period: its last replica dropped; a
/// partition: the last id of its last group of two or more), last fault first.
pub(super) fn fewer_faults(s: &Scenario, floor: &Floor) -> Vec<Candidate> {
    let mut out = Vec::new();
    if s.faults.len() > floor.faults as usize {
        for i in (0..s.faults.len()).rev() {
            let mut c = s.clone();
            let gone = c.faults.remove(i);
            out.push(Candidate::new(
                format!("removed fault {i} ({})", fault_kind(&gone)),
                c,
            ));
        }
    }
    for (i, fault) in s.faults.iter().enumerate().rev() {
        if let Some((narrower, how)) = on_fewer_replicas(fault) {
            let mut c = s.clone();
            c.faults[i] = narrower;
            out.push(Candidate::new(
                format!("fault {i} ({}) on fewer replicas: {how}", fault_kind(fault)),
                c,
            ));
        }
    }
    out
}

/// `fault` acting on one replica fewer, and the change in words (`[1, 2] -> [1]`); `None`
/// if it acts on one replica (or a partition has no group of two), or on every message.
fn on_fewer_replicas(fault: &Fault) -> Option<(Fault, String)> {
    let mut out = fault.clone();
    let how = match &mut out {
        Fault::Crash { replicas, .. } | Fault::Slow { replicas, .. } => {
            if replicas.len() < 2 {
                return None;
            }
            let before = format!("{replicas:?}");
            replicas.pop();
            format!("{before} -> {replicas:?}")
        }
        Fault::Partition { groups, .. } => {
            let before = format!("{groups:?}");
            let group = groups.iter_mut().rev().find(|g| g.len() >= 2)?;
            group.pop();
            format!("{before} -> {groups:?}")
        }
        Fault::Loss { .. } => return None,
    };
    Some((out, how))
}

/// A fault's window `(start, end)` in ms; `None` for a crash for good (no window to shorten).
fn window(fault: &Fault) -> Option<(f64, f64)> {
    match fault {
        Fault::Crash {
            at_ms,
            recover_at_ms,
            ..
        } => recover_at_ms.map(|r| (at_ms.get(), r.get())),
        Fault::Partition {
            from_ms, until_ms, ..
        }
        | Fault::Slow {
            from_ms, until_ms, ..
        }
        | Fault::Loss {
            from_ms, until_ms, ..
        } => Some((from_ms.get(), until_ms.get())),
    }
}

/// `fault` with its window set to `start..end`.
fn with_window(fault: &Fault, start: f64, end: f64) -> Option<Fault> {
    let (start, end) = (Millis::new(start).ok()?, Millis::new(end).ok()?);
    let mut out = fault.clone();
    match &mut out {
        Fault::Crash {
            at_ms,
            recover_at_ms,
            ..
        } => {
            *at_ms = start;
            *recover_at_ms = Some(end);
        }
        Fault::Partition {
            from_ms, until_ms, ..
        }
        | Fault::Slow {
            from_ms, until_ms, ..
        }
        | Fault::Loss {
            from_ms, until_ms, ..
        } => {
            *from_ms = start;
            *until_ms = end;
        }
    }
    Some(out)
}

/// Moves 2: each fault's window halved (a crash-recover recovers sooner), then started at its
/// middle (later, ending as before), then moved to start at 0 (its length kept); a crash for
/// good starts halfway to the time limit. Every move shortens a window or moves it to 0 with
/// its length kept, so they cannot undo each other for ever.
/// Lengths are halved to whole milliseconds and a window shorter than 2 ms is left as it is,
/// so a window never becomes empty.
pub(super) fn shorter_windows(s: &Scenario) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (i, fault) in s.faults.iter().enumerate() {
        let Some((start, end)) = window(fault) else {
            out.extend(crash_later(s, i));
            continue;
        };
        let length = end - start;
        if length < 2.0 {
            continue;
        }
        let half = (length / 2.0).floor();
        let kind = fault_kind(fault);
        let shorter = if matches!(fault, Fault::Crash { .. }) {
            "recovers sooner"
        } else {
            "shorter"
        };
        // Shorter, then later (the same end), then from the start (the same length): a fault
        // that matters only while some request is in flight may need to come earlier before
        // the workload can shrink, and a fault from the start is the simpler story.
        let mut moves = vec![
            (shorter, start, start + half),
            ("later", start + (length - half), end),
        ];
        if start > 0.0 {
            moves.push(("from the start", 0.0, length));
        }
        for (how, from, until) in moves {
            if let Some(changed) = with_window(fault, from, until) {
                let mut c = s.clone();
                c.faults[i] = changed;
                let step = format!(
                    "fault {i} ({kind}) {how}: {}..{} -> {}..{} ms",
                    start, end, from, until
                );
                out.push(Candidate::new(step, c));
            }
        }
    }
    out
}

/// Fault `i` of `s`, a crash for good, starting halfway to the time limit.
fn crash_later(s: &Scenario, i: usize) -> Option<Candidate> {
    let Some(Fault::Crash {
        at_ms,
        recover_at_ms: None,
        ..
    }) = s.faults.get(i)
    else {
        return None;
    };
    let (at, limit) = (at_ms.get(), s.time_limit_ms.get());
    if limit - at < 2.0 {
        return None;
    }
    let later = at + ((limit - at) / 2.0).floor();
    let mut c = s.clone();
    if let Some(Fault::Crash { at_ms, .. }) = c.faults.get_mut(i) {
        *at_ms = Millis::new(later).ok()?;
    }
    let step = format!("fault {i} (Crash) later: at {at} -> {later} ms (for good)");
    Some(Candidate::new(step, c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::tests_support::scenario;

    #[test]
    fn faults_go_whole_then_one_replica_at_a_time() {
        let s = scenario(
            r#"Scenario(name: "t", replicas: 7, faults: [
                Crash(replicas: [1, 2], at_ms: 10.0),
                Partition(groups: [[0, 1], [2, 3], [4]], from_ms: 0.0, until_ms: 50.0),
                Loss(probability: 0.5, from_ms: 0.0, until_ms: 50.0),
            ])"#,
        );
        let steps: Vec<String> = fewer_faults(&s, &Floor::default())
            .into_iter()
            .map(|c| c.step)
            .collect();
        assert_eq!(
            steps,
            [
                "removed fault 2 (Loss)",
                "removed fault 1 (Partition)",
                "removed fault 0 (Crash)",
                "fault 1 (Partition) on fewer replicas: [[0, 1], [2, 3], [4]] -> [[0, 1], [2], [4]]",
                "fault 0 (Crash) on fewer replicas: [1, 2] -> [1]",
            ]
        );
        let floor = Floor {
            faults: 3,
            ..Floor::default()
        };
        assert_eq!(
            fewer_faults(&s, &floor).len(),
            2,
            "only narrower at the floor"
        );
    }

    #[test]
    fn windows_halve_start_later_and_move_to_the_start_but_never_empty() {
        let s = scenario(
            r#"Scenario(name: "t", replicas: 4, faults: [
                Loss(probability: 0.5, from_ms: 100.0, until_ms: 500.0),
                Crash(replicas: [1], at_ms: 10.0, recover_at_ms: Some(11.0)),
                Crash(replicas: [2], at_ms: 10.0),
            ], time_limit_ms: 1000.0)"#,
        );
        let moves = shorter_windows(&s);
        let steps: Vec<&str> = moves.iter().map(|c| c.step.as_str()).collect();
        assert_eq!(
            steps,
            [
                "fault 0 (Loss) shorter: 100..500 -> 100..300 ms",
                "fault 0 (Loss) later: 100..500 -> 300..500 ms",
                "fault 0 (Loss) from the start: 100..500 -> 0..400 ms",
                "fault 2 (Crash) later: at 10 -> 505 ms (for good)",
            ]
        );
        assert_eq!(window(&moves[1].scenario.faults[0]), Some((300.0, 500.0)));
        assert_eq!(window(&moves[2].scenario.faults[0]), Some((0.0, 400.0)));
    }
}
