//! Readable chart names for sweep paths: `byzantine[0].count` reads "byzantine replicas",
//! `network.drop` "message loss probability". A scenario's own `label` on a sweep entry wins;
//! a path without a name of its own is shown as written, with its unit spelled out.

/// The chart name of sweep axis `path`, or `label` when the scenario gives one.
pub(crate) fn axis_name(path: &str, label: Option<&str>) -> String {
    if let Some(label) = label {
        return label.to_string();
    }
    known_name(path).unwrap_or_else(|| derived_name(path))
}

/// Whether `path` sets the size of a byzantine group (`byzantine[i].count`).
pub(crate) fn is_byzantine_count(path: &str) -> bool {
    list_entry(path, "byzantine").is_some_and(|(_, field)| field == "count")
}

/// Names for the paths the catalogue sweeps and their near relatives.
fn known_name(path: &str) -> Option<String> {
    let fixed = match path {
        "replicas" => "replicas n",
        "f" => "fault bound f",
        "trials" => "trials per point",
        "seed" => "scenario seed",
        "time_limit_ms" => "time limit (virtual ms)",
        "network.drop" => "message loss probability",
        "network.duplicate" => "message duplication probability",
        "network.reorder.probability" => "reorder probability",
        "network.delay.shape" => "delay tail shape (Pareto alpha)",
        "network.delay.min_ms" => "minimum link delay (ms)",
        "network.delay.max_ms" => "maximum link delay (ms)",
        "network.delay.ms" => "link delay (ms)",
        "network.delay.mean_ms" => "mean link delay (ms)",
        "network.delay.scale_ms" => "delay scale (ms)",
        "network.delay.median_ms" => "median link delay (ms)",
        "network.delay.sigma" => "delay spread (log-normal sigma)",
        "network.delay.std_ms" => "delay standard deviation (ms)",
        "workload.clients" => "clients",
        "workload.requests" => "requests per client",
        "protocol.batch_size" => "batch size (requests per pre-prepare)",
        "protocol.batch_timeout_ms" => "batch timeout (ms)",
        "protocol.checkpoint_interval" => "checkpoint interval (sequence numbers)",
        "protocol.log_window" => "log window (sequence numbers)",
        "protocol.window" => "requests in flight per client",
        "protocol.view_change" => "view change enabled",
        "protocol.view_change_timeout_ms" => "view-change timeout (ms)",
        "protocol.request_timeout_ms" => "request timeout (ms)",
        _ => return list_name(path),
    };
    Some(fixed.to_string())
}

/// Names for fields of list entries: byzantine groups and faults.
fn list_name(path: &str) -> Option<String> {
    if let Some((i, field)) = list_entry(path, "byzantine") {
        return Some(match field {
            "count" => "byzantine replicas".to_string(),
            "behaviour" => format!("behaviour of byzantine group {i}"),
            "placement" => format!("placement of byzantine group {i}"),
            "behaviour.delay_ms" => "delay added by the byzantine replicas (ms)".to_string(),
            other => format!("{} (byzantine group {i})", words(other)),
        });
    }
    let (i, field) = list_entry(path, "faults")?;
    Some(match field {
        "at_ms" => format!("fault {i} starts at (ms)"),
        "until_ms" => format!("fault {i} ends at (ms)"),
        "recover_at_ms" => format!("fault {i}: recovery at (ms)"),
        "probability" => format!("fault {i}: loss probability"),
        other => format!("fault {i}: {}", words(other)),
    })
}

/// `(i, rest)` for a path `list[i].rest`.
fn list_entry<'a>(path: &'a str, list: &str) -> Option<(usize, &'a str)> {
    let rest = path.strip_prefix(list)?.strip_prefix('[')?;
    let (index, field) = rest.split_once("].")?;
    Some((index.parse().ok()?, field))
}

/// The rule for other paths: the path as written, its unit spelled out
/// (`regions[1].delay.max_ms` -> "regions[1].delay.max (ms)"), so that it still says where
/// the value is set.
fn derived_name(path: &str) -> String {
    match path.strip_suffix("_ms") {
        Some(stem) if !stem.is_empty() => format!("{stem} (ms)"),
        _ => path.to_string(),
    }
}

/// `max_ms` -> "max (ms)", `view_change` -> "view change".
fn words(field: &str) -> String {
    let (stem, unit) = match field.strip_suffix("_ms") {
        Some(stem) => (stem, " (ms)"),
        None => (field, ""),
    };
    let stem = if stem.is_empty() { field } else { stem };
    let unit = if stem == field { "" } else { unit };
    format!("{}{unit}", stem.replace(['_', '.'], " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_paths_have_readable_names() {
        for (path, name) in [
            ("byzantine[0].count", "byzantine replicas"),
            ("byzantine[0].behaviour", "behaviour of byzantine group 0"),
            ("network.drop", "message loss probability"),
            (
                "protocol.batch_size",
                "batch size (requests per pre-prepare)",
            ),
            ("workload.clients", "clients"),
            ("faults[0].recover_at_ms", "fault 0: recovery at (ms)"),
            ("faults[0].until_ms", "fault 0 ends at (ms)"),
            ("faults[0].probability", "fault 0: loss probability"),
            ("network.delay.shape", "delay tail shape (Pareto alpha)"),
            ("replicas", "replicas n"),
            (
                "protocol.checkpoint_interval",
                "checkpoint interval (sequence numbers)",
            ),
            (
                "byzantine[0].behaviour.delay_ms",
                "delay added by the byzantine replicas (ms)",
            ),
        ] {
            assert_eq!(axis_name(path, None), name, "{path}");
        }
    }

    #[test]
    fn other_paths_follow_the_rule_and_a_label_wins() {
        assert_eq!(
            axis_name("regions[1].delay.max_ms", None),
            "regions[1].delay.max (ms)"
        );
        assert_eq!(axis_name("faults[2].at_ms", None), "fault 2 starts at (ms)");
        assert_eq!(axis_name("faults[1].kind", None), "fault 1: kind");
        assert_eq!(axis_name("net.drop", None), "net.drop");
        assert_eq!(axis_name("network.drop", Some("loss")), "loss");
        assert!(is_byzantine_count("byzantine[2].count"));
        assert!(!is_byzantine_count("byzantine[0].behaviour"));
        assert!(!is_byzantine_count("replicas"));
    }
}
