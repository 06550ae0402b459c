//! Checks of a scenario's `workload` that its fields' types cannot make alone: a think time
//! with open-loop arrivals (think time is the closed loop's), an open loop whose requests
//! would arrive after the time limit or whose arrival times would not fit in memory, a closed
//! loop that thinks past the time limit. Payload sizes without a cost model are allowed (they
//! change nothing there), so that one workload runs with and without a model.

use super::schema::{Arrivals, Scenario};
use crate::net::FieldError;

/// The most requests an open loop may ask for in one trial: each one's arrival time is drawn
/// before the trial starts and held (8 bytes each) until it ends.
pub const MAX_OPEN_LOOP_REQUESTS: u64 = 50_000_000;

/// Checks `s.workload` against the rest of the scenario (after sweep values are applied).
pub fn validate_workload(s: &Scenario) -> Result<(), FieldError> {
    let w = &s.workload;
    let think_ms = w.think_time_ms.get();
    let limit_ms = s.time_limit_ms.get();
    let total = u64::from(w.clients.get()).saturating_mul(w.requests.get());
    match w.arrivals {
        Arrivals::Poisson { per_second } => {
            if think_ms > 0.0 {
                return Err(FieldError::new(
                    "workload.think_time_ms",
                    format!(
                        "a think time ({think_ms} ms) is for the closed loop, but requests arrive \
                         open loop (`arrivals: Poisson(..)`), whatever the replies: remove \
                         `think_time_ms`, or write `arrivals: Closed`"
                    ),
                ));
            }
            if total > MAX_OPEN_LOOP_REQUESTS {
                return Err(FieldError::new(
                    "workload.requests",
                    format!(
                        "an open loop draws every arrival before the trial starts: at most \
                         {MAX_OPEN_LOOP_REQUESTS} requests in all (clients x requests), got \
                         {total}"
                    ),
                ));
            }
            // The expected time of the last arrival.
            let last_ms = total as f64 / per_second.get() * 1e3;
            if last_ms > limit_ms {
                return Err(FieldError::new(
                    "workload.arrivals",
                    format!(
                        "at {} per second the last of {total} requests arrives about \
                         {last_ms:.0} ms in, after time_limit_ms ({limit_ms}): raise \
                         time_limit_ms above {last_ms:.0}, raise per_second, or ask for fewer \
                         requests",
                        per_second.get()
                    ),
                ));
            }
        }
        Arrivals::Closed => {
            let thinking_ms = think_ms * w.requests.get().saturating_sub(1) as f64;
            if thinking_ms >= limit_ms {
                return Err(FieldError::new(
                    "workload.think_time_ms",
                    format!(
                        "each client thinks {think_ms} ms between its {} requests, {thinking_ms} \
                         ms in all, which is not less than time_limit_ms ({limit_ms}): raise \
                         time_limit_ms or shorten the think time",
                        w.requests
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Millis, Positive};

    fn poisson(per_second: f64) -> Arrivals {
        Arrivals::Poisson {
            per_second: Positive::new(per_second).expect("a positive rate"),
        }
    }

    fn scenario() -> Scenario {
        let mut s: Scenario =
            ron::from_str(r#"Scenario(name: "w", replicas: 4)"#).expect("a scenario");
        s.workload.requests = crate::net::CountU64::new(100).expect("a count");
        s
    }

    fn path(s: &Scenario) -> Option<String> {
        validate_workload(s).err().map(|e| e.path)
    }

    #[test]
    fn the_default_workload_passes() {
        assert_eq!(path(&scenario()), None);
        let mut open = scenario();
        open.workload.arrivals = poisson(1000.0);
        assert_eq!(path(&open), None);
    }

    #[test]
    fn think_time_with_poisson_arrivals_is_refused() {
        let mut s = scenario();
        s.workload.arrivals = poisson(1000.0);
        s.workload.think_time_ms = Millis::new(2.0).expect("a duration");
        let e = validate_workload(&s).expect_err("refused");
        assert_eq!(e.path, "workload.think_time_ms");
        assert!(e.message.contains("arrivals: Closed"), "{}", e.message);
    }

    #[test]
    fn arrivals_or_thinking_past_the_time_limit_are_refused() {
        let mut slow = scenario();
        // 100 requests at 5 per second: the last arrives about 20 s in, after 10 s.
        slow.workload.arrivals = poisson(5.0);
        let e = validate_workload(&slow).expect_err("refused");
        assert_eq!(e.path, "workload.arrivals");
        assert!(e.message.contains("20000 ms"), "{}", e.message);
        let mut thinker = scenario();
        thinker.workload.think_time_ms = Millis::new(200.0).expect("a duration");
        assert_eq!(path(&thinker).as_deref(), Some("workload.think_time_ms"));
        thinker.workload.think_time_ms = Millis::new(50.0).expect("a duration");
        assert_eq!(path(&thinker), None, "99 x 50 ms is within 10 s");
    }

    #[test]
    fn an_open_loop_too_large_to_draw_is_refused() {
        let mut s = scenario();
        s.workload.requests = crate::net::CountU64::new(MAX_OPEN_LOOP_REQUESTS + 1).expect("n");
        s.workload.arrivals = poisson(1e12);
        assert_eq!(path(&s).as_deref(), Some("workload.requests"));
    }

    #[test]
    fn payload_sizes_without_a_cost_model_are_allowed() {
        let mut s = scenario();
        s.workload.reply_bytes = 4096;
        assert_eq!(path(&s), None);
    }
}
