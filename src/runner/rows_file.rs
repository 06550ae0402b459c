//! The lossless rows file, JSON Lines: the format of `trials.partial.jsonl` (rows appended as
//! trials finish, read back by `--resume`) and of a shard's `shard.jsonl` (read back by
//! `merge`). `trials.csv` is for people and rounds to three decimals; this file is for the
//! runner, which must write from it, byte for byte, what an uninterrupted run writes.
//!
//! Layout: a first line that is a [`RowsHeader`] object (the format version, the scenario's
//! name and fingerprint, its sweep axes), then one [`TrialRecord`] object per line, in any
//! order. `serde_json` writes floats in their shortest round-trip form and, with its
//! `float_roundtrip` feature, reads them back to the same bits. Every line is encoded on its own
//! and ends with a newline, so a file that was cut short (a kill mid-write) loses at most its
//! last, unterminated line, which [`parse`] ignores.

use serde::{Deserialize, Serialize};

use crate::records::TrialRecord;

/// The `format` of a rows file this version writes and reads.
pub const FORMAT: &str = "pbft-sim trial rows v2";

/// The first line of a rows file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowsHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// The scenario's name (for people: the fingerprint is what is checked).
    pub scenario: String,
    /// The scenario's fingerprint (see [`super::saved::fingerprint`]).
    pub fingerprint: String,
    /// The sweep axes' paths, in order.
    pub axes: Vec<String>,
}

/// The rows of a file, read back.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedRows {
    /// The first line.
    pub header: RowsHeader,
    /// The complete rows, in file order.
    pub records: Vec<TrialRecord>,
    /// The file ended in an unterminated line (a row cut short), which was ignored.
    pub torn_tail: bool,
}

/// Why a rows file could not be read (each is one line, `line L: what is wrong`).
#[derive(Debug, thiserror::Error)]
pub enum RowsFileError {
    /// The first line is not a rows header.
    #[error("line 1: not a pbft-sim rows file (expected a JSON object with \"format\": \"{FORMAT}\"): {source}")]
    NotRowsFile {
        /// The JSON error.
        source: serde_json::Error,
    },
    /// The header names another format version.
    #[error("line 1: format `{found}`, expected `{FORMAT}`")]
    Format {
        /// The format found.
        found: String,
    },
    /// The header's sweep axes are not the scenario's.
    #[error("line 1: the sweep axes are not those of this scenario (expected {expected:?}, found {found:?})")]
    Axes {
        /// The scenario's axes.
        expected: Vec<String>,
        /// The file's.
        found: Vec<String>,
    },
    /// A row is not a trial record.
    #[error("line {line}: {source}")]
    Row {
        /// 1-based line number.
        line: usize,
        /// The JSON error.
        source: serde_json::Error,
    },
}

/// The first line, ending in a newline.
pub fn header_line(
    scenario: &str,
    fingerprint: &str,
    axes: &[String],
) -> serde_json::Result<Vec<u8>> {
    let header = RowsHeader {
        format: FORMAT.to_string(),
        scenario: scenario.to_string(),
        fingerprint: fingerprint.to_string(),
        axes: axes.to_vec(),
    };
    let mut line = serde_json::to_vec(&header)?;
    line.push(b'\n');
    Ok(line)
}

/// One row, a whole line ending in a newline.
pub fn encode_row(record: &TrialRecord) -> serde_json::Result<Vec<u8>> {
    let mut line = Vec::with_capacity(512);
    write_row(&mut line, record)?;
    Ok(line)
}

/// Writes one row, a whole line ending in a newline, to `out` as it is encoded (the bytes of
/// [`encode_row`], without holding them).
pub fn write_row(out: &mut impl std::io::Write, record: &TrialRecord) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

