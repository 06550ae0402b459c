//! Fixes for mistakes that are not the parser's: a decimal where a whole number goes (the whole
//! numbers either side), a `Uniform` delay's bounds the wrong way round (swapped), a file that
//! is not a scenario at all (`README.md`).

use super::{without_comments, SCENARIO_START};

/// The fix for `min_ms (A) is greater than max_ms (B)` (a `Uniform` delay's bounds the wrong
/// way round): write them swapped. `None` for any other message.
pub(crate) fn swap_bounds(message: &str) -> Option<String> {
    let rest = message.rsplit("min_ms (").next()?;
    let (min, rest) = rest.split_once(") is greater than max_ms (")?;
    let max = rest.strip_suffix(')').or_else(|| rest.split(')').next())?;
    Some(format!(
        "swap them: `Uniform(min_ms: {max}, max_ms: {min})`"
    ))
}

/// The message for a file that is not a scenario at all (`README.md`, `Cargo.toml`): its first
/// text (after comments) is neither `Scenario(`, `(`, nor a `#![enable(...)]` attribute; with
/// the place of that text.
pub(crate) fn not_a_scenario(source: &str) -> Option<(usize, usize, String)> {
    let text = without_comments(source);
    let start = text.find(|c: char| !c.is_whitespace())?;
    let rest = &text[start..];
    let name = identifier_ending_at_start(rest);
    let after = rest[name.len()..].trim_start();
    let looks_like_one = rest.starts_with("#![")
        || rest.starts_with('(')
        || (!name.is_empty() && after.starts_with('('));
    if looks_like_one {
        return None;
    }
    // `without_comments` keeps every line break, so lines match; columns are of the text kept.
    let line = text[..start].matches('\n').count() + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..start].chars().count() + 1;
    let shown: String = rest
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(30)
        .collect();
    Some((
        line,
        col,
        format!(
            "this is not a scenario file: it does not start with `Scenario(` (it starts with \
             `{}`); {SCENARIO_START}",
            shown.trim_end()
        ),
    ))
}

/// The identifier at the start of `text`.
pub(super) fn identifier_ending_at_start(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// "trials must be a whole number, got 2.5", with the whole numbers either side of a
/// non-negative `found` as the fix.
pub(super) fn whole_number(field: &str, found: &str) -> String {
    let mut message = format!("{field} must be a whole number, got {found}");
    if let Ok(x) = found.replace('_', "").parse::<f64>() {
        if (0.0..1e15).contains(&x) {
            let (low, high) = (x.floor(), x.ceil());
            if low == high {
                message.push_str(&format!(": write `{field}: {low}`"));
            } else {
                message.push_str(&format!(": write `{field}: {low}` or `{field}: {high}`"));
            }
        }
    }
    message
}
