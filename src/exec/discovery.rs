//! Unpaged lists, discovered once per run and shared by every case that needs them.
//!
//! The catalogue (the profile's list with no filter) drives the property oracles: filter values
//! are picked from what the target actually serves, and expected results are computed from it
//! client-side. A walk's "unpaged" reference (the same query with a large limit) is cached the
//! same way, keyed by profile and query.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::OnceCell;
use url::Url;

use super::catalogue::{Builder, Catalogue, Interner, Projection};
use super::client::{HttpClient, RequestSpec};
use super::walker::{Walk, Walker};
use crate::model::Profile;

/// Failure to obtain an unpaged list: the walk as far as it went.
pub type DiscoveryResult = Result<Arc<Catalogue>, Arc<Walk>>;

/// The most items an unpaged list may have before the run stops reading it.
pub const DEFAULT_MAX_CATALOGUE: usize = 1_000_000;

/// The run's cache of unpaged lists.
pub struct Discovery {
    cells: Mutex<HashMap<String, Arc<OnceCell<DiscoveryResult>>>>,
    /// The keys whose list is being read now (by discovery, or by a case's walk).
    reading: Mutex<std::collections::HashSet<String>>,
    interner: Interner,
    /// The fields kept of each profile's items (by profile name; absent: all).
    projections: BTreeMap<String, Projection>,
    max_items: usize,
    max_pages: usize,
}

impl Default for Discovery {
    fn default() -> Self {
        Discovery::new(BTreeMap::new(), DEFAULT_MAX_CATALOGUE, 1000)
    }
}

impl Discovery {
    /// `max_pages` is the run's page budget: a list read in full may take up to one page per
    /// hundred images of `max_items` if that is more (a server that clamps pages small).
    pub fn new(projections: BTreeMap<String, Projection>, max_items: usize, max_pages: usize) -> Self {
        Discovery {
            cells: Mutex::default(),
            reading: Mutex::default(),
            interner: Interner::default(),
            projections,
            max_items,
            max_pages: max_pages.max(max_items / 100),
        }
    }

    /// The run's id interner: walks keep their ids in it too.
    pub fn interner(&self) -> &Interner {
        &self.interner
    }

    fn projection(&self, profile: &Profile, keep_items: bool) -> Projection {
        if keep_items {
            self.projections
                .get(&profile.name)
                .cloned()
                .unwrap_or_else(Projection::all)
        } else {
            Projection::ids_only()
        }
    }

