//! An open loop's request arrivals (`workload.arrivals: Poisson(per_second: ..)`): one Poisson
//! process of the total rate for all clients together, drawn from the trial's own arrivals
//! stream (`seeds::Stream::Arrivals`), so the same trial seed gives the same arrivals whatever
//! else the trial draws. Arrival k (k = 0, 1, ...) goes to client k mod clients: the clients
//! take turns, each gets exactly its `requests` arrivals, and the trial's total rate is the
//! scenario's rate (each client sees about 1/clients of it, with gaps that are sums of
//! `clients` exponential gaps rather than exponential themselves).

use std::sync::Arc;

use rand_distr::{Distribution, Exp};

use super::seeds::{stream, Stream};

/// The arrival times (virtual ns from the trial's start, ascending) of each of `clients`
/// clients' `requests` requests, for a Poisson process of `per_second` arrivals per virtual
/// second in all, drawn from trial `trial_seed`'s arrivals stream. Gaps are exponential with
/// mean 1 / `per_second` s, summed in f64 ns and rounded to the nearest ns. Empty lists when the
/// rate is not a finite number above 0 (the scenario's checked type refuses those).
pub fn poisson_arrivals(
    trial_seed: u64,
    clients: u32,
    requests: u64,
    per_second: f64,
) -> Vec<Arc<[u64]>> {
    let clients_n = clients as usize;
    let none = || vec![Arc::from(Vec::new()); clients_n];
    if !(per_second.is_finite() && per_second > 0.0) {
        return none();
    }
    let Ok(gap_s) = Exp::new(per_second) else {
        return none();
    };
    let mut rng = stream(trial_seed, Stream::Arrivals);
    let capacity = usize::try_from(requests).unwrap_or(0);
    let mut per_client: Vec<Vec<u64>> = (0..clients_n)
        .map(|_| Vec::with_capacity(capacity))
        .collect();
    let mut at_ns = 0.0f64;
    for _ in 0..requests {
        for times in &mut per_client {
            at_ns += gap_s.sample(&mut rng) * 1e9;
            // `as` saturates: a time past u64's range is never reached anyway.
            times.push(at_ns.round() as u64);
        }
    }
    per_client.into_iter().map(Arc::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_take_turns_and_get_their_requests_each() {
        let all = poisson_arrivals(7, 3, 5, 1000.0);
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(|times| times.len() == 5));
        // Interleaved: arrival k is client k mod 3's, so the merged list is ascending.
        let merged: Vec<u64> = (0..5)
            .flat_map(|i| all.iter().map(move |times| times[i]))
            .collect();
        assert!(merged.windows(2).all(|w| w[0] <= w[1]), "{merged:?}");
        assert!(merged[0] > 0);
    }

    #[test]
    fn a_bad_rate_gives_no_arrivals() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let all = poisson_arrivals(7, 2, 5, rate);
            assert!(all.iter().all(|t| t.is_empty()), "{rate}");
        }
    }
}
