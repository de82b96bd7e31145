//! Mutation self-check: the whole suite against the embedded mock, clean (every case must
//! pass), once per quirk (the quirk must be caught *for the right reason*: by a case that FAILs
//! — or WARNs, when the case is judged at SHOULD or MAY — and cites the requirement the quirk
//! breaks; caught only by unrelated cases counts as not caught), and once per conforming variant (a legitimate behaviour the seeds allow: no case may
//! FAIL or ERROR, WARN only where the variant breaks a SHOULD). Every run provisions the
//! fixtures first, as `run --provision` does, so that the write quirks can be seen.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Semaphore;

use crate::exec::{Discovery, HttpClient, HttpLimits};
use crate::loader::{LoadedCase, Suite};
use crate::mock::{self, MockConfig, Quirk, Variant};
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
    /// Cases that FAILed (or, judged at SHOULD or MAY, WARNed) and cite the quirk's requirement:
    /// the quirk is caught by them.
    pub caught_by: Vec<String>,
    /// Cases that FAILed without citing it (caught for another reason: does not count).
    pub also_failed: Vec<String>,
    pub caught: bool,
}

#[derive(Debug, Serialize)]
pub struct VariantResult {
    pub variant: String,
    pub description: String,
    /// Why the seeds allow it.
    pub reference: String,
    /// Cases that FAILed or ERRORed against it (each a false failure of the suite).
    pub failures: Vec<(String, String)>,
    /// Cases that WARNed (allowed: the variant breaks a SHOULD).
    pub warnings: Vec<String>,
    pub passed: bool,
}

#[derive(Debug, Serialize)]
pub struct SelfcheckReport {
    pub cases: usize,
    /// Cases that did not pass against the clean mock, with their verdict.
    pub clean_failures: Vec<(String, String)>,
    /// Cases that need fixtures the clean mock could not make (every run provisions, as
    /// `run --provision` does), with the first reason: not judged, and said so.
    pub unprovisioned: Vec<(String, String)>,
    pub variants: Vec<VariantResult>,
    pub variants_passed: usize,
    pub quirks: Vec<QuirkResult>,
    /// Quirks caught by a case citing their requirement.
    pub caught: usize,
}

impl SelfcheckReport {
    pub fn ok(&self) -> bool {
        self.clean_failures.is_empty()
            && self.caught == self.quirks.len()
            && self.variants_passed == self.variants.len()
    }

