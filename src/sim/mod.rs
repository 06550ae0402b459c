//! The simulation engine: actix actors in virtual time (DESIGN.md §2).
//!
//! One trial = one Network actor (clock, event heap, link RNG streams, oracle, metrics) driving
//! n Replica actors and c Client actors over typed actix messages. `run_trial` builds them from
//! a resolved `TrialSpec` and returns the trial's outcome; it must be awaited inside a running
//! `actix::System` (the runner gives each worker thread one).

pub mod actors;
pub mod metrics;
#[allow(unsafe_code)] // the in-flight slab writes free slots in place (see its SAFETY notes)
pub mod network;
pub mod nodes;
pub mod outcome;
pub mod queue;
pub mod seeds;
pub mod trial;
mod window;

pub use outcome::TrialOutcome;
pub use trial::{
    run_trial, run_trial_blocking, run_trial_reference, trial_lookahead_ns, TrialSpec,
};

/// What can go wrong inside the engine itself (never the protocol: that is data).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// An actor's mailbox closed while the network waited for its answer.
    #[error("actor mailbox failed: {0}")]
    Mailbox(String),
    /// The Network actor was asked to run twice.
    #[error("the trial was already run")]
    AlreadyRun,
    /// An event was created inside the lookahead window (a bug in the lookahead bound).
    #[error("an event was scheduled inside the lookahead window")]
    Lookahead,
    /// The trial's byzantine behaviours could not be built (a coalition asked for with two
    /// state types, a factory that refused).
    #[error("cannot build the byzantine behaviours: {0}")]
    Build(#[from] crate::adversary::BuildError),
    /// The actix system could not run the trial.
    #[error("actix system failed: {0}")]
    System(String),
}
