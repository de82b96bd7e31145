//! Loading: case, profile and schema files → a validated [`Suite`], or every problem found.
//!
//! Strict by design: unknown fields, wrong types, unknown checks, duplicate ids, unresolvable
//! templates, schemas that do not compile and `$ref`s that do not resolve are all reported as
//! `file:line:column: what is wrong` before any request is sent.

mod embedded;
mod files;
mod parse;
mod schemas;
mod validate;

pub use files::{SourceFile, SourceSet, Sources};
pub use schemas::{SCHEMA_BASE_URI, SchemaSet};

use std::collections::BTreeMap;

use crate::model::{Case, Profile, Requirement};
use crate::source::{Diagnostics, Pos};

/// Where to read cases and schemas from, beyond (or instead of) the embedded ones.
#[derive(Debug, Default, Clone)]
pub struct LoadOptions {
    /// Replace the embedded cases (profile files stay available unless overridden).
    pub cases_dir: Option<std::path::PathBuf>,
    /// Extend the cases with more directories.
    pub add_cases: Vec<std::path::PathBuf>,
    /// Replace the embedded schemas.
    pub schemas_dir: Option<std::path::PathBuf>,
    /// Extend the schemas; a file with the same name overrides the shipped one.
    pub add_schemas: Vec<std::path::PathBuf>,
}

/// A case with the place it was written.
#[derive(Debug)]
pub struct LoadedCase {
    pub case: Case,
    pub file: String,
    pub pos: Pos,
}

impl LoadedCase {
    pub fn id(&self) -> &str {
        &self.case.id.value
    }
}

/// Everything a run needs from the input files, validated.
#[derive(Debug)]
pub struct Suite {
    pub profiles: BTreeMap<String, Profile>,
    pub cases: Vec<LoadedCase>,
    pub schemas: SchemaSet,
    /// The requirement inventory, by id.
    pub requirements: BTreeMap<String, Requirement>,
}

/// Reads, parses and validates everything; returns all problems found, sorted by file and line.
pub fn load(options: &LoadOptions) -> Result<Suite, Diagnostics> {
    let sources = Sources::gather(options).map_err(|d| Diagnostics(vec![d]))?;
    let mut diags = Diagnostics::default();

    let schemas = schemas::compile(&sources.schemas, &mut diags);
    let profiles = parse::profiles(&sources.cases, &mut diags);
    let cases = parse::cases(&sources.cases, &mut diags);
    let requirements = parse::requirements(&sources.cases, &mut diags);
    let requirements = validate::requirements(requirements, &profiles, &mut diags);
    validate::suite(&cases, &profiles, &schemas, &requirements, &mut diags);

    if diags.is_empty() {
        let mut cases = cases;
        cases.sort_by(|a, b| a.id().cmp(b.id()));
        Ok(Suite {
            profiles,
            cases,
            schemas,
            requirements,
        })
    } else {
        diags.sort();
        Err(diags)
    }
}
