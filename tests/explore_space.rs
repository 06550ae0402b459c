//! The search space and the scenarios drawn from it (`explore::space`, `explore::draw`): draws
//! are a function of (space, index); 10,000 draws of every example space are valid scenarios
//! that `pbft-sim run` reads back unchanged, within f where the space says so, with their
//! faults inside the horizon; every dimension of a wide space varies; fixed choices hold; a
//! bad space is refused with `FILE:LINE:COL` and how to fix it.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

use std::collections::BTreeSet;
use std::path::Path;

use pbft_sim::adversary::{BehaviourSpec, Placement};
use pbft_sim::explore::property::faulty_at_most;
use pbft_sim::explore::space::{Bound, RelativeToF};
use pbft_sim::explore::{draw, load_space, parse_space, try_scenario, Property, Space};
use pbft_sim::net::{DelaySpec, Fault};
use pbft_sim::scenario::Scenario;

const DRAWS: u64 = 10_000;

fn space(name: &str) -> Space {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("spaces")
        .join(name);
    load_space(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn every_space_file() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("spaces");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("spaces/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    names.sort();
    names
}

fn f_of(s: &Scenario) -> u32 {
    s.f.unwrap_or((s.replicas.saturating_sub(1)) / 3)
}

/// The scenario written as `pbft-sim run` would read it, read back: the same scenario.
fn replays(s: &Scenario) {
    let text = pbft_sim::scenario::to_ron(s).expect("serializes");
    let plan = pbft_sim::scenario::parse("drawn.ron", &text)
        .unwrap_or_else(|e| panic!("{} is not a valid scenario: {e}\n{text}", s.name));
    assert_eq!(plan.points.len(), 1);
    assert_eq!(
        &plan.points[0].scenario, s,
        "{} reads back unchanged",
        s.name
    );
}

fn window_end(f: &Fault) -> f64 {
    match f {
        Fault::Crash {
            at_ms,
            recover_at_ms,
            ..
        } => recover_at_ms.map_or(at_ms.get(), |r| r.get()),
        Fault::Partition { until_ms, .. }
        | Fault::Slow { until_ms, .. }
        | Fault::Loss { until_ms, .. } => until_ms.get(),
    }
}

#[test]
fn a_draw_is_a_function_of_the_space_and_the_index() {
    let s = space("within-f.ron");
    for i in [0u64, 1, 2, 77, 9_999, u64::MAX] {
        assert_eq!(draw(&s, i), draw(&s, i), "index {i}");
    }
    let distinct: BTreeSet<String> = (0..200)
        .map(|i| {
            let mut d = draw(&s, i);
            d.name.clear();
            d.description.clear();
            pbft_sim::scenario::to_ron(&d).expect("serializes")
        })
        .collect();
    assert_eq!(distinct.len(), 200, "200 indices, 200 different scenarios");
    let mut other = s.clone();
    other.seed = 2;
    assert_ne!(
        draw(&s, 5).seed,
        draw(&other, 5).seed,
        "the space seed matters"
    );
    let d = draw(&s, 42);
    assert_eq!(d.name, "within-f-42");
    assert_eq!(d.trials, 1);
    assert!(d.sweep.is_empty());
    assert_eq!(d.time_limit_ms.get(), 60_000.0, "heal_by_ms + grace_ms");
}

#[test]
fn ten_thousand_draws_of_every_space_are_valid_and_stay_in_the_space() {
    for name in every_space_file() {
        let s = space(&name);
        let within_f = s.byzantine.count.max == Bound::Relative(RelativeToF::F(0));
        let horizon = s.faults.horizon_ms.get();
        for i in 0..DRAWS {
            let d = draw(&s, i);
            replays(&d);
            assert!(
                (s.replicas.min..=s.replicas.max).contains(&d.replicas),
                "{name} {i}"
            );
            if within_f {
                assert!(
                    faulty_at_most(&d) <= f_of(&d),
                    "{name} {i}: {} faulty at f = {}",
                    faulty_at_most(&d),
                    f_of(&d)
                );
            }
            let faults = d.faults.len() as u32;
            assert!((s.faults.count.min..=s.faults.count.max).contains(&faults));
            for f in &d.faults {
                assert!(
                    window_end(f) <= horizon,
                    "{name} {i}: {f:?} ends after {horizon}"
                );
            }
            let c = d.workload.clients.get();
            assert!((s.workload.clients.min.get()..=s.workload.clients.max.get()).contains(&c));
            let r = d.workload.requests.get();
            assert!((s.workload.requests.min.get()..=s.workload.requests.max.get()).contains(&r));
        }
    }
}

/// A short name for each form drawn.
fn behaviour_name(b: &BehaviourSpec) -> String {
    let text = ron::to_string(b).expect("serializes");
    text.split('(').next().unwrap_or_default().to_string()
}

#[test]
fn every_dimension_of_the_wide_space_varies() {
    let s = space("within-f.ron");
    let (mut behaviours, mut placements, mut kinds, mut delays) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    let (mut ns, mut counts, mut intervals, mut batches, mut windows) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    let (mut for_good, mut recovering, mut one_way, mut lossy, mut clean, mut two_groups) =
        (0, 0, 0, 0, 0, 0);
    for i in 0..DRAWS {
        let d = draw(&s, i);
        ns.insert(d.replicas);
        counts.insert(d.byzantine.iter().map(|g| g.count).sum::<u32>());
        two_groups += usize::from(d.byzantine.len() == 2);
        for g in &d.byzantine {
            behaviours.insert(behaviour_name(&g.behaviour));
            placements.insert(match g.placement {
                Placement::Random => "Random",
                Placement::Primary => "Primary",
                Placement::Backups => "Backups",
                Placement::Ids(_) => "Ids",
            });
        }
        for f in &d.faults {
            kinds.insert(match f {
                Fault::Crash { recover_at_ms, .. } => {
                    if recover_at_ms.is_none() {
                        for_good += 1;
                    } else {
                        recovering += 1;
                    }
                    "Crash"
                }
                Fault::Partition { one_way: o, .. } => {
                    one_way += usize::from(*o);
                    "Partition"
                }
                Fault::Slow { .. } => "Slow",
                Fault::Loss { .. } => "Loss",
            });
        }
        delays.insert(match d.network.delay.spec() {
            DelaySpec::Constant { .. } => "Constant",
            DelaySpec::Uniform { .. } => "Uniform",
            DelaySpec::Normal { .. } => "Normal",
            DelaySpec::LogNormal { .. } => "LogNormal",
            DelaySpec::Exponential { .. } => "Exponential",
            DelaySpec::Pareto { .. } => "Pareto",
            DelaySpec::Shifted { .. } => "Shifted",
        });
        if d.network.drop.get() > 0.0 {
            lossy += 1;
        } else {
            clean += 1;
        }
        intervals.insert(d.protocol.checkpoint_interval.get());
        batches.insert(d.protocol.batch_size.get());
        windows.insert(d.protocol.window.get());
    }
    let names = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(",");
    assert_eq!(
        behaviours.len(),
        11,
        "every built-in behaviour: {}",
        names(&behaviours)
    );
    assert_eq!(placements.len(), 4, "{placements:?}");
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert_eq!(delays.len(), 7, "{delays:?}");
    assert_eq!(ns, (4..=13).collect(), "every n");
    assert!(windows.len() > 30, "{} windows", windows.len());
    assert_eq!(
        counts,
        (0..=4).collect(),
        "0 to f byzantine (f = 4 at n = 13)"
    );
    assert_eq!(intervals, [2, 4, 8, 16, 128].into_iter().collect());
    assert_eq!(batches, (1..=4).collect());
    for (what, seen) in [
        ("crashes for good", for_good),
        ("crashes that recover", recovering),
        ("one-way partitions", one_way),
        ("lossy networks", lossy),
        ("clean networks", clean),
        ("two byzantine groups", two_groups),
    ] {
        assert!(seen > 50, "{what}: {seen} in {DRAWS} draws");
    }
}

#[test]
fn fixed_choices_are_respected() {
    let s = space("beyond-f-split-brain.ron");
    let mut counts = BTreeSet::new();
    for i in 0..2_000 {
        let d = draw(&s, i);
        assert_eq!(d.replicas, 4);
        assert!(d.faults.is_empty());
        assert_eq!(d.time_limit_ms.get(), 10_000.0);
        assert!(matches!(d.network.delay.spec(), DelaySpec::Uniform { .. }));
        let total: u32 = d.byzantine.iter().map(|g| g.count).sum();
        counts.insert(total);
        for g in &d.byzantine {
            assert_eq!(g.behaviour, BehaviourSpec::SplitBrain);
            assert_eq!(g.placement, Placement::Primary);
        }
    }
    assert_eq!(counts, [1, 2, 3].into_iter().collect());
    let s7 = space("beyond-f-split-brain-n7.ron");
    let counts: BTreeSet<u32> = (0..2_000)
        .map(|i| draw(&s7, i).byzantine.iter().map(|g| g.count).sum())
        .collect();
    assert_eq!(counts, (1..=6).collect());
}

#[test]
fn the_floor_is_the_space_minimums() {
    let s = space("faults-and-byzantine.ron");
    let floor = s.floor();
    assert_eq!(
        (
            floor.replicas,
            floor.clients,
            floor.requests,
            floor.byzantine,
            floor.faults
        ),
        (4, 1, 1, 1, 1)
    );
    let w = space("within-f.ron").floor();
    let p = w.protocol.expect("a protocol");
    assert_eq!(
        p.checkpoint_interval.get(),
        128,
        "the base's, which is listed"
    );
    assert_eq!(p.log_window, 128, "one interval");
    assert_eq!(p.batch_size.get(), 1);
}

#[test]
fn drawn_within_f_scenarios_run_safe_and_live() {
    let s = space("within-f.ron");
    for i in 0..40 {
        let d = draw(&s, i);
        let (outcome, verdict) = try_scenario(&s.properties, &d).expect("runs");
        assert!(!verdict.failed(), "{}: {verdict:?}", d.name);
        assert!(outcome.safety_ok && outcome.success, "{}", d.name);
    }
}

/// `parse_space`'s message for `text`.
fn refused(text: &str) -> String {
    match parse_space("bad.ron", text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn starts(message: &str, prefix: &str, contains: &str) {
    assert!(
        message.starts_with(prefix) && message.contains(contains),
        "expected `{prefix}...{contains}...`, got: {message}"
    );
}

#[test]
fn bad_spaces_are_refused_at_file_line_col() {
    starts(
        &refused("Space(\n  name: \"x\",\n  replicas: (min: 4 max: 7),\n)"),
        "bad.ron:3:",
        "",
    );
    starts(
        &refused("Space(\n  name: \"x\",\n  replica: (min: 4, max: 7),\n)"),
        "bad.ron:3:3: ",
        "replica",
    );
    starts(
        &refused("Space(\n  name: \"x\",\n  replicas: (min: 7, max: 4),\n)"),
        "bad.ron:3:3: replicas: min (7) is above max (4); ",
        "write `(min: 4, max: 7)`",
    );
    starts(
        &refused("Space(\n  name: \"x\",\n  byzantine: (behaviours: [Silnet]),\n)"),
        "bad.ron:3:",
        "Silnet",
    );
    starts(
        &refused(
            "Space(\n  name: \"x\",\n  byzantine: (behaviours: [Silent, Custom(name: \"never-registered\")]),\n)",
        ),
        "bad.ron:3:",
        "byzantine.behaviours[1]: unknown custom behaviour \"never-registered\"",
    );
    starts(
        &refused("Space(\n  name: \"x\",\n  network: (drop: (min: 0.0, max: 1.5)),\n)"),
        "bad.ron:3:",
        "must be a probability in [0, 1], got 1.5",
    );
    starts(
        &refused(
            "Space(\n  name: \"x\",\n  properties: [LivenessWithinF(heal_by_ms: 1.0, grace_ms: 2.0)],\n  time_limit_ms: 5.0,\n)",
        ),
        "bad.ron:4:3: time_limit_ms: ",
        "remove `time_limit_ms: 5`",
    );
    starts(
        &refused("Space(\n  name: \"x\",\n  byzantine: (count: (min: 5, max: 5)),\n)"),
        "bad.ron:3:",
        "byzantine.count.min: 5 byzantine replicas at least, but the space draws n as small as 4",
    );
    starts(
        &refused("Space(\n  name: \"x\",\n  replicas: (min: 0, max: 4),\n)"),
        "bad.ron:3:",
        "replicas.min: must be at least 1, got 0; write `(min: 1, max: 4)`",
    );
    starts(
        &refused("Space(\n  name: \"x\",\n  replicas: (min: 4, max: 7),\n  f: Some(2),\n)"),
        "bad.ron:4:3: f: f = 2 needs n >= 7",
        "",
    );
    starts(
        &refused("// nothing\n"),
        "bad.ron:1:1: the file is empty",
        "Space(",
    );
    starts(
        &refused("Scenario(name: \"x\", replicas: 4)"),
        "bad.ron:1:1: ",
        "a search space starts with `Space(`",
    );
    starts(
        &refused("README\nstuff"),
        "bad.ron:1:1: this is not a search space file",
        "",
    );
}

#[test]
fn a_choice_written_with_parameters_is_told_to_use_exactly() {
    starts(
        &refused(
            "Space(\n  name: \"x\",\n  byzantine: (behaviours: [SlowPrimary(delay_ms: 5.0)]),\n)",
        ),
        "bad.ron:3:39: `SlowPrimary` in a space's list takes no parameters",
        "write `Exactly(SlowPrimary(...))`",
    );
    starts(
        &refused("Space(\n  name: \"x\",\n  faults: (kinds: [Crash(replicas: [1])]),\n)"),
        "bad.ron:3:25: `Crash` in `faults.kinds` takes no parameters",
        "write `Crash`",
    );
    // Inside `Exactly(..)`, the scenario reader's own hint for the form.
    starts(
        &refused("Space(\n  name: \"x\",\n  byzantine: (behaviours: [Exactly(SlowPrimary)]),\n)"),
        "bad.ron:3:",
        "write `SlowPrimary(delay_ms: 150.0)`",
    );
    starts(
        &refused("Space(\n  name: \"x\",\n  network: (delays: [Exactly(Uniform(min_ms: 5.0, max_ms: 1.0))]),\n)"),
        "bad.ron:3:13: network.delays[0]: min_ms: min_ms (5) is greater than max_ms (1)",
        "swap them",
    );
    let exact = parse_space(
        "ok.ron",
        "Space(name: \"x\", byzantine: (count: (min: 1, max: 1), behaviours: [Exactly(SlowPrimary(delay_ms: 5.0))], placements: [Exactly(Ids([2]))]))",
    )
    .expect("a valid space");
    for i in 0..50 {
        let d = draw(&exact, i);
        assert_eq!(d.byzantine.len(), 1);
        assert_eq!(d.byzantine[0].placement, Placement::Ids(vec![2]));
        assert_eq!(
            ron::to_string(&d.byzantine[0].behaviour).expect("serializes"),
            "SlowPrimary(delay_ms:5.0)"
        );
    }
}

#[test]
fn relative_and_plain_bounds_and_implicit_some_read() {
    let s = parse_space(
        "ok.ron",
        "Space(name: \"x\", replicas: (min: 7, max: 7), byzantine: (count: (min: 1, max: F(1))), \
         protocol: (batch_size: (min: 2, max: 2)), properties: [Safety])",
    )
    .expect("a valid space");
    assert_eq!(s.byzantine.count.min, Bound::Replicas(1));
    assert_eq!(s.byzantine.count.max, Bound::Relative(RelativeToF::F(1)));
    assert_eq!(s.properties, vec![Property::Safety]);
    for i in 0..100 {
        let d = draw(&s, i);
        assert_eq!(d.protocol.batch_size.get(), 2);
        let total: u32 = d.byzantine.iter().map(|g| g.count).sum();
        assert!((1..=3).contains(&total), "f + 1 = 3 at n = 7, got {total}");
    }
}

/// The mean wall time of a trial drawn from `spaces/within-f.ron` (run by hand:
/// `cargo test --test explore_space -- --ignored --nocapture`).
#[test]
#[ignore]
fn mean_trial_time_of_the_wide_space() {
    let s = space("within-f.ron");
    let start = std::time::Instant::now();
    let runs: u64 = std::env::var("SPACE_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    for i in 0..runs {
        let d = draw(&s, i);
        let (_, verdict) = try_scenario(&s.properties, &d).expect("runs");
        assert!(!verdict.failed(), "{}: {verdict:?}", d.name);
    }
    let mean = start.elapsed().as_secs_f64() * 1000.0 / runs as f64;
    println!("within-f: {runs} trials, mean {mean:.2} ms per trial (one thread)");
}

/// The first failure's signature in draws `0..draws` of `space`, with its index.
fn first_failure(s: &Space, draws: u64) -> Option<(u64, String)> {
    (0..draws).find_map(|i| {
        let (_, verdict) = try_scenario(&s.properties, &draw(s, i)).expect("runs");
        verdict.signature().map(|sig| (i, sig.to_string()))
    })
}

#[test]
fn the_example_spaces_do_what_their_readme_says() {
    for name in ["beyond-f-split-brain.ron", "beyond-f-split-brain-n7.ron"] {
        let found = first_failure(&space(name), 300);
        eprintln!("{name}: first failure {found:?}");
        assert!(
            matches!(&found, Some((_, sig)) if sig == "safety-agreement"),
            "{name}: {found:?}"
        );
    }
    let s = space("faults-and-byzantine.ron");
    assert_eq!(first_failure(&s, 100), None, "within f, faults healed");
}
