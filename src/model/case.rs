//! One conformance case: identity and provenance, a request, and acceptable answers.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{CheckEntry, Predicate, QueryMap, Spanned};

/// A case file holds one or more cases (`cases: [...]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    pub cases: Vec<Spanned<Case>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable id, `profile/group/name`; it is the libtest test name.
    pub id: Spanned<String>,
    pub title: String,
    pub profile: Spanned<String>,
    pub spec: SpecRef,
    /// The inventory requirements this case checks (`cases/requirements/*.yaml`).
    pub requirements: Vec<Spanned<String>>,
    pub level: Level,
    /// Why the case reads the seed the way it does (e.g. "real Glance answers 400 here").
    #[serde(default)]
    pub note: Option<String>,
    /// Capabilities the target must have; unmet → SKIP with the reason.
    #[serde(default)]
    pub needs: Vec<Spanned<Need>>,
    /// Values discovered from the target's catalogue, usable as `{name}` in templates.
    #[serde(default)]
    pub bind: BTreeMap<String, Spanned<Binding>>,
    pub request: Request,
    /// Present: follow the profile's next link from the first response to the end.
    #[serde(default)]
    pub walk: Option<WalkSpec>,
    /// Acceptable answers, as alternatives; the first whose status matches is checked.
    pub expect: Vec<Spanned<Alternative>>,
    /// Compare the (first) response, normalized, with `snapshots/<profile>/<name>.snap`.
    #[serde(default)]
    pub snapshot: Option<Spanned<String>>,
    /// Not run unless `--ignored`/`--include-ignored`; the text says why.
    #[serde(default)]
    pub ignore: Option<String>,
}

/// Where the requirement comes from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecRef {
    /// Seed file name, e.g. `003_b48025eb92be26ba.txt`; must be one of the profile's documents.
    pub doc: Spanned<String>,
    pub section: String,
    /// A short quote of the requirement.
    pub quote: String,
}

#[derive(Clone, Copy, Debug, Deserialize, serde::Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A failure is a FAIL.
    #[serde(rename = "MUST")]
    Must,
    /// A failure is a WARN.
    #[serde(rename = "SHOULD")]
    Should,
    /// A failure is a WARN: the behaviour is optional, but if offered it must be right.
    #[serde(rename = "MAY")]
    May,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Need {
    /// The discovered catalogue holds at least this many images.
    CatalogueAtLeast(usize),
    /// The second identity is not an admin (an admin sees every project's images): SKIP when it
    /// is known to be one.
    OtherIdentityNotAdmin,
    /// The main identity is not an admin: SKIP when it is known to be one. An admin's list is
    /// not "what this project may see" (Glance shows an admin every share whatever
    /// `member_status`), so a case that reads the caller's memberships off the list cannot tell.
    MainIdentityNotAdmin,
    /// A fixture of the profile's fixture set (`cases/<profile>/fixtures.yaml`), which only a
    /// provisioning run (`run --provision`) creates; without it the case SKIPs.
    Fixtures(String),
}

/// How to pick a value from the discovered catalogue.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// JSON pointer into each item; a `*` segment walks every element of an array
    /// (`/tags/*`). The empty pointer binds the whole item (use `{name./field}` to read it).
    pub from: Spanned<String>,
    /// Only items satisfying every predicate are candidates.
    #[serde(default, rename = "where")]
    pub filter: Vec<Predicate>,
    /// Only values satisfying every predicate are candidates (`path: ""` is the value itself).
    #[serde(default)]
    pub value_where: Vec<Predicate>,
    #[serde(default)]
    pub prefer: Prefer,
    /// Pick the candidate at this position (in catalogue order) instead of by preference.
    #[serde(default)]
    pub at: Option<usize>,
    /// What the case needs, in words, for the SKIP reason ("an image with a tag").
    pub need: String,
    /// Re-express a time value at this UTC offset (`"-05:00"`), or without a zone (`naive`).
    #[serde(default)]
    pub as_offset: Option<String>,
    /// Replace text in a string value: `[".", "="]`.
    #[serde(default)]
    pub replace: Option<(String, String)>,
}

