//! The space-time chart laid out and drawn: lanes across (replicas, then clients), virtual time
//! down, the legend on the right, outside the data. Stretches of the window with nothing drawn
//! (no arrow in flight, no mark) are compressed on the time axis and shown as grey bands that
//! say how long they are. Drawn on any plotters backend (SVG and bitmap alike).

use std::collections::{BTreeMap, BTreeSet};

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{KINDS, PERIODS, REJECT, ROUTINE_REJECT};
use super::picture::{grouped, ms_to_ns, Arrow, Fate, Gap, Mark, MarkKind, Picture, Stub};
use super::{SpacetimeChart, MAX_ARROW_LABELS, MAX_MARK_LABELS};
use crate::records::trace::DropCause;
use crate::report::fonts::FONT_FAMILY;

/// Pixel positions: lanes across, time down, legend on the right.
pub(super) struct Geometry {
    /// The image size, pixels.
    pub(super) size: (u32, u32),
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

/// Stretches with nothing drawn (no arrow in flight) longer than this share of the window are
/// compressed (see [`Gap`])...
const GAP_LONGER_THAN: f64 = 1.0 / 30.0;
/// ... to this share of the window.
const GAP_SHOWN: f64 = 1.0 / 150.0;

const AXIS_WIDTH: i32 = 70;
const LEGEND_WIDTH: i32 = 250;
const HEADER_HEIGHT: i32 = 118;
const PLOT_HEIGHT: i32 = 940;

impl Geometry {
    /// The layout of `picture`.
    pub(super) fn of(picture: &Picture) -> Geometry {
        let lanes = picture.lanes.len().max(1) as i32;
        let lane_width = (1100 / lanes).clamp(64, 160);
        let left = AXIS_WIDTH;
        let legend_left = left + lanes * lane_width + 20;
        let width = legend_left + LEGEND_WIDTH;
        let until_ns = picture.axis_end_ns.max(picture.from_ns + 1_000_000);
        let span = (until_ns - picture.from_ns) as f64;
        let shown_gap = (span * GAP_SHOWN) as u64;
        let gaps = if picture.empty {
            Vec::new()
        } else {
            picture.empty_stretches(until_ns, (span * GAP_LONGER_THAN) as u64)
        };
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

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
type Area<DB> = DrawingArea<DB, Shift>;

const INK: RGBColor = RGBColor(40, 40, 40);
const FAINT: RGBColor = RGBColor(225, 225, 225);
const BYZANTINE: RGBColor = RGBColor(190, 30, 30);
const VIOLATION: RGBColor = RGBColor(200, 0, 0);
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
    let (last, rest) = PERIODS.split_last().unwrap_or((&("other", INK), &[]));
    let color = rest.iter().find(|(k, _)| *k == kind).unwrap_or(last).1;
    let alpha = match kind {
        "crash" => 0.28,
        "loss" => 0.18,
        _ => 0.25,
    };
    color.mix(alpha)
}

/// Marks of one kind and label on one lane, close enough to share one label ("duplicate ×10").
struct MarkGroup<'a> {
    /// The first of them.
    first: &'a Mark,
    /// Its height.
    y: i32,
    /// The height of its last mark.
    last_y: i32,
    /// How many marks it stands for.
    count: usize,
}

/// A mark at most this many pixels below the last of a group, of its kind and label on its
/// lane, joins the group (a pile of marks gets one label).
const GROUP_WITHIN_PX: i32 = 8;

/// The marks grouped for labelling, in the order of their first mark.
fn group_marks<'a>(marks: &'a [Mark], g: &Geometry) -> Vec<MarkGroup<'a>> {
    let mut groups: Vec<MarkGroup> = Vec::new();
    // Per lane and (kind, label), the group still open.
    let mut open: BTreeMap<(usize, MarkKind, Option<&str>), usize> = BTreeMap::new();
    for mark in marks {
        let y = g.y(mark.at_ns);
        let key = (mark.lane, mark.kind, mark.label.as_deref());
        if let Some(group) = open.get(&key).and_then(|&i| groups.get_mut(i)) {
            if y - group.last_y <= GROUP_WITHIN_PX {
                group.count += mark.count;
                group.last_y = y;
                continue;
            }
        }
        open.insert(key, groups.len());
        groups.push(MarkGroup {
            first: mark,
            y,
            last_y: y,
            count: mark.count,
        });
    }
    groups
}

