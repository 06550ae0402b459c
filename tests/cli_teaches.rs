//! A command line that teaches: `--help` shows examples and where the catalogue is, a bare
//! `pbft-sim` lists the verbs (exit 2), a missing argument is named with the usage, `list`
//! prints every form a scenario can name (each accepted by `check` when written into a
//! scenario) and every output column, `completions` prints a shell script, `check DIR` reads a
//! folder as `suite` does, a run estimated to be huge says so at once (and is silenced by
//! `--no-estimate-warning`), and a folder holding another scenario's results, or a suite's, is
//! refused unless `--force`.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{pbft_sim, Run, Scratch, BIN};

/// The verbs, as `--help` lists them.
const VERBS: [&str; 7] = [
    "run",
    "trace",
    "merge",
    "check",
    "suite",
    "list",
    "completions",
];

/// Exit 2 with exactly one line on stderr, `error: ...`, containing every one of `words`.
fn assert_refused(run: &Run, words: &[&str]) {
    assert_eq!(run.code(), Some(2), "{}", run.show());
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr\n{}", run.show());
    assert!(lines[0].starts_with("error: "), "{}", run.show());
    for word in words {
        assert!(lines[0].contains(word), "`{word}` expected\n{}", run.show());
    }
}

#[test]
fn help_shows_examples_and_the_catalogue() {
    let help = pbft_sim(["--help"]);
    assert_eq!(help.code(), Some(0), "{}", help.show());
    for wanted in [
        "Examples:",
        "pbft-sim run scenarios/seed.ron",
        "pbft-sim suite scenarios/",
        "--resume",
        "pbft-sim trace scenarios/seed.ron --point",
        "scenarios/README.md",
        "pbft-sim list behaviours",
    ] {
        assert!(help.stdout.contains(wanted), "`{wanted}`\n{}", help.show());
    }
    for verb in VERBS {
        let help = pbft_sim([verb, "--help"]);
        assert_eq!(help.code(), Some(0), "{}", help.show());
        assert!(
            help.stdout.contains("Example") && help.stdout.contains(&format!("pbft-sim {verb} ")),
            "`{verb} --help` shows an example\n{}",
            help.show()
        );
    }
}

#[test]
fn a_bare_command_lists_the_verbs_and_exits_2() {
    let bare = pbft_sim(Vec::<&str>::new());
    assert_eq!(bare.code(), Some(2), "{}", bare.show());
    assert!(bare.stderr.contains("Commands:"), "{}", bare.show());
    for verb in VERBS {
        assert!(
            bare.stderr
                .lines()
                .any(|l| l.trim_start().starts_with(verb)),
            "`{verb}` listed\n{}",
            bare.show()
        );
    }
    assert!(bare.stderr.contains("Examples:"), "{}", bare.show());
}

#[test]
fn a_missing_argument_is_named_with_the_usage() {
    assert_refused(
        &pbft_sim(["run"]),
        &[
            "<SCENARIO>",
            "usage: pbft-sim run <SCENARIO>; see pbft-sim run --help",
        ],
    );
    assert_refused(&pbft_sim(["list"]), &["<WHAT>", "usage: pbft-sim list"]);
    let wrong = pbft_sim(["list", "behaviour"]);
    assert_refused(&wrong, &["behaviour", "behaviours"]);
}

#[test]
fn an_invalid_value_lists_the_possible_ones_with_the_usage() {
    assert_refused(
        &pbft_sim(["list", "foo"]),
        &[
            "'foo'",
            "behaviours, delays, faults, placements, columns",
            "; usage: pbft-sim list <WHAT>; see pbft-sim list --help",
        ],
    );
    assert_refused(
        &pbft_sim(["completions", "foo"]),
        &[
            "'foo'",
            "bash",
            "zsh",
            "; usage: pbft-sim completions <SHELL>; see pbft-sim completions --help",
        ],
    );
    assert_refused(
        &pbft_sim(["run", "scenarios/seed.ron", "--threads", "abc"]),
        &[
            "'abc'",
            "--threads",
            "; usage: pbft-sim run [OPTIONS] <SCENARIO>; see pbft-sim run --help",
        ],
    );
}

