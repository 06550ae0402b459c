//! What a cost model adds to a run's folder, through the binary: without a `costs` section
//! no new column, file or chart; with one, trials.csv and summary.csv (and summary.json) end
//! in the cost columns, nodes.csv is written (byte-identical at 1 or 2 threads, after
//! `--resume` and after shards + `merge`, checked on rows that carry a load), and the
//! throughput charts are drawn, latency-throughput only when the clients are swept. A `Cases`
//! axis shows its cases' names in its column; a `reference` prints its table after `run` and
//! writes reference.csv; bad cases and references are one-line errors at their LINE:COL.

#![allow(clippy::panic)] // helpers outside #[test] functions fail a test by panicking

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::{assert_bad_input, pbft_sim, read_csv, Run, Scratch};

/// `pbft-sim run FILE --out OUT --quiet extra...`.
fn run(file: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![
        "run".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    pbft_sim(args)
}

fn assert_ok(run: &Run) {
    assert_eq!(run.code(), Some(0), "{}", run.show());
}

/// A small sweep: two cases of payload sizes x 1 or 2 clients, two trials each; `costs` is
/// inserted as given (empty for none).
fn scenario(costs: &str, extra: &str) -> String {
    format!(
        r#"Scenario(
    name: "costed",
    seed: 3,
    trials: 2,
    replicas: 4,
    workload: (clients: 1, requests: 6),{costs}
    sweep: [
        (path: "op", values: Cases([
            (name: "0/0", set: {{"workload.request_bytes": 0, "workload.reply_bytes": 0}}),
            (name: "0/4", set: {{"workload.request_bytes": 0, "workload.reply_bytes": 4096}}),
        ])),
        (path: "workload.clients", values: Values([1, 2])),
    ],{extra}
)
"#
    )
}

const COSTS: &str = "\n    costs: Some((warmup: 0.2)),";

const COST_TRIAL_COLUMNS: [&str; 6] = [
    "throughput_rps",
    "cpu_busiest",
    "cpu_replicas_mean",
    "cpu_clients_mean",
    "bytes_sent",
    "bytes_per_request",
];

const COST_SUMMARY_COLUMNS: [&str; 3] = [
    "throughput_mean_rps",
    "cpu_busiest_mean",
    "bytes_per_request_mean",
];

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_cost_columns_files_and_charts_come_only_with_a_cost_model() {
    let scratch = Scratch::new("costs-outputs");
    let plain = scratch.write("plain.ron", &scenario("", ""));
    let costed = scratch.write("costed.ron", &scenario(COSTS, ""));
    let (a, b) = (scratch.path("plain"), scratch.path("costed"));
    assert_ok(&run(&plain, &a, &[]));
    assert_ok(&run(&costed, &b, &[]));
    let new_files = [
        "nodes.csv",
        "throughput.png",
        "throughput.svg",
        "latency-throughput.png",
        "latency-throughput.svg",
    ];
    for name in new_files {
        assert!(!a.join(name).exists(), "{name} without costs");
        assert!(b.join(name).is_file(), "{name} with costs");
    }
    let (plain_header, plain_rows) = read_csv(&a.join("trials.csv"));
    let (header, rows) = read_csv(&b.join("trials.csv"));
    assert_eq!(
        plain_header.last().map(String::as_str),
        Some("violation_details")
    );
    assert_eq!(header[..plain_header.len()], plain_header[..]);
    assert_eq!(
        header[plain_header.len()..],
        COST_TRIAL_COLUMNS.map(String::from)
    );
    // The op column shows the cases' names.
    let ops: Vec<&str> = rows.iter().map(|r| r["op"].as_str()).collect();
    assert_eq!(
        ops,
        ["0/0", "0/0", "0/0", "0/0", "0/4", "0/4", "0/4", "0/4"]
    );
    // The protocol's columns are the same with and without the model (it costs nothing here).
    for (with, without) in rows.iter().zip(&plain_rows) {
        assert_eq!(with["latency_ms"], without["latency_ms"]);
        // Throughput is computed from the request times: six completions per client.
        let throughput: f64 = with["throughput_rps"].parse().expect("a throughput");
        assert!(throughput > 0.0, "{with:?}");
    }
    let (plain_summary, _) = read_csv(&a.join("summary.csv"));
    let (summary, summary_rows) = read_csv(&b.join("summary.csv"));
    assert_eq!(summary[..plain_summary.len()], plain_summary[..]);
    assert_eq!(
        summary[plain_summary.len()..],
        COST_SUMMARY_COLUMNS.map(String::from)
    );
    assert_eq!(summary_rows.len(), 4);
    let json: serde_json::Value =
        serde_json::from_slice(&read(b.join("summary.json"))).expect("JSON");
    let row = &json["rows"][0];
    assert!(row["throughput_mean_rps"].is_number(), "{row}");
    assert_eq!(row["op"], "0/0");
    let nodes = String::from_utf8(read(b.join("nodes.csv"))).expect("UTF-8");
    assert_eq!(
        nodes.lines().next(),
        Some("point,trial,node,role,busy_ms,utilisation,transmissions,bytes_sent")
    );
    let page = String::from_utf8(read(b.join("index.html"))).expect("UTF-8");
    for wanted in ["throughput.svg", "latency-throughput.svg", "nodes.csv"] {
        assert!(page.contains(wanted), "{wanted} on the page");
    }
    let plain_page = String::from_utf8(read(a.join("index.html"))).expect("UTF-8");
    assert!(!plain_page.contains("throughput.svg"));
    assert!(!plain_page.contains("nodes.csv"));
}

