//! Picking values from the discovered catalogue for a case's `bind` section.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::checks::eval;
use crate::model::{Binding, Prefer};
use crate::template::{Vars, plain, render_value};

/// `Ok(None)` when no candidate exists (the case is then skipped with the binding's `need`).
/// The predicates may use the built-in variables in `vars` (an identity's project id).
pub fn resolve(b: &Binding, items: impl IntoIterator<Item = Value>, vars: &Vars) -> Result<Option<Value>, String> {
    let filter = rendered(&b.filter, vars)?;
    let value_where = rendered(&b.value_where, vars)?;
    // A pick by position keeps only what it may return: a whole item bound from 100 000
    // kept every one of them (150 MB) to return the first.
    let keep_only = match (b.at, b.prefer) {
        (Some(at), _) => Some(at + 1),
        (None, Prefer::First) => Some(1),
        _ => None,
    };
    let mut owned: Vec<Value> = Vec::new();
    'items: for item in items {
        if !all_hold(&filter, &item)? {
            continue;
        }
        for v in crate::pointer::get_all(&item, &b.from.value)
            .into_iter()
            .filter(|v| !v.is_null())
        {
            if all_hold(&value_where, v)? {
                if b.at.is_none() && b.prefer == Prefer::Last {
                    owned.clear();
                }
                owned.push(v.clone());
                if keep_only.is_some_and(|n| owned.len() >= n) {
                    break 'items;
                }
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

/// A predicate with its value rendered once (not once per item).
type Rendered<'p> = (&'p crate::model::Predicate, Option<Value>);

fn rendered<'p>(predicates: &'p [crate::model::Predicate], vars: &Vars) -> Result<Vec<Rendered<'p>>, String> {
    predicates
        .iter()
        .map(|p| Ok((p, p.value.as_ref().map(|x| render_value(&x.value, vars)).transpose()?)))
        .collect()
}

/// Whether every predicate holds on `v`.
fn all_hold(predicates: &[Rendered], v: &Value) -> Result<bool, String> {
    for (p, expected) in predicates {
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

/// How often each candidate's value occurs, by its JSON text, with each candidate's text
/// (computed once: 100 000 candidates are common).
fn counted(cands: &[&Value]) -> (Vec<String>, HashMap<String, usize>) {
    let texts: Vec<String> = cands.iter().map(|c| c.to_string()).collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for t in &texts {
        match counts.get_mut(t) {
            Some(n) => *n += 1,
            None => {
                counts.insert(t.clone(), 1);
            }
        }
    }
    (texts, counts)
}

fn most_common<'v>(cands: &[&'v Value]) -> Option<&'v Value> {
    let (texts, counts) = counted(cands);
    let max = counts.values().copied().max()?;
    texts.iter().position(|t| counts[t] == max).map(|i| cands[i])
}

/// The least common value shared by at least two candidates, else the least common one; ties go
/// to the first in catalogue order.
fn rarest<'v>(cands: &[&'v Value]) -> Option<&'v Value> {
    let (texts, counts) = counted(cands);
    let shared = counts.values().copied().filter(|n| *n >= 2).min();
    let want = shared.or_else(|| counts.values().copied().min())?;
    texts.iter().position(|t| counts[t] == want).map(|i| cands[i])
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
