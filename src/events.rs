//! The events of a run: the only interface between the runner and the reporters.
//!
//! The executor emits them as the run goes (as cargo-nextest's `TestEvent`s): the run starts
//! with its plan, each case starts and finishes with its final verdict and evidence, every
//! request is sent and answered, and the run finishes or is interrupted. Every reporter
//! (console, JUnit, JSON, snapshots) consumes the same stream and matches every event by name,
//! so a new event does not compile until each reporter has decided what to do with it; and a
//! run cut short still gives each reporter what finished.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::Level;
use crate::plan::PlanSummary;
use crate::verdict::{Outcome, Verdict};

/// A case's result with the facts reporters show about it (the payload of `CaseFinished`).
#[derive(Clone, Debug)]
pub struct CaseRecord {
    pub id: String,
    pub title: String,
    pub profile: String,
    pub level: Level,
    /// The inventory requirements the case checks.
    pub requirements: Vec<String>,
    /// The reference in words: `Image API v2, List images § Pagination
    /// (003_b48025eb92be26ba.txt)` (the file name alone when the inventory has no title).
    pub spec: String,
    /// The same as data: the seed file, its title and short name (when the inventory knows
    /// them) and the section.
    pub spec_ref: SpecRef,
    pub quote: String,
    pub note: Option<String>,
    /// `file:line:column` of the case.
    pub source: String,
    /// Requests the case sent (its share of shared discovery walks included once, by whichever
    /// case walked first).
    pub requests: usize,
    pub outcome: Outcome,
}

impl CaseRecord {
    /// The record of a case known only by its id (it never ran, or its task was lost).
    pub fn placeholder(id: &str, outcome: Outcome) -> CaseRecord {
        CaseRecord {
            id: id.to_string(),
            title: String::new(),
            profile: id.split('/').next().unwrap_or("").to_string(),
            level: Level::Must,
            requirements: Vec::new(),
            spec: String::new(),
            spec_ref: SpecRef::default(),
            quote: String::new(),
            note: None,
            source: String::new(),
            requests: 0,
            outcome,
        }
    }

    /// `image-v2.pagination` for `image-v2/pagination/limit-1-walk`: JUnit's classname.
    pub fn classname(&self) -> String {
        let mut parts: Vec<&str> = self.id.split('/').collect();
        parts.pop();
        parts.join(".")
    }
}

/// Which part of which seed document a case checks.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SpecRef {
    /// The seed file name (`003_b48025eb92be26ba.txt`).
    pub document: String,
    /// `Image API v2, List images`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `image list`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short: Option<String>,
    pub section: String,
}

/// One request on the wire, as reporters see it (no headers, so never a token).
#[derive(Clone, Debug)]
pub struct RequestInfo {
    /// The case that sent it (`None` for requests outside any case, e.g. a pre-flight).
    pub case: Option<String>,
    pub method: &'static str,
    pub url: String,
}

/// How a request was answered.
#[derive(Clone, Debug)]
pub struct AnswerInfo {
    pub request: RequestInfo,
    /// The status, or the transport error in words.
    pub result: Result<u16, String>,
    pub bytes: usize,
    pub elapsed: Duration,
}

/// Counts of the final verdicts of a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub skip: usize,
    pub error: usize,
    pub xfail: usize,
    pub xpass: usize,
    pub inconclusive: usize,
}

