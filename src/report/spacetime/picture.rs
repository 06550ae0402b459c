//! The space-time chart as data: which lanes are drawn, and the arrows, stubs, marks, shades
//! and violations of the window, in lanes and virtual time (no pixels). A `send` gives one
//! arrow per arriving copy (its `delays_ns`); a `drop` by loss, burst or partition a stub; a
//! `drop` by crash at a copy's arrival turns that arrow's head into a cross (Castro & Liskov
//! §3: the network may fail to deliver, delay, duplicate or reorder messages).

use std::collections::{BTreeMap, BTreeSet};

use super::palette::KINDS;
use super::window::{default_window, is_routine_rejection};
use super::{SpacetimeChart, MAX_CLIENT_LANES, MAX_REPLICA_LANES};
use crate::records::trace::{DropCause, Happening, Node, TraceEvent, TraceTrial};

fn kind_index(kind: &str) -> usize {
    KINDS
        .iter()
        .position(|(name, _)| *name == kind)
        .unwrap_or(KINDS.len() - 1)
}

/// One column of the chart.
pub(super) struct Lane {
    /// The node it is the lane of.
    pub(super) node: Node,
    /// The byzantine behaviour's name, if any.
    pub(super) behaviour: Option<String>,
}

/// What became of a drawn message copy.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    /// Delivered, or still in flight when the window ends.
    Arrives,
    /// Reached a crashed recipient (a `drop` with cause `crash` at its arrival).
    RecipientCrashed,
}

/// One message copy from send to arrival.
pub(super) struct Arrow {
    /// The sender's lane.
    pub(super) from: usize,
    /// The recipient's lane.
    pub(super) to: usize,
    /// When it was sent, virtual ns.
    pub(super) sent_ns: u64,
    /// When it arrives (send time plus its delay), virtual ns.
    pub(super) arrives_ns: u64,
    /// Its message kind, an index into [`KINDS`].
    pub(super) kind: usize,
    /// Delivered, or lost to a crashed recipient.
    pub(super) fate: Fate,
    /// A duplicate or a reordered copy (drawn dashed).
    pub(super) irregular: bool,
    /// A short label by the head (pre-prepare: sequence number and digest; new-view: view).
    pub(super) label: Option<String>,
}

/// A message the network lost on the way (no arrival).
pub(super) struct Stub {
    /// The sender's lane.
    pub(super) from: usize,
    /// The lane of the recipient it was meant for.
    pub(super) to: usize,
    /// When it was sent (and lost), virtual ns.
    pub(super) at_ns: u64,
    /// Its message kind, an index into [`KINDS`].
    pub(super) kind: usize,
    /// Why it was lost.
    pub(super) cause: DropCause,
}

/// A marker on a lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum MarkKind {
    /// The replica entered a view in normal operation (§4.4); labelled `vN`.
    ViewEntered,
    /// The replica committed a batch (committed-local, §4.2).
    Committed,
    /// The replica executed a batch; labelled with its sequence number.
    Executed,
    /// A checkpoint of the replica became stable (§4.3).
    CheckpointStable,
    /// The replica installed a checkpoint by state transfer (§4.3).
    StateTransfer,
    /// The client retransmitted its request to every replica (§4.1).
    Retransmit,
    /// The client accepted f+1 matching replies (§4.1).
    Accepted,
    /// The node refused a message; labelled with the reason.
    Rejected,
    /// The node refused a message for a routine reason (a late or duplicate copy: see
    /// `ROUTINE_REJECTIONS`); drawn faded, labelled only as a group.
    RoutineRejected,
    /// The byzantine behaviour changed its replica's conduct; labelled with the change.
    Tampered,
    /// A copy that reached a crashed replica, sent before the window.
    LostToCrash,
}

