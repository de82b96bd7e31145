//! JSON pointers as case files write them: RFC 6901, plus two conveniences for arrays of objects
//! that API documents are full of (`links`, `images_links`):
//!
//! - `[key=value]` selects the first element of an array whose `key` equals `value` as text
//!   (`/links/[rel=self]/href`);
//! - `*` walks every element of an array (`/tags/*`), for bindings that collect values.

use serde_json::Value;

fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

fn selector(seg: &str) -> Option<(&str, &str)> {
    seg.strip_prefix('[')?.strip_suffix(']')?.split_once('=')
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn step<'v>(v: &'v Value, seg: &str) -> Vec<&'v Value> {
    match (v, seg) {
        (Value::Array(xs), "*") => xs.iter().collect(),
        (Value::Array(xs), s) if selector(s).is_some() => {
            let (k, want) = selector(s).unwrap_or_default();
            xs.iter()
                .filter(|x| x.get(k).is_some_and(|got| text(got) == want))
                .take(1)
                .collect()
        }
        (Value::Array(xs), s) => s.parse::<usize>().ok().and_then(|i| xs.get(i)).into_iter().collect(),
        (Value::Object(m), s) if s.contains('~') => m.get(&unescape(s)).into_iter().collect(),
        (Value::Object(m), s) => m.get(s).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Every value the pointer reaches (several only through `*`).
pub fn get_all<'v>(root: &'v Value, pointer: &str) -> Vec<&'v Value> {
    if pointer.is_empty() {
        return vec![root];
    }
    let mut current = vec![root];
    for seg in pointer.trim_start_matches('/').split('/') {
        current = current.into_iter().flat_map(|v| step(v, seg)).collect();
    }
    current
}

/// The value the pointer reaches; `None` when a key is absent.
pub fn get<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    if pointer.contains('[') || pointer.split('/').any(|s| s == "*") {
        return get_all(root, pointer).into_iter().next();
    }
    // Plain RFC 6901, without allocating per step unless a segment is escaped: checks read
    // a pointer of each of 100 000 items.
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').try_fold(root, |v, seg| match v {
        Value::Object(m) if seg.contains('~') => m.get(&unescape(seg)),
        Value::Object(m) => m.get(seg),
        Value::Array(xs) => index(seg).and_then(|i| xs.get(i)),
        _ => None,
    })
}

/// An array index as RFC 6901 writes it (no sign, no leading zero).
fn index(seg: &str) -> Option<usize> {
    if seg.is_empty() || (seg.len() > 1 && seg.starts_with('0')) || !seg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    seg.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_and_wildcards() {
        let v = json!({"links": [{"rel": "self", "href": "a"}, {"rel": "bookmark", "href": "b"}], "tags": ["x", "y"], "a/b": 1});
        assert_eq!(get(&v, "/links/[rel=bookmark]/href"), Some(&json!("b")));
        assert_eq!(get(&v, "/links/[rel=nope]/href"), None);
        assert_eq!(get_all(&v, "/tags/*"), vec![&json!("x"), &json!("y")]);
        assert_eq!(get(&v, "/links/0/rel"), Some(&json!("self")));
        assert_eq!(get(&v, "/a~1b"), Some(&json!(1)));
        assert_eq!(get(&v, ""), Some(&v));
        assert_eq!(get(&v, "/tags/1"), Some(&json!("y")));
        assert_eq!(get(&v, "/tags/01"), None, "no leading zero (RFC 6901)");
        assert_eq!(get(&v, "/tags/-1"), None);
        assert_eq!(get(&v, "/nope/x"), None);
        assert_eq!(get(&v, "no-slash"), None);
        let n = json!({"": {"m~n": 2}});
        assert_eq!(get(&n, "//m~0n"), Some(&json!(2)), "an empty key, an escaped ~");
    }
}
