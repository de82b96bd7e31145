//! Running one case against the target: discovery and binding, the request or walk, the
//! choice of the acceptable alternative, the checks, and the verdict with its evidence.

mod bind;
mod evidence;
mod request;

pub use evidence::exchange_evidence;

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;
use url::Url;

use crate::checks::{self, Findings, Net, Subject};
use crate::exec::{Catalogue, Discovery, Exchange, HttpClient, Walk, Walker};
use crate::loader::SchemaSet;
use crate::model::{Alternative, Case, Check, Need, Profile, Spanned};
use crate::template::{self, Vars};
use crate::verdict::{Evidence, Finding, Outcome, Verdict};

/// Everything shared by the cases of one run.
pub struct RunContext {
    pub client: HttpClient,
    /// Endpoint URLs by kind (`image`, `compute`, `ims`).
    pub endpoints: BTreeMap<String, Url>,
    pub profiles: BTreeMap<String, Profile>,
    pub schemas: SchemaSet,
    pub discovery: Discovery,
    /// The page budget of a walk.
    pub max_pages: usize,
    /// Snapshot comparison, when asked for.
    pub snapshots: Option<crate::snapshot::Config>,
    /// Applied to snapshots (reports apply it to everything else).
    pub redactor: crate::redact::Redactor,
}

/// How the alternatives read in a failure report.
pub fn describe_alternatives(case: &Case) -> Vec<String> {
    case.expect
        .iter()
        .map(|a| {
            let a = &a.value;
            let codes: Vec<String> = a.status.iter().map(u16::to_string).collect();
            let mut s = format!("status {}", codes.join(" or "));
            if let Some(schema) = &a.schema {
                s.push_str(&format!(", body matching {}", schema.value));
            }
            if !a.checks.is_empty() {
                let names: Vec<&str> = a.checks.iter().map(|c| c.value.name()).collect();
                s.push_str(&format!(", checks: {}", names.join(", ")));
            }
            if let Some(b) = &a.because {
                s.push_str(&format!(" — {b}"));
            }
            s
        })
        .collect()
}

/// Whether the case cannot be judged without the catalogue (bindings, oracles, its size in a
/// template). A case that only `needs` a minimum size can still be judged when discovery fails.
fn judged_with_catalogue(case: &Case) -> bool {
    let in_templates = |s: &str| template::references(s).is_ok_and(|r| r.iter().any(|r| r.var == "catalogue_count"));
    !case.bind.is_empty()
        || in_templates(&case.request.path.value)
        || case.request.query.0.iter().any(|(_, v)| {
            template::value_references(&v.value).is_ok_and(|r| r.iter().any(|r| r.var == "catalogue_count"))
        })
        || case.expect.iter().any(|a| {
            a.value.checks.iter().any(|c| match &c.value {
                Check::MatchesCatalogue(_) | Check::DisjointFromCatalogue(_) => true,
                Check::Count(c) => template::value_references(&c.value.value)
                    .is_ok_and(|r| r.iter().any(|r| r.var == "catalogue_count")),
                _ => false,
            })
        })
}

/// Runs one case; never panics on anything the target sends.
pub async fn run_case(ctx: &RunContext, case: &Case) -> Outcome {
    let started = Instant::now();
    let mut outcome = run_inner(ctx, case).await;
    outcome.duration = started.elapsed();
    if outcome.expected.is_empty() && !matches!(outcome.verdict, Verdict::Skip(_)) {
        outcome.expected = describe_alternatives(case);
    }
    outcome
}

/// The SKIP of a case that came after `--max-requests` was used up: never silently dropped.
fn budget_skip() -> Outcome {
    Outcome::skip("the run's request budget (--max-requests) is used up")
}

fn is_budget(e: &crate::exec::TransportError) -> bool {
    matches!(e, crate::exec::TransportError::Budget(_))
}

