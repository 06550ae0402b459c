//! pbft-sim: a deterministic, virtual-time simulator of Practical Byzantine Fault Tolerance
//! (Castro & Liskov, OSDI'99 and TOCS'02).
//!
//! Data flows one way:
//! `scenario` (RON, validated, sweeps expanded) -> `runner` (trials in parallel, per-trial seeds)
//! -> `sim` (actix: a Network actor with a virtual clock drives Replica and Client actors, which
//! run the pure state machines of `protocol`, wrapped by `adversary` behaviours, over the `net`
//! model, watched by the `oracle`) -> result rows -> `report` (CSV, JSON, charts).

pub mod adversary;
pub mod net;
pub mod oracle;
pub mod protocol;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sim;
