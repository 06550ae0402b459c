//! Unit tests of the space-time chart: synthetic traces built event by event, and real traces
//! of catalogue scenarios run with the reference engine.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::palette::KINDS;
use super::picture::{grouped, ms_to_ns, Fate, Mark, MarkKind, Picture};
use super::*;
use crate::protocol::message::{Digest, NodeId};
use crate::protocol::{Change, Rejection};
use crate::records::trace::{DropCause, FaultPeriod, Happening, MessageSummary, Node, NodeRole};
use crate::sim::trace::TraceSink;

fn replica(r: u32) -> Node {
    Node(NodeId::Replica(r))
}

fn trial(n: u32, behaviour: Option<(u32, &str)>, periods: Vec<FaultPeriod>) -> TraceTrial {
    let mut nodes: Vec<NodeRole> = (0..n)
        .map(|r| NodeRole {
            node: replica(r),
            role: "replica",
            behaviour: behaviour
                .filter(|(b, _)| *b == r)
                .map(|(_, name)| name.into()),
        })
        .collect();
    nodes.push(NodeRole {
        node: Node(NodeId::Client(0)),
        role: "client",
        behaviour: None,
    });
    TraceTrial {
        seed: 1,
        n,
        f: (n - 1) / 3,
        clients: 1,
        time_limit_ms: 100.0,
        nodes,
        periods,
    }
}

/// Events in order, numbered, at times in ms.
#[derive(Default)]
struct Script(Vec<TraceEvent>);

impl Script {
    /// The events in time order (the engine's order), renumbered.
    fn events(mut self) -> Vec<TraceEvent> {
        self.0.sort_by_key(|e| e.t_ns);
        for (i, event) in self.0.iter_mut().enumerate() {
            event.i = i as u64;
        }
        self.0
    }

    fn at(&mut self, ms: f64, node: Option<NodeId>, what: Happening) {
        let i = self.0.len() as u64;
        self.0.push(TraceEvent::new(i, ms_to_ns(ms), node, what));
    }

    /// `from` sends `kind` to `to`, arriving `delay` ms later (delivered), or lost by `lost`.
    fn message(&mut self, ms: f64, from: u32, to: u32, kind: &'static str, seq: u64, delay: f64) {
        let message = MessageSummary {
            msg: kind,
            view: Some(0),
            seq: Some(seq),
            digest: Some(Digest([0xab; 16])),
            timestamp: None,
        };
        let (sender, recipient) = (NodeId::Replica(from), replica(to));
        self.at(
            ms,
            Some(sender),
            Happening::Send {
                to: recipient,
                message,
                delays_ns: vec![ms_to_ns(delay)],
                slowed: None,
            },
        );
        self.at(
            ms + delay,
            Some(NodeId::Replica(to)),
            Happening::Deliver {
                from: replica(from),
                message,
            },
        );
    }

    fn lost(&mut self, ms: f64, from: u32, to: u32, kind: &'static str, cause: DropCause) {
        let message = MessageSummary {
            msg: kind,
            ..MessageSummary::default()
        };
        let sender = Some(NodeId::Replica(from));
        let to = replica(to);
        let delays_ns = Vec::new();
        self.at(
            ms,
            sender,
            Happening::Send {
                to,
                message,
                delays_ns,
                slowed: None,
            },
        );
        self.at(ms, sender, Happening::Drop { to, message, cause });
    }
}

