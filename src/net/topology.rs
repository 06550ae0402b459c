//! Topology: regions, and one-way delays between them (links as the turmoil simulator models them).
//!
//! Replicas and clients may be placed in named regions. A message between two regions takes
//! the delay of the link `from -> to` if the scenario gives one, else of the link `to -> from`
//! (a link given once serves both ways), else the global profile. Inside a region, the
//! region's own `delay` applies if given, else the global profile. Nodes in no region use the
//! global profile for every link.

use serde::{Deserialize, Serialize};

use super::DelayProfile;

/// A named region and the nodes in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Its name, as links refer to it.
    pub name: String,
    /// Replica ids placed here.
    #[serde(default)]
    pub replicas: Vec<u32>,
    /// Client ids placed here.
    #[serde(default)]
    pub clients: Vec<u32>,
    /// Delay between two nodes of this region; default: the global profile.
    #[serde(default)]
    pub delay: Option<DelayProfile>,
}

/// The one-way delay from one region to another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Source region.
    pub from: String,
    /// Destination region.
    pub to: String,
    /// Delay of a message on this link.
    pub delay: DelayProfile,
}

/// The resolved topology of a trial: each node's region and a region-by-region profile table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Topology {
    /// Region index per node (replicas first, then clients); `None` outside every region.
    node_region: Vec<Option<usize>>,
    /// `table[from * regions + to]`: the profile, or `None` for the global one.
    table: Vec<Option<DelayProfile>>,
    regions: usize,
}

impl Topology {
    /// Resolves regions and links for `replicas` replicas and `clients` clients. Names and ids
    /// are validated by the scenario; unknown ones are ignored here.
    pub fn resolve(regions: &[Region], links: &[Link], replicas: u32, clients: u32) -> Topology {
        let r = regions.len();
        let mut node_region = vec![None; (replicas + clients) as usize];
        for (i, region) in regions.iter().enumerate() {
            for &id in &region.replicas {
                if let Some(slot) = node_region.get_mut(id as usize).filter(|_| id < replicas) {
                    *slot = Some(i);
                }
            }
            for &id in &region.clients {
                if let Some(slot) = node_region
                    .get_mut((replicas + id) as usize)
                    .filter(|_| id < clients)
                {
                    *slot = Some(i);
                }
            }
        }
        let index = |name: &str| regions.iter().position(|g| g.name == name);
        let mut table = vec![None; r * r];
        for (i, region) in regions.iter().enumerate() {
            table[i * r + i] = region.delay.clone();
        }
        // Reverse directions first, so that an explicit link in each direction wins.
        for link in links {
            if let (Some(a), Some(b)) = (index(&link.from), index(&link.to)) {
                if table[b * r + a].is_none() {
                    table[b * r + a] = Some(link.delay.clone());
                }
            }
        }
        for link in links {
            if let (Some(a), Some(b)) = (index(&link.from), index(&link.to)) {
                table[a * r + b] = Some(link.delay.clone());
            }
        }
        Topology {
            node_region,
            table,
            regions: r,
        }
    }

    /// Every profile the topology uses besides the global one.
    pub fn profiles(&self) -> impl Iterator<Item = &DelayProfile> {
        self.table.iter().flatten()
    }

    /// The profile for a message from node `from` to node `to`, if not the global one.
    pub fn profile(&self, from: u32, to: u32) -> Option<&DelayProfile> {
        let a = (*self.node_region.get(from as usize)?)?;
        let b = (*self.node_region.get(to as usize)?)?;
        self.table.get(a * self.regions + b)?.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: f64) -> DelayProfile {
        DelayProfile::constant(crate::net::Millis::new(ms).expect("a duration"))
    }

    #[test]
    fn links_fall_back_to_the_reverse_then_to_the_global_profile() {
        let regions = vec![
            Region {
                name: "a".into(),
                replicas: vec![0, 1],
                clients: vec![0],
                delay: Some(ms(1.0)),
            },
            Region {
                name: "b".into(),
                replicas: vec![2],
                clients: vec![],
                delay: None,
            },
            Region {
                name: "c".into(),
                replicas: vec![3],
                clients: vec![],
                delay: None,
            },
        ];
        let links = vec![
            Link {
                from: "a".into(),
                to: "b".into(),
                delay: ms(40.0),
            },
            Link {
                from: "c".into(),
                to: "a".into(),
                delay: ms(90.0),
            },
            Link {
                from: "a".into(),
                to: "c".into(),
                delay: ms(80.0),
            },
        ];
        let t = Topology::resolve(&regions, &links, 5, 1);
        assert_eq!(t.profile(0, 1), Some(&ms(1.0)), "inside a");
        assert_eq!(t.profile(5, 0), Some(&ms(1.0)), "client 0 sits in a");
        assert_eq!(t.profile(0, 2), Some(&ms(40.0)));
        assert_eq!(t.profile(2, 0), Some(&ms(40.0)), "reverse of a -> b");
        assert_eq!(t.profile(0, 3), Some(&ms(80.0)), "explicit a -> c");
        assert_eq!(t.profile(3, 0), Some(&ms(90.0)), "explicit c -> a");
        assert_eq!(t.profile(2, 3), None, "b <-> c: global");
        assert_eq!(t.profile(2, 2), None, "inside b: global");
        assert_eq!(t.profile(4, 0), None, "replica 4 is in no region");
    }
}
