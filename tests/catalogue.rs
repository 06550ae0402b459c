//! The scenario catalogue: every `scenarios/*.ron` is valid, opens with a comment saying what
//! it shows, is listed in `scenarios/README.md`, and the whole catalogue runs as a suite with
//! every file valid and every chart drawn.

mod common;

use std::path::PathBuf;

fn scenario_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_is_valid_documented_and_listed() {
    let files = scenario_files();
    assert!(files.len() >= 12, "{} scenarios", files.len());
    let catalogue = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/README.md"),
    )
    .expect("scenarios/README.md");
    for file in files {
        let plan = pbft_sim::scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&file).expect("readable");
        assert!(
            text.starts_with("//"),
            "{} opens with a comment",
            file.display()
        );
        assert!(
            text.contains("What to look for"),
            "{} says what to look for",
            file.display()
        );
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(catalogue.contains(&format!("({name})")), "{name} is listed");
        assert!(plan.total_trials() > 0);
    }
}

#[test]
fn the_catalogue_runs_as_a_suite() {
    let scratch = common::Scratch::new("catalogue");
    let out = scratch.path("out");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let run = common::pbft_sim([
        "suite".as_ref(),
        dir.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let index = std::fs::read_to_string(out.join("index.csv")).expect("index.csv");
    assert_eq!(index.lines().count(), 1 + scenario_files().len(), "{index}");
    assert!(out.join("index.md").exists());
    // Every scenario's charts were drawn (a drawing error would have failed its run).
    for file in scenario_files() {
        let name = pbft_sim::scenario::load(&file)
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario
            .name;
        for chart in ["success", "latency", "latency-cdf"] {
            for ext in ["png", "svg"] {
                let path = out.join(&name).join(format!("{chart}.{ext}"));
                let len = std::fs::metadata(&path).map_or(0, |m| m.len());
                assert!(len > 1000, "{} has {len} bytes", path.display());
            }
        }
    }
}