impl MarkKind {
    /// Its legend entry.
    pub(super) fn legend(self) -> &'static str {
        match self {
            MarkKind::ViewEntered => "view entered (vN)",
            MarkKind::Committed => "committed",
            MarkKind::Executed => "executed (#seq)",
            MarkKind::CheckpointStable => "checkpoint stable",
            MarkKind::StateTransfer => "state transfer",
            MarkKind::Retransmit => "client retransmits",
            MarkKind::Accepted => "client accepts reply",
            MarkKind::Rejected => "input rejected",
            MarkKind::RoutineRejected => "routine rejection (late, duplicate)",
            MarkKind::Tampered => "behaviour tampered",
            MarkKind::LostToCrash => "arrived at crashed replica",
        }
    }
}

/// A marker on a lane at an instant.
pub(super) struct Mark {
    /// Its lane.
    pub(super) lane: usize,
    /// When, virtual ns.
    pub(super) at_ns: u64,
    /// What it marks.
    pub(super) kind: MarkKind,
    /// Its label, if it has one.
    pub(super) label: Option<String>,
    /// How many identical marks (same lane, instant, kind and label) it stands for.
    pub(super) count: usize,
}

/// A shaded period on some lanes (all of them for loss).
pub(super) struct Shade {
    /// The lanes it covers (none: every link, as for loss).
    pub(super) lanes: Vec<usize>,
    /// Its start within the window, virtual ns.
    pub(super) from_ns: u64,
    /// Its end within the window, virtual ns.
    pub(super) until_ns: u64,
    /// The fault's kind (`FaultPeriod::kind`).
    pub(super) kind: &'static str,
    /// What it says at its start ("crashed", "partition groups [[0, 1], [2, 3]]").
    pub(super) label: String,
}

/// Everything the chart draws, placed in lanes and virtual time.
pub(super) struct Picture {
    /// The lanes drawn, replicas first.
    pub(super) lanes: Vec<Lane>,
    /// Lanes in the trial (drawn or not).
    pub(super) lanes_total: usize,
    /// The window's start, virtual ns: the first event's time, or shortly before `anchor`.
    pub(super) from_ns: u64,
    /// The window's end, virtual ns: events after it (at or after it, if `cut_short`) are
    /// not drawn.
    pub(super) until_ns: u64,
    /// Whether the window ends before the last event.
    pub(super) cut_short: bool,
    /// The time axis's end: the window's end, or past the last arrival when every event to
    /// the end is shown (so the last arrows keep their heads).
    pub(super) axis_end_ns: u64,
    /// What the window starts just before, when it does not start at the first event.
    pub(super) anchor: Option<String>,
    /// The first event's time.
    pub(super) trace_start_ns: u64,
    /// Whether there are no events at all.
    pub(super) empty: bool,
    /// The last event's time (the trace's end).
    pub(super) trace_end_ns: u64,
    /// Message copies, in send order.
    pub(super) arrows: Vec<Arrow>,
    /// Messages lost by the network.
    pub(super) stubs: Vec<Stub>,
    /// Markers, in time order.
    pub(super) marks: Vec<Mark>,
    /// Fault periods, as the trial lists them.
    pub(super) shades: Vec<Shade>,
    /// Oracle violations: when, and what.
    pub(super) violations: Vec<(u64, String)>,
    /// Messages drawn (send events between lanes drawn, in the window).
    pub(super) messages_shown: usize,
    /// Messages sent in the whole slice of events given.
    pub(super) messages_total: usize,
}

/// A stretch of the window in which nothing is drawn (no arrow in flight, no mark): the
/// layout shows it shorter than it is.
#[derive(Clone, Copy)]
pub(super) struct Gap {
    /// Its start, virtual ns.
    pub(super) from_ns: u64,
    /// Its end, virtual ns.
    pub(super) until_ns: u64,
}

impl Gap {
    /// Its length, virtual ns.
    pub(super) fn len(&self) -> u64 {
        self.until_ns - self.from_ns
    }
}

/// Which lanes are drawn, by node.
pub(super) fn choose_lanes(trial: &TraceTrial) -> Vec<Lane> {
    let (mut replicas, mut clients) = (0, 0);
    let mut lanes = Vec::new();
    for role in &trial.nodes {
        let keep = if role.role == "client" {
            clients += 1;
            clients <= MAX_CLIENT_LANES
        } else {
            replicas += 1;
            replicas <= MAX_REPLICA_LANES
        };
        if keep {
            lanes.push(Lane {
                node: role.node,
                behaviour: role.behaviour.clone(),
            });
        }
    }
    lanes
}

