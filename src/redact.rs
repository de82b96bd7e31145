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
    /// Shared by every clone, so a token renewed during the run is redacted everywhere.
    secrets: std::sync::Arc<std::sync::RwLock<Vec<Secret>>>,
}

pub const REDACTED: &str = "[REDACTED]";

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let r = Redactor::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Adds a secret learnt during the run (a renewed token).
    pub fn add(&self, secret: Secret) {
        // Very short secrets would redact ordinary words; a real token is never that short.
        if secret.0.len() < 4 {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        secrets.push(secret);
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        for s in secrets.iter() {
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
