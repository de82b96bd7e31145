//! Evidence of one exchange for a human: curl, a one-line summary, and the body trimmed.

use crate::exec::Exchange;
use crate::verdict::ExchangeEvidence;

/// Bodies longer than this are cut (a failing page of 1000 images would drown the report).
pub const MAX_BODY_CHARS: usize = 3000;

pub fn exchange_evidence(x: &Exchange) -> ExchangeEvidence {
    let mut ev = ExchangeEvidence {
        curl: x.request.curl(),
        method: x.request.method.as_str().to_string(),
        url: x.request.url.to_string(),
        duration_ms: x.elapsed.as_millis(),
        retries: x.retries.clone(),
        ..ExchangeEvidence::default()
    };
    match &x.result {
        Err(e) => ev.error = Some(e.to_string()),
        Ok(r) => {
            let ct = r.content_type();
            ev.status = Some(r.status);
            ev.content_type = (!ct.is_empty()).then(|| ct.to_string());
            ev.bytes = r.body.len();
            let body = match serde_json::from_slice::<serde_json::Value>(&r.body) {
                Ok(v) => serde_json::to_string_pretty(&shorten_arrays(v)).unwrap_or_default(),
                Err(_) => String::from_utf8_lossy(&r.body).into_owned(),
            };
            ev.body = trim(&body);
        }
    }
    ev
}

/// Long arrays (a page of 1000 images) keep their first items and say how many were left out,
/// so the trimmed body still shows the shape of everything around them.
const KEEP_ITEMS: usize = 2;

fn shorten_arrays(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Array(items) if items.len() > KEEP_ITEMS + 1 => {
            let more = items.len() - KEEP_ITEMS;
            let mut kept: Vec<Value> = items.into_iter().take(KEEP_ITEMS).map(shorten_arrays).collect();
            kept.push(Value::String(format!("… {more} more item(s) not shown")));
            Value::Array(kept)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(shorten_arrays).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, shorten_arrays(v))).collect()),
        other => other,
    }
}

fn trim(s: &str) -> String {
    let n = s.chars().count();
    if n <= MAX_BODY_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_BODY_CHARS).collect();
    format!("{cut}\n… ({} more characters)", n - MAX_BODY_CHARS)
}
