//! How to fix a RON error: the parser's message made to say what was expected, for the
//! mistakes people make when writing scenarios by hand. The place (LINE:COL) stays the
//! parser's, except where the value at fault starts a little earlier (`trials: 2.5` is placed
//! at `2.5`, not at the `.` the parser stopped at).
//!
//! - an empty file (or only comments): "the file is empty", and how a scenario starts;
//! - a variant written without its field names (`Constant(5.0)`), without its fields
//!   (`SlowPrimary`), with fields it does not take (`Silent()`), or any other error inside a
//!   variant: its expected form, from the `FORMS` tables beside the enums (delay profiles,
//!   faults, behaviours, placements), one table for every message;
//! - a bare number or a string where a delay profile, a fault, a behaviour or a placement goes
//!   (`delay: 5.0`, `faults: ["Crash"]`): what goes there, from the same tables, and the
//!   `pbft-sim list` verb that lists them; any other "raw identifier" advice of the parser
//!   (which never helps in a scenario) is replaced by what a name looks like;
//! - a decimal where a whole number goes (`trials: 2.5`): "trials must be a whole number";
//! - an unknown variant or field: the nearest known name ("did you mean `Constant`?");
//! - a missing comma: where it is missing.
//!
//! `forms.rs` reads the `FORMS` tables; `fixes.rs` holds the fixes for mistakes the parser does
//! not see (bounds swapped, a file that is not a scenario).

mod fixes;
mod forms;

pub(crate) use fixes::{not_a_scenario, swap_bounds};
pub(crate) use forms::did_you_mean_variant;

use fixes::whole_number;
use forms::{bare_literal, bare_value, form_of, instead_of_raw_identifier, kind_at, kind_names};

/// How a scenario file starts, for the empty-file message.
const SCENARIO_START: &str =
    "a scenario starts with `Scenario(`, e.g. `Scenario(name: \"demo\", replicas: 4)`";

/// The message for a file with nothing but whitespace and comments in it, if `source` is one.
pub(crate) fn empty_file(source: &str) -> Option<String> {
    without_comments(source)
        .trim()
        .is_empty()
        .then(|| format!("the file is empty; {SCENARIO_START}"))
}

/// `source` with its `//` and (nested) `/* */` comments blanked out, strings kept.
fn without_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    let (mut depth, mut in_string) = (0usize, false);
    while let Some(c) = chars.next() {
        if depth > 0 {
            match (c, chars.peek()) {
                ('*', Some('/')) => {
                    chars.next();
                    depth -= 1;
                }
                ('/', Some('*')) => {
                    chars.next();
                    depth += 1;
                }
                _ => {}
            }
            continue;
        }
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                depth = 1;
            }
            _ => {
                in_string = c == '"';
                out.push(c);
            }
        }
    }
    out
}

