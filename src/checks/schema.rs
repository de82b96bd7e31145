//! Validating a body against a compiled JSON Schema, with every error's place.

use serde_json::Value;

use super::Findings;
use crate::verdict::Finding;

const MAX_ERRORS: usize = 10;

pub fn validate(
    name: &str,
    validator: &jsonschema::Validator,
    body: Option<&Value>,
    body_error: Option<&str>,
) -> Findings {
    let label = format!("schema {name}");
    let Some(body) = body else {
        return Findings::broken(Finding::new(
            label,
            body_error.unwrap_or("the body is not JSON").to_string(),
        ));
    };
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| crate::loader::describe_error(&e))
        .collect();
    if errors.is_empty() {
        return Findings::default();
    }
    let shown: Vec<String> = errors.iter().take(MAX_ERRORS).cloned().collect();
    let more = errors.len().saturating_sub(MAX_ERRORS);
    let mut actual = shown.join("\n");
    if more > 0 {
        actual.push_str(&format!("\n… and {more} more"));
    }
    Findings::broken(
        Finding::new(
            label,
            format!("the body does not match the schema ({} error(s))", errors.len()),
        )
        .expected(format!("a body valid against {name}"))
        .actual(actual),
    )
}
