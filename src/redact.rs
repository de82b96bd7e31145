//! The one redaction path: every text that leaves the process passes through a [`Redactor`].
//!
//! The curl renderer already writes `$OS_TOKEN` instead of the token, but a hostile or buggy
//! server may echo the token in a body or header, and not necessarily as it was sent: a
//! framework may percent-encode it (either hex case, `+` for a space, only some characters),
//! a JSON encoder escape it (`\/`, `\u0041`), an auth layer base64 it (standard or URL-safe,
//! padded or not, inside a longer blob such as `Basic dXNlcjp0b2tlbg==`). Each secret is
//! therefore matched in every one of those forms, not as one byte string.

use std::fmt;

use base64::Engine as _;

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

/// A secret ready for matching: its characters (each may be written in several ways) and the
/// base64 texts that only its bytes determine.
#[derive(Clone, Debug)]
struct Pattern {
    chars: Vec<char>,
    /// Longest first; each is a substring every base64 text of a blob holding the secret
    /// contains, whatever the secret's offset in the blob (see `base64_cores`).
    base64: Vec<String>,
}

/// Replaces every known secret in a text.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Shared by every clone, so a token renewed during the run is redacted everywhere.
    secrets: std::sync::Arc<std::sync::RwLock<Vec<Pattern>>>,
}

pub const REDACTED: &str = "[REDACTED]";

/// Base64 cores shorter than this are not redacted: so few characters occur by chance in
/// ordinary text, and would carry too little of the secret to matter.
const MIN_BASE64_CORE: usize = 6;

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
        if secret.0.chars().count() < 4 {
            return;
        }
        let pattern = Pattern {
            chars: secret.0.chars().collect(),
            base64: base64_cores(secret.0.as_bytes()),
        };
        let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        secrets.push(pattern);
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.chars.len()));
    }

    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        let mut out = text.to_string();
        for s in secrets.iter() {
            out = replace_encoded(&out, &s.chars);
            for core in &s.base64 {
                if out.contains(core.as_str()) {
                    out = out.replace(core.as_str(), REDACTED);
                }
            }
        }
        out
    }
}

/// Every occurrence of `secret` in `text`, each character written in any of its forms, replaced.
fn replace_encoded(text: &str, secret: &[char]) -> String {
    let Some(&first) = secret.first() else {
        return text.to_string();
    };
    // The bytes a match can start with: the first character's own, `%`, `\` (an escape), and
    // `+` for a space. Every other position is passed over by one table look-up.
    let mut starts = [false; 256];
    let mut buf = [0u8; 4];
    starts[first.encode_utf8(&mut buf).as_bytes()[0] as usize] = true;
    starts[b'%' as usize] = true;
    starts[b'\\' as usize] = true;
    if first == ' ' {
        starts[b'+' as usize] = true;
    }
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Only a character boundary can start a match (the text is UTF-8); the table holds
        // ASCII bytes and a leading byte only.
        if starts[bytes[i] as usize]
            && let Some(end) = match_at(bytes, i, secret)
        {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str(REDACTED);
            copied = end;
            i = end;
            continue;
        }
        i += 1;
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            o
        }
        None => text.to_string(),
    }
}

/// The end of a match of `secret` starting at `at`, trying each character's forms in turn
/// (with backtracking, since `%` may be a literal `%` or start `%25`).
fn match_at(text: &[u8], at: usize, secret: &[char]) -> Option<usize> {
    let Some((&c, rest)) = secret.split_first() else {
        return Some(at);
    };
    // Most positions fail on their first byte: no form of `c` starts with it.
    let first = text.get(at).copied()?;
    let mut buf = [0u8; 4];
    if first != c.encode_utf8(&mut buf).as_bytes()[0] && !matches!(first, b'%' | b'+' | b'\\') {
        return None;
    }
    let ends = char_forms(text, at, c);
    ends.as_slice().iter().find_map(|&end| match_at(text, end, rest))
}

/// The few places a character's forms can end (no allocation per position of a long text).
#[derive(Default)]
struct Ends {
    at: [usize; 16],
    n: usize,
}

