//! Requirement coverage: which inventory entries the cases check, and which they cannot; and
//! filter parity: which filter parameters each profile's documents define, and whether a case
//! of that profile checks each one.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::loader::{LoadedCase, Suite};
use crate::model::{Check, Level, cite};

#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: String,
    pub level: &'static str,
    pub doc: String,
    pub section: String,
    /// `Image API v2, List images § Pagination (003_b48025eb92be26ba.txt)`.
    pub cited: String,
    pub cases: Vec<String>,
    /// The inventory's reason when no case can check it.
    pub untestable: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProfileCoverage {
    pub profile: String,
    pub requirements: usize,
    pub covered: usize,
    pub uncovered_must: usize,
    pub entries: Vec<Entry>,
}

/// One cell of the parity table: a filter parameter in one profile.
#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FilterState {
    /// A seed documents it and a case checks it.
    Covered,
    /// A seed documents it, no case checks it, and the profile says why none can.
    Untestable,
    /// A seed documents it and no case checks it: a hole.
    Uncovered,
    /// No seed of the profile documents it (cases may still check it, at MAY).
    NotDocumented,
}

#[derive(Debug, Serialize)]
pub struct FilterCell {
    pub state: FilterState,
    /// Where the profile's documents define it (absent when not documented).
    pub cited: Option<String>,
    /// The cases of the profile that send the parameter and judge the answer against the
    /// catalogue (`matches_catalogue`, `disjoint_from_catalogue` or `every_item`).
    pub cases: Vec<String>,
    pub untestable: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FilterRow {
    pub param: String,
    /// By profile name.
    pub profiles: BTreeMap<String, FilterCell>,
}

#[derive(Debug, Serialize)]
pub struct FilterParity {
    /// The columns.
    pub profiles: Vec<String>,
    pub rows: Vec<FilterRow>,
    pub documented: usize,
    pub covered: usize,
    pub untestable: usize,
    pub uncovered: usize,
}

#[derive(Debug, Serialize)]
pub struct Coverage {
    pub profiles: Vec<ProfileCoverage>,
    pub filters: FilterParity,
}

/// Whether a case counts toward coverage: the load-time rules of the inventory (its level is
/// backed by a requirement, its quote is the requirement's, it has a check that could fail)
/// hold. A suite that loads has no other kind, but the rule is stated where it is used.
fn counts(c: &LoadedCase, suite: &Suite) -> bool {
    crate::loader::requirement_problems(&c.case, &suite.requirements).is_empty()
}

/// The query parameters a case sends, when it judges the answer against the catalogue.
fn judged_filters(c: &LoadedCase) -> Vec<&str> {
    let judges = c.case.expect.iter().any(|alt| {
        alt.value.checks.iter().any(|e| {
            matches!(
                e.value.check,
                Check::MatchesCatalogue(_) | Check::DisjointFromCatalogue(_) | Check::EveryItem(_)
            )
        })
    });
    if !judges {
        return Vec::new();
    }
    c.case.request.query.0.iter().map(|(k, _)| k.as_str()).collect()
}

impl FilterParity {
    fn of(suite: &Suite) -> FilterParity {
        let profiles: Vec<String> = suite.profiles.keys().cloned().collect();
        // (param, profile) → cases
        let mut checked: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for c in suite.cases.iter().filter(|c| counts(c, suite)) {
            for param in judged_filters(c) {
                checked
                    .entry((param, c.case.profile.value.as_str()))
                    .or_default()
                    .push(c.id().to_string());
            }
        }
        let mut params: Vec<&str> = suite
            .profiles
            .values()
            .flat_map(|p| p.filters.iter().map(|f| f.param.as_str()))
            .collect();
        params.sort_unstable();
        params.dedup();
        let (mut documented, mut covered, mut untestable, mut uncovered) = (0, 0, 0, 0);
        let mut rows = Vec::new();
        for param in params {
            let mut cells = BTreeMap::new();
            for (name, p) in &suite.profiles {
                let mut cases = checked.get(&(param, name.as_str())).cloned().unwrap_or_default();
                cases.dedup();
                let doc = p.filters.iter().find(|f| f.param == param);
                let state = match doc {
                    None => FilterState::NotDocumented,
                    Some(_) if !cases.is_empty() => FilterState::Covered,
                    Some(f) if f.untestable.is_some() => FilterState::Untestable,
                    Some(_) => FilterState::Uncovered,
                };
                match state {
                    FilterState::Covered => covered += 1,
                    FilterState::Untestable => untestable += 1,
                    FilterState::Uncovered => uncovered += 1,
                    FilterState::NotDocumented => {}
                }
                if doc.is_some() {
                    documented += 1;
                }
                cells.insert(
                    name.clone(),
                    FilterCell {
                        state,
                        cited: doc.map(|f| cite(&suite.documents, &f.doc, &f.section)),
                        cases,
                        untestable: doc.and_then(|f| f.untestable.clone()),
                    },
                );
            }
            rows.push(FilterRow {
                param: param.to_string(),
                profiles: cells,
            });
        }
        FilterParity {
            profiles,
            rows,
            documented,
            covered,
            untestable,
            uncovered,
        }
    }

    /// The documented filters no case checks and no reason excuses.
    pub fn holes(&self) -> Vec<(&str, &str)> {
        self.rows
            .iter()
            .flat_map(|r| {
                r.profiles
                    .iter()
                    .filter(|(_, c)| c.state == FilterState::Uncovered)
                    .map(|(p, _)| (r.param.as_str(), p.as_str()))
            })
            .collect()
    }

