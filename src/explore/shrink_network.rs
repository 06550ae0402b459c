//! The shrinker's moves on the network and the protocol: constant delays instead of
//! distributions (the global profile, then each region's and each link's), no loss,
//! duplication or reordering (one at a time), and simpler protocol parameters (one field at a
//! time). Each move is a candidate scenario and a line saying what changed.

use crate::net::{DelayProfile, DelaySpec, Millis, Probability, Reorder};
use crate::scenario::{ProtocolConfig, Scenario};

use super::shrink_moves::Candidate;
use super::{variant_name, Floor};

/// Protocol fields shrinking never touches: they are the system under test, not a parameter
/// (a planted bug, when the crate is built with one).
const UNTOUCHED_PROTOCOL_FIELDS: &[&str] = &["planted_bug"];

/// A typical delay of the profile, ms: its median where that is simple (uniform, log-normal,
/// Pareto), else its mean (normal, truncated at 0; exponential); a shifted profile adds its
/// base.
fn typical_ms(spec: &DelaySpec) -> f64 {
    match spec {
        DelaySpec::Constant { ms } => ms.get(),
        DelaySpec::Uniform { min_ms, max_ms } => (min_ms.get() + max_ms.get()) / 2.0,
        DelaySpec::Normal { mean_ms, .. } => mean_ms.get().max(0.0),
        DelaySpec::LogNormal { median_ms, .. } => median_ms.get(),
        DelaySpec::Exponential { mean_ms } => mean_ms.get(),
        DelaySpec::Pareto { scale_ms, shape } => scale_ms.get() * 2f64.powf(1.0 / shape.get()),
        DelaySpec::Shifted { base_ms, profile } => base_ms.get() + typical_ms(profile),
    }
}

/// The constant profile standing for `profile`, and the step's text (`Uniform ->
/// Constant(ms: 10.5)`); `None` if it is constant already.
fn constant_for(profile: &DelayProfile) -> Option<(DelayProfile, String)> {
    let spec = profile.spec();
    if matches!(spec, DelaySpec::Constant { .. }) {
        return None;
    }
    // Rounded to a microsecond so that the file reads 10.5, not 10.500000000000002.
    let ms = (typical_ms(spec) * 1000.0).round() / 1000.0;
    let constant = DelayProfile::constant(Millis::new(ms).ok()?);
    Some((
        constant,
        format!("{} -> Constant(ms: {ms})", variant_name(spec)),
    ))
}

/// Moves 6: the global delay profile made constant, then each region's and each link's.
pub(super) fn constant_delays(s: &Scenario) -> Vec<Candidate> {
    let mut out = Vec::new();
    if let Some((constant, how)) = constant_for(&s.network.delay) {
        let mut c = s.clone();
        c.network.delay = constant;
        out.push(Candidate {
            step: format!("delays {how}"),
            scenario: c,
        });
    }
    for (i, region) in s.regions.iter().enumerate() {
        if let Some((constant, how)) = region.delay.as_ref().and_then(constant_for) {
            let mut c = s.clone();
            c.regions[i].delay = Some(constant);
            out.push(Candidate {
                step: format!("region {} delays {how}", region.name),
                scenario: c,
            });
        }
    }
    for (i, link) in s.links.iter().enumerate() {
        if let Some((constant, how)) = constant_for(&link.delay) {
            let mut c = s.clone();
            c.links[i].delay = constant;
            out.push(Candidate {
                step: format!("link {} -> {} delays {how}", link.from, link.to),
                scenario: c,
            });
        }
    }
    out
}

/// Moves 7: no loss (`drop`), no duplication, no reordering, one at a time.
pub(super) fn perfect_links(s: &Scenario) -> Vec<Candidate> {
    let mut out = Vec::new();
    let net = &s.network;
    if net.drop != Probability::ZERO {
        let mut c = s.clone();
        c.network.drop = Probability::ZERO;
        out.push(Candidate {
            step: format!("drop {} -> 0", net.drop.get()),
            scenario: c,
        });
    }
    if net.duplicate != Probability::ZERO {
        let mut c = s.clone();
        c.network.duplicate = Probability::ZERO;
        out.push(Candidate {
            step: format!("duplicate {} -> 0", net.duplicate.get()),
            scenario: c,
        });
    }
    if net.reorder.probability != Probability::ZERO {
        let mut c = s.clone();
        c.network.reorder = Reorder::default();
        out.push(Candidate {
            step: format!("reorder {} -> 0", net.reorder.probability.get()),
            scenario: c,
        });
    } else if net.reorder != Reorder::default() {
        // A reordering delay no message draws (probability 0): left out of the story.
        let mut c = s.clone();
        c.network.reorder = Reorder::default();
        out.push(Candidate {
            step: "unused reorder delay dropped".to_string(),
            scenario: c,
        });
    }
    out
}