/// The forms `list WHAT` prints: lines indented by two spaces exactly (their meanings are
/// indented further).
fn listed_forms(what: &str) -> Vec<String> {
    let run = pbft_sim(["list", what]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let forms: Vec<String> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(|l| l.trim().to_string())
        .collect();
    assert!(forms.len() >= 4, "forms listed\n{}", run.show());
    // Every form has its line of meaning under it.
    for form in &forms {
        let line = format!("  {form}\n      ");
        assert!(
            run.stdout.contains(&line),
            "{form} has a meaning\n{}",
            run.show()
        );
    }
    forms
}

/// A valid n = 4 scenario with `field` set, for `check`.
fn scenario_with(name: &str, field: &str) -> String {
    format!("Scenario(name: {name:?}, replicas: 4, time_limit_ms: 1000.0, {field})\n")
}

#[test]
fn every_listed_form_is_accepted_in_a_scenario() {
    let scratch = Scratch::new("teaches-forms");
    let mut files = Vec::new();
    let mut custom = Vec::new();
    let mut add = |what: &str, i: usize, field: String| {
        let name = format!("{what}-{i}");
        let path = scratch.write(&format!("{name}.ron"), &scenario_with(&name, &field));
        files.push((path, field));
    };
    let behaviours = listed_forms("behaviours");
    for (i, form) in behaviours.iter().enumerate() {
        let field = format!("byzantine: [(count: 1, placement: Random, behaviour: {form})]");
        if form.starts_with("Custom(") {
            custom.push(scratch.write("custom.ron", &scenario_with("custom", &field)));
        } else {
            add("behaviour", i, field);
        }
    }
    for (i, form) in listed_forms("delays").iter().enumerate() {
        add("delay", i, format!("network: (delay: {form})"));
    }
    for (i, form) in listed_forms("faults").iter().enumerate() {
        add("fault", i, format!("faults: [{form}]"));
    }
    for (i, form) in listed_forms("placements").iter().enumerate() {
        add(
            "placement",
            i,
            format!("byzantine: [(count: 1, placement: {form}, behaviour: Silent)]"),
        );
    }
    for (path, field) in &files {
        let check = pbft_sim(["check".as_ref(), path.as_os_str()]);
        assert_eq!(check.code(), Some(0), "{field}\n{}", check.show());
    }
    // Every built-in behaviour the README names is listed.
    for name in [
        "Silent",
        "SeedAdversary",
        "Equivocate",
        "WrongDigest",
        "SlowPrimary(",
        "Censor(",
        "SelectiveSilence(",
        "ViewChangeStorm",
        "Replay",
        "Mutate(",
        "SplitBrain",
        "Custom(",
    ] {
        assert!(
            behaviours.iter().any(|f| f.starts_with(name)),
            "{name} listed: {behaviours:?}"
        );
    }
    // The placeholder custom name is only a form: the plain binary registers no behaviour.
    assert_eq!(custom.len(), 1);
    let check = pbft_sim(["check".as_ref(), custom[0].as_os_str()]);
    assert_refused(&check, &["unknown custom behaviour"]);
}

#[test]
fn list_columns_describes_every_column_a_run_writes() {
    let scratch = Scratch::new("teaches-columns");
    let out = scratch.path("out");
    let run = pbft_sim([
        "run".as_ref(),
        "scenarios/quickstart.ron".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    let listed = pbft_sim(["list", "columns"]);
    assert_eq!(listed.code(), Some(0), "{}", listed.show());
    let (trials_part, summary_part) = listed
        .stdout
        .split_once("summary.csv:")
        .unwrap_or_else(|| panic!("both files listed\n{}", listed.show()));
    for (file, part) in [("trials.csv", trials_part), ("summary.csv", summary_part)] {
        let text = std::fs::read_to_string(out.join(file)).expect("written");
        let header = text.lines().next().expect("a header");
        for column in header.split(',') {
            let line = part
                .lines()
                .find(|l| l.split_whitespace().next() == Some(column))
                .unwrap_or_else(|| panic!("{file}'s {column} listed\n{}", listed.show()));
            assert!(
                line.split_whitespace().count() > 1 && !line.contains("(not described)"),
                "{column} has a meaning: {line}"
            );
        }
    }
}

#[test]
fn completions_print_a_script_naming_the_verbs() {
    let bash = pbft_sim(["completions", "bash"]);
    assert_eq!(bash.code(), Some(0), "{}", bash.show());
    assert!(
        bash.stdout.contains("complete -F"),
        "a bash script\n{}",
        bash.show()
    );
    for verb in VERBS {
        assert!(bash.stdout.contains(verb), "{verb} in the script");
    }
    assert!(bash.stdout.contains("--no-estimate-warning"));
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let script = pbft_sim(["completions", shell]);
        assert_eq!(script.code(), Some(0), "{}", script.show());
        assert!(
            script.stdout.contains("suite"),
            "{shell}\n{}",
            script.show()
        );
    }
}

#[test]
fn check_reads_a_folder_as_suite_does() {
    let check = pbft_sim(["check", "scenarios/"]);
    assert_eq!(check.code(), Some(0), "{}", check.show());
    let mut files: Vec<String> = std::fs::read_dir("scenarios")
        .expect("the catalogue")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .to_string()
        })
        .filter(|name| name.ends_with(".ron"))
        .collect();
    files.sort();
    let checked: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split(':').next())
        .collect();
    let expected: Vec<String> = files.iter().map(|f| format!("scenarios/{f}")).collect();
    assert_eq!(checked, expected, "{}", check.show());

    let scratch = Scratch::new("teaches-check");
    std::fs::create_dir(scratch.path("empty")).expect("a folder");
    let empty = pbft_sim(["check".as_ref(), scratch.path("empty").as_os_str()]);
    assert_refused(&empty, &["no scenario files (*.ron) in the folder"]);
}

