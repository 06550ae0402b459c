//! The space-time chart of one trial (`spacetime.svg`, `spacetime.png`): a message-sequence
//! chart of its trace, in the manner of Castro & Liskov's figure of the normal case (§4.2,
//! Fig. 1): one column ("lane") per replica and client, virtual time running down, and one
//! arrow per message copy from its send to its arrival, coloured by kind.
//!
//! On top of the arrows: messages the network lost as short stubs ending in a mark of the cause
//! (§3: the network may fail to deliver), copies that reached a crashed replica as arrows ending
//! in a cross, duplicated or reordered copies dashed; crash, partition and slow periods shaded
//! on the lanes they affect; views entered (§4.4), commits and executions (§4.2), stable
//! checkpoints and state transfers (§4.3), client retransmissions and accepted replies (§4.1)
//! marked on their lanes; refused inputs and a byzantine behaviour's changes as small markers;
//! an oracle violation as a line across every lane.
//!
//! A long trace is windowed: the chart starts at the first event it is given and stops before
//! the event that would take it past [`MAX_ARROWS`] arrows or [`MAX_MARKS`] marks; more than
//! [`MAX_REPLICA_LANES`] replicas or [`MAX_CLIENT_LANES`] clients keep only the first ones. The
//! subtitle says what is shown of what. The picture is first worked out as data ([`Picture`]),
//! then drawn on any plotters backend, so the SVG of the same events is byte-identical.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::atomic::{write_atomically, write_bytes_atomically};
use super::fonts::{ensure_fonts, FONT_FAMILY};
use super::ReportError;
use crate::records::trace::{DropCause, Happening, Node, TraceEvent, TraceTrial};

/// What the chart shows and how it is titled.
pub(crate) struct SpacetimeChart<'a> {
    /// Who is who, and the timed faults.
    pub trial: &'a TraceTrial,
    /// The events, in engine order; the caller may have cut them to a window already.
    pub events: &'a [TraceEvent],
    /// The title, e.g. "seed-no-view-change · point 0 · trial 3 · n = 4, f = 1".
    pub title: String,
    /// The caller's note, added to the subtitle (e.g. "first 200,000 events only").
    pub note: Option<String>,
}

/// At most this many arrows (message copies) are drawn; the window ends before the next send.
pub(crate) const MAX_ARROWS: usize = 400;
/// At most this many marks (stubs, markers) are drawn; the window ends before the next one.
pub(crate) const MAX_MARKS: usize = 1500;
/// Pre-prepare and new-view arrows are labelled when there are at most this many.
const MAX_ARROW_LABELS: usize = 80;
/// Marks' labels (a rejection's reason, a tampering's change) are drawn when there are at most
/// this many marks; views entered and executions are always labelled.
const MAX_MARK_LABELS: usize = 200;
/// Replica lanes drawn at most (the first ones).
pub(crate) const MAX_REPLICA_LANES: usize = 16;
/// Client lanes drawn at most (the first ones).
pub(crate) const MAX_CLIENT_LANES: usize = 4;

/// Draws `svg` and `png` (each written atomically); returns the time window drawn, in virtual
/// ns (from, until): the events at or after `until` are not shown.
pub(crate) fn draw_spacetime(
    chart: &SpacetimeChart,
    svg: &Path,
    png: &Path,
) -> Result<(u64, u64), ReportError> {
    let picture = Picture::of(chart);
    let geometry = Geometry::of(&picture);
    ensure_fonts(svg)?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, geometry.size).into_drawing_area();
        draw(&root, chart, &picture, &geometry).map_err(|e| chart_error(svg, e))?;
    }
    write_bytes_atomically(svg, text.as_bytes())?;
    write_atomically(png, |tmp| {
        let root = BitMapBackend::new(tmp, geometry.size).into_drawing_area();
        draw(&root, chart, &picture, &geometry).map_err(|e| chart_error(png, e))
    })?;
    Ok((picture.from_ns, picture.until_ns))
}

fn chart_error(path: &Path, error: impl std::fmt::Display) -> ReportError {
    ReportError::Chart {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The picture as data: lanes, arrows, stubs, marks and shades in virtual time.

/// Message kinds in legend order, with their colours (`Message::kind` names).
const KINDS: [(&str, RGBColor); 15] = [
    ("request", RGBColor(110, 110, 110)),
    ("pre-prepare", RGBColor(31, 119, 180)),
    ("prepare", RGBColor(255, 127, 14)),
    ("commit", RGBColor(44, 160, 44)),
    ("reply", RGBColor(148, 103, 189)),
    ("checkpoint", RGBColor(188, 189, 34)),
    ("view-change", RGBColor(214, 39, 40)),
    ("new-view", RGBColor(140, 86, 75)),
    ("status", RGBColor(190, 190, 190)),
    ("fetch-state", RGBColor(23, 190, 207)),
    ("state", RGBColor(23, 150, 165)),
    ("fetch-batch", RGBColor(227, 119, 194)),
    ("batch", RGBColor(180, 80, 150)),
    ("commit-certificate", RGBColor(90, 60, 160)),
    ("other", RGBColor(60, 60, 60)),
];

fn kind_index(kind: &str) -> usize {
    KINDS
        .iter()
        .position(|(name, _)| *name == kind)
        .unwrap_or(KINDS.len() - 1)
}

/// One column of the chart.
struct Lane {
    node: Node,
    /// The byzantine behaviour's name, if any.
    behaviour: Option<String>,
}

/// What became of a drawn message copy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Delivered, or still in flight when the window ends.
    Arrives,
    /// Reached a crashed recipient (a `drop` with cause `crash` at its arrival).
    RecipientCrashed,
}

/// One message copy from send to arrival.
struct Arrow {
    from: usize,
    to: usize,
    sent_ns: u64,
    arrives_ns: u64,
    kind: usize,
    fate: Fate,
    /// A duplicate or a reordered copy (drawn dashed).
    irregular: bool,
    /// A short label by the head (pre-prepare: sequence number and digest; new-view: view).
    label: Option<String>,
}

/// A message the network lost on the way (no arrival).
struct Stub {
    from: usize,
    to: usize,
    at_ns: u64,
    kind: usize,
    cause: DropCause,
}

/// A marker on a lane.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum MarkKind {
    ViewEntered,
    Committed,
    Executed,
    CheckpointStable,
    StateTransfer,
    Retransmit,
    Accepted,
    Rejected,
    Tampered,
    /// A copy that reached a crashed replica, sent before the window.
    LostToCrash,
}

