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
