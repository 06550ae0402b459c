//! The simulation engine: actix actors in virtual time (docs/design.md, "The engine").
//!
//! One trial = one engine actor driving n Replica actors and c Client actors over typed actix
//! messages. The engine is made of components that own their state: the agenda (virtual clock,
//! event queue, payload slab: `agenda.rs`, `queue.rs`), the links (the `net` model applied with
//! per-sender RNG streams, timed faults: `links.rs`), the observer (oracle, metrics, counters,
//! trace hash: `observer.rs`, `metrics.rs`) and the lookahead (epochs of events handed over at
//! once: `lookahead.rs`); `engine.rs` runs them. `run_trial` builds a trial from a resolved
//! `TrialSpec` and returns its outcome; it must be awaited inside a running `actix::System`
//! (the runner gives each worker thread one). The reference drivers run the same engine over
//! the bare state machines, with no actix.
//!
//! Where the delays leave no lookahead, `run_trial` first tries a speculative one and runs the
//! trial again with the exact bound if it missed (`speculation.rs`).
//!
//! Public: [`run_trial`], [`run_trial_blocking`], [`run_trial_reference`],
//! [`run_trial_reference_with_lookahead`], [`trial_lookahead_ns`], [`trial_seed`],
//! [`TrialSpec`], [`TrialOutcome`], [`SimError`]; for speculation, [`trial_speculation_ns`],
//! [`run_trial_speculating_blocking`], [`run_trial_reference_speculating`],
//! [`speculation_misses`], [`Speculated`]. Everything else is the engine's own.

mod actors;
#[allow(unsafe_code)]
// the payload slab writes free slots in place and prefetches (SAFETY notes there)
mod agenda;
mod arrivals;
mod cpu;
mod engine;
mod links;
mod lookahead;
mod metrics;
mod nodes;
mod observer;
pub(crate) mod outcome;
mod queue;
pub(crate) mod seeds;
mod speculation;
pub mod trace;
mod tracer;
mod trial;

pub use arrivals::poisson_arrivals;
pub use outcome::{throughput_rps, FaultEffects, RequestTimes, TrialOutcome};
pub use seeds::trial_seed;
pub use speculation::{speculation_misses, Speculated};
pub use trial::{
    run_trial, run_trial_blocking, run_trial_reference, run_trial_reference_speculating,
    run_trial_reference_traced, run_trial_reference_with_lookahead, run_trial_speculating_blocking,
    run_trial_traced, trial_lookahead_ns, trial_speculation_ns, TrialSpec, TrialWorkload,
};

/// What can go wrong inside the engine itself (never the protocol: that is data).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// An actor's mailbox closed while the engine waited for its answer.
    #[error("actor mailbox failed: {0}")]
    Mailbox(String),
    /// The engine actor was asked to run twice.
    #[error("the trial was already run")]
    AlreadyRun,
    /// An event for another node was created inside a lookahead epoch: a bug in the exact
    /// bound, or a miss of a speculative one (which the trial's driver answers by running it
    /// again with the exact bound; `speculation.rs`).
    #[error("an event for another node was scheduled inside a lookahead epoch")]
    Lookahead,
    /// The trial's byzantine behaviours could not be built (a coalition asked for with two
    /// state types, a factory that refused).
    #[error("cannot build the byzantine behaviours: {0}")]
    Build(#[from] crate::adversary::BuildError),
    /// The actix system could not run the trial.
    #[error("actix system failed: {0}")]
    System(String),
}
