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
//! A long trace is windowed (`window`): about [`MAX_ARROWS`] arrows and [`MAX_MARKS`] marks,
//! from the first event or, when the first interesting one (a violation, a fault starting, a
//! view change...) lies beyond that, from shortly before it; more than
//! [`MAX_REPLICA_LANES`] replicas or [`MAX_CLIENT_LANES`] clients keep only the first ones. The
//! subtitle says what is shown of what. Stretches with nothing drawn (a view-change timeout, a
//! stalled trial's pauses) are compressed on the time axis, as grey bands that say how long
//! they are.
//!
//! The picture is first worked out as data (`picture`: lanes and virtual time), then laid out
//! and drawn on any plotters backend (`draw`), so the same events give a byte-identical SVG.

mod draw;
mod palette;
mod picture;
mod window;

#[cfg(test)]
mod tests;

use std::path::Path;

use plotters::prelude::*;

use super::atomic::{write_atomically, write_bytes_atomically};
use super::fonts::ensure_fonts;
use super::ReportError;
use crate::records::trace::{TraceEvent, TraceTrial};
use draw::{draw, Geometry};
use picture::Picture;

#[cfg(test)]
pub(crate) use palette::KINDS;
pub(crate) use palette::{palette, Palette};
pub(crate) use window::{Window, ROUTINE_REJECTIONS};

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

/// About this many arrows (message copies) are drawn: the window ends at the next instant with
/// nothing in flight after them, and holds at most half as many again.
pub(crate) const MAX_ARROWS: usize = 400;
/// About this many marks (stubs, markers) are drawn, as for arrows.
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

/// The window the chart of `trial`'s `events` draws by default (the viewer opens on it too).
pub(crate) fn chart_window(trial: &TraceTrial, events: &[TraceEvent]) -> Window {
    let lanes = picture::choose_lanes(trial);
    let lane_of = lanes.iter().enumerate().map(|(i, l)| (l.node, i)).collect();
    window::default_window(trial, events, &lane_of)
}

fn chart_error(path: &Path, error: impl std::fmt::Display) -> ReportError {
    ReportError::Chart {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}