    pub fn render_text(&self) -> String {
        let mut s = String::new();
        if self.clean_failures.is_empty() {
            match self.unprovisioned.len() {
                0 => s.push_str(&format!("clean mock: all {} cases pass\n", self.cases)),
                n => s.push_str(&format!(
                    "clean mock: all {} judged cases pass ({n} not judged, see below)\n",
                    self.cases - n
                )),
            }
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
        if let Some((_, why)) = self.unprovisioned.first() {
            s.push_str(&format!(
                "not judged: {} case(s) need fixtures the mock could not make ({why})\n",
                self.unprovisioned.len()
            ));
        }
        let width = self
            .variants
            .iter()
            .map(|v| v.variant.len())
            .chain(self.quirks.iter().map(|q| q.quirk.len()))
            .max()
            .unwrap_or(0);
        if !self.variants.is_empty() {
            s.push_str("\nconforming variants (the suite must pass each):\n");
        }
        for v in &self.variants {
            let what = if v.passed {
                match v.warnings.len() {
                    0 => "passed".to_string(),
                    n => format!("passed ({n} WARN: {})", short(&v.warnings)),
                }
            } else {
                let failed: Vec<String> = v
                    .failures
                    .iter()
                    .map(|(id, verdict)| format!("{verdict} {id}"))
                    .collect();
                format!("FALSE FAILURES: {}", short(&failed))
            };
            s.push_str(&format!("  {:<width$}  {what}\n", v.variant));
        }
        s.push_str("\nquirks (each must be caught by a case citing the requirement it breaks):\n");
        for q in &self.quirks {
            let by = if q.caught {
                short(&q.caught_by)
            } else if q.also_failed.is_empty() {
                format!("SURVIVED: no case fails ({})", q.requirement)
            } else {
                format!(
                    "NOT CAUGHT FOR ITS REASON: no failing case cites {} (failed: {})",
                    q.requirement,
                    short(&q.also_failed)
                )
            };
            s.push_str(&format!("  {:<width$}  {by}\n", q.quirk));
        }
        s.push_str(&format!(
            "\nconforming variants passed {}/{}\nquirks caught by their own requirement {}/{}\n",
            self.variants_passed,
            self.variants.len(),
            self.caught,
            self.quirks.len()
        ));
        s
    }
}

fn short(xs: &[String]) -> String {
    let shown: Vec<&str> = xs.iter().take(4).map(String::as_str).collect();
    let more = xs.len().saturating_sub(4);
    format!(
        "{}{}",
        shown.join(", "),
        if more > 0 { format!(" (+{more})") } else { String::new() }
    )
}

/// What every run shares: the profiles, endpoint kinds, schemas and cases of the suite.
struct Shared {
    profiles: BTreeMap<String, crate::model::Profile>,
    kinds: BTreeMap<String, crate::model::EndpointKind>,
    schemas: crate::loader::SchemaSet,
    cases: Vec<Arc<LoadedCase>>,
    fixtures: BTreeMap<String, crate::model::FixtureSet>,
}

/// What one run against a mock came to.
struct Once {
    verdicts: BTreeMap<String, Verdict>,
    /// Cases whose fixtures could not be made, with why.
    unprovisioned: BTreeMap<String, String>,
}

/// Runs every case against a fresh mock configured so, provisioning the fixtures first and
/// removing them after (the write quirks are only seen by a provisioning run); returns each
/// case's verdict.
async fn run_once(shared: Arc<Shared>, config: MockConfig) -> anyhow::Result<Once> {
    let token = config.token.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let mock = mock::spawn(config, listener).await?;
    let endpoints = crate::plan::mock_urls(&shared.kinds, &mock.base_url(), mock::TENANT);
    let client = HttpClient::new(HttpLimits::default(), Some(Secret::new(token.clone())))?
        .with_other_token(Some(Secret::new(format!("{token}{}", mock::ALT_TOKEN_SUFFIX))));
    let plan = crate::plan::provision_plan(&shared.cases, &shared.fixtures);
    let projects = crate::provision::Projects {
        main: Some(mock::TENANT.to_string()),
        other: Some(mock::SECOND_TENANT.to_string()),
        has_other: true,
    };
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let provisioned = Arc::new(crate::provision::provision(&client, &plan, &endpoints, &projects, stop).await);
    let mut unprovisioned = BTreeMap::new();
    for c in &shared.cases {
        for n in &c.case.needs {
            let crate::model::Need::Fixtures(f) = &n.value else {
                continue;
            };
            if let Some(crate::provision::FixtureState::Unavailable { reason, .. }) =
                provisioned.state(&c.case.profile.value, f)
            {
                unprovisioned
                    .entry(c.id().to_string())
                    .or_insert_with(|| format!("{f}: {reason}"));
            }
        }
    }
    let ctx = Arc::new(RunContext {
        client: client.clone(),
        endpoints,
        profiles: shared.profiles.clone(),
        kinds: shared.kinds.clone(),
        schemas: shared.schemas.clone(),
        discovery: Discovery::new(
            runner::projections(&shared.profiles, shared.cases.iter().map(|c| &**c)),
            crate::exec::DEFAULT_MAX_CATALOGUE,
            1000,
        ),
        max_pages: 1000,
        // The snapshots are checked by `run` and by cargo test; a quirk is caught by a case.
        snapshots: None,
        redactor: crate::redact::Redactor::default(),
        walks: runner::WalkConfig::default(),
        identity: runner::IdentityContext {
            main_project_id: Some(mock::TENANT.to_string()),
            other_project_id: Some(mock::SECOND_TENANT.to_string()),
            main_is_admin: Some(false),
            other_is_admin: Some(false),
        },
        fixtures: Some(provisioned.clone()),
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
    crate::provision::cleanup(&provisioned, 100).await;
    mock.shutdown().await;
    Ok(Once {
        verdicts,
        unprovisioned,
    })
}

/// One mock setup to run the suite against, and how to judge the verdicts.
enum Setup {
    Quirk(Quirk),
    Variant(Variant),
}

pub async fn selfcheck(suite: Suite) -> anyhow::Result<SelfcheckReport> {
    let requirements_of: BTreeMap<String, Vec<String>> = suite
        .cases
        .iter()
        .map(|c| {
            (
                c.id().to_string(),
                c.case.requirements.iter().map(|r| r.value.clone()).collect(),
            )
        })
        .collect();
    // Cases judged below MUST (the seeds are silent, Glance and Tempest are the reference: a
    // hidden image in the default list) report a breach as WARN: that catches a quirk too.
    let below_must: std::collections::BTreeSet<String> = suite
        .cases
        .iter()
        .filter(|c| c.case.level != crate::model::Level::Must)
        .map(|c| c.id().to_string())
        .collect();
    let shared = Arc::new(Shared {
        profiles: suite.profiles,
        kinds: suite.endpoints,
        schemas: suite.schemas,
        cases: suite.cases.into_iter().map(Arc::new).collect(),
        fixtures: suite.fixtures,
    });
    let Once {
        verdicts: clean,
        unprovisioned,
    } = run_once(shared.clone(), MockConfig::default()).await?;
    let clean_failures: Vec<(String, String)> = clean
        .iter()
        .filter(|(id, v)| !matches!(v, Verdict::Pass) && !unprovisioned.contains_key(*id))
        .map(|(id, v)| (id.clone(), v.label().to_string()))
        .collect();

    // Runs are independent (a mock and a context each), so they go side by side.
    let setups: Vec<Setup> = Variant::all()
        .iter()
        .copied()
        .map(Setup::Variant)
        .chain(Quirk::all().iter().copied().map(Setup::Quirk))
        .collect();
    let gate = Arc::new(Semaphore::new(RUNS_IN_FLIGHT));
    let mut runs = tokio::task::JoinSet::new();
    for (n, setup) in setups.into_iter().enumerate() {
        let (gate, shared) = (gate.clone(), shared.clone());
        runs.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let config = match &setup {
                Setup::Quirk(q) => MockConfig {
                    quirks: [*q].into(),
                    ..MockConfig::default()
                },
                Setup::Variant(v) => MockConfig {
                    variants: [*v].into(),
                    ..MockConfig::default()
                },
            };
            let once = run_once(shared, config).await?;
            // A case whose fixtures the mock could not make is not judged (see `unprovisioned`).
            let verdicts: BTreeMap<String, Verdict> = once
                .verdicts
                .into_iter()
                .filter(|(id, _)| !once.unprovisioned.contains_key(id))
                .collect();
            anyhow::Ok((n, setup, verdicts))
        });
    }
    let mut results = Vec::new();
    while let Some(done) = runs.join_next().await {
        results.push(done??);
    }
    results.sort_by_key(|(n, _, _)| *n);
    let mut quirks = Vec::new();
    let mut variants = Vec::new();
    for (_, setup, verdicts) in results {
        match setup {
            Setup::Variant(v) => {
                let failures: Vec<(String, String)> = verdicts
                    .iter()
                    .filter(|(_, verdict)| matches!(verdict, Verdict::Fail | Verdict::Error))
                    .map(|(id, verdict)| (id.clone(), verdict.label().to_string()))
                    .collect();
                let warnings: Vec<String> = verdicts
                    .iter()
                    .filter(|(_, verdict)| **verdict == Verdict::Warn)
                    .map(|(id, _)| id.clone())
                    .collect();
                variants.push(VariantResult {
                    variant: v.name().to_string(),
                    description: v.description().to_string(),
                    reference: v.reference().to_string(),
                    passed: failures.is_empty(),
                    failures,
                    warnings,
                });
            }
            Setup::Quirk(q) => {
                let requirement = q.requirement().to_string();
                let (caught_by, also_failed): (Vec<String>, Vec<String>) = verdicts
                    .into_iter()
                    .filter(|(id, v)| *v == Verdict::Fail || (*v == Verdict::Warn && below_must.contains(id)))
                    .map(|(id, _)| id)
                    .partition(|id| requirements_of.get(id).is_some_and(|rs| rs.contains(&requirement)));
                quirks.push(QuirkResult {
                    quirk: q.name().to_string(),
                    description: q.description().to_string(),
                    caught: !caught_by.is_empty(),
                    requirement,
                    caught_by,
                    also_failed,
                });
            }
        }
    }
    let caught = quirks.iter().filter(|r| r.caught).count();
    Ok(SelfcheckReport {
        cases: shared.cases.len(),
        clean_failures,
        unprovisioned: unprovisioned.into_iter().collect(),
        variants_passed: variants.iter().filter(|v| v.passed).count(),
        variants,
        quirks,
        caught,
    })
}
