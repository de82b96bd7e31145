//! Checks over the items of a list (all pages of a walk).

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::Value;

use super::predicate::parse_time;
use super::{Findings, Subject, describe, eval, ids, short_list, value_at};
use crate::model::{CountCheck, Op, Predicate, SortDir, SortedBy};
use crate::template::{ITEM, plain, render_value};
use crate::verdict::Finding;

fn items<'a>(subject: &'a Subject, label: &str) -> Result<&'a [&'a Value], Findings> {
    subject.items.as_deref().ok_or_else(|| {
        Findings::broken(Finding::new(
            label,
            format!("the body has no item array at `{}`", subject.profile.items),
        ))
    })
}

fn item_id(item: &Value, subject: &Subject) -> String {
    ids([item], &subject.profile.id).remove(0)
}

pub fn every_item(p: &Predicate, subject: &Subject) -> Findings {
    let label = format!("every_item {}", p.path.value);
    let items = match items(subject, &label) {
        Ok(i) => i,
        Err(f) => return f,
    };
    let mut bad = Vec::new();
    let mut shown_expected = None;
    for item in items {
        let expected = match &p.value {
            None => None,
            Some(v) => {
                let mut vars = subject.vars.clone();
                vars.insert(ITEM.to_string(), (*item).clone());
                match render_value(&v.value, &vars) {
                    Ok(e) => Some(e),
                    Err(e) => {
                        return Findings::error(Finding::new(label, format!("cannot render the expected value: {e}")));
                    }
                }
            }
        };
        let actual = value_at(item, &p.path.value);
        let ok = match eval(p.op, actual, expected.as_ref()) {
            Ok(ok) => ok,
            Err(e) => return Findings::broken(Finding::new(label, format!("item {}: {e}", item_id(item, subject)))),
        };
        if !ok {
            shown_expected.get_or_insert_with(|| describe(&p.path.value, p.op, expected.as_ref()));
            let shown = actual.map_or("absent".to_string(), |v| v.to_string());
            bad.push(format!("{} has {}", item_id(item, subject), shown));
        }
    }
    if bad.is_empty() {
        return Findings::default();
    }
    Findings::broken(
        Finding::new(
            label,
            format!("{} of {} item(s) do not satisfy the predicate", bad.len(), items.len()),
        )
        .expected(format!("every item: {}", shown_expected.unwrap_or_default()))
        .actual(short_list(&bad)),
    )
}

/// Natural order of two non-null JSON values: numbers numerically, times as instants, other
/// strings by bytes (a collation-free order: cases sort on keys where collation cannot matter).
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => match (parse_time(x), parse_time(y)) {
            (Some(tx), Some(ty)) => Some(tx.cmp(&ty)),
            _ => Some(x.as_bytes().cmp(y.as_bytes())),
        },
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

pub fn sorted_by(s: &SortedBy, subject: &Subject) -> Findings {
    let keys: Vec<String> = s
        .keys
        .iter()
        .map(|k| {
            format!(
                "{} {}",
                k.path.value,
                if k.dir == SortDir::Asc { "asc" } else { "desc" }
            )
        })
        .collect();
    let label = format!("sorted_by {}", keys.join(", "));
    let items = match items(subject, &label) {
        Ok(i) => i,
        Err(f) => return f,
    };
    // Nulls of the first key may sit at either end (databases differ), but together.
    let first = &s.keys[0].path.value;
    let is_null = |i: &&Value| value_at(i, first).is_none_or(Value::is_null);
    let nulls: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| is_null(i))
        .map(|(n, _)| n)
        .collect();
    if let (Some(&lo), Some(&hi)) = (nulls.first(), nulls.last()) {
        let contiguous = hi - lo + 1 == nulls.len();
        let at_an_end = lo == 0 || hi == items.len() - 1;
        if !contiguous || !at_an_end {
            return Findings::broken(
                Finding::new(
                    &label,
                    format!("items with a null {first} are not together at one end of the list"),
                )
                .expected("nulls first or last, together")
                .actual(format!("nulls at positions {:?} of {}", nulls, items.len())),
            );
        }
    }
    let ordered: Vec<&&Value> = items.iter().filter(|i| !is_null(i)).collect();
    for (n, pair) in ordered.windows(2).enumerate() {
        let (a, b) = (pair[0], pair[1]);
        for key in &s.keys {
            let (va, vb) = (value_at(a, &key.path.value), value_at(b, &key.path.value));
            let ord = match (va, vb) {
                (Some(x), Some(y)) if !x.is_null() && !y.is_null() => compare(x, y),
                _ => Some(Ordering::Equal), // nulls of later keys: no claim
            };
            let Some(ord) = ord else {
                return Findings::broken(Finding::new(
                    &label,
                    format!("cannot compare {} values {:?} and {:?}", key.path.value, va, vb),
                ));
            };
            let ord = if key.dir == SortDir::Desc { ord.reverse() } else { ord };
            match ord {
                Ordering::Less => break,
                Ordering::Equal => continue,
                Ordering::Greater => {
                    let show = |i: &Value| {
                        format!(
                            "{} ({}={})",
                            item_id(i, subject),
                            key.path.value,
                            value_at(i, &key.path.value).map_or("absent".into(), plain)
                        )
                    };
                    return Findings::broken(
                        Finding::new(
                            &label,
                            format!("items {} and {} (among non-null ones) are out of order", n + 1, n + 2),
                        )
                        .expected(format!("ordered by {}", keys.join(", ")))
                        .actual(format!("{} before {}", show(a), show(b))),
                    );
                }
            }
        }
    }
    Findings::default()
}

