//! Judging one answer (or walk) of a case: the acceptable alternative its status selects, the
//! schema, the walk's properties, the checks, and the raw verdict with its evidence.
//!
//! Every finding says which node of the case file asked for it (`SourceRef`), so a report can
//! point at `cases/image-v2/filters.yaml:23:13 (cases[2].expect[0].checks[1])`.

use serde_json::Value;

use super::windows::{PartExpect, WalkRun};
use super::{
    RunContext, budget_skip, describe_alternatives, exchange_evidence, is_budget, node_ref, request_path, run_evidence,
};
use crate::checks::{self, Findings, Net, Subject};
use crate::exec::{Catalogue, Exchange, Walk};
use crate::loader::LoadedCase;
use crate::model::{Alternative, Case, Profile, Spanned};
use crate::policy::{RawOutcome, SnapshotObservation};
use crate::source::Pos;
use crate::template::Vars;
use crate::verdict::{Evidence, Finding, Outcome, Verdict};

/// What judging a case needs, gathered once.
pub(super) struct Judge<'a> {
    pub ctx: &'a RunContext,
    pub lc: &'a LoadedCase,
    pub profile: &'a Profile,
    pub vars: &'a Vars,
    /// The discovered catalogue, when the case is judged with it.
    pub catalogue: Option<&'a Catalogue>,
    pub net: &'a Net<'a>,
}

/// No verdict: the catalogue moved while the case ran; the findings and both observations stay.
fn inconclusive(case: &Case, why: String, findings: Vec<Finding>, evidence: Evidence) -> RawOutcome {
    Outcome {
        verdict: Verdict::Inconclusive(why),
        findings,
        expected: describe_alternatives(case),
        evidence,
        duration: Default::default(),
    }
    .into()
}

