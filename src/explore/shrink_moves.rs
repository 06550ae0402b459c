//! What a shrinking move is (a candidate scenario and its step in words), and the moves on the
//! deployment: fewer requests and clients, fewer byzantine replicas, a smaller n, tried in this
//! order after the fault moves (`shrink_faults`) and before the network and protocol moves
//! (`shrink_network`).
//!
//! Every move makes the scenario strictly smaller by some measure (faults, window lengths,
//! counts, n), so repeating them ends. A candidate may be invalid (a byzantine total above the
//! new n, say): the shrinker validates each one and skips those.

use crate::adversary::{ByzantineGroup, Placement};
use crate::net::Fault;
use crate::protocol::quorum::default_f;
use crate::scenario::{Scenario, Workload};

use super::{variant_name, Floor};

/// A candidate: a smaller scenario and what was done to make it.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    /// The step in words, e.g. `removed fault 2 (Loss)`.
    pub(super) step: String,
    /// The candidate scenario (its seed still the one it came from).
    pub(super) scenario: Scenario,
}

impl Candidate {
    /// A candidate made by `step`.
    pub(super) fn new(step: String, scenario: Scenario) -> Candidate {
        Candidate { step, scenario }
    }
}

/// A fault's kind, as RON writes it.
pub(super) fn fault_kind(fault: &Fault) -> String {
    variant_name(fault)
}

/// A byzantine group's behaviour, by its RON name (`SplitBrain`, `Mutate`).
pub(super) fn behaviour_name(group: &ByzantineGroup) -> String {
    variant_name(&group.behaviour)
}

