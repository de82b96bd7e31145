//! `--json PATH`: every case's result for machines (CI dashboards, `imgconform baseline`).
//!
//! The document is data, not display strings: verdicts, counts, requests, each exchange's
//! status, content type, size and duration. It is rewritten as the run goes (see `file`), so a
//! run cut short leaves a well-formed file whose `status` says so; the cases it did not run are
//! listed in `not_run`. The whole text passes through the redactor.

use serde::Serialize;

use super::file::{Collected, Format};
use crate::events::{CaseRecord, Counts};
use crate::plan::PlanSummary;
use crate::verdict::{Evidence, Finding, Verdict};

/// The version of the format of every JSON document the tool writes (this results file, `run
/// --list`/`--plan --format json`, `coverage`/`selfcheck --format json`); bumped when a field
/// changes meaning or goes away. Their JSON Schemas are `schemas/report/*.json`.
///
/// 3: `status` is a word (`running`, `complete`, `interrupted`) with `signal` beside it; `spec`
/// has `spec_ref` and `quote` as data; a page trace's `status` is a number, with `error`.
pub const FORMAT_VERSION: u32 = 3;

/// `document` as a JSON object with `format_version` first.
pub fn versioned(document: serde_json::Value) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    out.insert("format_version".into(), FORMAT_VERSION.into());
    match document {
        serde_json::Value::Object(m) => out.extend(m),
        other => {
            out.insert("value".into(), other);
        }
    }
    serde_json::Value::Object(out)
}

#[derive(Serialize)]
struct CaseJson<'a> {
    id: &'a str,
    profile: &'a str,
    title: &'a str,
    requirements: &'a [String],
    level: &'static str,
    /// `Image API v2, List images § Pagination (003_b48025eb92be26ba.txt)`.
    spec: &'a str,
    spec_ref: &'a crate::events::SpecRef,
    quote: &'a str,
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
    /// `running`, `complete`, or `interrupted`.
    status: &'static str,
    /// The signal that interrupted the run (`SIGINT`, `SIGTERM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    signal: Option<&'static str>,
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
    /// The most bytes of response bodies held at once, against `--max-body-memory`.
    body_memory_peak: Option<usize>,
    body_memory_budget: Option<usize>,
}

/// The JSON format of a `FileReport`.
pub struct Json;

impl Format for Json {
    fn what(&self) -> &'static str {
        "JSON results"
    }
    fn render(&self, run: &Collected) -> anyhow::Result<Vec<u8>> {
        let c = Counts::of(run.records.iter().copied());
        let end = run.state.summary();
        let (status, signal) = match &run.state {
            super::file::RunState::Running => ("running", None),
            super::file::RunState::Complete(_) => ("complete", None),
            super::file::RunState::Interrupted { signal, .. } => ("interrupted", Some(*signal)),
        };
        let requests = end.map_or_else(|| run.records.iter().map(|r| r.requests).sum(), |s| s.requests);
        let doc = Document {
            format_version: FORMAT_VERSION,
            tool: "imgconform",
            version: crate::plan::version(),
            status,
            signal,
            plan: run.plan,
            started_at: end
                .map(|s| s.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .or_else(|| run.plan.and_then(|p| p.started_at.clone())),
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
                body_memory_peak: end.map(|s| s.body_memory_peak),
                body_memory_budget: end.map(|s| s.body_memory_budget),
            },
            cases: run.records.iter().map(|r| case_json(r)).collect(),
            not_run: end.map_or(&[], |s| &s.not_run),
        };
        let text =
            serde_json::to_string_pretty(&doc).map_err(|e| anyhow::anyhow!("cannot render JSON results: {e}"))?;
        Ok(run.redactor.redact(&text).into_bytes())
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
        spec_ref: &r.spec_ref,
        quote: &r.quote,
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