impl Judge<'_> {
    fn case(&self) -> &Case {
        &self.lc.case
    }

    fn evidence(&self, exchange: &Exchange, walk: Option<&WalkRun>) -> Evidence {
        match walk {
            Some(w) => run_evidence(w, exchange),
            None => Evidence {
                exchanges: vec![exchange_evidence(exchange)],
                trace: Vec::new(),
            },
        }
    }

    pub async fn judge(&self, exchange: &Exchange, walk: Option<&WalkRun>) -> RawOutcome {
        let case = self.case();
        let mut evidence = self.evidence(exchange, walk);
        if let Some(w) = walk
            && w.parts
                .iter()
                .any(|p| matches!(&p.walk.end, crate::exec::WalkEnd::Transport(e) if is_budget(e)))
        {
            return budget_skip().into();
        }
        let response = match &exchange.result {
            Ok(r) => r,
            Err(e) if is_budget(e) => return budget_skip().into(),
            Err(e) => return Outcome::error(Finding::new("request", e.to_string()), evidence).into(),
        };
        let Some((alt_no, alt)) = case
            .expect
            .iter()
            .enumerate()
            .find(|(_, a)| a.value.status.contains(&response.status))
        else {
            let at = node_ref(self.lc, self.lc.pos, "expect");
            let f = Finding::new("status", "the status is none of the acceptable alternatives")
                .expected(describe_alternatives(case).join("\n  or "))
                .actual(format!("status {}", response.status))
                .at(&at);
            let findings = Findings::broken(f);
            // A 404 for an id bound from the catalogue may only say the image has gone since.
            if let Some(why) = self.catalogue_moved(&findings).await {
                return inconclusive(case, why, findings.broken, evidence);
            }
            return verdict(case, findings, evidence).into();
        };
        let alt: &Spanned<Alternative> = alt;
        let alt_key = format!("expect[{alt_no}]");
        let parsed = response.json();
        let body = parsed.as_ref().ok();
        let mut findings = Findings::default();

        let is_walk_page = walk.is_some() && (200..300).contains(&response.status);
        // Every answer read as JSON declares its media type as the profile says.
        let reads_body = alt.value.schema.is_some()
            || alt
                .value
                .checks
                .iter()
                .any(|c| !matches!(c.value.check, crate::model::Check::Header(_)));
        let read: Vec<&Exchange> = match walk {
            Some(w) if is_walk_page => w.pages().map(|p| &p.exchange).collect(),
            _ if reads_body && !response.body.is_empty() => vec![exchange],
            _ => Vec::new(),
        };
        if let Some(f) = checks::content_type::check(self.profile, &read) {
            findings.broken.push(f);
        }
        if let Some(schema) = &alt.value.schema {
            let at = node_ref(self.lc, Pos::from_yaml(&schema.defined), &format!("{alt_key}.schema"));
            let mut found = Findings::default();
            match self.ctx.schemas.get(&schema.value) {
                None => found.errors.push(Finding::new(
                    "schema",
                    format!("schema `{}` is not loaded", schema.value),
                )),
                Some(v) if !is_walk_page => found.extend(checks::validate_schema(
                    &schema.value,
                    v,
                    body,
                    parsed.as_ref().err().map(String::as_str),
                )),
                Some(_) => {
                    let bad: Vec<String> = walk
                        .into_iter()
                        .flat_map(|w| w.pages().enumerate())
                        .filter(|(_, p)| !p.schema_errors.is_empty())
                        .map(|(n, p)| format!("page {}: {}", n + 1, p.schema_errors.join("; ")))
                        .collect();
                    if !bad.is_empty() {
                        found.broken.push(
                            Finding::new(format!("schema {}", schema.value), "a page does not match the schema")
                                .expected(format!("every page valid against {}", schema.value))
                                .actual(bad.join("\n")),
                        );
                    }
                }
            }
            let level = alt.value.schema_level.or(alt.value.level).unwrap_or(case.level);
            findings.extend(found.at(&at).level(level));
        }

        if let (Some(run), Some(spec)) = (walk, &case.walk)
            && is_walk_page
        {
            let at = node_ref(self.lc, self.lc.pos, "walk");
            for part in &run.parts {
                let w = &part.walk;
                let first = w.first().map_or(&exchange.request, |p| &p.exchange.request);
                let conforming_pages = match (&w.end, &part.expect) {
                    (crate::exec::WalkEnd::Budget { .. }, PartExpect::Whole | PartExpect::Nothing { .. }) => {
                        Some(self.conforming_pages(exchange, w).await)
                    }
                    _ => None,
                };
                let reference = run.reference.clone().filter(|_| w.is_complete());
                let expect = match &part.expect {
                    PartExpect::Whole => reference
                        .as_deref()
                        .map_or(checks::WalkExpect::Nothing, checks::WalkExpect::Whole),
                    PartExpect::Nothing { .. } => checks::WalkExpect::Nothing,
                    PartExpect::Window {
                        ids,
                        complete,
                        must_end,
                        ..
                    } => checks::WalkExpect::Window {
                        ids: ids.ids(),
                        complete: *complete,
                        must_end: *must_end,
                    },
                };
                let mut part_findings =
                    checks::walk_properties(w, spec, self.profile, first, &expect, conforming_pages);
                // A walk cut on purpose (a long answer whose checks hold on a part) is no error.
                if matches!(part.expect, PartExpect::Nothing { window: true })
                    && matches!(w.end, crate::exec::WalkEnd::Budget { .. })
                {
                    part_findings.errors.retain(|f| f.check != "walk: budget");
                }
                if let Some(label) = &part.label {
                    for f in part_findings.broken.iter_mut().chain(part_findings.errors.iter_mut()) {
                        f.message = format!("{} (window: {label})", f.message);
                    }
                }
                let mut part_findings = part_findings.at(&at);
                // A list that disagrees with what was read before the walk may mean the
                // catalogue moved (another tenant uploaded or deleted an image): read it again.
                let mismatch = part_findings
                    .broken
                    .iter()
                    .any(|f| f.check == "walk: complete" || f.check == "walk: window");
                let from_list = matches!(
                    part.expect,
                    PartExpect::Whole | PartExpect::Window { from_list: true, .. }
                );
                if mismatch
                    && from_list
                    && let Some(before) = &run.reference
                    && let Some(now) = self.read_again(exchange).await
                {
                    let walked = checks::walk_ids(w);
                    if matches!(part.expect, PartExpect::Whole) && walked == now.id_strings() {
                        part_findings.broken.retain(|f| f.check != "walk: complete");
                    } else if now.ids != before.ids {
                        let why = format!(
                            "the catalogue changed during the walk: the unpaged list had {} item(s) before ({}) and {} after ({}); the walk matches neither",
                            before.ids.len(),
                            checks::short_ids(&before.ids),
                            now.ids.len(),
                            checks::short_ids(&now.ids)
                        );
                        return inconclusive(case, why, part_findings.broken, evidence);
                    }
                }
                findings.extend(part_findings);
            }
            if let Some(e) = &run.reference_error
                && spec.complete
            {
                findings.errors.push(
                    Finding::new(
                        "walk: complete",
                        format!("the unpaged reference list could not be read: {e}"),
                    )
                    .at(&at),
                );
            }
        }

        // The items the checks see: the answer's, or each part of a walk in turn (the windows
        // of a long walk are separate stretches of the list: an order holds within each).
        // A part the suite itself cut short (its memory, byte or page budget, or the network)
        // is not judged on its items: a check of a part read halfway would blame the server
        // for the suite's limit. The walk's ERROR above says what stopped it.
        // A walk's items are materialized from their compact pages one part at a time, and
        // dropped once that part is checked.
        // An alternative without checks on the items (a walk judged on its pages and ids
        // only) materializes none: a whole walk of 100 000 items would be built for nothing.
        let parts: Vec<Option<&super::windows::Part>> = match walk {
            _ if alt.value.checks.is_empty() => Vec::new(),
            Some(w) if is_walk_page => w
                .parts
                .iter()
                .filter(|p| !cut_by_the_suite(&p.walk.end, &p.expect))
                .map(Some)
                .collect(),
            _ => vec![None],
        };
        let alt_level = alt.value.level.unwrap_or(case.level);
        let mut seen: std::collections::HashSet<(String, String)> = Default::default();
        for part in parts {
            let owned: Option<Vec<Value>> = part.map(|p| p.walk.items().collect());
            let items: Option<Vec<&Value>> = match &owned {
                Some(o) => Some(o.iter().collect()),
                None => body
                    .and_then(|b| b.pointer(&self.profile.items))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().collect()),
            };
            let subject = Subject {
                profile: self.profile,
                request: &exchange.request,
                response,
                body,
                items,
                vars: self.vars,
                catalogue: self.catalogue,
            };
            for (n, entry) in alt.value.checks.iter().enumerate() {
                let key = format!("{alt_key}.checks[{n}].{}", entry.value.check.name());
                let at = node_ref(self.lc, Pos::from_yaml(&entry.defined), &key);
                let level = entry.value.level.unwrap_or(alt_level);
                let mut found = checks::run(&entry.value.check, &subject, self.net)
                    .await
                    .at(&at)
                    .level(level);
                // The same finding from two windows is said once.
                found
                    .broken
                    .retain(|f| seen.insert((f.check.clone(), f.message.clone())));
                found
                    .errors
                    .retain(|f| seen.insert((f.check.clone(), f.message.clone())));
                findings.extend(found);
            }
        }
        for extra in &findings.exchanges {
            evidence.exchanges.push(exchange_evidence(extra));
        }
        if let Some(why) = self.catalogue_moved(&findings).await {
            return inconclusive(case, why, findings.broken, evidence);
        }
        let outcome = verdict(case, findings, evidence);
        RawOutcome {
            outcome,
            snapshot: self.snapshot(response),
        }
    }

    /// The most pages a conforming walk from `exchange` could need, at the request's limit,
    /// for the larger of the discovered catalogue (when it could be read) and the distinct items
    /// the walk itself found: a walk longer than that went round without getting anywhere.
    async fn conforming_pages(&self, exchange: &Exchange, walk: &Walk) -> usize {
        let discovered = match self.catalogue {
            Some(c) => c.ids.len(),
            None => self
                .ctx
                .discovery
                .unpaged(&self.ctx.client, self.profile, self.net.endpoint, None, &[], true)
                .await
                .map_or(0, |c| c.ids.len()),
        };
        let seen: std::collections::HashSet<&str> = walk.ids().collect();
        let limit = crate::exec::query_pairs(&exchange.request.url)
            .into_iter()
            .rfind(|(k, _)| *k == self.profile.limit_param)
            .and_then(|(_, v)| v.trim().parse::<usize>().ok());
        checks::max_conforming_pages(discovered.max(seen.len()), limit)
    }

    /// The unpaged list of the walk's query, read now (not from the cache).
    async fn read_again(&self, exchange: &Exchange) -> Option<std::sync::Arc<Catalogue>> {
        let pairs = crate::exec::query_pairs(&exchange.request.url);
        let path = request_path(self.net.endpoint, &exchange.request.url);
        self.ctx
            .discovery
            .unpaged_fresh(
                &self.ctx.client,
                self.profile,
                self.net.endpoint,
                Some(&path),
                &pairs,
                false,
            )
            .await
            .ok()
    }

    /// When a rule judged against the discovered catalogue (an oracle, or an id bound from it)
    /// is broken, the catalogue is read again: if it changed since discovery, the failure may be
    /// the catalogue's movement, not the server's fault, and the case has no verdict.
    async fn catalogue_moved(&self, findings: &Findings) -> Option<String> {
        let before = self.catalogue?;
        if findings.broken.is_empty() {
            return None;
        }
        let now = self
            .ctx
            .discovery
            .unpaged_fresh(&self.ctx.client, self.profile, self.net.endpoint, None, &[], true)
            .await
            .ok()?;
        if now.same_as(before) {
            return None;
        }
        let added: Vec<&str> = now
            .ids
            .iter()
            .filter(|i| !before.ids.contains(i))
            .map(|i| &**i)
            .collect();
        let removed: Vec<&str> = before
            .ids
            .iter()
            .filter(|i| !now.ids.contains(i))
            .map(|i| &**i)
            .collect();
        let changed: Vec<String> = now
            .ids
            .iter()
            .enumerate()
            .filter(|(row, id)| {
                before
                    .ids
                    .iter()
                    .position(|b| b == *id)
                    .is_some_and(|at| before.item(at) != now.item(*row))
            })
            .map(|(_, id)| id.to_string())
            .collect();
        Some(format!(
            "the catalogue changed during the case: {} image(s) at discovery, {} now (added {}, removed {}, changed {}); the answer was judged against the catalogue as discovered",
            before.ids.len(),
            now.ids.len(),
            checks::short_ids(&added),
            checks::short_ids(&removed),
            checks::short_ids(&changed)
        ))
    }

    /// Compares the response with the case's snapshot, when the run checks snapshots; what to
    /// make of a difference is the policy's business.
    fn snapshot(&self, response: &crate::exec::Response) -> Option<SnapshotObservation> {
        let config = self.ctx.snapshots.as_ref()?;
        let name = self.case().snapshot.as_ref()?;
        if config.mode == crate::snapshot::Mode::Off {
            return None;
        }
        let value = crate::snapshot::normalize(response, &self.ctx.redactor);
        Some(
            match crate::snapshot::compare(config, &self.profile.name, &name.value, &value) {
                Ok(()) => SnapshotObservation::Matched,
                Err(why) => SnapshotObservation::Differs {
                    why,
                    shown: serde_json::to_string_pretty(&value).unwrap_or_default(),
                },
            },
        )
    }
}

