//! `run.json`: the run's totals and caller-supplied metadata.

use std::path::Path;

use serde_json::{Map, Value};

use super::atomic::write_bytes_atomically;
use super::ReportError;
use crate::records::RunResult;

/// Writes `run.json`, pretty-printed, with the keys in this order: `wall_s`, `trials`,
/// `messages` (sum over records), `events` (sum over records), `points`, `messages_per_s`
/// (`null` when the wall time is not positive), then the `extra` entries in their map's
/// iteration order. An extra entry whose key is one of the standard keys replaces that value
/// in place. Only `wall_s` (and so `messages_per_s`) varies between identical runs.
pub fn write_run_json(
    path: &Path,
    run: &RunResult,
    extra: &Map<String, Value>,
) -> Result<(), ReportError> {
    let entries = run_entries(run, extra);
    let mut bytes = serde_json::to_vec_pretty(&OrderedObject(&entries)).map_err(|source| {
        ReportError::Json {
            path: path.to_path_buf(),
            source,
        }
    })?;
    bytes.push(b'\n');
    write_bytes_atomically(path, &bytes)
}

/// Total point-to-point messages over all records.
pub(crate) fn total_messages(run: &RunResult) -> u64 {
    run.records.iter().map(|r| r.outcome.messages).sum()
}

/// Messages per wall-clock second; `None` when the wall time is not a positive number.
pub(crate) fn messages_per_second(run: &RunResult) -> Option<f64> {
    (run.wall_s.is_finite() && run.wall_s > 0.0).then(|| total_messages(run) as f64 / run.wall_s)
}

fn run_entries(run: &RunResult, extra: &Map<String, Value>) -> Vec<(String, Value)> {
    let events: u64 = run.records.iter().map(|r| r.outcome.events).sum();
    let mut entries: Vec<(String, Value)> = vec![
        ("wall_s".into(), Value::from(run.wall_s)),
        ("trials".into(), Value::from(run.records.len())),
        ("messages".into(), Value::from(total_messages(run))),
        ("events".into(), Value::from(events)),
        ("points".into(), Value::from(run.points)),
        (
            "messages_per_s".into(),
            Value::from(messages_per_second(run)),
        ),
    ];
    for (key, value) in extra {
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.clone(),
            None => entries.push((key.clone(), value.clone())),
        }
    }
    entries
}

/// A JSON object serialized in the order of its entries (independent of whether
/// `serde_json`'s `preserve_order` feature is on).
pub(crate) struct OrderedObject<'a>(pub(crate) &'a [(String, Value)]);

impl serde::Serialize for OrderedObject<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}
