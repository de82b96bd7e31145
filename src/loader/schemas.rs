//! JSON Schemas (2020-12) from `schemas/`, compiled offline against a local registry.
//!
//! Every file is registered under [`SCHEMA_BASE_URI`] + its relative path, so a `$ref` such as
//! `"image.json"` or `"../common/link.json#/$defs/href"` resolves between shipped files and
//! never over the network (jsonschema is built without its HTTP/file resolvers, and `.offline()`
//! refuses any retrieval).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::SourceSet;
use crate::source::{DiagKind, Diagnostic, Diagnostics, Pos, locate_json_pointer};

/// The base URI of the local schema registry; never fetched.
pub const SCHEMA_BASE_URI: &str = "https://schemas.imgconform.invalid/";

/// Compiled validators by schema name (`image-v2/images` for `schemas/image-v2/images.json`).
#[derive(Clone, Default)]
pub struct SchemaSet {
    validators: BTreeMap<String, Arc<jsonschema::Validator>>,
    /// Schemas that exist as files but were left out, with the cause in words: a case naming
    /// one gets a follow-on problem folded under that cause, not a second error of its own.
    broken: BTreeMap<String, String>,
}

impl std::fmt::Debug for SchemaSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.validators.keys()).finish()
    }
}

impl SchemaSet {
    pub fn get(&self, name: &str) -> Option<&Arc<jsonschema::Validator>> {
        self.validators.get(name)
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.validators.keys().map(String::as_str)
    }
    /// Why the schema `name` was left out, if it was.
    pub fn broken(&self, name: &str) -> Option<&str> {
        self.broken.get(name).map(String::as_str)
    }
}

/// One validation error in words: where in the instance, what is wrong (trimmed: a hostile
/// server controls the value), and which schema keyword said so. The one way schema errors
/// are shown, for single responses and for the pages of a walk alike.
pub fn describe_error(e: &jsonschema::ValidationError) -> String {
    const MAX: usize = 200;
    let at = e.instance_path().to_string();
    let at = if at.is_empty() { "(root)".to_string() } else { at };
    let text = e.to_string();
    let text = if text.chars().count() <= MAX {
        text
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    };
    format!("{at}: {text} [schema {}]", e.schema_path())
}

fn schema_name(rel: &str) -> String {
    rel.trim_end_matches(".json").to_string()
}

