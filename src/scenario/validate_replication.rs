//! Checks of `protocol.replication: Unreplicated`, the baseline of Castro & Liskov, OSDI'99,
//! Table 1: one server, replica 0, running no protocol (`protocol::unreplicated`). What only
//! the replicated protocol has is refused, naming the field and the fix: byzantine replicas
//! (there is no protocol to attack, and one faulty server is simply wrong), faults naming
//! replicas other than 0 (there are none), and tentative execution (there is nothing to
//! prepare). `replicas` and `f` are ignored (the trial runs n = 1, f = 0).

use super::schema::{Replication, Scenario};
use crate::net::{Fault, FieldError};

/// Checks a scenario that asks for the unreplicated baseline; any other passes.
pub fn validate_replication(s: &Scenario) -> Result<(), FieldError> {
    if s.protocol.replication != Replication::Unreplicated {
        return Ok(());
    }
    if !s.byzantine.is_empty() {
        return Err(FieldError::new(
            "byzantine",
            "the unreplicated baseline has no byzantine replicas; remove `byzantine` or use `replication: Pbft`",
        ));
    }
    if s.protocol.tentative_execution {
        return Err(FieldError::new(
            "protocol.tentative_execution",
            "tentative execution needs the replicated protocol; remove it or use `replication: Pbft`",
        ));
    }
    for (i, fault) in s.faults.iter().enumerate() {
        let (field, ids): (&str, Vec<u32>) = match fault {
            Fault::Crash { replicas, .. } | Fault::Slow { replicas, .. } => {
                ("replicas", replicas.clone())
            }
            Fault::Partition { groups, .. } => ("groups", groups.concat()),
            _ => continue,
        };
        if let Some(bad) = ids.iter().find(|r| **r != 0) {
            return Err(FieldError::new(
                format!("faults[{i}].{field}"),
                format!(
                    "the unreplicated baseline has one server, replica 0; replica {bad} does not exist (name only replica 0, or use `replication: Pbft`)"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The error `parse` gives for an unreplicated scenario with `extra` in it, if any.
    fn refusal(extra: &str) -> Option<String> {
        let text = format!(
            "(\n    name: \"u\",\n    replicas: 4,\n    protocol: (replication: Unreplicated),\n{extra})"
        );
        crate::scenario::parse("u.ron", &text)
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn the_baseline_alone_is_accepted() {
        assert_eq!(refusal(""), None);
    }

    #[test]
    fn the_baseline_refuses_what_only_the_protocol_has() {
        let byzantine = refusal("    byzantine: [(count: 1, behaviour: Silent)],\n");
        assert!(
            byzantine
                .as_deref()
                .is_some_and(|e| e.starts_with("u.ron:5:") && e.contains("byzantine")),
            "{byzantine:?}"
        );
        let fault = refusal("    faults: [Crash(replicas: [2], at_ms: 5.0)],\n");
        assert!(
            fault.as_deref().is_some_and(|e| e.starts_with("u.ron:5:")
                && e.contains("faults[0].replicas")
                && e.contains("replica 2 does not exist")),
            "{fault:?}"
        );
        assert_eq!(
            refusal("    faults: [Crash(replicas: [0], at_ms: 5.0)],\n"),
            None
        );
        let text = "(\n    name: \"u\",\n    replicas: 4,\n    protocol: (replication: Unreplicated, tentative_execution: true),\n)";
        let tentative = crate::scenario::parse("u.ron", text)
            .err()
            .map(|e| e.to_string());
        assert!(
            tentative
                .as_deref()
                .is_some_and(|e| e.starts_with("u.ron:4:")
                    && e.contains("protocol.tentative_execution")
                    && e.contains("replication: Pbft")),
            "{tentative:?}"
        );
    }
}
