//! The x axis of the sweep charts and what goes with it: each point's position (a number, or
//! a category for sweeps over names), the readable axis name, the groups of points that the
//! second sweep axis makes, the f line and the `n = .., f = ..` part of a title.

use super::axis_names::{axis_name, is_byzantine_count};
use super::summary::PointSummary;
use crate::records::RunResult;

/// The x axis: its name, each point's position and, for categories, their names.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct XAxis {
    /// The axis title.
    pub label: String,
    /// Position of each sweep point, by point index.
    pub positions: Vec<f64>,
    /// For a categorical axis, the name under each integer position 0, 1, ...
    pub categories: Option<Vec<String>>,
    /// The visible range.
    pub range: (f64, f64),
    /// Most tick labels to draw (a tick per integer for short integer ranges).
    pub ticks: usize,
    /// A numeric axis drawn right to left: the sweep gave its values in descending order, so
    /// positions are the values negated and tick labels negate them back.
    pub reversed: bool,
    /// A numeric axis placed evenly by rank (its values span more than [`ORDINAL_SPAN`]
    /// times): `categories` holds the values' text, and points are still joined by lines.
    pub ordinal: bool,
}

/// Largest max/min ratio of positive numeric sweep values drawn to scale; beyond it the
/// values are placed evenly by rank (checkpoint-gc's 5, 10, 50, 200 would crowd 5 and 10).
pub(crate) const ORDINAL_SPAN: f64 = 20.0;

/// What the title of an evenly spaced axis ends with.
const EVENLY_SPACED: &str = ", evenly spaced";

impl XAxis {
    /// The sweep's first axis: numeric when every point has a finite number for it,
    /// categorical otherwise (and for a run without a sweep: one category, its name).
    pub fn of(run: &RunResult) -> XAxis {
        let Some(path) = run.axes.first() else {
            return categorical(
                "scenario (no sweep)".to_string(),
                vec![0.0; run.points],
                vec![run.name.clone()],
            );
        };
        let label = axis_name(path, run.axis_labels.first().and_then(Option::as_deref));
        let numeric: Option<Vec<f64>> = (0..run.points)
            .map(|p| axis_number(run, p, 0).filter(|v| v.is_finite()))
            .collect();
        if let Some(values) = numeric {
            return numeric_axis(label, values);
        }
        let mut names: Vec<String> = Vec::new();
        let mut positions = Vec::with_capacity(run.points);
        for point in 0..run.points {
            let name = first_axis_text(run, point);
            let index = match names.iter().position(|n| *n == name) {
                Some(index) => index,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            };
            positions.push(index as f64);
        }
        categorical(label, positions, names)
    }

    /// Whether points are categories (drawn as unconnected markers); an ordinal numeric axis
    /// is not.
    pub fn is_categorical(&self) -> bool {
        self.categories.is_some() && !self.ordinal
    }

    /// The swept quantity's name: the axis title without how the axis is placed.
    pub fn quantity(&self) -> &str {
        match self.ordinal {
            true => self
                .label
                .strip_suffix(EVENLY_SPACED)
                .unwrap_or(&self.label),
            false => &self.label,
        }
    }

    /// Where the sweep value `value` sits on a numeric axis drawn to scale (negated when
    /// reversed); `None` on a categorical or ordinal axis.
    pub fn place(&self, value: f64) -> Option<f64> {
        match (&self.categories, self.reversed) {
            (Some(_), _) => None,
            (None, true) => Some(-value),
            (None, false) => Some(value),
        }
    }

    /// The text of position `x` on this axis (a category's name, or the number).
    pub fn value_text(&self, x: f64) -> String {
        match &self.categories {
            Some(names) => names
                .get(x.round().max(0.0) as usize)
                .cloned()
                .unwrap_or_default(),
            None if self.reversed => super::chart_data::tick_label(-x),
            None => super::chart_data::tick_label(x),
        }
    }

    /// The smallest gap between distinct positions (a fifth of the range with one position).
    pub fn min_step(&self) -> f64 {
        let mut xs = self.positions.clone();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let smallest = xs
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(f64::INFINITY, f64::min);
        if smallest.is_finite() {
            smallest
        } else {
            (self.range.1 - self.range.0) / 5.0
        }
    }
}

fn categorical(label: String, positions: Vec<f64>, names: Vec<String>) -> XAxis {
    let last = names.len().saturating_sub(1) as f64;
    XAxis {
        label,
        positions,
        ticks: names.len() + 1,
        categories: Some(names),
        range: (-0.5, last + 0.5),
        reversed: false,
        ordinal: false,
    }
}

