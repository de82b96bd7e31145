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

/// Where in a case file something is: the file, line and column, and the key path.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SourceRef {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// `cases[3].expect[0].checks[1].matches_catalogue`.
    pub key: String,
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{} ({})", self.file, self.line, self.column, self.key)
    }
}

/// One broken expectation, or one thing that could not be checked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// What kind of finding: `status`, `schema`, `check`, `walk`, `transport`, `discovery`,
    /// `binding`, `snapshot`, `baseline`.
    pub kind: &'static str,
    /// What was checked, e.g. `status`, `schema image-v2/images`, `walk: no cycle`,
    /// `every_item /status`.
    pub check: String,
    pub message: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// The case-file node that asked for this check.
    pub at: Option<SourceRef>,
    /// The requirement level a broken rule is judged at (the check's, the alternative's, or
    /// the case's); the verdict takes the worst.
    pub level: Option<Level>,
}

/// The kind of a finding, from the name of what was checked.
fn kind_of(check: &str) -> &'static str {
    let head = check.split([' ', ':']).next().unwrap_or("");
    match head {
        "status" => "status",
        "schema" => "schema",
        "walk" => "walk",
        "request" => "transport",
        "discovery" => "discovery",
        "bind" | "profile" => "binding",
        "snapshot" => "snapshot",
        "baseline" => "baseline",
        _ => "check",
    }
}

impl Finding {
    pub fn new(check: impl Into<String>, message: impl Into<String>) -> Self {
        let check = check.into();
        Finding {
            kind: kind_of(&check),
            check,
            message: message.into(),
            expected: None,
            actual: None,
            at: None,
            level: None,
        }
    }
    /// Says the level this finding is judged at, unless already said.
    pub fn level(mut self, level: Level) -> Self {
        self.level.get_or_insert(level);
        self
    }
    /// Says where the check was asked for, unless already said.
    pub fn at(mut self, at: &SourceRef) -> Self {
        self.at.get_or_insert_with(|| at.clone());
        self
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

/// One request and what came back, as data (the JSON report) and for a human (`summary`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExchangeEvidence {
    /// A runnable curl command; the token appears only as `$OS_TOKEN`.
    pub curl: String,
    pub method: String,
    pub url: String,
    /// The status, when an answer came.
    pub status: Option<u16>,
    /// Why no answer came (timeout, reset, over-size body, budget).
    pub error: Option<String>,
    pub content_type: Option<String>,
    /// The body's size as received.
    pub bytes: usize,
    pub duration_ms: u128,
    /// Throttled answers (429/503) and closed connections that were retried before this one.
    pub retries: Vec<crate::exec::Retry>,
    /// The body, pretty-printed when JSON, trimmed.
    pub body: String,
}

impl ExchangeEvidence {
    /// `200 · application/json · 1234 bytes · 12 ms`, or the transport error.
    pub fn summary(&self) -> String {
        let retried = if self.retries.is_empty() {
            String::new()
        } else {
            let each: Vec<String> = self
                .retries
                .iter()
                .map(|r| match &r.closed {
                    Some(why) => format!("no answer, the connection closed ({why}); sent again"),
                    None => format!(
                        "{} (Retry-After {}, waited {} ms)",
                        r.status,
                        r.retry_after.as_deref().unwrap_or("absent"),
                        r.waited_ms
                    ),
                })
                .collect();
            format!(
                " · after {} retr{}: {}",
                each.len(),
                if each.len() == 1 { "y" } else { "ies" },
                each.join(", ")
            )
        };
        match (&self.status, &self.error) {
            (Some(status), _) => format!(
                "{status} · {} · {} bytes · {} ms{retried}",
                self.content_type.as_deref().unwrap_or("no content-type"),
                self.bytes,
                self.duration_ms
            ),
            (None, Some(e)) => format!("no response: {e} ({} ms){retried}", self.duration_ms),
            (None, None) => format!("no response ({} ms)", self.duration_ms),
        }
    }
}

/// One page of a walk: enough to see where a walk went wrong.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PageTrace {
    /// The window of a long walk the page belongs to (`start`, `middle, from marker …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    pub url: String,
    /// The page's status, when it was answered.
    pub status: Option<u16>,
    /// Why it was not (timeout, reset, over-size body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub count: usize,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub next: Option<String>,
}

impl PageTrace {
    /// `200`, or `error: timeout …`, for the trace as text.
    pub fn status_words(&self) -> String {
        match (self.status, &self.error) {
            (Some(s), _) => s.to_string(),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => "no answer".to_string(),
        }
    }
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