/// A protocol value as a step writes it (`200.0`, `true`, `None`).
fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "None".to_string(),
        other => other.to_string(),
    }
}

/// Moves 8: each protocol field set to the floor's (`floor.protocol`, else
/// `ProtocolConfig::default()`), one field at a time, by name; fields in
/// [`UNTOUCHED_PROTOCOL_FIELDS`] are left as they are.
pub(super) fn simpler_protocol(s: &Scenario, floor: &Floor) -> Vec<Candidate> {
    let target = floor.protocol.clone().unwrap_or_default();
    let (Ok(serde_json::Value::Object(current)), Ok(serde_json::Value::Object(target))) = (
        serde_json::to_value(&s.protocol),
        serde_json::to_value(&target),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (field, wanted) in &target {
        if UNTOUCHED_PROTOCOL_FIELDS.contains(&field.as_str()) {
            continue;
        }
        let Some(now) = current.get(field) else {
            continue;
        };
        if now == wanted {
            continue;
        }
        let mut changed = current.clone();
        changed.insert(field.clone(), wanted.clone());
        let Ok(protocol) = serde_json::from_value::<ProtocolConfig>(changed.into()) else {
            continue;
        };
        let mut c = s.clone();
        c.protocol = protocol;
        out.push(Candidate {
            step: format!(
                "protocol.{field} {} -> {}",
                value_text(now),
                value_text(wanted)
            ),
            scenario: c,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::tests_support::scenario;

    #[test]
    fn distributions_become_their_typical_constant() {
        let s = scenario(
            r#"Scenario(name: "t", replicas: 4,
               network: (delay: Uniform(min_ms: 1.0, max_ms: 20.0), drop: 0.1, duplicate: 0.05,
                         reorder: (probability: 0.2, extra: Constant(ms: 3.0))),
               regions: [(name: "eu", replicas: [0, 1], delay: Some(LogNormal(median_ms: 20.0, sigma: 0.5)))],
               links: [(from: "eu", to: "eu", delay: Pareto(scale_ms: 10.0, shape: 1.0))])"#,
        );
        let steps: Vec<String> = constant_delays(&s).into_iter().map(|c| c.step).collect();
        assert_eq!(
            steps,
            [
                "delays Uniform -> Constant(ms: 10.5)",
                "region eu delays LogNormal -> Constant(ms: 20)",
                "link eu -> eu delays Pareto -> Constant(ms: 20)",
            ]
        );
        let steps: Vec<String> = perfect_links(&s).into_iter().map(|c| c.step).collect();
        assert_eq!(
            steps,
            ["drop 0.1 -> 0", "duplicate 0.05 -> 0", "reorder 0.2 -> 0"]
        );
    }

    #[test]
    fn protocol_fields_move_one_at_a_time_to_the_floor() {
        let s = scenario(
            r#"Scenario(name: "t", replicas: 4,
               protocol: (batch_size: 4, view_change_timeout_ms: 500.0))"#,
        );
        let moves = simpler_protocol(&s, &Floor::default());
        let steps: Vec<&str> = moves.iter().map(|c| c.step.as_str()).collect();
        assert_eq!(
            steps,
            [
                "protocol.batch_size 4 -> 1",
                "protocol.view_change_timeout_ms 500.0 -> 200.0"
            ]
        );
        assert_eq!(moves[0].scenario.protocol.batch_size.get(), 1);
        assert_eq!(
            moves[0].scenario.protocol.view_change_timeout_ms.get(),
            500.0
        );
        let floor = Floor {
            protocol: Some(s.protocol.clone()),
            ..Floor::default()
        };
        assert!(simpler_protocol(&s, &floor).is_empty());
    }
}
