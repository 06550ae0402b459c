//! Drawing concrete scenarios from a space. STUB: the space's owner replaces this file; `draw`
//! keeps its signature.

use super::Space;
use crate::scenario::Scenario;

/// Scenario `index` of `space`: a function of (space seed, index) only; one trial.
pub fn draw(space: &Space, index: u64) -> Scenario {
    let text = format!(
        "Scenario(name: \"{}-{index}\", seed: {}, replicas: 4, network: (delay: Uniform(min_ms: 1.0, max_ms: 20.0)))",
        space.name,
        space.seed.wrapping_mul(1_000_003).wrapping_add(index)
    );
    crate::scenario::parse("draw", &text)
        .expect("the stub's scenario is valid")
        .points
        .remove(0)
        .scenario
}
