//! The code in the README and the guides is checked, so it cannot drift from the product:
//! - every ```ron block is a scenario (or a fragment of one) that parses and validates, or a
//!   search space (`Space(..)`, docs/explore.md) that `explore::parse_space` accepts;
//! - every `pbft-sim VERB --flag` and `cargo run --release -- VERB --flag` written in a shell
//!   block or inline names a verb the binary has and flags that verb accepts, and every
//!   `scenarios/*.ron` or `examples/*.ron` file it names exists.
//!
//! (The guides' Rust blocks are compiled as doctests: see `src/lib.rs`.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use pbft_sim::adversary::{register, Behaviour, BuildContext};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The markdown files users read.
fn documents() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md"), root().join("scenarios/README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// (language tag, first line number, body) of every fenced block.
fn fenced_blocks(text: &str) -> Vec<(String, usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(tag) = trimmed.strip_prefix("```") {
            match open.take() {
                Some(block) => blocks.push(block),
                None => open = Some((tag.trim().to_string(), i + 1, String::new())),
            }
        } else if let Some((_, _, body)) = open.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    blocks
}

/// The guide's example behaviour, so that fragments naming it validate.
struct Named;
impl Behaviour for Named {
    fn name(&self) -> &str {
        "LazyCommitter"
    }
}

#[test]
fn every_ron_block_is_a_valid_scenario_or_fragment() {
    register("LazyCommitter", |_ctx: &mut BuildContext| Named);
    let mut checked = 0;
    for file in documents() {
        let text = std::fs::read_to_string(&file).expect("a readable document");
        for (tag, line, body) in fenced_blocks(&text) {
            if tag != "ron" {
                continue;
            }
            let name = format!("{}:{line}", file.display());
            // A search space (docs/explore.md) is checked as one.
            if body.trim_start().starts_with("Space(") {
                if let Err(e) = pbft_sim::explore::parse_space(&name, &body) {
                    panic!("the space block at {name} does not validate: {e}\n{body}");
                }
                checked += 1;
                continue;
            }
            let source = if body.trim_start().starts_with("Scenario(") {
                body.clone()
            } else {
                // A fragment: fields of a scenario, in a minimal one.
                format!("Scenario(name: \"fragment\", replicas: 4,\n{body})")
            };
            if let Err(e) = pbft_sim::scenario::parse(&name, &source) {
                panic!("the ron block at {name} does not validate: {e}\n{body}");
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 2,
        "expected the README's and the guide's ron blocks, found {checked}"
    );
}

/// Commands written in the documents: (where, verb, flags, files named).
fn commands() -> Vec<(String, String, Vec<String>, Vec<String>)> {
    let mut found = Vec::new();
    for file in documents() {
        let text = std::fs::read_to_string(&file).expect("a readable document");
        for (i, line) in text.lines().enumerate() {
            for marker in [
                "pbft-sim ",
                "cargo run --release -- ",
                "--example custom_behaviour -- ",
            ] {
                let mut rest = line;
                while let Some(at) = rest.find(marker) {
                    // A command starts a line, a word or a code span; not inside a string.
                    let before = rest[..at].chars().last();
                    rest = &rest[at + marker.len()..];
                    if before.is_some_and(|c| !(c.is_whitespace() || c == '`')) {
                        continue;
                    }
                    // The command ends at a closing backtick, a comment or the line's end.
                    let end = rest.find(['`', '#']).unwrap_or(rest.len());
                    let words: Vec<&str> = rest[..end].split_whitespace().collect();
                    let Some(verb) = words.first() else { continue };
                    if !verb.chars().all(|c| c.is_ascii_lowercase()) {
                        continue; // prose ("pbft-sim is ..."), not a command
                    }
                    let flags = words
                        .iter()
                        .filter(|w| w.starts_with("--"))
                        .map(|w| w.split('=').next().unwrap_or(w).to_string())
                        .collect();
                    let files = words
                        .iter()
                        .filter(|w| {
                            (w.starts_with("scenarios/") || w.starts_with("examples/"))
                                && w.ends_with(".ron")
                                && !w.chars().any(|c| c.is_ascii_uppercase()) // a placeholder
                        })
                        .map(|w| w.to_string())
                        .collect();
                    let place = format!("{}:{}", file.display(), i + 1);
                    found.push((place, verb.to_string(), flags, files));
                }
            }
        }
    }
    found
}

#[test]
fn every_documented_command_names_real_verbs_flags_and_files() {
    let binary = env!("CARGO_BIN_EXE_pbft-sim");
    let verbs_help = Command::new(binary)
        .arg("--help")
        .output()
        .expect("pbft-sim runs");
    let verbs_help = String::from_utf8_lossy(&verbs_help.stdout).to_string();
    let mut helps: BTreeMap<String, String> = BTreeMap::new();
    let mut checked = 0;
    for (place, verb, flags, files) in commands() {
        // Words that follow "pbft-sim" in prose but are not verbs of it.
        if ["began", "enforces", "runs", "started", "is"].contains(&verb.as_str()) {
            continue;
        }
        let listed = verbs_help
            .lines()
            .any(|l| l.split_whitespace().next() == Some(verb.as_str()));
        assert!(
            listed,
            "{place}: `pbft-sim {verb}` is not a verb of the binary:\n{verbs_help}"
        );
        let help = helps.entry(verb.clone()).or_insert_with(|| {
            let out = Command::new(binary)
                .args([verb.as_str(), "--help"])
                .output()
                .expect("pbft-sim runs");
            String::from_utf8_lossy(&out.stdout).to_string()
        });
        for flag in flags {
            let accepted = help
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .any(|w| w == flag);
            assert!(
                accepted,
                "{place}: `pbft-sim {verb}` has no flag {flag}:\n{help}"
            );
        }
        for file in files {
            assert!(
                Path::new(env!("CARGO_MANIFEST_DIR")).join(&file).exists(),
                "{place}: names {file}, which does not exist"
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 10,
        "expected the README's commands, found {checked}"
    );
}
