//! `summary.json`: `summary.csv` for programs that read JSON (`docs/data.md`). It holds the
//! scenario's name, its sweep axes' names and the same rows as `summary.csv`, one object per
//! point with the same keys in the same order. It is built from the very fields `summary.csv`
//! writes, so a column added to the summary row appears in both files: a field that is a
//! number in the CSV is a JSON number (with the CSV's rounding), an empty one is `null`, an
//! axis value is a number where the axis is numeric and a string otherwise.

use std::path::Path;

use serde::Serialize;
use serde_json::{Number, Value};

use super::atomic::write_bytes_atomically;
use super::run_json::OrderedObject;
use super::summary::PointSummary;
use super::tidy_csv::summary_table_fields;
use super::ReportError;
use crate::records::RunResult;

/// Writes `summary.json`: `{"scenario": NAME, "axes": [PATH, ...], "rows": [{COLUMN: VALUE,
/// ...}, ...]}`, pretty-printed, with each row's keys in `summary.csv`'s column order.
pub fn write_summary_json(
    path: &Path,
    run: &RunResult,
    summaries: &[PointSummary],
) -> Result<(), ReportError> {
    let (header, rows) =
        summary_table_fields(run, summaries).map_err(|source| ReportError::Csv {
            path: path.to_path_buf(),
            source,
        })?;
    let rows: Vec<Vec<(String, Value)>> = rows
        .iter()
        .map(|fields| row_entries(&header, fields, &run.axes))
        .collect();
    let document = Document {
        scenario: &run.name,
        axes: &run.axes,
        rows: Rows(&rows),
    };
    let mut bytes = serde_json::to_vec_pretty(&document).map_err(|source| ReportError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
    write_bytes_atomically(path, &bytes)
}

/// The whole file; fields in this order.
#[derive(Serialize)]
struct Document<'a> {
    scenario: &'a str,
    axes: &'a [String],
    rows: Rows<'a>,
}

/// The rows, each an object whose keys keep column order (serde_json's `Map` would sort them
/// without its `preserve_order` feature).
struct Rows<'a>(&'a [Vec<(String, Value)>]);

impl Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|row| OrderedObject(row)))
    }
}

/// One row's (column, value) pairs, in column order.
fn row_entries(header: &[String], fields: &[String], axes: &[String]) -> Vec<(String, Value)> {
    header
        .iter()
        .zip(fields)
        .map(|(column, text)| {
            let value = if axes.contains(column) {
                axis_value(text)
            } else {
                field_value(text)
            };
            (column.clone(), value)
        })
        .collect()
}

/// A summary column's text as JSON: empty is `null`, an integer or a finite decimal a number,
/// `true`/`false` a boolean, anything else a string.
fn field_value(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    number(text).unwrap_or_else(|| match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::from(text),
    })
}

/// An axis value as JSON: a number if it reads as one, else the string as written (a
/// behaviour's name, say).
fn axis_value(text: &str) -> Value {
    number(text).unwrap_or_else(|| Value::from(text))
}

fn number(text: &str) -> Option<Value> {
    if let Ok(i) = text.parse::<u64>() {
        return Some(Value::from(i));
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::from(i));
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}
