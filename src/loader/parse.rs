//! Parsing case and profile files (YAML, or JSON read by the same YAML parser so that both
//! get the same positions in their errors).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use super::{LoadedCase, SourceFile, SourceSet};
use crate::model::{
    CaseFile, Document, EndpointFile, EndpointKind, Profile, ProfileFile, Requirement, RequirementFile,
};
use crate::source::{DiagKind, Diagnostic, Diagnostics, Pos, yaml_len};

/// YAML 1.1 surprises off: `yes`, `NO`, `012` and `1_000` stay strings in untyped values.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
    }
}

/// Parses one file into `T`, turning a parse error into a diagnostic with its kind, position,
/// span and key path (`cases[3].expect[0].status[0]`, recorded by serde_path_to_error).
pub fn parse_file<T: DeserializeOwned>(file: &SourceFile) -> Result<T, Diagnostic> {
    let mut key_path = String::new();
    serde_saphyr::with_deserializer_from_str_with_options(&file.text, options(), |d| {
        serde_path_to_error::deserialize::<_, T>(d).map_err(|e| {
            key_path = key_path_of(e.path());
            e.into_inner()
        })
    })
    .map_err(|e| {
        let loc = e.location();
        let pos = loc.map(|l| Pos::from_yaml(&l)).unwrap_or_default();
        let message = first_line(&e.to_string());
        let inner = e.without_snippet();
        let kind = match inner {
            serde_saphyr::Error::DuplicateMappingKey { .. } => DiagKind::Duplicate,
            _ if is_shape_error(inner) => DiagKind::Shape,
            _ => DiagKind::Syntax,
        };
        // A node the path recorder could not name (`?`): for a duplicate key, it is the key.
        let mut key = key_path.clone();
        if let Some(stem) = key.strip_suffix(".?") {
            key = match (kind, message.strip_prefix("duplicate mapping key: ")) {
                (DiagKind::Duplicate, Some(rest)) => {
                    format!("{stem}.{}", rest.split([',', ' ']).next().unwrap_or(""))
                }
                _ => stem.to_string(),
            };
        }
        let message = match kind {
            DiagKind::Duplicate => message
                .split(", set DuplicateKeyPolicy")
                .next()
                .unwrap_or(&message)
                .to_string(),
            _ => message,
        };
        Diagnostic::new(&file.display, pos, message)
            .kind(kind)
            .len(loc.as_ref().map_or(1, yaml_len))
            .at_key(key)
    })
}

fn is_shape_error(e: &serde_saphyr::Error) -> bool {
    use serde_saphyr::Error as E;
    matches!(
        e,
        E::SerdeInvalidType { .. }
            | E::SerdeInvalidValue { .. }
            | E::SerdeInvalidLength { .. }
            | E::SerdeUnknownVariant { .. }
            | E::SerdeUnknownField { .. }
            | E::SerdeMissingField { .. }
            | E::Message { .. }
    )
}

/// `cases[1].expect[0].status[1]` from serde_path_to_error's path. Every `Spanned<T>` adds a
/// `value` segment of its own: a lone `value` is that wrapper and is dropped, while a field
/// really named `value` (always spanned in the model) shows as `value.value` and is kept once.
fn key_path_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let segs: Vec<Segment> = path.iter().cloned().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < segs.len() {
        let is_value = |s: &Segment| matches!(s, Segment::Map { key } if key == "value");
        if is_value(&segs[i]) {
            if segs.get(i + 1).is_some_and(is_value) {
                out.push_str(".value");
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        match &segs[i] {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Enum { variant } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(variant);
            }
            Segment::Unknown => out.push_str(".?"),
        }
        i += 1;
    }
    out
}

/// serde-saphyr's Display is a multi-line report with a source excerpt; we print our own
/// position and excerpt, so keep the message line and drop any leading location text.
fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or(text).trim();
    let line = match line.strip_prefix("error: ") {
        Some(rest) => rest,
        None => line,
    };
    // "line 5 column 20: invalid u16" → "invalid u16"
    if let Some(rest) = line.strip_prefix("line ")
        && let Some((_, msg)) = rest.split_once(": ")
    {
        return msg.to_string();
    }
    line.to_string()
}

fn is_profile_file(rel: &str) -> bool {
    rel.rsplit('/').next() == Some("profile.yaml")
}

pub(crate) fn is_endpoint_file(rel: &str) -> bool {
    rel.rsplit('/').next() == Some("endpoint.yaml")
}

pub(crate) fn is_fixture_file(rel: &str) -> bool {
    rel.rsplit('/').next() == Some("fixtures.yaml")
}

fn is_requirement_file(rel: &str) -> bool {
    rel.starts_with("requirements/")
}

