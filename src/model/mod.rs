//! The case model: what a case file, a profile file and a check mean, as plain data.
//!
//! This module knows nothing of HTTP or tokio (load apart from run): the loader fills it,
//! the runner reads it. Every node that a later error may point at keeps its position.

mod case;
mod check;
mod endpoint;
mod fixture;
mod predicate;
mod profile;
mod query;
mod requirement;

pub use case::{
    Alternative, Auth, Base, Binding, Case, CaseFile, Level, Method, Need, Prefer, Request, SpecRef, WalkSpec,
};
pub use check::{
    AgreesWith, Check, CheckEntry, CountCheck, FieldPair, LinkCheck, OracleCheck, OrderMode, SameIdsAs, SortDir,
    SortKey, SortedBy,
};
pub use endpoint::{EndpointFile, EndpointKind, Preflight, TenantInPath, UrlHint};
pub use fixture::{Fixture, FixtureFile, FixtureSet, Hidden, Owner, ShareState, Visibility};
pub use predicate::{Op, Predicate};
pub use profile::{ContentTypes, FilterDoc, NextLink, Profile, ProfileFile};
pub use query::QueryMap;
pub use requirement::{Document, Requirement, RequirementFile, cite};

/// A value with the position it was written at.
pub type Spanned<T> = serde_saphyr::Spanned<T>;
