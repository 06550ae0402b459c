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

#[cfg(test)]
mod tests {
    use crate::scenario::parse;

    fn scenario(costs: &str, reference: &str) -> String {
        format!(
            "Scenario(\n  name: \"t\",\n  replicas: 4,{costs}\n  sweep: [\n    (path: \"op\", values: Cases([(name: \"0/0\", set: {{\"protocol.batch_size\": 1}}), (name: \"0/4\", set: {{\"protocol.batch_size\": 2}})])),\n    (path: \"workload.clients\", values: Values([1, 2])),\n  ],\n  reference: Some((source: \"paper\", column: {reference})),\n)"
        )
    }

    fn refused(costs: &str, reference: &str) -> String {
        parse("t.ron", &scenario(costs, reference))
            .map(|_| ())
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn a_reference_naming_points_the_sweep_has_is_accepted() {
        let ok = r#""latency_p50_ms", cells: [(at: {"op": "0/4", "workload.clients": "2"}, value: 8.01)]"#;
        assert!(parse("t.ron", &scenario("", ok)).is_ok());
        let costs = r#""throughput_mean_rps", cells: [(at: {"op": "0/0", "workload.clients": "1"}, value: 1.0)]"#;
        assert!(parse("t.ron", &scenario("\n  costs: Some(()),", costs)).is_ok());
    }

    #[test]
    fn a_bad_reference_is_named_at_its_cell_or_column() {
        let column = refused("", r#""latency_p51_ms", cells: []"#);
        assert!(column.starts_with("t.ron:8:"), "{column}");
        assert!(
            column.contains("`latency_p51_ms` is not a summary.csv column"),
            "{column}"
        );
        let needs_costs = refused("", r#""throughput_mean_rps", cells: []"#);
        assert!(
            needs_costs.contains("need a `costs` section"),
            "{needs_costs}"
        );
        let no_cells = refused("", r#""latency_p50_ms", cells: []"#);
        assert!(no_cells.contains("has no cells"), "{no_cells}");
        let axis = refused(
            "",
            r#""latency_p50_ms", cells: [(at: {"op": "0/0", "workload.clients": "1"}, value: 1.0), (at: {"mode": "ro"}, value: 1.0)]"#,
        );
        assert!(axis.starts_with("t.ron:8:"), "{axis}");
        assert!(
            axis.contains("reference.cells[1]: names the axis `mode`"),
            "{axis}"
        );
        let value = refused(
            "",
            r#""latency_p50_ms", cells: [(at: {"op": "4/4", "workload.clients": "1"}, value: 1.0)]"#,
        );
        assert!(
            value.contains("`op` = `4/4` is no point's value (its values: 0/0, 0/4)"),
            "{value}"
        );
        let several = refused(
            "",
            r#""latency_p50_ms", cells: [(at: {"op": "0/0"}, value: 1.0)]"#,
        );
        assert!(several.contains("names 2 sweep points"), "{several}");
    }
}