/// The requirement inventory, with where each entry was written.
pub fn requirements(files: &SourceSet, diags: &mut Diagnostics) -> Vec<(Requirement, String, Pos)> {
    let mut out = Vec::new();
    for file in files.values().filter(|f| is_requirement_file(&f.rel)) {
        match parse_file::<RequirementFile>(file) {
            Ok(rf) => out.extend(
                rf.requirements
                    .into_iter()
                    .map(|r| (r.value, file.display.clone(), Pos::from_yaml(&r.referenced))),
            ),
            Err(d) => diags.push(d),
        }
    }
    out
}

/// The document list of the inventory (`documents:` in a requirement file), with where each
/// entry was written. A file that does not parse was already reported by [`requirements`].
pub fn documents(files: &SourceSet) -> Vec<(Document, String, Pos)> {
    let mut out = Vec::new();
    for file in files.values().filter(|f| is_requirement_file(&f.rel)) {
        if let Ok(rf) = parse_file::<RequirementFile>(file) {
            out.extend(
                rf.documents
                    .into_iter()
                    .map(|d| (d.value, file.display.clone(), Pos::from_yaml(&d.referenced))),
            );
        }
    }
    out
}

/// Where `key:` is written in a small mapping file (the first line that starts with it).
fn key_line(text: &str, key: &str) -> Option<Pos> {
    text.lines().enumerate().find_map(|(n, l)| {
        let trimmed = l.trim_start();
        trimmed
            .strip_prefix(key)
            .filter(|rest| rest.starts_with(':'))
            .map(|_| Pos::new(n as u32 + 1, (l.len() - trimmed.len()) as u32 + 1))
    })
}

/// The profiles, each with where its endpoint kind is named (for reference errors).
pub fn profiles(files: &SourceSet, diags: &mut Diagnostics) -> BTreeMap<String, (Profile, String, Pos)> {
    let mut out = BTreeMap::new();
    for file in files.values().filter(|f| is_profile_file(&f.rel)) {
        match parse_file::<ProfileFile>(file) {
            Ok(pf) => {
                let p = pf.profile.value;
                let dir = file.rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let pos = Pos::from_yaml(&pf.profile.referenced);
                if dir != p.name {
                    diags.push(
                        Diagnostic::new(
                            &file.display,
                            pos,
                            format!(
                                "profile `{}` must live in cases/{}/profile.yaml, not in `{dir}/`",
                                p.name, p.name
                            ),
                        )
                        .at_key("profile.name"),
                    );
                }
                // Problems with the endpoint kind point at its own line.
                let endpoint_pos = key_line(&file.text, "endpoint").unwrap_or(pos);
                out.insert(p.name.clone(), (p, file.display.clone(), endpoint_pos));
            }
            Err(d) => diags.push(d),
        }
    }
    out
}

/// The endpoint kinds, each with where it was defined (for duplicate and reference errors).
pub fn endpoints(files: &SourceSet, diags: &mut Diagnostics) -> BTreeMap<String, (EndpointKind, String, Pos)> {
    let mut out: BTreeMap<String, (EndpointKind, String, Pos)> = BTreeMap::new();
    for file in files.values().filter(|f| is_endpoint_file(&f.rel)) {
        match parse_file::<EndpointFile>(file) {
            Ok(ef) => {
                let pos = Pos::from_yaml(&ef.endpoint.referenced);
                let k = ef.endpoint.value;
                if let Some((_, first_file, first_pos)) = out.get(&k.name) {
                    diags.push(
                        Diagnostic::new(
                            &file.display,
                            pos,
                            format!(
                                "endpoint kind `{}` is defined twice (first at {first_file}:{}:{})",
                                k.name, first_pos.line, first_pos.column
                            ),
                        )
                        .kind(DiagKind::Duplicate)
                        .at_key("endpoint.name"),
                    );
                    continue;
                }
                out.insert(k.name.clone(), (k, file.display.clone(), pos));
            }
            Err(d) => diags.push(d),
        }
    }
    out
}

pub fn cases(files: &SourceSet, diags: &mut Diagnostics) -> Vec<LoadedCase> {
    let mut out = Vec::new();
    for file in files.values().filter(|f| {
        !is_profile_file(&f.rel)
            && !is_endpoint_file(&f.rel)
            && !is_requirement_file(&f.rel)
            && !is_fixture_file(&f.rel)
    }) {
        match parse_file::<CaseFile>(file) {
            Ok(cf) => {
                if cf.cases.is_empty() {
                    diags.push(
                        Diagnostic::new(&file.display, Pos::new(1, 1), "`cases` is empty")
                            .kind(DiagKind::Shape)
                            .at_key("cases"),
                    );
                }
                for (index, c) in cf.cases.into_iter().enumerate() {
                    out.push(LoadedCase {
                        pos: Pos::from_yaml(&c.referenced),
                        case: c.value,
                        file: file.display.clone(),
                        index,
                    });
                }
            }
            Err(d) => diags.push(d),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_drops_location_prefix() {
        assert_eq!(first_line("line 5 column 20: invalid u16\n  |\n5 | x"), "invalid u16");
        assert_eq!(first_line("unknown field `x`"), "unknown field `x`");
    }
}
