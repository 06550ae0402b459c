//! Counterexample files: a shrunk failure written as an ordinary scenario file that
//! `pbft-sim run` replays to the same verdict, with its trace beside it.
//!
//! `DIR/<signature>.ron` is `scenario::to_ron` of the shrunk scenario (one trial, its failing
//! seed fixed, named `<original name>-<signature>`, a description saying what fails), preceded
//! by `//` comment lines: what fails (the signature and the detail line), how it was found (the
//! space file, its seed, the drawn scenario's index, the campaign's trials), what shrinking did
//! (from what to what, its steps, the trials it ran) and how to replay it. Beside it,
//! `DIR/<signature>.trace/` holds what `pbft-sim trace` writes for that trial (`trace.jsonl`,
//! `trial.csv`, the space-time chart and `trace.html`), made by the same code the `trace` verb
//! runs, from the file as written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{ExploreError, Shrunk, Signature};
use crate::runner::trace::{self as tracing, TraceError, TraceOptions};
use crate::scenario::Scenario;

/// Where a failure was found.
#[derive(Clone, Debug)]
pub struct Origin<'a> {
    /// The space file, as given.
    pub space_file: &'a str,
    /// The space's seed.
    pub space_seed: u64,
    /// The drawn scenario's index.
    pub index: u64,
    /// Trials the campaign ran (so far).
    pub campaign_trials: u64,
}

/// What `write` wrote.
#[derive(Clone, Debug)]
pub struct Written {
    /// `DIR/<signature>.ron`.
    pub ron: PathBuf,
    /// The trace folder beside it (`DIR/<signature>.trace/`), if one was written.
    pub trace: Option<PathBuf>,
}

/// `text` on one line (a detail or a path with a line break would end the comment).
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// `a -> b`, or just `a` when nothing changed.
fn from_to<T: PartialEq + std::fmt::Display>(a: T, b: T) -> String {
    if a == b {
        format!("{a}")
    } else {
        format!("{a} -> {b}")
    }
}

/// The size of a scenario as the header reports it, from `original` to `shrunk`.
fn sizes(original: &Scenario, shrunk: &Scenario) -> String {
    let byzantine = |s: &Scenario| s.byzantine.iter().map(|g| g.count).sum::<u32>();
    format!(
        "faults {}, clients {}, requests per client {}, byzantine {}, n {}",
        from_to(original.faults.len(), shrunk.faults.len()),
        from_to(
            original.workload.clients.get(),
            shrunk.workload.clients.get()
        ),
        from_to(
            original.workload.requests.get(),
            shrunk.workload.requests.get()
        ),
        from_to(byzantine(original), byzantine(shrunk)),
        from_to(original.replicas, shrunk.replicas),
    )
}

/// The header comment of `DIR/<signature>.ron` (every line starts with `//`).
fn header(
    path: &Path,
    signature: &Signature,
    shrunk: &Shrunk,
    original: &Scenario,
    origin: &Origin<'_>,
) -> String {
    let path = one_line(&path.display().to_string());
    let mut h = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(h, "// Counterexample: {signature}");
    let _ = writeln!(h, "//   {}", one_line(&shrunk.detail));
    let _ = writeln!(
        h,
        "// Found by `pbft-sim explore {}` (space seed {}): drawn scenario {} (`{}`, seed {}), \
         one of {} trials the campaign had run.",
        one_line(origin.space_file),
        origin.space_seed,
        origin.index,
        one_line(&original.name),
        original.seed,
        origin.campaign_trials
    );
    let _ = writeln!(
        h,
        "// Shrunk in {} trials ({} steps): {}.",
        shrunk.runs,
        shrunk.steps.len(),
        sizes(original, &shrunk.scenario)
    );
    for (i, step) in shrunk.steps.iter().enumerate() {
        let _ = writeln!(h, "//   {}. {}", i + 1, one_line(step));
    }
    let _ = writeln!(h, "// Replay: pbft-sim run {path}");
    let _ = writeln!(h, "// Trace:  pbft-sim trace {path}");
    let _ = writeln!(
        h,
        "//   (its trace, as `pbft-sim trace` writes it, is in {signature}.trace/ beside this file)"
    );
    h
}

