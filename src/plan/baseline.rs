//! Known failures (`--baseline FILE`): a listed failing case is XFAIL, a listed passing case
//! XPASS (the run fails until the entry goes), an expired entry no longer applies.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::source::{DiagKind, Diagnostic, Pos};
use crate::verdict::Verdict;

/// One known failure.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub id: String,
    pub reason: String,
    #[serde(default)]
    pub issue: Option<String>,
    /// After this day the entry no longer applies: the failure counts again.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    baseline: Vec<serde_saphyr::Spanned<BaselineEntry>>,
}

#[derive(Debug, Default, Clone)]
pub struct Baseline {
    entries: BTreeMap<String, BaselineEntry>,
}

impl Baseline {
    /// Reads a baseline; unknown case ids and duplicates are bad input.
    pub fn load(path: &std::path::Path, known_ids: &[&str]) -> Result<Baseline, Vec<Diagnostic>> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![Diagnostic::new(&display, Pos::new(1, 1), format!("cannot read baseline: {e}")).kind(DiagKind::Io)]
        })?;
        let source = crate::loader::SourceFile {
            display: display.clone(),
            rel: display.clone(),
            text: text.clone(),
        };
        let file: BaselineFile = crate::loader::parse_file(&source).map_err(|d| vec![d])?;
        let mut out = Baseline::default();
        let mut diags = Vec::new();
        for (n, e) in file.baseline.into_iter().enumerate() {
            let pos = Pos::from_yaml(&e.referenced);
            let key = format!("baseline[{n}].id");
            if !known_ids.contains(&e.value.id.as_str()) {
                diags.push(
                    Diagnostic::new(&display, pos, format!("no case has the id `{}`", e.value.id))
                        .kind(DiagKind::Reference)
                        .at_key(key),
                );
            } else if out.entries.contains_key(&e.value.id) {
                diags.push(
                    Diagnostic::new(&display, pos, format!("`{}` is listed twice", e.value.id))
                        .kind(DiagKind::Duplicate)
                        .at_key(key),
                );
            } else {
                out.entries.insert(e.value.id.clone(), e.value);
            }
        }
        if diags.is_empty() {
            Ok(out)
        } else {
            for d in &mut diags {
                d.source_line = text.lines().nth(d.pos.line as usize - 1).map(str::to_string);
            }
            Err(diags)
        }
    }

    /// The verdict once the baseline is applied, and a note for the report.
    pub fn apply(&self, id: &str, verdict: Verdict, today: NaiveDate) -> (Verdict, Option<String>) {
        let Some(entry) = self.entries.get(id) else {
            return (verdict, None);
        };
        let link = entry.issue.as_deref().map(|i| format!(" ({i})")).unwrap_or_default();
        if entry.expires.is_some_and(|d| d < today) {
            let note = format!(
                "the baseline entry expired on {}: the failure counts again",
                entry.expires.unwrap_or(today)
            );
            return (verdict, Some(note));
        }
        match verdict {
            Verdict::Fail | Verdict::Error => (Verdict::XFail, Some(format!("known failure: {}{link}", entry.reason))),
            Verdict::Pass | Verdict::Warn => (
                Verdict::XPass,
                Some(format!(
                    "listed in the baseline ({}) but it passed: remove it from the baseline",
                    entry.reason
                )),
            ),
            other => (other, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_turns_failures_into_xfail_and_passes_into_xpass() {
        let mut b = Baseline::default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        b.entries.insert(
            "a".into(),
            BaselineEntry {
                id: "a".into(),
                reason: "r".into(),
                issue: None,
                expires: None,
            },
        );
        let old = Some(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        b.entries.insert(
            "b".into(),
            BaselineEntry {
                id: "b".into(),
                reason: "r".into(),
                issue: None,
                expires: old,
            },
        );
        assert_eq!(b.apply("a", Verdict::Fail, today).0, Verdict::XFail);
        assert_eq!(b.apply("a", Verdict::Pass, today).0, Verdict::XPass);
        assert_eq!(b.apply("b", Verdict::Fail, today).0, Verdict::Fail);
        assert_eq!(b.apply("c", Verdict::Fail, today).0, Verdict::Fail);
    }
}
