//! Predicates on the response body and headers.

use serde_json::Value;

use super::{Findings, Subject, describe, eval, value_at};
use crate::model::Predicate;
use crate::template::render_value;
use crate::verdict::Finding;

pub fn expected_value(p: &Predicate, subject: &Subject) -> Result<Option<Value>, Finding> {
    match &p.value {
        None => Ok(None),
        Some(v) => render_value(&v.value, subject.vars).map(Some).map_err(|e| {
            Finding::new(
                format!("{} check", p.path.value),
                format!("cannot render the expected value: {e}"),
            )
        }),
    }
}

pub fn body(p: &Predicate, subject: &Subject) -> Findings {
    let label = format!("body {}", p.path.value);
    let Some(body) = subject.body else {
        return Findings::broken(Finding::new(label, "the body is not JSON, so it has no such field"));
    };
    let expected = match expected_value(p, subject) {
        Ok(e) => e,
        Err(f) => return Findings::error(f),
    };
    let actual = value_at(body, &p.path.value);
    match eval(p.op, actual, expected.as_ref()) {
        Ok(true) => Findings::default(),
        Ok(false) => Findings::broken(
            Finding::new(label, "the body does not satisfy the predicate")
                .expected(describe(&p.path.value, p.op, expected.as_ref()))
                .actual(actual.map_or("absent".to_string(), |v| v.to_string())),
        ),
        Err(e) => Findings::broken(Finding::new(label, e)),
    }
}

pub fn header(p: &Predicate, subject: &Subject) -> Findings {
    let name = &p.path.value;
    let label = format!("header {name}");
    let expected = match expected_value(p, subject) {
        Ok(e) => e,
        Err(f) => return Findings::error(f),
    };
    let actual = subject.response.header(name).map(|v| Value::String(v.to_string()));
    // Header values compare case-insensitively for media types; keep it exact otherwise.
    let actual_cmp = match (&actual, name.eq_ignore_ascii_case("content-type")) {
        (Some(Value::String(s)), true) => Some(Value::String(s.to_ascii_lowercase())),
        _ => actual.clone(),
    };
    match eval(p.op, actual_cmp.as_ref(), expected.as_ref()) {
        Ok(true) => Findings::default(),
        Ok(false) => Findings::broken(
            Finding::new(label, "the header does not satisfy the predicate")
                .expected(describe(name, p.op, expected.as_ref()))
                .actual(actual.map_or("absent".to_string(), |v| v.to_string())),
        ),
        Err(e) => Findings::broken(Finding::new(label, e)),
    }
}