/// n = 4: r0 (primary, view 0) pre-prepares seq 1; prepares and commits, one prepare lost;
/// r2 crashed from 6 to 30 ms; then a view change to view 1 by r1..r3.
fn normal_case_with_faults() -> (TraceTrial, Vec<TraceEvent>) {
    let crash = FaultPeriod {
        kind: "crash",
        replicas: vec![2],
        from_ms: 6.0,
        until_ms: Some(30.0),
        detail: String::new(),
    };
    let trial = trial(4, Some((3, "SeedAdversary")), vec![crash]);
    let mut s = Script::default();
    for to in 1..4 {
        s.message(0.0, 0, to, "pre-prepare", 1, 1.0 + f64::from(to) * 0.2);
    }
    s.lost(2.0, 1, 3, "prepare", DropCause::Loss);
    s.message(2.0, 1, 2, "prepare", 1, 1.5);
    s.message(2.1, 2, 1, "prepare", 1, 1.5);
    s.message(4.0, 1, 2, "commit", 1, 1.0);
    s.message(4.0, 2, 1, "commit", 1, 1.2);
    let committed = |seq| Happening::Committed {
        seq,
        digest: Digest([0xab; 16]),
        requests: 1,
    };
    s.at(5.3, Some(NodeId::Replica(1)), committed(1));
    s.at(
        5.5,
        Some(NodeId::Replica(3)),
        Happening::Reject {
            reason: Rejection::ConflictingPrePrepare,
            class: Rejection::ConflictingPrePrepare.class(),
            from: Some(replica(0)),
            message: None,
        },
    );
    // r3's behaviour changes its (late) prepare to r0, r1 and r2 alike: one mark, "× 3".
    for to in 0..3 {
        s.at(
            5.6,
            Some(NodeId::Replica(3)),
            Happening::Tamper {
                change: Change::Changed,
                to: Some(replica(to)),
                msg: "prepare",
            },
        );
    }
    s.at(6.0, Some(NodeId::Replica(2)), Happening::Crash);
    // A commit r1 sends to r2 arrives while r2 is down.
    let message = MessageSummary {
        msg: "commit",
        ..MessageSummary::default()
    };
    let delays_ns = vec![ms_to_ns(2.0)];
    s.at(
        7.0,
        Some(NodeId::Replica(1)),
        Happening::Send {
            to: replica(2),
            message,
            delays_ns,
            slowed: None,
        },
    );
    s.at(
        9.0,
        Some(NodeId::Replica(1)),
        Happening::Drop {
            to: replica(2),
            message,
            cause: DropCause::Crash,
        },
    );
    for from in [1, 3] {
        for to in [0, 1, 2, 3] {
            if to != from {
                s.message(20.0, from, to, "view-change", 0, 2.0);
            }
        }
    }
    s.message(24.0, 1, 3, "new-view", 0, 1.0);
    s.at(
        25.0,
        Some(NodeId::Replica(1)),
        Happening::ViewEntered { view: 1 },
    );
    s.at(30.0, Some(NodeId::Replica(2)), Happening::Recover);
    (trial, s.events())
}

/// The texts of an SVG's `<text>` elements, trimmed.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            Some(body.trim().replace("&amp;", "&"))
        })
        .collect()
}

fn has_text(svg: &str, text: &str) -> bool {
    texts(svg).iter().any(|t| t == text)
}

fn draw_into(dir: &Path, chart: &SpacetimeChart) -> ((u64, u64), String) {
    let (svg, png) = (dir.join("spacetime.svg"), dir.join("spacetime.png"));
    let window = draw_spacetime(chart, &svg, &png).expect("the chart draws");
    let png_bytes = std::fs::read(&png).expect("the PNG is written");
    assert!(png_bytes.starts_with(b"\x89PNG"), "a PNG file");
    let text = std::fs::read_to_string(&svg).expect("the SVG is written");
    if let Some(keep) = std::env::var_os("SPACETIME_KEEP") {
        let keep = Path::new(&keep).join(chart.title.split(" ").next().unwrap_or("x"));
        std::fs::create_dir_all(&keep).ok();
        std::fs::copy(&svg, keep.join("spacetime.svg")).ok();
        std::fs::copy(&png, keep.join("spacetime.png")).ok();
    }
    (window, text)
}