pub(super) fn ms_to_ns(ms: f64) -> u64 {
    // Times are non-negative and far below 2^64 ns; `as` saturates otherwise.
    (ms * 1e6).round() as u64
}

impl Picture {
    pub(super) fn of(chart: &SpacetimeChart) -> Picture {
        let lanes = choose_lanes(chart.trial);
        let lane_of: BTreeMap<Node, usize> =
            lanes.iter().enumerate().map(|(i, l)| (l.node, i)).collect();
        let window = default_window(chart.trial, chart.events, &lane_of);
        let trace_start_ns = chart.events.first().map_or(0, |e| e.t_ns);
        let trace_end_ns = chart.events.last().map_or(0, |e| e.t_ns);
        let from_ns = window.from_ns;
        let cut_short = window.until_ns.is_some();
        let until_ns = window.until_ns.unwrap_or(trace_end_ns);
        let mut picture = Picture {
            lanes_total: chart.trial.nodes.len(),
            from_ns,
            until_ns,
            cut_short,
            axis_end_ns: until_ns,
            anchor: window.anchor,
            trace_start_ns,
            empty: chart.events.is_empty(),
            trace_end_ns,
            arrows: Vec::new(),
            stubs: Vec::new(),
            marks: Vec::new(),
            shades: Vec::new(),
            violations: Vec::new(),
            messages_shown: 0,
            messages_total: 0,
            lanes: Vec::new(),
        };
        // A sent copy not yet accounted for, by (sender, recipient, arrival): the arrows it is.
        let mut in_flight: BTreeMap<(Node, Node, u64), Vec<usize>> = BTreeMap::new();
        for event in chart.events {
            if let Happening::Send { .. } = event.what {
                picture.messages_total += 1;
            }
            let before_end = if cut_short {
                event.t_ns < until_ns
            } else {
                event.t_ns <= until_ns
            };
            if event.t_ns >= from_ns && before_end {
                picture.add(event, &lane_of, &mut in_flight);
            }
        }
        if !cut_short {
            // Room below the last arrival: a fiftieth of the window, at least 1 ms.
            let last_arrival = picture.arrows.iter().map(|a| a.arrives_ns).max();
            let end = last_arrival.unwrap_or_default().max(until_ns);
            let room = ((end - from_ns) / 50).max(1_000_000);
            picture.axis_end_ns = end + room;
        }
        picture.shade_periods(chart.trial, &lane_of);
        picture.lanes = lanes;
        picture
    }

    fn shade_periods(&mut self, trial: &TraceTrial, lane_of: &BTreeMap<Node, usize>) {
        // Periods name replicas by index; lanes are found by the trace's node name ("r3").
        let by_name: BTreeMap<String, usize> =
            lane_of.iter().map(|(n, &i)| (n.to_string(), i)).collect();
        for period in &trial.periods {
            let from_ns = ms_to_ns(period.from_ms).max(self.from_ns);
            let until_ns = period
                .until_ms
                .map_or(u64::MAX, ms_to_ns)
                .min(self.axis_end_ns);
            if from_ns >= until_ns {
                continue;
            }
            let lanes = period
                .replicas
                .iter()
                .filter_map(|r| by_name.get(&format!("r{r}")).copied())
                .collect();
            let label = match period.kind {
                "crash" => "crashed".to_string(),
                kind => format!("{kind} {}", period.detail),
            };
            self.shades.push(Shade {
                lanes,
                from_ns,
                until_ns,
                kind: period.kind,
                label,
            });
        }
    }

    /// Adds a mark, or counts it in the previous one if they are the same (a behaviour changing
    /// every copy of a broadcast, say).
    fn mark(&mut self, lane: usize, at_ns: u64, kind: MarkKind, label: Option<String>) {
        let same = |m: &Mark| m.lane == lane && m.at_ns == at_ns && m.kind == kind;
        // Marks come in time order; only those at this instant can match.
        let mut earlier = self.marks.iter_mut().rev().take_while(|m| m.at_ns == at_ns);
        if let Some(mark) = earlier.find(|m| same(m) && m.label == label) {
            mark.count += 1;
            return;
        }
        self.marks.push(Mark {
            lane,
            at_ns,
            kind,
            label,
            count: 1,
        });
    }

