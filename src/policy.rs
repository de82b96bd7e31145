//! From the runner's raw verdict to the one reporters see: the single place where the run's
//! policies apply.
//!
//! - **Snapshots**: a normalized response that differs from its recorded snapshot is a
//!   regression against the embedded mock (FAIL) and drift against a cloud (WARN), unless
//!   `--snapshots strict` makes it a FAIL everywhere.
//! - **Baseline**: a listed failing case is XFAIL, a listed passing case XPASS, an expired entry
//!   no longer applies.

use chrono::NaiveDate;

use crate::plan::Baseline;
use crate::snapshot::{self, Mode};
use crate::verdict::{Finding, Outcome, Verdict};

/// What the runner saw of a case's snapshot, before any policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotObservation {
    /// The response matches its snapshot (or one was recorded for review).
    Matched,
    /// It differs; `why` says how, `shown` is the normalized response.
    Differs { why: String, shown: String },
}

/// The runner's result for a case: its outcome judged on the rules of the case alone.
#[derive(Clone, Debug)]
pub struct RawOutcome {
    pub outcome: Outcome,
    pub snapshot: Option<SnapshotObservation>,
}

impl From<Outcome> for RawOutcome {
    fn from(outcome: Outcome) -> Self {
        RawOutcome {
            outcome,
            snapshot: None,
        }
    }
}

pub struct Policy {
    pub baseline: Baseline,
    pub snapshots: Option<snapshot::Config>,
    pub today: NaiveDate,
}

impl Policy {
    /// No baseline, no snapshots: the raw verdict stands (selfcheck, tests).
    pub fn none() -> Policy {
        Policy {
            baseline: Baseline::default(),
            snapshots: None,
            today: chrono::Utc::now().date_naive(),
        }
    }

    pub fn apply(&self, id: &str, raw: RawOutcome) -> Outcome {
        let mut o = raw.outcome;
        if let (Some(SnapshotObservation::Differs { why, shown }), Some(cfg)) = (raw.snapshot, &self.snapshots) {
            o.findings.push(Finding::new("snapshot", why).actual(shown));
            let fails = cfg.target_is_mock || cfg.mode == Mode::Strict;
            o.verdict = match (&o.verdict, fails) {
                (Verdict::Pass | Verdict::Warn, true) => Verdict::Fail,
                (Verdict::Pass, false) => Verdict::Warn,
                (other, _) => other.clone(),
            };
        }
        let (verdict, note) = self.baseline.apply(id, o.verdict.clone(), self.today);
        o.verdict = verdict;
        if let Some(note) = note {
            o.findings.push(Finding::new("baseline", note));
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(v: Verdict, differs: bool) -> RawOutcome {
        RawOutcome {
            outcome: Outcome {
                verdict: v,
                ..Outcome::skip("")
            },
            snapshot: differs.then(|| SnapshotObservation::Differs {
                why: "differs".into(),
                shown: "{}".into(),
            }),
        }
    }

    fn policy(mode: Mode, mock: bool) -> Policy {
        Policy {
            snapshots: Some(snapshot::Config {
                mode,
                dir: "snapshots".into(),
                target_is_mock: mock,
            }),
            ..Policy::none()
        }
    }

    #[test]
    fn a_snapshot_difference_fails_against_the_mock_and_warns_against_a_cloud() {
        assert_eq!(
            policy(Mode::Check, true).apply("a", raw(Verdict::Pass, true)).verdict,
            Verdict::Fail
        );
        assert_eq!(
            policy(Mode::Check, false).apply("a", raw(Verdict::Pass, true)).verdict,
            Verdict::Warn
        );
        assert_eq!(
            policy(Mode::Strict, false).apply("a", raw(Verdict::Warn, true)).verdict,
            Verdict::Fail
        );
        assert_eq!(
            policy(Mode::Check, false).apply("a", raw(Verdict::Pass, false)).verdict,
            Verdict::Pass
        );
        assert_eq!(
            policy(Mode::Check, true).apply("a", raw(Verdict::Error, true)).verdict,
            Verdict::Error
        );
    }
}