impl MarkKind {
    fn legend(self) -> &'static str {
        match self {
            MarkKind::ViewEntered => "view entered (vN)",
            MarkKind::Committed => "committed",
            MarkKind::Executed => "executed (#seq)",
            MarkKind::CheckpointStable => "checkpoint stable",
            MarkKind::StateTransfer => "state transfer",
            MarkKind::Retransmit => "client retransmits",
            MarkKind::Accepted => "client accepts reply",
            MarkKind::Rejected => "input rejected",
            MarkKind::Tampered => "behaviour tampered",
            MarkKind::LostToCrash => "arrived at crashed replica",
        }
    }
}

struct Mark {
    lane: usize,
    at_ns: u64,
    kind: MarkKind,
    label: Option<String>,
    /// How many identical marks (same lane, instant, kind and label) it stands for.
    count: usize,
}

/// A shaded period on some lanes (all of them for loss).
struct Shade {
    lanes: Vec<usize>,
    from_ns: u64,
    until_ns: u64,
    kind: &'static str,
    label: String,
}

/// Everything the chart draws, placed in lanes and virtual time.
struct Picture {
    lanes: Vec<Lane>,
    /// Lanes in the trial (drawn or not).
    lanes_total: usize,
    from_ns: u64,
    until_ns: u64,
    /// The last event's time (the trace's end).
    trace_end_ns: u64,
    arrows: Vec<Arrow>,
    stubs: Vec<Stub>,
    marks: Vec<Mark>,
    shades: Vec<Shade>,
    violations: Vec<(u64, String)>,
    /// Messages drawn (send events between lanes drawn, in the window), and messages sent in
    /// the whole slice given.
    messages_shown: usize,
    messages_total: usize,
}