    fn add(
        &mut self,
        event: &TraceEvent,
        lane_of: &BTreeMap<Node, usize>,
        in_flight: &mut BTreeMap<(Node, Node, u64), Vec<usize>>,
    ) {
        let at = event.t_ns;
        if let Happening::Violation { text } = &event.what {
            self.violations.push((at, text.clone()));
            return;
        }
        let Some(node) = event.node else { return };
        let Some(&lane) = lane_of.get(&node) else {
            return;
        };
        let peer = event.what.peer().and_then(|p| lane_of.get(&p).copied());
        match &event.what {
            Happening::Send {
                to,
                message,
                delays_ns,
                ..
            } => {
                let Some(to_lane) = peer else { return };
                self.messages_shown += 1;
                let label = match message.msg {
                    "pre-prepare" => Some(format!(
                        "#{} {}",
                        message.seq.unwrap_or_default(),
                        message.digest.map(|d| d.short()).unwrap_or_default()
                    )),
                    "new-view" => Some(format!("v{}", message.view.unwrap_or_default())),
                    _ => None,
                };
                for (copy, delay) in delays_ns.iter().enumerate() {
                    let arrives_ns = at.saturating_add(*delay);
                    in_flight
                        .entry((node, *to, arrives_ns))
                        .or_default()
                        .push(self.arrows.len());
                    self.arrows.push(Arrow {
                        from: lane,
                        to: to_lane,
                        sent_ns: at,
                        arrives_ns,
                        kind: kind_index(message.msg),
                        fate: Fate::Arrives,
                        irregular: copy > 0,
                        label: label.clone(),
                    });
                }
            }
            Happening::Reorder { .. } => {
                // The copies of the send just before (same sender, recipient and instant).
                for arrow in self.arrows.iter_mut().rev().take(2) {
                    if arrow.sent_ns == at && arrow.from == lane && Some(arrow.to) == peer {
                        arrow.irregular = true;
                    }
                }
            }
            Happening::Drop {
                to, message, cause, ..
            } => {
                let Some(to_lane) = peer else { return };
                if *cause == DropCause::Crash {
                    let copies = in_flight.get_mut(&(node, *to, at));
                    match copies.and_then(|c| (!c.is_empty()).then(|| c.remove(0))) {
                        Some(i) => {
                            if let Some(arrow) = self.arrows.get_mut(i) {
                                arrow.fate = Fate::RecipientCrashed;
                            }
                        }
                        None => self.mark(to_lane, at, MarkKind::LostToCrash, None),
                    }
                } else {
                    self.stubs.push(Stub {
                        from: lane,
                        to: to_lane,
                        at_ns: at,
                        kind: kind_index(message.msg),
                        cause: *cause,
                    });
                }
            }
            Happening::Deliver { from, .. } => {
                if let Some(copies) = in_flight.get_mut(&(*from, node, at)) {
                    if !copies.is_empty() {
                        copies.remove(0);
                    }
                }
            }
            Happening::ViewEntered { view } => {
                self.mark(lane, at, MarkKind::ViewEntered, Some(format!("v{view}")));
            }
            Happening::Committed { .. } => self.mark(lane, at, MarkKind::Committed, None),
            Happening::Executed { seq, .. } => {
                self.mark(lane, at, MarkKind::Executed, Some(format!("#{seq}")));
            }
            Happening::CheckpointStable { .. } => {
                self.mark(lane, at, MarkKind::CheckpointStable, None);
            }
            Happening::StateTransfer { .. } => self.mark(lane, at, MarkKind::StateTransfer, None),
            Happening::Retransmit { .. } => self.mark(lane, at, MarkKind::Retransmit, None),
            Happening::Accepted { .. } => self.mark(lane, at, MarkKind::Accepted, None),
            // Refused messages; a refused timer (a stale setting) is routine, not drawn.
            Happening::Reject {
                reason,
                from,
                message,
                ..
            } if from.is_some() || message.is_some() => {
                let kind = if is_routine_rejection(reason.name()) {
                    MarkKind::RoutineRejected
                } else {
                    MarkKind::Rejected
                };
                self.mark(lane, at, kind, Some(reason.name().to_string()));
            }
            Happening::Tamper { change, .. } => {
                self.mark(
                    lane,
                    at,
                    MarkKind::Tampered,
                    Some(change.name().to_string()),
                );
            }
            _ => {}
        }
    }

