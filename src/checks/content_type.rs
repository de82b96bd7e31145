//! The media type of every answer the suite reads as JSON, against the profile's
//! `json_content_types` (data, not code: the level is MUST where a seed shows the type).
//!
//! A body that parses as JSON is not enough: a client that dispatches on the Content-Type (an
//! SDK, a proxy, a browser) would not read a list served as `text/html`.

use crate::exec::Exchange;
use crate::model::Profile;
use crate::verdict::Finding;

/// One finding for the answers among `read` (those whose body the suite read as JSON: a case's
/// answer, a walk's pages) served under another media type; none when the profile states no
/// types. Middle pages of a walk have dropped their bodies but kept their headers.
pub fn check(profile: &Profile, read: &[&Exchange]) -> Option<Finding> {
    let rule = profile.json_content_types.as_ref()?;
    let mut wrong: Vec<(&str, String)> = Vec::new();
    let mut answers = 0;
    for x in read {
        let Ok(r) = &x.result else { continue };
        answers += 1;
        let ct = r.content_type();
        if !rule.accepts(ct) {
            wrong.push((if ct.is_empty() { "(none)" } else { ct }, x.request.url.to_string()));
        }
    }
    let (first_type, first_url) = wrong.first()?;
    let read = answers;
    let expected = rule.types.join(" or ");
    let cited = match (&rule.doc, &rule.section) {
        (Some(d), Some(s)) => format!(" ({d} § {s})"),
        _ => rule.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default(),
    };
    let actual = if wrong.len() == 1 {
        format!("Content-Type {first_type} at {first_url}")
    } else {
        format!(
            "{} of {read} answers, the first Content-Type {first_type} at {first_url}",
            wrong.len()
        )
    };
    Some(
        Finding::new(
            "content-type",
            format!("an answer read as JSON is not served as {expected}{cited}"),
        )
        .expected(format!("Content-Type: {expected}"))
        .actual(actual)
        .level(rule.level),
    )
}