impl Counts {
    pub fn add(&mut self, v: &Verdict) {
        match v {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Warn => self.warn += 1,
            Verdict::Skip(_) => self.skip += 1,
            Verdict::Error => self.error += 1,
            Verdict::XFail => self.xfail += 1,
            Verdict::XPass => self.xpass += 1,
            Verdict::Inconclusive(_) => self.inconclusive += 1,
        }
    }
    pub fn of<'a>(records: impl IntoIterator<Item = &'a CaseRecord>) -> Counts {
        let mut c = Counts::default();
        for r in records {
            c.add(&r.outcome.verdict);
        }
        c
    }
    pub fn total(&self) -> usize {
        self.pass + self.fail + self.warn + self.skip + self.error + self.xfail + self.xpass + self.inconclusive
    }
    /// Whether these verdicts fail the run.
    pub fn failed(&self) -> bool {
        self.fail + self.error + self.xpass > 0
    }
    /// Whether every case was skipped: nothing was checked.
    pub fn nothing_checked(&self) -> bool {
        self.total() > 0 && self.skip == self.total()
    }
    /// `128 passed, 0 failed, 0 errors, 0 warned, 0 skipped` (and the rare ones when present).
    pub fn words(&self) -> String {
        let mut s = format!(
            "{} passed, {} failed, {} errors, {} warned, {} skipped",
            self.pass, self.fail, self.error, self.warn, self.skip
        );
        if self.xfail + self.xpass > 0 {
            s.push_str(&format!(", {} xfailed, {} xpassed", self.xfail, self.xpass));
        }
        if self.inconclusive > 0 {
            s.push_str(&format!(", {} inconclusive", self.inconclusive));
        }
        s
    }
}

/// What the run came to, at its end (or at its interruption).
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub counts: Counts,
    /// Requests sent in the whole run.
    pub requests: usize,
    pub started_at: DateTime<Utc>,
    pub elapsed: Duration,
    /// Selected cases that never finished (an interrupted run), in plan order.
    pub not_run: Vec<String>,
    /// The most bytes of bodies held at once, and the budget (`--max-body-memory`).
    pub body_memory_peak: usize,
    pub body_memory_budget: usize,
}

/// Which signal interrupted a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
    /// The conventional exit status of a process ended by this signal (128 + its number).
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => crate::exit_codes::INTERRUPTED,
            Signal::Terminate => crate::exit_codes::TERMINATED,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Event {
    /// The run starts: what it will do.
    RunStarted {
        plan: Arc<PlanSummary>,
    },
    CaseStarted {
        id: String,
    },
    RequestSent(RequestInfo),
    RequestAnswered(AnswerInfo),
    /// A case finished, with its final verdict (baseline and snapshot policy applied).
    CaseFinished(Arc<CaseRecord>),
    RunFinished(RunSummary),
    /// A signal cut the run short: no new case started, running ones had a grace period.
    RunInterrupted {
        signal: Signal,
        summary: RunSummary,
    },
}

/// Something that reports a run from its events.
pub trait Reporter: Send {
    /// Handles one event. An error (a closed pipe, an unwritable file) ends this reporter: it
    /// receives no further events, and the run's exit code says a report is missing.
    fn report(&mut self, event: &Event) -> anyhow::Result<()>;
}

/// Fans each event out to every reporter, in order; shared by the executor's tasks.
#[derive(Clone, Default)]
pub struct EventSink {
    inner: Arc<Mutex<Fanout>>,
}

#[derive(Default)]
struct Fanout {
    reporters: Vec<(Box<dyn Reporter>, bool)>,
    errors: Vec<String>,
}

impl EventSink {
    pub fn new(reporters: Vec<Box<dyn Reporter>>) -> Self {
        EventSink {
            inner: Arc::new(Mutex::new(Fanout {
                reporters: reporters.into_iter().map(|r| (r, true)).collect(),
                errors: Vec::new(),
            })),
        }
    }

    pub fn emit(&self, event: Event) {
        let mut f = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Fanout { reporters, errors } = &mut *f;
        for (r, alive) in reporters.iter_mut().filter(|(_, alive)| *alive) {
            if let Err(e) = r.report(&event) {
                errors.push(format!("{e:#}"));
                *alive = false;
            }
        }
    }

    /// The reporters' errors so far (each reporter stops at its first).
    pub fn errors(&self) -> Vec<String> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).errors.clone()
    }
}

/// The case a task is running, so that requests can be attributed to it and counted.
#[derive(Clone, Debug, Default)]
pub struct CaseScope {
    pub id: String,
    pub requests: Arc<std::sync::atomic::AtomicUsize>,
    /// The case's estimated chain of dependent requests: its requests' priority.
    pub priority: u32,
}

tokio::task_local! {
    /// Set by the executor around each case.
    pub static CURRENT_CASE: CaseScope;
}

/// The case of the current task, if any.
pub fn current_case() -> Option<CaseScope> {
    CURRENT_CASE.try_with(Clone::clone).ok()
}
