//! n = 4, no faults, constant 10 ms links, one request: the normal case takes exactly five
//! message delays to the client (request, pre-prepare, prepare, commit, reply) and four to the
//! last commit, with 1 + 3 + 9 + 12 + 4 = 29 messages (Castro & Liskov §4.2).

use pbft_sim::adversary::{BehaviourSpec, ByzantineGroup, Placement};
use pbft_sim::net::{DelayProfile, NetworkConfig, Reorder};
use pbft_sim::protocol::ReplicaConfig;
use pbft_sim::sim::{run_trial_blocking, TrialSpec};

fn spec(requests: u64, byzantine: Vec<ByzantineGroup>) -> TrialSpec {
    TrialSpec {
        seed: 1,
        replica: ReplicaConfig {
            n: 4,
            f: 1,
            view_change: true,
            view_change_timeout_ns: 200_000_000,
            checkpoint_interval: 128,
            log_window: 256,
            batch_size: 1,
            batch_timeout_ns: 1_000_000,
            window: 64,
        },
        clients: 1,
        requests_per_client: requests,
        retransmit_ns: 300_000_000,
        network: NetworkConfig {
            delay: DelayProfile::Constant { ms: 10.0 },
            drop: 0.0,
            duplicate: 0.0,
            reorder: Reorder::default(),
        },
        byzantine,
        time_limit_ns: 10_000_000_000,
    }
}

#[test]
fn one_request_takes_five_delays_and_29_messages() {
    let out = run_trial_blocking(&spec(1, vec![])).expect("trial runs");
    assert!(out.success, "{out:?}");
    assert!(out.safety_ok);
    assert_eq!(out.latency_ms, Some(50.0));
    assert_eq!(out.commit_ms, Some(40.0));
    assert_eq!(out.messages, 29);
    assert_eq!(out.completed, 1);
    assert_eq!(out.view_changes, 0);
}

#[test]
fn silent_primary_costs_a_view_change() {
    let silent = ByzantineGroup {
        count: 1,
        placement: Placement::Primary,
        behaviour: BehaviourSpec::Silent,
    };
    let out = run_trial_blocking(&spec(10, vec![silent])).expect("trial runs");
    assert!(out.success, "{out:?}");
    assert!(out.safety_ok, "{out:?}");
    assert!(out.view_changes >= 1);
    eprintln!("{out:?}");
}
