//! Requirement coverage: which inventory entries the cases check, and which they cannot.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::loader::Suite;
use crate::model::Level;

#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: String,
    pub level: &'static str,
    pub doc: String,
    pub section: String,
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

#[derive(Debug, Serialize)]
pub struct Coverage {
    pub profiles: Vec<ProfileCoverage>,
}

impl Coverage {
    pub fn of(suite: &Suite) -> Coverage {
        let mut by_req: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for c in &suite.cases {
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
        Coverage { profiles }
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

    pub fn render_text(&self) -> String {
        let mut s = String::new();
        for p in &self.profiles {
            s.push_str(&format!(
                "{}: {}/{} requirements covered, {} uncovered MUST\n",
                p.profile, p.covered, p.requirements, p.uncovered_must
            ));
            for e in &p.entries {
                let mark = if e.cases.is_empty() { "  -" } else { "  ✓" };
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
        let (covered, all) = self.totals();
        s.push_str(&format!(
            "coverage: {covered}/{all} requirements covered; {} uncovered without a reason\n",
            self.holes().len()
        ));
        s
    }
}
