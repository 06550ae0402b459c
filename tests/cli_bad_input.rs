//! Bad input on the command line: for `check` and for `run --out DIR`, every kind of bad scenario
//! file (unreadable, RON syntax, unknown field, bad values, bad sweep) exits with code 2 and one
//! stderr line `error: FILE:LINE:COL: ...` (at the line where the error was placed) or
//! `error: FILE: field.path: ...`, never panics, and `run` leaves no results behind. Also the CLI's
//! own bad values (`--threads 0`, `--trials 0`), a valid file, and several files at once; and
//! the hints that say how to fix a RON mistake (a variant's expected form from the `FORMS`
//! tables, a whole number, an empty file, the nearest name, a missing comma).
//!
//! Each bad file is the valid `BASE` below with exactly one thing changed; expected lines are
//! computed from where the change was made.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::{pbft_sim, shown, Run, Scratch};

/// A valid scenario, one entry per line. The comment and the description mention field names
/// so that a field locator that does not skip comments and strings points at the wrong line.
const BASE: &[&str] = &[
    "// Base of the bad-input cases, valid as written. Not fields: replicas: 0, drop: 1.5,",
    "// byzantine: [(count: 9)], sweep: [(path: \"x\")]",
    "Scenario(",
    "    name: \"bad-input\",",
    "    description: \"replicas: 4, drop: 0.0 (a string, not fields)\",",
    "    seed: 3,",
    "    trials: 2,",
    "    replicas: 4,",
    "    workload: (clients: 1, requests: 1),",
    "    network: (",
    "        delay: Uniform(min_ms: 5.0, max_ms: 30.0),",
    "        drop: 0.0,",
    "    ),",
    "    byzantine: [(count: 0, placement: Random, behaviour: Silent)],",
    "    time_limit_ms: 5000.0,",
    ")",
];

/// A scenario being edited, line by line; line numbers are 1-based.
struct Lines(Vec<String>);

impl Lines {
    fn base() -> Lines {
        Lines(BASE.iter().map(|l| l.to_string()).collect())
    }

    /// The index of the one line that contains `find`.
    fn index(&self, find: &str) -> usize {
        let found: Vec<usize> = (0..self.0.len())
            .filter(|&i| self.0[i].contains(find))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "`{find}` must be on exactly one line of the base"
        );
        found[0]
    }

    /// The number of the line that contains `find`.
    fn line_of(&self, find: &str) -> usize {
        self.index(find) + 1
    }

    /// Replaces `find` by `with` on its line; returns the line's number.
    fn replace(&mut self, find: &str, with: &str) -> usize {
        let i = self.index(find);
        self.0[i] = self.0[i].replacen(find, with, 1);
        i + 1
    }

    /// Inserts `line` after the line that contains `find`; returns the new line's number.
    fn insert_after(&mut self, find: &str, line: &str) -> usize {
        let i = self.index(find) + 1;
        self.0.insert(i, line.to_string());
        i + 1
    }

    /// Replaces the lines from the one containing `first` to the one containing `last` by
    /// `line`; returns its number.
    fn replace_lines(&mut self, first: &str, last: &str, line: &str) -> usize {
        let (a, b) = (self.index(first), self.index(last));
        assert!(a <= b);
        self.0.splice(a..=b, [line.to_string()]);
        a + 1
    }

    /// The 1-based column (in characters) of the `nth` (0-based) occurrence of `find` on line
    /// `line`.
    fn col_of(&self, line: usize, find: &str, nth: usize) -> usize {
        let text = &self.0[line - 1];
        let at = text.match_indices(find).nth(nth).map(|(i, _)| i);
        assert!(
            at.is_some(),
            "`{find}` ({nth}) is not on line {line}: {text}"
        );
        let at = at.unwrap_or_default();
        text[..at].chars().count() + 1
    }

    fn text(&self) -> String {
        let mut text = self.0.join("\n");
        text.push('\n');
        text
    }
}

/// How a case's file is made.
enum Input {
    /// A path that does not exist.
    Missing,
    /// A directory passed as the file.
    Directory,
    /// A file with this text.
    Text(String),
}

/// What the one stderr line must say after `error: FILE`.
enum Expect {
    /// The file cannot be read: `error: FILE: why`.
    Unreadable,
    /// The parser knows the place: `error: FILE:LINE:COL: why`, LINE among `lines`, COL >= 1,
    /// `why` mentioning each of `mentions`.
    Parser {
        lines: Vec<usize>,
        mentions: Vec<&'static str>,
    },
    /// A bad value, naming one of `paths`: `error: FILE:LINE:COL: why` with LINE among `lines`
    /// and `why` containing the path, or `error: FILE: path: why`.
    Value {
        paths: Vec<&'static str>,
        lines: Vec<usize>,
    },
    /// Exactly `error: FILE:LINE:COL: why` at `line`:`col`, `why` containing each of `says`
    /// (the field's path, what the value must be, the value).
    Exact {
        line: usize,
        col: usize,
        says: Vec<&'static str>,
    },
}

struct Case {
    name: &'static str,
    input: Input,
    expect: Expect,
}

/// A case made by editing the base: `edit` changes it and says what to expect.
fn edited(name: &'static str, edit: impl FnOnce(&mut Lines) -> Expect) -> Case {
    let mut lines = Lines::base();
    let expect = edit(&mut lines);
    Case {
        name,
        input: Input::Text(lines.text()),
        expect,
    }
}

fn parser(lines: Vec<usize>, mentions: Vec<&'static str>) -> Expect {
    Expect::Parser { lines, mentions }
}

fn value(paths: Vec<&'static str>, lines: Vec<usize>) -> Expect {
    Expect::Value { paths, lines }
}

