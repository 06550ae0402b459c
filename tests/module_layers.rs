//! The crate's top-level modules form layers: no two of them import each other, directly or
//! through others. Data flows one way (scenario -> runner -> sim -> records -> report), and this
//! test keeps the imports honest to that picture.
//!
//! It reads `src/`, finds every `crate::<module>` path in non-test code (comments and
//! `#[cfg(test)]` modules are skipped: a unit test may drive its module from a higher layer),
//! builds the graph "module A uses module B" and fails on a cycle, naming it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules: `src/<name>.rs` or `src/<name>/`, except the crate root and the binary.
fn top_level_modules(src: &Path) -> Vec<String> {
    let mut names = BTreeSet::new();
    for entry in fs::read_dir(src).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file names")
            .to_string();
        if path.is_dir()
            || (path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main")
        {
            names.insert(name);
        }
    }
    names.into_iter().collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .expect("a readable folder")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code with comments and test-only modules removed: a `#[cfg(test)]` line followed
/// by `mod name {` cuts the rest of the file (test modules close their files here), and one
/// followed by `mod name;` names a test-only file, returned so that it is skipped.
fn non_test_code(text: &str) -> (String, Vec<String>) {
    let mut code = String::new();
    let mut test_files = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            if let Some(next) = lines.get(i + 1).map(|l| l.trim_start()) {
                if let Some(rest) = next.strip_prefix("mod ").or(next.strip_prefix("pub mod ")) {
                    if let Some(name) = rest.strip_suffix(';') {
                        test_files.push(name.trim().to_string());
                        continue;
                    }
                    if !line.starts_with(' ') {
                        break; // a test module at the end of the file
                    }
                }
            }
        }
        let without_comment = match trimmed.find("//") {
            Some(at) => &trimmed[..at],
            None => trimmed,
        };
        code.push_str(without_comment);
        code.push('\n');
    }
    (code, test_files)
}

/// Every top-level module named by a `crate::` path in `code`, including `crate::{a, b::c}`.
fn crate_paths(code: &str, modules: &[String]) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end].split(',').collect()
        } else {
            vec![rest]
        };
        for name in names {
            let ident: String = name
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&ident) {
                used.insert(ident);
            }
        }
    }
    used
}

/// Module -> the other top-level modules its non-test code uses.
fn import_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let modules = top_level_modules(src);
    let mut graph = BTreeMap::new();
    for module in &modules {
        let mut files = Vec::new();
        let dir = src.join(module);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(src.join(format!("{module}.rs")));
        }
        let mut skipped: BTreeSet<PathBuf> = BTreeSet::new();
        let mut uses = BTreeSet::new();
        for file in &files {
            if skipped.contains(file) {
                continue;
            }
            let text = fs::read_to_string(file).expect("a readable source file");
            let (code, test_files) = non_test_code(&text);
            let parent = file.parent().expect("a file has a folder");
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let own_dir = if stem == "mod" {
                parent.to_path_buf()
            } else {
                parent.join(stem)
            };
            for name in test_files {
                skipped.insert(own_dir.join(format!("{name}.rs")));
                skipped.insert(own_dir.join(&name).join("mod.rs"));
            }
            uses.extend(crate_paths(&code, &modules));
        }
        uses.remove(module);
        graph.insert(module.clone(), uses);
    }
    graph
}

/// A cycle in the graph, as the list of modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(cycle) = visit(node, graph, &mut state, &mut stack) {
                return Some(cycle);
            }
        }
    }
    None
}

#[test]
fn top_level_modules_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = import_graph(&src);
    let listing: Vec<String> = graph
        .iter()
        .map(|(m, uses)| {
            format!(
                "  {m} -> {}",
                uses.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "top-level modules import each other: {}\nthe graph:\n{}",
            cycle.join(" -> "),
            listing.join("\n")
        );
    }
}

#[test]
fn the_checker_sees_imports_and_cycles() {
    let modules = vec!["a".to_string(), "b".to_string()];
    let code = "use crate::a::X;\nuse crate::{b::Y, c};\n// crate::zzz\n";
    let (code, _) = non_test_code(code);
    assert_eq!(
        crate_paths(&code, &modules),
        BTreeSet::from(["a".to_string(), "b".to_string()])
    );
    let (cut, files) = non_test_code(
        "use crate::a;\n#[cfg(test)]\nmod tests;\n#[cfg(test)]\nmod inline {\nuse crate::b;\n}\n",
    );
    assert_eq!(files, vec!["tests".to_string()]);
    assert!(!cut.contains("crate::b"));
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".to_string(), "b".to_string(), "a".to_string()])
    );
    graph.insert("b".to_string(), BTreeSet::new());
    assert_eq!(find_cycle(&graph), None);
}
