//! The checks a `Cases` sweep axis needs before its points are built: each case has a name of
//! its own and sets at least one field; every path a case sets names a value of the scenario
//! (as a plain axis's path must); and no field is set by two axes (a case's path by another
//! axis, or by another case axis), since which value won would depend on the axis order.

use serde_json::Value;

use super::schema::{Scenario, SweepValues};
use super::sweep;
use crate::net::FieldError;

/// A problem with a case, and where to show it: `place` is the path of the case in the file
/// (`sweep[0].values[1]`, for `locate::locate_value`), `axis` the axis it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CaseError {
    /// The axis, by index.
    pub axis: usize,
    /// Where the case is written (`sweep[AXIS].values[CASE]`).
    pub place: String,
    /// What is wrong, naming the axis and the case.
    pub error: FieldError,
}

/// Checks every `Cases` axis of `scenario` (whose JSON form is `json`).
pub(crate) fn check_cases(scenario: &Scenario, json: &Value) -> Result<(), CaseError> {
    // Every field a plain axis sets, by axis.
    let plain: Vec<(usize, &str)> = scenario
        .sweep
        .iter()
        .enumerate()
        .filter(|(_, a)| !matches!(a.values, SweepValues::Cases(_)))
        .map(|(i, a)| (i, a.path.as_str()))
        .collect();
    // Every field a case axis sets, with the first axis that does.
    let mut by_cases: Vec<(usize, &str)> = Vec::new();
    for (axis, a) in scenario.sweep.iter().enumerate() {
        let SweepValues::Cases(cases) = &a.values else {
            continue;
        };
        let mut own: Vec<&str> = Vec::new();
        for (k, case) in cases.iter().enumerate() {
            let fail = |why: String| CaseError {
                axis,
                place: format!("sweep[{axis}].values[{k}]"),
                error: FieldError::new(
                    format!("sweep[{axis}].values[{k}]"),
                    format!("sweep[{axis}] (`{}`), case `{}`: {why}", a.path, case.name),
                ),
            };
            if case.name.trim().is_empty() {
                return Err(fail("the case's `name` must not be empty".to_string()));
            }
            if let Some(first) = cases[..k].iter().position(|c| c.name == case.name) {
                return Err(fail(format!(
                    "the name is already case {first}'s; each case needs a name of its own"
                )));
            }
            if case.set.is_empty() {
                return Err(fail(
                    "`set` is empty: name at least one field the case sets".to_string(),
                ));
            }
            for (path, value) in &case.set {
                sweep::set_path(&mut json.clone(), path, value.to_json())
                    .map_err(|e| fail(e.to_string()))?;
                let other = plain
                    .iter()
                    .chain(by_cases.iter())
                    .find(|(i, p)| *i != axis && *p == path.as_str());
                if let Some((other, _)) = other {
                    return Err(fail(format!(
                        "`{path}` is also set by sweep[{other}]; a field may be set by one axis only"
                    )));
                }
                if !own.contains(&path.as_str()) {
                    own.push(path);
                }
            }
        }
        by_cases.extend(own.into_iter().map(|p| (axis, p)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::scenario::{parse, Scalar};

    const OPS: &str = r#"(path: "op", values: Cases([
        (name: "0/0", set: {"workload.request_bytes": 0, "workload.reply_bytes": 0}),
        (name: "0/4", set: {"workload.request_bytes": 0, "workload.reply_bytes": 4096}),
        (name: "4/0", set: {"workload.request_bytes": 4096}),
    ]))"#;

    fn with_sweep(sweep: &str) -> String {
        format!("Scenario(\n  name: \"t\",\n  replicas: 4, costs: Some(()),\n  sweep: [\n    {sweep}\n  ],\n)")
    }

    #[test]
    fn each_case_sets_every_field_it_names() {
        let second = r#"(path: "protocol.batch_size", values: Values([1, 8]))"#;
        let plan = parse("t.ron", &with_sweep(&format!("{OPS},\n    {second}"))).expect("valid");
        assert_eq!(plan.axes, ["op", "protocol.batch_size"]);
        assert_eq!(plan.points.len(), 6);
        let shown: Vec<(String, u32, u32, u32)> = plan
            .points
            .iter()
            .map(|p| {
                let w = &p.scenario.workload;
                (
                    p.values[0].label(),
                    w.request_bytes,
                    w.reply_bytes,
                    p.scenario.protocol.batch_size.get(),
                )
            })
            .collect();
        assert_eq!(shown[0], ("0/0".to_string(), 0, 0, 1));
        assert_eq!(shown[3], ("0/4".to_string(), 0, 4096, 8));
        assert_eq!(shown[4], ("4/0".to_string(), 4096, 0, 1));
        assert_eq!(plan.points[2].values[0], Scalar::Str("0/4".into()));
        // The scenario as run keeps the axis as written.
        let ron = crate::scenario::to_ron(&plan.scenario).expect("ron");
        let again = parse("again.ron", &ron).expect("scenario.ron reads back");
        assert_eq!(again.scenario.sweep, plan.scenario.sweep);
    }

    fn refused(sweep: &str) -> String {
        parse("t.ron", &with_sweep(sweep))
            .map(|_| ())
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn a_bad_case_is_named_at_its_place() {
        let typo = refused(
            r#"(path: "op", values: Cases([
        (name: "a", set: {"workload.request_bytes": 1}),
        (name: "b", set: {"workload.reqest_bytes": 1}),
    ]))"#,
        );
        assert!(
            typo.starts_with("t.ron:7:9: sweep[0] (`op`), case `b`: "),
            "{typo}"
        );
        assert!(typo.contains("no `reqest_bytes` here"), "{typo}");
        let twice = refused(
            r#"(path: "op", values: Cases([
        (name: "a", set: {"replicas": 4}), (name: "a", set: {"replicas": 7})]))"#,
        );
        assert!(twice.starts_with("t.ron:6:44: "), "{twice}");
        assert!(
            twice.contains("case `a`: the name is already case 0's"),
            "{twice}"
        );
        let empty = refused(r#"(path: "op", values: Cases([(name: "a", set: {})]))"#);
        assert!(empty.contains("`set` is empty"), "{empty}");
        let nameless =
            refused(r#"(path: "op", values: Cases([(name: " ", set: {"replicas": 4})]))"#);
        assert!(nameless.contains("`name` must not be empty"), "{nameless}");
        let no_cases = refused(r#"(path: "op", values: Cases([]))"#);
        assert!(no_cases.contains("the axis has no values"), "{no_cases}");
    }

    #[test]
    fn a_field_is_set_by_one_axis_only() {
        let clash = refused(&format!(
            "{OPS},\n    (path: \"workload.reply_bytes\", values: Values([0, 8]))"
        ));
        assert!(
            clash.starts_with("t.ron:6:9: sweep[0] (`op`), case `0/0`"),
            "{clash}"
        );
        assert!(
            clash.contains("`workload.reply_bytes` is also set by sweep[1]"),
            "{clash}"
        );
        let two_case_axes = refused(&format!(
            "{OPS},\n    (path: \"size\", values: Cases([(name: \"x\", set: {{\"workload.request_bytes\": 1}})]))"
        ));
        assert!(
            two_case_axes.contains(
                "sweep[1] (`size`), case `x`: `workload.request_bytes` is also set by sweep[0]"
            ),
            "{two_case_axes}"
        );
    }

    #[test]
    fn a_value_its_field_refuses_names_the_case() {
        let bad = refused(
            r#"(path: "op", values: Cases([
        (name: "ok", set: {"network.drop": 0.1}),
        (name: "lossy", set: {"network.drop": 1.5}),
    ]))"#,
        );
        assert!(bad.starts_with("t.ron:7:9: network.drop: "), "{bad}");
        assert!(bad.contains("set by sweep[0]"), "{bad}");
        assert!(bad.contains("op = lossy"), "{bad}");
    }
}
