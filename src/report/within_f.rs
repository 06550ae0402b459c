//! Trials split by the fault bound: "within f" when a trial's byzantine count is at most its
//! f (PBFT promises safety and liveness there), "beyond f" otherwise. Reports give the two
//! classes' success rates apart rather than one pooled rate, which would mix the guarantee
//! with its absence.

use crate::records::TrialRecord;

/// How many trials fell in each class, and how many of them succeeded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FaultBoundSplit {
    /// Trials with `byzantine <= f`.
    pub(crate) within_trials: usize,
    /// Of those, the trials that succeeded.
    pub(crate) within_succeeded: usize,
    /// Trials with `byzantine > f`.
    pub(crate) beyond_trials: usize,
    /// Of those, the trials that succeeded.
    pub(crate) beyond_succeeded: usize,
}

impl FaultBoundSplit {
    /// Counts `records` by class.
    pub(crate) fn of<'a>(records: impl IntoIterator<Item = &'a TrialRecord>) -> FaultBoundSplit {
        let mut split = FaultBoundSplit::default();
        for record in records {
            let succeeded = usize::from(record.outcome.success);
            if record.within_f() {
                split.within_trials += 1;
                split.within_succeeded += succeeded;
            } else {
                split.beyond_trials += 1;
                split.beyond_succeeded += succeeded;
            }
        }
        split
    }

    /// Share of the within-f trials that succeeded; `None` when there were none.
    pub(crate) fn within_rate(&self) -> Option<f64> {
        rate(self.within_succeeded, self.within_trials)
    }

    /// Share of the beyond-f trials that succeeded; `None` when there were none.
    pub(crate) fn beyond_rate(&self) -> Option<f64> {
        rate(self.beyond_succeeded, self.beyond_trials)
    }
}

fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::TrialOutcome;

    fn record(f: u32, byzantine: u32, success: bool) -> TrialRecord {
        TrialRecord {
            point: 0,
            trial: 0,
            seed: 0,
            axis_values: Vec::new(),
            n: 3 * f + 1,
            f,
            byzantine,
            outcome: TrialOutcome {
                success,
                ..TrialOutcome::default()
            },
        }
    }

    #[test]
    fn splits_at_f_inclusive() {
        let records = [
            record(1, 0, true),
            record(1, 1, false),
            record(1, 2, false),
            record(1, 2, true),
            record(1, 3, false),
        ];
        let split = FaultBoundSplit::of(&records);
        assert_eq!(
            split,
            FaultBoundSplit {
                within_trials: 2,
                within_succeeded: 1,
                beyond_trials: 3,
                beyond_succeeded: 1,
            }
        );
        assert_eq!(split.within_rate(), Some(0.5));
        assert_eq!(split.beyond_rate(), Some(1.0 / 3.0));
    }

    #[test]
    fn an_empty_class_has_no_rate() {
        let split = FaultBoundSplit::of(&[record(2, 0, true)]);
        assert_eq!(split.within_rate(), Some(1.0));
        assert_eq!(split.beyond_rate(), None);
    }
}