/// The error of a trace that could not be made, as an exploration's.
fn trace_error(e: TraceError) -> ExploreError {
    match e {
        TraceError::Sim(e) => ExploreError::Sim(e),
        TraceError::Report(e) => ExploreError::Report(e),
        other => ExploreError::Input(other.to_string()),
    }
}

/// Writes `DIR/<signature>.ron` (the shrunk scenario, a header saying what fails and how it was
/// found) and its trace beside it, in `DIR/<signature>.trace/`.
pub fn write(
    dir: &Path,
    signature: &Signature,
    shrunk: &Shrunk,
    original: &Scenario,
    origin: &Origin<'_>,
) -> Result<Written, ExploreError> {
    std::fs::create_dir_all(dir).map_err(|source| ExploreError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let ron_path = dir.join(format!("{signature}.ron"));
    let mut scenario = shrunk.scenario.clone();
    scenario.name = format!("{}-{signature}", original.name);
    scenario.description = format!(
        "Fails {signature}: {}. A counterexample found by `pbft-sim explore` and shrunk \
         (the comment at the top of its file says how).",
        one_line(&shrunk.detail)
    );
    scenario.trials = 1;
    scenario.sweep.clear();
    let body = crate::scenario::to_ron(&scenario).map_err(|e| {
        ExploreError::Input(format!(
            "{}: cannot write the scenario: {e}",
            ron_path.display()
        ))
    })?;
    let text = format!(
        "{}{body}\n",
        header(&ron_path, signature, shrunk, original, origin)
    );
    crate::report::write_bytes_atomically(&ron_path, text.as_bytes())?;
    // The trace is made from the file as written, as `pbft-sim trace FILE` would make it.
    let file = ron_path.display().to_string();
    let plan = crate::scenario::parse(&file, &text)
        .map_err(|e| ExploreError::Input(format!("the counterexample does not read back: {e}")))?;
    let trace_dir = dir.join(format!("{signature}.trace"));
    let options = TraceOptions {
        out: trace_dir.clone(),
        ..TraceOptions::default()
    };
    tracing::trace(&plan, 0, 0, &options).map_err(trace_error)?;
    Ok(Written {
        ron: ron_path,
        trace: Some(trace_dir),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_says_what_fails_how_it_was_found_and_how_to_replay_it() {
        let original = crate::scenario::parse(
            "t.ron",
            r#"Scenario(name: "space-7", seed: 5, replicas: 7, workload: (clients: 2, requests: 3),
               faults: [Loss(probability: 0.5, from_ms: 0.0, until_ms: 10.0)])"#,
        )
        .expect("a valid scenario")
        .points
        .remove(0)
        .scenario;
        let mut small = original.clone();
        small.faults.clear();
        small.replicas = 4;
        let shrunk = Shrunk {
            scenario: small,
            detail: "agreement: seq 1\nsecond line".into(),
            runs: 42,
            steps: vec!["removed fault 0 (Loss)".into(), "n 7 -> 4".into()],
        };
        let origin = Origin {
            space_file: "spaces/x.ron",
            space_seed: 9,
            index: 7,
            campaign_trials: 1000,
        };
        let sig = Signature("safety-agreement".into());
        let h = header(
            Path::new("out/safety-agreement.ron"),
            &sig,
            &shrunk,
            &original,
            &origin,
        );
        assert!(h.lines().all(|l| l.starts_with("//")), "{h}");
        for needle in [
            "// Counterexample: safety-agreement",
            "//   agreement: seq 1 second line",
            "pbft-sim explore spaces/x.ron` (space seed 9): drawn scenario 7 (`space-7`, seed 5), one of 1000 trials",
            "Shrunk in 42 trials (2 steps): faults 1 -> 0, clients 2, requests per client 3, byzantine 0, n 7 -> 4.",
            "//   1. removed fault 0 (Loss)",
            "//   2. n 7 -> 4",
            "// Replay: pbft-sim run out/safety-agreement.ron",
            "// Trace:  pbft-sim trace out/safety-agreement.ron",
        ] {
            assert!(h.contains(needle), "missing {needle:?} in:\n{h}");
        }
    }
}