/// The parser's error at `line`:`col` of `source` (1-based), made to say how to fix it:
/// the place to report and the message. `path` is the field serde was reading
/// (`network.delay`; empty when unknown).
pub(crate) fn explain(
    source: &str,
    line: usize,
    col: usize,
    path: &str,
    code: &ron::Error,
    message: String,
) -> (usize, usize, String) {
    let Some(at) = offset(source, line, col) else {
        return (line, col, message);
    };
    let identifier_expected = matches!(
        code,
        ron::Error::SuggestRawIdentifier(_)
            | ron::Error::InvalidIdentifier(_)
            | ron::Error::ExpectedIdentifier
    );
    // Inside a variant of a table (`Constant(5.0)`), the variant's form is the better hint.
    let in_variant = enclosing_variant(source, at).is_some_and(|name| form_of(&name).is_some());
    if identifier_expected && !in_variant {
        if let (Some(kind), Some(found)) = (kind_at(path), bare_literal(source, at)) {
            return (line, col, bare_value(&kind, found));
        }
    }
    if let ron::Error::NoSuchEnumVariant { found, .. } = code {
        if let Some(kind) = kind_at(path) {
            let message = with_suggestion(message.clone(), found, kind_names(&kind).as_slice());
            return (
                line,
                col,
                format!("{message} (`pbft-sim list {}` lists them)", kind.list),
            );
        }
    }
    if let Some((start, found)) = decimal_at(source, at) {
        if let Some(field) = field_before(source, start) {
            let (line, col) = position(source, start);
            return (line, col, whole_number(&field, found));
        }
    }
    let message = match code {
        // The explorer's test target exists only in a build that asks for it.
        ron::Error::NoSuchStructField { found, .. } if found == "planted_bug" => format!(
            "{message}; `planted_bug` exists only in a build with `--features planted-bug` \
             (the explorer's test target, docs/explore.md)"
        ),
        ron::Error::NoSuchEnumVariant {
            expected, found, ..
        }
        | ron::Error::NoSuchStructField {
            expected, found, ..
        } => with_suggestion(message, found, expected),
        ron::Error::IntegerOutOfBounds => match out_of_bounds(source, at) {
            Some((start, message)) => {
                let (line, col) = position(source, start);
                return (line, col, message);
            }
            None => message,
        },
        ron::Error::ExpectedDifferentStructName { .. } => format!("{message}; {SCENARIO_START}"),
        ron::Error::ExpectedIdentifier if source[at..].starts_with('"') => {
            "expected a name, not a string: write it without quotes (`Silent`, not `\"Silent\"`)"
                .to_string()
        }
        _ => message,
    };
    let message = match variant_hint(source, at, code) {
        Some(Hint::Instead(hint)) => hint,
        Some(Hint::After(hint)) => format!("{message}; {hint}"),
        None => match code {
            ron::Error::ExpectedComma => missing_comma(source, at).unwrap_or(message),
            _ => message,
        },
    };
    let message = match code {
        ron::Error::SuggestRawIdentifier(found) if message.contains("raw identifier") => {
            instead_of_raw_identifier(found)
        }
        _ => message,
    };
    (line, col, message)
}

/// What to say about an error in a variant.
enum Hint {
    /// Instead of the parser's message, which misleads.
    Instead(String),
    /// After the parser's message.
    After(String),
}

/// The hint for an error inside (or right after the name of) a variant of a `FORMS` table.
fn variant_hint(source: &str, at: usize, code: &ron::Error) -> Option<Hint> {
    let named = |name: &str| form_of(name).map(|(form, _)| (name.to_string(), form));
    let fields = |form: &str| form.contains(':') || form.contains('[');
    // Right after a variant's name: `SlowPrimary` with no fields, `Silent()` with some.
    if let Some((name, form)) = identifier_before(source, at).and_then(|n| named(&n)) {
        let rest = source[at..].trim_start();
        if fields(form) && !rest.starts_with('(') {
            return Some(Hint::Instead(format!(
                "`{name}` needs its fields: write `{form}`"
            )));
        }
        if !fields(form) && rest.starts_with('(') && !form.contains('(') {
            return Some(Hint::Instead(format!(
                "`{name}` takes no fields: write `{name}` without parentheses"
            )));
        }
    }
    let (name, form) = enclosing_variant(source, at).and_then(|n| named(&n))?;
    let positional = matches!(
        code,
        ron::Error::SuggestRawIdentifier(_)
            | ron::Error::InvalidIdentifier(_)
            | ron::Error::ExpectedIdentifier
    );
    if positional && form.contains(':') {
        return Some(Hint::Instead(format!(
            "`{name}` takes named fields: write `{form}`"
        )));
    }
    Some(Hint::After(format!("expected `{form}`")))
}

/// `message` with "did you mean `NAME`?" for the known name nearest `found`, if one is near.
fn with_suggestion(message: String, found: &str, expected: &[&str]) -> String {
    match did_you_mean(found, expected) {
        Some(hint) => format!("{message} {hint}"),
        None => message,
    }
}

