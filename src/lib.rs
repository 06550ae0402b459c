//! pbft-sim: a deterministic, virtual-time simulator of Practical Byzantine Fault Tolerance
//! (Castro & Liskov, OSDI'99 and TOCS'02).
//!
//! Data flows one way:
//! `scenario` (RON, validated, sweeps expanded) -> `runner` (trials in parallel, per-trial seeds)
//! -> `sim` (actix: an engine actor with a virtual clock drives Replica and Client actors, which
//! run the pure state machines of `protocol`, wrapped by `adversary` behaviours, over the `net`
//! model, watched by the `oracle`) -> `records` (what trials and runs produced) -> `report`
//! (CSV, JSON, charts); `cli` holds the verbs over all of it. No two top-level modules import
//! each other (`tests/module_layers.rs` checks it).
//!
//! Public, for users: scenarios (`scenario::load`, `parse`, `trial_spec`), running them
//! (`runner::run` with a `runner::Progress`, `sim::run_trial*`), the behaviour API
//! (`adversary::{Behaviour, Context, Outgoing, BuildContext, register}`), the protocol's
//! messages and state machines (`protocol`), what runs produce (`records`, `report`) and the
//! command line (`cli::main`). Engine internals, the CLI's resume/shard/suite machinery and the
//! replica's components are the crate's own.
//!
//! One trial from scenario text, with the reference driver (no actix needed):
//!
//! ```
//! let plan = pbft_sim::scenario::parse(
//!     "inline.ron",
//!     r#"Scenario(name: "doc", replicas: 4, network: (delay: Constant(ms: 10.0)))"#,
//! )
//! .expect("a valid scenario");
//! let spec = pbft_sim::scenario::trial_spec(&plan.points[0].scenario, 1);
//! let outcome = pbft_sim::sim::run_trial_reference(&spec).expect("the trial runs");
//! assert!(outcome.success && outcome.safety_ok);
//! // Request, pre-prepare, prepare, commit, reply: five 10 ms delays.
//! assert_eq!(outcome.latency_ms, Some(50.0));
//! ```

pub mod adversary;
pub mod cli;
pub mod costs;
pub mod explore;
pub mod net;
pub mod oracle;
pub mod protocol;
pub mod records;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sim;

/// The README, compiled: any Rust block it shows runs as a doctest (its `ron` and shell blocks
/// are checked by `tests/docs_code_blocks.rs`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The guide `docs/add-a-behaviour.md`, compiled: its Rust blocks run as doctests, so the guide
/// cannot drift from the `Behaviour` API.
#[cfg(doctest)]
#[doc = include_str!("../docs/add-a-behaviour.md")]
pub struct AddABehaviourGuide;