/// Which lanes are drawn, by node.
fn choose_lanes(trial: &TraceTrial) -> Vec<Lane> {
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

fn ms_to_ns(ms: f64) -> u64 {
    // Times are non-negative and far below 2^64 ns; `as` saturates otherwise.
    (ms * 1e6).round() as u64
}

/// The end of the window: before the first event (later than the first instant) that would
/// take the arrows or marks past their limits; otherwise the last event's time.
fn window_end(events: &[TraceEvent], lane_of: &BTreeMap<Node, usize>) -> u64 {
    let from = events.first().map_or(0, |e| e.t_ns);
    let (mut arrows, mut marks) = (0, 0);
    for event in events {
        let on_lane = event.node.is_some_and(|n| lane_of.contains_key(&n));
        match &event.what {
            Happening::Send { to, delays_ns, .. } if on_lane && lane_of.contains_key(to) => {
                arrows += delays_ns.len();
            }
            Happening::Send { .. } | Happening::Deliver { .. } | Happening::TimerSet { .. } => {}
            _ => marks += usize::from(on_lane),
        }
        if (arrows > MAX_ARROWS || marks > MAX_MARKS) && event.t_ns > from {
            return event.t_ns;
        }
    }
    events.last().map_or(0, |e| e.t_ns)
}

impl Picture {
    fn of(chart: &SpacetimeChart) -> Picture {
        let lanes = choose_lanes(chart.trial);
        let lane_of: BTreeMap<Node, usize> =
            lanes.iter().enumerate().map(|(i, l)| (l.node, i)).collect();
        let from_ns = chart.events.first().map_or(0, |e| e.t_ns);
        let trace_end_ns = chart.events.last().map_or(0, |e| e.t_ns);
        let until_ns = window_end(chart.events, &lane_of);
        let mut picture = Picture {
            lanes_total: chart.trial.nodes.len(),
            from_ns,
            until_ns,
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
        picture.shade_periods(chart.trial, &lane_of);
        // A sent copy not yet accounted for, by (sender, recipient, arrival): the arrows it is.
        let mut in_flight: BTreeMap<(Node, Node, u64), Vec<usize>> = BTreeMap::new();
        for event in chart.events {
            if let Happening::Send { .. } = event.what {
                picture.messages_total += 1;
            }
            let shown = event.t_ns < until_ns || (event.t_ns == from_ns && until_ns == from_ns);
            if shown {
                picture.add(event, &lane_of, &mut in_flight);
            }
        }
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
                .min(self.until_ns);
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
                self.mark(
                    lane,
                    at,
                    MarkKind::Rejected,
                    Some(reason.name().to_string()),
                );
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
    fn empty_stretches(&self, until_ns: u64, longer_than_ns: u64) -> Vec<Gap> {
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
    fn kinds_shown(&self) -> BTreeSet<usize> {
        let arrows = self.arrows.iter().map(|a| a.kind);
        arrows.chain(self.stubs.iter().map(|s| s.kind)).collect()
    }

    /// The subtitle: the window shown of the whole, and the lanes left out.
    fn subtitle(&self, note: Option<&str>, gaps: usize) -> String {
        let ms = |ns: u64| ns as f64 / 1e6;
        let mut parts = Vec::new();
        if self.until_ns < self.trace_end_ns {
            parts.push(format!(
                "showing {}–{} ms of {} ms; {} of {} messages",
                grouped(ms(self.from_ns)),
                grouped(ms(self.until_ns)),
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
fn grouped(x: f64) -> String {
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

// ---------------------------------------------------------------------------------------------
// Layout and drawing.

/// Pixel positions: lanes across, time down, legend on the right.
struct Geometry {
    size: (u32, u32),
    /// The plot's left, top, right and bottom edges.
    left: i32,
    top: i32,
    bottom: i32,
    lane_width: i32,
    legend_left: i32,
    from_ns: u64,
    until_ns: u64,
    /// Stretches with nothing drawn, shown shorter than they are, in time order.
    gaps: Vec<Gap>,
    /// Pixels per virtual ns of time shown at full length.
    scale: f64,
}

/// A stretch of the window in which nothing is drawn: shown as [`GAP_SHOWN`] of the window.
#[derive(Clone, Copy)]
struct Gap {
    from_ns: u64,
    until_ns: u64,
}

/// Stretches with nothing drawn (no arrow in flight) longer than this share of the window are compressed...
const GAP_LONGER_THAN: f64 = 1.0 / 30.0;
/// ... to this share of the window.
const GAP_SHOWN: f64 = 1.0 / 150.0;

const AXIS_WIDTH: i32 = 70;
const LEGEND_WIDTH: i32 = 250;
const HEADER_HEIGHT: i32 = 118;
const PLOT_HEIGHT: i32 = 940;

impl Geometry {
    fn of(picture: &Picture) -> Geometry {
        let lanes = picture.lanes.len().max(1) as i32;
        let lane_width = (1100 / lanes).clamp(64, 160);
        let left = AXIS_WIDTH;
        let legend_left = left + lanes * lane_width + 20;
        let width = legend_left + LEGEND_WIDTH;
        let until_ns = picture.until_ns.max(picture.from_ns + 1_000_000);
        let span = (until_ns - picture.from_ns) as f64;
        let shown_gap = (span * GAP_SHOWN) as u64;
        let gaps = picture.empty_stretches(until_ns, (span * GAP_LONGER_THAN) as u64);
        let removed: u64 = gaps.iter().map(|g| g.len() - shown_gap).sum();
        let shown = (span - removed as f64).max(1.0);
        Geometry {
            size: (width as u32, (HEADER_HEIGHT + PLOT_HEIGHT + 30) as u32),
            left,
            top: HEADER_HEIGHT,
            bottom: HEADER_HEIGHT + PLOT_HEIGHT,
            lane_width,
            legend_left,
            from_ns: picture.from_ns,
            until_ns,
            gaps,
            scale: f64::from(PLOT_HEIGHT) / shown,
        }
    }

    /// Whether `t_ns` lies strictly inside a compressed gap.
    fn in_gap(&self, t_ns: u64) -> bool {
        self.gaps
            .iter()
            .any(|g| g.from_ns < t_ns && t_ns < g.until_ns)
    }

    /// The centre line of lane `lane`.
    fn x(&self, lane: usize) -> i32 {
        self.left + lane as i32 * self.lane_width + self.lane_width / 2
    }

    /// The height of time `t_ns` (may lie below the plot: clip before drawing).
    fn y_f(&self, t_ns: u64) -> f64 {
        let span = (self.until_ns - self.from_ns) as f64;
        let shown_gap = span * GAP_SHOWN;
        let mut shown = t_ns.saturating_sub(self.from_ns) as f64;
        for gap in &self.gaps {
            let len = gap.len() as f64;
            if t_ns >= gap.until_ns {
                shown -= len - shown_gap;
            } else if t_ns > gap.from_ns {
                shown -= (t_ns - gap.from_ns) as f64 * (1.0 - shown_gap / len);
            }
        }
        self.top as f64 + shown * self.scale
    }

    fn y(&self, t_ns: u64) -> i32 {
        self.y_f(t_ns).min(self.bottom as f64).round() as i32
    }
}

impl Gap {
    fn len(&self) -> u64 {
        self.until_ns - self.from_ns
    }
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
type Area<DB> = DrawingArea<DB, Shift>;

const INK: RGBColor = RGBColor(40, 40, 40);
const FAINT: RGBColor = RGBColor(225, 225, 225);
const BYZANTINE: RGBColor = RGBColor(190, 30, 30);
const VIOLATION: RGBColor = RGBColor(200, 0, 0);
const REJECT: RGBColor = RGBColor(220, 20, 60);
const TAMPER: RGBColor = RGBColor(200, 0, 200);
const DONE: RGBColor = RGBColor(0, 110, 50);
const PARTITION_WALL: RGBColor = RGBColor(110, 60, 160);

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT_FAMILY, size).into_font())
}

fn anchored<'a>(style: TextStyle<'a>, h: HPos, v: VPos) -> TextStyle<'a> {
    style.pos(Pos::new(h, v))
}

fn shade_color(kind: &str) -> RGBAColor {
    match kind {
        "crash" => RGBColor(60, 60, 60).mix(0.28),
        "partition" => RGBColor(148, 103, 189).mix(0.25),
        "slow" => RGBColor(255, 170, 0).mix(0.25),
        _ => RGBColor(214, 39, 40).mix(0.18),
    }
}

fn draw<DB: DrawingBackend>(
    root: &Area<DB>,
    chart: &SpacetimeChart,
    picture: &Picture,
    g: &Geometry,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    root.draw_text(&chart.title, &font(20).color(&INK), (16, 10))?;
    let subtitle = picture.subtitle(chart.note.as_deref(), g.gaps.len());
    root.draw_text(&subtitle, &font(14).color(&RGBColor(90, 90, 90)), (16, 38))?;
    draw_time_axis(root, g)?;
    draw_shades(root, picture, g)?;
    draw_lanes(root, picture, g)?;
    let labels = picture.arrows.iter().filter(|a| a.label.is_some()).count();
    // Labels at the same spot (two pre-prepares arriving together) are stacked, not overprinted.
    let mut stacked: BTreeMap<(usize, i32), i32> = BTreeMap::new();
    let mut row = |lane: usize, y: i32| {
        let row = stacked.entry((lane, y)).or_default();
        *row += 1;
        *row - 1
    };
    for arrow in &picture.arrows {
        let labelled = labels <= MAX_ARROW_LABELS && arrow.label.is_some();
        let at = labelled.then(|| row(arrow.to, g.y(arrow.arrives_ns)));
        draw_arrow(root, arrow, g, at)?;
    }
    for stub in &picture.stubs {
        draw_stub(root, stub, g)?;
    }
    let labelled = picture.marks.len() <= MAX_MARK_LABELS;
    // Mark labels flow down their lane: each goes below the one before if they would overlap;
    // a rejection's or tampering's label that would land more than two lines low is left out.
    let mut free_from: BTreeMap<usize, i32> = BTreeMap::new();
    for mark in &picture.marks {
        let always = matches!(mark.kind, MarkKind::ViewEntered | MarkKind::Executed);
        let y = g.y(mark.at_ns);
        let mut offset = None;
        if mark.label.is_some() && (always || labelled) {
            let free = free_from.entry(mark.lane).or_insert(i32::MIN);
            let at = y.max(*free);
            if always || at <= y + 22 {
                *free = at + 11;
                offset = Some(at - y);
            }
        }
        draw_mark(root, mark, g, offset)?;
    }
    for (at, text) in &picture.violations {
        let y = g.y(*at);
        let right = g.legend_left - 20;
        root.draw(&Rectangle::new(
            [(g.left, y - 1), (right, y + 2)],
            VIOLATION.filled(),
        ))?;
        let style = anchored(font(14).color(&VIOLATION), HPos::Left, VPos::Bottom);
        root.draw_text(&format!("VIOLATION: {text}"), &style, (g.left + 4, y - 3))?;
    }
    draw_legend(root, picture, g)?;
    root.present()
}

/// Time ticks every 1, 2 or 5 × 10^k ms, about ten over the time shown at full length, with
/// faint grid lines; each compressed gap a grey band saying how long it is.
fn draw_time_axis<DB: DrawingBackend>(root: &Area<DB>, g: &Geometry) -> DrawResult<DB> {
    let right = g.legend_left - 20;
    let shown_ms = f64::from(PLOT_HEIGHT) / g.scale / 1e6;
    let raw = shown_ms / 10.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let style = anchored(font(12).color(&INK), HPos::Right, VPos::Center);
    let mut tick = (g.from_ns as f64 / 1e6 / step).ceil() * step;
    while tick <= g.until_ns as f64 / 1e6 + 1e-9 {
        let t_ns = ms_to_ns(tick);
        let near_gap = |y: i32| {
            let mid = |gap: &Gap| (g.y(gap.from_ns) + g.y(gap.until_ns)) / 2;
            g.gaps.iter().any(|gap| (mid(gap) - y).abs() < 14)
        };
        if !g.in_gap(t_ns) && !near_gap(g.y(t_ns)) {
            let y = g.y(t_ns);
            root.draw(&PathElement::new(vec![(g.left, y), (right, y)], FAINT))?;
            let label = if step < 1.0 {
                format!("{tick:.1} ms")
            } else {
                format!("{} ms", grouped(tick))
            };
            root.draw_text(&label, &style, (g.left - 6, y))?;
        }
        tick += step;
    }
    let band = RGBColor(236, 236, 236);
    let gap_style = anchored(
        font(11).color(&RGBColor(100, 100, 100)),
        HPos::Right,
        VPos::Center,
    );
    for gap in &g.gaps {
        let (top, bottom) = (g.y(gap.from_ns) + 2, g.y(gap.until_ns) - 2);
        if bottom <= top {
            continue;
        }
        root.draw(&Rectangle::new(
            [(g.left, top), (right, bottom)],
            band.filled(),
        ))?;
        let label = format!("+{} ms", grouped(gap.len() as f64 / 1e6));
        root.draw_text(&label, &gap_style, (g.left - 6, (top + bottom) / 2))?;
    }
    let axis = RGBColor(120, 120, 120);
    root.draw(&PathElement::new(
        vec![(g.left, g.top), (g.left, g.bottom)],
        axis,
    ))?;
    for gap in &g.gaps {
        // A break in the axis: two short slashes.
        let mid = (g.y(gap.from_ns) + g.y(gap.until_ns)) / 2;
        root.draw(&Rectangle::new(
            [(g.left - 3, mid - 4), (g.left + 3, mid + 4)],
            WHITE.filled(),
        ))?;
        for dy in [-4, 2] {
            let slash = vec![(g.left - 5, mid + dy + 3), (g.left + 5, mid + dy - 1)];
            root.draw(&PathElement::new(slash, axis.stroke_width(1)))?;
        }
    }
    let style = anchored(font(12).color(&axis), HPos::Center, VPos::Top);
    root.draw_text("time ↓", &style, (g.left / 2, g.top - 26))
}

fn lane_span(g: &Geometry, lane: usize) -> (i32, i32) {
    let half = g.lane_width * 3 / 10;
    (g.x(lane) - half, g.x(lane) + half)
}

fn draw_shades<DB: DrawingBackend>(
    root: &Area<DB>,
    picture: &Picture,
    g: &Geometry,
) -> DrawResult<DB> {
    for shade in &picture.shades {
        let (top, bottom) = (g.y(shade.from_ns), g.y(shade.until_ns));
        let color = shade_color(shade.kind);
        let label = anchored(font(11).color(&INK), HPos::Left, VPos::Top);
        if shade.lanes.is_empty() {
            // Loss applies to every link: a band beside the time axis.
            root.draw(&Rectangle::new(
                [(g.left + 1, top), (g.left + 7, bottom)],
                color.filled(),
            ))?;
            root.draw_text(&shade.label, &label, (g.left + 9, top + 2))?;
        }
        for (i, &lane) in shade.lanes.iter().enumerate() {
            let (l, r) = lane_span(g, lane);
            root.draw(&Rectangle::new([(l, top), (r, bottom)], color.filled()))?;
            if i == 0 {
                root.draw_text(&shade.label, &label, (l + 2, top + 2))?;
            }
        }
    }
    Ok(())
}

fn draw_lanes<DB: DrawingBackend>(
    root: &Area<DB>,
    picture: &Picture,
    g: &Geometry,
) -> DrawResult<DB> {
    for (i, lane) in picture.lanes.iter().enumerate() {
        let x = g.x(i);
        let byzantine = lane.behaviour.is_some();
        let color = if byzantine {
            BYZANTINE
        } else {
            RGBColor(150, 150, 150)
        };
        root.draw(&PathElement::new(
            vec![(x, g.top), (x, g.bottom)],
            color.stroke_width(1),
        ))?;
        let name = lane.node.to_string();
        let ink = if byzantine { BYZANTINE } else { INK };
        let centred = |size| anchored(font(size).color(&ink), HPos::Center, VPos::Bottom);
        match &lane.behaviour {
            // One line when it fits, else the behaviour on a second line.
            Some(b) if (name.len() + b.len() + 3) as i32 * 7 <= g.lane_width => {
                root.draw_text(&format!("{name} · {b}"), &centred(13), (x, g.top - 8))?;
            }
            Some(b) => {
                root.draw_text(&name, &centred(13), (x, g.top - 24))?;
                root.draw_text(&format!("· {b}"), &centred(11), (x, g.top - 8))?;
            }
            None => root.draw_text(&name, &centred(13), (x, g.top - 8))?,
        }
    }
    Ok(())
}

/// A filled arrowhead with its tip at `tip`, pointing away from `from`.
fn head(from: (f64, f64), tip: (f64, f64), color: RGBColor) -> Polygon<(i32, i32)> {
    let (dx, dy) = (tip.0 - from.0, tip.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let (ux, uy) = (dx / len, dy / len);
    let (back, half) = (8.0, 3.5);
    let base = (tip.0 - ux * back, tip.1 - uy * back);
    let point = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    Polygon::new(
        vec![
            point(tip.0, tip.1),
            point(base.0 - uy * half, base.1 + ux * half),
            point(base.0 + uy * half, base.1 - ux * half),
        ],
        color.filled(),
    )
}

fn draw_arrow<DB: DrawingBackend>(
    root: &Area<DB>,
    arrow: &Arrow,
    g: &Geometry,
    label_row: Option<i32>,
) -> DrawResult<DB> {
    let color = KINDS[arrow.kind].1;
    let start = (g.x(arrow.from) as f64, g.y_f(arrow.sent_ns));
    let mut end = (g.x(arrow.to) as f64, g.y_f(arrow.arrives_ns));
    let clipped = end.1 > g.bottom as f64;
    if clipped {
        // Cut where it leaves the plot; it arrives after the window.
        let share = (g.bottom as f64 - start.1) / (end.1 - start.1).max(1e-9);
        end = (start.0 + (end.0 - start.0) * share, g.bottom as f64);
    }
    let points = [start, end].map(|(x, y)| (x.round() as i32, y.round() as i32));
    if arrow.irregular {
        root.draw(&DashedPathElement::new(points, 5, 3, color.stroke_width(1)))?;
    } else {
        root.draw(&PathElement::new(points.to_vec(), color.stroke_width(1)))?;
    }
    if clipped {
        return Ok(());
    }
    let tip = (points[1].0, points[1].1);
    match arrow.fate {
        Fate::Arrives => root.draw(&head(start, end, color))?,
        Fate::RecipientCrashed => root.draw(&Cross::new(tip, 5, INK.stroke_width(2)))?,
    }
    if let (Some(row), Some(label)) = (label_row, &arrow.label) {
        let h = if end.0 >= start.0 {
            HPos::Right
        } else {
            HPos::Left
        };
        let dx = if end.0 >= start.0 { -10 } else { 10 };
        let style = anchored(font(10).color(&color), h, VPos::Bottom);
        root.draw_text(label, &style, (tip.0 + dx, tip.1 - 2 - 11 * row))?;
    }
    Ok(())
}

/// A lost message: a short stroke towards its recipient, ended by the cause's mark.
fn draw_stub<DB: DrawingBackend>(root: &Area<DB>, stub: &Stub, g: &Geometry) -> DrawResult<DB> {
    let color = KINDS[stub.kind].1;
    let (x0, y0) = (g.x(stub.from), g.y(stub.at_ns));
    let reach = ((g.x(stub.to) - x0) / 3).clamp(-40, 40);
    let end = (x0 + reach, (y0 + 10).min(g.bottom));
    root.draw(&PathElement::new(
        vec![(x0, y0), end],
        color.stroke_width(2),
    ))?;
    draw_drop_cause(root, stub.cause, end)
}

/// Where a lost message ends: a cross for loss (red for a loss burst), a wall for a partition.
fn draw_drop_cause<DB: DrawingBackend>(
    root: &Area<DB>,
    cause: DropCause,
    end: (i32, i32),
) -> DrawResult<DB> {
    match cause {
        DropCause::Loss => root.draw(&Cross::new(end, 4, INK.stroke_width(2))),
        DropCause::Burst => root.draw(&Cross::new(end, 4, VIOLATION.stroke_width(2))),
        DropCause::Partition | DropCause::Crash => {
            let wall = vec![(end.0, end.1 - 6), (end.0, end.1 + 6)];
            root.draw(&PathElement::new(wall, PARTITION_WALL.stroke_width(3)))
        }
    }
}

fn draw_mark<DB: DrawingBackend>(
    root: &Area<DB>,
    mark: &Mark,
    g: &Geometry,
    label_offset: Option<i32>,
) -> DrawResult<DB> {
    let (x, y) = (g.x(mark.lane), g.y(mark.at_ns));
    draw_symbol(root, mark.kind, (x, y), g.lane_width)?;
    let (Some(label), Some(offset)) = (&mark.label, label_offset) else {
        return Ok(());
    };
    let (color, bold) = match mark.kind {
        MarkKind::ViewEntered => (INK, true),
        MarkKind::Executed => (DONE, false),
        MarkKind::Rejected => (REJECT, false),
        _ => (TAMPER, false),
    };
    let size = if bold { 12 } else { 10 };
    let style = anchored(font(size).color(&color), HPos::Left, VPos::Center);
    let dx = match mark.kind {
        MarkKind::ViewEntered => g.lane_width * 3 / 10 + 3,
        _ => 8,
    };
    let text = match mark.count {
        1 => label.clone(),
        count => format!("{label} ×{count}"),
    };
    root.draw_text(&text, &style, (x + dx, y + offset))
}

/// The marker of `kind` centred at `at` (also the legend's sample).
fn draw_symbol<DB: DrawingBackend>(
    root: &Area<DB>,
    kind: MarkKind,
    (x, y): (i32, i32),
    lane_width: i32,
) -> DrawResult<DB> {
    match kind {
        MarkKind::ViewEntered => {
            let half = lane_width * 3 / 10;
            root.draw(&Rectangle::new(
                [(x - half, y - 1), (x + half, y + 1)],
                INK.filled(),
            ))
        }
        MarkKind::Committed => root.draw(&Rectangle::new(
            [(x - 4, y - 4), (x + 4, y + 4)],
            DONE.stroke_width(1),
        )),
        MarkKind::Executed => root.draw(&Circle::new((x, y), 3, DONE.filled())),
        MarkKind::CheckpointStable => root.draw(&Rectangle::new(
            [(x - 6, y - 2), (x + 6, y + 2)],
            KINDS[5].1.filled(),
        )),
        MarkKind::StateTransfer => root.draw(&Rectangle::new(
            [(x - 4, y - 4), (x + 4, y + 4)],
            KINDS[9].1.filled(),
        )),
        MarkKind::Retransmit => root.draw(&Circle::new((x, y), 4, KINDS[0].1.stroke_width(2))),
        MarkKind::Accepted => root.draw(&TriangleMarker::new((x, y), 5, DONE.filled())),
        MarkKind::Rejected => {
            let v = vec![(x - 4, y - 4), (x + 4, y - 4), (x, y + 3)];
            root.draw(&Polygon::new(v, REJECT.filled()))
        }
        MarkKind::Tampered => {
            let v = vec![(x, y - 5), (x + 4, y), (x, y + 5), (x - 4, y)];
            root.draw(&Polygon::new(v, TAMPER.filled()))
        }
        MarkKind::LostToCrash => root.draw(&Cross::new((x, y), 5, INK.stroke_width(2))),
    }
}

/// A legend entry's sample picture.
#[derive(Clone, Copy)]
enum Sample {
    Irregular,
    RecipientCrashed,
    Lost(DropCause),
    Mark(MarkKind),
    Shade(&'static str),
    Violation,
}

/// The legend, right of the lanes: the message kinds drawn, the markers and shades present.
fn draw_legend<DB: DrawingBackend>(
    root: &Area<DB>,
    picture: &Picture,
    g: &Geometry,
) -> DrawResult<DB> {
    let x = g.legend_left;
    let mut y = g.top;
    let heading = anchored(font(13).color(&INK), HPos::Left, VPos::Center);
    let entry = anchored(font(12).color(&INK), HPos::Left, VPos::Center);
    root.draw_text("messages", &heading, (x, y))?;
    y += 20;
    for kind in picture.kinds_shown() {
        let (name, color) = KINDS[kind];
        root.draw(&PathElement::new(
            vec![(x, y), (x + 26, y)],
            color.stroke_width(2),
        ))?;
        root.draw(&head(
            (x as f64, y as f64),
            ((x + 30) as f64, y as f64),
            color,
        ))?;
        root.draw_text(name, &entry, (x + 38, y))?;
        y += 18;
    }
    let mut samples = Vec::new();
    if picture.arrows.iter().any(|a| a.irregular) {
        samples.push((Sample::Irregular, "duplicated / reordered copy".to_string()));
    }
    if picture
        .arrows
        .iter()
        .any(|a| a.fate == Fate::RecipientCrashed)
    {
        samples.push((
            Sample::RecipientCrashed,
            "arrived at crashed replica".into(),
        ));
    }
    for (cause, text) in [
        (DropCause::Loss, "lost (network loss)"),
        (DropCause::Burst, "lost (loss burst)"),
        (DropCause::Partition, "cut by partition"),
    ] {
        if picture.stubs.iter().any(|s| s.cause == cause) {
            samples.push((Sample::Lost(cause), text.into()));
        }
    }
    let marks: BTreeSet<MarkKind> = picture.marks.iter().map(|m| m.kind).collect();
    samples.extend(
        marks
            .into_iter()
            .map(|k| (Sample::Mark(k), k.legend().into())),
    );
    let shades: BTreeSet<&'static str> = picture.shades.iter().map(|s| s.kind).collect();
    samples.extend(
        shades
            .into_iter()
            .map(|k| (Sample::Shade(k), format!("{k} period"))),
    );
    if !picture.violations.is_empty() {
        samples.push((Sample::Violation, "oracle violation".into()));
    }
    if !samples.is_empty() {
        y += 12;
        root.draw_text("marks", &heading, (x, y))?;
        y += 20;
    }
    for (sample, text) in samples {
        draw_sample(root, sample, (x, y))?;
        root.draw_text(&text, &entry, (x + 38, y))?;
        y += 18;
    }
    Ok(())
}

fn draw_sample<DB: DrawingBackend>(
    root: &Area<DB>,
    sample: Sample,
    (x, y): (i32, i32),
) -> DrawResult<DB> {
    let gray = RGBColor(120, 120, 120);
    match sample {
        Sample::Irregular => root.draw(&DashedPathElement::new(
            [(x, y), (x + 30, y)],
            5,
            3,
            gray.stroke_width(1),
        )),
        Sample::RecipientCrashed | Sample::Mark(MarkKind::LostToCrash) => {
            root.draw(&PathElement::new(vec![(x, y), (x + 24, y)], gray))?;
            root.draw(&Cross::new((x + 26, y), 5, INK.stroke_width(2)))
        }
        Sample::Lost(cause) => {
            root.draw(&PathElement::new(
                vec![(x, y), (x + 22, y)],
                gray.stroke_width(2),
            ))?;
            draw_drop_cause(root, cause, (x + 22, y))
        }
        Sample::Mark(kind) => draw_symbol(root, kind, (x + 15, y), 48),
        Sample::Shade(kind) => root.draw(&Rectangle::new(
            [(x + 4, y - 7), (x + 26, y + 7)],
            shade_color(kind).filled(),
        )),
        Sample::Violation => root.draw(&Rectangle::new(
            [(x, y - 1), (x + 30, y + 2)],
            VIOLATION.filled(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::protocol::message::{Digest, NodeId};
    use crate::protocol::{Change, Rejection};
    use crate::records::trace::{FaultPeriod, MessageSummary, NodeRole};
    use crate::sim::trace::TraceSink;

    fn replica(r: u32) -> Node {
        Node(NodeId::Replica(r))
    }

    fn trial(n: u32, behaviour: Option<(u32, &str)>, periods: Vec<FaultPeriod>) -> TraceTrial {
        let mut nodes: Vec<NodeRole> = (0..n)
            .map(|r| NodeRole {
                node: replica(r),
                role: "replica",
                behaviour: behaviour
                    .filter(|(b, _)| *b == r)
                    .map(|(_, name)| name.into()),
            })
            .collect();
        nodes.push(NodeRole {
            node: Node(NodeId::Client(0)),
            role: "client",
            behaviour: None,
        });
        TraceTrial {
            seed: 1,
            n,
            f: (n - 1) / 3,
            clients: 1,
            time_limit_ms: 100.0,
            nodes,
            periods,
        }
    }

    /// Events in order, numbered, at times in ms.
    #[derive(Default)]
    struct Script(Vec<TraceEvent>);

    impl Script {
        /// The events in time order (the engine's order), renumbered.
        fn events(mut self) -> Vec<TraceEvent> {
            self.0.sort_by_key(|e| e.t_ns);
            for (i, event) in self.0.iter_mut().enumerate() {
                event.i = i as u64;
            }
            self.0
        }

        fn at(&mut self, ms: f64, node: Option<NodeId>, what: Happening) {
            let i = self.0.len() as u64;
            self.0.push(TraceEvent::new(i, ms_to_ns(ms), node, what));
        }

        /// `from` sends `kind` to `to`, arriving `delay` ms later (delivered), or lost by `lost`.
        fn message(
            &mut self,
            ms: f64,
            from: u32,
            to: u32,
            kind: &'static str,
            seq: u64,
            delay: f64,
        ) {
            let message = MessageSummary {
                msg: kind,
                view: Some(0),
                seq: Some(seq),
                digest: Some(Digest([0xab; 16])),
                timestamp: None,
            };
            let (sender, recipient) = (NodeId::Replica(from), replica(to));
            self.at(
                ms,
                Some(sender),
                Happening::Send {
                    to: recipient,
                    message,
                    delays_ns: vec![ms_to_ns(delay)],
                    slowed: None,
                },
            );
            self.at(
                ms + delay,
                Some(NodeId::Replica(to)),
                Happening::Deliver {
                    from: replica(from),
                    message,
                },
            );
        }

        fn lost(&mut self, ms: f64, from: u32, to: u32, kind: &'static str, cause: DropCause) {
            let message = MessageSummary {
                msg: kind,
                ..MessageSummary::default()
            };
            let sender = Some(NodeId::Replica(from));
            let to = replica(to);
            let delays_ns = Vec::new();
            self.at(
                ms,
                sender,
                Happening::Send {
                    to,
                    message,
                    delays_ns,
                    slowed: None,
                },
            );
            self.at(ms, sender, Happening::Drop { to, message, cause });
        }
    }

    /// n = 4: r0 (primary, view 0) pre-prepares seq 1; prepares and commits, one prepare lost;
    /// r2 crashed from 6 to 30 ms; then a view change to view 1 by r1..r3.
    fn normal_case_with_faults() -> (TraceTrial, Vec<TraceEvent>) {
        let crash = FaultPeriod {
            kind: "crash",
            replicas: vec![2],
            from_ms: 6.0,
            until_ms: Some(30.0),
            detail: String::new(),
        };
        let trial = trial(4, Some((3, "SeedAdversary")), vec![crash]);
        let mut s = Script::default();
        for to in 1..4 {
            s.message(0.0, 0, to, "pre-prepare", 1, 1.0 + f64::from(to) * 0.2);
        }
        s.lost(2.0, 1, 3, "prepare", DropCause::Loss);
        s.message(2.0, 1, 2, "prepare", 1, 1.5);
        s.message(2.1, 2, 1, "prepare", 1, 1.5);
        s.message(4.0, 1, 2, "commit", 1, 1.0);
        s.message(4.0, 2, 1, "commit", 1, 1.2);
        let committed = |seq| Happening::Committed {
            seq,
            digest: Digest([0xab; 16]),
            requests: 1,
        };
        s.at(5.3, Some(NodeId::Replica(1)), committed(1));
        s.at(
            5.5,
            Some(NodeId::Replica(3)),
            Happening::Reject {
                reason: Rejection::ConflictingPrePrepare,
                class: Rejection::ConflictingPrePrepare.class(),
                from: Some(replica(0)),
                message: None,
            },
        );
        // r3's behaviour changes its (late) prepare to r0, r1 and r2 alike: one mark, "× 3".
        for to in 0..3 {
            s.at(
                5.6,
                Some(NodeId::Replica(3)),
                Happening::Tamper {
                    change: Change::Changed,
                    to: Some(replica(to)),
                    msg: "prepare",
                },
            );
        }
        s.at(6.0, Some(NodeId::Replica(2)), Happening::Crash);
        // A commit r1 sends to r2 arrives while r2 is down.
        let message = MessageSummary {
            msg: "commit",
            ..MessageSummary::default()
        };
        let delays_ns = vec![ms_to_ns(2.0)];
        s.at(
            7.0,
            Some(NodeId::Replica(1)),
            Happening::Send {
                to: replica(2),
                message,
                delays_ns,
                slowed: None,
            },
        );
        s.at(
            9.0,
            Some(NodeId::Replica(1)),
            Happening::Drop {
                to: replica(2),
                message,
                cause: DropCause::Crash,
            },
        );
        for from in [1, 3] {
            for to in [0, 1, 2, 3] {
                if to != from {
                    s.message(20.0, from, to, "view-change", 0, 2.0);
                }
            }
        }
        s.message(24.0, 1, 3, "new-view", 0, 1.0);
        s.at(
            25.0,
            Some(NodeId::Replica(1)),
            Happening::ViewEntered { view: 1 },
        );
        s.at(30.0, Some(NodeId::Replica(2)), Happening::Recover);
        (trial, s.events())
    }

    /// The texts of an SVG's `<text>` elements, trimmed.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                let body = &t[t.find('>')? + 1..t.find("</text>")?];
                Some(body.trim().replace("&amp;", "&"))
            })
            .collect()
    }

    fn has_text(svg: &str, text: &str) -> bool {
        texts(svg).iter().any(|t| t == text)
    }

    fn draw_into(dir: &Path, chart: &SpacetimeChart) -> ((u64, u64), String) {
        let (svg, png) = (dir.join("spacetime.svg"), dir.join("spacetime.png"));
        let window = draw_spacetime(chart, &svg, &png).expect("the chart draws");
        let png_bytes = std::fs::read(&png).expect("the PNG is written");
        assert!(png_bytes.starts_with(b"\x89PNG"), "a PNG file");
        let text = std::fs::read_to_string(&svg).expect("the SVG is written");
        if let Some(keep) = std::env::var_os("SPACETIME_KEEP") {
            let keep = Path::new(&keep).join(chart.title.split(" ").next().unwrap_or("x"));
            std::fs::create_dir_all(&keep).ok();
            std::fs::copy(&svg, keep.join("spacetime.svg")).ok();
            std::fs::copy(&png, keep.join("spacetime.png")).ok();
        }
        (window, text)
    }

    #[test]
    fn a_small_trace_shows_lanes_legend_drops_and_periods() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (trial, events) = normal_case_with_faults();
        let chart = SpacetimeChart {
            trial: &trial,
            events: &events,
            title: "synthetic · n = 4, f = 1".into(),
            note: None,
        };
        let ((from, until), svg) = draw_into(dir.path(), &chart);
        assert_eq!((from, until), (0, ms_to_ns(30.0)), "the whole trace fits");
        for label in ["r0", "r1", "r2", "c0", "r3 · SeedAdversary"] {
            assert!(
                has_text(&svg, label),
                "lane label {label}: {:?}",
                texts(&svg)
            );
        }
        for kind in [
            "pre-prepare",
            "prepare",
            "commit",
            "view-change",
            "new-view",
        ] {
            assert!(has_text(&svg, kind), "legend entry {kind}");
        }
        for mark in [
            "lost (network loss)",
            "arrived at crashed replica",
            "crash period",
            "committed",
            "input rejected",
            "behaviour tampered",
            "view entered (vN)",
        ] {
            assert!(has_text(&svg, mark), "legend entry {mark}");
        }
        assert!(
            !has_text(&svg, "reply"),
            "only the kinds drawn are in the legend"
        );
        assert!(has_text(&svg, "v1"), "the view entered is marked");
        assert!(
            has_text(&svg, "#1 abababab"),
            "the pre-prepare says what it proposes"
        );
        assert!(
            has_text(&svg, "conflicting_pre_prepare"),
            "the rejection says why"
        );
        // Nothing happens from 9 to 20 ms, 25 to 30 ms, nor 0.2 to 2 ms (over a 30th of 30 ms).
        let subtitle =
            "0–30 ms, all 16 messages · time compressed in 3 stretches with nothing drawn (grey)";
        assert!(has_text(&svg, subtitle), "the subtitle: {:?}", texts(&svg));
        assert!(has_text(&svg, "+11 ms"), "the long gap says how long it is");

        let picture = Picture::of(&chart);
        assert_eq!(picture.stubs.len(), 1, "one message lost by the network");
        assert_eq!(picture.stubs[0].cause, DropCause::Loss);
        let crashed: Vec<_> = picture
            .arrows
            .iter()
            .filter(|a| a.fate == Fate::RecipientCrashed)
            .map(|a| (a.from, a.to, a.arrives_ns))
            .collect();
        assert_eq!(crashed, vec![(1, 2, ms_to_ns(9.0))], "the copy r2 missed");
        let shade = &picture.shades[0];
        assert_eq!(
            (shade.lanes.clone(), shade.from_ns, shade.until_ns),
            (vec![2], ms_to_ns(6.0), ms_to_ns(30.0))
        );
    }

    #[test]
    fn the_same_events_give_the_same_svg() {
        let (trial, events) = normal_case_with_faults();
        let chart = SpacetimeChart {
            trial: &trial,
            events: &events,
            title: "same".into(),
            note: Some("a note".into()),
        };
        let (a, b) = (
            tempfile::tempdir().expect("dir"),
            tempfile::tempdir().expect("dir"),
        );
        let (_, first) = draw_into(a.path(), &chart);
        let (_, second) = draw_into(b.path(), &chart);
        assert!(first == second, "byte-identical SVGs");
        assert!(first.contains("a note"), "the caller's note is shown");
    }

    #[test]
    fn a_long_trace_is_windowed_and_says_so() {
        // 20 replicas, a broadcast round every ms for a second: 380 copies a round.
        let trial = trial(20, None, Vec::new());
        let mut s = Script::default();
        for round in 0..1000u32 {
            let from = round % 20;
            for to in (0..20).filter(|&to| to != from) {
                s.message(f64::from(round), from, to, "prepare", u64::from(round), 3.0);
            }
        }
        let events = s.events();
        let chart = SpacetimeChart {
            trial: &trial,
            events: &events,
            title: "long".into(),
            note: None,
        };
        let dir = tempfile::tempdir().expect("a temp dir");
        let ((from, until), svg) = draw_into(dir.path(), &chart);
        let picture = Picture::of(&chart);
        assert!(
            picture.arrows.len() <= MAX_ARROWS,
            "{} arrows",
            picture.arrows.len()
        );
        assert_eq!(
            picture.lanes.len(),
            MAX_REPLICA_LANES + 1,
            "16 replicas and the client"
        );
        assert_eq!(from, 0);
        assert!(
            until > 0 && until < ms_to_ns(999.0),
            "a window, not the whole: {until}"
        );
        let shown = format!(
            "showing 0–{} ms of 1,002 ms; {} of 19,000 messages",
            grouped(until as f64 / 1e6),
            grouped(picture.messages_shown as f64)
        );
        // r16..r19 are not drawn, so rounds 16 to 19 send nothing drawn: from 18 ms (round 15's
        // arrivals) to 20 ms the axis is compressed.
        let subtitle = format!(
            "{shown} · first 17 of 21 nodes (at most 16 replicas, 4 clients) · time compressed \
             in 1 stretch with nothing drawn (grey)"
        );
        assert!(
            has_text(&svg, &subtitle),
            "the subtitle says the window: {:?}",
            texts(&svg)
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(1204.4), "1,204");
        assert_eq!(grouped(40_000.0), "40,000");
        assert_eq!(grouped(250.0), "250");
        assert_eq!(grouped(2.5), "2.5");
        assert_eq!(grouped(1_234_567.0), "1,234,567");
    }

    /// Collects a real trial's trace.
    struct Collect(Arc<Mutex<(Option<TraceTrial>, Vec<TraceEvent>)>>);

    impl TraceSink for Collect {
        fn start(&mut self, trial: &TraceTrial) {
            if let Ok(mut held) = self.0.lock() {
                held.0 = Some(trial.clone());
            }
        }
        fn event(&mut self, event: TraceEvent) {
            if let Ok(mut held) = self.0.lock() {
                held.1.push(event);
            }
        }
    }

    /// The trace of trial `trial` of point `point` of a catalogue scenario.
    fn real_trace(file: &str, point: usize, trial: usize) -> (TraceTrial, Vec<TraceEvent>) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file);
        let plan = crate::scenario::load(&path).expect("a catalogue scenario");
        let scenario = &plan.points[point].scenario;
        let seed = crate::sim::trial_seed(scenario.seed, point, trial);
        let spec = crate::scenario::trial_spec(scenario, seed);
        let held = Arc::new(Mutex::new((None, Vec::new())));
        crate::sim::run_trial_reference_traced(&spec, Box::new(Collect(held.clone())))
            .expect("the trial runs");
        let mut held = held.lock().expect("not poisoned");
        let trial = held.0.take().expect("the trial was announced");
        (trial, std::mem::take(&mut held.1))
    }

    fn draw_real(trial: &TraceTrial, events: &[TraceEvent], title: &str) -> String {
        let chart = SpacetimeChart {
            trial,
            events,
            title: title.into(),
            note: None,
        };
        let dir = tempfile::tempdir().expect("a temp dir");
        let started = std::time::Instant::now();
        let (_, svg) = draw_into(dir.path(), &chart);
        let took = started.elapsed();
        assert!(took.as_secs_f64() < 1.0, "{title} drawn in {took:?}");
        svg
    }

    #[test]
    fn a_stalled_trial_shows_the_byzantine_primarys_forged_pre_prepares() {
        // seed-no-view-change with 3 byzantine replicas of 10 (f = 3): the first trial whose
        // primary r0 is byzantine; without view change it never commits.
        let (trial, events) = (0..6)
            .map(|t| real_trace("seed-no-view-change.ron", 3, t))
            .find(|(trial, _)| trial.nodes[0].behaviour.is_some())
            .expect("a trial with a byzantine primary");
        let svg = draw_real(&trial, &events, "seed-no-view-change · point 3");
        assert!(has_text(&svg, "r0") && has_text(&svg, "· SeedAdversary"));
        let chart = SpacetimeChart {
            trial: &trial,
            events: &events,
            title: String::new(),
            note: None,
        };
        let picture = Picture::of(&chart);
        let proposals: BTreeSet<_> = picture
            .arrows
            .iter()
            .filter(|a| a.from == 0 && KINDS[a.kind].0 == "pre-prepare")
            .filter_map(|a| a.label.clone())
            .collect();
        assert!(
            proposals.len() >= 9,
            "each backup got its own digest: {proposals:?}"
        );
        for proposal in &proposals {
            assert!(has_text(&svg, proposal), "{proposal} is labelled");
        }
        let executed = picture.marks.iter().any(|m| m.kind == MarkKind::Executed);
        assert!(!executed, "nothing executes");
    }

    #[test]
    fn catalogue_traces_with_faults_draw_fast_with_their_faults() {
        let since = |events: Vec<TraceEvent>, ms: f64| -> Vec<TraceEvent> {
            events.into_iter().filter(|e| e.t_ms >= ms).collect()
        };
        // loss-burst at p = 0.3 from 300 ms (cut there, as `trace --from 290` would): messages
        // lost in the burst are stubs.
        let (trial, events) = real_trace("loss-burst.ron", 2, 0);
        let svg = draw_real(&trial, &since(events, 290.0), "loss-burst");
        assert!(has_text(&svg, "lost (loss burst)"), "{:?}", texts(&svg));
        // crash-recover, 80 requests at n = 4, from 90 ms (as `trace --from 90` cuts it): r2
        // crashes at 100 ms.
        let (trial, events) = real_trace("crash-recover.ron", 0, 0);
        let svg = draw_real(&trial, &events, "crash-recover whole");
        assert!(has_text(&svg, "r2"));
        let svg = draw_real(&trial, &since(events, 90.0), "crash-recover");
        assert!(has_text(&svg, "crash period"), "{:?}", texts(&svg));
        assert!(has_text(&svg, "crashed"));
        // partition-heals, [[0, 1], [2, 3]] from 200 to 700 ms.
        let (trial, events) = real_trace("partition-heals.ron", 1, 0);
        let svg = draw_real(&trial, &since(events, 190.0), "partition-heals");
        let cut = texts(&svg).iter().any(|t| t == "cut by partition");
        assert!(
            cut && has_text(&svg, "partition period"),
            "{:?}",
            texts(&svg)
        );
    }
}
