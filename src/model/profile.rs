//! A profile: one API family's collection shape, endpoint and documents, read from
//! `cases/<profile>/profile.yaml` so that the generic runner needs no per-family code.

use serde::Deserialize;

use super::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub profile: Spanned<Profile>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// `image-v2`, `compute-v2`, `ims`: the first segment of every case id of the profile.
    pub name: String,
    pub title: String,
    /// The endpoint kind the profile talks to (`image`, `compute`, `ims`): a kind defined in an
    /// `endpoint.yaml` file (see `EndpointKind`).
    pub endpoint: String,
    /// The seed documents cases of this profile may cite.
    pub docs: Vec<String>,
    /// The list request used for discovery and as the unpaged reference.
    pub list_path: String,
    /// JSON pointer to the item array in a list body.
    pub items: String,
    /// JSON pointer to an item's id.
    pub id: String,
    pub next: NextLink,
    pub limit_param: String,
    pub marker_param: String,
    /// A limit large enough for an "unpaged" list (the server may still page it).
    pub large_limit: u64,
    /// Query parameters that order the list rather than filter it (`sort_key`, `sort_dir`).
    #[serde(default)]
    pub sort_params: Vec<String>,
    /// The filter parameters the profile's documents define, each with where a seed says so:
    /// `imgconform coverage` shows them as a parity table (filter × profile) and fails on a
    /// documented filter no case checks.
    #[serde(default)]
    pub filters: Vec<FilterDoc>,
    /// The media types an answer read as JSON must declare, and how much it matters.
    #[serde(default)]
    pub json_content_types: Option<ContentTypes>,
}

/// The media types of the JSON answers of a profile: every response the suite parses as JSON
/// (a case's answer when its alternative reads the body, every page of a walk) is checked
/// against them. At `MUST` the profile cites the seed that shows the type; otherwise a `note`
/// says why the level is lower.
///
/// ```yaml
/// json_content_types:
///   types: [application/json]
///   level: MUST
///   doc: 001_b3b7f6f463317e6a.txt
///   section: Execution Example
///   quote: "HTTP/1.1 200 OK Content-Type: application/json"
/// ```
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ContentTypes {
    /// Media types without parameters (`application/json`); compared case-insensitively with
    /// the Content-Type's type before any `;` (a `charset` is allowed).
    pub types: Vec<String>,
    pub level: super::Level,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub section: Option<String>,
    /// Words of the seed that show the type (checked against the seed text by the tests).
    #[serde(default)]
    pub quote: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl ContentTypes {
    /// Whether a Content-Type header value names one of the types.
    pub fn accepts(&self, content_type: &str) -> bool {
        let media = content_type.split(';').next().unwrap_or("").trim();
        self.types.iter().any(|t| t.trim().eq_ignore_ascii_case(media))
    }
}

/// One filter parameter a seed document defines for a profile.
///
/// ```yaml
/// filters:
///   - {param: name, doc: 003_b48025eb92be26ba.txt, section: Filtering,
///      quote: "A client can provide direct comparison filters using most image attributes"}
/// ```
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FilterDoc {
    /// The query parameter as a client sends it (`name`, `size_min`, `changes-since`).
    pub param: String,
    /// The seed document (one of the profile's `docs`).
    pub doc: String,
    pub section: String,
    /// Words of the seed that define the filter (checked against the seed text by the tests).
    pub quote: String,
    /// How the seed's words are read (e.g. "an attribute of the seed's example image").
    #[serde(default)]
    pub note: Option<String>,
    /// Why no case can check it; the parity table then shows it as untestable, not as a hole.
    #[serde(default)]
    pub untestable: Option<String>,
}

/// Where a list body carries the link to the next page.
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum NextLink {
    /// A string at a JSON pointer (`/next` in Glance).
    Pointer(String),
    /// An array of `{rel, href}` objects at a pointer (`/images_links` in Nova).
    Links { at: String, rel: String },
}
