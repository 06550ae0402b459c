//! Checks a scenario's `reference` against its sweep: the compared `column` is a column of
//! the `summary.csv` the run will write (not `point` nor an axis), and every cell names
//! axes the sweep has and values that exactly one point has, so that each published figure
//! is set beside one of the run's.

use super::schema::Scenario;
use super::Point;
use crate::net::FieldError;

/// Checks `scenario.reference` (if any) against the expanded `points` over `axes`. An error's
/// path is where it is written: `reference.column` or `reference.cells[i]`.
pub(crate) fn validate_reference(
    scenario: &Scenario,
    axes: &[String],
    points: &[Point],
) -> Result<(), FieldError> {
    let Some(reference) = &scenario.reference else {
        return Ok(());
    };
    let columns = crate::report::summary_header(axes, scenario.costs.is_some())
        .map_err(|e| FieldError::new("reference.column", e.to_string()))?;
    let comparable: Vec<&String> = columns
        .iter()
        .filter(|c| c.as_str() != "point" && !axes.contains(c))
        .collect();
    if !comparable.iter().any(|c| **c == reference.column) {
        let listed: Vec<&str> = comparable.iter().map(|c| c.as_str()).collect();
        return Err(FieldError::new(
            "reference.column",
            format!(
                "`{}` is not a summary.csv column to compare (columns: {}{})",
                reference.column,
                listed.join(", "),
                if scenario.costs.is_none() {
                    "; the throughput, CPU and byte columns need a `costs` section"
                } else {
                    ""
                }
            ),
        ));
    }
    if reference.cells.is_empty() {
        return Err(FieldError::new(
            "reference.cells",
            "has no cells: give at least one (at: {AXIS: VALUE}, value: FIGURE)",
        ));
    }
    for (i, cell) in reference.cells.iter().enumerate() {
        let place = format!("reference.cells[{i}]");
        if !cell.value.is_finite() {
            return Err(FieldError::new(
                place,
                format!("value must be a finite number, got {}", cell.value),
            ));
        }
        let mut matching: Vec<&Point> = points.iter().collect();
        for (axis, want) in &cell.at {
            let Some(k) = axes.iter().position(|a| a == axis) else {
                return Err(FieldError::new(
                    place,
                    format!(
                        "names the axis `{axis}`, which the sweep does not have (axes: {})",
                        if axes.is_empty() {
                            "none".to_string()
                        } else {
                            axes.join(", ")
                        }
                    ),
                ));
            };
            let has = |p: &Point| p.values.get(k).is_some_and(|v| v.label() == *want);
            if !points.iter().any(has) {
                let mut known: Vec<String> = Vec::new();
                for label in points
                    .iter()
                    .filter_map(|p| p.values.get(k))
                    .map(|v| v.label())
                {
                    if !known.contains(&label) {
                        known.push(label);
                    }
                }
                return Err(FieldError::new(
                    place,
                    format!(
                        "`{axis}` = `{want}` is no point's value (its values: {})",
                        known.join(", ")
                    ),
                ));
            }
            matching.retain(|p| has(p));
        }
        match matching.len() {
            1 => {}
            0 => {
                return Err(FieldError::new(
                    place,
                    "no sweep point has all of its axis values together".to_string(),
                ))
            }
            k => {
                return Err(FieldError::new(
                    place,
                    format!("names {k} sweep points; give a value for every axis so it names one"),
                ))
            }
        }
    }
    Ok(())
}