async fn run_inner(ctx: &RunContext, case: &Case) -> Outcome {
    if ctx.client.budget_spent() {
        return budget_skip();
    }
    if case.request.auth == crate::model::Auth::Other && !ctx.client.has_other_identity() {
        return Outcome::skip(
            "needs a second identity in another project (--other-cloud NAME or OS_OTHER_* variables)",
        );
    }
    let Some(profile) = ctx.profiles.get(&case.profile.value) else {
        return Outcome::error(
            Finding::new("profile", format!("unknown profile `{}`", case.profile.value)),
            Evidence::default(),
        );
    };
    let Some(endpoint) = ctx.endpoints.get(&profile.endpoint) else {
        return Outcome::skip(format!(
            "no `{}` endpoint configured for profile {} (give --{}-url)",
            profile.endpoint, profile.name, profile.endpoint
        ));
    };

    let mut vars = Vars::new();
    if profile.tenant_from_endpoint
        && let Some(tenant) = endpoint.path_segments().and_then(|mut s| s.rfind(|x| !x.is_empty()))
    {
        vars.insert("tenant_id".into(), Value::from(tenant));
    }
    let mut catalogue = None;
    let judged_with = judged_with_catalogue(case);
    if judged_with || !case.needs.is_empty() {
        match ctx
            .discovery
            .unpaged(&ctx.client, profile, endpoint, None, &[], ctx.max_pages, true)
            .await
        {
            Ok(c) => {
                vars.insert("catalogue_count".into(), Value::from(c.items.len()));
                catalogue = Some(c);
            }
            Err(walk) if matches!(&walk.end, crate::exec::WalkEnd::Transport(e) if is_budget(e)) => {
                return budget_skip();
            }
            Err(walk) if judged_with => {
                let why = format!(
                    "catalogue discovery (walking {}) failed: {}",
                    profile.list_path,
                    walk.describe_end()
                );
                return Outcome::error(Finding::new("discovery", why), walk_evidence(&walk, profile, None));
            }
            // Only `needs` wanted the catalogue: the case's own request will show what is wrong.
            Err(_) => {}
        }
    }
    let count = catalogue.as_ref().map_or(0, |c| c.items.len());
    for need in &case.needs {
        match &need.value {
            Need::CatalogueAtLeast(n) if catalogue.is_some() && count < *n => {
                return Outcome::skip(format!("needs at least {n} images; the catalogue has {count}"));
            }
            Need::CatalogueAtLeast(_) => {}
        }
    }
    for (name, b) in &case.bind {
        let items = catalogue.as_ref().map_or(&[][..], |c| &c.items[..]);
        match bind::resolve(&b.value, items) {
            Ok(Some(v)) => {
                vars.insert(name.clone(), v);
            }
            Ok(None) => {
                return Outcome::skip(format!(
                    "needs {}: none in the discovered catalogue of {count} images",
                    b.value.need
                ));
            }
            Err(e) => return Outcome::error(Finding::new(format!("bind {name}"), e), Evidence::default()),
        }
    }

    let request = match request::build(case, endpoint, &vars) {
        Ok(r) => r,
        Err(e) => return Outcome::error(Finding::new("request", e), Evidence::default()),
    };

    let net = Net {
        client: &ctx.client,
        endpoint,
        endpoints: &ctx.endpoints,
        profiles: &ctx.profiles,
        discovery: &ctx.discovery,
        max_pages: ctx.max_pages,
    };
    if let Some(walk_spec) = &case.walk {
        // The walker validates each page against the schema of the 2xx alternative.
        let validator = case
            .expect
            .iter()
            .find(|a| a.value.status.iter().any(|s| (200..300).contains(s)))
            .and_then(|a| a.value.schema.as_ref())
            .and_then(|s| ctx.schemas.get(&s.value))
            .map(|v| &**v);
        let walker = Walker {
            client: &ctx.client,
            profile,
            endpoint,
            max_pages: walk_spec
                .max_pages
                .unwrap_or_else(|| page_budget(ctx.max_pages, profile, &request, catalogue.as_deref())),
            validator,
        };
        let walk = walker.walk(request.clone()).await;
        let Some(first) = walk.first() else {
            return Outcome::error(Finding::new("walk", "no page was read"), Evidence::default());
        };
        let exchange = first.exchange.clone();
        judge(
            ctx,
            case,
            profile,
            &exchange,
            Some(&walk),
            &vars,
            catalogue.as_deref(),
            &net,
        )
        .await
    } else {
        let exchange = ctx.client.send(request).await;
        judge(ctx, case, profile, &exchange, None, &vars, catalogue.as_deref(), &net).await
    }
}