/// The raw verdict from the findings: a broken rule is FAIL or WARN by the worst level among the
/// broken ones (each the check's, its alternative's or the case's), a check that could not be
/// made is ERROR.
pub(super) fn verdict(case: &Case, mut findings: Findings, evidence: Evidence) -> Outcome {
    if findings.broken.is_empty()
        && let Some(reason) = findings.skip
    {
        return Outcome::skip(reason);
    }
    for f in &mut findings.broken {
        f.level.get_or_insert(case.level);
    }
    let worst = findings.broken.iter().filter_map(|f| f.level).min();
    let verdict = if let Some(level) = worst {
        Verdict::for_broken(level)
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

/// Whether a walk part ended on a limit of the suite rather than on the server's answer: the
/// run's body memory, the walk's byte or item cap, the network, or the page budget of a walk
/// that was meant to reach the end (a window or a deliberately cut long answer stops at its
/// budget on purpose).
fn cut_by_the_suite(end: &crate::exec::WalkEnd, expect: &PartExpect) -> bool {
    use crate::exec::WalkEnd;
    match end {
        WalkEnd::Memory { .. }
        | WalkEnd::TooManyBytes { .. }
        | WalkEnd::TooManyItems { .. }
        | WalkEnd::Transport(_) => true,
        WalkEnd::Budget { .. } => matches!(expect, PartExpect::Whole | PartExpect::Nothing { window: false }),
        _ => false,
    }
}