/// One case per kind of bad input.
fn cases() -> Vec<Case> {
    vec![
        // (1) unreadable
        Case {
            name: "missing_file",
            input: Input::Missing,
            expect: Expect::Unreadable,
        },
        Case {
            name: "directory_as_file",
            input: Input::Directory,
            expect: Expect::Unreadable,
        },
        // (2) RON syntax
        edited("missing_comma_inside_a_line", |s| {
            let line = s.replace("(clients: 1, requests: 1)", "(clients: 1 requests: 1)");
            parser(vec![line], vec![])
        }),
        edited("missing_comma_at_end_of_line", |s| {
            // Found at the next token, or where the comma should be.
            let line = s.replace("    seed: 3,", "    seed: 3");
            parser(vec![line, line + 1], vec![])
        }),
        edited("unclosed_paren", |s| {
            let line = s.replace("behaviour: Silent)]", "behaviour: Silent]");
            parser(vec![line], vec![])
        }),
        // (3) unknown fields
        edited("unknown_field_replica", |s| {
            let line = s.replace("    replicas: 4,", "    replica: 4,");
            parser(vec![line], vec!["replica"])
        }),
        edited("unknown_field_foo", |s| {
            let line = s.insert_after("    seed: 3,", "    foo: 1,");
            parser(vec![line], vec!["foo"])
        }),
        edited("unknown_nested_field", |s| {
            let line = s.replace("        drop: 0.0,", "        dorp: 0.0,");
            parser(vec![line], vec!["dorp"])
        }),
        // (4)-(8) bad values
        edited("zero_replicas", |s| {
            let line = s.replace("    replicas: 4,", "    replicas: 0,");
            value(vec!["replicas"], vec![line])
        }),
        edited("zero_trials", |s| {
            let line = s.replace("    trials: 2,", "    trials: 0,");
            value(vec!["trials"], vec![line])
        }),
        edited("zero_clients", |s| {
            let line = s.replace("(clients: 1,", "(clients: 0,");
            value(vec!["workload.clients"], vec![line])
        }),
        edited("drop_above_one", |s| {
            let line = s.replace("        drop: 0.0,", "        drop: 1.5,");
            value(vec!["network.drop"], vec![line])
        }),
        edited("drop_above_one_one_line_network", |s| {
            let line = s.replace_lines(
                "    network: (",
                "    ),",
                "    network: (delay: Constant(ms: 10.0), drop: 1.5),",
            );
            value(vec!["network.drop"], vec![line])
        }),
        edited("uniform_min_above_max", |s| {
            let line = s.replace(
                "Uniform(min_ms: 5.0, max_ms: 30.0)",
                "Uniform(min_ms: 30.0, max_ms: 5.0)",
            );
            value(
                vec!["network.delay.min_ms", "network.delay.max_ms"],
                vec![line],
            )
        }),
        edited("sweep_path_names_no_field", |s| {
            let line = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    sweep: [(path: \"network.delay.maxms\", values: Range(from: 1, to: 2))],",
            );
            value(vec!["sweep[0].path"], vec![line])
        }),
        edited("more_byzantine_than_replicas", |s| {
            let line = s.replace("[(count: 0,", "[(count: 5,");
            value(vec!["byzantine"], vec![line])
        }),
        // (9) a sweep that makes a value invalid at one of its points
        edited("sweep_makes_replicas_zero", |s| {
            let replicas = s.line_of("    replicas: 4,");
            let sweep = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    sweep: [(path: \"replicas\", values: Values([4, 0]))],",
            );
            // Either the field as written or the sweep axis that set it.
            value(vec!["replicas"], vec![replicas, sweep])
        }),
    ]
}

/// Which command a case is run with.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Check,
    Run,
}

/// Makes the case's file in `scratch`; returns its path.
fn make_input(scratch: &Scratch, case: &Case) -> PathBuf {
    match &case.input {
        Input::Missing => scratch.path("does-not-exist.ron"),
        Input::Directory => {
            let dir = scratch.path("a-folder.ron");
            std::fs::create_dir(&dir).expect("create a folder");
            dir
        }
        Input::Text(text) => scratch.write(&format!("{}.ron", case.name), text),
    }
}

/// `:LINE:COL: why` -> (LINE, COL, why).
fn location(rest: &str) -> Option<(usize, usize, &str)> {
    let rest = rest.strip_prefix(':')?;
    let (line, rest) = rest.split_once(':')?;
    let (col, why) = rest.split_once(':')?;
    let why = why.strip_prefix(' ')?;
    Some((line.parse().ok()?, col.parse().ok()?, why))
}

/// The single stderr line, after `error: FILE`; checks what every bad input must satisfy.
fn single_error_line<'a>(run: &'a Run, file: &Path) -> Result<&'a str, String> {
    if run.code().is_none() {
        return Err("the process was killed by a signal".into());
    }
    if run.stderr.contains("panicked") {
        return Err("the process panicked".into());
    }
    if run.code() != Some(2) {
        return Err(format!("exit code {:?}, expected 2", run.code()));
    }
    let line = run.stderr.strip_suffix('\n').unwrap_or(&run.stderr);
    if line.trim().is_empty() || line.contains('\n') {
        return Err("stderr is not exactly one non-empty line".into());
    }
    let prefix = format!("error: {}", shown(file));
    line.strip_prefix(&prefix)
        .ok_or_else(|| format!("stderr does not start with `{prefix}`"))
}

