//! Loading: case, profile and schema files → a validated [`Suite`], or every problem found.
//!
//! Strict by design: unknown fields, wrong types, unknown checks, duplicate ids, unresolvable
//! templates, schemas that do not compile and `$ref`s that do not resolve are all reported as
//! `file:line:column: what is wrong` before any request is sent.

mod embedded;
mod files;
mod fixtures;
mod parse;
mod schemas;
mod validate;

pub use files::{SourceFile, SourceSet, Sources};
pub use parse::parse_file;
pub use schemas::{SCHEMA_BASE_URI, SchemaSet, describe_error};
pub use validate::{ProblemAt, RequirementProblem, quote_found, requirement_problems};

use std::collections::BTreeMap;

use crate::model::{Case, Document, EndpointKind, FixtureSet, Profile, Requirement};
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
    /// Its position in the file's `cases` list (the `3` of `cases[3]`).
    pub index: usize,
}

impl LoadedCase {
    pub fn id(&self) -> &str {
        &self.case.id.value
    }
    /// The key path of the case in its file: `cases[3]`.
    pub fn key(&self) -> String {
        format!("cases[{}]", self.index)
    }
    /// `file:line:column` of the case.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.pos.line, self.pos.column)
    }
}

/// Everything a run needs from the input files, validated.
#[derive(Debug)]
pub struct Suite {
    pub profiles: BTreeMap<String, Profile>,
    /// The endpoint kinds the profiles talk to, by name.
    pub endpoints: BTreeMap<String, EndpointKind>,
    pub cases: Vec<LoadedCase>,
    pub schemas: SchemaSet,
    /// The requirement inventory, by id.
    pub requirements: BTreeMap<String, Requirement>,
    /// The seed documents (title and short name), by file name: every document a profile
    /// names is here. `model::cite(&suite.documents, file, section)` renders a reference.
    pub documents: BTreeMap<String, Document>,
    /// The fixture sets a provisioning run creates, by profile (`cases/<profile>/fixtures.yaml`).
    pub fixtures: BTreeMap<String, FixtureSet>,
}

/// Only the endpoint kinds (for the command line's per-kind flags, before anything else loads).
pub fn endpoint_kinds(options: &LoadOptions) -> Result<BTreeMap<String, EndpointKind>, Diagnostics> {
    let sources = Sources::gather(options).map_err(|d| Diagnostics(vec![d]))?;
    let mut diags = Diagnostics::default();
    let kinds = parse::endpoints(&sources.cases, &mut diags);
    validate::endpoints(&kinds, &BTreeMap::new(), &mut diags);
    if diags.is_empty() {
        Ok(kinds.into_iter().map(|(k, (e, _, _))| (k, e)).collect())
    } else {
        diags.sort();
        diags.attach_sources(|file| {
            sources
                .cases
                .values()
                .find(|f| f.display == file)
                .map(|f| f.text.as_str())
        });
        Err(diags)
    }
}

/// Reads, parses and validates everything; returns all problems found, sorted by file and line.
pub fn load(options: &LoadOptions) -> Result<Suite, Diagnostics> {
    let sources = Sources::gather(options).map_err(|d| Diagnostics(vec![d]))?;
    let mut diags = Diagnostics::default();

    let schemas = schemas::compile(&sources.schemas, &mut diags);
    let endpoints = parse::endpoints(&sources.cases, &mut diags);
    let profiles = parse::profiles(&sources.cases, &mut diags);
    validate::endpoints(&endpoints, &profiles, &mut diags);
    let documents = validate::documents(parse::documents(&sources.cases), &profiles, &sources.cases, &mut diags);
    validate::filters(&profiles, &sources.cases, &mut diags);
    validate::content_types(&profiles, &sources.cases, &mut diags);
    let endpoints: BTreeMap<String, EndpointKind> = endpoints.into_iter().map(|(k, (e, _, _))| (k, e)).collect();
    let profiles: BTreeMap<String, Profile> = profiles.into_iter().map(|(k, (p, _, _))| (k, p)).collect();
    let fixtures = fixtures::parse(&sources.cases, &profiles, &endpoints, &mut diags);
    let cases = parse::cases(&sources.cases, &mut diags);
    fixtures::cases(&cases, &fixtures, &mut diags);
    let requirements = parse::requirements(&sources.cases, &mut diags);
    let requirements = validate::requirements(requirements, &profiles, &mut diags);
    validate::suite(&cases, &profiles, &endpoints, &schemas, &requirements, &mut diags);
    validate::requirement_rules(&cases, &requirements, &sources.cases, &mut diags);

    if diags.is_empty() {
        let mut cases = cases;
        cases.sort_by(|a, b| a.id().cmp(b.id()));
        Ok(Suite {
            profiles,
            endpoints,
            cases,
            schemas,
            requirements,
            documents,
            fixtures,
        })
    } else {
        diags.sort();
        diags.attach_sources(|file| sources.text_of(file));
        Err(diags)
    }
}
