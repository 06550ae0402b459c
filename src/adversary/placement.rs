//! Where byzantine replicas sit: each group of a scenario's `byzantine` list names a count, a
//! placement and a behaviour.

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::BehaviourSpec;
use crate::net::SimRng;
use crate::protocol::ReplicaId;

/// Every placement as a scenario writes it, with what it means: `(form, meaning)`, one entry
/// per [`Placement`] variant, in declaration order. Parse errors quote the form of the
/// placement being read, and `pbft-sim list placements` prints the table.
pub const FORMS: &[(&str, &str)] = &[
    (
        "Random",
        "chosen at random among replicas not yet taken (the default)",
    ),
    (
        "Primary",
        "the primaries of views 0, 1, 2, ...: replicas 0, 1, 2, ... not yet taken",
    ),
    (
        "Backups",
        "backups of view 0, from the last replica down: n-1, n-2, ... not yet taken",
    ),
    ("Ids([0, 3])", "the first count of these replica ids"),
];

/// Which replicas a group takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Placement {
    /// Chosen at random (from the trial's placement stream) among replicas not yet taken.
    #[default]
    Random,
    /// The primaries of views 0, 1, 2, ...: replicas 0, 1, 2, ... not yet taken.
    Primary,
    /// Backups of view 0, from the last replica down: n-1, n-2, ... not yet taken.
    Backups,
    /// The first `count` of these replicas.
    Ids(Vec<ReplicaId>),
}

/// A set of replicas sharing a behaviour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByzantineGroup {
    /// How many replicas.
    pub count: u32,
    /// Which ones.
    #[serde(default)]
    pub placement: Placement,
    /// What they do.
    pub behaviour: BehaviourSpec,
}

/// Assigns behaviours to replicas: `result[i]` is replica i's behaviour, `None` if honest.
/// Groups are placed in order; a later group never takes a replica an earlier one took.
/// Validation (counts, ids in range, no overlap of `Ids`) happens in `scenario`; here an
/// impossible request simply places fewer replicas.
pub fn place(groups: &[ByzantineGroup], n: u32, rng: &mut SimRng) -> Vec<Option<BehaviourSpec>> {
    place_groups(groups, n, rng)
        .into_iter()
        .map(|group| {
            group
                .and_then(|g| groups.get(g))
                .map(|g| g.behaviour.clone())
        })
        .collect()
}

/// As [`place`], but says which group (its index in `groups`) took each replica.
pub fn place_groups(groups: &[ByzantineGroup], n: u32, rng: &mut SimRng) -> Vec<Option<usize>> {
    let mut assigned: Vec<Option<usize>> = vec![None; n as usize];
    for (index, group) in groups.iter().enumerate() {
        let free: Vec<ReplicaId> = (0..n).filter(|&r| assigned[r as usize].is_none()).collect();
        let count = group.count as usize;
        let chosen: Vec<ReplicaId> = match &group.placement {
            Placement::Random => {
                let mut pool = free;
                pool.shuffle(rng);
                pool.truncate(count);
                pool
            }
            Placement::Primary => free.into_iter().take(count).collect(),
            Placement::Backups => free.into_iter().rev().take(count).collect(),
            Placement::Ids(ids) => ids
                .iter()
                .copied()
                .filter(|r| free.contains(r))
                .take(count)
                .collect(),
        };
        for r in chosen {
            assigned[r as usize] = Some(index);
        }
    }
    assigned
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn group(count: u32, placement: Placement) -> ByzantineGroup {
        ByzantineGroup {
            count,
            placement,
            behaviour: BehaviourSpec::Silent,
        }
    }

    fn taken(groups: &[ByzantineGroup], n: u32, seed: u64) -> Vec<u32> {
        let mut rng = SimRng::seed_from_u64(seed);
        place(groups, n, &mut rng)
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_some())
            .map(|(i, _)| i as u32)
            .collect()
    }

    #[test]
    fn placements() {
        assert_eq!(taken(&[group(2, Placement::Primary)], 7, 1), vec![0, 1]);
        assert_eq!(taken(&[group(2, Placement::Backups)], 7, 1), vec![5, 6]);
        assert_eq!(
            taken(&[group(1, Placement::Ids(vec![4, 2]))], 7, 1),
            vec![4]
        );
        let both = [group(1, Placement::Primary), group(1, Placement::Primary)];
        assert_eq!(taken(&both, 7, 1), vec![0, 1], "groups do not overlap");
        let random = taken(&[group(3, Placement::Random)], 10, 5);
        assert_eq!(random.len(), 3);
        assert_eq!(
            random,
            taken(&[group(3, Placement::Random)], 10, 5),
            "deterministic"
        );
    }

    #[test]
    fn every_form_parses_and_every_placement_has_one_in_order() {
        let index = |p: &Placement| match p {
            Placement::Random => 0,
            Placement::Primary => 1,
            Placement::Backups => 2,
            Placement::Ids(_) => 3,
        };
        let indices: Vec<usize> = FORMS
            .iter()
            .map(|(form, meaning)| {
                assert!(!meaning.is_empty(), "{form} has a meaning");
                let parsed = ron::from_str::<Placement>(form)
                    .unwrap_or_else(|e| panic!("{form} does not parse: {e}"));
                index(&parsed)
            })
            .collect();
        assert_eq!(indices, (0..4).collect::<Vec<_>>());
    }
}
