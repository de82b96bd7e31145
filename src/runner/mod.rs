//! Running one case against the target: discovery and binding, the request or walk, then the
//! judgement (`judge`): the acceptable alternative, the checks, the verdict and its evidence.
//!
//! The runner returns a *raw* outcome (the case's own rules); the run's policies (baseline,
//! snapshot strictness) are applied by `crate::policy`, and the executor (`execute`) turns the
//! plan's cases into events for the reporters.

mod bind;
mod evidence;
mod execute;
mod fields;
mod judge;
mod request;
mod schedule;
mod windows;

pub use evidence::exchange_evidence;
pub use execute::{ExecError, Executed, execute, record};
pub use fields::projections;
pub use schedule::{chain_estimate, critical_first};
pub use windows::WalkConfig;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use url::Url;

use crate::checks::Net;
use crate::exec::{Discovery, Exchange, HttpClient, Walk};
use crate::loader::{LoadedCase, SchemaSet};
use crate::model::{Case, Check, EndpointKind, Need, Profile, TenantInPath};
use crate::policy::RawOutcome;
use crate::template::{self, Vars};
use crate::verdict::{Evidence, Finding, Outcome, SourceRef, Verdict};

/// Everything shared by the cases of one run.
pub struct RunContext {
    pub client: HttpClient,
    /// Endpoint URLs by kind (`image`, `compute`, `ims`).
    pub endpoints: BTreeMap<String, Url>,
    pub profiles: BTreeMap<String, Profile>,
    pub kinds: BTreeMap<String, EndpointKind>,
    pub schemas: SchemaSet,
    pub discovery: Discovery,
    /// The page budget of a walk.
    pub max_pages: usize,
    /// Snapshot comparison, when asked for.
    pub snapshots: Option<crate::snapshot::Config>,
    /// Applied to snapshots (reports apply it to everything else).
    pub redactor: crate::redact::Redactor,
    pub identity: IdentityContext,
    /// How long walks are cut into windows.
    pub walks: windows::WalkConfig,
    /// The fixtures of a provisioning run (`run --provision`); `None` when read-only.
    pub fixtures: Option<Arc<crate::provision::Provisioned>>,
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
                let names: Vec<&str> = a.checks.iter().map(|c| c.value.check.name()).collect();
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
    !case.bind.is_empty()
        || template::case_vars(case).contains("catalogue_count")
        || case.expect.iter().any(|a| {
            a.value.checks.iter().any(|c| {
                matches!(
                    &c.value.check,
                    Check::MatchesCatalogue(_) | Check::DisjointFromCatalogue(_)
                )
            })
        })
}

/// Whether the case's checks need a walk's whole answer (an oracle, a count), not a part.
fn needs_whole_answer(case: &Case) -> bool {
    case.expect.iter().any(|a| {
        a.value.checks.iter().any(|c| {
            matches!(
                &c.value.check,
                Check::MatchesCatalogue(_)
                    | Check::DisjointFromCatalogue(_)
                    | Check::Count(_)
                    | Check::SameIdsAs(_)
                    | Check::HasIds(_)
                    | Check::LacksIds(_)
            )
        })
    })
}

/// What the run knows of its identities, for the built-in variables and the `needs` on them.
#[derive(Clone, Debug, Default)]
pub struct IdentityContext {
    pub main_project_id: Option<String>,
    pub other_project_id: Option<String>,
    /// Whether the main identity holds the admin role (its list is then every project's).
    pub main_is_admin: Option<bool>,
    /// Whether the second identity holds the admin role (it then sees every project's images).
    pub other_is_admin: Option<bool>,
}

/// Runs one case; never panics on anything the target sends.
pub async fn run_case(ctx: &RunContext, lc: &LoadedCase) -> RawOutcome {
    let started = Instant::now();
    let mut raw = run_inner(ctx, lc).await;
    let case = &lc.case;
    raw.outcome.duration = started.elapsed();
    if raw.outcome.expected.is_empty() && !matches!(raw.outcome.verdict, Verdict::Skip(_)) {
        raw.outcome.expected = describe_alternatives(case);
    }
    let at = case_ref(lc, "");
    for f in &mut raw.outcome.findings {
        if f.at.is_none() {
            f.at = Some(at.clone());
        }
    }
    raw
}

/// Where a node of the case is: `key` is relative to the case (`expect[0].checks[1]`).
pub(crate) fn case_ref(lc: &LoadedCase, key: &str) -> SourceRef {
    node_ref(lc, lc.pos, key)
}

