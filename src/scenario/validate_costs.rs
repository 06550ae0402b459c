//! Checks a scenario's `costs` section beyond what each field's type checks: the message kinds
//! `by_kind_us` names must exist, and a switch port only queues on links of finite bandwidth.

use super::schema::Scenario;
use crate::costs::CpuCosts;
use crate::net::FieldError;
use crate::sim::trace::MESSAGE_KINDS;

/// Checks the cost model of `s`, if it has one.
pub fn validate_costs(s: &Scenario) -> Result<(), FieldError> {
    let Some(costs) = &s.costs else {
        return Ok(());
    };
    check_kinds(&costs.cpu, "costs.cpu.by_kind_us")?;
    if let Some(client_cpu) = &costs.client_cpu {
        check_kinds(client_cpu, "costs.client_cpu.by_kind_us")?;
    }
    if costs.link.receiver_port && costs.link.bandwidth_mbps.is_none() {
        return Err(FieldError::new(
            "costs.link.receiver_port",
            "queues messages only on links of finite bandwidth: set `bandwidth_mbps: Some(..)` \
             in `link`, or remove `receiver_port`",
        ));
    }
    Ok(())
}

fn check_kinds(cpu: &CpuCosts, path: &str) -> Result<(), FieldError> {
    for kind in cpu.by_kind_us.keys() {
        if !MESSAGE_KINDS.contains(&kind.as_str()) {
            let hint = super::hints::did_you_mean(kind, &MESSAGE_KINDS)
                .map_or_else(String::new, |h| format!(" {h}"));
            return Err(FieldError::new(
                path,
                format!(
                    "no message kind is named `{kind}`{hint}; the kinds are: {}",
                    MESSAGE_KINDS.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    fn scenario(costs: &str) -> Result<crate::scenario::Plan, crate::scenario::ScenarioError> {
        let source = format!(
            "Scenario(\n  name: \"c\",\n  replicas: 4,\n  costs: Some((\n{costs}\n  )),\n)"
        );
        crate::scenario::parse("c.ron", &source)
    }

    #[test]
    fn an_unknown_kind_is_refused_at_its_place_with_the_kinds_listed() {
        let err = scenario("    cpu: (by_kind_us: {\"preprepare\": 5.0}),")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("c.ron:5:11:"), "{err}");
        assert!(err.contains("costs.cpu.by_kind_us"), "{err}");
        assert!(
            err.contains("`preprepare` (did you mean `pre-prepare`?)"),
            "{err}"
        );
        assert!(err.contains("request, pre-prepare, prepare"), "{err}");
        let client = scenario("    client_cpu: Some((by_kind_us: {\"replies\": 1.0})),")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(client.contains("costs.client_cpu.by_kind_us"), "{client}");
    }

    #[test]
    fn known_kinds_and_a_port_with_bandwidth_pass() {
        let ok = scenario(
            "    cpu: (by_kind_us: {\"pre-prepare\": 5.0, \"reply\": 1.0}),\n    link: (bandwidth_mbps: Some(10.0), receiver_port: true),",
        );
        assert!(ok.is_ok(), "{:?}", ok.err());
    }

    #[test]
    fn a_port_without_bandwidth_is_refused() {
        let err = scenario("    link: (receiver_port: true),")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("costs.link.receiver_port"), "{err}");
        assert!(err.contains("bandwidth_mbps"), "{err}");
    }
}
