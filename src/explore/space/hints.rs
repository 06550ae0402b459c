//! Hints for a space's read errors: the scenario reader's words made to speak of a space (a
//! file that is not one, how one starts), and, for a choice written with parameters where a
//! space draws them (`SlowPrimary(delay_ms: 5.0)` in `behaviours`), what to write instead.

use super::SPACE_START;
use crate::scenario::ScenarioError;

/// The names a space lists bare (their parameters drawn), with what a user writing them with
/// parameters should write instead.
const DRAWN_CHOICES: &[(&str, &str)] = &[
    ("SlowPrimary", "Exactly"),
    ("Censor", "Exactly"),
    ("SelectiveSilence", "Exactly"),
    ("Mutate", "Exactly"),
    ("Ids", "Exactly"),
    ("Constant", "Exactly"),
    ("Uniform", "Exactly"),
    ("Normal", "Exactly"),
    ("LogNormal", "Exactly"),
    ("Exponential", "Exactly"),
    ("Pareto", "Exactly"),
    ("Shifted", "Exactly"),
    ("Crash", ""),
    ("Partition", ""),
    ("Slow", ""),
    ("Loss", ""),
];

/// A reader's error made to speak of a space: the scenario reader's words for a file that is
/// not one, and, for a choice written with parameters (`SlowPrimary(delay_ms: 5.0)` in
/// `behaviours`), that a space draws them, and how to fix them instead.
pub(super) fn for_a_space(source: &str, e: ScenarioError) -> ScenarioError {
    let ScenarioError::At {
        file,
        line,
        col,
        message,
    } = e
    else {
        return e;
    };
    let message = message
        .replace(
            "this is not a scenario file: it does not start with `Scenario(`",
            "this is not a search space file: it does not start with `Space(`",
        )
        .replace(
            "a scenario starts with `Scenario(`, e.g. `Scenario(name: \"demo\", replicas: 4)`",
            SPACE_START,
        );
    let message = match drawn_choice_before(source, line, col) {
        Some((name, "")) => format!(
            "`{name}` in `faults.kinds` takes no parameters: a space draws them (`faults`' \
             ranges, docs/explore.md); write `{name}`"
        ),
        Some((name, wrapper)) => format!(
            "`{name}` in a space's list takes no parameters: they are drawn from the space's \
             ranges (docs/explore.md); for exactly these write `{wrapper}({name}(...))`"
        ),
        None => message,
    };
    ScenarioError::At {
        file,
        line,
        col,
        message,
    }
}

/// The drawn choice whose parenthesis the error at `line`:`col` is inside of, if it is one
/// that a space lists bare, and what to write instead.
fn drawn_choice_before(
    source: &str,
    line: usize,
    col: usize,
) -> Option<(&'static str, &'static str)> {
    let line_start: usize = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let text = source.get(line_start..)?;
    let at = line_start
        + text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
    // The `(`s still open at the error, outermost first, each with the name before it.
    let mut open: Vec<&str> = Vec::new();
    // The parser stops at the `(` of a unit name written with parameters: count it as open.
    let upto = if source.get(at..).is_some_and(|rest| rest.starts_with('(')) {
        at + 1
    } else {
        at
    };
    let before = source.get(..upto)?;
    for (i, c) in before.char_indices() {
        match c {
            '(' => {
                let head = before.get(..i).unwrap_or_default().trim_end();
                let start = head
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(0, |k| k + 1);
                open.push(head.get(start..).unwrap_or_default());
            }
            ')' => {
                open.pop();
            }
            _ => {}
        }
    }
    // Inside `Exactly(..)` the parameters belong there.
    if open.contains(&"Exactly") {
        return None;
    }
    let name = *open.last()?;
    DRAWN_CHOICES.iter().find(|(n, _)| *n == name).copied()
}
