//! An endpoint kind: one service a profile talks to (Glance's image API, Nova's compute API, a
//! provider's IMS), read from `cases/<profile>/endpoint.yaml`, so that a new API family on a new
//! endpoint is a new profile folder plus cases, with no Rust change.
//!
//! A kind says how a user names the endpoint (`--image-url URL`, or `--endpoint image=URL`),
//! which service types of a Keystone catalogue give it, how a catalogue URL becomes the URL the
//! cases' paths are relative to, where the embedded mock serves it, and how a first request can
//! tell a tester's mistake (a wrong URL) from a provider's bug.

use serde::Deserialize;

use super::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointFile {
    pub endpoint: Spanned<EndpointKind>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct EndpointKind {
    /// `image`: what profiles name in `endpoint:` and `--endpoint KIND=URL` takes.
    pub name: String,
    pub title: String,
    /// The flag that gives this endpoint: `image-url` is `--image-url URL` (an alias of
    /// `--endpoint image=URL`).
    pub flag: String,
    /// Service types of a Keystone service catalogue that list this endpoint.
    #[serde(default)]
    pub service_types: Vec<String>,
    /// An endpoint as a catalogue gives it, for help texts and hints.
    pub example: String,
    /// Path suffixes a catalogue URL may end with that the cases' paths already carry (Glance is
    /// often listed as `…/v2`, and the cases ask for `/v2/images`); they are cut off.
    #[serde(default)]
    pub strip_suffixes: Vec<String>,
    /// How the project enters the URL.
    #[serde(default)]
    pub tenant: TenantInPath,
    /// Where the embedded mock serves this kind, under its base URL (`/image`); `{project_id}`
    /// is the main identity's project. Absent: the mock does not serve it.
    #[serde(default)]
    pub mock_path: Option<String>,
    /// The request that tells, before any case runs, whether the endpoint answers as this kind
    /// with the token (a one-item list); see `Preflight`.
    #[serde(default)]
    pub preflight: Option<Preflight>,
    /// Hints for a URL that looks like a tester's mistake, most specific first.
    #[serde(default)]
    pub hints: Vec<UrlHint>,
}

/// How the project (tenant) appears in the endpoint URL.
#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TenantInPath {
    /// The URL carries no project.
    #[default]
    None,
    /// The last path segment is the project id (`…/v2/{tenant_id}`): it is the built-in variable
    /// `{tenant_id}`, and a catalogue URL without it gets the token's project appended.
    LastSegment,
}

/// The first contact with an endpoint.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Preflight {
    /// A cheap authenticated request, relative to the endpoint (`/v2/images?limit=1`).
    pub probe: String,
    /// A JSON pointer that a conforming answer to the probe has (`/images`).
    pub expect_pointer: String,
    /// The version document, relative to the endpoint (`/`), answered without a token; absent
    /// when the family has none.
    #[serde(default)]
    pub versions: Option<String>,
}

/// `when` the endpoint URL matches, say `hint`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct UrlHint {
    /// The URL's path ends with this (`/v2`).
    #[serde(default)]
    pub path_ends_with: Option<String>,
    /// The URL's path does not end with a 32-hex or uuid project id.
    #[serde(default)]
    pub lacks_project_id: bool,
    pub hint: String,
}
