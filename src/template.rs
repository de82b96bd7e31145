//! `{var}` templates in case files: paths, query values, headers and check values.
//!
//! `{name}` is a bound value, `{name./ptr}` reads a JSON pointer inside a bound object,
//! `{fixture.NAME.FIELD}` a known value of a provisioned fixture (the variable `fixture.NAME`
//! is the fixture's object, `FIELD` one of its keys),
//! `{{` and `}}` are literal braces. A string that is exactly one template yields the bound
//! value with its JSON type (so `value: "{size}"` compares as a number).

use std::collections::BTreeMap;

use serde_json::Value;

/// Built-in variables every case may use.
/// `tenant_id` exists only for profiles whose endpoint kind carries the tenant in its path;
/// `main_project_id` and `other_project_id` are the identities' projects, when known (from
/// Keystone or the embedded mock): a case that uses an unknown one SKIPs.
pub const BUILTINS: &[&str] = &["catalogue_count", "tenant_id", "main_project_id", "other_project_id"];
/// The built-ins that come from the identities.
pub const IDENTITY_VARS: &[&str] = &["main_project_id", "other_project_id"];
/// The prefix of the variables that hold provisioned fixtures (`fixture.NAME`).
pub const FIXTURE_PREFIX: &str = "fixture.";

/// The variable holding the fixture `name`'s known values.
pub fn fixture_var(name: &str) -> String {
    format!("{FIXTURE_PREFIX}{name}")
}

/// `{fixture.NAME.FIELD}` → the variable `fixture.NAME` and the pointer `/FIELD`.
fn fixture_ref(inner: &str) -> Option<Result<Ref, String>> {
    let rest = inner.strip_prefix(FIXTURE_PREFIX)?;
    let Some((name, field)) = rest.split_once('.') else {
        return Some(Err(format!(
            "`{{{inner}}}`: a fixture value is `{{fixture.NAME.FIELD}}` (e.g. `{{fixture.plain.id}}`)"
        )));
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    let field_ok = !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !name_ok || !field_ok {
        return Some(Err(format!(
            "`{{{inner}}}`: a fixture name is lower-case letters, digits, `-` and `_`, a field letters, digits and `_`"
        )));
    }
    Some(Ok(Ref {
        var: fixture_var(name),
        pointer: Some(format!("/{field}")),
    }))
}

/// The variable naming the current item inside `every_item` values.
pub const ITEM: &str = "item";

pub type Vars = BTreeMap<String, Value>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub var: String,
    pub pointer: Option<String>,
}

enum Piece<'a> {
    Lit(std::borrow::Cow<'a, str>),
    Var(Ref),
}

fn pieces(s: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if matches!(chars.peek(), Some((_, '{'))) => {
                chars.next();
                lit.push('{');
            }
            '}' if matches!(chars.peek(), Some((_, '}'))) => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let rest = &s[i + 1..];
                let end = rest
                    .find('}')
                    .ok_or_else(|| format!("unclosed `{{` in template `{s}`"))?;
                let inner = &rest[..end];
                for _ in 0..inner.chars().count() + 1 {
                    chars.next();
                }
                if let Some(r) = fixture_ref(inner) {
                    if !lit.is_empty() {
                        out.push(Piece::Lit(std::mem::take(&mut lit).into()));
                    }
                    out.push(Piece::Var(r?));
                    continue;
                }
                let (var, pointer) = match inner.split_once('.') {
                    Some((v, p)) => (v, Some(p.to_string())),
                    None => (inner, None),
                };
                let valid = !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(format!(
                        "`{{{inner}}}` is not a variable (expected `{{name}}` or `{{name./pointer}}`)"
                    ));
                }
                if let Some(p) = &pointer
                    && !p.is_empty()
                    && !p.starts_with('/')
                {
                    return Err(format!("`{{{inner}}}`: a pointer after `.` must start with `/`"));
                }
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit).into()));
                }
                out.push(Piece::Var(Ref {
                    var: var.to_string(),
                    pointer,
                }));
            }
            '}' => return Err(format!("unmatched `}}` in template `{s}` (write `}}}}` for a brace)")),
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit.into()));
    }
    Ok(out)
}

/// The variables a template string refers to (for load-time validation).
pub fn references(s: &str) -> Result<Vec<Ref>, String> {
    Ok(pieces(s)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(r) => Some(r),
            Piece::Lit(_) => None,
        })
        .collect())
}

