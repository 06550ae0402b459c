//! What a byzantine behaviour changed of its honest replica's conduct (Castro & Liskov §3: a
//! faulty replica may do anything; the simulator says what this one did), for the trace and
//! the trial row's counters (`Observation::Tampered`).
//!
//! The wrapper (`ReplicaNode`, `mod.rs`) compares, hook by hook, what the honest replica meant
//! with what the behaviour pushed instead. Messages are compared as sends: the recipient
//! (`None` for a broadcast), the message, and whether it is held back (`Action::Delayed`).
//! Matching `before` (what was meant) with `after` (what was pushed), in this order:
//!
//! 1. the same send, not held back: unchanged, nothing reported;
//! 2. the same recipient and message, held back: `Delayed`;
//! 3. the same recipient, another message: `Changed` (held back or not);
//! 4. what is left of `before`: `Dropped`; what is left of `after`: `Added`.
//!
//! A broadcast left over counts once per recipient. For one honest copy given to `on_send`,
//! `before` is that copy. For `on_local` (a timer or an observation), `on_start` and
//! `on_wake_up`, `before` is empty: every message they push is `Added`. `after_input` may
//! change `out` as a whole: `before` is every send in `out` before it ran, `after` every send
//! after, so a copy it removes is reported `Dropped` (even if `on_send` had already changed
//! it: the two are separate changes). An input hidden by `on_input` is `HidInput`, one passed
//! on changed is `ChangedInput`, both named by the input's kind.
//!
//! A behaviour cannot forge these reports or the replica's rejections: the wrapper sets the
//! honest replica's `Rejected` aside before the hooks and strips any `Tampered` or `Rejected`
//! a hook pushes (`finish`). None of this runs for an honest replica.
//!
//! When no trace is written (not explaining), the changes are only counted, by kind, and
//! reported as one `Observation::Departed` after the input's actions instead of one
//! `Tampered` each.

use crate::protocol::{
    Action, Change, Departures, Input, Message, NodeId, Observation, Rejection, Tampering,
};

/// A send as compared: recipient (`None`: every replica but the sender), message, held back.
struct Sent<'a> {
    to: Option<NodeId>,
    message: &'a Message,
    delayed: bool,
}

/// A send of `action`, if it sends anything (through any depth of `Delayed`).
fn sent(action: &Action) -> Option<Sent<'_>> {
    match action {
        Action::Send { to, message } => Some(Sent {
            to: Some(*to),
            message,
            delayed: false,
        }),
        Action::Broadcast(message) => Some(Sent {
            to: None,
            message,
            delayed: false,
        }),
        Action::Delayed { action, .. } => sent(action).map(|s| Sent { delayed: true, ..s }),
        Action::SetTimer { .. } | Action::Observe(_) => None,
    }
}

/// Whether a send meant (first) and a send pushed (second) are matched in one pass of `diff`.
type Matches = fn(&Sent<'_>, &Sent<'_>) -> bool;

/// The changes found while one input goes through a behaviour's hooks, and the honest
/// replica's rejections set aside meanwhile. One per wrapped replica, reused from input to
/// input (`finish` empties it), so that a behaviour that changes nothing costs no allocation.
pub(super) struct Changes {
    me: u32,
    n: u32,
    /// Report each change as a `Tampered` action (a trace is written), or only count them.
    pub(super) explaining: bool,
    found: Vec<Tampering>,
    /// The changes counted (not explaining).
    departures: Departures,
    rejected: Vec<Rejection>,
    /// What `out` sent before `after_input` ran: (recipient, message, held back).
    before_after_input: Vec<(Option<NodeId>, Message, bool)>,
}

impl Changes {
    /// For replica `me` of `n`.
    pub(super) fn new(me: u32, n: u32) -> Changes {
        Changes {
            me,
            n,
            explaining: true,
            found: Vec::new(),
            departures: Departures::default(),
            rejected: Vec::new(),
            before_after_input: Vec::new(),
        }
    }

    /// What the behaviour's `on_input` did with `original` (`passed`: what it returned).
    pub(super) fn input(&mut self, original: &Input, passed: Option<&Input>) {
        let change = match passed {
            None => Change::HidInput,
            Some(passed) if !same_input(original, passed) => Change::ChangedInput,
            Some(_) => return,
        };
        if !self.explaining {
            return self.departures.add(change, 1);
        }
        self.found.push(Tampering {
            change,
            to: None,
            message: input_kind(original),
        });
    }

    /// Sets aside a rejection of the honest replica (no hook sees it, none can remove it).
    pub(super) fn rejected(&mut self, reason: Rejection) {
        self.rejected.push(reason);
    }

    /// `on_send` was given the copy of `message` for `to` and pushed `pushed`.
    pub(super) fn copy(&mut self, to: NodeId, message: &Message, pushed: &[Action]) {
        // The usual cases first, without allocating, as `diff` would match them: the copy sent
        // as it was, held back, replaced, or not sent at all.
        let mut sends = pushed.iter().filter_map(sent);
        match (sends.next(), sends.next()) {
            (None, _) => return self.record(Change::Dropped, Some(to), message),
            (Some(s), None) if s.to == Some(to) => {
                if s.message != message {
                    self.record(Change::Changed, Some(to), message);
                } else if s.delayed {
                    self.record(Change::Delayed, Some(to), message);
                }
                return;
            }
            _ => {}
        }
        let before = [Sent {
            to: Some(to),
            message,
            delayed: false,
        }];
        let after: Vec<Sent<'_>> = pushed.iter().filter_map(sent).collect();
        self.diff(&before, &after);
    }

