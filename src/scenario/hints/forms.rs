//! The `FORMS` tables (delay profiles, faults, behaviours, placements) as the hints use them:
//! the expected form of a variant by its name, the kind of value a field path holds, and the
//! message for a bare number or string where a value of such a kind goes.

use super::did_you_mean;
use crate::adversary::{BEHAVIOUR_FORMS, PLACEMENT_FORMS};
use crate::net::{DELAY_FORMS, FAULT_FORMS};

/// What a field of one of the `FORMS` kinds holds, for the message about a bare value there.
pub(super) struct Kind {
    /// "a delay is a profile".
    what: &'static str,
    /// The table of its forms.
    forms: &'static [(&'static str, &'static str)],
    /// The table's forms to show as examples, by index.
    examples: &'static [usize],
    /// The `list` verb's argument that lists them.
    pub(super) list: &'static str,
}

/// The kind of value a field holds, by the field path serde was reading (`network.delay`,
/// `regions[0].delay`, `links[1].delay`, `network.reorder.extra`, `faults[2]`,
/// `byzantine[0].behaviour`, `byzantine[0].placement`), if it is one of the `FORMS` kinds.
pub(super) fn kind_at(path: &str) -> Option<Kind> {
    let last = path.rsplit('.').next().unwrap_or(path);
    let kind = |what, forms, examples, list| Kind {
        what,
        forms,
        examples,
        list,
    };
    match last {
        "delay" | "extra" => Some(kind("a delay is a profile", DELAY_FORMS, &[0], "delays")),
        "behaviour" => Some(kind(
            "a behaviour is a name",
            BEHAVIOUR_FORMS,
            &[0, 4],
            "behaviours",
        )),
        "placement" => Some(kind(
            "a placement is a name",
            PLACEMENT_FORMS,
            &[0, 3],
            "placements",
        )),
        _ if last.starts_with("faults[") => {
            Some(kind("a fault is a named kind", FAULT_FORMS, &[0], "faults"))
        }
        _ => None,
    }
}

/// The message for a bare number or string (`found`, as written) where a value of `kind`
/// goes: what goes there, an example or two from its table, and where the others are listed.
pub(super) fn bare_value(kind: &Kind, found: &str) -> String {
    let listed = format!("(`pbft-sim list {}` lists them)", kind.list);
    if let Some(name) = found.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        if let Some((form, _)) = kind
            .forms
            .iter()
            .find(|(form, _)| variant_name(form) == name)
        {
            return format!(
                "{}, not a string: write `{form}`, without quotes {listed}",
                kind.what
            );
        }
    }
    let examples: Vec<String> = kind
        .examples
        .iter()
        .filter_map(|&i| kind.forms.get(i))
        .map(|(form, _)| format!("`{form}`"))
        .collect();
    let noun = if found.starts_with('"') {
        "a string"
    } else {
        "a number"
    };
    format!(
        "{}, not {noun}: write {} {listed}",
        kind.what,
        examples.join(" or ")
    )
}

/// The number or string that starts at `at`, as written, if one does.
pub(super) fn bare_literal(source: &str, at: usize) -> Option<&str> {
    let rest = &source[at..];
    if let Some(inner) = rest.strip_prefix('"') {
        let end = inner.find('"')?;
        return Some(&rest[..end + 2]);
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')))
        .unwrap_or(rest.len());
    let literal = &rest[..end];
    let starts_as_number = literal
        .trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.');
    starts_as_number.then_some(literal)
}

/// The parser's advice to write a raw identifier (`r#5.0`), which never helps in a scenario:
/// what a name looks like instead.
pub(super) fn instead_of_raw_identifier(found: &str) -> String {
    format!(
        "expected a name (a field or a variant such as `Constant`), found `{found}`: names start \
         with a letter and hold letters, digits and `_`"
    )
}

/// The expected form of the variant `name` and what it means, from the `FORMS` tables.
pub(super) fn form_of(name: &str) -> Option<(&'static str, &'static str)> {
    [DELAY_FORMS, FAULT_FORMS, BEHAVIOUR_FORMS, PLACEMENT_FORMS]
        .iter()
        .flat_map(|table| table.iter())
        .find(|(form, _)| variant_name(form) == name)
        .copied()
}

/// `Constant` of `Constant(ms: 5.0)`.
pub(super) fn variant_name(form: &str) -> &str {
    form.split('(').next().unwrap_or(form)
}

/// The variant names of `kind`'s table.
pub(super) fn kind_names(kind: &Kind) -> Vec<&'static str> {
    kind.forms
        .iter()
        .map(|(form, _)| variant_name(form))
        .collect()
}

/// "(did you mean `Silent`?)" for a name `found` (a sweep's value) given to the field at
/// `path`, when that field takes a variant of a `FORMS` table and one is near.
pub(crate) fn did_you_mean_variant(path: &str, found: &str) -> Option<String> {
    did_you_mean(found, &kind_names(&kind_at(path)?))
}
