//! Parsing case and profile files (YAML, or JSON read by the same YAML parser so that both
//! get the same positions in their errors).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use super::{LoadedCase, SourceFile, SourceSet};
use crate::model::{CaseFile, Profile, ProfileFile, Requirement, RequirementFile};
use crate::source::{Diagnostic, Diagnostics, Pos};

/// YAML 1.1 surprises off: `yes`, `NO`, `012` and `1_000` stay strings in untyped values.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
    }
}

/// Parses one file into `T`, turning a parse error into a positioned diagnostic.
pub fn parse_file<T: DeserializeOwned>(file: &SourceFile) -> Result<T, Diagnostic> {
    serde_saphyr::from_str_with_options::<T>(&file.text, options()).map_err(|e| {
        let pos = e.location().map(|l| Pos::from_yaml(&l)).unwrap_or_default();
        Diagnostic::new(
            &file.display,
            Pos::new(pos.line, pos.column),
            first_line(&e.to_string()),
        )
    })
}

/// serde-saphyr's Display is a multi-line report with a source excerpt; we print our own
/// position, so keep the message line and drop any leading location text.
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

pub fn profiles(files: &SourceSet, diags: &mut Diagnostics) -> BTreeMap<String, Profile> {
    let mut out = BTreeMap::new();
    for file in files.values().filter(|f| is_profile_file(&f.rel)) {
        match parse_file::<ProfileFile>(file) {
            Ok(pf) => {
                let p = pf.profile.value;
                let dir = file.rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                if dir != p.name {
                    diags.push(Diagnostic::new(
                        &file.display,
                        Pos::from_yaml(&pf.profile.referenced),
                        format!(
                            "profile `{}` must live in cases/{}/profile.yaml, not in `{dir}/`",
                            p.name, p.name
                        ),
                    ));
                }
                out.insert(p.name.clone(), p);
            }
            Err(d) => diags.push(d),
        }
    }
    out
}

pub fn cases(files: &SourceSet, diags: &mut Diagnostics) -> Vec<LoadedCase> {
    let mut out = Vec::new();
    for file in files
        .values()
        .filter(|f| !is_profile_file(&f.rel) && !is_requirement_file(&f.rel))
    {
        match parse_file::<CaseFile>(file) {
            Ok(cf) => {
                if cf.cases.is_empty() {
                    diags.push(Diagnostic::new(&file.display, Pos::new(1, 1), "`cases` is empty"));
                }
                for c in cf.cases {
                    out.push(LoadedCase {
                        pos: Pos::from_yaml(&c.referenced),
                        case: c.value,
                        file: file.display.clone(),
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