/// `pos` is where the node is *defined*: for a node reached through a YAML alias
/// (`expect: *walk-ok`), the anchored text the check comes from, not the alias.
pub(crate) fn node_ref(lc: &LoadedCase, pos: crate::source::Pos, key: &str) -> SourceRef {
    SourceRef {
        file: lc.file.clone(),
        line: pos.line,
        column: pos.column,
        key: if key.is_empty() {
            lc.key()
        } else {
            format!("{}.{key}", lc.key())
        },
    }
}

/// The SKIP of a case that came after `--max-requests` was used up: never silently dropped.
fn budget_skip() -> Outcome {
    Outcome::skip("the run's request budget (--max-requests) is used up")
}

fn is_budget(e: &crate::exec::TransportError) -> bool {
    matches!(e, crate::exec::TransportError::Budget(_))
}

async fn run_inner(ctx: &RunContext, lc: &LoadedCase) -> RawOutcome {
    let case = &lc.case;
    if ctx.client.budget_spent() {
        return budget_skip().into();
    }
    if case.request.auth == crate::model::Auth::Other && !ctx.client.has_other_identity() {
        return Outcome::skip(
            "needs a second identity in another project (--other-cloud NAME or OS_OTHER_* variables)",
        )
        .into();
    }
    let Some(profile) = ctx.profiles.get(&case.profile.value) else {
        return Outcome::error(
            Finding::new("profile", format!("unknown profile `{}`", case.profile.value)),
            Evidence::default(),
        )
        .into();
    };
    let Some(endpoint) = ctx.endpoints.get(&profile.endpoint) else {
        let flag = ctx
            .kinds
            .get(&profile.endpoint)
            .map_or(String::new(), |k| format!("--{} URL or ", k.flag));
        return Outcome::skip(format!(
            "no `{}` endpoint configured for profile {} (give {flag}--endpoint {}=URL)",
            profile.endpoint, profile.name, profile.endpoint
        ))
        .into();
    };

    let mut vars = Vars::new();
    let tenant_in_path = ctx
        .kinds
        .get(&profile.endpoint)
        .is_some_and(|k| k.tenant == TenantInPath::LastSegment);
    if tenant_in_path && let Some(tenant) = endpoint.path_segments().and_then(|mut s| s.rfind(|x| !x.is_empty())) {
        vars.insert("tenant_id".into(), Value::from(tenant));
    }
    for (name, value) in [
        ("main_project_id", &ctx.identity.main_project_id),
        ("other_project_id", &ctx.identity.other_project_id),
    ] {
        if let Some(v) = value {
            vars.insert(name.into(), Value::from(v.as_str()));
        }
    }
    let used = template::case_vars(case);
    if let Some(missing) = template::IDENTITY_VARS
        .iter()
        .find(|v| used.contains(**v) && !vars.contains_key(**v))
    {
        return Outcome::skip(format!(
            "needs `{{{missing}}}`, the project of an identity, which this run does not know (it is known when the identity comes from Keystone or is the embedded mock's)"
        ))
        .into();
    }
    for need in &case.needs {
        let reason = match &need.value {
            Need::OtherIdentityNotAdmin if ctx.identity.other_is_admin == Some(true) => {
                "the second identity is an admin (role admin): it sees every project's images, so it cannot show what another project is kept from"
            }
            Need::MainIdentityNotAdmin if ctx.identity.main_is_admin == Some(true) => {
                "the main identity is an admin (role admin): its list holds every project's images and shares, so it cannot show which ones its own project's memberships select"
            }
            _ => continue,
        };
        return Outcome::skip(reason).into();
    }
    for need in &case.needs {
        let Need::Fixtures(name) = &need.value else { continue };
        let file = format!("cases/{}/fixtures.yaml", case.profile.value);
        let Some(provisioned) = &ctx.fixtures else {
            return Outcome::skip(format!(
                "needs the fixture `{name}` ({file}), which only a provisioning run creates (run --provision: the suite is read-only by default)"
            ))
            .into();
        };
        match provisioned.state(&case.profile.value, name) {
            Some(crate::provision::FixtureState::Ready(v)) => {
                vars.insert(template::fixture_var(name), v.clone());
            }
            Some(crate::provision::FixtureState::Unavailable { reason, error: false }) => {
                return Outcome::skip(format!(
                    "needs the fixture `{name}`, which this run could not make: {reason}"
                ))
                .into();
            }
            Some(crate::provision::FixtureState::Unavailable { reason, error: true }) => {
                let why = format!("the fixture `{name}` ({file}): {reason}");
                return Outcome::error(Finding::new("fixture", why), Evidence::default()).into();
            }
            None => {
                return Outcome::skip(format!("needs the fixture `{name}`, which this run did not provision")).into();
            }
        }
    }
    let mut catalogue = None;
    let judged_with = judged_with_catalogue(case);
    let needs_size = case.needs.iter().any(|n| matches!(n.value, Need::CatalogueAtLeast(_)));
    if judged_with || needs_size {
        match ctx
            .discovery
            .unpaged(&ctx.client, profile, endpoint, None, &[], true)
            .await
        {
            Ok(c) => {
                vars.insert("catalogue_count".into(), Value::from(c.len()));
                catalogue = Some(c);
            }
            Err(walk) if matches!(&walk.end, crate::exec::WalkEnd::Transport(e) if is_budget(e)) => {
                return budget_skip().into();
            }
            Err(walk) if judged_with => {
                let why = format!(
                    "catalogue discovery (walking {}) failed: {}",
                    profile.list_path,
                    walk.describe_end()
                );
                return Outcome::error(Finding::new("discovery", why), walk_evidence(&walk, None)).into();
            }
            // Only `needs` wanted the catalogue: the case's own request will show what is wrong.
            Err(_) => {}
        }
    }
    let count = catalogue.as_ref().map_or(0, |c| c.len());
    for need in &case.needs {
        match &need.value {
            Need::CatalogueAtLeast(n) if catalogue.is_some() && count < *n => {
                return Outcome::skip(format!("needs at least {n} images; the catalogue has {count}")).into();
            }
            Need::CatalogueAtLeast(_)
            | Need::OtherIdentityNotAdmin
            | Need::MainIdentityNotAdmin
            | Need::Fixtures(_) => {}
        }
    }
    for (name, b) in &case.bind {
        // Only the fields the binding reads are materialized.
        let read = crate::exec::Projection::of_pointers(
            std::iter::once(b.value.from.value.as_str()).chain(b.value.filter.iter().map(|p| p.path.value.as_str())),
        );
        let items = catalogue.iter().flat_map(|c| c.items_keeping(&read));
        match bind::resolve(&b.value, items, &vars) {
            Ok(Some(v)) => {
                vars.insert(name.clone(), v);
            }
            Ok(None) => {
                return Outcome::skip(format!(
                    "needs {}: none in the discovered catalogue of {count} images",
                    b.value.need
                ))
                .into();
            }
            Err(e) => {
                let at = node_ref(lc, crate::source::Pos::from_yaml(&b.defined), &format!("bind.{name}"));
                return Outcome::error(Finding::new(format!("bind {name}"), e).at(&at), Evidence::default()).into();
            }
        }
    }

    let request = match request::build(case, endpoint, &vars) {
        Ok(r) => r,
        Err(e) => return Outcome::error(Finding::new("request", e), Evidence::default()).into(),
    };

    let net = Net {
        client: &ctx.client,
        endpoint,
        endpoints: &ctx.endpoints,
        profiles: &ctx.profiles,
        discovery: &ctx.discovery,
        max_pages: ctx.max_pages,
    };
    let judge = judge::Judge {
        ctx,
        lc,
        profile,
        vars: &vars,
        catalogue: catalogue.as_deref().filter(|_| judged_with),
        net: &net,
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
        let input = windows::WalkInput {
            ctx,
            profile,
            endpoint,
            request: &request,
            spec: walk_spec,
            validator,
            case_id: lc.id(),
            needs_whole: needs_whole_answer(case),
            keep: fields::walk_projection(case, profile),
        };
        let run = input.run().await;
        if run.reference_error.is_some() && ctx.client.budget_spent() {
            return budget_skip().into();
        }
        let Some(first) = run.first() else {
            return Outcome::error(Finding::new("walk", "no page was read"), Evidence::default()).into();
        };
        let exchange = first.exchange.clone();
        judge.judge(&exchange, Some(&run)).await
    } else {
        let exchange = ctx.client.send(request).await;
        judge.judge(&exchange, None).await
    }
}

/// The request's path relative to the endpoint (`/v2/images` under `http://h/image`).
fn request_path(endpoint: &Url, url: &Url) -> String {
    let prefix = endpoint.path().trim_end_matches('/');
    url.path().strip_prefix(prefix).unwrap_or(url.path()).to_string()
}

/// Evidence of a case's walk: each part's first (and last) exchange, and the trace of every
/// page, window by window.
fn run_evidence(run: &windows::WalkRun, first: &Exchange) -> Evidence {
    let mut out = Evidence::default();
    for (n, part) in run.parts.iter().enumerate() {
        let e = walk_evidence(&part.walk, (n == 0).then_some(first));
        out.exchanges.extend(e.exchanges);
        out.trace.extend(e.trace.into_iter().map(|mut t| {
            t.window = part.label.clone();
            t
        }));
    }
    out
}

/// Evidence of a walk: the first exchange (and the last, when the walk ended elsewhere), plus
/// the page-by-page trace.
fn walk_evidence(walk: &Walk, first: Option<&Exchange>) -> Evidence {
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
        trace: walk.trace(),
    }
}