/// "(did you mean `NAME`?)" for the name of `expected` nearest `found`, if one is near (and
/// there is a choice).
pub(crate) fn did_you_mean<S: AsRef<str>>(found: &str, expected: &[S]) -> Option<String> {
    let nearest = expected
        .iter()
        .map(|name| {
            let name = name.as_ref();
            (distance(&found.to_lowercase(), &name.to_lowercase()), name)
        })
        .min();
    match nearest {
        Some((d, name)) if d <= 2.max(found.chars().count() / 3) && expected.len() > 1 => {
            Some(format!("(did you mean `{name}`?)"))
        }
        _ => None,
    }
}

/// The edit distance between `a` and `b` (insertions, deletions, substitutions).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// "Integer is out of bounds" for the whole number at `at` (or its sign just before): where
/// the number starts, and the message.
fn out_of_bounds(source: &str, at: usize) -> Option<(usize, String)> {
    let start = if source[..at].ends_with('-') {
        at - 1
    } else {
        at
    };
    let field = field_before(source, start)?;
    let number: String = source[start..]
        .chars()
        .enumerate()
        .take_while(|(i, c)| c.is_ascii_digit() || c == &'_' || (*i == 0 && *c == '-'))
        .map(|(_, c)| c)
        .collect();
    let message = if number.starts_with('-') {
        format!("{field} must be a whole number >= 0, got {number}")
    } else {
        format!("{field}: {number} is too large for this field")
    };
    Some((start, message))
}

/// "Expected comma" at the start of the next field or value: say where the comma is missing.
fn missing_comma(source: &str, at: usize) -> Option<String> {
    let before = source[..at].trim_end();
    if before.is_empty() || before.ends_with([',', '(', '[', '{', ':']) {
        return None;
    }
    let (line, col) = position(source, before.len());
    let next: String = source[at..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let next = if next.is_empty() {
        String::new()
    } else {
        format!(" (before `{next}`)")
    };
    Some(format!(
        "Expected comma: put a `,` at line {line}, column {col}{next}"
    ))
}

/// A number with a fraction or exponent that the parser stopped in (at `at`, after its whole
/// part): its start and its text.
fn decimal_at(source: &str, at: usize) -> Option<(usize, &str)> {
    let rest = &source[at..];
    if !rest.starts_with(['.', 'e', 'E']) {
        return None;
    }
    let start = source[..at]
        .rfind(|c: char| !(c.is_ascii_digit() || c == '_' || c == '-' || c == '+'))
        .map_or(0, |i| i + 1);
    if start == at || !source[start..at].chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let end = at
        + rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-'))
            .unwrap_or(rest.len());
    Some((start, &source[start..end]))
}

/// The field whose value starts at `at`: `name` of `name: value`.
fn field_before(source: &str, at: usize) -> Option<String> {
    let before = source[..at].trim_end().strip_suffix(':')?;
    let name = identifier_ending(before.trim_end());
    (!name.is_empty()).then(|| name.to_string())
}

/// The identifier that ends right before `at` (spaces between allowed).
fn identifier_before(source: &str, at: usize) -> Option<String> {
    let name = identifier_ending(source[..at].trim_end());
    (!name.is_empty()).then(|| name.to_string())
}

/// The identifier at the end of `text`.
fn identifier_ending(text: &str) -> &str {
    let start = text
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + c_len(text, i));
    &text[start..]
}

fn c_len(text: &str, i: usize) -> usize {
    text[i..].chars().next().map_or(1, char::len_utf8)
}

/// The name of the variant whose parentheses hold `at`: the identifier before the nearest
/// unclosed `(` (brackets of lists skipped), if any.
fn enclosing_variant(source: &str, at: usize) -> Option<String> {
    let mut depth = 0usize;
    for (i, c) in source[..at].char_indices().rev() {
        match c {
            ')' | ']' => depth += 1,
            '[' if depth > 0 => depth -= 1,
            '(' if depth > 0 => depth -= 1,
            '(' => return identifier_before(source, i),
            _ => {}
        }
    }
    None
}