/// Checks one run of one case; `Err` says what is wrong.
fn verify(case: &Case, file: &Path, run: &Run, out: Option<&Path>) -> Result<(), String> {
    let rest = single_error_line(run, file)?;
    match &case.expect {
        Expect::Unreadable => {
            let why = rest
                .strip_prefix(": ")
                .ok_or("expected `error: FILE: why`")?;
            if why.trim().is_empty() {
                return Err("the reason is empty".into());
            }
        }
        Expect::Parser { lines, mentions } => {
            let (line, col, why) = location(rest).ok_or("expected `error: FILE:LINE:COL: why`")?;
            if !lines.contains(&line) {
                return Err(format!(
                    "reported at line {line}, expected one of {lines:?}"
                ));
            }
            if col == 0 {
                return Err("column 0: columns are 1-based".into());
            }
            if why.trim().is_empty() {
                return Err("the message is empty".into());
            }
            if let Some(m) = mentions.iter().find(|m| !why.contains(*m)) {
                return Err(format!("the message does not mention `{m}`"));
            }
        }
        Expect::Exact { line, col, says } => {
            let (at, at_col, why) = location(rest).ok_or("expected `error: FILE:LINE:COL: why`")?;
            if (at, at_col) != (*line, *col) {
                return Err(format!("reported at {at}:{at_col}, expected {line}:{col}"));
            }
            if let Some(m) = says.iter().find(|m| !why.contains(*m)) {
                return Err(format!("the message does not say `{m}`"));
            }
        }
        Expect::Value { paths, lines } => match location(rest) {
            Some((line, col, why)) => {
                if !lines.contains(&line) {
                    return Err(format!(
                        "reported at line {line}, expected one of {lines:?}"
                    ));
                }
                if col == 0 {
                    return Err("column 0: columns are 1-based".into());
                }
                if !paths.iter().any(|p| why.contains(p)) {
                    return Err(format!("the message names none of {paths:?}"));
                }
            }
            None => {
                let why = rest
                    .strip_prefix(": ")
                    .ok_or("expected `error: FILE:LINE:COL: ...` or `error: FILE: path: ...`")?;
                if !paths.iter().any(|p| why.starts_with(p)) {
                    return Err(format!(
                        "expected `error: FILE: path: ...` with a path in {paths:?}"
                    ));
                }
            }
        },
    }
    if let Some(out) = out {
        for name in ["run.json", "trials.csv"] {
            if out.join(name).exists() {
                return Err(format!("bad input left {name} in the --out folder"));
            }
        }
    }
    Ok(())
}