    /// The stretches of the window where nothing is drawn (no arrow in flight, no mark), in
    /// time order, longer than `longer_than_ns`.
    pub(super) fn empty_stretches(&self, until_ns: u64, longer_than_ns: u64) -> Vec<Gap> {
        let point = |t: u64| (t, t);
        let mut busy: Vec<(u64, u64)> = vec![point(self.from_ns), point(until_ns)];
        busy.extend(
            self.arrows
                .iter()
                .map(|a| (a.sent_ns, a.arrives_ns.min(until_ns))),
        );
        busy.extend(self.stubs.iter().map(|s| point(s.at_ns)));
        busy.extend(self.marks.iter().map(|m| point(m.at_ns)));
        busy.extend(self.violations.iter().map(|v| point(v.0)));
        busy.extend(
            self.shades
                .iter()
                .flat_map(|s| [point(s.from_ns), point(s.until_ns)]),
        );
        busy.sort_unstable();
        let mut gaps = Vec::new();
        let mut covered_until = self.from_ns;
        for (from, until) in busy {
            if from > covered_until && from - covered_until > longer_than_ns {
                gaps.push(Gap {
                    from_ns: covered_until,
                    until_ns: from,
                });
            }
            covered_until = covered_until.max(until);
        }
        gaps
    }

    /// The message kinds drawn (arrows or stubs), in legend order.
    pub(super) fn kinds_shown(&self) -> BTreeSet<usize> {
        let arrows = self.arrows.iter().map(|a| a.kind);
        arrows.chain(self.stubs.iter().map(|s| s.kind)).collect()
    }

    /// The subtitle: the window shown of the whole, and the lanes left out.
    pub(super) fn subtitle(&self, note: Option<&str>, gaps: usize) -> String {
        let ms = |ns: u64| ns as f64 / 1e6;
        let mut parts = Vec::new();
        if self.empty {
            parts.push("no events in this window".to_string());
        } else if self.cut_short || self.from_ns > self.trace_start_ns {
            let end = if self.cut_short {
                self.until_ns
            } else {
                self.trace_end_ns
            };
            let from = match &self.anchor {
                Some(anchor) => format!(", from just before {anchor}"),
                None => String::new(),
            };
            parts.push(format!(
                "showing {}–{} ms of {} ms{from}; {} of {} messages",
                grouped(ms(self.from_ns)),
                grouped(ms(end)),
                grouped(ms(self.trace_end_ns)),
                grouped(self.messages_shown as f64),
                grouped(self.messages_total as f64),
            ));
        } else {
            parts.push(format!(
                "{}–{} ms, all {} messages",
                grouped(ms(self.from_ns)),
                grouped(ms(self.trace_end_ns)),
                grouped(self.messages_total as f64),
            ));
        }
        if self.lanes.len() < self.lanes_total {
            parts.push(format!(
                "first {} of {} nodes (at most {MAX_REPLICA_LANES} replicas, {MAX_CLIENT_LANES} clients)",
                self.lanes.len(),
                self.lanes_total
            ));
        }
        if gaps > 0 {
            parts.push(format!(
                "time compressed in {gaps} stretch{} with nothing drawn (grey)",
                if gaps == 1 { "" } else { "es" }
            ));
        }
        parts.extend(note.map(str::to_string));
        parts.join(" · ")
    }
}

/// `x` rounded to a whole number (to 0.1 below 10) with thousands separators: "1,204", "2.5".
pub(super) fn grouped(x: f64) -> String {
    if x < 10.0 && x.fract() != 0.0 {
        return format!("{x:.1}");
    }
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