/// Every template reference inside a JSON value (strings at any depth).
pub fn value_references(v: &Value) -> Result<Vec<Ref>, String> {
    match v {
        Value::String(s) => references(s),
        Value::Array(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(value_references(i)?);
            }
            Ok(out)
        }
        _ => Ok(Vec::new()),
    }
}

fn lookup(r: &Ref, vars: &Vars) -> Result<Value, String> {
    let v = vars
        .get(&r.var)
        .ok_or_else(|| format!("variable `{}` is not bound", r.var))?;
    match &r.pointer {
        None => Ok(v.clone()),
        Some(p) => Ok(crate::pointer::get(v, p).cloned().unwrap_or(Value::Null)),
    }
}

/// A JSON value as it reads inside a URL or a message: strings unquoted.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a path segment may carry as it is: RFC 3986's unreserved characters. Everything else
/// in a substituted value (`/`, `?`, `#`, `%`, space, `;`, non-ASCII…) is percent-encoded, so a
/// value from the server stays one segment and cannot change the request.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A value encoded as (part of) one path segment.
pub fn encode_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

/// Renders a request path: the template's literal text as written, every substituted value
/// encoded as a path segment (query values are encoded as form values where the query is
/// built, `exec::encode`). A value that would be a whole `.` or `..` segment is refused: URL
/// normalisation removes such a segment even percent-encoded, which would send the request
/// to another resource.
pub fn render_path(s: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::new();
    let mut substituted_in_segment = false;
    let dot_segment = |out: &str| {
        let last = out.rsplit('/').next().unwrap_or("");
        last == "." || last == ".."
    };
    for p in pieces(s)? {
        match p {
            Piece::Lit(l) => {
                for (i, part) in l.split('/').enumerate() {
                    if i > 0 {
                        if substituted_in_segment && dot_segment(&out) {
                            return Err(dot_error(&out));
                        }
                        substituted_in_segment = false;
                        out.push('/');
                    }
                    out.push_str(part);
                }
            }
            Piece::Var(r) => {
                out.push_str(&encode_segment(&plain(&lookup(&r, vars)?)));
                substituted_in_segment = true;
            }
        }
    }
    if substituted_in_segment && dot_segment(&out) {
        return Err(dot_error(&out));
    }
    Ok(out)
}

fn dot_error(path: &str) -> String {
    format!(
        "the path `{path}` would have a `.` or `..` segment made of a substituted value; not sent (it would name another resource)"
    )
}

/// Renders a template into a string.
pub fn render_str(s: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::new();
    for p in pieces(s)? {
        match p {
            Piece::Lit(l) => out.push_str(&l),
            Piece::Var(r) => out.push_str(&plain(&lookup(&r, vars)?)),
        }
    }
    Ok(out)
}

