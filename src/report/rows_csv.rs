//! Trial rows, losslessly: the format of `trials.partial.csv` (rows appended as trials finish)
//! and of a shard's `shard.csv`. `trials.csv` is for people and rounds to three decimals; these
//! files are for the runner, which reads them back to resume a run or merge shards, and must
//! then write byte-for-byte what an uninterrupted run writes.
//!
//! Layout: a comment line `# pbft-sim trial rows v1, scenario <fingerprint>`, a CSV header,
//! then one CSV row per trial (any order). The columns are those of `trials.csv` plus `events`,
//! `state_transfers`, `trace_hash` and `latencies_ms`; floats are written with Rust's shortest
//! round-trip formatting (`{}`), so parsing gives back the same bits; `latencies_ms` is the
//! per-request latencies joined with `;`; `violations` is a JSON array of strings. Every row is
//! encoded on its own and ends with a newline, so a file that was cut short loses at most its
//! last, unterminated line.

use crate::records::TrialRecord;
use crate::sim::outcome::TrialOutcome;

/// The first line's text up to the fingerprint.
pub const ROWS_MAGIC: &str = "# pbft-sim trial rows v1, scenario ";

/// Columns after `point,trial,seed` and the axis columns.
const ROW_COLUMNS: [&str; 19] = [
    "n",
    "f",
    "byzantine",
    "success",
    "safety_ok",
    "requests",
    "completed",
    "latency_ms",
    "commit_ms",
    "messages",
    "events",
    "time_ms",
    "view_changes",
    "final_view",
    "state_transfers",
    "trace_hash",
    "violations",
    "latencies_ms",
    "end",
];

/// The rows of a file, read back.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedRows {
    /// The scenario fingerprint from the first line.
    pub fingerprint: String,
    /// The complete rows, in file order.
    pub records: Vec<TrialRecord>,
    /// The file ended in an unterminated line (a row cut short), which was ignored.
    pub torn_tail: bool,
}

/// The comment line and the CSV header for a scenario with these sweep `axes`.
pub fn rows_preamble(fingerprint: &str, axes: &[String]) -> Result<Vec<u8>, csv::Error> {
    let mut bytes = format!("{ROWS_MAGIC}{fingerprint}\n").into_bytes();
    bytes.extend(encode(&columns(axes))?);
    Ok(bytes)
}

/// One row, a whole line ending in a newline.
pub fn encode_row(record: &TrialRecord) -> Result<Vec<u8>, csv::Error> {
    let o = &record.outcome;
    let mut row = vec![
        record.point.to_string(),
        record.trial.to_string(),
        record.seed.to_string(),
    ];
    row.extend(record.axis_values.iter().cloned());
    let violations = serde_json::to_string(&o.violations).map_err(std::io::Error::from)?;
    row.extend([
        record.n.to_string(),
        record.f.to_string(),
        record.byzantine.to_string(),
        o.success.to_string(),
        o.safety_ok.to_string(),
        o.requests.to_string(),
        o.completed.to_string(),
        optional(o.latency_ms),
        optional(o.commit_ms),
        o.messages.to_string(),
        o.events.to_string(),
        o.time_ms.to_string(),
        o.view_changes.to_string(),
        o.final_view.to_string(),
        o.state_transfers.to_string(),
        o.trace_hash.to_string(),
        violations,
        o.latencies_ms
            .iter()
            .map(f64::to_string)
            .collect::<Vec<_>>()
            .join(";"),
        // A last field that is never empty: a row cut inside `latencies_ms` does not parse.
        "$".to_string(),
    ]);
    encode(&row)
}

