//! `requests.csv`: one row per request the clients of every trial sent, for latency
//! CDFs and per-request analysis (`docs/data.md`). Columns:
//! `point,trial,client,timestamp,sent,accepted,latency`; `point` and `trial` join the row to
//! `trials.csv`. Times are virtual milliseconds with three decimals, as in `trials.csv`;
//! `accepted` and `latency` are empty for a request that was never accepted. A request the
//! trial ended before its client sent it has no row (`trials.csv`'s `requests` counts it).
//!
//! The file can hold millions of rows, so it is streamed through a buffer into the temporary
//! file (then renamed into place, as every result file) instead of being built in memory, and
//! every field is a number written without the CSV encoder: none needs quoting.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::atomic::write_atomically;
use super::ReportError;
use crate::records::{RequestTimes, TrialRecord};

/// The header of `requests.csv`, in order.
pub const REQUESTS_COLUMNS: [&str; 7] = [
    "point",
    "trial",
    "client",
    "timestamp",
    "sent",
    "accepted",
    "latency",
];

/// Writes `requests.csv` for `records`, in their order (the run's (point, trial) order), each
/// trial's requests in (client, timestamp) order.
pub fn write_requests_csv(path: &Path, records: &[TrialRecord]) -> Result<(), ReportError> {
    let io_error = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    write_atomically(path, |tmp| {
        let file = File::create(tmp).map_err(io_error)?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        write_rows(&mut out, records).map_err(io_error)?;
        let file = out.into_inner().map_err(|e| io_error(e.into_error()))?;
        file.sync_all().map_err(io_error)
    })
}

/// The file's bytes, header first.
fn write_rows(out: &mut impl Write, records: &[TrialRecord]) -> std::io::Result<()> {
    out.write_all(REQUESTS_COLUMNS.join(",").as_bytes())?;
    out.write_all(b"\n")?;
    for record in records {
        for request in &record.outcome.request_times {
            write_row(out, record.point, record.trial, request)?;
        }
    }
    Ok(())
}

fn write_row(
    out: &mut impl Write,
    point: usize,
    trial: usize,
    request: &RequestTimes,
) -> std::io::Result<()> {
    write!(
        out,
        "{point},{trial},{},{},",
        request.client(),
        request.timestamp()
    )?;
    if let Some(sent) = request.sent_ns() {
        write_ms(out, sent)?;
    }
    out.write_all(b",")?;
    if let Some(accepted) = request.accepted_ns() {
        write_ms(out, accepted)?;
    }
    out.write_all(b",")?;
    if let Some(latency) = request.latency_ms() {
        write!(out, "{latency:.3}")?;
    }
    out.write_all(b"\n")
}

/// Virtual nanoseconds as milliseconds with three decimals, as `{:.3}` writes the float
/// `ns / 1e6` (the form every other millisecond column uses).
fn write_ms(out: &mut impl Write, ns: u64) -> std::io::Result<()> {
    write!(out, "{:.3}", ns as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::TrialOutcome;

    fn times(
        client: u32,
        timestamp: u64,
        sent: Option<u64>,
        accepted: Option<u64>,
    ) -> RequestTimes {
        RequestTimes::new(client, timestamp, sent, accepted)
    }

    fn record(point: usize, trial: usize, request_times: Vec<RequestTimes>) -> TrialRecord {
        TrialRecord {
            point,
            trial,
            seed: 1,
            axis_values: Vec::new(),
            n: 4,
            f: 1,
            byzantine: 0,
            outcome: TrialOutcome {
                request_times,
                ..TrialOutcome::default()
            },
        }
    }

    #[test]
    fn rows_are_tidy_and_missing_times_are_empty() {
        let records = [
            record(
                0,
                0,
                vec![
                    times(0, 1, Some(0), Some(50_000_000)),
                    times(0, 2, Some(50_000_000), Some(101_234_567)),
                    times(1, 1, Some(1_500), None),
                    times(1, 2, None, None),
                ],
            ),
            record(1, 3, vec![times(0, 1, Some(2_000_000), Some(2_000_001))]),
        ];
        let mut bytes = Vec::new();
        write_rows(&mut bytes, &records).expect("written to memory");
        assert_eq!(
            String::from_utf8(bytes).expect("UTF-8"),
            "point,trial,client,timestamp,sent,accepted,latency\n\
             0,0,0,1,0.000,50.000,50.000\n\
             0,0,0,2,50.000,101.235,51.235\n\
             0,0,1,1,0.002,,\n\
             0,0,1,2,,,\n\
             1,3,0,1,2.000,2.000,0.000\n"
        );
    }

    #[test]
    fn a_request_takes_32_bytes_and_never_is_none() {
        assert_eq!(std::mem::size_of::<RequestTimes>(), 32);
        let r = times(0, 1, None, None);
        assert_eq!(
            (r.sent_ns(), r.accepted_ns(), r.latency_ms()),
            (None, None, None)
        );
        let r = times(0, 1, Some(0), Some(u64::MAX - 1));
        assert_eq!(
            (r.sent_ns(), r.accepted_ns()),
            (Some(0), Some(u64::MAX - 1))
        );
    }

    #[test]
    fn the_latency_column_is_the_outcome_latency() {
        let r = times(3, 9, Some(1_000_333), Some(7_777_777_777));
        let mut bytes = Vec::new();
        write_row(&mut bytes, 0, 0, &r).expect("written");
        let line = String::from_utf8(bytes).expect("UTF-8");
        let latency = line.trim_end().rsplit(',').next().expect("a last field");
        let want = (7_777_777_777u64 - 1_000_333) as f64 / 1e6;
        assert_eq!(latency, format!("{want:.3}"));
        assert_eq!(r.latency_ms(), Some(want));
    }
}
