//! Checks: generic properties and oracles that turn responses into findings.
//!
//! Each check is a pure function of a [`Subject`] (except the link checks, which follow a link),
//! and returns [`Findings`]: broken rules (FAIL/WARN) apart from things that could not be
//! checked (ERROR).

mod body;
pub mod content_type;
mod cross;
mod items;
mod links;
mod oracle;
mod predicate;
mod schema;
mod walk;

pub use items::compare as compare_ordering;
pub use predicate::{describe, eval, parse_time, value_at};

/// A total order for picking medians: comparable values by their natural order.
pub fn compare_values(a: &serde_json::Value, b: &serde_json::Value) -> std::cmp::Ordering {
    items::compare(a, b).unwrap_or(std::cmp::Ordering::Equal)
}
pub use schema::validate as validate_schema;
pub use walk::{WalkExpect, max_conforming_pages, walk_ids, walk_properties};

use serde_json::Value;
use url::Url;

use crate::exec::{Catalogue, Exchange, HttpClient, RequestSpec, Response};
use crate::model::{Check, Profile};
use crate::template::Vars;
use crate::verdict::Finding;

/// Findings of one or more checks.
#[derive(Debug, Default)]
pub struct Findings {
    /// Rules the server broke.
    pub broken: Vec<Finding>,
    /// Checks that could not be made.
    pub errors: Vec<Finding>,
    /// Extra exchanges worth showing as evidence (e.g. a followed link).
    pub exchanges: Vec<Exchange>,
    /// The check does not apply to this target (e.g. a second endpoint is not configured).
    pub skip: Option<String>,
}

impl Findings {
    pub fn extend(&mut self, other: Findings) {
        self.broken.extend(other.broken);
        self.errors.extend(other.errors);
        self.exchanges.extend(other.exchanges);
        if self.skip.is_none() {
            self.skip = other.skip;
        }
    }
    pub fn skip(reason: String) -> Self {
        Findings {
            skip: Some(reason),
            ..Default::default()
        }
    }
    pub fn broken(f: Finding) -> Self {
        Findings {
            broken: vec![f],
            ..Default::default()
        }
    }
    pub fn error(f: Finding) -> Self {
        Findings {
            errors: vec![f],
            ..Default::default()
        }
    }
    /// Says the level every broken rule is judged at (unless it already says).
    pub fn level(mut self, level: crate::model::Level) -> Self {
        for f in self.broken.iter_mut() {
            f.level.get_or_insert(level);
        }
        self
    }
    /// Says for every finding which case-file node asked for it (unless it already says).
    pub fn at(mut self, at: &crate::verdict::SourceRef) -> Self {
        for f in self.broken.iter_mut().chain(self.errors.iter_mut()) {
            f.at.get_or_insert_with(|| at.clone());
        }
        self
    }
}

/// What checks look at: one response, or the first page plus all items of a walk.
pub struct Subject<'a> {
    pub profile: &'a Profile,
    pub request: &'a RequestSpec,
    pub response: &'a Response,
    pub body: Option<&'a Value>,
    /// The items (of every page for a walk); `None` when the body has no item array.
    pub items: Option<Vec<&'a Value>>,
    pub vars: &'a Vars,
    pub catalogue: Option<&'a Catalogue>,
}

/// What checks that send requests need: the client, the endpoints, the discovery cache.
pub struct Net<'a> {
    pub client: &'a HttpClient,
    /// This case's endpoint.
    pub endpoint: &'a Url,
    pub endpoints: &'a std::collections::BTreeMap<String, Url>,
    pub profiles: &'a std::collections::BTreeMap<String, Profile>,
    pub discovery: &'a crate::exec::Discovery,
    pub max_pages: usize,
}

/// Runs one check.
pub async fn run(check: &Check, subject: &Subject<'_>, net: &Net<'_>) -> Findings {
    match check {
        Check::Body(p) => body::body(p, subject),
        Check::Header(p) => body::header(p, subject),
        Check::EveryItem(p) => items::every_item(p, subject),
        Check::SortedBy(s) => items::sorted_by(s, subject),
        Check::IdsUnique => items::ids_unique(subject),
        Check::Count(c) => items::count(c, subject),
        Check::MatchesCatalogue(o) => oracle::matches_catalogue(o, subject),
        Check::LinkKeepsQuery(l) => links::keeps_query(l, subject, net),
        Check::LinkSamePage(l) => links::same_page(l, subject, net).await,
        Check::SameIdsAs(c) => cross::same_ids_as(c, subject, net).await,
        Check::AgreesWith(c) => cross::agrees_with(c, subject, net).await,
        Check::DisjointFromCatalogue(o) => oracle::disjoint_from_catalogue(o, subject),
        Check::HasIds(ids) => items::id_presence(ids, true, subject),
        Check::LacksIds(ids) => items::id_presence(ids, false, subject),
    }
}

/// Ids of items as text, for messages.
pub(crate) fn ids<'v>(items: impl IntoIterator<Item = &'v Value>, id_pointer: &str) -> Vec<String> {
    items
        .into_iter()
        .map(|i| crate::exec::walker_id(i, id_pointer).unwrap_or_else(|| "<no id>".to_string()))
        .collect()
}

/// A short list of ids for messages.
pub fn short_ids<S: AsRef<str>>(ids: &[S]) -> String {
    let ids: Vec<String> = ids.iter().map(|s| s.as_ref().to_string()).collect();
    short_list(&ids)
}

/// A short list for messages: the first few entries and a count.
pub(crate) fn short_list(xs: &[String]) -> String {
    const MAX: usize = 8;
    if xs.len() <= MAX {
        format!("[{}]", xs.join(", "))
    } else {
        format!("[{}, … {} more]", xs[..MAX].join(", "), xs.len() - MAX)
    }
}
