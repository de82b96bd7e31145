//! Link checks: a link keeps the request's query, and following it gives the same page.

use serde_json::Value;

use super::{Findings, Net, Subject, ids, short_list};
use crate::exec::{RequestSpec, query_pairs, resolve_link};
use crate::model::LinkCheck;
use crate::verdict::Finding;

/// The query parameters of `request` that a link must keep: all but the marker.
pub fn kept_params(request: &RequestSpec, marker_param: &str) -> Vec<(String, String)> {
    query_pairs(&request.url)
        .into_iter()
        .filter(|(k, _)| k != marker_param)
        .collect()
}

/// The parameters of `want` missing from `have` (as a multiset).
pub fn missing_params(want: &[(String, String)], have: &[(String, String)]) -> Vec<String> {
    let mut have = have.to_vec();
    let mut missing = Vec::new();
    for w in want {
        match have.iter().position(|h| h == w) {
            Some(i) => {
                have.remove(i);
            }
            None => missing.push(format!("{}={}", w.0, w.1)),
        }
    }
    missing
}

/// The link at the check's pointer, as written and resolved against the endpoint.
fn link<'a>(l: &LinkCheck, subject: &'a Subject, net: &Net, label: &str) -> Result<(&'a str, url::Url), Findings> {
    let raw = match subject.body.and_then(|b| crate::pointer::get(b, &l.path.value)) {
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(Findings::broken(Finding::new(
                label,
                format!("`{}` is not a string: {other}", l.path.value),
            )));
        }
        None => {
            return Err(Findings::broken(Finding::new(
                label,
                format!("the body has no `{}` link", l.path.value),
            )));
        }
    };
    let url = resolve_link(net.endpoint, raw).map_err(|e| Findings::broken(Finding::new(label, e)))?;
    Ok((raw, url))
}

pub fn keeps_query(l: &LinkCheck, subject: &Subject, net: &Net) -> Findings {
    let label = format!("link_keeps_query {}", l.path.value);
    let (raw, url) = match link(l, subject, net, &label) {
        Ok(r) => r,
        Err(f) => return f,
    };
    let want = kept_params(subject.request, &subject.profile.marker_param);
    let missing = missing_params(&want, &query_pairs(&url));
    if missing.is_empty() {
        Findings::default()
    } else {
        Findings::broken(
            Finding::new(label, "the link drops query parameters of the request")
                .expected(format!("a link keeping {}", short_list(&missing)))
                .actual(raw.to_string()),
        )
    }
}

pub async fn same_page(l: &LinkCheck, subject: &Subject<'_>, net: &Net<'_>) -> Findings {
    let label = format!("link_same_page {}", l.path.value);
    let (_, url) = match link(l, subject, net, &label) {
        Ok(r) => r,
        Err(f) => return f,
    };
    let request = RequestSpec {
        url,
        ..subject.request.clone()
    };
    let exchange = net.client.send(request).await;
    let mut out = Findings::default();
    let id_ptr = &subject.profile.id;
    let here = subject
        .items
        .as_ref()
        .map(|i| ids(i.iter().copied(), id_ptr))
        .unwrap_or_default();
    match &exchange.result {
        Err(e) => out
            .errors
            .push(Finding::new(&label, format!("following the link failed: {e}"))),
        Ok(r) if r.status != 200 => out.broken.push(
            Finding::new(&label, "following the link does not answer 200")
                .expected("200")
                .actual(r.status.to_string()),
        ),
        Ok(r) => match r.json().ok().and_then(|b| b.pointer(&subject.profile.items).cloned()) {
            Some(Value::Array(items)) => {
                let there = ids(items.iter(), id_ptr);
                if there != here {
                    out.broken.push(
                        Finding::new(&label, "following the link gives another page")
                            .expected(format!("the same ids: {}", short_list(&here)))
                            .actual(short_list(&there)),
                    );
                }
            }
            _ => out
                .broken
                .push(Finding::new(&label, "following the link gives no item list")),
        },
    }
    if !out.broken.is_empty() || !out.errors.is_empty() {
        out.exchanges.push(exchange);
    }
    out
}
