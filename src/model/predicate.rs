//! Predicates over JSON values, shared by `every_item`, `where` filters and pointer checks.

use serde::Deserialize;

use super::Spanned;

/// `{path, op, value}`: the value at `path` (a JSON pointer) satisfies `op` against `value`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Predicate {
    pub path: Spanned<String>,
    pub op: Op,
    /// A JSON value, or a `{var}` template; absent for unary operators.
    #[serde(default)]
    pub value: Option<Spanned<serde_json::Value>>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Equals,
    NotEquals,
    /// The value is one of a list.
    In,
    Gt,
    Gte,
    Lt,
    Lte,
    /// RFC 3339 time comparisons (any offset; compared as instants).
    TimeGt,
    TimeGte,
    TimeLt,
    TimeLte,
    /// An array contains the value, or a string contains the substring.
    Contains,
    StartsWith,
    EndsWith,
    /// The key is present (its value may be null).
    Exists,
    /// The key is not present.
    Absent,
    IsNull,
    NotNull,
}

impl Op {
    /// Operators that take no `value`.
    pub fn is_unary(self) -> bool {
        matches!(self, Op::Exists | Op::Absent | Op::IsNull | Op::NotNull)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Equals => "equals",
            Op::NotEquals => "not_equals",
            Op::In => "in",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::TimeGt => "time_gt",
            Op::TimeGte => "time_gte",
            Op::TimeLt => "time_lt",
            Op::TimeLte => "time_lte",
            Op::Contains => "contains",
            Op::StartsWith => "starts_with",
            Op::EndsWith => "ends_with",
            Op::Exists => "exists",
            Op::Absent => "absent",
            Op::IsNull => "is_null",
            Op::NotNull => "not_null",
        }
    }
}