/// The byte offset of 1-based `line`:`col` (col counted in characters).
fn offset(source: &str, line: usize, col: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += source[start..].find('\n')? + 1;
    }
    let text = &source[start..];
    let within = text
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    Some(start + within)
}

/// The 1-based line and column (in characters) of byte offset `at`.
fn position(source: &str, at: usize) -> (usize, usize) {
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::forms::variant_name;
    use super::*;
    use crate::adversary::{BEHAVIOUR_FORMS, PLACEMENT_FORMS};
    use crate::net::{DELAY_FORMS, FAULT_FORMS};

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("constnt", "constant"), 1);
        assert_eq!(distance("replcas", "replicas"), 1);
        assert_eq!(distance("abc", "abc"), 0);
        assert_eq!(distance("", "ab"), 2);
    }

    #[test]
    fn comments_and_whitespace_alone_are_empty() {
        assert!(empty_file("").is_some());
        assert!(empty_file("  // a note\n /* a /* nested */ block */\n").is_some());
        assert!(empty_file("Scenario()").is_none());
        assert!(empty_file("\"// not a comment\"").is_none());
    }

    #[test]
    fn positions_and_offsets_agree() {
        let text = "ab\ncdé f\n";
        for at in [0, 1, 3, 5, 8] {
            let (line, col) = position(text, at);
            assert_eq!(offset(text, line, col), Some(at), "{at}");
        }
    }

    #[test]
    fn whole_numbers_either_side_are_the_fix() {
        assert_eq!(
            whole_number("trials", "2.5"),
            "trials must be a whole number, got 2.5: write `trials: 2` or `trials: 3`"
        );
        assert_eq!(
            whole_number("trials", "1e3"),
            "trials must be a whole number, got 1e3: write `trials: 1000`"
        );
        assert_eq!(
            whole_number("seed", "-1.5"),
            "seed must be a whole number, got -1.5"
        );
    }

    #[test]
    fn the_uniform_bounds_message_is_the_one_swapped() {
        // The message is the delay profile's own, so a change of its wording fails here.
        let text = "Scenario(name: \"t\", replicas: 4,\n network: (delay: Uniform(min_ms: 5.0, max_ms: 1.0)))";
        let error = crate::scenario::parse("t.ron", text).expect_err("min above max is refused");
        assert_eq!(
            error.to_string(),
            "t.ron:2:27: network.delay.min_ms: min_ms (5) is greater than max_ms (1); swap them: \
             `Uniform(min_ms: 1, max_ms: 5)`"
        );
        assert_eq!(swap_bounds("must be a probability"), None);
    }

    #[test]
    fn a_file_that_does_not_start_as_a_scenario_is_named_so() {
        let (line, col, message) = not_a_scenario("// notes\n# pbft-sim\n").expect("not one");
        assert_eq!((line, col), (2, 1));
        assert!(message.contains("starts with `# pbft-sim`"), "{message}");
        assert!(not_a_scenario("[package]\nname = \"x\"").is_some());
        for scenario in [
            "Scenario(name: 1)",
            " (name: 1)",
            "#![enable(implicit_some)]\nScenario()",
            "Scenaro (",
        ] {
            assert_eq!(not_a_scenario(scenario), None, "{scenario}");
        }
    }

    #[test]
    fn every_form_names_its_variant() {
        for (form, _) in [DELAY_FORMS, FAULT_FORMS, BEHAVIOUR_FORMS, PLACEMENT_FORMS].concat() {
            let name = variant_name(form);
            assert_eq!(form_of(name).map(|(f, _)| f), Some(form), "{form}");
        }
    }
}
