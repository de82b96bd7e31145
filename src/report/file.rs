//! What the JUnit and JSON reports share: they keep the plan and every finished case from the
//! events, and rewrite their whole file as the run goes (at most once a second, atomically:
//! to a temporary file renamed over it) and at its end. Whenever the run stops — finished,
//! interrupted, or killed — the file on disk is well-formed and holds every case finished so
//! far. Each format only renders.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::events::{CaseRecord, Event, Reporter, RunSummary};
use crate::plan::PlanSummary;
use crate::redact::Redactor;

/// How often a file is rewritten while the run goes.
const REWRITE_EVERY: Duration = Duration::from_secs(1);

/// What the file says of the run's state.
pub enum RunState<'a> {
    Running,
    Complete(&'a RunSummary),
    Interrupted {
        signal: &'static str,
        summary: &'a RunSummary,
    },
}

impl RunState<'_> {
    /// `running`, `complete`, `interrupted by SIGINT`.
    pub fn status(&self) -> String {
        match self {
            RunState::Running => "running".to_string(),
            RunState::Complete(_) => "complete".to_string(),
            RunState::Interrupted { signal, .. } => format!("interrupted by {signal}"),
        }
    }
    pub fn summary(&self) -> Option<&RunSummary> {
        match self {
            RunState::Running => None,
            RunState::Complete(s) | RunState::Interrupted { summary: s, .. } => Some(s),
        }
    }
}

/// Everything a format renders from.
pub struct Collected<'a> {
    pub plan: Option<&'a PlanSummary>,
    /// Finished cases, in id order.
    pub records: Vec<&'a CaseRecord>,
    pub state: RunState<'a>,
    pub redactor: &'a Redactor,
}

/// One file format: the whole document from what the run has so far.
pub trait Format: Send {
    /// What the file is called in messages (`JUnit report`).
    fn what(&self) -> &'static str;
    fn render(&self, run: &Collected) -> anyhow::Result<Vec<u8>>;
}

pub struct FileReport<F> {
    path: PathBuf,
    redactor: Redactor,
    plan: Option<Arc<PlanSummary>>,
    records: Vec<Arc<CaseRecord>>,
    written: Option<Instant>,
    format: F,
}

impl<F: Format> FileReport<F> {
    pub fn new(path: PathBuf, redactor: Redactor, format: F) -> Self {
        FileReport {
            path,
            redactor,
            plan: None,
            records: Vec::new(),
            written: None,
            format,
        }
    }

    fn write(&mut self, state: RunState) -> anyhow::Result<()> {
        let mut records: Vec<&CaseRecord> = self.records.iter().map(|r| &**r).collect();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        let run = Collected {
            plan: self.plan.as_deref(),
            records,
            state,
            redactor: &self.redactor,
        };
        let bytes = self.format.render(&run)?;
        super::write_atomically(&self.path, &bytes)
            .map_err(|e| anyhow::anyhow!("cannot write the {} {}: {e}", self.format.what(), self.path.display()))?;
        self.written = Some(Instant::now());
        Ok(())
    }
}

impl<F: Format> FileReport<F> {
    /// `imgconform: wrote report.xml (128 cases)` on stderr, once the file is final: the
    /// console's summary does not say where the reports went.
    fn say_written(&self, summary: &RunSummary) {
        let n = self.records.len();
        let not_run = if summary.not_run.is_empty() {
            String::new()
        } else {
            format!(", {} not run", summary.not_run.len())
        };
        crate::errln!(
            "imgconform: wrote {} {} ({n} case{}{not_run})",
            self.format.what(),
            self.path.display(),
            if n == 1 { "" } else { "s" }
        );
    }
}

impl<F: Format> Reporter for FileReport<F> {
    fn report(&mut self, event: &Event) -> anyhow::Result<()> {
        match event {
            Event::RunStarted { plan } => {
                self.plan = Some(plan.clone());
                self.write(RunState::Running)?;
            }
            Event::CaseStarted { .. } => {}
            Event::RequestSent(_) | Event::RequestAnswered(_) => {}
            Event::CaseFinished(r) => {
                self.records.push(r.clone());
                if self.written.is_none_or(|t| t.elapsed() >= REWRITE_EVERY) {
                    self.write(RunState::Running)?;
                }
            }
            Event::RunFinished(summary) => {
                self.write(RunState::Complete(summary))?;
                self.say_written(summary);
            }
            Event::RunInterrupted { signal, summary } => {
                self.write(RunState::Interrupted {
                    signal: signal.name(),
                    summary,
                })?;
                self.say_written(summary);
            }
        }
        Ok(())
    }
}
