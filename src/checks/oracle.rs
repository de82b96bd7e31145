//! The catalogue oracle: the items must equal what a client computes from the discovered
//! catalogue — every returned item matches AND nothing that matches is missing.

use serde_json::Value;
use std::collections::HashSet;

use super::{Findings, Subject, eval, ids, short_list, value_at};
use crate::model::{OracleCheck, OrderMode};
use crate::template::render_value;
use crate::verdict::Finding;

/// A `where` predicate with its value rendered.
type Filter<'a> = (&'a crate::model::Predicate, Option<Value>);

/// Renders the values of predicates with the case's variables.
fn render<'a>(
    predicates: &'a [crate::model::Predicate],
    subject: &Subject,
    label: &str,
) -> Result<Vec<Filter<'a>>, Findings> {
    let mut out = Vec::new();
    for p in predicates {
        let v = match &p.value {
            None => None,
            Some(v) => Some(
                render_value(&v.value, subject.vars)
                    .map_err(|e| Findings::error(Finding::new(label, format!("cannot render a filter value: {e}"))))?,
            ),
        };
        out.push((p, v));
    }
    Ok(out)
}

/// Whether `item` satisfies every filter.
fn holds(filters: &[Filter], item: &Value, label: &str) -> Result<bool, Findings> {
    for (p, v) in filters {
        match eval(p.op, value_at(item, &p.path.value), v.as_ref()) {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(e) => return Err(Findings::error(Finding::new(label, format!("client-side filter: {e}")))),
        }
    }
    Ok(true)
}

/// The ids of the catalogue's items that satisfy the check's `where`, rendered with the
/// case's values, with the rendered predicates (for messages); or the findings that stop the
/// check.
fn select<'s>(
    o: &'s OracleCheck,
    subject: &'s Subject,
    label: &str,
) -> Result<(Vec<String>, Vec<Filter<'s>>), Findings> {
    let Some(catalogue) = subject.catalogue else {
        return Err(Findings::error(Finding::new(label, "no catalogue was discovered")));
    };
    let filters = render(&o.filter, subject, label)?;
    let mut selected = Vec::new();
    // Each item is materialized to test the filter and dropped: what is kept of a selected
    // one is its id (all the callers compare), so a filter that selects 100 000 images holds
    // 100 000 ids, not 100 000 images.
    let read = crate::exec::Projection::of_pointers(filters.iter().map(|(p, _)| p.path.value.as_str()));
    for (row, item) in catalogue.items_keeping(&read).enumerate() {
        if holds(&filters, &item, label)? {
            selected.push(catalogue.ids[row].to_string());
        }
    }
    Ok((selected, filters))
}

fn no_items(label: &str, subject: &Subject) -> Findings {
    Findings::broken(Finding::new(
        label,
        format!("the body has no item array at `{}`", subject.profile.items),
    ))
}