/// Which of the candidate values to bind: the one that makes the check most discriminating.
#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Prefer {
    /// The first candidate in catalogue order.
    #[default]
    First,
    Last,
    /// The middle value by natural order (numbers, strings, times): both sides non-empty.
    Median,
    /// A value shared by several items (catches "stops after the first match").
    MostCommon,
    /// A value that another candidate equals ignoring case (catches case-insensitive matching);
    /// falls back to `most_common`.
    CaseVariant,
    /// A value that is a proper prefix of another candidate (catches substring matching);
    /// falls back to `most_common`.
    PrefixOfAnother,
    /// The least common value that at least two items share (catches "stops at the first
    /// match" and keeps the answer small on a large catalogue); falls back to the least common.
    Rarest,
    /// The third-largest distinct value by natural order: a `>=`/`>` filter on it has a small
    /// answer with items on both sides (and one exactly at it, when values repeat).
    NearMax,
    /// The third-smallest distinct value: the same for `<=`/`<` filters.
    NearMin,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[serde(default)]
    pub method: Method,
    /// Path relative to the profile's endpoint, with `{var}` templates.
    pub path: Spanned<String>,
    #[serde(default)]
    pub query: QueryMap,
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub auth: Auth,
    /// What `path` is relative to.
    #[serde(default)]
    pub base: Base,
}

/// What a request path is relative to.
#[derive(Clone, Copy, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// The profile's endpoint (`http://h/compute/v2/{tenant}` + `/images`).
    #[default]
    Endpoint,
    /// The endpoint without its last path segment (to put another tenant in the path).
    Parent,
}

/// Methods a case may send. `POST` is absent on purpose: on a real cloud it creates an image.
#[derive(Clone, Copy, Debug, Deserialize, Default, PartialEq, Eq)]
pub enum Method {
    #[default]
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "HEAD")]
    Head,
    #[serde(rename = "OPTIONS")]
    Options,
    /// Only sensible on a collection that does not allow it (expected 405).
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "PATCH")]
    Patch,
    #[serde(rename = "DELETE")]
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Which credential the request carries.
#[derive(Clone, Copy, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// The run's token (`--token` / `OS_TOKEN`).
    #[default]
    Token,
    /// No `X-Auth-Token` header at all.
    None,
    /// A well-formed token that no server issued.
    Invalid,
    /// The second identity's token (another project: `--other-cloud` / `OS_OTHER_*`); the case
    /// SKIPs without one.
    Other,
}

/// Options of a pagination walk; every walk property is checked unless turned off here.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct WalkSpec {
    /// Page budget; the run's `--max-pages` applies when absent.
    #[serde(default)]
    pub max_pages: Option<usize>,
    /// Compare the union of the pages with the unpaged list (same query, large limit).
    #[serde(default = "yes")]
    pub complete: bool,
    /// Every `next` keeps the original query parameters (seed 003 Pagination).
    #[serde(default = "yes")]
    pub keeps_query: bool,
    /// Walk the whole list however long it is (the one walk per family that proves the whole
    /// collection complete at another page size than discovery's); other long walks are
    /// checked in windows.
    #[serde(default)]
    pub whole: bool,
}

fn yes() -> bool {
    true
}

/// One acceptable answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    pub status: Vec<u16>,
    /// Schema name under `schemas/` without `.json` (e.g. `image-v2/images`).
    #[serde(default)]
    pub schema: Option<Spanned<String>>,
    /// The level the schema and the checks of this answer are judged at, when lower than the
    /// case's (an error body no seed documents: the status is the MUST, the body a SHOULD).
    #[serde(default)]
    pub level: Option<Level>,
    /// The level of the schema alone, when it differs from the alternative's.
    #[serde(default)]
    pub schema_level: Option<Level>,
    #[serde(default)]
    pub checks: Vec<Spanned<CheckEntry>>,
    /// Why this answer is acceptable (a seed section, or "real Glance 33 answers so").
    #[serde(default)]
    pub because: Option<String>,
}
