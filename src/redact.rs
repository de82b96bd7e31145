//! The one redaction path: every text that leaves the process passes through a [`Redactor`].
//!
//! The curl renderer already writes `$OS_TOKEN` instead of the token, but a hostile or buggy
//! server may echo the token in a body or header; redaction replaces any occurrence.

use std::fmt;

/// A secret string whose Debug output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that needs it: the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

/// Replaces every known secret in a text.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<Secret>,
}

pub const REDACTED: &str = "[REDACTED]";

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        // Very short secrets would redact ordinary words; a real token is never that short.
        let mut secrets: Vec<Secret> = secrets.into_iter().filter(|s| s.0.len() >= 4).collect();
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        Redactor { secrets }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(&s.0) {
                out = out.replace(&s.0, REDACTED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_occurrence_and_hides_debug() {
        let r = Redactor::new([Secret::new("tok-123456"), Secret::new("ab")]);
        assert_eq!(r.redact("a tok-123456 b tok-123456"), "a [REDACTED] b [REDACTED]");
        assert_eq!(
            r.redact("ab stays: too short to be a secret"),
            "ab stays: too short to be a secret"
        );
        assert!(!format!("{:?}", Secret::new("tok-123456")).contains("tok"));
    }
}