pub fn matches_catalogue(o: &OracleCheck, subject: &Subject) -> Findings {
    let label = "matches_catalogue";
    let (expected, filters) = match select(o, subject, label) {
        Ok(s) => s,
        Err(f) => return f,
    };
    let Some(items) = &subject.items else {
        return no_items(label, subject);
    };
    let id_ptr = &subject.profile.id;
    let mut want: Vec<String> = expected
        .into_iter()
        .skip(o.skip)
        .take(o.take.unwrap_or(usize::MAX))
        .collect();
    // Extra items the seed allows (deleted images in a changes-since window) are set aside.
    let extra_ok = match render(&o.allow_extra, subject, label) {
        Ok(f) => f,
        Err(f) => return f,
    };
    // Sets for membership: a catalogue's answer may hold 100 000 ids.
    let want_set: HashSet<String> = want.iter().cloned().collect();
    let mut got = Vec::new();
    for item in items {
        let id = ids([*item], id_ptr).remove(0);
        if !o.allow_extra.is_empty() && !want_set.contains(&id) {
            match holds(&extra_ok, item, label) {
                Ok(true) => continue,
                Ok(false) => {}
                Err(f) => return f,
            }
        }
        got.push(id);
    }
    let mut short = None;
    if o.prefix && got.len() < want.len() {
        short = Some(want.len());
        want.truncate(got.len());
    }
    let filter_words: Vec<String> = filters
        .iter()
        .map(|(p, v)| super::describe(&p.path.value, p.op, v.as_ref()))
        .collect();
    let what = format!(
        "the catalogue's {} item(s){}{}",
        want.len(),
        if filter_words.is_empty() {
            String::new()
        } else {
            format!(" where {}", filter_words.join(" and "))
        },
        match (o.skip, o.take) {
            (0, None) => String::new(),
            (s, Some(t)) => format!(" (positions {}..{})", s + 1, s + t),
            (s, None) => format!(" (from position {})", s + 1),
        }
    );
    // A page shorter than expected is fine only if it links to the rest.
    if let Some(expected) = short
        && subject
            .body
            .is_some_and(|b| matches!(crate::exec::next_link(b, &subject.profile.next), Ok(None)))
    {
        return Findings::broken(
            Finding::new(
                label,
                format!(
                    "the page holds {} of the {expected} expected item(s) and has no next link: the rest cannot be reached",
                    got.len()
                ),
            )
            .expected(format!("{expected} item(s), or fewer with a next link"))
            .actual(format!("{}: {}", got.len(), short_list(&got))),
        );
    }
    match o.order {
        OrderMode::Same => {
            if want == got {
                return Findings::default();
            }
            let at = want
                .iter()
                .zip(&got)
                .position(|(a, b)| a != b)
                .unwrap_or(want.len().min(got.len()));
            Findings::broken(
                Finding::new(
                    label,
                    format!("the items differ from {what}, first at position {}", at + 1),
                )
                .expected(format!("{} in catalogue order: {}", want.len(), short_list(&want)))
                .actual(format!("{}: {}", got.len(), short_list(&got))),
            )
        }
        OrderMode::Any => {
            let got_set: HashSet<&String> = got.iter().collect();
            let want_set: HashSet<&String> = want.iter().collect();
            let missing: Vec<String> = want.iter().filter(|w| !got_set.contains(w)).cloned().collect();
            let extra: Vec<String> = got.iter().filter(|g| !want_set.contains(g)).cloned().collect();
            if missing.is_empty() && extra.is_empty() && want.len() == got.len() {
                return Findings::default();
            }
            let mut actual = format!("{} item(s)", got.len());
            if !missing.is_empty() {
                actual.push_str(&format!("; missing {}", short_list(&missing)));
            }
            if !extra.is_empty() {
                // Details for the few the message shows (short_list), the rest counted.
                let mut shown: Vec<String> = extra
                    .iter()
                    .take(8)
                    .map(|id| {
                        let item = items.iter().find(|i| ids([**i], id_ptr)[0] == *id);
                        let detail: Vec<String> = filters
                            .iter()
                            .filter_map(|(p, _)| {
                                item.map(|i| {
                                    format!(
                                        "{}={}",
                                        p.path.value,
                                        value_at(i, &p.path.value).map_or("absent".into(), Value::to_string)
                                    )
                                })
                            })
                            .collect();
                        if detail.is_empty() {
                            id.clone()
                        } else {
                            format!("{id} ({})", detail.join(", "))
                        }
                    })
                    .collect();
                shown.extend(extra.iter().skip(8).cloned());
                actual.push_str(&format!("; unexpected {}", short_list(&shown)));
            }
            if missing.is_empty() && extra.is_empty() {
                actual.push_str("; some id repeated");
            }
            Findings::broken(
                Finding::new(label, format!("the items are not {what}"))
                    .expected(format!("exactly {} item(s): {}", want.len(), short_list(&want)))
                    .actual(actual),
            )
        }
    }
}

/// None of the items is among the catalogue's items selected by `where`.
pub fn disjoint_from_catalogue(o: &OracleCheck, subject: &Subject) -> Findings {
    let label = "disjoint_from_catalogue";
    let (forbidden, _) = match select(o, subject, label) {
        Ok(s) => s,
        Err(f) => return f,
    };
    let Some(items) = &subject.items else {
        return no_items(label, subject);
    };
    let id_ptr = &subject.profile.id;
    let forbidden: HashSet<String> = forbidden.into_iter().collect();
    let seen: Vec<String> = ids(items.iter().copied(), id_ptr)
        .into_iter()
        .filter(|i| forbidden.contains(i))
        .collect();
    if seen.is_empty() {
        Findings::default()
    } else {
        Findings::broken(
            Finding::new(label, format!("{} item(s) that must not be here are", seen.len()))
                .expected(format!("none of the catalogue's {} selected item(s)", forbidden.len()))
                .actual(short_list(&seen)),
        )
    }
}