    /// A hook that was given no message (`on_local`, `on_start`, `on_wake_up`) pushed
    /// `pushed`: every send is added.
    pub(super) fn added(&mut self, pushed: &[Action]) {
        if pushed.iter().all(|a| sent(a).is_none()) {
            return;
        }
        let after: Vec<Sent<'_>> = pushed.iter().filter_map(sent).collect();
        self.diff(&[], &after);
    }

    /// Keeps what `out` sends now, to compare with after `after_input` (`after_input`).
    pub(super) fn before_after_input(&mut self, out: &[Action]) {
        self.before_after_input.clear();
        self.before_after_input.extend(
            out.iter()
                .filter_map(sent)
                .map(|s| (s.to, s.message.clone(), s.delayed)),
        );
    }

    /// `after_input` turned what `before_after_input` kept into `out`.
    pub(super) fn after_input(&mut self, out: &[Action]) {
        let kept = std::mem::take(&mut self.before_after_input);
        let mut now = out.iter().filter_map(sent);
        let unchanged = kept.iter().all(|(to, message, delayed)| {
            now.next()
                .is_some_and(|a| a.to == *to && a.delayed == *delayed && a.message == message)
        }) && now.next().is_none();
        if !unchanged {
            let before: Vec<Sent<'_>> = kept
                .iter()
                .map(|(to, message, delayed)| Sent {
                    to: *to,
                    message,
                    delayed: *delayed,
                })
                .collect();
            let after: Vec<Sent<'_>> = out.iter().filter_map(sent).collect();
            self.diff(&before, &after);
        }
        self.before_after_input = kept;
        self.before_after_input.clear();
    }

    /// Strips what a hook forged of the simulator's diagnostics from `out`, then appends the
    /// honest replica's rejections and the changes found (each, or counted in one `Departed`
    /// when not explaining), in that order (and empties itself for the next input).
    pub(super) fn finish(&mut self, out: &mut Vec<Action>) {
        if out.iter().any(is_diagnostic) {
            out.retain(|action| !is_diagnostic(action));
        }
        if !self.rejected.is_empty() {
            out.extend(
                self.rejected
                    .drain(..)
                    .map(|reason| Action::Observe(Observation::Rejected(reason))),
            );
        }
        if !self.found.is_empty() {
            out.extend(
                self.found
                    .drain(..)
                    .map(|t| Action::Observe(Observation::Tampered(t))),
            );
        }
        if !self.departures.is_empty() {
            let counted = std::mem::take(&mut self.departures);
            out.push(Action::Observe(Observation::Departed(counted)));
        }
    }

    /// Matches `before` with `after` as the module header says, and records what differs.
    fn diff(&mut self, before: &[Sent<'_>], after: &[Sent<'_>]) {
        let mut left = vec![true; before.len()];
        let mut unmatched = vec![true; after.len()];
        let passes: [(Matches, Option<Change>); 3] = [
            (
                |b, a| b.to == a.to && b.delayed == a.delayed && b.message == a.message,
                None,
            ),
            (
                |b, a| b.to == a.to && !b.delayed && a.delayed && b.message == a.message,
                Some(Change::Delayed),
            ),
            (|b, a| b.to == a.to, Some(Change::Changed)),
        ];
        for (matches, change) in passes {
            for (i, b) in before.iter().enumerate() {
                if !left[i] {
                    continue;
                }
                let found = (0..after.len()).find(|&k| unmatched[k] && matches(b, &after[k]));
                if let Some(k) = found {
                    left[i] = false;
                    unmatched[k] = false;
                    if let Some(change) = change {
                        self.record(change, b.to, b.message);
                    }
                }
            }
        }
        for (b, _) in before.iter().zip(&left).filter(|(_, &l)| l) {
            self.record(Change::Dropped, b.to, b.message);
        }
        for (a, _) in after.iter().zip(&unmatched).filter(|(_, &u)| u) {
            self.record(Change::Added, a.to, a.message);
        }
    }

    /// Records `change` of `message` to `to`, once per recipient for a broadcast.
    fn record(&mut self, change: Change, to: Option<NodeId>, message: &Message) {
        if !self.explaining {
            let times = if to.is_some() {
                1
            } else {
                self.n.saturating_sub(1)
            };
            return self.departures.add(change, times);
        }
        let message = message.kind();
        match to {
            Some(to) => self.found.push(Tampering {
                change,
                to: Some(to),
                message,
            }),
            None => {
                for r in (0..self.n).filter(|&r| r != self.me) {
                    self.found.push(Tampering {
                        change,
                        to: Some(NodeId::Replica(r)),
                        message,
                    });
                }
            }
        }
    }
}

/// Whether `action` reports what only the simulator may report (held back or not).
fn is_diagnostic(action: &Action) -> bool {
    match action {
        Action::Observe(
            Observation::Tampered(_) | Observation::Departed(_) | Observation::Rejected(_),
        ) => true,
        Action::Delayed { action, .. } => is_diagnostic(action),
        _ => false,
    }
}

/// Whether two inputs are the same (`Input` has no `PartialEq`: a timer and a message do).
fn same_input(a: &Input, b: &Input) -> bool {
    match (a, b) {
        (Input::Start, Input::Start) | (Input::Recover, Input::Recover) => true,
        (Input::Timeout(x), Input::Timeout(y)) => x == y,
        (
            Input::Message { from, message },
            Input::Message {
                from: from_b,
                message: message_b,
            },
        ) => from == from_b && message == message_b,
        _ => false,
    }
}

/// An input's kind, as a `Tampering` names it: the message's kind, or the input's.
fn input_kind(input: &Input) -> &'static str {
    match input {
        Input::Start => "start",
        Input::Message { message, .. } => message.kind(),
        Input::Timeout(_) => "timeout",
        Input::Recover => "recover",
    }
}