#[test]
fn latency_throughput_needs_the_load_swept() {
    let scratch = Scratch::new("costs-unswept");
    let text = scenario(COSTS, "").replace(
        r#"(path: "workload.clients", values: Values([1, 2])),"#,
        r#"(path: "protocol.batch_size", values: Values([1, 4])),"#,
    );
    let file = scratch.write("s.ron", &text);
    let out = scratch.path("out");
    assert_ok(&run(&file, &out, &[]));
    assert!(out.join("throughput.svg").is_file());
    assert!(!out.join("latency-throughput.svg").exists());
}

const REFERENCE: &str = r#"
    reference: Some((
        source: "a paper, Table 9",
        column: "latency_p50_ms",
        cells: [
            (at: {"op": "0/0", "workload.clients": "1"}, value: 3.35),
            (at: {"op": "0/4", "workload.clients": "2"}, value: 8.01),
        ],
    )),"#;

#[test]
fn a_reference_is_printed_and_written_beside_the_runs_values() {
    let scratch = Scratch::new("costs-reference");
    let file = scratch.write("r.ron", &scenario("", REFERENCE));
    let out = scratch.path("out");
    let done = run(&file, &out, &[]);
    assert_ok(&done);
    let (_, summary) = read_csv(&out.join("summary.csv"));
    let ours = |op: &str, clients: &str| {
        summary
            .iter()
            .find(|r| r["op"] == op && r["workload.clients"] == clients)
            .map(|r| r["latency_p50_ms"].clone())
            .expect("the point")
    };
    let (first, second) = (ours("0/0", "1"), ours("0/4", "2"));
    let pct = |ours: &str, published: f64| {
        let ours: f64 = ours.parse().expect("a number");
        (ours - published) / published * 100.0
    };
    let heading = done
        .stdout
        .lines()
        .position(|l| l == "reference: a paper, Table 9 (latency_p50_ms, ours beside published)")
        .unwrap_or_else(|| panic!("the reference heading\n{}", done.show()));
    let lines: Vec<&str> = done.stdout.lines().skip(heading + 1).take(3).collect();
    let words = |line: &str| -> Vec<String> { line.split_whitespace().map(String::from).collect() };
    assert_eq!(
        words(lines[0]),
        ["op", "workload.clients", "ours", "published", "difference"]
    );
    assert_eq!(
        words(lines[1]),
        [
            "0/0".to_string(),
            "1".to_string(),
            first.clone(),
            "3.35".to_string(),
            format!("{:+.1}", pct(&first, 3.35)),
            "%".to_string()
        ]
    );
    assert_eq!(words(lines[2])[..4], ["0/4", "2", second.as_str(), "8.01"]);
    let csv = String::from_utf8(read(out.join("reference.csv"))).expect("UTF-8");
    assert_eq!(
        csv,
        format!(
            "cell,ours,published,difference_pct,op,workload.clients\n\
             0,{first},3.35,{:.3},0/0,1\n1,{second},8.01,{:.3},0/4,2\n",
            pct(&first, 3.35),
            pct(&second, 8.01)
        )
    );
}

#[test]
fn bad_cases_and_references_are_one_line_errors_at_their_place() {
    let scratch = Scratch::new("costs-bad");
    let check = |name: &str, text: &str| {
        let file = scratch.write(name, text);
        pbft_sim(["check".as_ref(), file.as_os_str()])
    };
    let typo = scenario("", "").replace(
        "\"workload.reply_bytes\": 4096",
        "\"workload.reply_byte\": 4096",
    );
    assert_bad_input(
        &check("typo.ron", &typo),
        &[
            "typo.ron:10:13:",
            "sweep[0] (`op`), case `0/4`",
            "no `reply_byte` here",
        ],
    );
    let clash = scenario("", "").replace("workload.clients", "workload.reply_bytes");
    assert_bad_input(
        &check("clash.ron", &clash),
        &[
            "clash.ron:9:13:",
            "`workload.reply_bytes` is also set by sweep[1]",
        ],
    );
    let bad_cell = scenario(
        "",
        &REFERENCE.replace("\"0/4\", \"workload", "\"4/4\", \"workload"),
    );
    assert_bad_input(
        &check("cell.ron", &bad_cell),
        &[
            "cell.ron:19:13:",
            "reference.cells[1]",
            "`op` = `4/4` is no point's value",
        ],
    );
    let bad_column = scenario("", &REFERENCE.replace("latency_p50_ms", "p50"));
    assert_bad_input(
        &check("column.ron", &bad_column),
        &["column.ron:16:17:", "`p50` is not a summary.csv column"],
    );
}

