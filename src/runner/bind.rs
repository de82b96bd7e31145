//! Picking values from the discovered catalogue for a case's `bind` section.

use std::collections::HashMap;

use serde_json::Value;

use crate::checks::eval;
use crate::model::{Binding, Prefer};
use crate::template::{Vars, plain, render_value};

/// The values at a pointer with `*` segments expanded over arrays.
fn values_at<'v>(root: &'v Value, pointer: &str) -> Vec<&'v Value> {
    if pointer.is_empty() {
        return vec![root];
    }
    let mut current = vec![root];
    for seg in pointer.trim_start_matches('/').split('/') {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let mut next = Vec::new();
        for v in current {
            match (seg.as_str(), v) {
                ("*", Value::Array(xs)) => next.extend(xs.iter()),
                (s, Value::Object(m)) => next.extend(m.get(s)),
                (s, Value::Array(xs)) => next.extend(s.parse::<usize>().ok().and_then(|i| xs.get(i))),
                _ => {}
            }
        }
        current = next;
    }
    current
}

/// `Ok(None)` when no candidate exists (the case is then skipped with the binding's `need`).
pub fn resolve(b: &Binding, items: &[Value]) -> Result<Option<Value>, String> {
    let empty = Vars::new();
    let mut candidates: Vec<&Value> = Vec::new();
    for item in items {
        let mut keep = true;
        for p in &b.filter {
            let expected = p.value.as_ref().map(|v| render_value(&v.value, &empty)).transpose()?;
            if !eval(p.op, item.pointer(&p.path.value), expected.as_ref())? {
                keep = false;
                break;
            }
        }
        if keep {
            candidates.extend(values_at(item, &b.from.value).into_iter().filter(|v| !v.is_null()));
        }
    }
    if let Some(at) = b.at {
        return Ok(candidates.get(at).map(|v| (*v).clone()));
    }
    Ok(pick(b.prefer, &candidates).cloned())
}

fn most_common<'v>(cands: &[&'v Value]) -> Option<&'v Value> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for c in cands {
        *counts.entry(c.to_string()).or_default() += 1;
    }
    let max = counts.values().copied().max()?;
    cands.iter().copied().find(|c| counts[&c.to_string()] == max)
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
        Prefer::CaseVariant => cands
            .iter()
            .copied()
            .find(|c| {
                let s = plain(c);
                cands.iter().any(|o| {
                    let t = plain(o);
                    t != s && t.to_lowercase() == s.to_lowercase()
                })
            })
            .or_else(|| most_common(cands)),
        Prefer::PrefixOfAnother => cands
            .iter()
            .copied()
            .find(|c| {
                let s = plain(c);
                cands.iter().any(|o| {
                    let t = plain(o);
                    t != s && t.starts_with(&s)
                })
            })
            .or_else(|| most_common(cands)),
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
        let vals: Vec<&Value> = items.iter().flat_map(|i| values_at(i, "/tags/*")).collect();
        assert_eq!(vals, vec![&json!("a"), &json!("b"), &json!("b")]);
        let names: Vec<&Value> = items.iter().flat_map(|i| values_at(i, "/name")).collect();
        assert_eq!(pick(Prefer::MostCommon, &names), Some(&json!("ubuntu")));
        assert_eq!(pick(Prefer::CaseVariant, &names), Some(&json!("Fedora")));
        let sizes: Vec<&Value> = items
            .iter()
            .flat_map(|i| values_at(i, "/size"))
            .filter(|v| !v.is_null())
            .collect();
        assert_eq!(pick(Prefer::Median, &sizes), Some(&json!(20)));
    }
}