/// Reads a rows file for a scenario with these sweep `axes`. An unterminated last line is
/// ignored (see [`ParsedRows::torn_tail`]). Errors are one line: `line L: what is wrong`.
pub fn parse_rows(text: &str, axes: &[String]) -> Result<ParsedRows, String> {
    let (text, torn_tail) = match text.rfind('\n') {
        Some(end) if end + 1 < text.len() => (&text[..=end], true),
        Some(_) => (text, false),
        None => ("", !text.is_empty()),
    };
    let (first, body) = text.split_once('\n').unwrap_or((text, ""));
    let fingerprint = first
        .strip_prefix(ROWS_MAGIC)
        .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric()))
        .ok_or_else(|| format!("line 1: not a pbft-sim rows file (expected `{ROWS_MAGIC}...`)"))?
        .to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let expected = columns(axes);
    let mut records = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| format!("line {line}: {e}"))?;
        let fields: Vec<&str> = row.iter().collect();
        if i == 0 {
            if fields != expected {
                return Err(format!(
                    "line 2: the columns are not those of this scenario (expected {})",
                    expected.join(",")
                ));
            }
            continue;
        }
        let record = decode_row(&fields, axes.len()).map_err(|e| format!("line {line}: {e}"))?;
        records.push(record);
    }
    Ok(ParsedRows {
        fingerprint,
        records,
        torn_tail,
    })
}

fn columns(axes: &[String]) -> Vec<String> {
    let mut columns = vec!["point".to_string(), "trial".into(), "seed".into()];
    columns.extend(axes.iter().cloned());
    columns.extend(ROW_COLUMNS.iter().map(|c| c.to_string()));
    columns
}

/// One CSV line of `fields`, ending in a newline (a row is written the moment its trial ends,
/// so the writer's buffer is sized for one line, not csv's default 8 KiB).
pub(crate) fn encode(fields: &[String]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .buffer_capacity(512)
        .from_writer(Vec::with_capacity(256));
    writer.write_record(fields)?;
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

fn optional(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Fields in column order, consumed one by one, each error naming its column.
struct Fields<'a> {
    fields: &'a [&'a str],
    next: usize,
    axis_count: usize,
}

impl<'a> Fields<'a> {
    fn name(&self) -> String {
        let at = self.next;
        match at.checked_sub(3) {
            None => ["point", "trial", "seed"][at].to_string(),
            Some(i) if i < self.axis_count => format!("axis {}", i + 1),
            Some(i) => ROW_COLUMNS
                .get(i - self.axis_count)
                .map_or_else(String::new, |c| c.to_string()),
        }
    }

    fn text(&mut self) -> &'a str {
        let field = self.fields.get(self.next).copied().unwrap_or("");
        self.next += 1;
        field
    }

    fn parse<T: std::str::FromStr>(&mut self) -> Result<T, String> {
        let name = self.name();
        let text = self.text();
        text.parse()
            .map_err(|_| format!("{name}: cannot read `{text}`"))
    }

    fn optional_f64(&mut self) -> Result<Option<f64>, String> {
        if self.fields.get(self.next).is_some_and(|f| f.is_empty()) {
            self.next += 1;
            Ok(None)
        } else {
            self.parse().map(Some)
        }
    }
}

