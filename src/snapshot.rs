//! Snapshots of responses, compared with insta: a change of the mock's output is a reviewed
//! snapshot change, and a nightly run against a staging cloud reports drift from the last
//! recorded run.
//!
//! A response is normalized before it is compared: ids become `[id-1]`, `[id-2]`, … in order of
//! appearance (the same id keeps its placeholder), 32-hex tenant ids `[tenant-1]`, …,
//! date-times `[datetime]`, and `scheme://host:port` `[host]`. Tokens never reach a snapshot:
//! the run's redactor is applied to every string as well.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::exec::Response;
use crate::redact::Redactor;

/// What `--snapshots` asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Do not look at snapshots.
    Off,
    /// Compare; a mismatch FAILs against the embedded mock and WARNs against a real target.
    Check,
    /// Compare; a mismatch always FAILs.
    Strict,
    /// Write `.snap.new` files next to mismatching snapshots, for review.
    Update,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub mode: Mode,
    pub dir: PathBuf,
    /// A mismatch against the mock is a regression of the mock, not drift of a cloud.
    pub target_is_mock: bool,
}

/// The snapshots directory when none is given: the source tree's, when the binary runs from it
/// (tests, `cargo run`), else `./snapshots`.
pub fn default_dir() -> PathBuf {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    if built.is_dir() {
        built
    } else {
        PathBuf::from("snapshots")
    }
}

/// Sets insta's process-wide behaviour for `mode`. Call before any thread starts: it writes
/// environment variables, which insta reads once.
pub fn configure_insta(mode: Mode, dir: &Path) {
    let update = match mode {
        Mode::Update => "new",
        Mode::Off | Mode::Check | Mode::Strict => "no",
    };
    // SAFETY: called from `run` before the runtime's worker threads start, so no other
    // thread reads or writes the environment concurrently.
    unsafe {
        std::env::set_var("INSTA_UPDATE", update);
        std::env::set_var("INSTA_FORCE_PASS", "0");
        // insta would otherwise run `cargo metadata` to find a workspace.
        std::env::set_var("INSTA_WORKSPACE_ROOT", dir.parent().unwrap_or(dir));
    }
}

struct Normalizer<'a> {
    ids: HashMap<String, String>,
    tenants: HashMap<String, String>,
    redactor: &'a Redactor,
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|c| c.is_ascii_hexdigit())
}

impl Normalizer<'_> {
    fn token(&mut self, word: &str) -> Option<String> {
        if is_uuid(word) {
            let n = self.ids.len() + 1;
            return Some(
                self.ids
                    .entry(word.to_string())
                    .or_insert_with(|| format!("[id-{n}]"))
                    .clone(),
            );
        }
        if is_hex32(word) {
            let n = self.tenants.len() + 1;
            return Some(
                self.tenants
                    .entry(word.to_string())
                    .or_insert_with(|| format!("[tenant-{n}]"))
                    .clone(),
            );
        }
        None
    }

    fn string(&mut self, s: &str) -> String {
        if crate::checks::parse_time(s).is_some() && s.len() >= 19 && s.as_bytes().get(4) == Some(&b'-') {
            return "[datetime]".to_string();
        }
        let s = self.redactor.redact(s);
        // scheme://host:port → [host]
        let mut out = String::new();
        let mut rest = s.as_str();
        while let Some(i) = rest.find("://") {
            let start = rest[..i].rfind(|c: char| !c.is_ascii_alphabetic()).map_or(0, |p| p + 1);
            out.push_str(&rest[..start]);
            let after = &rest[i + 3..];
            let end = after.find(['/', '?', '"', ' ']).unwrap_or(after.len());
            out.push_str("[host]");
            rest = &after[end..];
        }
        out.push_str(rest);
        // ids inside strings (paths, links, messages): split on separators, keep them.
        let mut result = String::new();
        let mut word = String::new();
        for c in out.chars().chain(std::iter::once('\0')) {
            if c.is_ascii_hexdigit() || c == '-' {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                let w = std::mem::take(&mut word);
                result.push_str(&self.token(&w).unwrap_or(w));
            }
            if c != '\0' {
                result.push(c);
            }
        }
        result
    }

    fn value(&mut self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.string(s)),
            Value::Array(xs) => Value::Array(xs.iter().map(|x| self.value(x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (self.string(k), self.value(x)))
                    .collect::<Map<String, Value>>(),
            ),
            other => other.clone(),
        }
    }
}

/// The normalized form of a response, as stored in a snapshot.
pub fn normalize(response: &Response, redactor: &Redactor) -> Value {
    let mut n = Normalizer {
        ids: HashMap::new(),
        tenants: HashMap::new(),
        redactor,
    };
    let body = match response.json() {
        Ok(v) => n.value(&v),
        Err(_) => Value::String(n.string(&String::from_utf8_lossy(&response.body))),
    };
    let content_type = response.header("content-type").unwrap_or("");
    json!({"status": response.status, "headers": {"content-type": content_type}, "body": body})
}

/// Compares the normalized response with `<dir>/<profile>/<name>.snap`; `Err` says why not.
pub fn compare(config: &Config, profile: &str, name: &str, value: &Value) -> Result<(), String> {
    let dir = config.dir.join(profile);
    let file = dir.join(format!("{name}.snap"));
    let recorded = file.is_file();
    if config.mode != Mode::Update && !recorded {
        return Err(format!(
            "no snapshot at {} (record one with --snapshots update, then review it)",
            file.display()
        ));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_json_snapshot!(name, value));
    }));
    match outcome {
        Ok(()) => Ok(()),
        Err(_) if config.mode == Mode::Update && !recorded => Err(format!(
            "no snapshot was recorded; the new one is in {}.new for review",
            file.display()
        )),
        Err(_) if config.mode == Mode::Update => Err(format!(
            "the response differs from {}; the new one is in {}.new for review",
            file.display(),
            file.display()
        )),
        Err(_) => Err(format!("the response differs from the snapshot {}", file.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_times_hosts_and_tokens_are_normalized_stably() {
        let r = Redactor::new([crate::redact::Secret::new("tok-secret-1")]);
        let mut n = Normalizer {
            ids: HashMap::new(),
            tenants: HashMap::new(),
            redactor: &r,
        };
        let v = json!({
            "a": "11111111-2222-4333-8444-555555555555",
            "b": "/v2/images/11111111-2222-4333-8444-555555555555/file",
            "c": "http://127.0.0.1:4242/compute/v2/5d2f7c0a9b8e4c1d8a7f6e5d4c3b2a10/images/aaaaaaaa-2222-4333-8444-555555555555",
            "t": "2026-01-05T08:00:00Z",
            "s": "token tok-secret-1 here",
            "n": 5
        });
        assert_eq!(
            n.value(&v),
            json!({
                "a": "[id-1]",
                "b": "/v2/images/[id-1]/file",
                "c": "[host]/compute/v2/[tenant-1]/images/[id-2]",
                "t": "[datetime]",
                "s": "token [REDACTED] here",
                "n": 5
            })
        );
    }
}