impl Ends {
    fn push(&mut self, end: usize) {
        if self.n < self.at.len() && !self.as_slice().contains(&end) {
            self.at[self.n] = end;
            self.n += 1;
        }
    }
    fn contains(&self, end: &usize) -> bool {
        self.as_slice().contains(end)
    }
    fn as_slice(&self) -> &[usize] {
        &self.at[..self.n]
    }
}

/// Where each written form of `c` that starts at `at` ends: the character itself, its UTF-8
/// bytes percent-encoded (any hex case, byte by byte, so partly encoded text matches too), `+`
/// for a space, and JSON's escapes (`\uXXXX` in any case, a surrogate pair beyond the BMP,
/// and the short ones).
fn char_forms(text: &[u8], at: usize, c: char) -> Ends {
    let mut ends = Ends::default();
    let mut utf8 = [0u8; 4];
    let utf8 = c.encode_utf8(&mut utf8).as_bytes();
    // Literal or percent-encoded, byte by byte.
    let mut p = at;
    let mut ok = true;
    for &b in utf8 {
        if text.get(p) == Some(&b'%') && text.get(p + 1..p + 3).is_some_and(|h| hex_is(h, b)) {
            p += 3;
        } else if text.get(p) == Some(&b) {
            p += 1;
        } else {
            ok = false;
            break;
        }
    }
    if ok {
        ends.push(p);
    }
    // A literal `%` that is the secret's own (the loop above read it as the start of `%25`).
    if c == '%' && text.get(at) == Some(&b'%') && !ends.contains(&(at + 1)) {
        ends.push(at + 1);
    }
    if c == ' ' && text.get(at) == Some(&b'+') {
        ends.push(at + 1);
    }
    if text.get(at) == Some(&b'\\') {
        json_escapes(text, at, c, &mut ends);
    }
    ends
}

/// How deep JSON escaping is undone: a body inside a JSON string inside a JSON report is two
/// levels (`"` is `\\\"` there), one more for good measure.
const JSON_DEPTH: u32 = 3;

/// The ends of `c` written as a JSON escape at `at`, at any depth up to `JSON_DEPTH`: escaping
/// again doubles every backslash, so at depth d an escape's introducer is 2^(d-1) backslashes,
/// a quote is preceded by 2^d - 1 of them and a backslash is 2^d of them.
fn json_escapes(text: &[u8], at: usize, c: char, ends: &mut Ends) {
    let backslashes = |n: usize| text.get(at..at + n).is_some_and(|s| s.iter().all(|&b| b == b'\\'));
    let short = match c {
        '"' => Some(b'"'),
        '/' => Some(b'/'),
        '\n' => Some(b'n'),
        '\r' => Some(b'r'),
        '\t' => Some(b't'),
        '\u{8}' => Some(b'b'),
        '\u{c}' => Some(b'f'),
        _ => None,
    };
    for d in 1..=JSON_DEPTH {
        let intro = 1usize << (d - 1);
        if !backslashes(intro) {
            break;
        }
        match c {
            '\\' if backslashes(1 << d) => ends.push(at + (1 << d)),
            '"' if backslashes((1 << d) - 1) && text.get(at + (1 << d) - 1) == Some(&b'"') => ends.push(at + (1 << d)),
            _ => {}
        }
        if let Some(letter) = short
            && c != '"'
            && text.get(at + intro) == Some(&letter)
        {
            ends.push(at + intro + 1);
        }
        // \uXXXX, a surrogate pair beyond the BMP.
        let mut units = [0u16; 2];
        let mut q = at;
        let mut all = true;
        for unit in c.encode_utf16(&mut units).iter() {
            let hit = text.get(q..q + intro).is_some_and(|s| s.iter().all(|&b| b == b'\\'))
                && text.get(q + intro) == Some(&b'u')
                && text
                    .get(q + intro + 1..q + intro + 5)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .filter(|h| h.bytes().all(|x| x.is_ascii_hexdigit()))
                    .and_then(|h| u16::from_str_radix(h, 16).ok())
                    == Some(*unit);
            if !hit {
                all = false;
                break;
            }
            q += intro + 5;
        }
        if all {
            ends.push(q);
        }
    }
}

