//! Evaluating one predicate operator on a JSON value.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde_json::Value;

use crate::model::Op;
use crate::template::plain;

/// The value at a JSON pointer; `None` when the key is absent.
pub fn value_at<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    crate::pointer::get(root, pointer)
}

/// An ISO 8601 / RFC 3339 time. A time without an offset is UTC (seed 001: "If you omit the
/// time zone, the UTC time zone is assumed"); a space may stand for the `T` (seed 004).
pub fn parse_time(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(n.and_utc().fixed_offset());
        }
    }
    None
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Whether `actual` (absent = `None`) satisfies `op` against `expected`. `Err` when the
/// operands cannot be compared (e.g. a time operator on a non-time), which is itself a finding.
pub fn eval(op: Op, actual: Option<&Value>, expected: Option<&Value>) -> Result<bool, String> {
    let exp = || expected.ok_or_else(|| format!("`{}` needs a value", op.as_str()));
    Ok(match op {
        Op::Exists => actual.is_some(),
        Op::Absent => actual.is_none(),
        Op::IsNull => matches!(actual, Some(Value::Null)),
        Op::NotNull => matches!(actual, Some(v) if !v.is_null()),
        Op::Equals => actual.is_some_and(|a| json_eq(a, exp().unwrap_or(&Value::Null))),
        Op::NotEquals => !actual.is_some_and(|a| json_eq(a, exp().unwrap_or(&Value::Null))),
        Op::In => {
            let Value::Array(set) = exp()? else {
                return Err("`in` needs a list".into());
            };
            actual.is_some_and(|a| set.iter().any(|e| json_eq(a, e)))
        }
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            let e = num(exp()?).ok_or_else(|| {
                format!(
                    "`{}` needs a number, got {}",
                    op.as_str(),
                    exp().unwrap_or(&Value::Null)
                )
            })?;
            match actual.and_then(num) {
                None => false,
                Some(a) => match op {
                    Op::Gt => a > e,
                    Op::Gte => a >= e,
                    Op::Lt => a < e,
                    _ => a <= e,
                },
            }
        }
        Op::TimeGt | Op::TimeGte | Op::TimeLt | Op::TimeLte => {
            let e = exp()?;
            let e = e
                .as_str()
                .and_then(parse_time)
                .ok_or_else(|| format!("`{}` is not an ISO 8601 time", plain(e)))?;
            let Some(a) = actual else { return Ok(false) };
            let Some(a) = a.as_str().and_then(parse_time) else {
                return Err(format!("{a} is not an ISO 8601 time"));
            };
            match op {
                Op::TimeGt => a > e,
                Op::TimeGte => a >= e,
                Op::TimeLt => a < e,
                _ => a <= e,
            }
        }
        Op::Contains => {
            let e = exp()?;
            match actual {
                Some(Value::Array(xs)) => xs.iter().any(|x| json_eq(x, e)),
                Some(Value::String(s)) => s.contains(&plain(e)),
                _ => false,
            }
        }
        Op::StartsWith | Op::EndsWith => {
            let e = plain(exp()?);
            match actual {
                Some(Value::String(s)) if op == Op::StartsWith => s.starts_with(&e),
                Some(Value::String(s)) => s.ends_with(&e),
                _ => false,
            }
        }
    })
}

/// `/status equals "active"` — a predicate in words.
pub fn describe(path: &str, op: Op, value: Option<&Value>) -> String {
    let path = if path.is_empty() { "(the value)" } else { path };
    match value {
        Some(v) => format!("{path} {} {v}", op.as_str()),
        None => format!("{path} {}", op.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operators() {
        let a = json!(5);
        assert!(eval(Op::Gte, Some(&a), Some(&json!(5))).unwrap());
        assert!(!eval(Op::Gt, Some(&a), Some(&json!(5))).unwrap());
        assert!(!eval(Op::Gt, Some(&Value::Null), Some(&json!(1))).unwrap());
        assert!(eval(Op::Equals, Some(&json!(1.0)), Some(&json!(1))).unwrap());
        assert!(eval(Op::In, Some(&json!("a")), Some(&json!(["b", "a"]))).unwrap());
        assert!(eval(Op::Contains, Some(&json!(["x", "y"])), Some(&json!("y"))).unwrap());
        assert!(eval(Op::Absent, None, None).unwrap());
        assert!(eval(Op::NotEquals, None, Some(&json!(1))).unwrap());
        assert!(eval(Op::IsNull, Some(&Value::Null), None).unwrap());
    }

    #[test]
    fn times_compare_as_instants_across_offsets() {
        let t = json!("2015-08-27T09:49:58-05:00");
        assert!(eval(Op::TimeGt, Some(&t), Some(&json!("2015-08-27T14:49:57Z"))).unwrap());
        assert!(eval(Op::TimeGte, Some(&t), Some(&json!("2015-08-27T14:49:58Z"))).unwrap());
        assert!(eval(Op::TimeLt, Some(&json!("2015-08-27T14:49:57")), Some(&t)).unwrap());
        assert!(eval(Op::TimeGt, Some(&json!("yesterday")), Some(&t)).is_err());
    }
}