/// Renders templates inside a JSON value; a string that is exactly one template keeps the
/// bound value's type.
pub fn render_value(v: &Value, vars: &Vars) -> Result<Value, String> {
    match v {
        Value::String(s) => {
            let ps = pieces(s)?;
            if let [Piece::Var(r)] = ps.as_slice() {
                return lookup(r, vars);
            }
            Ok(Value::String(render_str(s, vars)?))
        }
        Value::Array(items) => items
            .iter()
            .map(|i| render_value(i, vars))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// Every variable a case's templates name: request, bindings, and the values of its checks.
pub fn case_vars(case: &crate::model::Case) -> std::collections::BTreeSet<String> {
    case_refs(case).into_iter().map(|r| r.var).collect()
}

/// Every template reference of a case (variable and pointer).
pub fn case_refs(case: &crate::model::Case) -> Vec<Ref> {
    use crate::model::Check;
    let mut out = Vec::new();
    let mut add = |refs: Result<Vec<Ref>, String>| out.extend(refs.unwrap_or_default());
    let r = &case.request;
    add(references(&r.path.value));
    for (_, v) in &r.query.0 {
        add(value_references(&v.value));
    }
    for v in r.headers.values() {
        add(references(&v.value));
    }
    let predicates = |ps: &[crate::model::Predicate]| -> Vec<Value> {
        ps.iter()
            .filter_map(|p| p.value.as_ref().map(|v| v.value.clone()))
            .collect()
    };
    let mut values: Vec<Value> = Vec::new();
    for b in case.bind.values() {
        values.extend(predicates(&b.value.filter));
        values.extend(predicates(&b.value.value_where));
    }
    for alt in &case.expect {
        for entry in &alt.value.checks {
            match &entry.value.check {
                Check::Body(p) | Check::Header(p) | Check::EveryItem(p) => {
                    values.extend(predicates(std::slice::from_ref(p)))
                }
                Check::Count(c) => values.push(c.value.value.clone()),
                Check::MatchesCatalogue(o) | Check::DisjointFromCatalogue(o) => {
                    values.extend(predicates(&o.filter));
                    values.extend(predicates(&o.allow_extra));
                }
                Check::HasIds(ids) | Check::LacksIds(ids) => {
                    values.extend(ids.iter().map(|i| Value::String(i.value.clone())));
                }
                Check::SortedBy(_)
                | Check::IdsUnique
                | Check::LinkKeepsQuery(_)
                | Check::LinkSamePage(_)
                | Check::SameIdsAs(_)
                | Check::AgreesWith(_) => {}
            }
        }
    }
    for v in &values {
        add(value_references(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("name".into(), json!("ubuntu"));
        v.insert("size".into(), json!(42));
        v.insert("img".into(), json!({"id": "abc", "tags": ["x"]}));
        v
    }

    #[test]
    fn renders_strings_and_typed_values() {
        assert_eq!(render_str("/v2/images/{img./id}", &vars()).unwrap(), "/v2/images/abc");
        assert_eq!(render_str("a{{b}}c", &vars()).unwrap(), "a{b}c");
        assert_eq!(render_value(&json!("{size}"), &vars()).unwrap(), json!(42));
        assert_eq!(render_value(&json!("n={size}"), &vars()).unwrap(), json!("n=42"));
        assert_eq!(
            render_value(&json!(["{name}", 3]), &vars()).unwrap(),
            json!(["ubuntu", 3])
        );
    }

    #[test]
    fn substituted_path_values_stay_one_segment() {
        let mut v = vars();
        for (id, sent) in [
            ("a/b", "a%2Fb"),
            ("c?d", "c%3Fd"),
            ("e#f", "e%23f"),
            ("g%h", "g%25h"),
            ("i j", "i%20j"),
            ("k;l=m&n", "k%3Bl%3Dm%26n"),
            ("é", "%C3%A9"),
            ("ok-._~1", "ok-._~1"),
        ] {
            v.insert("id".into(), json!(id));
            assert_eq!(
                render_path("/v2/images/{id}/file", &v).unwrap(),
                format!("/v2/images/{sent}/file")
            );
        }
        // Literal text is the case author's and stays as written.
        assert_eq!(render_path("/a/b?{{x}}", &v).unwrap(), "/a/b?{x}");
        for dots in [".", ".."] {
            v.insert("id".into(), json!(dots));
            assert!(render_path("/v2/images/{id}", &v).is_err(), "{dots}");
            assert!(render_path("/v2/images/{id}/file", &v).is_err(), "{dots}");
            v.insert("id".into(), json!(format!("x{dots}")));
            assert!(render_path("/v2/images/{id}", &v).is_ok(), "{dots}");
        }
    }

    #[test]
    fn rejects_bad_templates() {
        assert!(references("{unclosed").is_err());
        assert!(references("a}b").is_err());
        assert!(references("{bad name}").is_err());
        assert!(references("{x.id}").is_err());
        assert!(render_str("{missing}", &vars()).is_err());
        assert_eq!(references("{a}-{b./c}").unwrap().len(), 2);
    }

    #[test]
    fn fixture_values_read_inside_the_fixture_object() {
        let refs = references("/v2/images/{fixture.shared-pending.id}").unwrap();
        assert_eq!(
            refs,
            vec![Ref {
                var: "fixture.shared-pending".into(),
                pointer: Some("/id".into())
            }]
        );
        let mut v = vars();
        v.insert("fixture.plain".into(), json!({"id": "f1", "min_disk": 3}));
        assert_eq!(render_str("id={fixture.plain.id}", &v).unwrap(), "id=f1");
        assert_eq!(render_value(&json!("{fixture.plain.min_disk}"), &v).unwrap(), json!(3));
        assert!(references("{fixture.plain}").is_err());
        assert!(references("{fixture.Plain.id}").is_err());
        assert!(references("{fixture.plain./id}").is_err());
    }
}
