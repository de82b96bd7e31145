//! Planning what runs: partitioning the suite over CI jobs, and the baseline of known failures.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::source::{Diagnostic, Pos};
use crate::verdict::Verdict;

/// `hash:N/M`: shard N (from 1) of M. A case's shard is a stable hash of its id, so the split
/// does not move when cases are added elsewhere (as cargo-nextest's hash partitioning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub shard: u64,
    pub of: u64,
}

impl FromStr for Partition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let spec = s.strip_prefix("hash:").unwrap_or(s);
        let (n, m) = spec.split_once('/').ok_or_else(|| format!("`{s}` is not hash:N/M"))?;
        let shard: u64 = n.trim().parse().map_err(|_| format!("`{n}` is not a shard number"))?;
        let of: u64 = m
            .trim()
            .parse()
            .map_err(|_| format!("`{m}` is not a number of shards"))?;
        if of == 0 || shard == 0 || shard > of {
            return Err(format!("shard {shard} of {of}: shards count from 1 to M"));
        }
        Ok(Partition { shard, of })
    }
}

impl Partition {
    /// FNV-1a: stable across runs, platforms and Rust versions (unlike `DefaultHasher`).
    fn hash(id: &str) -> u64 {
        id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        })
    }
    pub fn contains(&self, id: &str) -> bool {
        Self::hash(id) % self.of == self.shard - 1
    }
}

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
            vec![Diagnostic::new(
                &display,
                Pos::new(1, 1),
                format!("cannot read baseline: {e}"),
            )]
        })?;
        let file: BaselineFile = serde_saphyr::from_str(&text).map_err(|e| {
            let pos = e.location().map(|l| Pos::from_yaml(&l)).unwrap_or_default();
            let msg = e.to_string();
            vec![Diagnostic::new(
                &display,
                pos,
                msg.lines().next().unwrap_or("").to_string(),
            )]
        })?;
        let mut out = Baseline::default();
        let mut diags = Vec::new();
        for e in file.baseline {
            let pos = Pos::from_yaml(&e.referenced);
            if !known_ids.contains(&e.value.id.as_str()) {
                diags.push(Diagnostic::new(
                    &display,
                    pos,
                    format!("no case has the id `{}`", e.value.id),
                ));
            } else if out.entries.contains_key(&e.value.id) {
                diags.push(Diagnostic::new(
                    &display,
                    pos,
                    format!("`{}` is listed twice", e.value.id),
                ));
            } else {
                out.entries.insert(e.value.id.clone(), e.value);
            }
        }
        if diags.is_empty() { Ok(out) } else { Err(diags) }
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
    fn partitions_cover_every_id_exactly_once() {
        let ids: Vec<String> = (0..200).map(|i| format!("image-v2/x/case-{i}")).collect();
        let parts: Vec<Partition> = (1..=3).map(|n| format!("hash:{n}/3").parse().unwrap()).collect();
        for id in &ids {
            assert_eq!(parts.iter().filter(|p| p.contains(id)).count(), 1, "{id}");
        }
        assert!("hash:0/3".parse::<Partition>().is_err());
        assert!("hash:4/3".parse::<Partition>().is_err());
        assert!("3".parse::<Partition>().is_err());
        assert_eq!("2/5".parse::<Partition>().unwrap(), Partition { shard: 2, of: 5 });
    }

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
