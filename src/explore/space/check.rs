//! The checks of a search space that no field's type can make alone: ranges the right way
//! round, counts that fit the replicas drawn, names that must be registered, a time limit that
//! a liveness property already sets. Each names the field it is about by its path, which
//! `located` turns into the file's LINE:COL (`scenario::locate`, as a scenario's checks do).
//! Last, `check_draws` draws a few scenarios and validates them, so that a space whose draws
//! cannot run is refused before a campaign starts.

use std::fmt::Display;

use super::{BehaviourChoice, DelayChoice, PlacementChoice, Range, Space};
use crate::adversary::{check_spec, BehaviourSpec, Placement};
use crate::net::FieldError;
use crate::scenario::ScenarioError;

/// Scenarios drawn and validated when a space is read.
pub(super) const DRAWS_CHECKED: u64 = 64;

/// The most replicas a scenario may have (`scenario::validate`).
const MAX_REPLICAS: u32 = 4096;

/// The most timed faults one draw may have.
pub(super) const MAX_FAULTS: u32 = 64;

/// `e` placed where its field is written in `source`, else named by its path.
pub(super) fn located(file: &str, source: &str, e: FieldError) -> ScenarioError {
    match crate::scenario::locate::locate(source, &e.path) {
        Some((line, col)) => ScenarioError::At {
            file: file.to_string(),
            line,
            col,
            message: e.to_string(),
        },
        None => ScenarioError::Field {
            file: file.to_string(),
            path: e.path,
            message: e.message,
        },
    }
}

/// `min <= max`, else an error at `path` saying how to write it.
fn ordered<T: PartialOrd + Display>(path: &str, range: &Range<T>) -> Result<(), FieldError> {
    if range.min <= range.max {
        Ok(())
    } else {
        Err(FieldError::new(
            path,
            format!(
                "min ({}) is above max ({}); write `(min: {}, max: {})`",
                range.min, range.max, range.max, range.min
            ),
        ))
    }
}

/// `min <= max` of an optional range.
fn ordered_if<T: PartialOrd + Display>(
    path: &str,
    range: &Option<Range<T>>,
) -> Result<(), FieldError> {
    range.as_ref().map_or(Ok(()), |r| ordered(path, r))
}

/// Every check across fields, in the file's order.
pub(super) fn check(space: &Space) -> Result<(), FieldError> {
    if space.name.trim().is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    if space.name.contains(['/', '\\']) || space.name == "." || space.name == ".." {
        return Err(FieldError::new("name", "must not contain a path separator"));
    }
    if space.properties.is_empty() {
        return Err(FieldError::new(
            "properties",
            "name at least one property: `[Safety]` or `[Safety, LivenessWithinF(heal_by_ms: 5000.0, grace_ms: 55000.0)]`",
        ));
    }
    if let (Some(limit), Some(live)) = (
        space.time_limit_ms,
        super::super::property::liveness_time_limit_ms(&space.properties),
    ) {
        return Err(FieldError::new(
            "time_limit_ms",
            format!(
                "with a LivenessWithinF property every draw's time limit is heal_by_ms + grace_ms \
                 ({live} ms); remove `time_limit_ms: {limit}`"
            ),
        ));
    }
    check_replicas(space)?;
    check_byzantine(space)?;
    check_faults(space)?;
    check_network(space)?;
    let w = &space.workload;
    ordered("workload.clients", &w.clients)?;
    ordered("workload.requests", &w.requests)?;
    check_protocol(space)
}

fn check_replicas(space: &Space) -> Result<(), FieldError> {
    let r = &space.replicas;
    if r.min == 0 {
        return Err(FieldError::new(
            "replicas.min",
            format!(
                "must be at least 1, got 0; write `(min: 1, max: {})`",
                r.max.max(1)
            ),
        ));
    }
    ordered("replicas", r)?;
    if r.max > MAX_REPLICAS {
        return Err(FieldError::new(
            "replicas.max",
            format!(
                "at most {MAX_REPLICAS} replicas are supported, got {}",
                r.max
            ),
        ));
    }
    if let Some(f) = space.f {
        let needs = 3 * u64::from(f) + 1;
        if u64::from(r.min) < needs {
            return Err(FieldError::new(
                "f",
                format!(
                    "f = {f} needs n >= {needs} (n >= 3f+1) but the space draws n as small as {}; \
                     raise `replicas.min` to {needs} or write `f: None`",
                    r.min
                ),
            ));
        }
    }
    Ok(())
}