#[allow(clippy::too_many_arguments)]
async fn judge(
    ctx: &RunContext,
    case: &Case,
    profile: &Profile,
    exchange: &Exchange,
    walk: Option<&Walk>,
    vars: &Vars,
    catalogue: Option<&Catalogue>,
    net: &Net<'_>,
) -> Outcome {
    let mut evidence = match walk {
        Some(w) => walk_evidence(w, profile, Some(exchange)),
        None => Evidence {
            exchanges: vec![exchange_evidence(exchange)],
            trace: Vec::new(),
        },
    };
    if let Some(w) = walk
        && matches!(&w.end, crate::exec::WalkEnd::Transport(e) if is_budget(e))
    {
        return budget_skip();
    }
    let response = match &exchange.result {
        Ok(r) => r,
        Err(e) if is_budget(e) => return budget_skip(),
        Err(e) => {
            return Outcome::error(Finding::new("request", e.to_string()), evidence);
        }
    };
    let Some(alt) = case.expect.iter().find(|a| a.value.status.contains(&response.status)) else {
        let f = Finding::new("status", "the status is none of the acceptable alternatives")
            .expected(describe_alternatives(case).join("\n  or "))
            .actual(format!("status {}", response.status));
        return verdict(case, Findings::broken(f), evidence);
    };
    let alt: &Spanned<Alternative> = alt;
    let parsed = response.json();
    let body = parsed.as_ref().ok();
    let mut findings = Findings::default();

    let is_walk_page = walk.is_some() && (200..300).contains(&response.status);
    if let Some(schema) = &alt.value.schema {
        match ctx.schemas.get(&schema.value) {
            None => findings.errors.push(Finding::new(
                "schema",
                format!("schema `{}` is not loaded", schema.value),
            )),
            Some(v) if !is_walk_page => findings.extend(checks::validate_schema(
                &schema.value,
                v,
                body,
                parsed.as_ref().err().map(String::as_str),
            )),
            Some(_) => {
                let bad: Vec<String> = walk
                    .into_iter()
                    .flat_map(|w| w.pages.iter().enumerate())
                    .filter(|(_, p)| !p.schema_errors.is_empty())
                    .map(|(n, p)| format!("page {}: {}", n + 1, p.schema_errors.join("; ")))
                    .collect();
                if !bad.is_empty() {
                    findings.broken.push(
                        Finding::new(format!("schema {}", schema.value), "a page does not match the schema")
                            .expected(format!("every page valid against {}", schema.value))
                            .actual(bad.join("\n")),
                    );
                }
            }
        }
    }

    let mut reference = None;
    if let (Some(w), Some(spec)) = (walk, &case.walk)
        && is_walk_page
    {
        if spec.complete && w.is_complete() {
            let pairs = crate::exec::query_pairs(&exchange.request.url);
            match ctx
                .discovery
                .unpaged(
                    &ctx.client,
                    profile,
                    net.endpoint,
                    Some(&request_path(net.endpoint, &exchange.request.url)),
                    &pairs,
                    ctx.max_pages,
                    false,
                )
                .await
            {
                Ok(c) => reference = Some(c),
                Err(ref_walk) => findings.errors.push(Finding::new(
                    "walk: complete",
                    format!(
                        "the unpaged reference list could not be read: {}",
                        ref_walk.describe_end()
                    ),
                )),
            }
        }
        let walk_findings = checks::walk_properties(w, spec, profile, &exchange.request, reference.as_deref());
        // A union that disagrees with the unpaged list may mean the catalogue itself moved
        // (another tenant uploaded an image): read the list again before calling it a FAIL.
        let only_incomplete = !walk_findings.broken.is_empty()
            && walk_findings.broken.iter().all(|f| f.check == "walk: complete")
            && findings.broken.is_empty();
        if let Some(before) = &reference
            && only_incomplete
        {
            let pairs = crate::exec::query_pairs(&exchange.request.url);
            let path = request_path(net.endpoint, &exchange.request.url);
            if let Ok(now) =
                Discovery::unpaged_fresh(&ctx.client, profile, net.endpoint, Some(&path), &pairs, ctx.max_pages).await
                && now.ids != before.ids
            {
                let why = format!(
                    "the catalogue changed during the walk: the unpaged list had {} item(s) before ({}) and {} after ({})",
                    before.ids.len(),
                    checks::short_ids(&before.ids),
                    now.ids.len(),
                    checks::short_ids(&now.ids)
                );
                return Outcome {
                    verdict: Verdict::Inconclusive(why),
                    findings: walk_findings.broken,
                    expected: describe_alternatives(case),
                    evidence,
                    duration: Default::default(),
                };
            }
        }
        findings.extend(walk_findings);
    }

    let items: Option<Vec<&Value>> = match walk {
        Some(w) if is_walk_page => Some(w.items().collect()),
        _ => body
            .and_then(|b| b.pointer(&profile.items))
            .and_then(Value::as_array)
            .map(|a| a.iter().collect()),
    };
    let subject = Subject {
        profile,
        request: &exchange.request,
        response,
        body,
        items,
        vars,
        catalogue,
    };
    for check in &alt.value.checks {
        findings.extend(checks::run(&check.value, &subject, net).await);
    }
    for extra in &findings.exchanges {
        evidence.exchanges.push(exchange_evidence(extra));
    }
    let mut outcome = verdict(case, findings, evidence);
    if let (Some(config), Some(name)) = (&ctx.snapshots, &case.snapshot)
        && config.mode != crate::snapshot::Mode::Off
    {
        let value = crate::snapshot::normalize(response, &ctx.redactor);
        if let Err(why) = crate::snapshot::compare(config, &profile.name, &name.value, &value) {
            let shown = serde_json::to_string_pretty(&value).unwrap_or_default();
            outcome.findings.push(Finding::new("snapshot", why).actual(shown));
            // Against the mock a difference is a regression; against a cloud it is drift.
            let fails = config.target_is_mock || config.mode == crate::snapshot::Mode::Strict;
            outcome.verdict = match (&outcome.verdict, fails) {
                (Verdict::Pass | Verdict::Warn, true) => Verdict::Fail,
                (Verdict::Pass, false) => Verdict::Warn,
                (other, _) => other.clone(),
            };
        }
    }
    outcome
}