/// Adds a load to every trial row of the rows file `path` (lines after the header), made
/// from the row's point and trial so that any two files of the same rows get the same loads.
fn add_loads(path: &Path) {
    let text = String::from_utf8(read(path.to_path_buf())).expect("UTF-8");
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else {
            let mut row: serde_json::Value = serde_json::from_str(line).expect("a row");
            let point = row["point"].as_u64().expect("point");
            let trial = row["trial"].as_u64().expect("trial");
            let clients = if point.is_multiple_of(2) { 1 } else { 2 };
            let nodes: Vec<serde_json::Value> = (0..4 + clients)
                .map(|k| {
                    serde_json::json!({
                        "busy_ns": 1_000_000 * (point + 1) + 1000 * trial + 7 * k,
                        "transmissions": 10 * k + trial,
                        "bytes_sent": 1000 * k + 3 * point,
                    })
                })
                .collect();
            row["outcome"]["load"] = serde_json::json!({ "nodes": nodes });
            out.push_str(&serde_json::to_string(&row).expect("JSON"));
        }
        out.push('\n');
    }
    std::fs::write(path, out).expect("write the rows");
}

#[test]
fn nodes_csv_is_the_same_at_any_thread_count_after_resume_and_after_merge() {
    let scratch = Scratch::new("costs-nodes");
    let file = scratch.write("n.ron", &scenario(COSTS, ""));
    // Fresh runs at 1 and 2 threads.
    let (one, two) = (scratch.path("one"), scratch.path("two"));
    assert_ok(&run(&file, &one, &["--threads", "1"]));
    assert_ok(&run(&file, &two, &["--threads", "2"]));
    for name in ["nodes.csv", "trials.csv", "summary.csv"] {
        assert!(read(one.join(name)) == read(two.join(name)), "{name}");
    }
    // Every trial saved, then stopped: its rows get loads, and --resume writes the files.
    let resumed = scratch.path("resumed");
    let stopped = run(&file, &resumed, &["--abort-after", "8", "--threads", "2"]);
    assert_ne!(stopped.code(), Some(0), "{}", stopped.show());
    add_loads(&resumed.join("trials.partial.jsonl"));
    assert_ok(&run(&file, &resumed, &["--resume", "--threads", "2"]));
    // Two shards, their rows given the same loads, merged.
    let shard = |i: usize| scratch.path(&format!("shard{i}"));
    for i in 1..=2 {
        assert_ok(&run(&file, &shard(i), &["--shard", &format!("{i}/2")]));
        add_loads(&shard(i).join("shard.jsonl"));
    }
    let merged = scratch.path("merged");
    let merge = pbft_sim([
        "merge".as_ref(),
        shard(2).as_os_str(),
        shard(1).as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    assert_ok(&merge);
    for name in ["nodes.csv", "trials.csv", "summary.csv", "summary.json"] {
        let (a, b) = (read(resumed.join(name)), read(merged.join(name)));
        assert!(
            a == b,
            "{name} differs\n{}\n---\n{}",
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        );
    }
    let (_, nodes) = read_csv(&merged.join("nodes.csv"));
    // 8 trials: points 0 and 2 have one client, points 1 and 3 two (as add_loads made them).
    assert_eq!(nodes.len(), 2 * (5 + 6 + 5 + 6));
    let first = &nodes[0];
    assert_eq!(
        [
            &first["point"],
            &first["trial"],
            &first["node"],
            &first["role"],
            &first["busy_ms"]
        ],
        ["0", "0", "r0", "replica", "1.000"]
    );
    let client = &nodes[4];
    assert_eq!([&client["node"], &client["role"]], ["c0", "client"]);
    // The trials' cost columns are computed from the same loads.
    let (_, trials) = read_csv(&merged.join("trials.csv"));
    assert_eq!(
        trials[0]["bytes_sent"],
        (1000 + 2000 + 3000 + 4000).to_string()
    );
    assert!(!trials[0]["cpu_busiest"].is_empty());
    assert!(names(&merged).contains(&"nodes.csv".to_string()));
}