#[test]
fn a_small_trace_shows_lanes_legend_drops_and_periods() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (trial, events) = normal_case_with_faults();
    let chart = SpacetimeChart {
        trial: &trial,
        events: &events,
        title: "synthetic · n = 4, f = 1".into(),
        note: None,
    };
    let ((from, until), svg) = draw_into(dir.path(), &chart);
    assert_eq!((from, until), (0, ms_to_ns(30.0)), "the whole trace fits");
    for label in ["r0", "r1", "r2", "c0", "r3 · SeedAdversary"] {
        assert!(
            has_text(&svg, label),
            "lane label {label}: {:?}",
            texts(&svg)
        );
    }
    for kind in [
        "pre-prepare",
        "prepare",
        "commit",
        "view-change",
        "new-view",
    ] {
        assert!(has_text(&svg, kind), "legend entry {kind}");
    }
    for mark in [
        "lost (network loss)",
        "arrived at crashed replica",
        "crash period",
        "committed",
        "input rejected",
        "behaviour tampered",
        "view entered (vN)",
    ] {
        assert!(has_text(&svg, mark), "legend entry {mark}");
    }
    assert!(
        !has_text(&svg, "reply"),
        "only the kinds drawn are in the legend"
    );
    assert!(has_text(&svg, "v1"), "the view entered is marked");
    assert!(
        has_text(&svg, "#1 abababab"),
        "the pre-prepare says what it proposes"
    );
    assert!(
        has_text(&svg, "conflicting_pre_prepare"),
        "the rejection says why"
    );
    // Nothing happens from 9 to 20 ms, 25 to 30 ms, nor 0.2 to 2 ms (over a 30th of 30 ms).
    let subtitle =
        "0–30 ms, all 16 messages · time compressed in 3 stretches with nothing drawn (grey)";
    assert!(has_text(&svg, subtitle), "the subtitle: {:?}", texts(&svg));
    assert!(has_text(&svg, "+11 ms"), "the long gap says how long it is");

    let picture = Picture::of(&chart);
    assert_eq!(picture.stubs.len(), 1, "one message lost by the network");
    assert_eq!(picture.stubs[0].cause, DropCause::Loss);
    let crashed: Vec<_> = picture
        .arrows
        .iter()
        .filter(|a| a.fate == Fate::RecipientCrashed)
        .map(|a| (a.from, a.to, a.arrives_ns))
        .collect();
    assert_eq!(crashed, vec![(1, 2, ms_to_ns(9.0))], "the copy r2 missed");
    let shade = &picture.shades[0];
    assert_eq!(
        (shade.lanes.clone(), shade.from_ns, shade.until_ns),
        (vec![2], ms_to_ns(6.0), ms_to_ns(30.0))
    );
}

