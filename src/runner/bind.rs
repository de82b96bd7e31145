//! Picking values from the discovered catalogue for a case's `bind` section.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::checks::eval;
use crate::model::{Binding, Prefer};
use crate::template::{Vars, plain, render_value};

/// `Ok(None)` when no candidate exists (the case is then skipped with the binding's `need`).
/// The predicates may use the built-in variables in `vars` (an identity's project id).
pub fn resolve(b: &Binding, items: impl IntoIterator<Item = Value>, vars: &Vars) -> Result<Option<Value>, String> {
    let mut owned: Vec<Value> = Vec::new();
    for item in items {
        if !all_hold(&b.filter, &item, vars)? {
            continue;
        }
        for v in crate::pointer::get_all(&item, &b.from.value)
            .into_iter()
            .filter(|v| !v.is_null())
        {
            if all_hold(&b.value_where, v, vars)? {
                owned.push(v.clone());
            }
        }
    }
    let candidates: Vec<&Value> = owned.iter().collect();
    let picked = match b.at {
        Some(at) => candidates.get(at).copied(),
        None => pick(b.prefer, &candidates),
    };
    picked.map(|v| transform(b, v.clone())).transpose()
}

/// Whether every predicate holds on `v`.
fn all_hold(predicates: &[crate::model::Predicate], v: &Value, vars: &Vars) -> Result<bool, String> {
    for p in predicates {
        let expected = p.value.as_ref().map(|x| render_value(&x.value, vars)).transpose()?;
        if !eval(p.op, crate::pointer::get(v, &p.path.value), expected.as_ref())? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Applies a binding's `as_offset` and `replace`.
fn transform(b: &Binding, v: Value) -> Result<Value, String> {
    let mut v = v;
    if let Some(offset) = &b.as_offset {
        let s = plain(&v);
        let t = crate::checks::parse_time(&s).ok_or_else(|| format!("`as_offset`: `{s}` is not a time"))?;
        let shown = if offset == "naive" {
            t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string()
        } else {
            let o: chrono::FixedOffset = offset
                .parse()
                .map_err(|_| format!("`as_offset`: `{offset}` is not an offset like -05:00"))?;
            t.with_timezone(&o).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
        };
        v = Value::String(shown);
    }
    if let Some((from, to)) = &b.replace {
        v = Value::String(plain(&v).replace(from.as_str(), to));
    }
    Ok(v)
}

fn most_common<'v>(cands: &[&'v Value]) -> Option<&'v Value> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for c in cands {
        *counts.entry(c.to_string()).or_default() += 1;
    }
    let max = counts.values().copied().max()?;
    cands.iter().copied().find(|c| counts[&c.to_string()] == max)
}

/// The least common value shared by at least two candidates, else the least common one; ties go
/// to the first in catalogue order.
fn rarest<'v>(cands: &[&'v Value]) -> Option<&'v Value> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for c in cands {
        *counts.entry(c.to_string()).or_default() += 1;
    }
    let shared = counts.values().copied().filter(|n| *n >= 2).min();
    let want = shared.or_else(|| counts.values().copied().min())?;
    cands.iter().copied().find(|c| counts[&c.to_string()] == want)
}

/// The first candidate that another candidate spells in other letter case. Linear: a public
/// cloud's catalogue gives 100 000 candidates, and comparing each pair took minutes.
fn case_variant<'v>(cands: &[&'v Value]) -> Option<&'v Value> {
    let mut spellings: HashMap<String, HashSet<String>> = HashMap::new();
    for c in cands {
        let s = plain(c);
        spellings.entry(s.to_lowercase()).or_default().insert(s);
    }
    cands.iter().copied().find(|c| {
        spellings
            .get(&plain(c).to_lowercase())
            .is_some_and(|set| set.len() >= 2)
    })
}