fn verdict(case: &Case, findings: Findings, evidence: Evidence) -> Outcome {
    if findings.broken.is_empty()
        && let Some(reason) = findings.skip
    {
        return Outcome::skip(reason);
    }
    let verdict = if !findings.broken.is_empty() {
        Verdict::for_broken(case.level)
    } else if !findings.errors.is_empty() {
        Verdict::Error
    } else {
        Verdict::Pass
    };
    let mut all = findings.broken;
    all.extend(findings.errors);
    Outcome {
        verdict,
        findings: all,
        expected: describe_alternatives(case),
        evidence,
        duration: Default::default(),
    }
}

/// The request's path relative to the endpoint (`/v2/images` under `http://h/image`).
fn request_path(endpoint: &Url, url: &Url) -> String {
    let prefix = endpoint.path().trim_end_matches('/');
    url.path().strip_prefix(prefix).unwrap_or(url.path()).to_string()
}

/// The page budget of a walk: the run's budget, raised when the discovered catalogue needs more
/// pages at the request's limit (2000 images at limit=1 are 2001 pages on a conforming server).
/// The margin covers a catalogue that grows during the run.
fn page_budget(
    max_pages: usize,
    profile: &Profile,
    request: &crate::exec::RequestSpec,
    catalogue: Option<&Catalogue>,
) -> usize {
    let limit = crate::exec::query_pairs(&request.url)
        .into_iter()
        .rfind(|(k, _)| *k == profile.limit_param)
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .filter(|l| *l > 0);
    match (catalogue, limit) {
        (Some(c), Some(l)) => max_pages.max(2 * c.ids.len().div_ceil(l) + 10),
        _ => max_pages,
    }
}

/// Evidence of a walk: the first exchange (and the last, when the walk ended elsewhere), plus
/// the page-by-page trace.
fn walk_evidence(walk: &Walk, profile: &Profile, first: Option<&Exchange>) -> Evidence {
    let mut exchanges = Vec::new();
    if let Some(f) = first.or(walk.first().map(|p| &p.exchange)) {
        exchanges.push(exchange_evidence(f));
    }
    if walk.pages.len() > 1
        && let Some(last) = walk.pages.last()
    {
        exchanges.push(exchange_evidence(&last.exchange));
    }
    Evidence {
        exchanges,
        trace: walk.trace(&profile.id),
    }
}
