//! The campaign: draw, run and judge scenarios in parallel; write `campaign.csv` and
//! `failures.csv`; shrink each distinct failure. STUB: the campaign's owner replaces this file.