/// `pbft-sim ARGS`, its first line on stderr and how long it took to come; the process is
/// killed then (a run of 10^7 trials is not waited for).
fn first_stderr_line(args: &[&str]) -> (String, Duration) {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pbft-sim starts");
    let mut line = String::new();
    if let Some(stderr) = child.stderr.take() {
        BufReader::new(stderr)
            .read_line(&mut line)
            .expect("stderr is readable");
    }
    let took = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    (line, took)
}

#[test]
fn a_run_of_ten_million_trials_warns_at_once() {
    let scratch = Scratch::new("teaches-warn");
    let out = scratch.path("out");
    let out = out.to_string_lossy();
    let (line, took) = first_stderr_line(&[
        "run",
        "scenarios/seed.ron",
        "--trials",
        "1000000",
        "--quiet",
        "--out",
        &out,
    ]);
    assert!(line.starts_with("warning: this run is estimated"), "{line}");
    for wanted in ["GB", "10000000 trials", "on ", "--no-estimate-warning"] {
        assert!(line.contains(wanted), "`{wanted}`: {line}");
    }
    // Under a second when measured on a quiet machine; the bound leaves room for a busy one.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn the_estimate_warning_is_silenced_by_its_flag() {
    // One trial of 2*10^8 requests cut off at 50 ms: estimated at 2 GB, written in no time.
    let scratch = Scratch::new("teaches-silence");
    let file = scratch.write(
        "big.ron",
        "Scenario(name: \"big\", replicas: 4, workload: (clients: 1, requests: 200000000), \
         time_limit_ms: 50.0)\n",
    );
    let run = |out: &str, flag: Option<&str>| {
        let out = scratch.path(out);
        let mut args = vec![
            "run".as_ref(),
            file.as_os_str(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(flag.map(|f| -> &std::ffi::OsStr { f.as_ref() }));
        pbft_sim(args)
    };
    let warned = run("a", None);
    assert_eq!(warned.code(), Some(0), "{}", warned.show());
    assert!(
        warned
            .stderr
            .starts_with("warning: this run is estimated to write up to 2.0 GB"),
        "{}",
        warned.show()
    );
    let silenced = run("b", Some("--no-estimate-warning"));
    assert_eq!(silenced.code(), Some(0), "{}", silenced.show());
    assert_eq!(silenced.stderr, "", "{}", silenced.show());

    // Two such trials, stopped after the first (warned), then resumed (not warned again).
    let two = scratch.write(
        "two.ron",
        "Scenario(name: \"two\", replicas: 4, trials: 2, \
         workload: (clients: 1, requests: 200000000), time_limit_ms: 50.0)\n",
    );
    let out = scratch.path("two");
    let args = |extra: &'static str| {
        [
            "run".as_ref(),
            two.as_os_str(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
            extra.as_ref(),
        ]
    };
    let mut first = args("--abort-after").to_vec();
    first.push("1".as_ref());
    let stopped = pbft_sim(first);
    assert_eq!(stopped.code(), Some(1), "{}", stopped.show());
    assert!(
        stopped.stderr.starts_with("warning: "),
        "{}",
        stopped.show()
    );
    let resumed = pbft_sim(args("--resume"));
    assert_eq!(resumed.code(), Some(0), "{}", resumed.show());
    assert_eq!(resumed.stderr, "", "{}", resumed.show());
    assert!(
        resumed.stdout.contains("resumed: 1 trials"),
        "{}",
        resumed.show()
    );
}

#[test]
fn a_folder_of_another_scenario_is_refused_unless_forced() {
    let scratch = Scratch::new("teaches-force");
    let out = scratch.path("out");
    let run = |scenario: &str, extra: &[&str]| {
        let mut args = vec![
            "run".as_ref(),
            scenario.as_ref(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(|a| -> &std::ffi::OsStr { a.as_ref() }));
        pbft_sim(args)
    };
    let first = run("scenarios/quickstart.ron", &[]);
    assert_eq!(first.code(), Some(0), "{}", first.show());
    let before = std::fs::read(out.join("trials.csv")).expect("written");
    // The same scenario again into its own folder: allowed, as --resume needs.
    let again = run("scenarios/quickstart.ron", &[]);
    assert_eq!(again.code(), Some(0), "{}", again.show());

    let other = run("scenarios/seed.ron", &[]);
    let shown = out.display().to_string();
    assert_refused(
        &other,
        &[&shown, "\"quickstart\"", "run.json", "--out DIR", "--force"],
    );
    assert_eq!(std::fs::read(out.join("trials.csv")).expect("kept"), before);

    // An interrupted run is recognised by its saved rows.
    let cut = scratch.path("cut");
    let stopped = pbft_sim([
        "run".as_ref(),
        "scenarios/seed.ron".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        cut.as_os_str(),
        "--abort-after".as_ref(),
        "3".as_ref(),
    ]);
    assert_eq!(stopped.code(), Some(1), "{}", stopped.show());
    let over = pbft_sim([
        "trace".as_ref(),
        "scenarios/quickstart.ron".as_ref(),
        "--out".as_ref(),
        cut.as_os_str(),
    ]);
    assert_refused(&over, &["\"seed\"", "trials.partial.jsonl", "--force"]);

    let forced = run("scenarios/seed.ron", &["--force"]);
    assert_eq!(forced.code(), Some(0), "{}", forced.show());
    let text = std::fs::read_to_string(out.join("run.json")).expect("written");
    assert!(text.contains("\"scenario\": \"seed\""), "{text}");

    // A suite into a single run's folder, and merge into another scenario's folder.
    let suite = pbft_sim([
        "suite".as_ref(),
        "scenarios/quickstart.ron".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_refused(&suite, &[&shown, "single run", "\"seed\"", "--force"]);
    let suite_out = scratch.path("suite");
    let inside = suite_out.join("quickstart");
    let planted = pbft_sim([
        "run".as_ref(),
        "scenarios/seed.ron".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        inside.as_os_str(),
    ]);
    assert_eq!(planted.code(), Some(0), "{}", planted.show());
    let suite = pbft_sim([
        "suite".as_ref(),
        "scenarios/quickstart.ron".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        suite_out.as_os_str(),
    ]);
    assert_refused(&suite, &[&inside.display().to_string(), "\"seed\""]);
    let shard = scratch.path("shard");
    let sharded = pbft_sim([
        "run".as_ref(),
        "scenarios/quickstart.ron".as_ref(),
        "--quiet".as_ref(),
        "--shard".as_ref(),
        "1/1".as_ref(),
        "--out".as_ref(),
        shard.as_os_str(),
    ]);
    assert_eq!(sharded.code(), Some(0), "{}", sharded.show());
    let merge = pbft_sim([
        "merge".as_ref(),
        shard.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_refused(&merge, &[&shown, "\"seed\"", "--force"]);
}

#[test]
fn a_suite_folder_is_refused_by_run_trace_and_merge_unless_forced() {
    let scratch = Scratch::new("teaches-suite-folder");
    let out = scratch.path("suite");
    let suite = pbft_sim([
        "suite".as_ref(),
        "scenarios/quickstart.ron".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(suite.code(), Some(0), "{}", suite.show());
    let page = std::fs::read(out.join("index.html")).expect("the suite's page");
    let shown = out.display().to_string();
    let into_suite = |verb: &str, input: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            verb.as_ref(),
            input.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(|a| -> &std::ffi::OsStr { a.as_ref() }));
        pbft_sim(args)
    };
    let seed = std::path::Path::new("scenarios/seed.ron");
    let words = [
        shown.as_str(),
        "a suite's results",
        "index.csv",
        "--out DIR",
        "--force",
    ];
    assert_refused(&into_suite("run", seed, &["--quiet"]), &words);
    assert_refused(&into_suite("trace", seed, &[]), &words);
    let shard = scratch.path("shard");
    let sharded = pbft_sim([
        "run".as_ref(),
        "scenarios/quickstart.ron".as_ref(),
        "--quiet".as_ref(),
        "--shard".as_ref(),
        "1/1".as_ref(),
        "--out".as_ref(),
        shard.as_os_str(),
    ]);
    assert_eq!(sharded.code(), Some(0), "{}", sharded.show());
    assert_refused(&into_suite("merge", &shard, &[]), &words);
    // Nothing was written: the suite's page and index are as the suite left them, and the
    // suite may be run there again.
    assert_eq!(std::fs::read(out.join("index.html")).expect("kept"), page);
    assert!(
        !out.join("trials.csv").exists(),
        "no run's files beside the index"
    );
    let again = pbft_sim([
        "suite".as_ref(),
        "scenarios/quickstart.ron".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(again.code(), Some(0), "{}", again.show());
    // --force writes the run there anyway.
    let forced = into_suite(
        "run",
        std::path::Path::new("scenarios/quickstart.ron"),
        &["--quiet", "--force"],
    );
    assert_eq!(forced.code(), Some(0), "{}", forced.show());
    assert!(out.join("run.json").is_file(), "{}", forced.show());
}

#[test]
fn check_counts_points_and_trials_in_the_singular_and_the_plural() {
    let scratch = Scratch::new("teaches-plural");
    let one = scratch.write(
        "one.ron",
        "Scenario(name: \"one\", replicas: 4, trials: 1, time_limit_ms: 1000.0)\n",
    );
    let many = scratch.write(
        "many.ron",
        "Scenario(name: \"many\", replicas: 4, trials: 2, time_limit_ms: 1000.0,\n  \
         sweep: [(path: \"seed\", values: Range(from: 1, to: 3))])\n",
    );
    let run = pbft_sim(["check".as_ref(), one.as_os_str(), many.as_os_str()]);
    assert_eq!(run.code(), Some(0), "{}", run.show());
    assert!(
        run.stdout.contains("one — 1 point x 1 trial = 1 trial\n"),
        "{}",
        run.show()
    );
    assert!(
        run.stdout
            .contains("many — 3 points x 2 trials = 6 trials\n"),
        "{}",
        run.show()
    );
}
