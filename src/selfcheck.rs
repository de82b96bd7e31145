//! Mutation self-check: the whole suite against the embedded mock, once clean (every case must
//! pass) and once per quirk (at least one case must FAIL). A quirk no case catches is a hole in
//! the catalogue.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Semaphore;

use crate::exec::{Discovery, HttpClient, HttpLimits};
use crate::loader::{LoadedCase, Suite};
use crate::mock::{self, MockConfig, Quirk};
use crate::redact::Secret;
use crate::runner::{self, RunContext};
use crate::verdict::Verdict;

/// Cases in flight at once within one run, and runs at once.
const CASES_IN_FLIGHT: usize = 16;
const RUNS_IN_FLIGHT: usize = 4;

#[derive(Debug, Serialize)]
pub struct QuirkResult {
    pub quirk: String,
    pub description: String,
    /// The requirement the bug violates.
    pub requirement: String,
    /// Cases that FAILed against the mock with this quirk.
    pub caught_by: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SelfcheckReport {
    pub cases: usize,
    /// Cases that did not pass against the clean mock, with their verdict.
    pub clean_failures: Vec<(String, String)>,
    pub quirks: Vec<QuirkResult>,
    pub caught: usize,
}

impl SelfcheckReport {
    pub fn ok(&self) -> bool {
        self.clean_failures.is_empty() && self.caught == self.quirks.len()
    }

    pub fn render_text(&self) -> String {
        let mut s = String::new();
        if self.clean_failures.is_empty() {
            s.push_str(&format!("clean mock: all {} cases pass\n", self.cases));
        } else {
            s.push_str(&format!(
                "clean mock: {} of {} cases do not pass:\n",
                self.clean_failures.len(),
                self.cases
            ));
            for (id, v) in &self.clean_failures {
                s.push_str(&format!("  {v} {id}\n"));
            }
        }
        let width = self.quirks.iter().map(|q| q.quirk.len()).max().unwrap_or(0);
        for q in &self.quirks {
            let by = if q.caught_by.is_empty() {
                "SURVIVED: no case fails".to_string()
            } else {
                let shown: Vec<&str> = q.caught_by.iter().take(4).map(String::as_str).collect();
                let more = q.caught_by.len().saturating_sub(4);
                format!(
                    "{}{}",
                    shown.join(", "),
                    if more > 0 { format!(" (+{more})") } else { String::new() }
                )
            };
            s.push_str(&format!("{:<width$}  {by}\n", q.quirk));
        }
        s.push_str(&format!("caught {}/{} quirks\n", self.caught, self.quirks.len()));
        s
    }
}

/// What every run shares: the profiles, endpoint kinds, schemas and cases of the suite.
struct Shared {
    profiles: BTreeMap<String, crate::model::Profile>,
    kinds: BTreeMap<String, crate::model::EndpointKind>,
    schemas: crate::loader::SchemaSet,
    cases: Vec<Arc<LoadedCase>>,
}

/// Runs every case against a fresh mock with `quirks`; returns each case's verdict.
async fn run_once(shared: Arc<Shared>, quirks: Vec<Quirk>) -> anyhow::Result<BTreeMap<String, Verdict>> {
    let config = MockConfig {
        quirks: quirks.into_iter().collect(),
        ..MockConfig::default()
    };
    let token = config.token.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let mock = mock::spawn(config, listener).await?;
    let endpoints = crate::plan::mock_urls(&shared.kinds, &mock.base_url(), mock::TENANT);
    let ctx = Arc::new(RunContext {
        client: HttpClient::new(HttpLimits::default(), Some(Secret::new(token.clone())))?
            .with_other_token(Some(Secret::new(format!("{token}{}", mock::ALT_TOKEN_SUFFIX)))),
        endpoints,
        profiles: shared.profiles.clone(),
        kinds: shared.kinds.clone(),
        schemas: shared.schemas.clone(),
        discovery: Discovery::default(),
        max_pages: 1000,
        // The snapshots are checked by `run` and by cargo test; a quirk is caught by a case.
        snapshots: None,
        redactor: crate::redact::Redactor::default(),
        identity: runner::IdentityContext {
            main_project_id: Some(mock::TENANT.to_string()),
            other_project_id: Some(mock::SECOND_TENANT.to_string()),
            other_is_admin: Some(false),
        },
    });
    let gate = Arc::new(Semaphore::new(CASES_IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for c in shared.cases.iter().filter(|c| c.case.ignore.is_none()) {
        let (ctx, c, gate) = (ctx.clone(), c.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let raw = runner::run_case(&ctx, &c).await;
            (c.id().to_string(), raw.outcome.verdict)
        });
    }
    let mut verdicts = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (id, v) = done?;
        verdicts.insert(id, v);
    }
    mock.shutdown().await;
    Ok(verdicts)
}

pub async fn selfcheck(suite: Suite) -> anyhow::Result<SelfcheckReport> {
    let shared = Arc::new(Shared {
        profiles: suite.profiles,
        kinds: suite.endpoints,
        schemas: suite.schemas,
        cases: suite.cases.into_iter().map(Arc::new).collect(),
    });
    let clean = run_once(shared.clone(), Vec::new()).await?;
    let clean_failures: Vec<(String, String)> = clean
        .iter()
        .filter(|(_, v)| !matches!(v, Verdict::Pass))
        .map(|(id, v)| (id.clone(), v.label().to_string()))
        .collect();

    // Runs are independent (a mock and a context each), so they go side by side.
    let gate = Arc::new(Semaphore::new(RUNS_IN_FLIGHT));
    let mut runs = tokio::task::JoinSet::new();
    for (n, q) in Quirk::all().iter().copied().enumerate() {
        let (gate, shared) = (gate.clone(), shared.clone());
        runs.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let verdicts = run_once(shared, vec![q]).await?;
            let caught_by: Vec<String> = verdicts
                .into_iter()
                .filter(|(_, v)| *v == Verdict::Fail)
                .map(|(id, _)| id)
                .collect();
            anyhow::Ok((
                n,
                QuirkResult {
                    quirk: q.name().to_string(),
                    description: q.description().to_string(),
                    requirement: q.requirement().to_string(),
                    caught_by,
                },
            ))
        });
    }
    let mut results = Vec::new();
    while let Some(done) = runs.join_next().await {
        results.push(done??);
    }
    results.sort_by_key(|(n, _)| *n);
    let quirks: Vec<QuirkResult> = results.into_iter().map(|(_, r)| r).collect();
    let caught = quirks.iter().filter(|r| !r.caught_by.is_empty()).count();
    Ok(SelfcheckReport {
        cases: shared.cases.len(),
        clean_failures,
        quirks,
        caught,
    })
}