/// A numeric axis in the order the sweep gives (right to left when its values descend),
/// placed evenly by rank when positive values span more than [`ORDINAL_SPAN`] times.
fn numeric_axis(label: String, values: Vec<f64>) -> XAxis {
    let descending = values.windows(2).all(|w| w[0] >= w[1]) && values.first() > values.last();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo > 0.0 && hi / lo > ORDINAL_SPAN {
        let mut distinct = values.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        if descending {
            distinct.reverse();
        }
        let positions = values
            .iter()
            .map(|v| distinct.iter().position(|d| d == v).unwrap_or(0) as f64)
            .collect();
        let names = distinct
            .iter()
            .map(|v| super::chart_data::tick_label(*v))
            .collect();
        let mut axis = categorical(format!("{label}{EVENLY_SPACED}"), positions, names);
        axis.ordinal = true;
        return axis;
    }
    let positions: Vec<f64> = if descending {
        values.iter().map(|v| -v).collect()
    } else {
        values.clone()
    };
    XAxis {
        label,
        range: padded_range(&positions),
        ticks: tick_count(&values),
        positions,
        categories: None,
        reversed: descending,
        ordinal: false,
    }
}

/// The first axis's value at `point` as the CSV writes it (from the point's first trial).
fn first_axis_text(run: &RunResult, point: usize) -> String {
    run.records
        .iter()
        .find(|r| r.point == point)
        .and_then(|r| r.axis_values.first())
        .cloned()
        .unwrap_or_else(|| format!("point {point}"))
}

fn axis_number(run: &RunResult, point: usize, axis: usize) -> Option<f64> {
    run.axis_numbers.get(point)?.get(axis).copied().flatten()
}

/// The values' span plus 5% on each side (a fixed margin when all values are equal).
fn padded_range(values: &[f64]) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.05
    } else {
        (lo.abs() * 0.1).max(0.5)
    };
    (lo - pad, hi + pad)
}

/// A tick per integer for short integer sweeps (one more than the integers in range, so the
/// tick spacing cannot drop to a half), otherwise about ten.
fn tick_count(values: &[f64]) -> usize {
    let integral = values.iter().all(|v| v.fract() == 0.0);
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = hi - lo;
    if integral && span.is_finite() && span <= 12.0 {
        span as usize + 2
    } else {
        10
    }
}

/// Points sharing a value of the second sweep axis, in order of first appearance; one
/// unnamed group when there is no second axis.
#[derive(Clone, Debug)]
pub(crate) struct Group<'a> {
    /// `name = value` of the second axis (`None` without one).
    pub label: Option<String>,
    /// The group's points.
    pub members: Vec<&'a PointSummary>,
}

/// The groups of `summaries` by the second sweep axis's value.
pub(crate) fn groups<'a>(run: &RunResult, summaries: &'a [PointSummary]) -> Vec<Group<'a>> {
    let Some(path) = run.axes.get(1) else {
        return vec![Group {
            label: None,
            members: summaries.iter().collect(),
        }];
    };
    let name = axis_name(path, run.axis_labels.get(1).and_then(Option::as_deref));
    let mut groups: Vec<(String, Vec<&PointSummary>)> = Vec::new();
    for summary in summaries {
        let value = summary.axis_values.get(1).cloned().unwrap_or_default();
        match groups.iter_mut().find(|(v, _)| *v == value) {
            Some((_, members)) => members.push(summary),
            None => groups.push((value, vec![summary])),
        }
    }
    groups
        .into_iter()
        .map(|(value, members)| Group {
            label: Some(format!("{name} = {value}")),
            members,
        })
        .collect()
}

/// The value every point with trials shares, if they share one.
fn shared<T: PartialEq + Copy>(
    summaries: &[PointSummary],
    of: fn(&PointSummary) -> Option<T>,
) -> Option<T> {
    let mut values = summaries.iter().filter_map(of);
    let first = values.next()?;
    values.all(|v| v == first).then_some(first)
}

/// `, n = 10, f = 3` for a title when every point has the same n and f (else empty).
pub(crate) fn n_f_suffix(summaries: &[PointSummary]) -> String {
    match (shared(summaries, |s| s.n), shared(summaries, |s| s.f)) {
        (Some(n), Some(f)) => format!(", n = {n}, f = {f}"),
        _ => String::new(),
    }
}

/// Where the f line goes, if it is drawn: at f + 1/2, between the last byzantine count
/// tolerated and the first that is not (where the cliff is), when the x axis counts
/// byzantine replicas (the path `byzantine[i].count`, or positions equal to every point's
/// byzantine count) to scale and every point has the same f. With several f (n swept too),
/// or on a categorical or evenly spaced axis, no line is drawn. Returns the line's position
/// and f.
pub(crate) fn f_line(run: &RunResult, x: &XAxis, summaries: &[PointSummary]) -> Option<(f64, u32)> {
    if x.categories.is_some() {
        return None;
    }
    let by_path = run.axes.first().is_some_and(|p| is_byzantine_count(p));
    let with_trials: Vec<&PointSummary> = summaries.iter().filter(|s| s.trials > 0).collect();
    let mut distinct = x.positions.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let by_values = distinct.len() > 1
        && with_trials.iter().all(|s| {
            let position = x.positions.get(s.point).copied();
            s.byzantine.and_then(|b| x.place(f64::from(b))) == position
        });
    if !(by_path || by_values) {
        return None;
    }
    let f = shared(summaries, |s| s.f)?;
    Some((x.place(f64::from(f) + 0.5)?, f))
}
