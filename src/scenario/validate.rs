//! Checks a scenario's values that no field's type can check alone (bounds against other
//! fields, names that must exist, ids in range), naming the offending field by its path.
//! Values with a range of their own were refused while the file was read (`net::checked`).

use super::schema::Scenario;
use crate::adversary::Placement;
use crate::net::FieldError;
use crate::protocol::quorum::default_f;

/// Checks every value of a scenario (after sweep values are applied).
pub fn validate(s: &Scenario) -> Result<(), FieldError> {
    if s.name.trim().is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    if s.name.contains(['/', '\\']) || s.name == "." || s.name == ".." {
        return Err(FieldError::new("name", "must not contain a path separator"));
    }
    if s.replicas == 0 {
        return Err(FieldError::new("replicas", "must be at least 1, got 0"));
    }
    if s.replicas > 4096 {
        return Err(FieldError::new(
            "replicas",
            format!("at most 4096 are supported, got {}", s.replicas),
        ));
    }
    if let Some(f) = s.f {
        // §4 / TOCS'02 §2.2: n replicas tolerate f faults only if n >= 3f+1.
        let n = u64::from(s.replicas);
        let most = default_f(s.replicas);
        if f > most {
            return Err(FieldError::new(
                "f",
                format!(
                    "f = {f} with n = {n} replicas breaks n >= 3f+1 (f = {f} needs n >= {}; n = {n} allows f <= {most})",
                    3 * u64::from(f) + 1
                ),
            ));
        }
    }
    if s.trials == 0 {
        return Err(FieldError::new("trials", "must be at least 1, got 0"));
    }
    s.network.validate().map_err(|e| e.within("network"))?;
    super::validate_replication::validate_replication(s)?;
    validate_byzantine(s)?;
    validate_topology(s)?;
    crate::net::FaultPlan::validate(&s.faults, s.replicas)?;
    super::validate_costs::validate_costs(s)?;
    let p = &s.protocol;
    if p.log_window < p.checkpoint_interval.get() {
        return Err(FieldError::new(
            "protocol.log_window",
            format!(
                "must be at least checkpoint_interval ({}) or the log fills before a checkpoint, got {}",
                p.checkpoint_interval, p.log_window
            ),
        ));
    }
    super::validate_workload::validate_workload(s)?;
    Ok(())
}

fn validate_byzantine(s: &Scenario) -> Result<(), FieldError> {
    let n = s.replicas;
    let mut total: u64 = 0;
    let mut named = std::collections::BTreeSet::new();
    for (i, group) in s.byzantine.iter().enumerate() {
        total += u64::from(group.count);
        crate::adversary::check_spec(&group.behaviour)
            .map_err(|why| FieldError::new(format!("byzantine[{i}].behaviour"), why.to_string()))?;
        if let Placement::Ids(ids) = &group.placement {
            for id in ids {
                if *id >= n {
                    return Err(FieldError::new(
                        format!("byzantine[{i}].placement"),
                        format!("replica id {id} does not exist (replicas: {n})"),
                    ));
                }
                if !named.insert(*id) {
                    return Err(FieldError::new(
                        format!("byzantine[{i}].placement"),
                        format!("replica {id} is named by more than one group or twice"),
                    ));
                }
            }
            if group.count as usize > ids.len() {
                return Err(FieldError::new(
                    format!("byzantine[{i}].count"),
                    format!(
                        "{} requested but only {} ids listed",
                        group.count,
                        ids.len()
                    ),
                ));
            }
        }
    }
    if total > u64::from(n) {
        return Err(FieldError::new(
            "byzantine",
            format!("{total} byzantine replicas requested but there are only {n} replicas"),
        ));
    }
    // Build the behaviours once, as a trial would: a coalition asked for with two state types
    // or a factory that refuses is reported here, before any trial runs.
    crate::adversary::check_build(&s.byzantine, n, effective_f(s)).map_err(|(i, why)| {
        FieldError::new(format!("byzantine[{i}].behaviour"), why.to_string())
    })?;
    Ok(())
}

fn validate_topology(s: &Scenario) -> Result<(), FieldError> {
    let mut names = std::collections::BTreeSet::new();
    let mut placed_replicas = std::collections::BTreeSet::new();
    let mut placed_clients = std::collections::BTreeSet::new();
    for (i, region) in s.regions.iter().enumerate() {
        let at = |field: &str| format!("regions[{i}].{field}");
        if !names.insert(region.name.as_str()) {
            return Err(FieldError::new(
                at("name"),
                format!("region `{}` is defined twice", region.name),
            ));
        }
        for r in &region.replicas {
            if *r >= s.replicas {
                return Err(FieldError::new(
                    at("replicas"),
                    format!("replica id {r} does not exist (replicas: {})", s.replicas),
                ));
            }
            if !placed_replicas.insert(*r) {
                return Err(FieldError::new(
                    at("replicas"),
                    format!("replica {r} is placed in two regions"),
                ));
            }
        }
        for c in &region.clients {
            if *c >= s.workload.clients.get() {
                return Err(FieldError::new(
                    at("clients"),
                    format!(
                        "client id {c} does not exist (clients: {})",
                        s.workload.clients
                    ),
                ));
            }
            if !placed_clients.insert(*c) {
                return Err(FieldError::new(
                    at("clients"),
                    format!("client {c} is placed in two regions"),
                ));
            }
        }
        if let Some(delay) = &region.delay {
            delay.validate().map_err(|e| e.within(&at("delay")))?;
        }
    }
    for (i, link) in s.links.iter().enumerate() {
        for (field, name) in [("from", &link.from), ("to", &link.to)] {
            if !names.contains(name.as_str()) {
                return Err(FieldError::new(
                    format!("links[{i}].{field}"),
                    format!("no region is named `{name}`"),
                ));
            }
        }
        link.delay
            .validate()
            .map_err(|e| e.within(&format!("links[{i}].delay")))?;
    }
    Ok(())
}

/// The fault bound a scenario runs with.
pub fn effective_f(s: &Scenario) -> u32 {
    s.f.unwrap_or_else(|| default_f(s.replicas))
}