/// Whether two ASCII hex digits (either case) spell `b`.
fn hex_is(h: &[u8], b: u8) -> bool {
    std::str::from_utf8(h)
        .ok()
        .filter(|s| s.bytes().all(|x| x.is_ascii_hexdigit()))
        .and_then(|s| u8::from_str_radix(s, 16).ok())
        == Some(b)
}

/// The base64 texts that appear wherever the secret is base64-encoded, standard or URL-safe,
/// padded or not, alone or inside a longer blob at any offset: for each of the three
/// alignments, the characters made of the secret's bits only.
fn base64_cores(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
    ];
    for engine in engines {
        // The whole secret at offset 0, with padding: redacted as a whole when it stands alone.
        out.push(engine.encode(secret));
        for offset in 0..3usize {
            let mut blob = vec![0u8; offset];
            blob.extend_from_slice(secret);
            let encoded = engine.encode(&blob);
            let start = (8 * offset).div_ceil(6);
            let end = 8 * blob.len() / 6;
            if end > start && end - start >= MIN_BASE64_CORE {
                out.push(encoded[start..end].to_string());
            }
        }
    }
    out.retain(|c| c.len() >= MIN_BASE64_CORE);
    out.sort_by_key(|c| std::cmp::Reverse(c.len()));
    out.dedup();
    out
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

    #[test]
    fn redacts_encoded_forms() {
        let secret = "tok/en a+b%c\"d\\é";
        let r = Redactor::new([Secret::new(secret)]);
        for form in [
            secret.to_string(),
            "tok%2Fen%20a%2Bb%25c%22d%5C%C3%A9".to_string(),
            "tok%2fen%20a%2bb%25c%22d%5c%c3%a9".to_string(),
            "tok%2Fen+a%2Bb%25c%22d%5C%C3%A9".to_string(),
            // Partly encoded, as some frameworks do.
            "tok%2Fen a+b%c\"d\\%C3%A9".to_string(),
            // JSON: the encoder's escapes, and everything as \u.
            "tok\\/en a+b%c\\\"d\\\\é".to_string(),
            secret.chars().map(|c| format!("\\u{:04X}", c as u32)).collect(),
            secret.chars().map(|c| format!("\\u{:04x}", c as u32)).collect(),
        ] {
            let shown = r.redact(&format!("<{form}>"));
            assert_eq!(shown, "<[REDACTED]>", "{form}");
        }
        // A body inside a JSON string inside the JSON report: two levels of escaping.
        let twice = serde_json::to_string(&serde_json::to_string(secret).unwrap()).unwrap();
        assert_eq!(r.redact(&twice), "\"\\\"[REDACTED]\\\"\"", "{twice}");
        let r = Redactor::new([Secret::new("😀-token")]);
        assert_eq!(r.redact("x\\ud83d\\ude00-token"), "x[REDACTED]");
    }

    #[test]
    fn a_large_text_is_redacted_in_one_pass() {
        let r = Redactor::new([Secret::new("gAAAA-token-1"), Secret::new("other-secret-2")]);
        let text = "x%2B\\u0041 gAAAA-token-1 ".repeat(200_000);
        let out = r.redact(&text);
        assert_eq!(out.matches(REDACTED).count(), 200_000);
    }

    #[test]
    fn redacts_base64_at_any_offset_in_either_alphabet() {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
        let secret = "gAAAAB-token?>~~value";
        let r = Redactor::new([Secret::new(secret)]);
        for prefix in ["", "u:", "us:", "use:"] {
            let blob = format!("{prefix}{secret}");
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                let encoded = engine.encode(blob.as_bytes());
                let shown = r.redact(&format!("Basic {encoded}"));
                assert!(shown.contains(REDACTED), "{prefix:?} {encoded} → {shown}");
                // What is left is the prefix's characters and at most one character of the
                // secret's last bits with the padding.
                let left = shown.replace(REDACTED, "").len();
                assert!(
                    left <= "Basic ".len() + (8 * prefix.len()).div_ceil(6) + 3,
                    "{encoded} → {shown}"
                );
            }
        }
        assert_eq!(r.redact("ordinary words"), "ordinary words");
    }
}