/// Runs every case with `mode`; panics listing every case that failed.
fn expect_bad_input(mode: Mode, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let scratch = Scratch::new(&format!("bad-{mode:?}-{}", case.name).to_lowercase());
        let file = make_input(&scratch, case);
        let out = scratch.path("out");
        let run = match mode {
            Mode::Check => pbft_sim([Path::new("check").as_os_str(), file.as_os_str()]),
            Mode::Run => pbft_sim([
                Path::new("run").as_os_str(),
                file.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
            ]),
        };
        let out = matches!(mode, Mode::Run).then_some(out.as_path());
        if let Err(why) = verify(case, &file, &run, out) {
            failures.push(format!(
                "case `{}` ({mode:?}): {why}\n{}",
                case.name,
                run.show()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Values out of their field's range (a negative delay, a probability of 1.5, NaN, a zero
/// count), written in the file or set by a sweep: placed at the value itself (or at the sweep
/// entry that set it), naming the field, what it must be and the value.
fn checked_value_cases() -> Vec<Case> {
    let exact = |line, col, says| Expect::Exact { line, col, says };
    vec![
        edited("negative_delay", |s| {
            let line = s.replace("Uniform(min_ms: 5.0,", "Uniform(min_ms: -5.0,");
            let col = s.col_of(line, "-5.0", 0);
            exact(
                line,
                col,
                vec![
                    "network.delay.min_ms",
                    "must be a finite number of ms >= 0",
                    "got -5",
                ],
            )
        }),
        edited("nan_delay", |s| {
            let line = s.replace("max_ms: 30.0", "max_ms: NaN");
            let col = s.col_of(line, "NaN", 0);
            exact(line, col, vec!["network.delay.max_ms", "got NaN"])
        }),
        edited("reorder_probability_above_one", |s| {
            let line = s.insert_after(
                "        drop: 0.0,",
                "        reorder: (probability: 1.5, extra: Constant(ms: 1.0)),",
            );
            let col = s.col_of(line, "1.5", 0);
            exact(
                line,
                col,
                vec![
                    "network.reorder.probability",
                    "must be a probability in [0, 1]",
                    "got 1.5",
                ],
            )
        }),
        edited("loss_fault_probability_above_one", |s| {
            let line = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    faults: [Crash(replicas: [1], at_ms: 1.0), Loss(probability: 1.5, from_ms: 0.0, until_ms: 9.0)],",
            );
            let col = s.col_of(line, "1.5", 0);
            exact(
                line,
                col,
                vec!["faults[1].probability", "must be a probability in [0, 1]"],
            )
        }),
        edited("negative_time_limit", |s| {
            let line = s.replace("time_limit_ms: 5000.0", "time_limit_ms: -1.0");
            let col = s.col_of(line, "-1.0", 0);
            exact(
                line,
                col,
                vec![
                    "time_limit_ms",
                    "must be a finite number of ms > 0",
                    "got -1",
                ],
            )
        }),
        edited("zero_batch_size", |s| {
            let line = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    protocol: (batch_size: 0),",
            );
            let col = s.col_of(line, "0)", 0);
            exact(
                line,
                col,
                vec!["protocol.batch_size", "must be at least 1, got 0"],
            )
        }),
        edited("mutate_probability_above_one", |s| {
            let line = s.replace(
                "behaviour: Silent)]",
                "behaviour: Mutate(probability: 2.0))]",
            );
            let col = s.col_of(line, "2.0", 0);
            exact(
                line,
                col,
                vec![
                    "byzantine[0].behaviour.probability",
                    "must be a probability in [0, 1]",
                ],
            )
        }),
        edited("sweep_sets_drop_above_one", |s| {
            let line = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    sweep: [(path: \"seed\", values: Range(from: 1, to: 2)), (path: \"network.drop\", values: Values([0.0, 1.5]))],",
            );
            // At the value in the axis's list.
            let col = s.col_of(line, "1.5", 0);
            exact(
                line,
                col,
                vec![
                    "network.drop",
                    "must be a probability in [0, 1], got 1.5",
                    "at sweep point seed = 1, network.drop = 1.5",
                    "set by sweep[1]",
                ],
            )
        }),
        edited("sweep_sets_a_negative_delay", |s| {
            let line = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    sweep: [(path: \"network.delay.min_ms\", values: Values([1.0, -2.0]))],",
            );
            let col = s.col_of(line, "-2.0", 0);
            exact(
                line,
                col,
                vec![
                    "network.delay.min_ms",
                    "must be a finite number of ms >= 0, got -2",
                    "set by sweep[0]",
                ],
            )
        }),
    ]
}

/// A NaN set by a sweep (JSON, where points are built, has none) is named as such.
fn swept_nan_case() -> Case {
    edited("sweep_sets_nan", |s| {
        let line = s.insert_after(
            "    time_limit_ms: 5000.0,",
            "    sweep: [(path: \"network.drop\", values: Values([0.1, NaN]))],",
        );
        let col = s.col_of(line, "NaN", 0);
        Expect::Exact {
            line,
            col,
            says: vec![
                "network.drop",
                "must be a finite number, got NaN",
                "set by sweep[0]",
            ],
        }
    })
}

#[test]
fn checked_values_are_refused_at_the_value() {
    expect_bad_input(Mode::Check, &[swept_nan_case()]);
    expect_bad_input(Mode::Check, &checked_value_cases());
    expect_bad_input(Mode::Run, &checked_value_cases());
}

#[test]
fn the_base_scenario_is_valid() {
    let scratch = Scratch::new("bad-base");
    let file = scratch.write("base.ron", &Lines::base().text());
    let run = pbft_sim([Path::new("check").as_os_str(), file.as_os_str()]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
}

#[test]
fn check_rejects_each_bad_input() {
    expect_bad_input(Mode::Check, &cases());
}

#[test]
fn run_rejects_each_bad_input_before_writing() {
    expect_bad_input(Mode::Run, &cases());
}

/// `run` with a valid file but a bad `--threads` or `--trials` value.
#[test]
fn run_rejects_zero_threads_and_zero_trials() {
    for (flag, what) in [("--threads", "threads"), ("--trials", "trials")] {
        let scratch = Scratch::new("bad-flag");
        let file = scratch.write("base.ron", &Lines::base().text());
        let out = scratch.path("out");
        let run = pbft_sim([
            Path::new("run").as_os_str(),
            file.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            flag.as_ref(),
            "0".as_ref(),
        ]);
        assert_eq!(run.code(), Some(2), "{}", run.show());
        assert!(!run.stderr.contains("panicked"), "{}", run.show());
        let line = run.stderr.strip_suffix('\n').unwrap_or(&run.stderr);
        assert!(
            line.starts_with("error: ") && !line.contains('\n'),
            "one line `error: ...` expected\n{}",
            run.show()
        );
        assert!(
            line.contains(what),
            "the message names {what}\n{}",
            run.show()
        );
        for name in ["run.json", "trials.csv"] {
            assert!(!out.join(name).exists(), "{name} written\n{}", run.show());
        }
    }
}

/// Bad input aimed at a folder holding a complete earlier run leaves that run as it was.
#[test]
fn bad_input_leaves_an_earlier_results_folder_untouched() {
    let scratch = Scratch::new("bad-keep");
    let good = scratch.write("good.ron", &Lines::base().text());
    let bad = scratch.write(
        "bad.ron",
        &Lines::base()
            .text()
            .replace("    replicas: 4,", "    replicas: 0,"),
    );
    let out = scratch.path("out");
    let run = pbft_sim([
        Path::new("run").as_os_str(),
        good.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let before = std::fs::read(out.join("run.json")).expect("run.json after a good run");
    let trials_before = std::fs::read(out.join("trials.csv")).expect("trials.csv");
    for args in [
        vec![Path::new("run").as_os_str(), bad.as_os_str()],
        vec![
            Path::new("run").as_os_str(),
            good.as_os_str(),
            "--threads".as_ref(),
            "0".as_ref(),
        ],
    ] {
        let mut args = args;
        args.extend([OsStr::new("--out"), out.as_os_str()]);
        let run = pbft_sim(&args);
        assert_eq!(run.code(), Some(2), "{}", run.show());
        assert_eq!(
            std::fs::read(out.join("run.json")).ok().as_ref(),
            Some(&before),
            "run.json changed\n{}",
            run.show()
        );
        assert_eq!(
            std::fs::read(out.join("trials.csv")).ok().as_ref(),
            Some(&trials_before),
            "trials.csv changed\n{}",
            run.show()
        );
    }
}

/// A valid file: exit 0 and the plan (points and trials) on stdout.
#[test]
fn check_accepts_a_valid_file_and_prints_its_plan() {
    let scratch = Scratch::new("bad-valid");
    let mut lines = Lines::base();
    lines.insert_after(
        "    time_limit_ms: 5000.0,",
        "    sweep: [(path: \"byzantine[0].count\", values: Range(from: 0, to: 2))],",
    );
    let file = scratch.write("sweep.ron", &lines.text());
    let run = pbft_sim([Path::new("check").as_os_str(), file.as_os_str()]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    assert!(run.stderr.is_empty(), "nothing on stderr\n{}", run.show());
    assert!(
        run.stdout.contains(&shown(&file)),
        "names the file\n{}",
        run.show()
    );
    assert!(run.stdout.contains("3 points"), "3 points\n{}", run.show());
    assert!(
        run.stdout.contains("6 trials"),
        "3 x 2 = 6 trials\n{}",
        run.show()
    );
    for v in 0..3 {
        assert!(
            run.stdout.contains(&format!("byzantine[0].count = {v}")),
            "lists the point with count {v}\n{}",
            run.show()
        );
    }
}

/// One bad file among good ones: exit 2, one error line for it, the good ones' plans printed.
#[test]
fn check_reports_the_bad_file_and_still_prints_the_good_ones() {
    let scratch = Scratch::new("bad-mixed");
    let good = scratch.write("good.ron", &Lines::base().text());
    let mut bad_lines = Lines::base();
    let line = bad_lines.replace("    replicas: 4,", "    replicas: 0,");
    let bad = scratch.write("bad.ron", &bad_lines.text());
    let case = Case {
        name: "bad_among_good",
        input: Input::Missing,
        expect: value(vec!["replicas"], vec![line]),
    };
    for args in [[&good, &bad], [&bad, &good]] {
        let run = pbft_sim(
            std::iter::once(Path::new("check").as_os_str())
                .chain(args.iter().map(|p| p.as_os_str())),
        );
        if let Err(why) = verify(&case, &bad, &run, None) {
            panic!("{why}\n{}", run.show());
        }
        assert!(
            run.stdout.contains(&shown(&good)) && run.stdout.contains("1 point"),
            "the good file's plan is printed\n{}",
            run.show()
        );
        assert!(
            !run.stdout.contains(&shown(&bad)),
            "no plan for the bad file\n{}",
            run.show()
        );
    }
}

/// `f` above floor((n-1)/3) is refused (PBFT needs n >= 3f+1), at the place that says so: the
/// `f` field as written, or the sweep axis that set it; a sweep is checked at every point, and
/// the message names f, n and the point.
#[test]
fn f_above_the_bound_is_refused_at_every_sweep_point() {
    struct FCase {
        name: &'static str,
        /// Edits the base; returns the line the error must be placed at.
        edit: fn(&mut Lines) -> usize,
        /// What the message must contain.
        says: &'static [&'static str],
    }
    let cases = [
        FCase {
            name: "f_written",
            edit: |s| s.insert_after("    replicas: 4,", "    f: Some(2),"),
            says: &["f = 2", "n = 4", "n >= 3f+1", "n >= 7"],
        },
        FCase {
            name: "replicas_swept_below_3f_plus_1",
            edit: |s| {
                let f = s.insert_after("    replicas: 4,", "    f: Some(1),");
                s.insert_after(
                    "    time_limit_ms: 5000.0,",
                    "    sweep: [(path: \"replicas\", values: Values([7, 4, 3]))],",
                );
                f
            },
            says: &["f = 1", "n = 3", "n >= 3f+1", "at sweep point replicas = 3"],
        },
        FCase {
            name: "f_swept_above_floor",
            edit: |s| {
                s.insert_after(
                    "    time_limit_ms: 5000.0,",
                    "    sweep: [(path: \"f\", values: Values([0, 1, 2]))],",
                )
            },
            says: &["f = 2", "n = 4", "n >= 3f+1", "at sweep point f = 2"],
        },
        FCase {
            name: "as_written_values_every_point_replaces",
            // replicas: 4 with f: Some(2) is wrong as written, but no point runs it: valid.
            edit: |s| {
                s.insert_after("    replicas: 4,", "    f: Some(2),");
                s.insert_after(
                    "    time_limit_ms: 5000.0,",
                    "    sweep: [(path: \"replicas\", values: Values([7, 10]))],",
                );
                0
            },
            says: &[],
        },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let mut lines = Lines::base();
        let line = (case.edit)(&mut lines);
        let scratch = Scratch::new(&format!("bad-f-{}", case.name).replace('_', "-"));
        let file = scratch.write(&format!("{}.ron", case.name), &lines.text());
        let run = pbft_sim([Path::new("check").as_os_str(), file.as_os_str()]);
        if line == 0 {
            if run.code() != Some(0) {
                failures.push(format!("{}: refused\n{}", case.name, run.show()));
            }
            continue;
        }
        let verdict = single_error_line(&run, &file).and_then(|rest| {
            let (at, col, why) = location(rest).ok_or("expected `error: FILE:LINE:COL: why`")?;
            if at != line || col == 0 {
                return Err(format!("placed at {at}:{col}, expected line {line}"));
            }
            match case.says.iter().find(|w| !why.contains(*w)) {
                Some(w) => Err(format!("the message does not say `{w}`")),
                None => Ok(()),
            }
        });
        if let Err(why) = verdict {
            failures.push(format!("{}: {why}\n{}", case.name, run.show()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// Limits, list locations and usage errors.

/// A sweep axis with billions of values is bad input, not an out-of-memory abort.
#[test]
fn huge_sweep_axes_are_bad_input() {
    let huge = |name: &'static str, axis: &'static str| {
        edited(name, move |s| {
            let line = s.insert_after("    time_limit_ms: 5000.0,", axis);
            value(vec!["sweep"], vec![line])
        })
    };
    let cases = [
        huge(
            "huge_range",
            "    sweep: [(path: \"seed\", values: Range(from: 0, to: 100000000000))],",
        ),
        huge(
            "huge_linear",
            "    sweep: [(path: \"network.drop\", values: Linear(from: 0.0, to: 1.0, steps: 4000000000))],",
        ),
    ];
    expect_bad_input(Mode::Check, &cases);
    expect_bad_input(Mode::Run, &cases);
}

/// `--trials` beyond the per-run limit is bad input, like a scenario asking for as many.
#[test]
fn run_rejects_trials_beyond_the_limit() {
    let scratch = Scratch::new("bad-many-trials");
    let file = scratch.write("base.ron", &Lines::base().text());
    let out = scratch.path("out");
    let run = pbft_sim([
        Path::new("run").as_os_str(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
        "--trials".as_ref(),
        "4294967295".as_ref(),
    ]);
    assert_eq!(run.code(), Some(2), "{}", run.show());
    let line = run.stderr.strip_suffix('\n').unwrap_or(&run.stderr);
    assert!(
        line.starts_with("error: ") && !line.contains('\n') && line.contains("trials"),
        "{}",
        run.show()
    );
    assert!(!out.exists(), "the --out folder is created\n{}", run.show());
}

/// The field locator points at the right element of a list whose earlier elements leave the
/// field out.
#[test]
fn locator_finds_the_right_list_element() {
    let case = edited("locate_list_element", |s| {
        s.replace("    replicas: 4,", "    replicas: 8,");
        let first = s.replace(
            "    byzantine: [(count: 0, placement: Random, behaviour: Silent)],",
            "    byzantine: [",
        );
        s.insert_after("    byzantine: [", "    ],");
        s.insert_after(
            "    byzantine: [",
            "        (count: 1, placement: Ids([2]), behaviour: Silent),",
        );
        s.insert_after(
            "    byzantine: [",
            "        (count: 1, placement: Ids([9]), behaviour: Silent),",
        );
        s.insert_after("    byzantine: [", "        (count: 0, behaviour: Silent),");
        value(vec!["byzantine[1].placement"], vec![first + 2])
    });
    expect_bad_input(Mode::Check, &[case]);
}

/// Command-line usage errors are bad input too: exit 2 and one line.
#[test]
fn usage_errors_are_one_line() {
    let scratch = Scratch::new("bad-usage");
    let file = scratch.write("base.ron", &Lines::base().text());
    let out = scratch.path("out");
    let (file, out) = (file.as_os_str(), out.as_os_str());
    let cases: [Vec<&OsStr>; 4] = [
        vec![
            "run".as_ref(),
            file,
            "--out".as_ref(),
            out,
            "--threads".as_ref(),
            "abc".as_ref(),
        ],
        vec![
            "run".as_ref(),
            file,
            "--out".as_ref(),
            out,
            "--bogus".as_ref(),
        ],
        vec!["run".as_ref(), "--out".as_ref(), out],
        vec!["check".as_ref()],
    ];
    for args in cases {
        let run = pbft_sim(&args);
        assert_eq!(run.code(), Some(2), "{}", run.show());
        let line = run.stderr.strip_suffix('\n').unwrap_or(&run.stderr);
        assert!(
            line.starts_with("error: ") && !line.contains('\n'),
            "one line expected\n{}",
            run.show()
        );
    }
}

/// The mistakes people make writing RON by hand, each with the hint that says how to fix it
/// (`src/scenario/hints.rs`), at the place of the mistake.
fn hint_cases() -> Vec<Case> {
    let exact = |line, col, says| Expect::Exact { line, col, says };
    vec![
        edited("constant_without_field_name", |s| {
            let line = s.replace("Uniform(min_ms: 5.0, max_ms: 30.0)", "Constant(5.0)");
            let col = s.col_of(line, "5.0", 0);
            exact(
                line,
                col,
                vec!["`Constant` takes named fields: write `Constant(ms: 5.0)`"],
            )
        }),
        edited("trials_not_whole", |s| {
            let line = s.replace("    trials: 2,", "    trials: 2.5,");
            let col = s.col_of(line, "2.5", 0);
            exact(
                line,
                col,
                vec!["trials must be a whole number, got 2.5: write `trials: 2` or `trials: 3`"],
            )
        }),
        edited("trials_negative", |s| {
            let line = s.replace("    trials: 2,", "    trials: -1,");
            let col = s.col_of(line, "-1", 0);
            exact(
                line,
                col,
                vec!["trials must be a whole number >= 0, got -1"],
            )
        }),
        edited("trials_too_large", |s| {
            let line = s.replace("    trials: 2,", "    trials: 99999999999,");
            let col = s.col_of(line, "99999999999", 0);
            exact(
                line,
                col,
                vec!["trials: 99999999999 is too large for this field"],
            )
        }),
        Case {
            name: "empty_file",
            input: Input::Text(String::new()),
            expect: exact(1, 1, vec!["the file is empty", "starts with `Scenario(`"]),
        },
        Case {
            name: "only_comments",
            input: Input::Text("// a scenario, some day\n/* not yet */\n\n".into()),
            expect: exact(1, 1, vec!["the file is empty", "starts with `Scenario(`"]),
        },
        edited("unknown_delay_profile", |s| {
            let line = s.replace("Uniform(min_ms: 5.0,", "Uniformm(min_ms: 5.0,");
            let col = s.col_of(line, "Uniformm", 0);
            exact(
                line,
                col,
                vec!["`Uniformm`", "`Constant`", "(did you mean `Uniform`?)"],
            )
        }),
        edited("unknown_behaviour", |s| {
            let line = s.replace("behaviour: Silent)", "behaviour: Silnt)");
            let col = s.col_of(line, "Silnt", 0);
            exact(line, col, vec!["`SplitBrain`", "(did you mean `Silent`?)"])
        }),
        edited("misspelt_field", |s| {
            let line = s.replace("    replicas: 4,", "    replcas: 4,");
            let col = s.col_of(line, "replcas", 0);
            exact(line, col, vec!["`replcas`", "(did you mean `replicas`?)"])
        }),
        edited("misspelt_variant_field", |s| {
            let line = s.replace("max_ms: 30.0", "maxms: 30.0");
            let col = s.col_of(line, "maxms", 0);
            exact(
                line,
                col,
                vec!["`maxms`", "expected `Uniform(min_ms: 5.0, max_ms: 15.0)`"],
            )
        }),
        edited("missing_comma_names_the_place", |s| {
            let line = s.replace("    seed: 3,", "    seed: 3");
            let says = format!("put a `,` at line {line}, column 12 (before `trials`)");
            exact(line + 1, 5, vec![Box::leak(says.into_boxed_str())])
        }),
        edited("behaviour_as_a_string", |s| {
            let line = s.replace("behaviour: Silent)", "behaviour: \"Silent\")");
            let col = s.col_of(line, "\"Silent\"", 0);
            exact(
                line,
                col,
                vec![
                    "a behaviour is a name, not a string: write `Silent`, without quotes",
                    "`pbft-sim list behaviours`",
                ],
            )
        }),
        edited("range_from_above_to", |s| {
            let line = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    sweep: [(path: \"seed\", values: Range(from: 3, to: 1))],",
            );
            let col = s.col_of(line, "values:", 0);
            exact(
                line,
                col,
                vec![
                    "sweep[0].values",
                    "`from` is above `to`",
                    "write `Range(from: 1, to: 3)`",
                ],
            )
        }),
        edited("uniform_bounds_swapped", |s| {
            let line = s.replace(
                "Uniform(min_ms: 5.0, max_ms: 30.0)",
                "Uniform(min_ms: 5.0, max_ms: 1.0)",
            );
            let col = s.col_of(line, "min_ms", 0);
            exact(
                line,
                col,
                vec!["min_ms (5) is greater than max_ms (1); swap them: `Uniform(min_ms: 1, max_ms: 5)`"],
            )
        }),
        edited("misspelt_sweep_path_start", |s| {
            let line = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    sweep: [(path: \"netwrk.drop\", values: Values([0.1]))],",
            );
            let col = s.col_of(line, "path:", 0);
            exact(
                line,
                col,
                vec!["no `netwrk` here (did you mean `network`?)"],
            )
        }),
        edited("misspelt_sweep_path_field", |s| {
            let line = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    sweep: [(path: \"network.drp\", values: Values([0.1]))],",
            );
            let col = s.col_of(line, "path:", 0);
            exact(line, col, vec!["no `drp` here (did you mean `drop`?)"])
        }),
        edited("misspelt_behaviour_in_a_sweep", |s| {
            let line = s.insert_after(
                "    time_limit_ms: 5000.0,",
                "    sweep: [(path: \"byzantine[0].behaviour\", values: Values([\"Silent\", \"Silnet\"]))],",
            );
            let col = s.col_of(line, "\"Silnet\"", 0);
            exact(
                line,
                col,
                vec!["`Silnet`", "(did you mean `Silent`?)", "set by sweep[0]"],
            )
        }),
        Case {
            name: "not_a_scenario",
            input: Input::Text("# pbft-sim\n\nA simulator of PBFT.\n".into()),
            expect: exact(
                1,
                1,
                vec![
                    "not a scenario file",
                    "does not start with `Scenario(`",
                    "`# pbft-sim`",
                ],
            ),
        },
        edited("misspelt_scenario", |s| {
            let line = s.replace("Scenario(", "Scenaro(");
            exact(line, 1, vec!["`Scenaro`", "starts with `Scenario(`"])
        }),
    ]
}

/// A bare number or string where a value of a `FORMS` table goes: each says what goes there,
/// at the value, and never the parser's "raw identifier" advice.
fn bare_value_cases() -> Vec<Case> {
    let exact = |line, col, says| Expect::Exact { line, col, says };
    let delay = "a delay is a profile, not a number: write `Constant(ms: 5.0)` (`pbft-sim list \
                 delays` lists them)";
    vec![
        edited("delay_as_a_number", |s| {
            let line = s.replace("Uniform(min_ms: 5.0, max_ms: 30.0)", "5.0");
            let col = s.col_of(line, "5.0", 0);
            exact(line, col, vec![delay])
        }),
        edited("delay_as_a_negative_number", |s| {
            let line = s.replace("Uniform(min_ms: 5.0, max_ms: 30.0)", "-5");
            let col = s.col_of(line, "-5", 0);
            exact(line, col, vec!["a delay is a profile, not a number"])
        }),
        edited("delay_as_a_string", |s| {
            let line = s.replace("Uniform(min_ms: 5.0, max_ms: 30.0)", "\"Constant\"");
            let col = s.col_of(line, "\"Constant\"", 0);
            exact(
                line,
                col,
                vec![
                    "a delay is a profile, not a string: write `Constant(ms: 5.0)`, without quotes",
                ],
            )
        }),
        edited("region_delay_as_a_number", |s| {
            let line = s.insert_after(
                "    time_limit_ms",
                "    regions: [(name: \"a\", replicas: [0], delay: Some(5.0))],",
            );
            let col = s.col_of(line, "5.0", 0);
            exact(line, col, vec![delay])
        }),
        edited("link_delay_as_a_number", |s| {
            let line = s.insert_after(
                "    time_limit_ms",
                "    regions: [(name: \"a\", replicas: [0])], links: [(from: \"a\", to: \"a\", delay: 5)],",
            );
            let col = s.col_of(line, "5)", 0);
            exact(line, col, vec!["a delay is a profile, not a number"])
        }),
        edited("reorder_extra_as_a_number", |s| {
            let line = s.replace(
                "        drop: 0.0,",
                "        drop: 0.0, reorder: (probability: 0.1, extra: 2.0),",
            );
            let col = s.col_of(line, "2.0", 0);
            exact(line, col, vec![delay])
        }),
        edited("fault_as_a_number", |s| {
            let line = s.replace(
                "    time_limit_ms: 5000.0,",
                "    time_limit_ms: 5000.0, faults: [7],",
            );
            let col = s.col_of(line, "7]", 0);
            exact(
                line,
                col,
                vec![
                    "a fault is a named kind, not a number: write `Crash(",
                    "`pbft-sim list faults`",
                ],
            )
        }),
        edited("fault_as_a_string", |s| {
            let line = s.replace(
                "    time_limit_ms: 5000.0,",
                "    time_limit_ms: 5000.0, faults: [\"Loss\"],",
            );
            let col = s.col_of(line, "\"Loss\"", 0);
            exact(
                line,
                col,
                vec!["not a string: write `Loss(probability: 0.2, from_ms: 0.0, until_ms: 500.0)`, without quotes"],
            )
        }),
        edited("behaviour_as_a_number", |s| {
            let line = s.replace("behaviour: Silent)", "behaviour: 3)");
            let col = s.col_of(line, "3)", 0);
            exact(
                line,
                col,
                vec![
                    "a behaviour is a name, not a number: write `Silent` or",
                    "`pbft-sim list behaviours`",
                ],
            )
        }),
        edited("placement_as_a_number", |s| {
            let line = s.replace("placement: Random,", "placement: 2,");
            let col = s.col_of(line, "2,", 0);
            exact(
                line,
                col,
                vec![
                    "a placement is a name, not a number: write `Random` or `Ids([0, 3])`",
                    "`pbft-sim list placements`",
                ],
            )
        }),
        edited("unknown_delay_lists_them", |s| {
            let line = s.replace("Uniform(min_ms: 5.0, max_ms: 30.0)", "true");
            let col = s.col_of(line, "true", 0);
            exact(
                line,
                col,
                vec!["`Constant`", "`pbft-sim list delays` lists them"],
            )
        }),
        edited("number_as_a_field_name", |s| {
            let line = s.replace("    seed: 3,", "    5: 3,");
            let col = s.col_of(line, "5", 0);
            exact(
                line,
                col,
                vec!["expected a name", "found `5`", "start with a letter"],
            )
        }),
    ]
}

/// Not one of the parser's messages suggests a raw identifier (`r#5.0`).
#[test]
fn bare_values_say_what_goes_there() {
    let cases = bare_value_cases();
    expect_bad_input(Mode::Check, &cases);
    let scratch = Scratch::new("bare-values");
    for case in &cases {
        let file = make_input(&scratch, case);
        let run = pbft_sim([OsStr::new("check"), file.as_os_str()]);
        assert!(
            !run.stderr.contains("raw identifier") && !run.stderr.contains("r#"),
            "{}: {}",
            case.name,
            run.show()
        );
    }
}

#[test]
fn ron_errors_say_how_to_fix_them() {
    expect_bad_input(Mode::Check, &hint_cases());
    expect_bad_input(Mode::Run, &hint_cases()[..3]);
}

/// Where in the base a form of each table goes: (the text to replace, what to put there with
/// `{}` standing for the form).
fn slot_for(table: &str) -> (&'static str, &'static str) {
    match table {
        "delay" => ("Uniform(min_ms: 5.0, max_ms: 30.0)", "{}"),
        "fault" => (
            "    time_limit_ms: 5000.0,",
            "    time_limit_ms: 5000.0, faults: [{}],",
        ),
        "behaviour" => ("behaviour: Silent)", "behaviour: {})"),
        _ => ("placement: Random,", "placement: {},"),
    }
}

/// `form` without its field names: `Constant(ms: 5.0)` -> `Constant(5.0)`.
fn positional(form: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let mut chars = form.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if c == ':' {
            word.clear();
            while chars.peek() == Some(&' ') {
                chars.next();
            }
            continue;
        }
        out.push_str(&word);
        word.clear();
        out.push(c);
    }
    out.push_str(&word);
    out
}

/// For every form of every `FORMS` table: written without its field names, or without its
/// fields, or (a form without fields) with empty parentheses, the error quotes the form.
#[test]
fn every_form_is_quoted_when_written_wrong() {
    let tables: [(&str, &[(&str, &str)]); 4] = [
        ("delay", pbft_sim::net::DELAY_FORMS),
        ("fault", pbft_sim::net::FAULT_FORMS),
        ("behaviour", pbft_sim::adversary::BEHAVIOUR_FORMS),
        ("placement", pbft_sim::adversary::PLACEMENT_FORMS),
    ];
    let mut cases = Vec::new();
    for (table, forms) in tables {
        let (find, slot) = slot_for(table);
        for (form, _) in forms {
            let name = form.split('(').next().unwrap_or(form);
            let mut wrongs: Vec<(String, String)> = Vec::new();
            if form.contains(':') {
                wrongs.push((
                    positional(form),
                    format!("`{name}` takes named fields: write `{form}`"),
                ));
                wrongs.push((
                    name.to_string(),
                    format!("`{name}` needs its fields: write `{form}`"),
                ));
            } else if !form.contains('(') {
                wrongs.push((
                    format!("{name}()"),
                    format!("`{name}` takes no fields: write `{name}` without parentheses"),
                ));
            }
            for (wrong, says) in wrongs {
                let mut lines = Lines::base();
                let line = lines.replace(find, &slot.replace("{}", &wrong));
                let says: &'static str = Box::leak(says.into_boxed_str());
                let name: &'static str =
                    Box::leak(format!("form_{table}_{wrong}").into_boxed_str());
                cases.push(Case {
                    name,
                    input: Input::Text(lines.text()),
                    expect: Expect::Parser {
                        lines: vec![line],
                        mentions: vec![says],
                    },
                });
            }
        }
    }
    assert!(cases.len() > 20, "{} cases", cases.len());
    expect_bad_input(Mode::Check, &cases);
}

/// A check that fails at a sweep point names the point only when the swept values are the
/// cause: a value written once, wrong at every point, is reported as written.
#[test]
fn the_sweep_point_is_named_only_when_a_swept_value_is_the_cause() {
    let scratch = Scratch::new("bad-sweep-point");
    let check = |name: &str, delay: &str, sweep: &str| {
        let mut lines = Lines::base();
        lines.replace("Uniform(min_ms: 5.0, max_ms: 30.0)", delay);
        lines.insert_after("    time_limit_ms: 5000.0,", sweep);
        let file = scratch.write(name, &lines.text());
        let run = pbft_sim([OsStr::new("check"), file.as_os_str()]);
        assert_eq!(run.code(), Some(2), "{}", run.show());
        run
    };
    let written = check(
        "written.ron",
        "Uniform(min_ms: 5.0, max_ms: 1.0)",
        "    sweep: [(path: \"byzantine[0].count\", values: Range(from: 0, to: 1))],",
    );
    assert!(
        written
            .stderr
            .contains("swap them: `Uniform(min_ms: 1, max_ms: 5)`"),
        "{}",
        written.show()
    );
    assert!(
        !written.stderr.contains("sweep point"),
        "no sweep point named\n{}",
        written.show()
    );
    let swept = check(
        "swept.ron",
        "Uniform(min_ms: 5.0, max_ms: 30.0)",
        "    sweep: [(path: \"network.delay.max_ms\", values: Values([30.0, 1.0]))],",
    );
    assert!(
        swept
            .stderr
            .contains("(at sweep point network.delay.max_ms = 1"),
        "{}",
        swept.show()
    );
    assert!(swept.stderr.contains("swap them"), "{}", swept.show());
}
