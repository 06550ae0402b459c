//! `pbft-sim list`: what a scenario can name, printed from the tables that sit beside the
//! types that read it (`net::DELAY_FORMS` beside the delay profiles, `net::FAULT_FORMS`,
//! `adversary::BEHAVIOUR_FORMS`, `adversary::PLACEMENT_FORMS`, each checked by its module's
//! tests to hold one parsable form per variant), plus the behaviours this binary registered,
//! and the columns of `trials.csv` and `summary.csv` from the report's own headers (their
//! meanings in `columns.rs`). Nothing here is a second list that could drift.

use super::columns::{
    meaning, AXES_PLACEHOLDER, CAMPAIGN_MEANINGS, FAILURES_MEANINGS, NODES_MEANINGS,
    REQUESTS_MEANINGS, SUMMARY_MEANINGS, TRIALS_MEANINGS,
};
use super::{args::Listing, Failure};
use crate::adversary::{self, BEHAVIOUR_FORMS, PLACEMENT_FORMS};
use crate::explore::campaign_files::FAILURES_COLUMNS;
use crate::explore::campaign_rows::CAMPAIGN_COLUMNS;
use crate::net::{DELAY_FORMS, FAULT_FORMS};
use crate::report;

/// Prints the listing `what` on stdout.
pub(super) fn print(what: Listing) -> Result<(), Failure> {
    out!("{}", text(what)?);
    Ok(())
}

/// The listing `what`, as printed.
pub(super) fn text(what: Listing) -> Result<String, Failure> {
    Ok(match what {
        Listing::Behaviours => {
            let mut text = forms(
                "Byzantine behaviours: `byzantine: [(count: 1, placement: Random, behaviour: \
                 FORM)]`. Each wraps an honest replica; a field of a form can be swept \
                 (`byzantine[0].behaviour.delay_ms`).",
                BEHAVIOUR_FORMS,
            );
            let custom = adversary::registered();
            if !custom.is_empty() {
                text.push_str(
                    "\nRegistered by this program (name them as Custom(name: \"...\")):\n",
                );
                for name in custom {
                    text.push_str(&format!("  Custom(name: {name:?})\n"));
                }
            }
            text
        }
        Listing::Delays => forms(
            "Link delay profiles (ms): `network: (delay: FORM)`, a region's `delay: Some(FORM)`, \
             a link's `delay: FORM`. Every field can be swept (`network.delay.max_ms`).",
            DELAY_FORMS,
        ),
        Listing::Faults => forms(
            "Timed faults: `faults: [FORM, ...]`; times in virtual ms from the trial's start.",
            FAULT_FORMS,
        ),
        Listing::Placements => forms(
            "Placements of a byzantine group: `byzantine: [(count: 2, placement: FORM, \
             behaviour: Silent)]`. Groups never overlap.",
            PLACEMENT_FORMS,
        ),
        Listing::Columns => columns()?,
    })
}

/// A heading, then each form on its line with its meaning indented under it.
fn forms(heading: &str, table: &[(&str, &str)]) -> String {
    let mut text = format!("{heading}\n\n");
    for (form, meaning) in table {
        text.push_str(&format!("  {form}\n      {meaning}\n"));
    }
    text
}

/// `trials.csv`'s, `summary.csv`'s, `requests.csv`'s, `campaign.csv`'s and `failures.csv`'s
/// columns, in file order, each with its meaning.
fn columns() -> Result<String, Failure> {
    let axes = [AXES_PLACEHOLDER.to_string()];
    let csv = |e: csv::Error| Failure::Other(anyhow::Error::new(e).context("column names"));
    let trials = report::trials_header(&axes, true).map_err(csv)?;
    let summary = report::summary_header(&axes, true).map_err(csv)?;
    let mut text = String::from(
        "trials.csv: one row per trial (docs: README, Output columns; docs/trace.md for what \
         the faults did; columns marked [costs] only when the scenario has a `costs` \
         section)\n\n",
    );
    text.push_str(&described(&trials, TRIALS_MEANINGS));
    text.push_str(
        "\nsummary.csv: one row per sweep point (latency statistics pool every completed \
         request of the point's trials; percentiles by nearest rank)\n\n",
    );
    text.push_str(&described(&summary, SUMMARY_MEANINGS));
    text.push_str("\nrequests.csv: one row per request the clients sent (docs/data.md)\n\n");
    let requests = report::REQUESTS_COLUMNS.map(String::from);
    text.push_str(&described(&requests, REQUESTS_MEANINGS));
    text.push_str(
        "\nnodes.csv: one row per node per trial, only when the scenario has a `costs` \
         section (docs/data.md)\n\n",
    );
    let nodes = report::NODES_COLUMNS.map(String::from);
    text.push_str(&described(&nodes, NODES_MEANINGS));
    text.push_str(
        "\ncampaign.csv (pbft-sim explore): one row per drawn scenario, in index order \
         (docs/explore.md)\n\n",
    );
    let campaign: Vec<String> = CAMPAIGN_COLUMNS.iter().map(|c| c.to_string()).collect();
    text.push_str(&described(&campaign, CAMPAIGN_MEANINGS));
    text.push_str(
        "\nfailures.csv (pbft-sim explore): one row per failure signature, by first index\n\n",
    );
    let failures: Vec<String> = FAILURES_COLUMNS.iter().map(|c| c.to_string()).collect();
    text.push_str(&described(&failures, FAILURES_MEANINGS));
    Ok(text)
}

/// Each column name of `header`, padded, with its meaning from `meanings`.
fn described(header: &[String], meanings: &[(&str, &'static str)]) -> String {
    let width = header.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    header
        .iter()
        .map(|column| {
            let meaning = meaning(meanings, column).unwrap_or("(not described)");
            format!("  {column:<width$}  {meaning}\n")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listing_names_its_forms() {
        let behaviours = text(Listing::Behaviours).expect("listed");
        assert!(
            behaviours.contains("SlowPrimary(delay_ms: 150.0)"),
            "{behaviours}"
        );
        let delays = text(Listing::Delays).expect("listed");
        assert!(
            delays.contains("Uniform(min_ms: 5.0, max_ms: 15.0)"),
            "{delays}"
        );
        for (listing, table) in [
            (Listing::Behaviours, BEHAVIOUR_FORMS),
            (Listing::Delays, DELAY_FORMS),
            (Listing::Faults, FAULT_FORMS),
            (Listing::Placements, PLACEMENT_FORMS),
        ] {
            let listed = text(listing).expect("listed");
            for (form, meaning) in table {
                assert!(
                    listed.contains(&format!("  {form}\n      {meaning}\n")),
                    "{form}"
                );
            }
        }
    }

    #[test]
    fn every_column_is_described() {
        let listed = text(Listing::Columns).expect("listed");
        assert!(!listed.contains("(not described)"), "{listed}");
        assert!(listed.contains("  success_rate "), "{listed}");
        assert!(listed.contains("  rejected_stale "), "{listed}");
    }
}