    pub fn render_text(&self) -> String {
        let cell = |c: &FilterCell| match c.state {
            FilterState::Covered => format!("covered ({})", c.cases.len()),
            FilterState::Untestable => "untestable".to_string(),
            FilterState::Uncovered => "UNCOVERED".to_string(),
            FilterState::NotDocumented if c.cases.is_empty() => "not documented".to_string(),
            FilterState::NotDocumented => format!("not documented ({})", c.cases.len()),
        };
        let first = self
            .rows
            .iter()
            .map(|r| r.param.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        let widths: Vec<usize> = self
            .profiles
            .iter()
            .map(|p| {
                self.rows
                    .iter()
                    .filter_map(|r| r.profiles.get(p).map(|c| cell(c).chars().count()))
                    .chain([p.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut s = String::from(
            "filter parity (a documented filter is covered when a case of the profile sends it and checks the answer against the catalogue):\n",
        );
        s.push_str(&format!("  {:first$}", "filter"));
        for (p, w) in self.profiles.iter().zip(&widths) {
            s.push_str(&format!("  {p:w$}"));
        }
        s.truncate(s.trim_end().len());
        s.push('\n');
        for r in &self.rows {
            s.push_str(&format!("  {:first$}", r.param));
            for (p, w) in self.profiles.iter().zip(&widths) {
                let text = r.profiles.get(p).map(cell).unwrap_or_default();
                s.push_str(&format!("  {text:w$}"));
            }
            s.truncate(s.trim_end().len());
            s.push('\n');
        }
        for r in &self.rows {
            for (p, c) in &r.profiles {
                match (c.state, &c.cited, &c.untestable) {
                    (FilterState::Uncovered, Some(at), _) => {
                        s.push_str(&format!("  UNCOVERED {p} {}: documented in {at}\n", r.param))
                    }
                    (FilterState::Untestable, _, Some(why)) => {
                        s.push_str(&format!("  untestable {p} {}: {why}\n", r.param))
                    }
                    _ => {}
                }
            }
        }
        s.push_str(&format!(
            "filters: {} documented, {} covered, {} untestable, {} UNCOVERED\n",
            self.documented, self.covered, self.untestable, self.uncovered
        ));
        s
    }
}

impl Coverage {
    pub fn of(suite: &Suite) -> Coverage {
        let mut by_req: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for c in suite.cases.iter().filter(|c| counts(c, suite)) {
            for r in &c.case.requirements {
                by_req.entry(&r.value).or_default().push(c.id().to_string());
            }
        }
        let mut profiles = Vec::new();
        for name in suite.profiles.keys() {
            let mut entries = Vec::new();
            for r in suite.requirements.values().filter(|r| r.profiles.contains(name)) {
                let cases: Vec<String> = by_req
                    .get(r.id.as_str())
                    .map(|cs| {
                        cs.iter()
                            .filter(|c| c.starts_with(&format!("{name}/")))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                entries.push(Entry {
                    id: r.id.clone(),
                    level: r.level.as_str(),
                    doc: r.doc.clone(),
                    section: r.section.clone(),
                    cited: cite(&suite.documents, &r.doc, &r.section),
                    cases,
                    untestable: r.untestable.clone(),
                });
            }
            let covered = entries.iter().filter(|e| !e.cases.is_empty()).count();
            let uncovered_must = entries
                .iter()
                .filter(|e| e.cases.is_empty() && e.level == Level::Must.as_str())
                .count();
            profiles.push(ProfileCoverage {
                profile: name.clone(),
                requirements: entries.len(),
                covered,
                uncovered_must,
                entries,
            });
        }
        Coverage {
            profiles,
            filters: FilterParity::of(suite),
        }
    }

    /// Uncovered requirements without a reason: holes in the catalogue.
    pub fn holes(&self) -> Vec<&Entry> {
        self.profiles
            .iter()
            .flat_map(|p| &p.entries)
            .filter(|e| e.cases.is_empty() && e.untestable.is_none())
            .collect()
    }

    pub fn totals(&self) -> (usize, usize) {
        self.profiles
            .iter()
            .fold((0, 0), |(c, n), p| (c + p.covered, n + p.requirements))
    }

    pub fn render_text(&self, suite: &Suite) -> String {
        let mut s = String::new();
        for p in &self.profiles {
            s.push_str(&format!(
                "{}: {}/{} requirements covered, {} uncovered MUST\n",
                p.profile, p.covered, p.requirements, p.uncovered_must
            ));
            // Grouped by where the seeds say it: "Image API v2, List images § Pagination (003_…)".
            let mut groups: BTreeMap<(&str, &str), Vec<&Entry>> = BTreeMap::new();
            for e in &p.entries {
                groups.entry((&e.doc, &e.section)).or_default().push(e);
            }
            for ((doc, section), entries) in groups {
                s.push_str(&format!("  {}\n", cite(&suite.documents, doc, section)));
                for e in entries {
                    let mark = if e.cases.is_empty() { "    -" } else { "    ✓" };
                    s.push_str(&format!("{mark} [{}] {}", e.level, e.id));
                    if e.cases.is_empty() {
                        match &e.untestable {
                            Some(why) => s.push_str(&format!("  (untestable: {why})")),
                            None => s.push_str("  (UNCOVERED, no reason given)"),
                        }
                        s.push('\n');
                    } else {
                        s.push_str(&format!("  ← {}\n", e.cases.join(", ")));
                    }
                }
            }
        }
        s.push_str(&self.filters.render_text());
        let (covered, all) = self.totals();
        s.push_str(&format!(
            "coverage: {covered}/{all} requirements covered; {} uncovered without a reason; {} documented filter(s) UNCOVERED\n",
            self.holes().len(),
            self.filters.uncovered
        ));
        s
    }
}
