//! Unpaged lists, discovered once per run and shared by every case that needs them.
//!
//! The catalogue (the profile's list with no filter) drives the property oracles: filter values
//! are picked from what the target actually serves, and expected results are computed from it
//! client-side. A walk's "unpaged" reference (the same query with a large limit) is cached the
//! same way, keyed by profile and query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::OnceCell;
use url::Url;

use super::client::{HttpClient, RequestSpec};
use super::walker::{Walk, Walker};
use crate::model::Profile;

/// The result of walking an unpaged list to its end. Only the items and the first URL are kept
/// (not the pages), since every cached list lives for the whole run.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The items; empty for a reference list read with `keep_items: false`.
    pub items: Vec<Value>,
    /// The ids of the items, in order.
    pub ids: Vec<String>,
    /// The URL of the list's first page, for messages.
    pub url: String,
}

/// Failure to obtain an unpaged list: the walk as far as it went.
pub type DiscoveryResult = Result<Arc<Catalogue>, Arc<Walk>>;

#[derive(Default)]
pub struct Discovery {
    cells: Mutex<HashMap<String, Arc<OnceCell<DiscoveryResult>>>>,
}

impl Discovery {
    /// The unpaged list at `path` (the profile's list path when `None`) under `query` (the
    /// limit replaced by the profile's large limit, any marker dropped), walked once per run.
    #[allow(clippy::too_many_arguments)]
    pub async fn unpaged(
        &self,
        client: &HttpClient,
        profile: &Profile,
        endpoint: &Url,
        path: Option<&str>,
        query: &[(String, String)],
        max_pages: usize,
        keep_items: bool,
    ) -> DiscoveryResult {
        let pairs = unpaged_pairs(profile, query);
        // References for walk completeness need ids only: a large catalogue is not kept twice.
        let path = path.unwrap_or(&profile.list_path);
        let kind = if keep_items { "" } else { "#ids" };
        let key = format!("{}{kind}{path}?{}", profile.name, encode(&pairs));
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(key).or_default().clone()
        };
        cell.get_or_init(|| walk_unpaged(client, profile, endpoint, path, &pairs, max_pages, keep_items))
            .await
            .clone()
    }

    /// The same list read again now, bypassing the cache: did the catalogue move? With
    /// `keep_items`, the items too (a status that changed is a move as much as a new id).
    #[allow(clippy::too_many_arguments)]
    pub async fn unpaged_fresh(
        client: &HttpClient,
        profile: &Profile,
        endpoint: &Url,
        path: Option<&str>,
        query: &[(String, String)],
        max_pages: usize,
        keep_items: bool,
    ) -> DiscoveryResult {
        let pairs = unpaged_pairs(profile, query);
        walk_unpaged(
            client,
            profile,
            endpoint,
            path.unwrap_or(&profile.list_path),
            &pairs,
            max_pages,
            keep_items,
        )
        .await
    }
}

/// The query of an unpaged list: the large limit, no marker.
fn unpaged_pairs(profile: &Profile, query: &[(String, String)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| *k != profile.limit_param && *k != profile.marker_param)
        .cloned()
        .collect();
    pairs.push((profile.limit_param.clone(), profile.large_limit.to_string()));
    pairs
}

async fn walk_unpaged(
    client: &HttpClient,
    profile: &Profile,
    endpoint: &Url,
    path: &str,
    pairs: &[(String, String)],
    max_pages: usize,
    keep_items: bool,
) -> DiscoveryResult {
    let url = list_url(endpoint, path, pairs).map_err(|_| {
        Arc::new(Walk {
            pages: Vec::new(),
            end: super::WalkEnd::Stopped(format!("bad list URL under {endpoint}")),
        })
    })?;
    let walker = Walker {
        client,
        profile,
        endpoint,
        max_pages,
        validator: None,
    };
    let walk = walker.walk(RequestSpec::get(url)).await;
    if !walk.is_complete() {
        return Err(Arc::new(walk));
    }
    let url = walk
        .first()
        .map(|p| p.exchange.request.url.to_string())
        .unwrap_or_default();
    let items: Vec<Value> = walk.pages.into_iter().flat_map(|p| p.items).collect();
    let ids = items
        .iter()
        .map(|i| super::walker::id_of(i, &profile.id).unwrap_or_default())
        .collect();
    let items = if keep_items { items } else { Vec::new() };
    Ok(Arc::new(Catalogue { items, ids, url }))
}

/// Encodes query pairs the way Glance does (`:` → `%3A`, space → `+`).
pub fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// `endpoint` + `path` + the encoded query.
pub fn list_url(endpoint: &Url, path: &str, pairs: &[(String, String)]) -> Result<Url, String> {
    let mut s = format!("{}{}", endpoint.as_str().trim_end_matches('/'), path);
    if !pairs.is_empty() {
        s.push('?');
        s.push_str(&encode(pairs));
    }
    Url::parse(&s).map_err(|e| format!("`{s}` is not a valid URL: {e}"))
}
