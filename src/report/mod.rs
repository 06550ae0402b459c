//! The reporting stage of the simulator: it turns a finished [`RunResult`] into tidy files and
//! text. `trials.csv` has one row per trial, `summary.csv` one row per sweep point (pooled
//! latency percentiles, success and safety rates with 95 % intervals) and `summary.json` the
//! same rows as JSON, `requests.csv` one row per request, `run.json` the run's totals and
//! metadata, and `success.{png,svg}`, `latency.{png,svg}` and `latency-cdf.{png,svg}` chart the
//! sweep (see `docs/charts.md`). A compact table and a
//! throughput line are produced for stdout.
//!
//! Under a cost model (`RunResult::cost_warmups`) only: the cost columns of `trials.csv` and
//! `summary.csv`, `nodes.csv` (`costs_csv`) and the `throughput` and `latency-throughput`
//! charts (`throughput_chart`). A scenario's published figures (`reference`) are compared
//! with `summary.csv` for `run`'s table and `reference.csv`.
//!
//! A trace of one trial adds `trace.html`, a self-contained page to explore its events
//! (`TracePage`).
//!
//! A suite of scenarios adds `index.csv` and `index.md`, one row per scenario (`IndexRow`).
//!
//! `index.html` (module `html`) is the report a person opens first: one per run's folder (the
//! charts, the summary table, the scenario as run) and one per suite (a row per scenario,
//! success within f and beyond f apart, thumbnails).
//!
//! Every file is written to a temporary name in its destination directory and renamed into
//! place, so an interrupted run never leaves a half-written file under the final name.
//! Identical inputs give byte-identical CSV files (fixed float formatting).
//!
//! [`RunResult`]: crate::records::RunResult

mod atomic;
mod axis_names;
mod cdf;
mod chart_axis;
mod chart_data;
mod chart_draw;
mod charts;
mod costs_csv;
mod fonts;
mod html;
mod index;
mod intervals;
mod latency_chart;
mod reference;
mod requests_csv;
mod run_json;
mod spacetime;
mod summary;
mod summary_json;
mod table;
mod throughput_chart;
mod tidy_csv;
mod trace_html;
mod within_f;

#[cfg(test)]
mod chart_review_tests;
#[cfg(test)]
mod chart_tests;
#[cfg(test)]
mod costs_tests;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub(crate) use atomic::{
    write_atomically, write_bytes_atomically, write_bytes_atomically_unsynced,
};
pub use charts::{draw_charts, DrawnChart};
pub use costs_csv::{write_nodes_csv, PointCosts, NODES_COLUMNS};
pub use fonts::InvalidFont;
pub(crate) use html::{add_trace_links, write_run_html, write_suite_html, RunPage, TraceLink};
pub(crate) use index::{index_table, write_index_csv, write_index_md, IndexRow};
pub use reference::{compare, reference_table, write_reference_csv, ComparedCell, Published};
pub use requests_csv::{write_requests_csv, REQUESTS_COLUMNS};
pub(crate) use run_json::write_run_json;
pub(crate) use spacetime::{draw_spacetime, SpacetimeChart};
pub use summary::{summarize, PointSummary};
pub use summary_json::write_summary_json;
pub use table::summary_table;
pub(crate) use table::throughput_line;
pub(crate) use tidy_csv::{encode_trial_row, write_trials_rows, write_trials_rows_unsynced};
pub(crate) use tidy_csv::{summary_header, trials_header};
pub use tidy_csv::{violation_details, write_summary_csv, write_trials_csv};
pub(crate) use trace_html::{write_trace_html, TracePage};

/// Why a report file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Creating, writing or renaming the file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The CSV encoder failed.
    #[error("cannot encode CSV {path}: {source}")]
    Csv {
        /// The file being written.
        path: PathBuf,
        /// The underlying CSV error.
        source: csv::Error,
    },
    /// The JSON encoder failed.
    #[error("cannot encode JSON {path}: {source}")]
    Json {
        /// The file being written.
        path: PathBuf,
        /// The underlying JSON error.
        source: serde_json::Error,
    },
    /// Plotters failed to draw or save a chart.
    #[error("cannot draw chart {path}: {message}")]
    Chart {
        /// The chart file being drawn.
        path: PathBuf,
        /// The drawing error, described.
        message: String,
    },
    /// The output folder could not be created.
    #[error("cannot create the output folder {path}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A previous run's file could not be removed before a new run.
    #[error("cannot remove the stale {path}")]
    RemoveStale {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The scenario could not be encoded as RON for `scenario.ron`.
    #[error("cannot write scenario.ron: {message}")]
    Ron {
        /// The file being written.
        path: PathBuf,
        /// The encoder's error, described.
        message: String,
    },
    /// The embedded chart font could not be registered.
    #[error("cannot register the chart font for {path}: {source}")]
    Font {
        /// The chart file that needed the font.
        path: PathBuf,
        /// Which font.
        source: fonts::InvalidFont,
    },
}
