//! Checks a scenario's values, naming the offending field by its path.

use super::schema::Scenario;
use crate::adversary::Placement;
use crate::protocol::quorum::default_f;

/// A problem at a field: (path, what is wrong).
pub type Problem = (String, String);

fn problem(path: &str, message: impl Into<String>) -> Problem {
    (path.to_string(), message.into())
}

fn positive_ms(path: &str, v: f64) -> Result<(), Problem> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(problem(
            path,
            format!("must be a finite number of ms > 0, got {v}"),
        ))
    }
}

/// Checks every value of a scenario (after sweep values are applied).
pub fn validate(s: &Scenario) -> Result<(), Problem> {
    if s.name.trim().is_empty() {
        return Err(problem("name", "must not be empty"));
    }
    if s.name.contains(['/', '\\']) || s.name == "." || s.name == ".." {
        return Err(problem("name", "must not contain a path separator"));
    }
    if s.replicas == 0 {
        return Err(problem("replicas", "must be at least 1, got 0"));
    }
    if s.replicas > 4096 {
        return Err(problem(
            "replicas",
            format!("at most 4096 are supported, got {}", s.replicas),
        ));
    }
    if let Some(f) = s.f {
        // §4 / TOCS'02 §2.2: n replicas tolerate f faults only if n >= 3f+1.
        let n = u64::from(s.replicas);
        let most = default_f(s.replicas);
        if f > most {
            return Err(problem(
                "f",
                format!(
                    "f = {f} with n = {n} replicas breaks n >= 3f+1 (f = {f} needs n >= {}; n = {n} allows f <= {most})",
                    3 * u64::from(f) + 1
                ),
            ));
        }
    }
    if s.trials == 0 {
        return Err(problem("trials", "must be at least 1, got 0"));
    }
    if s.workload.clients == 0 {
        return Err(problem("workload.clients", "must be at least 1, got 0"));
    }
    if s.workload.requests == 0 {
        return Err(problem("workload.requests", "must be at least 1, got 0"));
    }
    s.network
        .validate()
        .map_err(|(field, why)| (format!("network.{field}"), why))?;
    validate_byzantine(s)?;
    validate_topology(s)?;
    crate::net::FaultPlan::validate(&s.faults, s.replicas)?;
    positive_ms("time_limit_ms", s.time_limit_ms)?;
    let p = &s.protocol;
    positive_ms("protocol.view_change_timeout_ms", p.view_change_timeout_ms)?;
    positive_ms("protocol.request_timeout_ms", p.request_timeout_ms)?;
    positive_ms("protocol.batch_timeout_ms", p.batch_timeout_ms)?;
    if let Some(period) = p.status_period_ms {
        positive_ms("protocol.status_period_ms", period)?;
    }
    if p.checkpoint_interval == 0 {
        return Err(problem(
            "protocol.checkpoint_interval",
            "must be at least 1, got 0",
        ));
    }
    if p.log_window < p.checkpoint_interval {
        return Err(problem(
            "protocol.log_window",
            format!(
                "must be at least checkpoint_interval ({}) or the log fills before a checkpoint, got {}",
                p.checkpoint_interval, p.log_window
            ),
        ));
    }
    if p.batch_size == 0 {
        return Err(problem("protocol.batch_size", "must be at least 1, got 0"));
    }
    if p.window == 0 {
        return Err(problem("protocol.window", "must be at least 1, got 0"));
    }
    Ok(())
}

fn validate_byzantine(s: &Scenario) -> Result<(), Problem> {
    let n = s.replicas;
    let mut total: u64 = 0;
    let mut named = std::collections::BTreeSet::new();
    for (i, group) in s.byzantine.iter().enumerate() {
        total += u64::from(group.count);
        crate::adversary::check_spec(&group.behaviour)
            .map_err(|why| problem(&format!("byzantine[{i}].behaviour"), why))?;
        if let Placement::Ids(ids) = &group.placement {
            for id in ids {
                if *id >= n {
                    return Err(problem(
                        &format!("byzantine[{i}].placement"),
                        format!("replica id {id} does not exist (replicas: {n})"),
                    ));
                }
                if !named.insert(*id) {
                    return Err(problem(
                        &format!("byzantine[{i}].placement"),
                        format!("replica {id} is named by more than one group or twice"),
                    ));
                }
            }
            if group.count as usize > ids.len() {
                return Err(problem(
                    &format!("byzantine[{i}].count"),
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
        return Err(problem(
            "byzantine",
            format!("{total} byzantine replicas requested but there are only {n} replicas"),
        ));
    }
    // Build the behaviours once, as a trial would: a coalition asked for with two state types
    // or a factory that refuses is reported here, before any trial runs.
    crate::adversary::check_build(&s.byzantine, n, effective_f(s))
        .map_err(|(i, why)| problem(&format!("byzantine[{i}].behaviour"), why.to_string()))?;
    Ok(())
}

fn validate_topology(s: &Scenario) -> Result<(), Problem> {
    let mut names = std::collections::BTreeSet::new();
    let mut placed_replicas = std::collections::BTreeSet::new();
    let mut placed_clients = std::collections::BTreeSet::new();
    for (i, region) in s.regions.iter().enumerate() {
        let at = |field: &str| format!("regions[{i}].{field}");
        if !names.insert(region.name.as_str()) {
            return Err(problem(
                &at("name"),
                format!("region `{}` is defined twice", region.name),
            ));
        }
        for r in &region.replicas {
            if *r >= s.replicas {
                return Err(problem(
                    &at("replicas"),
                    format!("replica id {r} does not exist (replicas: {})", s.replicas),
                ));
            }
            if !placed_replicas.insert(*r) {
                return Err(problem(
                    &at("replicas"),
                    format!("replica {r} is placed in two regions"),
                ));
            }
        }
        for c in &region.clients {
            if *c >= s.workload.clients {
                return Err(problem(
                    &at("clients"),
                    format!(
                        "client id {c} does not exist (clients: {})",
                        s.workload.clients
                    ),
                ));
            }
            if !placed_clients.insert(*c) {
                return Err(problem(
                    &at("clients"),
                    format!("client {c} is placed in two regions"),
                ));
            }
        }
        if let Some(delay) = &region.delay {
            delay
                .validate()
                .map_err(|(f, why)| (at(&format!("delay.{f}")), why))?;
        }
    }
    for (i, link) in s.links.iter().enumerate() {
        for (field, name) in [("from", &link.from), ("to", &link.to)] {
            if !names.contains(name.as_str()) {
                return Err(problem(
                    &format!("links[{i}].{field}"),
                    format!("no region is named `{name}`"),
                ));
            }
        }
        link.delay
            .validate()
            .map_err(|(f, why)| (format!("links[{i}].delay.{f}"), why))?;
    }
    Ok(())
}

/// The fault bound a scenario runs with.
pub fn effective_f(s: &Scenario) -> u32 {
    s.f.unwrap_or_else(|| default_f(s.replicas))
}
