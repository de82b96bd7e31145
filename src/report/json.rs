//! `--json PATH`: every case's result for machines (CI dashboards, `imgconform baseline`).
//!
//! The document is data, not display strings: verdicts, counts, requests, each exchange's
//! status, content type, size and duration. It is rewritten (atomically) as cases finish and at
//! the end, so a run cut short leaves a well-formed file whose `status` says so; the cases it
//! did not run are listed in `not_run`. The whole text passes through the redactor.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use super::write_atomically;
use crate::events::{CaseRecord, Counts, Event, Reporter, RunSummary};
use crate::plan::PlanSummary;
use crate::redact::Redactor;
use crate::verdict::{Evidence, Finding, Verdict};

/// The version of this document's format; bumped when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Serialize)]
struct CaseJson<'a> {
    id: &'a str,
    profile: &'a str,
    title: &'a str,
    requirements: &'a [String],
    level: &'static str,
    spec: &'a str,
    source: &'a str,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    duration_ms: u128,
    requests: usize,
    findings: &'a [Finding],
    expected: &'a [String],
    evidence: &'a Evidence,
}

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    tool: &'static str,
    version: String,
    /// `running`, `complete`, or `interrupted by SIGINT` / `SIGTERM`.
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a PlanSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<String>,
    summary: Summary,
    cases: Vec<CaseJson<'a>>,
    not_run: &'a [String],
}

#[derive(Serialize)]
struct Summary {
    passed: usize,
    failed: usize,
    errors: usize,
    warned: usize,
    skipped: usize,
    xfailed: usize,
    xpassed: usize,
    inconclusive: usize,
    /// Requests sent (all cases; known at the end of the run).
    requests: usize,
    duration_ms: u128,
}

pub struct Json {
    path: PathBuf,
    redactor: Redactor,
    plan: Option<Arc<PlanSummary>>,
    records: Vec<Arc<CaseRecord>>,
    rewrites: super::Rewrites,
}

impl Json {
    pub fn new(path: PathBuf, redactor: Redactor) -> Self {
        Json {
            path,
            redactor,
            plan: None,
            records: Vec::new(),
            rewrites: super::Rewrites::default(),
        }
    }

    fn write(&mut self, status: &str, end: Option<&RunSummary>) -> anyhow::Result<()> {
        let mut records: Vec<&CaseRecord> = self.records.iter().map(|r| &**r).collect();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        let c = Counts::of(records.iter().copied());
        let requests = end.map_or_else(|| records.iter().map(|r| r.requests).sum(), |s| s.requests);
        let doc = Document {
            format_version: FORMAT_VERSION,
            tool: "imgconform",
            version: crate::plan::version(),
            status,
            plan: self.plan.as_deref(),
            started_at: end.map(|s| s.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            finished_at: end.map(|_| chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            summary: Summary {
                passed: c.pass,
                failed: c.fail,
                errors: c.error,
                warned: c.warn,
                skipped: c.skip,
                xfailed: c.xfail,
                xpassed: c.xpass,
                inconclusive: c.inconclusive,
                requests,
                duration_ms: end.map_or(0, |s| s.elapsed.as_millis()),
            },
            cases: records.iter().map(|r| case_json(r)).collect(),
            not_run: end.map_or(&[], |s| &s.not_run),
        };
        let text =
            serde_json::to_string_pretty(&doc).map_err(|e| anyhow::anyhow!("cannot render JSON results: {e}"))?;
        write_atomically(&self.path, self.redactor.redact(&text).as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write JSON results {}: {e}", self.path.display()))?;
        self.rewrites.done();
        Ok(())
    }
}

fn case_json(r: &CaseRecord) -> CaseJson<'_> {
    CaseJson {
        id: &r.id,
        profile: &r.profile,
        title: &r.title,
        requirements: &r.requirements,
        level: r.level.as_str(),
        spec: &r.spec,
        source: &r.source,
        verdict: r.outcome.verdict.label(),
        reason: match &r.outcome.verdict {
            Verdict::Skip(reason) | Verdict::Inconclusive(reason) => Some(reason),
            _ => None,
        },
        duration_ms: r.outcome.duration.as_millis(),
        requests: r.requests,
        findings: &r.outcome.findings,
        expected: &r.outcome.expected,
        evidence: &r.outcome.evidence,
    }
}

impl Reporter for Json {
    fn report(&mut self, event: &Event) -> anyhow::Result<()> {
        match event {
            Event::RunStarted { plan } => {
                self.plan = Some(plan.clone());
                self.write("running", None)?;
            }
            Event::CaseStarted { .. } => {}
            Event::RequestSent(_) | Event::RequestAnswered(_) => {}
            Event::CaseFinished(r) => {
                self.records.push(r.clone());
                if self.rewrites.due() {
                    self.write("running", None)?;
                }
            }
            Event::RunFinished(summary) => self.write("complete", Some(summary))?,
            Event::RunInterrupted { signal, summary } => {
                self.write(&format!("interrupted by {}", signal.name()), Some(summary))?;
            }
        }
        Ok(())
    }
}
