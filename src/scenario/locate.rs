//! Finds where a field path is written in a RON file, so that the problems only a check across
//! fields finds after parsing (`validate`: `f` too large for `n`, `min_ms` above `max_ms`, an id
//! that does not exist, a window that ends before it starts; a sweep axis's path) can still
//! point at LINE:COL. A value out of its own range never comes here: the parser places it
//! (`net::checked`). ron keeps no spans in what it builds, hence this light scan, not a parser:
//! comments and strings are blanked, then each path segment `name` is looked for as `name:`
//! after the previous one (the i-th element for a list element `[i]`). A field that is not
//! written (a default) is not found.

/// Blanks `//` and `/* */` comments and string contents, keeping every byte's position.
fn blank_comments_and_strings(source: &str) -> Vec<u8> {
    let bytes = source.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] != b'\n' {
                        out[i] = b' ';
                    }
                    i += 1;
                }
                for byte in out.iter_mut().skip(i).take(2) {
                    *byte = b' ';
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        out[i] = b' ';
                        i += 1;
                    }
                    if i < bytes.len() && bytes[i] != b'\n' {
                        out[i] = b' ';
                    }
                    i += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The position of the next `name:` in `from..to` at the top level of that span (not inside a
/// nested `(..)`, `[..]` or `{..}` opened within it).
fn find_field(text: &[u8], name: &str, from: usize, to: usize) -> Option<usize> {
    let needle = name.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < to {
        match text[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0
            && i + needle.len() <= to
            && &text[i..i + needle.len()] == needle
            && (i == 0 || !is_ident(text[i - 1]))
            && text.get(i + needle.len()).is_none_or(|b| !is_ident(*b))
        {
            let mut j = i + needle.len();
            while j < to && text[j].is_ascii_whitespace() {
                j += 1;
            }
            if text.get(j) == Some(&b':') {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// The span of the value that starts after `pos` (skipping blanks and an optional struct or
/// variant name): up to the matching close bracket, or the next top-level `,` or `)`.
fn value_span(text: &[u8], pos: usize, to: usize) -> (usize, usize) {
    let mut start = pos;
    while start < to && (text[start].is_ascii_whitespace() || text[start] == b':') {
        start += 1;
    }
    let mut depth = 0usize;
    let mut i = start;
    while i < to {
        match text[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return (start, i);
                }
                depth -= 1;
                if depth == 0 {
                    return (start, i + 1);
                }
            }
            b',' if depth == 0 => return (start, i),
            _ => {}
        }
        i += 1;
    }
    (start, to)
}

/// Inside the list value at `span`, the span of element `index`.
fn element_span(text: &[u8], span: (usize, usize), index: usize) -> Option<(usize, usize)> {
    let open = (span.0..span.1).find(|&i| text[i] == b'[')?;
    let mut i = open + 1;
    for _ in 0..index {
        let (_, end) = value_span(text, i, span.1);
        if end >= span.1 || text[end] != b',' {
            // The element ended on its own closing bracket: step past it to the comma.
            let comma = (end..span.1).find(|&k| text[k] == b',' || text[k] == b']')?;
            if text[comma] == b']' {
                return None;
            }
            i = comma + 1;
        } else {
            i = end + 1;
        }
    }
    let (start, end) = value_span(text, i, span.1);
    (start < end).then_some((start, end))
}

/// 1-based (line, column in characters) of the field at `path` (e.g. `byzantine[1].count`),
/// if it is written in the file.
pub fn locate(source: &str, path: &str) -> Option<(usize, usize)> {
    let (at, _) = find(source, path)?;
    Some(line_col(source, at))
}

/// 1-based (line, column in characters) of the value at `path`: where the value of the last
/// field starts, or, for a path ending in a list index (`sweep[0].values[2]`), where that
/// element starts (inside a variant's list too: `Values([...])`).
pub fn locate_value(source: &str, path: &str) -> Option<(usize, usize)> {
    let (_, span) = find(source, path)?;
    Some(line_col(source, span.0))
}

/// The line and column of byte offset `at`.
fn line_col(source: &str, at: usize) -> (usize, usize) {
    let line_start = source[..at].rfind('\n').map_or(0, |p| p + 1);
    let line = source[..at].matches('\n').count() + 1;
    let col = source[line_start..at].chars().count() + 1;
    (line, col)
}

/// Where the last field of `path` is named, and the span of the value `path` reaches.
fn find(source: &str, path: &str) -> Option<(usize, (usize, usize))> {
    let text = blank_comments_and_strings(source);
    // The top-level struct's body: inside the first `(`.
    let open = text.iter().position(|b| *b == b'(')?;
    let mut span = (open + 1, text.len());
    let mut found = None;
    for part in path.split('.') {
        let (name, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        // Step into a struct or variant body: `Name(`... or `(`...
        let mut body_start = (span.0..span.1)
            .find(|&i| text[i] == b'(')
            .filter(|_| found.is_some())
            .map_or(span.0, |i| i + 1);
        // An optional section written `Some((...))`: its struct's body is the inner `(`.
        if found.is_some() && text[span.0..body_start].ends_with(b"Some(") {
            if let Some(inner) = (body_start..span.1).find(|&i| !text[i].is_ascii_whitespace()) {
                if text[inner] == b'(' {
                    body_start = inner + 1;
                }
            }
        }
        let at = find_field(&text, name, body_start, span.1)?;
        found = Some(at);
        span = value_span(&text, at + name.len(), span.1);
        for index in indices
            .split(']')
            .filter_map(|s| s.trim_start_matches('[').parse::<usize>().ok())
        {
            span = element_span(&text, span, index)?;
        }
    }
    Some((found?, span))
}

#[cfg(test)]
mod tests {
    use super::{locate, locate_value};

    const SRC: &str = "Scenario(\n  name: \"replicas: x\", // replicas: in a comment\n  replicas: 0,\n  network: (drop: 1.5),\n  byzantine: [(count: 1, placement: Random), (count: 9, placement: Random)],\n)";

    #[test]
    fn finds_fields_past_comments_strings_and_list_elements() {
        assert_eq!(locate(SRC, "replicas"), Some((3, 3)));
        assert_eq!(locate(SRC, "network.drop"), Some((4, 13)));
        assert_eq!(locate(SRC, "byzantine[1].count"), Some((5, 47)));
        assert_eq!(locate(SRC, "byzantine[0].count"), Some((5, 16)));
        assert_eq!(locate(SRC, "time_limit_ms"), None);
        assert_eq!(locate(SRC, "byzantine[2].count"), None);
    }

    #[test]
    fn list_elements_that_omit_the_field_are_counted() {
        let src = "Scenario(\n  byzantine: [\n    (count: 0, behaviour: Silent),\n    (count: 1, placement: Ids([9]), behaviour: Silent),\n    (count: 1, placement: Ids([2]), behaviour: Silent),\n  ],\n  network: (delay: Uniform(min_ms: 3.0, max_ms: 1.0)),\n)";
        assert_eq!(locate(src, "byzantine[1].placement"), Some((4, 16)));
        assert_eq!(locate(src, "byzantine[2].placement"), Some((5, 16)));
        assert_eq!(locate(src, "network.delay.min_ms"), Some((7, 28)));
    }

    #[test]
    fn values_and_list_elements_are_found_where_they_start() {
        let src = "Scenario(\n  sweep: [(path: \"x\", values: Values([\"a\", \"Silnet\"]))],\n)";
        assert_eq!(locate_value(src, "sweep[0].values[1]"), Some((2, 44)));
        assert_eq!(locate_value(src, "sweep[0].values[0]"), Some((2, 39)));
        assert_eq!(locate_value(src, "sweep[0].values[2]"), None);
        assert_eq!(locate_value(SRC, "network.drop"), Some((4, 19)));
    }

    #[test]
    fn fields_inside_some_are_found() {
        let src = "Scenario(\n  reference: Some((\n    source: \"x\",\n    column: \"p\",\n    cells: [(at: {}, value: 1.0)],\n  )),\n)";
        assert_eq!(locate(src, "reference.column"), Some((4, 5)));
        assert_eq!(locate_value(src, "reference.cells[0]"), Some((5, 13)));
    }

    #[test]
    fn fields_inside_an_option_struct_are_found() {
        let src = "Scenario(\n  costs: Some((\n    cpu: (by_kind_us: {\"x\": 1.0}),\n  )),\n)";
        assert_eq!(locate(src, "costs.cpu.by_kind_us"), Some((3, 11)));
    }

    #[test]
    fn columns_count_characters() {
        let src = "Scenario(name: \"x\", description: \"ééééé\", replicas: 0)";
        assert_eq!(locate(src, "replicas"), Some((1, 43)));
    }
}
