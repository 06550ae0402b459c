//! Published figures beside the run's own (`reference:` in a scenario): for each cell, the
//! point it names, the run's value of the named `summary.csv` column there, the published
//! value and their difference in per cent. `run` prints it as a table
//! ([`reference_table`]) and every run's folder gets it as `reference.csv`
//! ([`write_reference_csv`]). No tolerance is applied: the reader judges the differences.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::atomic::write_bytes_atomically;
use super::summary::PointSummary;
use super::table::render_aligned;
use super::tidy_csv::{summary_table_fields, CsvBytes, Decimals};
use super::ReportError;
use crate::records::RunResult;

/// Published figures to compare with (the scenario's `reference`, as plain data).
#[derive(Clone, Copy, Debug)]
pub struct Published<'a> {
    /// Where they come from.
    pub source: &'a str,
    /// The `summary.csv` column compared.
    pub column: &'a str,
    /// The cells: the point each names (axis path -> value as its column shows it) and the
    /// published value.
    pub cells: &'a [(&'a BTreeMap<String, String>, f64)],
}

/// One cell compared.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparedCell {
    /// The cell's index in `reference.cells`.
    pub cell: usize,
    /// Its axis values, in the run's axis order (only the axes the cells name).
    pub at: Vec<String>,
    /// The run's value, as `summary.csv` writes it; `None` where the field is empty or no
    /// point matches.
    pub ours: Option<String>,
    /// The published value.
    pub published: f64,
    /// (ours - published) / published, in per cent; `None` without ours or with a published
    /// 0.
    pub difference_pct: Option<f64>,
}

/// The axes any cell names, in the run's axis order.
fn named_axes(run: &RunResult, published: &Published<'_>) -> Vec<String> {
    run.axes
        .iter()
        .filter(|a| published.cells.iter().any(|(at, _)| at.contains_key(*a)))
        .cloned()
        .collect()
}

/// Every cell of `published` compared with the run's `summary.csv` (`summaries`). A cell's
/// point is the first whose axis values are those the cell names (the scenario's check made
/// sure there is exactly one).
pub fn compare(
    run: &RunResult,
    summaries: &[PointSummary],
    published: &Published<'_>,
) -> Result<Vec<ComparedCell>, csv::Error> {
    let (header, rows) = summary_table_fields(run, summaries)?;
    let column = header.iter().position(|c| c == published.column);
    let axes = named_axes(run, published);
    let compared = published
        .cells
        .iter()
        .enumerate()
        .map(|(cell, (at, value))| {
            let matches = |s: &PointSummary| {
                at.iter().all(|(axis, want)| {
                    run.axes
                        .iter()
                        .position(|a| a == axis)
                        .and_then(|i| s.axis_values.get(i))
                        .is_some_and(|v| v == want)
                })
            };
            let ours = summaries
                .iter()
                .position(matches)
                .and_then(|p| rows.get(p))
                .zip(column)
                .and_then(|(row, c)| row.get(c))
                .filter(|text| !text.is_empty())
                .cloned();
            let difference_pct = ours
                .as_deref()
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|_| *value != 0.0)
                .map(|ours| (ours - value) / value * 100.0);
            ComparedCell {
                cell,
                at: axes
                    .iter()
                    .map(|a| at.get(a).cloned().unwrap_or_default())
                    .collect(),
                ours,
                published: *value,
                difference_pct,
            }
        })
        .collect();
    Ok(compared)
}

/// The table `run` prints: a heading naming the source and column, then one aligned line per
/// cell (its axis values, ours, published, difference), `-` for what is unknown. Ends with a
/// newline.
pub fn reference_table(
    run: &RunResult,
    published: &Published<'_>,
    cells: &[ComparedCell],
) -> String {
    let mut rows = Vec::with_capacity(cells.len() + 1);
    let mut header: Vec<String> = named_axes(run, published);
    header.extend(["ours", "published", "difference"].map(String::from));
    rows.push(header);
    for c in cells {
        let mut row = c.at.clone();
        row.push(c.ours.clone().unwrap_or_else(|| "-".to_string()));
        row.push(format!("{}", c.published));
        row.push(
            c.difference_pct
                .map_or_else(|| "-".to_string(), |d| format!("{d:+.1} %")),
        );
        rows.push(row);
    }
    format!(
        "reference: {} ({}, ours beside published)\n{}",
        published.source,
        published.column,
        render_aligned(&rows, 0)
    )
}

/// One row of `reference.csv` before its axis columns.
#[derive(Serialize)]
struct ReferenceRow<'a> {
    cell: usize,
    ours: Option<&'a str>,
    published: f64,
    difference_pct: Option<Decimals<3>>,
}

/// Writes `reference.csv`: `cell,ours,published,difference_pct`, then one column per axis the
/// cells name (in the run's axis order), one row per cell in the scenario's order. `ours` is
/// `summary.csv`'s text; `difference_pct` has three decimals; an unknown value is empty.
pub fn write_reference_csv(
    path: &Path,
    run: &RunResult,
    published: &Published<'_>,
    cells: &[ComparedCell],
) -> Result<(), ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut header: Vec<String> = ["cell", "ours", "published", "difference_pct"]
        .map(String::from)
        .to_vec();
    header.extend(named_axes(run, published));
    let mut file = CsvBytes::new(&header).map_err(csv_error)?;
    for c in cells {
        let row = ReferenceRow {
            cell: c.cell,
            ours: c.ours.as_deref(),
            published: c.published,
            difference_pct: c.difference_pct.map(Decimals),
        };
        file.serialize(&(row, &c.at)).map_err(csv_error)?;
    }
    write_bytes_atomically(path, &file.finish().map_err(csv_error)?)
}
