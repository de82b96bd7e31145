//! The reference mock: an independent implementation of the list-images APIs, the default
//! target of `imgconform run` and the fixture of the project's own tests.
//!
//! It is conforming when no quirk is set, faithful to real Glance where the documents are silent
//! (`../shared/notes/real-openstack-behaviour.md`), and each [`Quirk`] injects one realistic bug
//! for the suite to catch, while each [`Variant`] switches to another behaviour the documents
//! allow (the suite must pass it). User documentation: `docs/mock.md`. It shares no code with the runner (only `crate::tls` is used by tests)
//! so that a misreading of the seed cannot hide itself on both sides.
//!
//! Layout: `identity` (users, projects, tokens), `model` (one image, compact: `fields`),
//! `images` (the deterministic catalogue) and `content` (its bytes), `catalogue` (the images
//! with their sort indexes and posting lists), `access` (who sees and lists what), `listing`
//! (query parsing and links) with `filters`, `order` and `select` (a page from the indexes),
//! the HTTP faces `keystone`, `discovery`, `glance` (with `data`,
//! `members`, `schemas`, and `writes`: create, upload, patch, delete, members) and `nova`, `errors` (each service's error bodies), `state`, `quirk`,
//! `variant`, `server` (routing, spawn/serve).

mod access;
mod catalogue;
mod content;
mod data;
mod discovery;
mod errors;
mod fields;
mod filters;
mod glance;
mod identity;
mod images;
mod keystone;
mod listing;
mod members;
mod model;
#[cfg(test)]
mod naive;
mod nova;
mod order;
mod quirk;
mod schemas;
mod select;
mod server;
mod state;
mod variant;
mod writes;

pub use identity::{
    ADMIN_PASSWORD, ADMIN_PROJECT, ADMIN_PROJECT_ID, ADMIN_TOKEN_SUFFIX, ADMIN_USER, ADMIN_USER_ID, ALT_PASSWORD,
    ALT_PROJECT, ALT_TOKEN_SUFFIX, ALT_USER, ALT_USER_ID, APP_CREDENTIAL_ID, APP_CREDENTIAL_NAME,
    APP_CREDENTIAL_SECRET, DEFAULT_PASSWORD, DEFAULT_PROJECT, DEFAULT_USER, DEFAULT_USER_ID,
    OTHER_PROJECT_ID as SECOND_TENANT, PROJECT_ID as TENANT, ROLE_ADMIN_ID, ROLE_MEMBER_ID, ROLE_READER_ID,
    THIRD_PROJECT, THIRD_PROJECT_ID,
};
pub use images::mock_clock;
pub use quirk::Quirk;
pub use server::{RunningMock, router, serve, spawn};
pub use variant::Variant;

use std::collections::BTreeSet;
use std::time::Duration;

/// The token the mock accepts unless `--token` says otherwise.
pub const DEFAULT_TOKEN: &str = "imgconform-mock-token";
/// The catalogue size unless `--images` says otherwise.
pub const DEFAULT_IMAGES: usize = 40;
/// The largest catalogue `--images` and `--mock-images` accept: one million generated images
/// start in about 15 s and hold about 0.7 GiB (measured, docs/mock.md). The catalogue's
/// positions are `u32`, and a larger one would only be a way to exhaust the machine.
pub const MAX_IMAGES: usize = 1_000_000;

#[derive(Clone, Debug)]
pub struct MockConfig {
    /// Generated images, at most [`MAX_IMAGES`] (a larger number is served as `MAX_IMAGES`).
    pub images: usize,
    pub token: String,
    pub quirks: BTreeSet<Quirk>,
    /// Conforming behaviours other than the default (the suite must pass them).
    pub variants: BTreeSet<Variant>,
    /// Waits this long before every answer: a far-away cloud, for benchmarks.
    pub latency: Duration,
    /// The Keystone user, password and project of the valid token.
    pub user: String,
    pub password: String,
    pub project: String,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            images: DEFAULT_IMAGES,
            token: DEFAULT_TOKEN.to_string(),
            quirks: BTreeSet::new(),
            variants: BTreeSet::new(),
            latency: Duration::ZERO,
            user: DEFAULT_USER.to_string(),
            password: DEFAULT_PASSWORD.to_string(),
            project: DEFAULT_PROJECT.to_string(),
        }
    }
}

/// A short description of the catalogue for a one-line banner.
pub fn describe_catalogue(config: &MockConfig) -> String {
    format!(
        "{} images (+{} fixed: hidden, unaccepted shares, other projects', deleted), deterministic catalogue",
        config.images,
        images::extra_count()
    )
}