pub fn ids_unique(subject: &Subject) -> Findings {
    let label = "ids_unique";
    let items = match items(subject, label) {
        Ok(i) => i,
        Err(f) => return f,
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut dups = Vec::new();
    for (n, id) in ids(items.iter().copied(), &subject.profile.id).into_iter().enumerate() {
        if let Some(first) = seen.insert(id.clone(), n + 1) {
            dups.push(format!("{id} at positions {first} and {}", n + 1));
        }
    }
    if dups.is_empty() {
        Findings::default()
    } else {
        Findings::broken(
            Finding::new(label, "an id appears more than once")
                .expected("every id once")
                .actual(short_list(&dups)),
        )
    }
}

pub fn count(c: &CountCheck, subject: &Subject) -> Findings {
    let label = "count";
    let items = match items(subject, label) {
        Ok(i) => i,
        Err(f) => return f,
    };
    let expected = match render_value(&c.value.value, subject.vars) {
        Ok(v) => v,
        Err(e) => return Findings::error(Finding::new(label, format!("cannot render the expected count: {e}"))),
    };
    let expected = match &expected {
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .map(Value::from)
            .unwrap_or(expected.clone()),
        _ => expected,
    };
    let actual = Value::from(items.len());
    match eval(c.op, Some(&actual), Some(&expected)) {
        Ok(true) => Findings::default(),
        Ok(false) => Findings::broken(
            Finding::new(label, "wrong number of items")
                .expected(format!("count {} {}", op_word(c.op), plain(&expected)))
                .actual(items.len().to_string()),
        ),
        Err(e) => Findings::error(Finding::new(label, e)),
    }
}

fn op_word(op: Op) -> &'static str {
    match op {
        Op::Equals => "=",
        Op::Lt => "<",
        Op::Lte => "<=",
        Op::Gt => ">",
        Op::Gte => ">=",
        other => other.as_str(),
    }
}

/// `has_ids` (`want: true`) and `lacks_ids` (`want: false`): each listed id is (or is not)
/// among the items. The ids are the run's own fixtures, so the answer is known exactly.
pub fn id_presence(list: &[crate::model::Spanned<String>], want: bool, subject: &Subject) -> Findings {
    let label = if want { "has_ids" } else { "lacks_ids" };
    let items = match items(subject, label) {
        Ok(i) => i,
        Err(f) => return f,
    };
    let present: std::collections::HashSet<String> =
        ids(items.iter().copied(), &subject.profile.id).into_iter().collect();
    let mut wrong = Vec::new();
    for id in list {
        let id = match crate::template::render_str(&id.value, subject.vars) {
            Ok(i) => i,
            Err(e) => return Findings::error(Finding::new(label, format!("cannot render an id: {e}"))),
        };
        if present.contains(&id) != want {
            wrong.push(id);
        }
    }
    if wrong.is_empty() {
        return Findings::default();
    }
    let (what, expected) = if want {
        ("missing from the list", "every listed id among the items")
    } else {
        (
            "listed, though it must not be",
            "none of the listed ids among the items",
        )
    };
    Findings::broken(
        Finding::new(label, format!("{} of {} id(s) {what}", wrong.len(), list.len()))
            .expected(expected)
            .actual(format!("{} in a list of {} item(s)", short_list(&wrong), items.len())),
    )
}
