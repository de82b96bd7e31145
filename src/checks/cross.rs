//! Checks against another list: the same ids as another path (of this profile or another one,
//! e.g. compute `/images` against `/images/detail`, or against image-v2 `/v2/images`), and
//! per-id agreement of fields between them.

use std::collections::HashMap;

use serde_json::Value;

use super::{Findings, Net, Subject, ids, short_list};
use crate::exec::{Catalogue, DiscoveryResult, query_pairs};
use crate::model::{AgreesWith, OrderMode, SameIdsAs, Spanned};
use crate::template::plain;
use crate::verdict::Finding;

/// Fetches the other list; `Err` carries the findings (skip, or error) when it cannot be had.
async fn other_list(
    profile: &Option<Spanned<String>>,
    path: &str,
    query: &[(String, String)],
    keep_items: bool,
    subject: &Subject<'_>,
    net: &Net<'_>,
    label: &str,
) -> Result<std::sync::Arc<Catalogue>, Findings> {
    let name = profile
        .as_ref()
        .map_or(subject.profile.name.as_str(), |p| p.value.as_str());
    let Some(other) = net.profiles.get(name) else {
        return Err(Findings::error(Finding::new(
            label,
            format!("unknown profile `{name}`"),
        )));
    };
    let Some(endpoint) = net.endpoints.get(&other.endpoint) else {
        return Err(Findings::skip(format!(
            "needs the `{kind}` endpoint of profile {name} as well (give --endpoint {kind}=URL); only one family is configured",
            kind = other.endpoint
        )));
    };
    let result: DiscoveryResult = net
        .discovery
        .unpaged(net.client, other, endpoint, Some(path), query, keep_items)
        .await;
    result.map_err(|walk| {
        Findings::error(Finding::new(
            label,
            format!("the list at {path} could not be read: {}", walk.describe_end()),
        ))
    })
}

fn request_query(subject: &Subject, keep: bool) -> Vec<(String, String)> {
    if !keep {
        return Vec::new();
    }
    query_pairs(&subject.request.url)
        .into_iter()
        .filter(|(k, _)| *k != subject.profile.limit_param && *k != subject.profile.marker_param)
        .collect()
}

pub async fn same_ids_as(c: &SameIdsAs, subject: &Subject<'_>, net: &Net<'_>) -> Findings {
    let label = format!("same_ids_as {}", c.path.value);
    let Some(items) = &subject.items else {
        return Findings::broken(Finding::new(
            label,
            format!("the body has no item array at `{}`", subject.profile.items),
        ));
    };
    let query = request_query(subject, c.keep_query);
    let other = match other_list(&c.profile, &c.path.value, &query, false, subject, net, &label).await {
        Ok(o) => o,
        Err(f) => return f,
    };
    let here = ids(items.iter().copied(), &subject.profile.id);
    let there = &other.id_strings();
    let same = match c.order {
        OrderMode::Same => &here == there,
        OrderMode::Any => {
            let mut a = here.clone();
            let mut b = there.clone();
            a.sort();
            b.sort();
            a == b
        }
    };
    if same {
        return Findings::default();
    }
    let (here_set, there_set): (std::collections::HashSet<&String>, std::collections::HashSet<&String>) =
        (here.iter().collect(), there.iter().collect());
    let missing: Vec<String> = there.iter().filter(|t| !here_set.contains(t)).cloned().collect();
    let extra: Vec<String> = here.iter().filter(|h| !there_set.contains(h)).cloned().collect();
    let mut actual = format!("{} id(s) here, {} there", here.len(), there.len());
    if !missing.is_empty() {
        actual.push_str(&format!("; only there: {}", short_list(&missing)));
    }
    if !extra.is_empty() {
        actual.push_str(&format!("; only here: {}", short_list(&extra)));
    }
    if missing.is_empty() && extra.is_empty() {
        actual.push_str("; the same ids in another order");
    }
    Findings::broken(
        Finding::new(label, format!("the ids differ from the list at {}", other.url))
            .expected(format!(
                "the same ids{}",
                if c.order == OrderMode::Same {
                    " in the same order"
                } else {
                    ""
                }
            ))
            .actual(actual),
    )
}

pub async fn agrees_with(c: &AgreesWith, subject: &Subject<'_>, net: &Net<'_>) -> Findings {
    let label = format!("agrees_with {}", c.path.value);
    let Some(items) = &subject.items else {
        return Findings::broken(Finding::new(
            label,
            format!("the body has no item array at `{}`", subject.profile.items),
        ));
    };
    let other = match other_list(&c.profile, &c.path.value, &[], true, subject, net, &label).await {
        Ok(o) => o,
        Err(f) => return f,
    };
    // Rows, not items: the other list may hold 100 000 images, each materialized only when
    // an item here names it.
    let by_id: HashMap<&str, usize> = other.ids.iter().enumerate().map(|(row, i)| (&**i, row)).collect();
    let mut bad = Vec::new();
    for item in items {
        let id = ids([*item], &subject.profile.id).remove(0);
        let Some(&row) = by_id.get(id.as_str()) else { continue };
        let there_item = &other.item(row);
        for f in &c.fields {
            let there = crate::pointer::get(there_item, &f.there.value).filter(|v| !v.is_null());
            let expected = match (there, &f.null_as) {
                (None, Some(n)) => n.clone(),
                (None, None) => Value::Null,
                (Some(v), _) if f.map.is_empty() => v.clone(),
                (Some(v), _) => match f.map.get(&plain(v)).or(f.map.get("*")) {
                    Some(m) => m.clone(),
                    None => v.clone(),
                },
            };
            let here = crate::pointer::get(item, &f.here.value).cloned().unwrap_or(Value::Null);
            let equal = match (&here, &expected) {
                (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                (a, b) => a == b,
            };
            if !equal {
                bad.push(format!(
                    "{id}: {} is {here}, {} there is {} (expected {expected})",
                    f.here.value,
                    f.there.value,
                    there.map_or("null".to_string(), Value::to_string)
                ));
            }
        }
    }
    if bad.is_empty() {
        return Findings::default();
    }
    Findings::broken(
        Finding::new(
            label,
            format!("{} field(s) disagree with the list at {}", bad.len(), other.url),
        )
        .expected("the same values for the same image on both sides")
        .actual(short_list(&bad)),
    )
}