pub fn compile(files: &SourceSet, diags: &mut Diagnostics) -> SchemaSet {
    let mut set = SchemaSet::default();
    let mut docs: Vec<(&str, &str, serde_json::Value)> = Vec::new();
    for file in files.values() {
        if !file.rel.ends_with(".json") {
            diags.push(
                Diagnostic::new(&file.display, Pos::new(1, 1), "schema files must be JSON (`.json`)")
                    .kind(DiagKind::Rule),
            );
            continue;
        }
        let name = schema_name(&file.rel);
        match serde_json::from_str::<serde_json::Value>(&file.text) {
            Ok(v) if v.is_object() || v.is_boolean() => docs.push((&file.rel, &file.display, v)),
            Ok(_) => {
                diags.push(
                    Diagnostic::new(&file.display, Pos::new(1, 1), "a schema must be an object or a boolean")
                        .kind(DiagKind::Schema),
                );
                set.broken
                    .insert(name.clone(), format!("the schema `{name}`, which is not an object"));
            }
            Err(e) => {
                diags.push(
                    Diagnostic::new(
                        &file.display,
                        Pos::new(e.line() as u32, e.column() as u32),
                        format!("invalid JSON: {e}"),
                    )
                    .kind(DiagKind::Syntax),
                );
                set.broken
                    .insert(name.clone(), format!("the schema `{name}`, which is not valid JSON"));
            }
        }
    }

    // Unresolvable `$ref`s are reported at the `$ref` itself, and their documents left out, so
    // one bad file does not take the whole registry (and every case) down with it.
    let known: Vec<String> = docs
        .iter()
        .map(|(rel, _, _)| format!("{SCHEMA_BASE_URI}{rel}"))
        .collect();
    docs.retain(|(rel, display, doc)| {
        let text = files.get(*rel).map(|f| f.text.as_str()).unwrap_or("");
        let mut ok = true;
        for (pointer, target) in external_refs(doc, &format!("{SCHEMA_BASE_URI}{rel}")) {
            if !known.contains(&target) {
                let pos = locate_json_pointer(text, &pointer).unwrap_or(Pos::new(1, 1));
                let shown = target.strip_prefix(SCHEMA_BASE_URI).unwrap_or(&target);
                diags.push(
                    Diagnostic::new(
                        *display,
                        pos,
                        format!("`$ref` to `{shown}`, which is not among the schema files"),
                    )
                    .kind(DiagKind::Schema)
                    .len(pointer.rsplit('/').next().map_or(1, |k| k.chars().count() as u32 + 2))
                    .at_key(pointer.clone()),
                );
                ok = false;
            }
        }
        if !ok {
            let name = schema_name(rel);
            set.broken.insert(
                name.clone(),
                format!("the schema `{name}`, whose `$ref` does not resolve"),
            );
        }
        ok
    });

    let prepare = |docs: &[(&str, &str, serde_json::Value)]| {
        jsonschema::Registry::new()
            .extend(
                docs.iter()
                    .map(|(rel, _, v)| (format!("{SCHEMA_BASE_URI}{rel}"), v.clone())),
            )
            .and_then(|b| b.prepare())
    };
    // One document the registry refuses (an unknown `$schema`) would take every schema down
    // with it: find it by leaving each out in turn, report it at its own file, and go on
    // without it, so that its cases fold under that one cause.
    let registry = loop {
        let e = match prepare(&docs) {
            Ok(r) => break r,
            Err(e) => e,
        };
        let culprit = (0..docs.len()).find(|&i| {
            let mut rest = docs.clone();
            rest.remove(i);
            prepare(&rest).is_ok()
        });
        let Some(i) = culprit else {
            let file = docs.first().map(|d| d.1).unwrap_or("schemas/");
            diags.push(Diagnostic::new(file, Pos::new(1, 1), format!("schema registry: {e}")).kind(DiagKind::Schema));
            return set;
        };
        let (rel, display, doc) = docs.remove(i);
        let text = files.get(rel).map(|f| f.text.as_str()).unwrap_or("");
        let pointer = if doc.get("$schema").is_some() { "/$schema" } else { "" };
        let pos = locate_json_pointer(text, pointer).unwrap_or(Pos::new(1, 1));
        diags
            .push(Diagnostic::new(display, pos, format!("the schema registry refuses it: {e}")).kind(DiagKind::Schema));
        let name = schema_name(rel);
        set.broken
            .insert(name.clone(), format!("the schema `{name}`, which the registry refuses"));
    };

    for (rel, display, doc) in &docs {
        let built = jsonschema::options()
            .with_registry(&registry)
            .with_base_uri(format!("{SCHEMA_BASE_URI}{rel}"))
            .should_validate_formats(true)
            .offline()
            .build(doc);
        match built {
            Ok(v) => {
                set.validators.insert(schema_name(rel), Arc::new(v));
            }
            Err(e) => {
                // While compiling, the "instance" is the schema itself: its path names the bad keyword.
                let pointer = e.instance_path().to_string();
                let text = files.get(*rel).map(|f| f.text.as_str()).unwrap_or("");
                let pos = locate_json_pointer(text, &pointer).unwrap_or(Pos::new(1, 1));
                let at = if pointer.is_empty() {
                    String::new()
                } else {
                    format!(" at {pointer}")
                };
                diags.push(
                    Diagnostic::new(*display, pos, format!("schema does not compile{at}: {e}"))
                        .kind(DiagKind::Schema)
                        .len(pointer.rsplit('/').next().map_or(1, |k| k.chars().count() as u32 + 2))
                        .at_key(pointer.clone()),
                );
                let name = schema_name(rel);
                set.broken
                    .insert(name.clone(), format!("the schema `{name}`, which does not compile"));
            }
        }
    }
    set
}

/// `($ref's JSON pointer, the document URI it names)` for every `$ref` that leaves its document.
fn external_refs(doc: &serde_json::Value, base: &str) -> Vec<(String, String)> {
    fn walk(v: &serde_json::Value, path: &mut String, base: &url::Url, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    let len = path.len();
                    path.push('/');
                    path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    if k == "$ref"
                        && let serde_json::Value::String(r) = child
                        && !r.starts_with('#')
                        && let Ok(mut target) = base.join(r)
                    {
                        target.set_fragment(None);
                        out.push((path.clone(), target.to_string()));
                    }
                    walk(child, path, base, out);
                    path.truncate(len);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("/{i}"));
                    walk(child, path, base, out);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(base) = url::Url::parse(base) {
        walk(doc, &mut String::new(), &base, &mut out);
    }
    out
}
