//! Finds where a field path is written in a RON file, so that value errors found after parsing
//! can still point at LINE:COL. A light scan, not a parser: comments and strings are blanked,
//! then each path segment `name` is looked for as `name:` after the previous one (the i-th
//! occurrence for a list element `[i]`). A field that is not written (a default) is not found.

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
                for j in i..(i + 2).min(bytes.len()) {
                    out[j] = b' ';
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

/// The position of the next `name:` at or after `from`.
fn find_field(text: &[u8], name: &str, from: usize) -> Option<usize> {
    let needle = name.as_bytes();
    let mut i = from;
    while i + needle.len() <= text.len() {
        if &text[i..i + needle.len()] == needle
            && (i == 0 || !is_ident(text[i - 1]))
            && text
                .get(i + needle.len())
                .is_none_or(|b| !is_ident(*b))
        {
            let mut j = i + needle.len();
            while j < text.len() && text[j].is_ascii_whitespace() {
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

/// 1-based (line, column) of the field at `path` (e.g. `byzantine[1].count`), if written.
pub fn locate(source: &str, path: &str) -> Option<(usize, usize)> {
    let text = blank_comments_and_strings(source);
    let mut pos = 0;
    let mut skip = 0;
    for part in path.split('.') {
        let (name, index) = match part.find('[') {
            Some(i) => (&part[..i], part[i + 1..].trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let mut found = find_field(&text, name, pos)?;
        for _ in 0..skip {
            found = find_field(&text, name, found + 1)?;
        }
        pos = found + name.len();
        skip = index.unwrap_or(0);
    }
    let start = pos - path.rsplit('.').next().map_or(0, |p| p.split('[').next().map_or(0, str::len));
    let before = &source.as_bytes()[..start];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = start - before.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
    Some((line, col))
}

#[cfg(test)]
mod tests {
    use super::locate;

    const SRC: &str = "Scenario(\n  name: \"replicas: x\", // replicas: in a comment\n  replicas: 0,\n  network: (drop: 1.5),\n  byzantine: [(count: 1, placement: Random), (count: 9, placement: Random)],\n)";

    #[test]
    fn finds_fields_past_comments_strings_and_list_elements() {
        assert_eq!(locate(SRC, "replicas"), Some((3, 3)));
        assert_eq!(locate(SRC, "network.drop"), Some((4, 13)));
        assert_eq!(locate(SRC, "byzantine[1].count"), Some((5, 47)));
        assert_eq!(locate(SRC, "byzantine[0].count"), Some((5, 16)));
        assert_eq!(locate(SRC, "time_limit_ms"), None);
    }
}
