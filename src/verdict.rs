//! The one verdict model of the program, and the evidence a verdict carries.
//!
//! A FAIL means the server broke a rule; an ERROR means the rule could not be checked (the
//! network or the target broke first). Both fail the run; they differ in JUnit (`<failure>` vs
//! `<error>`) and in what a provider should look at.

use std::time::Duration;

use crate::model::Level;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// A MUST was broken.
    Fail,
    /// A SHOULD or MAY was broken: reported, does not fail the run.
    Warn,
    /// Not applicable to this target; the reason says why.
    Skip(String),
    /// The check could not be made.
    Error,
    /// A known failure listed in a baseline (reserved for baselines).
    XFail,
    /// A baseline lists the case as failing but it passed (reserved for baselines).
    XPass,
    /// The target's catalogue changed while the case ran, so its comparison proves nothing.
    Inconclusive(String),
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Warn => "WARN",
            Verdict::Skip(_) => "SKIP",
            Verdict::Error => "ERROR",
            Verdict::XFail => "XFAIL",
            Verdict::XPass => "XPASS",
            Verdict::Inconclusive(_) => "INCONCLUSIVE",
        }
    }

    /// Whether this verdict fails the run (exit code 1).
    pub fn fails_run(&self) -> bool {
        match self {
            Verdict::Fail | Verdict::Error | Verdict::XPass => true,
            Verdict::Pass | Verdict::Warn | Verdict::Skip(_) | Verdict::XFail | Verdict::Inconclusive(_) => false,
        }
    }

    /// What a broken rule means at a requirement level.
    pub fn for_broken(level: Level) -> Verdict {
        match level {
            Level::Must => Verdict::Fail,
            Level::Should | Level::May => Verdict::Warn,
        }
    }
}

/// One broken expectation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// What was checked, e.g. `status`, `schema`, `walk: no cycle`, `every_item /status equals`.
    pub check: String,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
}

impl Finding {
    pub fn new(check: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            check: check.into(),
            message: message.into(),
            expected: None,
            actual: None,
        }
    }
    pub fn expected(mut self, e: impl Into<String>) -> Self {
        self.expected = Some(e.into());
        self
    }
    pub fn actual(mut self, a: impl Into<String>) -> Self {
        self.actual = Some(a.into());
        self
    }
}

/// One request and what came back, as shown to a human.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExchangeEvidence {
    /// A runnable curl command; the token appears only as `$OS_TOKEN`.
    pub curl: String,
    /// `200 OK, application/json, 1234 bytes, 12 ms` or the transport error.
    pub summary: String,
    /// The body, pretty-printed when JSON, trimmed.
    pub body: String,
}

/// One page of a walk: enough to see where a walk went wrong.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PageTrace {
    pub url: String,
    pub status: String,
    pub count: usize,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub next: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// The exchanges worth showing (the failing one first).
    pub exchanges: Vec<ExchangeEvidence>,
    /// The page-by-page trace of a walk.
    pub trace: Vec<PageTrace>,
}

/// Everything known about one case after it ran.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// The alternatives that were acceptable, in words.
    pub expected: Vec<String>,
    pub evidence: Evidence,
    pub duration: Duration,
}

impl Outcome {
    pub fn skip(reason: impl Into<String>) -> Self {
        Outcome {
            verdict: Verdict::Skip(reason.into()),
            findings: Vec::new(),
            expected: Vec::new(),
            evidence: Evidence::default(),
            duration: Duration::ZERO,
        }
    }
    pub fn error(finding: Finding, evidence: Evidence) -> Self {
        Outcome {
            verdict: Verdict::Error,
            findings: vec![finding],
            expected: Vec::new(),
            evidence,
            duration: Duration::ZERO,
        }
    }
}