    /// The unpaged list at `path` (the profile's list path when `None`) under `query` (the
    /// limit replaced by the profile's large limit, any marker dropped), walked once per run.
    /// A reference that asks for ids only of the very list discovery reads (no filter, no
    /// sort) is the discovered catalogue itself: it is not read twice.
    pub async fn unpaged(
        &self,
        client: &HttpClient,
        profile: &Profile,
        endpoint: &Url,
        path: Option<&str>,
        query: &[(String, String)],
        keep_items: bool,
    ) -> DiscoveryResult {
        let pairs = unpaged_pairs(profile, query);
        let path = path.unwrap_or(&profile.list_path);
        let is_catalogue = path == profile.list_path && pairs == unpaged_pairs(profile, &[]);
        let keep_items = keep_items || is_catalogue;
        let kind = if keep_items { "" } else { "#ids" };
        let key = format!("{}{kind}{path}?{}", profile.name, encode(&pairs));
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(key.clone()).or_default().clone()
        };
        cell.get_or_init(|| async {
            self.set_reading(&key);
            self.walk_unpaged(client, profile, endpoint, path, &pairs, keep_items, false)
                .await
        })
        .await
        .clone()
    }

    fn set_reading(&self, key: &str) {
        let mut reading = self.reading.lock().unwrap_or_else(|p| p.into_inner());
        reading.insert(key.to_string());
    }
    fn is_reading(&self, key: &str) -> bool {
        let reading = self.reading.lock().unwrap_or_else(|p| p.into_inner());
        reading.contains(key)
    }

    /// Runs a case's own walk of an unpaged list (`request`: the large limit, no marker, the
    /// main identity) so that a later ids-only reference of the same list waits for it and
    /// takes its ids, instead of reading the list again: at 100 000 images each is a hundred
    /// pages. The walk is the case's as if run alone; a walk that does not finish leaves the
    /// reference to read the list itself.
    pub async fn sharing_ids(
        &self,
        profile: &Profile,
        endpoint: &Url,
        request: &RequestSpec,
        walk: impl std::future::Future<Output = Walk>,
    ) -> Walk {
        let pairs = super::query_pairs(&request.url);
        let path = request.url.path().strip_prefix(endpoint.path().trim_end_matches('/'));
        let unpaged = unpaged_pairs(profile, &pairs);
        let same_list = path.is_some_and(|path| {
            list_url(endpoint, path, &unpaged).is_ok_and(|u| u == request.url)
                && !(path == profile.list_path && unpaged == unpaged_pairs(profile, &[]))
        });
        let (Some(path), true, crate::model::Auth::Token, true) =
            (path, same_list, &request.auth, request.headers.is_empty())
        else {
            return walk.await;
        };
        let key = format!("{}#ids{path}?{}", profile.name, encode(&unpaged));
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(key.clone()).or_default().clone()
        };
        // Read or being read already: the case walks on its own at once (waiting for the
        // reference would only lengthen its chain).
        if cell.initialized() || self.is_reading(&key) {
            return walk.await;
        }
        self.set_reading(&key);
        let mut walk = Some(walk);
        let mut walked = None;
        let _ = cell
            .get_or_try_init(|| async {
                let w = match walk.take() {
                    Some(f) => f.await,
                    None => return Err(()),
                };
                let finished = w.is_complete();
                let ids = w.ids().map(|i| self.interner.intern(i)).collect();
                let url = request.url.to_string();
                walked = Some(w);
                if finished {
                    Ok(Ok(Arc::new(Catalogue::of_ids(ids, url))))
                } else {
                    Err(())
                }
            })
            .await;
        match (walked, walk) {
            (Some(w), _) => w,
            (None, Some(f)) => f.await,
            // The closure took the walk and always hands it back before it returns.
            (None, None) => Walk {
                pages: Vec::new(),
                end: super::WalkEnd::Stopped("internal: the walk was lost".into()),
                memory: None,
            },
        }
    }

    /// The same list read again now, bypassing the cache: did the catalogue move? With
    /// `keep_items`, the items too (a status that changed is a move as much as a new id).
    pub async fn unpaged_fresh(
        &self,
        client: &HttpClient,
        profile: &Profile,
        endpoint: &Url,
        path: Option<&str>,
        query: &[(String, String)],
        keep_items: bool,
    ) -> DiscoveryResult {
        let pairs = unpaged_pairs(profile, query);
        self.walk_unpaged(
            client,
            profile,
            endpoint,
            path.unwrap_or(&profile.list_path),
            &pairs,
            keep_items,
            true,
        )
        .await
    }

    /// Reads a list to its end, page by page into a compact catalogue (never all pages at
    /// once); a list that stops progressing or grows past the cap is not a catalogue. `fresh`
    /// sends every page anew.
    #[allow(clippy::too_many_arguments)]
    async fn walk_unpaged(
        &self,
        client: &HttpClient,
        profile: &Profile,
        endpoint: &Url,
        path: &str,
        pairs: &[(String, String)],
        keep_items: bool,
        fresh: bool,
    ) -> DiscoveryResult {
        let url = list_url(endpoint, path, pairs).map_err(|_| {
            Arc::new(Walk {
                pages: Vec::new(),
                end: super::WalkEnd::Stopped(format!("bad list URL under {endpoint}")),
                memory: None,
            })
        })?;
        let walker = Walker {
            client,
            profile,
            endpoint,
            max_pages: self.max_pages,
            validator: None,
            fresh,
            keep: None,
            interner: None,
            max_bytes: None,
        };
        let mut builder = Builder::new(self.projection(profile, keep_items), &profile.id, &self.interner);
        let mut push = |items: &[Value]| {
            for i in items {
                builder.push(i);
            }
        };
        let walk = walker
            .walk_streaming(RequestSpec::get(url), &mut push, self.max_items)
            .await;
        if !walk.is_complete() {
            return Err(Arc::new(walk));
        }
        let url = walk
            .first()
            .map(|p| p.exchange.request.url.to_string())
            .unwrap_or_default();
        Ok(Arc::new(builder.finish(url)))
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