fn check_byzantine(space: &Space) -> Result<(), FieldError> {
    let b = &space.byzantine;
    if let (Some(min), Some(max)) = (b.count.min.fixed(), b.count.max.fixed()) {
        ordered("byzantine.count", &Range { min, max })?;
    }
    if let Some(min) = b.count.min.fixed() {
        if min > space.replicas.min {
            return Err(FieldError::new(
                "byzantine.count.min",
                format!(
                    "{min} byzantine replicas at least, but the space draws n as small as {}; \
                     lower it or raise `replicas.min`",
                    space.replicas.min
                ),
            ));
        }
    }
    for n in space.replicas.min..=space.replicas.max {
        let f = space.f_at(n);
        let (lo, hi) = (b.count.min.at(n, f), b.count.max.at(n, f));
        if lo > hi {
            return Err(FieldError::new(
                "byzantine.count",
                format!(
                    "at n = {n} (f = {f}) the count's min ({lo}) is above its max ({hi}); \
                     write both bounds relative to f (`(min: F(0), max: F(1))`) or as numbers"
                ),
            ));
        }
    }
    if b.groups.min == 0 {
        return Err(FieldError::new(
            "byzantine.groups.min",
            format!(
                "must be at least 1, got 0; write `(min: 1, max: {})`",
                b.groups.max.max(1)
            ),
        ));
    }
    ordered("byzantine.groups", &b.groups)?;
    for (i, choice) in b.behaviours.iter().enumerate() {
        let spec = match choice {
            BehaviourChoice::Custom { name } => BehaviourSpec::Custom { name: name.clone() },
            BehaviourChoice::Exactly(spec) => spec.clone(),
            _ => continue,
        };
        check_spec(&spec).map_err(|why| {
            FieldError::new(format!("byzantine.behaviours[{i}]"), why.to_string())
        })?;
    }
    for (i, choice) in b.placements.iter().enumerate() {
        if let PlacementChoice::Exactly(Placement::Ids(ids)) = choice {
            if let Some(bad) = ids.iter().find(|id| **id >= space.replicas.min) {
                return Err(FieldError::new(
                    format!("byzantine.placements[{i}]"),
                    format!(
                        "replica id {bad} does not exist when n = {} (ids run from 0 to n - 1); \
                         use `Ids` to draw ids at random",
                        space.replicas.min
                    ),
                ));
            }
        }
    }
    ordered("byzantine.slow_primary_ms", &b.slow_primary_ms)?;
    ordered("byzantine.mutate_probability", &b.mutate_probability)
}

fn check_faults(space: &Space) -> Result<(), FieldError> {
    let t = &space.faults;
    ordered("faults.count", &t.count)?;
    if t.count.max > MAX_FAULTS {
        return Err(FieldError::new(
            "faults.count.max",
            format!(
                "at most {MAX_FAULTS} timed faults per draw, got {}",
                t.count.max
            ),
        ));
    }
    ordered("faults.window_ms", &t.window_ms)?;
    if t.replicas.min == 0 {
        return Err(FieldError::new(
            "faults.replicas.min",
            format!(
                "must be at least 1, got 0; write `(min: 1, max: {})`",
                t.replicas.max.max(1)
            ),
        ));
    }
    ordered("faults.replicas", &t.replicas)?;
    ordered("faults.slow_factor", &t.slow_factor)?;
    ordered("faults.loss", &t.loss)
}

fn check_network(space: &Space) -> Result<(), FieldError> {
    let w = &space.network;
    for (i, choice) in w.delays.iter().enumerate() {
        if let DelayChoice::Exactly(profile) = choice {
            // Placed at the list element: the field inside `Exactly(..)` is too deep to find.
            profile.validate().map_err(|e| {
                FieldError::new(format!("network.delays[{i}]"), format!("{e}; swap them"))
            })?;
        }
    }
    ordered("network.delay_ms", &w.delay_ms)?;
    ordered("network.drop", &w.drop)?;
    ordered("network.duplicate", &w.duplicate)?;
    ordered("network.reorder", &w.reorder)?;
    ordered("network.reorder_extra_ms", &w.reorder_extra_ms)
}

fn check_protocol(space: &Space) -> Result<(), FieldError> {
    let p = &space.protocol;
    if let Some(r) = &p.log_window {
        if r.min == 0 {
            return Err(FieldError::new(
                "protocol.log_window.min",
                format!(
                    "counts checkpoint intervals and must be at least 1, got 0; write \
                     `(min: 1, max: {})`",
                    r.max.max(1)
                ),
            ));
        }
    }
    ordered_if("protocol.log_window", &p.log_window)?;
    ordered_if("protocol.batch_size", &p.batch_size)?;
    ordered_if("protocol.window", &p.window)?;
    ordered_if("protocol.view_change_timeout_ms", &p.view_change_timeout_ms)?;
    ordered_if("protocol.request_timeout_ms", &p.request_timeout_ms)?;
    ordered_if("protocol.batch_timeout_ms", &p.batch_timeout_ms)
}

/// The space's section a scenario's field belongs to (`byzantine[0].count` -> `byzantine`),
/// to place a refused draw's message.
fn section_of(scenario_path: &str) -> &'static str {
    let first = scenario_path
        .split(['.', '['])
        .next()
        .unwrap_or(scenario_path);
    match first {
        "byzantine" => "byzantine",
        "faults" => "faults",
        "network" => "network",
        "workload" => "workload",
        "protocol" => "protocol",
        "replicas" | "f" => "replicas",
        _ => "name",
    }
}

/// Draws the first scenarios of the space and validates each: a space whose draws cannot be
/// valid scenarios is refused, at the section that made the draw invalid.
pub(super) fn check_draws(space: &Space) -> Result<(), FieldError> {
    for index in 0..DRAWS_CHECKED {
        let scenario = crate::explore::draw(space, index);
        if let Err(e) = crate::scenario::validate::validate(&scenario) {
            return Err(FieldError::new(
                section_of(&e.path),
                format!("scenario {index} drawn from this space is not valid ({e}); narrow this section"),
            ));
        }
    }
    Ok(())
}
