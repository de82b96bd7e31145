//! `--json PATH`: every case's result for machines (CI dashboards, `imgconform baseline`).
//! The whole document passes through the redactor before it is written.

use serde::Serialize;

use super::{CaseRecord, Counts};
use crate::redact::Redactor;
use crate::verdict::{Evidence, Finding, Verdict};

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
    findings: &'a [Finding],
    expected: &'a [String],
    evidence: &'a Evidence,
}

#[derive(Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'static str,
    summary: Summary,
    cases: Vec<CaseJson<'a>>,
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
}

pub fn write_json(path: &std::path::Path, records: &[CaseRecord], redactor: &Redactor) -> anyhow::Result<()> {
    let c = Counts::of(records);
    let doc = Document {
        tool: "imgconform",
        version: env!("CARGO_PKG_VERSION"),
        summary: Summary {
            passed: c.pass,
            failed: c.fail,
            errors: c.error,
            warned: c.warn,
            skipped: c.skip,
            xfailed: c.xfail,
            xpassed: c.xpass,
            inconclusive: c.inconclusive,
        },
        cases: records
            .iter()
            .map(|r| CaseJson {
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
                findings: &r.outcome.findings,
                expected: &r.outcome.expected,
                evidence: &r.outcome.evidence,
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&doc).map_err(|e| anyhow::anyhow!("cannot render JSON results: {e}"))?;
    std::fs::write(path, redactor.redact(&text))
        .map_err(|e| anyhow::anyhow!("cannot write JSON results {}: {e}", path.display()))
}