/// Draws the whole chart on `root` and presents it.
pub(super) fn draw<DB: DrawingBackend>(
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
    for mark in &picture.marks {
        draw_symbol(
            root,
            mark.kind,
            (g.x(mark.lane), g.y(mark.at_ns)),
            g.lane_width,
        )?;
    }
    let groups = group_marks(&picture.marks, g);
    let labelled = groups.len() <= MAX_MARK_LABELS;
    // Mark labels flow down their lane: each goes below the one before if they would overlap;
    // a rejection's or tampering's label that would land more than two lines low is left out,
    // and a routine rejection is labelled only for a group of them.
    let mut free_from: BTreeMap<usize, i32> = BTreeMap::new();
    for group in &groups {
        let mark = group.first;
        let always = matches!(mark.kind, MarkKind::ViewEntered | MarkKind::Executed);
        let wanted = mark.kind != MarkKind::RoutineRejected || group.count > 1;
        if mark.label.is_none() || !wanted || !(always || labelled) {
            continue;
        }
        let y = group.y;
        let free = free_from.entry(mark.lane).or_insert(i32::MIN);
        let at = y.max(*free);
        if always || at <= y + 22 {
            *free = at + 11;
            draw_label(root, group, g, at - y)?;
        }
    }
    if picture.empty {
        let style = anchored(
            font(16).color(&RGBColor(90, 90, 90)),
            HPos::Center,
            VPos::Center,
        );
        let middle = ((g.left + g.legend_left - 20) / 2, (g.top + g.bottom) / 2);
        root.draw_text("no events in this window", &style, middle)?;
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
/// faint grid lines; each compressed gap a grey band saying how long it is and the absolute
/// time at its end ("+157 ms", "→ 457 ms"), so every stretch can be read in absolute time.
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
            g.gaps.iter().any(|gap| (mid(gap) - y).abs() < 20)
        };
        if !g.in_gap(t_ns) && !near_gap(g.y(t_ns)) {
            let y = g.y(t_ns);
            root.draw(&PathElement::new(vec![(g.left, y), (right, y)], FAINT))?;
            root.draw_text(&tick_label(tick, step), &style, (g.left - 6, y))?;
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
        // How long it is, and (below) the absolute time at its end, where time resumes.
        let mid = (top + bottom) / 2;
        let label = format!("+{} ms", grouped(gap.len() as f64 / 1e6));
        root.draw_text(&label, &gap_style, (g.left - 6, mid - 6))?;
        let resumes = format!("→ {}", tick_label(gap.until_ns as f64 / 1e6, step));
        root.draw_text(&resumes, &style, (g.left - 6, mid + 7))?;
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

/// A time on the axis, to the precision of its ticks: "450 ms", "12.5 ms".
fn tick_label(ms: f64, step: f64) -> String {
    if step < 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{} ms", grouped(ms))
    }
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

/// A group of marks' label, `offset` pixels below its first mark.
fn draw_label<DB: DrawingBackend>(
    root: &Area<DB>,
    group: &MarkGroup,
    g: &Geometry,
    offset: i32,
) -> DrawResult<DB> {
    let mark = group.first;
    let Some(label) = &mark.label else {
        return Ok(());
    };
    let (x, y) = (g.x(mark.lane), group.y);
    let (color, bold) = match mark.kind {
        MarkKind::ViewEntered => (INK, true),
        MarkKind::Executed => (DONE, false),
        MarkKind::Rejected => (REJECT, false),
        MarkKind::RoutineRejected => (RGBColor(150, 150, 150), false),
        _ => (TAMPER, false),
    };
    let size = if bold { 12 } else { 10 };
    let style = anchored(font(size).color(&color), HPos::Left, VPos::Center);
    let dx = match mark.kind {
        MarkKind::ViewEntered => g.lane_width * 3 / 10 + 3,
        _ => 8,
    };
    let text = match group.count {
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
        MarkKind::RoutineRejected => {
            let v = vec![(x - 3, y - 3), (x + 3, y - 3), (x, y + 2)];
            root.draw(&Polygon::new(v, ROUTINE_REJECT.filled()))
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
    let crashed_arrows = picture
        .arrows
        .iter()
        .any(|a| a.fate == Fate::RecipientCrashed);
    if crashed_arrows {
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
    // A crash arrival drawn as an arrow and one drawn as a mark alone share one legend entry.
    samples.extend(
        marks
            .into_iter()
            .filter(|k| !(crashed_arrows && *k == MarkKind::LostToCrash))
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