/// The first candidate that is a proper prefix of another candidate. In sorted order the
/// strings that start with `s` come right after `s`, so comparing neighbours is enough.
fn prefix_of_another<'v>(cands: &[&'v Value]) -> Option<&'v Value> {
    let mut sorted: Vec<String> = cands.iter().map(|c| plain(c)).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let prefixes: HashSet<&str> = sorted
        .windows(2)
        .filter(|w| w[1].starts_with(w[0].as_str()))
        .map(|w| w[0].as_str())
        .collect();
    cands.iter().copied().find(|c| prefixes.contains(plain(c).as_str()))
}

fn pick<'v>(prefer: Prefer, cands: &[&'v Value]) -> Option<&'v Value> {
    match prefer {
        Prefer::First => cands.first().copied(),
        Prefer::Last => cands.last().copied(),
        Prefer::Median => {
            let mut sorted: Vec<&Value> = cands.to_vec();
            sorted.sort_by(|a, b| crate::checks::compare_values(a, b));
            sorted.dedup();
            sorted.get(sorted.len() / 2).copied()
        }
        Prefer::MostCommon => most_common(cands),
        Prefer::Rarest => rarest(cands),
        Prefer::NearMax | Prefer::NearMin => {
            let mut sorted: Vec<&Value> = cands.to_vec();
            sorted.sort_by(|a, b| crate::checks::compare_values(a, b));
            sorted.dedup();
            if prefer == Prefer::NearMax {
                sorted.reverse();
            }
            sorted.get(2.min(sorted.len().saturating_sub(1))).copied()
        }
        Prefer::CaseVariant => case_variant(cands).or_else(|| most_common(cands)),
        Prefer::PrefixOfAnother => prefix_of_another(cands).or_else(|| most_common(cands)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_and_preferences() {
        let items = [
            json!({"name": "Fedora", "tags": ["a", "b"], "size": 10}),
            json!({"name": "fedora", "tags": [], "size": null}),
            json!({"name": "ubuntu", "tags": ["b"], "size": 30}),
            json!({"name": "ubuntu", "tags": [], "size": 20}),
        ];
        let vals: Vec<&Value> = items
            .iter()
            .flat_map(|i| crate::pointer::get_all(i, "/tags/*"))
            .collect();
        assert_eq!(vals, vec![&json!("a"), &json!("b"), &json!("b")]);
        let names: Vec<&Value> = items.iter().flat_map(|i| crate::pointer::get_all(i, "/name")).collect();
        assert_eq!(pick(Prefer::MostCommon, &names), Some(&json!("ubuntu")));
        assert_eq!(pick(Prefer::CaseVariant, &names), Some(&json!("Fedora")));
        let words: Vec<Value> = ["ubuntu-22", "deb", "ubuntu", "debian", "x"]
            .iter()
            .map(|s| json!(s))
            .collect();
        let words: Vec<&Value> = words.iter().collect();
        assert_eq!(
            pick(Prefer::PrefixOfAnother, &words),
            Some(&json!("deb")),
            "first in catalogue order"
        );
        assert_eq!(
            pick(Prefer::CaseVariant, &words),
            Some(&json!("ubuntu-22")),
            "none: the most common"
        );
        let sizes: Vec<&Value> = items
            .iter()
            .flat_map(|i| crate::pointer::get_all(i, "/size"))
            .filter(|v| !v.is_null())
            .collect();
        assert_eq!(pick(Prefer::Median, &sizes), Some(&json!(20)));
        assert_eq!(
            pick(Prefer::NearMax, &sizes),
            Some(&json!(10)),
            "third largest of 30, 20, 10"
        );
        assert_eq!(pick(Prefer::NearMin, &sizes), Some(&json!(30)));
        let statuses: Vec<Value> = ["a", "a", "a", "q", "q", "x"].iter().map(|s| json!(s)).collect();
        let refs: Vec<&Value> = statuses.iter().collect();
        assert_eq!(
            pick(Prefer::Rarest, &refs),
            Some(&json!("q")),
            "the rarest value two items share"
        );
    }
}