fn decode_row(fields: &[&str], axis_count: usize) -> Result<TrialRecord, String> {
    let expected = 3 + axis_count + ROW_COLUMNS.len();
    if fields.len() != expected || fields.last() != Some(&"$") {
        return Err(format!(
            "expected {expected} fields ending in `$`, found {}",
            fields.len()
        ));
    }
    let mut f = Fields {
        fields,
        next: 0,
        axis_count,
    };
    let point = f.parse()?;
    let trial = f.parse()?;
    let seed = f.parse()?;
    let axis_values = (0..axis_count).map(|_| f.text().to_string()).collect();
    let n = f.parse()?;
    let faults = f.parse()?;
    let byzantine = f.parse()?;
    let mut outcome = TrialOutcome {
        success: f.parse()?,
        safety_ok: f.parse()?,
        requests: f.parse()?,
        completed: f.parse()?,
        latency_ms: f.optional_f64()?,
        commit_ms: f.optional_f64()?,
        messages: f.parse()?,
        events: f.parse()?,
        time_ms: f.parse()?,
        view_changes: f.parse()?,
        final_view: f.parse()?,
        state_transfers: f.parse()?,
        trace_hash: f.parse()?,
        ..TrialOutcome::default()
    };
    let violations = f.text();
    outcome.violations = serde_json::from_str(violations)
        .map_err(|e| format!("violations: cannot read `{violations}`: {e}"))?;
    let latencies = f.text();
    outcome.latencies_ms = latencies
        .split(';')
        .filter(|l| !latencies.is_empty() || !l.is_empty())
        .map(|l| {
            l.parse()
                .map_err(|_| format!("latencies_ms: cannot read `{l}`"))
        })
        .collect::<Result<_, _>>()?;
    Ok(TrialRecord {
        point,
        trial,
        seed,
        axis_values,
        n,
        f: faults,
        byzantine,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(point: usize, latencies: Vec<f64>, violations: Vec<String>) -> TrialRecord {
        TrialRecord {
            point,
            trial: 3,
            seed: u64::MAX - 7,
            axis_values: vec!["0.05".into(), "a, \"quoted\" label".into()],
            n: 4,
            f: 1,
            byzantine: 1,
            outcome: TrialOutcome {
                success: false,
                safety_ok: true,
                requests: 12,
                completed: latencies.len() as u64,
                latency_ms: latencies.first().copied(),
                commit_ms: None,
                messages: 1234,
                events: 5678,
                time_ms: 0.1 + 0.2,
                view_changes: 2,
                final_view: 3,
                state_transfers: 1,
                trace_hash: 0xDEAD_BEEF_1234_5678,
                latencies_ms: latencies,
                violations,
            },
        }
    }

    fn axes() -> Vec<String> {
        vec!["network.drop".into(), "label".into()]
    }

    #[test]
    fn rows_round_trip_exactly() {
        let records = vec![
            record(
                0,
                vec![1.0 / 3.0, 2e-9, 123456.789, 1e300, -0.0],
                vec!["agreement: a; b, \"c\"\nnext".into(), String::new()],
            ),
            record(1, Vec::new(), Vec::new()),
            record(2, vec![0.0], Vec::new()),
        ];
        let mut bytes = rows_preamble("0123abcd", &axes()).expect("preamble");
        for r in &records {
            let line = encode_row(r).expect("row");
            assert_eq!(line.last(), Some(&b'\n'));
            bytes.extend(line);
        }
        let text = String::from_utf8(bytes).expect("UTF-8");
        let parsed = parse_rows(&text, &axes()).expect("parses");
        assert_eq!(parsed.fingerprint, "0123abcd");
        assert!(!parsed.torn_tail);
        assert_eq!(parsed.records, records);
        for (a, b) in parsed.records.iter().zip(&records) {
            let bits = |r: &TrialRecord| -> Vec<u64> {
                r.outcome.latencies_ms.iter().map(|l| l.to_bits()).collect()
            };
            assert_eq!(bits(a), bits(b));
            assert_eq!(a.outcome.time_ms.to_bits(), b.outcome.time_ms.to_bits());
        }
    }

    #[test]
    fn a_row_cut_short_is_ignored_and_reported() {
        let first = record(0, vec![1.5, 2.25], Vec::new());
        let mut text =
            String::from_utf8(rows_preamble("ff", &axes()).expect("preamble")).expect("UTF-8");
        text.push_str(&String::from_utf8(encode_row(&first).expect("row")).expect("UTF-8"));
        let whole = String::from_utf8(encode_row(&record(1, vec![3.0], Vec::new())).expect("row"))
            .expect("UTF-8");
        for cut in 1..whole.len() {
            let torn = format!("{text}{}", &whole[..cut]);
            let parsed = parse_rows(&torn, &axes()).expect("the complete rows parse");
            assert!(parsed.torn_tail);
            assert_eq!(parsed.records, vec![first.clone()]);
        }
    }

    #[test]
    fn wrong_files_are_one_line_errors() {
        let bad = [
            ("", "line 1"),
            ("point,trial\n", "line 1"),
            (
                "# pbft-sim trial rows v1, scenario ab\npoint,trial\n",
                "line 2",
            ),
        ];
        for (text, at) in bad {
            let e = parse_rows(text, &axes()).expect_err(text);
            assert!(e.starts_with(at) && !e.contains('\n'), "{e}");
        }
        let mut text = String::from_utf8(rows_preamble("ab", &axes()).expect("p")).expect("u");
        text.push_str("0,x,1,a,b,4,1,0,true,true,1,1,,,1,1,1.0,0,0,0,0,[],,$\n");
        let e = parse_rows(&text, &axes()).expect_err("bad trial");
        assert!(e.starts_with("line 3: trial: cannot read `x`"), "{e}");
    }
}