/// Reads a rows file. An unterminated last line is ignored (see [`ParsedRows::torn_tail`]).
/// Whether the rows are a given scenario's is the caller's to check ([`RowsHeader`]'s
/// fingerprint, then [`check_axes`]).
pub fn parse(text: &str) -> Result<ParsedRows, RowsFileError> {
    let (text, torn_tail) = match text.rfind('\n') {
        Some(end) => (&text[..=end], end + 1 < text.len()),
        None => ("", !text.is_empty()),
    };
    let mut lines = text.lines();
    let header: RowsHeader = serde_json::from_str(lines.next().unwrap_or(""))
        .map_err(|source| RowsFileError::NotRowsFile { source })?;
    if header.format != FORMAT {
        return Err(RowsFileError::Format {
            found: header.format,
        });
    }
    let records = lines
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|source| RowsFileError::Row {
                line: i + 2,
                source,
            })
        })
        .collect::<Result<Vec<TrialRecord>, _>>()?;
    Ok(ParsedRows {
        header,
        records,
        torn_tail,
    })
}

/// The header's sweep axes are `axes`.
pub fn check_axes(header: &RowsHeader, axes: &[String]) -> Result<(), RowsFileError> {
    if header.axes == axes {
        Ok(())
    } else {
        Err(RowsFileError::Axes {
            expected: axes.to_vec(),
            found: header.axes.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::outcome::TrialOutcome;

    fn record(point: usize, latencies: Vec<f64>, violations: Vec<String>) -> TrialRecord {
        TrialRecord {
            point,
            trial: 3,
            seed: u64::MAX - 7,
            axis_values: vec!["0.05".into(), "a, \"quoted\" label\n".into()],
            n: 4,
            f: 1,
            byzantine: 1,
            outcome: TrialOutcome {
                load: None,
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
                trace_hash: u64::MAX,
                request_times: latencies
                    .iter()
                    .enumerate()
                    .map(|(i, _)| {
                        crate::records::RequestTimes::new(
                            (i % 3) as u32,
                            i as u64 + 1,
                            Some(i as u64 * 7),
                            (i % 2 == 0).then_some(u64::MAX - 1 - i as u64),
                        )
                    })
                    .chain(std::iter::once(crate::records::RequestTimes::new(
                        u32::MAX,
                        u64::MAX,
                        None,
                        None,
                    )))
                    .collect(),
                latencies_ms: latencies,
                violation_details: violations
                    .iter()
                    .enumerate()
                    .map(|(i, _)| crate::records::ViolationDetail {
                        kind: crate::records::Property::Integrity,
                        at_ms: 0.1 + 0.2,
                        seq: (i == 0).then_some(u64::MAX),
                        replicas: vec![0, 3],
                        client: Some(2),
                        timestamp: None,
                    })
                    .collect(),
                violations,
                effects: crate::sim::FaultEffects {
                    dropped_loss: 9,
                    rejected_stale: u64::MAX,
                    ..Default::default()
                },
            },
        }
    }

    fn axes() -> Vec<String> {
        vec!["network.drop".into(), "label".into()]
    }

    fn file(records: &[TrialRecord]) -> String {
        let mut bytes = header_line("s", "0123abcd", &axes()).expect("header");
        for r in records {
            let line = encode_row(r).expect("row");
            assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1, "one line");
            assert_eq!(line.last(), Some(&b'\n'));
            bytes.extend(line);
        }
        String::from_utf8(bytes).expect("UTF-8")
    }

    #[test]
    fn rows_round_trip_to_the_bit() {
        // Values whose shortest decimal forms need all 17 digits, subnormals, extremes, -0.
        let hard = vec![
            1.0 / 3.0,
            0.1 + 0.2,
            2e-9,
            123456.789,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -0.0,
            9007199254740993.0,
            2.0_f64.sqrt() * 1e-7,
        ];
        let mut records = vec![
            record(
                0,
                hard,
                vec!["agreement: a; b, \"c\"\nnext".into(), String::new()],
            ),
            record(1, Vec::new(), Vec::new()),
            record(2, vec![0.0], Vec::new()),
        ];
        // Many pseudo-random bit patterns (finite ones) as well.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut random = Vec::new();
        while random.len() < 2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            if v.is_finite() {
                random.push(v);
            }
        }
        records.push(record(3, random, Vec::new()));
        let parsed = parse(&file(&records)).expect("parses");
        check_axes(&parsed.header, &axes()).expect("same axes");
        assert_eq!(parsed.header.fingerprint, "0123abcd");
        assert_eq!(parsed.header.scenario, "s");
        assert!(!parsed.torn_tail);
        assert_eq!(parsed.records.len(), records.len());
        for (a, b) in parsed.records.iter().zip(&records) {
            let (read, written) = (&a.outcome.latencies_ms, &b.outcome.latencies_ms);
            assert_eq!(read.len(), written.len());
            for (r, w) in read.iter().zip(written) {
                assert_eq!(r.to_bits(), w.to_bits(), "{w:e} came back as {r:e}");
            }
            assert_eq!(a.outcome.time_ms.to_bits(), b.outcome.time_ms.to_bits());
            assert_eq!(
                a.outcome.latency_ms.map(f64::to_bits),
                b.outcome.latency_ms.map(f64::to_bits)
            );
        }
        assert_eq!(parsed.records, records);
    }

    #[test]
    fn a_row_written_before_requests_and_details_were_kept_still_loads() {
        let mut row: serde_json::Value =
            serde_json::from_slice(&encode_row(&record(0, vec![1.5], Vec::new())).expect("row"))
                .expect("JSON");
        let outcome = row
            .get_mut("outcome")
            .and_then(|o| o.as_object_mut())
            .expect("an outcome object");
        assert!(outcome.remove("request_times").is_some());
        assert!(outcome.remove("violation_details").is_some());
        let old = format!("{}{row}\n", file(&[]));
        let parsed = parse(&old).expect("an older row parses");
        assert_eq!(parsed.records[0].outcome.latencies_ms, vec![1.5]);
        assert!(parsed.records[0].outcome.request_times.is_empty());
    }

    #[test]
    fn request_times_are_written_compactly() {
        let line = encode_row(&record(0, vec![1.5], Vec::new())).expect("row");
        let text = String::from_utf8(line).expect("UTF-8");
        assert!(
            text.contains(r#""request_times":[[0,1,0,18446744073709551614],[4294967295,18446744073709551615,null,null]]"#),
            "{text}"
        );
    }

    #[test]
    fn a_row_cut_short_is_ignored_and_reported() {
        let first = record(0, vec![1.5, 2.25], Vec::new());
        let text = file(std::slice::from_ref(&first));
        let whole = String::from_utf8(encode_row(&record(1, vec![3.0], Vec::new())).expect("row"))
            .expect("UTF-8");
        for cut in 1..whole.len() {
            let torn = format!("{text}{}", &whole[..cut]);
            let parsed = parse(&torn).expect("the complete rows parse");
            assert!(parsed.torn_tail);
            assert_eq!(parsed.records, vec![first.clone()]);
        }
    }

    #[test]
    fn wrong_files_are_one_line_errors() {
        let other_axes = header_line("s", "ab", &["x".to_string()]).expect("header");
        let other_axes = String::from_utf8(other_axes).expect("UTF-8");
        let bad = [
            ("".to_string(), "line 1: not a pbft-sim rows file"),
            (
                "point,trial\n".to_string(),
                "line 1: not a pbft-sim rows file",
            ),
            (
                "{\"format\":\"pbft-sim trial rows v9\",\"scenario\":\"s\",\"fingerprint\":\"ab\",\
                 \"axes\":[]}\n"
                    .to_string(),
                "line 1: format `pbft-sim trial rows v9`",
            ),
            (
                other_axes,
                "line 1: the sweep axes are not those of this scenario",
            ),
            (
                format!("{}{{\"point\":0}}\n", file(&[])),
                "line 2: missing field",
            ),
            (format!("{}\n", file(&[])), "line 2: EOF"),
        ];
        for (text, at) in bad {
            let e = parse(&text)
                .and_then(|parsed| check_axes(&parsed.header, &axes()))
                .expect_err(&text)
                .to_string();
            assert!(e.starts_with(at) && !e.contains('\n'), "{e}");
        }
    }
}