#[test]
fn the_same_events_give_the_same_svg() {
    let (trial, events) = normal_case_with_faults();
    let chart = SpacetimeChart {
        trial: &trial,
        events: &events,
        title: "same".into(),
        note: Some("a note".into()),
    };
    let (a, b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (_, first) = draw_into(a.path(), &chart);
    let (_, second) = draw_into(b.path(), &chart);
    assert!(first == second, "byte-identical SVGs");
    assert!(first.contains("a note"), "the caller's note is shown");
}

#[test]
fn a_long_trace_is_windowed_and_says_so() {
    // 20 replicas, a broadcast round every ms for a second: 380 copies a round.
    let trial = trial(20, None, Vec::new());
    let mut s = Script::default();
    for round in 0..1000u32 {
        let from = round % 20;
        for to in (0..20).filter(|&to| to != from) {
            s.message(f64::from(round), from, to, "prepare", u64::from(round), 3.0);
        }
    }
    let events = s.events();
    let chart = SpacetimeChart {
        trial: &trial,
        events: &events,
        title: "long".into(),
        note: None,
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let ((from, until), svg) = draw_into(dir.path(), &chart);
    let picture = Picture::of(&chart);
    assert!(
        picture.arrows.len() <= MAX_ARROWS * 3 / 2,
        "{} arrows",
        picture.arrows.len()
    );
    assert_eq!(
        picture.lanes.len(),
        MAX_REPLICA_LANES + 1,
        "16 replicas and the client"
    );
    assert_eq!(from, 0);
    assert!(
        until > 0 && until < ms_to_ns(999.0),
        "a window, not the whole: {until}"
    );
    let shown = format!(
        "showing 0–{} ms of 1,002 ms; {} of 19,000 messages",
        grouped(until as f64 / 1e6),
        grouped(picture.messages_shown as f64)
    );
    // r16..r19 are not drawn, so rounds 16 to 19 send nothing drawn: from 18 ms (round 15's
    // arrivals) to 20 ms the axis is compressed.
    let subtitle = format!(
        "{shown} · first 17 of 21 nodes (at most 16 replicas, 4 clients) · time compressed \
         in 1 stretch with nothing drawn (grey)"
    );
    assert!(
        has_text(&svg, &subtitle),
        "the subtitle says the window: {:?}",
        texts(&svg)
    );
}

#[test]
fn thousands_are_grouped() {
    assert_eq!(grouped(1204.4), "1,204");
    assert_eq!(grouped(40_000.0), "40,000");
    assert_eq!(grouped(250.0), "250");
    assert_eq!(grouped(2.5), "2.5");
    assert_eq!(grouped(1_234_567.0), "1,234,567");
}

/// Collects a real trial's trace.
struct Collect(Arc<Mutex<(Option<TraceTrial>, Vec<TraceEvent>)>>);

impl TraceSink for Collect {
    fn start(&mut self, trial: &TraceTrial) {
        if let Ok(mut held) = self.0.lock() {
            held.0 = Some(trial.clone());
        }
    }
    fn event(&mut self, event: TraceEvent) {
        if let Ok(mut held) = self.0.lock() {
            held.1.push(event);
        }
    }
}

/// The trace of trial `trial` of point `point` of a catalogue scenario.
fn real_trace(file: &str, point: usize, trial: usize) -> (TraceTrial, Vec<TraceEvent>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let plan = crate::scenario::load(&path).expect("a catalogue scenario");
    let scenario = &plan.points[point].scenario;
    let seed = crate::sim::trial_seed(scenario.seed, point, trial);
    let spec = crate::scenario::trial_spec(scenario, seed);
    let held = Arc::new(Mutex::new((None, Vec::new())));
    crate::sim::run_trial_reference_traced(&spec, Box::new(Collect(held.clone())))
        .expect("the trial runs");
    let mut held = held.lock().expect("not poisoned");
    let trial = held.0.take().expect("the trial was announced");
    (trial, std::mem::take(&mut held.1))
}

fn draw_real(trial: &TraceTrial, events: &[TraceEvent], title: &str) -> String {
    let chart = SpacetimeChart {
        trial,
        events,
        title: title.into(),
        note: None,
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let started = std::time::Instant::now();
    let (_, svg) = draw_into(dir.path(), &chart);
    let took = started.elapsed();
    assert!(took.as_secs_f64() < 1.0, "{title} drawn in {took:?}");
    svg
}

#[test]
fn a_stalled_trial_shows_the_byzantine_primarys_forged_pre_prepares() {
    // seed-no-view-change with 3 byzantine replicas of 10 (f = 3): the first trial whose
    // primary r0 is byzantine; without view change it never commits.
    let (trial, events) = (0..6)
        .map(|t| real_trace("seed-no-view-change.ron", 3, t))
        .find(|(trial, _)| trial.nodes[0].behaviour.is_some())
        .expect("a trial with a byzantine primary");
    let svg = draw_real(&trial, &events, "seed-no-view-change · point 3");
    assert!(has_text(&svg, "r0") && has_text(&svg, "· SeedAdversary"));
    let chart = SpacetimeChart {
        trial: &trial,
        events: &events,
        title: String::new(),
        note: None,
    };
    let picture = Picture::of(&chart);
    let proposals: BTreeSet<_> = picture
        .arrows
        .iter()
        .filter(|a| a.from == 0 && KINDS[a.kind].0 == "pre-prepare")
        .filter_map(|a| a.label.clone())
        .collect();
    assert!(
        proposals.len() >= 9,
        "each backup got its own digest: {proposals:?}"
    );
    for proposal in &proposals {
        assert!(has_text(&svg, proposal), "{proposal} is labelled");
    }
    let executed = picture.marks.iter().any(|m| m.kind == MarkKind::Executed);
    assert!(!executed, "nothing executes");
}

#[test]
fn catalogue_traces_with_faults_draw_fast_with_their_faults() {
    let since = |events: Vec<TraceEvent>, ms: f64| -> Vec<TraceEvent> {
        events.into_iter().filter(|e| e.t_ms >= ms).collect()
    };
    // loss-burst at p = 0.3 from 300 ms (cut there, as `trace --from 290` would): messages
    // lost in the burst are stubs.
    let (trial, events) = real_trace("loss-burst.ron", 2, 0);
    let svg = draw_real(&trial, &since(events, 290.0), "loss-burst");
    assert!(has_text(&svg, "lost (loss burst)"), "{:?}", texts(&svg));
    // crash-recover, 80 requests at n = 4, from 90 ms (as `trace --from 90` cuts it): r2
    // crashes at 100 ms.
    let (trial, events) = real_trace("crash-recover.ron", 0, 0);
    let svg = draw_real(&trial, &events, "crash-recover whole");
    assert!(has_text(&svg, "r2"));
    let svg = draw_real(&trial, &since(events, 90.0), "crash-recover");
    assert!(has_text(&svg, "crash period"), "{:?}", texts(&svg));
    assert!(has_text(&svg, "crashed"));
    // partition-heals, [[0, 1], [2, 3]] from 200 to 700 ms.
    let (trial, events) = real_trace("partition-heals.ron", 1, 0);
    let svg = draw_real(&trial, &since(events, 190.0), "partition-heals");
    let cut = texts(&svg).iter().any(|t| t == "cut by partition");
    assert!(
        cut && has_text(&svg, "partition period"),
        "{:?}",
        texts(&svg)
    );
}

/// The chart's picture of `events`.
fn picture_of(trial: &TraceTrial, events: &[TraceEvent]) -> Picture {
    Picture::of(&SpacetimeChart {
        trial,
        events,
        title: String::new(),
        note: None,
    })
}

/// n = 4, a prepare broadcast by each replica in turn every ms for `rounds` ms (3 arrows a
/// ms, so the budget is spent after about 133 ms).
fn busy_rounds(rounds: u32) -> Script {
    let mut s = Script::default();
    for round in 0..rounds {
        let from = round % 4;
        for to in (0..4).filter(|&to| to != from) {
            s.message(f64::from(round), from, to, "prepare", u64::from(round), 0.5);
        }
    }
    s
}

#[test]
fn a_long_trace_opens_just_before_its_first_interesting_event() {
    let trial = trial(4, None, Vec::new());
    let mut s = busy_rounds(800);
    let partition = Happening::PartitionStart {
        groups: vec![vec![0, 1], vec![2, 3]],
        one_way: false,
    };
    s.at(400.25, None, partition);
    let events = s.events();
    let picture = picture_of(&trial, &events);
    let start = ms_to_ns(400.25);
    assert!(
        picture.from_ns < start && start - picture.from_ns <= ms_to_ns(10.0),
        "starts shortly before the partition: {}",
        picture.from_ns
    );
    assert!(
        picture.cut_short && picture.until_ns > start + ms_to_ns(20.0),
        "{}–{} ns, cut short: {}",
        picture.from_ns,
        picture.until_ns,
        picture.cut_short
    );
    let subtitle = picture.subtitle(None, 0);
    assert!(
        subtitle.contains("from just before the first partition"),
        "{subtitle}"
    );
    assert!(subtitle.starts_with(&format!(
        "showing {}–",
        grouped(picture.from_ns as f64 / 1e6)
    )));
    // The same event inside the window from the first event leaves that window alone.
    let mut s = busy_rounds(800);
    s.at(
        5.25,
        None,
        Happening::PartitionStart {
            groups: vec![vec![0], vec![1, 2, 3]],
            one_way: false,
        },
    );
    let events = s.events();
    let picture = picture_of(&trial, &events);
    assert_eq!(picture.from_ns, 0);
    assert!(picture.anchor.is_none() && picture.cut_short);
    // Deterministic: the same events, the same window.
    assert_eq!(picture_of(&trial, &events).until_ns, picture.until_ns);
}

#[test]
fn a_violation_soon_after_the_budget_is_in_the_window() {
    let trial = trial(4, None, Vec::new());
    let mut s = busy_rounds(50);
    // Quiet from 50 to 60 ms, then a violation and a little more traffic.
    let text = "agreement: replica 1 and replica 2 executed different batches".to_string();
    s.at(60.0, None, Happening::Violation { text });
    s.message(61.0, 0, 1, "commit", 1, 0.5);
    let events = s.events();
    let picture = picture_of(&trial, &events);
    assert!(
        picture
            .violations
            .iter()
            .any(|(at, _)| *at == ms_to_ns(60.0)),
        "the violation at 60 ms is drawn (window until {} ns)",
        picture.until_ns
    );
}

#[test]
fn catalogue_failures_are_windowed_on_what_matters() {
    // partition-heals point 1: the partition [[0, 1], [2, 3]] starts at 200 ms.
    let (trial, events) = real_trace("partition-heals.ron", 1, 0);
    let picture = picture_of(&trial, &events);
    let partition = ms_to_ns(200.0);
    assert!(
        picture.from_ns <= partition && partition < picture.until_ns,
        "{}–{} ns",
        picture.from_ns,
        picture.until_ns
    );
    assert!(!picture.shades.is_empty(), "the partition is shaded");
    // split-brain point 3 (failing): both violations (23.4 and 76.8 ms) are in the window of
    // a 30 s trace.
    let (trial, events) = real_trace("split-brain.ron", 3, 0);
    let violations: Vec<u64> = events
        .iter()
        .filter(|e| matches!(e.what, Happening::Violation { .. }))
        .map(|e| e.t_ns)
        .collect();
    assert!(violations.len() >= 2, "{violations:?}");
    let picture = picture_of(&trial, &events);
    assert!(picture.cut_short);
    assert_eq!(
        picture.violations.iter().map(|v| v.0).collect::<Vec<_>>(),
        violations,
        "every violation drawn"
    );
    // seed point 1 trial 3: the batch executes at about 605 ms, after the view change.
    let (trial, events) = real_trace("seed.ron", 1, 3);
    let picture = picture_of(&trial, &events);
    assert!(
        picture.marks.iter().any(|m| m.kind == MarkKind::Executed),
        "the execution is in the window (until {} ns)",
        picture.until_ns
    );
}

#[test]
fn each_compressed_gap_says_when_time_resumes() {
    let trial = trial(4, None, Vec::new());
    let mut s = Script::default();
    s.message(0.0, 0, 1, "prepare", 1, 2.0);
    s.message(300.0, 1, 2, "prepare", 1, 2.0);
    let events = s.events();
    let chart = SpacetimeChart {
        trial: &trial,
        events: &events,
        title: "gap".into(),
        note: None,
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_, svg) = draw_into(dir.path(), &chart);
    assert!(has_text(&svg, "+298 ms"), "{:?}", texts(&svg));
    assert!(has_text(&svg, "→ 300 ms"), "{:?}", texts(&svg));
}

#[test]
fn routine_rejections_are_faded_and_piles_grouped() {
    let trial = trial(4, None, Vec::new());
    let mut s = Script::default();
    s.message(0.0, 1, 0, "commit", 1, 1.0);
    let reject = |reason: Rejection| Happening::Reject {
        reason,
        class: reason.class(),
        from: Some(replica(1)),
        message: Some(MessageSummary {
            msg: "commit",
            ..MessageSummary::default()
        }),
    };
    for k in 0..10 {
        s.at(
            1.0 + f64::from(k) * 0.01,
            Some(NodeId::Replica(0)),
            reject(Rejection::Duplicate),
        );
    }
    s.at(
        5.0,
        Some(NodeId::Replica(2)),
        reject(Rejection::DigestMismatch),
    );
    s.at(
        9.0,
        Some(NodeId::Replica(3)),
        reject(Rejection::AlreadyExecuted),
    );
    s.message(9.0, 3, 2, "commit", 1, 1.0);
    let events = s.events();
    let picture = picture_of(&trial, &events);
    let kinds = |reason: &str| -> BTreeSet<MarkKind> {
        let named = |m: &&Mark| m.label.as_deref() == Some(reason);
        picture.marks.iter().filter(named).map(|m| m.kind).collect()
    };
    assert_eq!(kinds("duplicate"), [MarkKind::RoutineRejected].into());
    assert_eq!(
        kinds("already_executed"),
        [MarkKind::RoutineRejected].into()
    );
    assert_eq!(kinds("digest_mismatch"), [MarkKind::Rejected].into());
    let chart = SpacetimeChart {
        trial: &trial,
        events: &events,
        title: "rejections".into(),
        note: None,
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_, svg) = draw_into(dir.path(), &chart);
    let all = texts(&svg);
    assert!(has_text(&svg, "duplicate ×10"), "{all:?}");
    assert!(has_text(&svg, "digest_mismatch"), "{all:?}");
    assert!(
        !all.iter().any(|t| t.starts_with("already_executed")),
        "a lone routine rejection is not labelled: {all:?}"
    );
}

#[test]
fn the_axis_runs_past_the_last_arrival() {
    let trial = trial(4, None, Vec::new());
    let mut s = Script::default();
    s.message(0.0, 0, 1, "prepare", 1, 2.0);
    // The last event is a send whose copy arrives 8 ms later, beyond the events given.
    let message = MessageSummary {
        msg: "pre-prepare",
        ..MessageSummary::default()
    };
    let send = Happening::Send {
        to: replica(2),
        message,
        delays_ns: vec![ms_to_ns(8.0)],
        slowed: None,
    };
    s.at(10.0, Some(NodeId::Replica(0)), send);
    let events = s.events();
    let picture = picture_of(&trial, &events);
    let last = picture.arrows.last().expect("the last arrow is drawn");
    assert_eq!(last.arrives_ns, ms_to_ns(18.0));
    assert!(
        picture.axis_end_ns > last.arrives_ns,
        "room for its head: axis to {} ns",
        picture.axis_end_ns
    );
}

#[test]
fn an_empty_window_says_so() {
    let trial = trial(4, None, Vec::new());
    let chart = SpacetimeChart {
        trial: &trial,
        events: &[],
        title: "empty".into(),
        note: None,
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_, svg) = draw_into(dir.path(), &chart);
    assert!(
        has_text(&svg, "no events in this window"),
        "{:?}",
        texts(&svg)
    );
    assert!(!svg.contains("compressed"), "{:?}", texts(&svg));
}