/// `value` halved (not below `least`), then minus one: the distinct values below `value`.
fn smaller_counts(value: u64, least: u64) -> Vec<u64> {
    let mut out = Vec::new();
    for v in [(value / 2).max(least), value.saturating_sub(1).max(least)] {
        if v < value && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Moves 3: fewer requests per client, then fewer clients (halved, then minus one, down to
/// the floor). Clients gone are dropped from the regions.
pub(super) fn smaller_workload(s: &Scenario, floor: &Floor) -> Vec<Candidate> {
    let mut out = Vec::new();
    let requests = s.workload.requests.get();
    for r in smaller_counts(requests, floor.requests.max(1)) {
        let Ok(count) = crate::net::CountU64::new(r) else {
            continue;
        };
        let mut c = s.clone();
        c.workload = Workload {
            requests: count,
            ..c.workload.clone()
        };
        out.push(Candidate::new(format!("requests {requests} -> {r}"), c));
    }
    let clients = s.workload.clients.get();
    for k in smaller_counts(u64::from(clients), u64::from(floor.clients.max(1))) {
        let Ok(k) = u32::try_from(k) else { continue };
        let Ok(count) = crate::net::CountU32::new(k) else {
            continue;
        };
        let mut c = s.clone();
        c.workload = Workload {
            clients: count,
            ..c.workload.clone()
        };
        for region in &mut c.regions {
            region.clients.retain(|&id| id < k);
        }
        out.push(Candidate::new(format!("clients {clients} -> {k}"), c));
    }
    out
}

/// Moves 4: one byzantine replica fewer, from the last group to the first (a group of one is
/// removed), down to `floor.byzantine` in total; then each group of count 0 removed.
pub(super) fn fewer_byzantine(s: &Scenario, floor: &Floor) -> Vec<Candidate> {
    let total: u32 = s.byzantine.iter().map(|g| g.count).sum();
    let mut out = Vec::new();
    if total > floor.byzantine {
        for (i, group) in s.byzantine.iter().enumerate().rev() {
            if group.count == 0 {
                continue;
            }
            let mut c = s.clone();
            let name = behaviour_name(group);
            let step = if group.count == 1 {
                c.byzantine.remove(i);
                format!(
                    "byzantine {total} -> {} (removed group {i}, {name})",
                    total - 1
                )
            } else {
                let g = &mut c.byzantine[i];
                g.count -= 1;
                if let Placement::Ids(ids) = &mut g.placement {
                    ids.truncate(g.count as usize);
                }
                format!("byzantine {total} -> {} (group {i}, {name})", total - 1)
            };
            out.push(Candidate::new(step, c));
        }
    }
    for (i, group) in s.byzantine.iter().enumerate().rev() {
        if group.count == 0 {
            let mut c = s.clone();
            c.byzantine.remove(i);
            let step = format!(
                "removed empty byzantine group {i} ({})",
                behaviour_name(group)
            );
            out.push(Candidate::new(step, c));
        }
    }
    out
}

/// Moves 5: one replica fewer (down to `floor.replicas`), dropping replica ids that no longer
/// exist from faults, `Ids` placements and regions. A fault left with no replica (or a
/// partition with fewer than two groups) is removed, unless that would go below
/// `floor.faults`; a fixed `f` is clamped to what the new n allows.
pub(super) fn fewer_replicas(s: &Scenario, floor: &Floor) -> Vec<Candidate> {
    let n = s.replicas;
    if n <= floor.replicas.max(1) {
        return Vec::new();
    }
    let m = n - 1;
    let mut c = s.clone();
    c.replicas = m;
    c.f = c.f.map(|f| f.min(default_f(m)));
    let mut dropped = Vec::new();
    let mut kept = Vec::new();
    for (i, fault) in s.faults.iter().enumerate() {
        match without_replicas_from(fault, m) {
            Some(f) => kept.push(f),
            None => dropped.push(format!("fault {i} ({})", fault_kind(fault))),
        }
    }
    if kept.len() < floor.faults as usize {
        return Vec::new();
    }
    c.faults = kept;
    for group in &mut c.byzantine {
        if let Placement::Ids(ids) = &mut group.placement {
            ids.retain(|&id| id < m);
            group.count = group.count.min(ids.len() as u32);
        }
    }
    let byzantine: u32 = c.byzantine.iter().map(|g| g.count).sum();
    if byzantine < floor.byzantine {
        return Vec::new();
    }
    for region in &mut c.regions {
        region.replicas.retain(|&id| id < m);
    }
    let step = if dropped.is_empty() {
        format!("n {n} -> {m}")
    } else {
        format!("n {n} -> {m} (dropped {})", dropped.join(", "))
    };
    vec![Candidate::new(step, c)]
}

/// `fault` among `n` replicas: ids `>= n` dropped; `None` if nothing it acts on is left.
fn without_replicas_from(fault: &Fault, n: u32) -> Option<Fault> {
    let mut out = fault.clone();
    match &mut out {
        Fault::Crash { replicas, .. } | Fault::Slow { replicas, .. } => {
            replicas.retain(|&id| id < n);
            if replicas.is_empty() {
                return None;
            }
        }
        Fault::Partition { groups, .. } => {
            for g in groups.iter_mut() {
                g.retain(|&id| id < n);
            }
            groups.retain(|g| !g.is_empty());
            if groups.len() < 2 {
                return None;
            }
        }
        Fault::Loss { .. } => {}
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::tests_support::scenario;

    #[test]
    fn counts_halve_then_step_down_to_the_floor() {
        assert_eq!(smaller_counts(10, 1), vec![5, 9]);
        assert_eq!(smaller_counts(3, 1), vec![1, 2]);
        assert_eq!(smaller_counts(2, 1), vec![1]);
        assert_eq!(smaller_counts(4, 3), vec![3]);
        assert!(smaller_counts(1, 1).is_empty());
    }

    #[test]
    fn a_smaller_n_drops_the_ids_that_no_longer_exist() {
        let s = scenario(
            r#"Scenario(name: "t", replicas: 5, f: Some(1),
               byzantine: [(count: 2, placement: Ids([1, 4]), behaviour: Silent)],
               faults: [
                 Crash(replicas: [4], at_ms: 10.0),
                 Partition(groups: [[0, 1], [4]], from_ms: 0.0, until_ms: 50.0),
                 Slow(replicas: [2, 4], factor: 2.0, from_ms: 0.0, until_ms: 50.0),
               ])"#,
        );
        let moves = fewer_replicas(&s, &Floor::default());
        assert_eq!(moves.len(), 1);
        let c = &moves[0];
        assert_eq!(
            c.step,
            "n 5 -> 4 (dropped fault 0 (Crash), fault 1 (Partition))"
        );
        assert_eq!(c.scenario.replicas, 4);
        assert_eq!(c.scenario.f, Some(1));
        assert_eq!(c.scenario.faults.len(), 1);
        assert_eq!(c.scenario.byzantine[0].count, 1);
        assert_eq!(c.scenario.byzantine[0].placement, Placement::Ids(vec![1]));
        crate::scenario::validate::validate(&c.scenario).expect("still valid");
        let floor = Floor {
            faults: 3,
            ..Floor::default()
        };
        assert!(
            fewer_replicas(&s, &floor).is_empty(),
            "faults kept at the floor"
        );
    }

    #[test]
    fn byzantine_replicas_go_one_at_a_time_down_to_the_floor() {
        let s = scenario(
            r#"Scenario(name: "t", replicas: 7, byzantine: [
                 (count: 2, placement: Primary, behaviour: SplitBrain),
                 (count: 1, placement: Backups, behaviour: Silent),
               ])"#,
        );
        let steps: Vec<String> = fewer_byzantine(&s, &Floor::default())
            .into_iter()
            .map(|c| c.step)
            .collect();
        assert_eq!(
            steps,
            [
                "byzantine 3 -> 2 (removed group 1, Silent)",
                "byzantine 3 -> 2 (group 0, SplitBrain)"
            ]
        );
        let floor = Floor {
            byzantine: 3,
            ..Floor::default()
        };
        assert!(fewer_byzantine(&s, &floor).is_empty());
    }
}
