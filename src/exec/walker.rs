//! The one pagination walker: follow the profile's next link from a first request to the end.
//!
//! It never trusts the target: a page budget bounds the walk, a repeated URL or marker ends it
//! as a cycle, the bytes read over the whole walk are capped, and every page is kept as a trace
//! line so a failing verdict can show where the walk went wrong. Judging the walk (duplicates,
//! page sizes, kept query parameters, completeness) is `checks::walk`'s job.

use std::collections::HashMap;

use serde_json::Value;
use url::Url;

use super::client::{Exchange, HttpClient, RequestSpec, TransportError};
use super::links::resolve_link;
use crate::model::{NextLink, Profile};
use crate::verdict::PageTrace;

/// One fetched page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The exchange; its raw body is kept only for the first and the last page (memory
    /// bound): the judge and the evidence read those bytes.
    pub exchange: Exchange,
    /// The items, compactly (only the kept fields; materialized when a check reads them);
    /// empty in a streaming walk (they went to the walk's consumer).
    pub items: super::Catalogue,
    /// How many items the page held, and its first and last ids (kept in every mode).
    pub count: usize,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    /// The next link as written by the server, and resolved.
    pub next_raw: Option<String>,
    pub next: Option<Url>,
    /// Schema errors of this page's body, when the walker was given a validator.
    pub schema_errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkEnd {
    /// The last page had no next link.
    Finished,
    /// The network failed on the last page.
    Transport(TransportError),
    /// The last page could not be used (status, body, next link); the reason says why.
    Stopped(String),
    /// The page budget ran out with a next link still present.
    Budget { max_pages: usize },
    /// A next link repeated the URL of an earlier page.
    CycleUrl {
        url: String,
        first_page: usize,
        again_page: usize,
    },
    /// A next link repeated the marker of an earlier next link.
    CycleMarker {
        marker: String,
        first_page: usize,
        again_page: usize,
    },
    /// More bytes than the walk budget allows.
    TooManyBytes { cap: usize },
    /// A streaming walk's pages stopped bringing items (more pages than items, past a margin).
    NoProgress { items: usize },
    /// A streaming walk read more items than the run keeps.
    TooManyItems { cap: usize },
    /// The run's memory budget for bodies (`--max-body-memory`) could not hold another page.
    Memory { cap: usize },
}

#[derive(Debug, Clone)]
pub struct Walk {
    pub pages: Vec<Page>,
    pub end: WalkEnd,
    /// What the kept pages' items weigh in the run's memory budget (their bodies' sizes),
    /// given back when the walk is dropped.
    pub memory: Option<std::sync::Arc<super::memory::Hold>>,
}

impl Walk {
    /// All items of the pages that were read, in order, each materialized from its page's
    /// compact form.
    pub fn items(&self) -> impl Iterator<Item = Value> + '_ {
        self.pages.iter().flat_map(|p| p.items.items())
    }

    /// The ids of the items of the pages that were read, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.pages.iter().flat_map(|p| p.items.ids.iter().map(|i| &**i))
    }

    pub fn first(&self) -> Option<&Page> {
        self.pages.first()
    }

    pub fn is_complete(&self) -> bool {
        self.end == WalkEnd::Finished
    }

    pub fn trace(&self) -> Vec<PageTrace> {
        self.pages
            .iter()
            .map(|p| PageTrace {
                window: None,
                url: p.exchange.request.url.to_string(),
                status: p.exchange.result.as_ref().ok().map(|r| r.status),
                error: p.exchange.result.as_ref().err().map(ToString::to_string),
                count: p.count,
                first_id: p.first_id.clone(),
                last_id: p.last_id.clone(),
                next: p.next_raw.clone(),
            })
            .collect()
    }

    /// The end of the walk in words.
    pub fn describe_end(&self) -> String {
        match &self.end {
            WalkEnd::Finished => format!("finished after {} page(s)", self.pages.len()),
            WalkEnd::Transport(e) => format!("page {} failed: {e}", self.pages.len()),
            WalkEnd::Stopped(r) => format!("stopped at page {}: {r}", self.pages.len()),
            WalkEnd::Budget { max_pages } => {
                format!("still had a next link after the page budget of {max_pages} pages")
            }
            WalkEnd::CycleUrl {
                url,
                first_page,
                again_page,
            } => {
                format!("cycle: page {again_page}'s next link is page {first_page}'s URL again ({url})")
            }
            WalkEnd::CycleMarker {
                marker,
                first_page,
                again_page,
            } => {
                format!("cycle: page {again_page}'s next link repeats the marker of page {first_page}'s ({marker})")
            }
            WalkEnd::TooManyBytes { cap } => format!("the walk read more than {cap} bytes in all; stopped"),
            WalkEnd::NoProgress { items } => format!(
                "{} pages brought only {items} item(s): the walk makes no progress",
                self.pages.len()
            ),
            WalkEnd::TooManyItems { cap } => format!("the list holds more than {cap} items (--max-catalogue); stopped"),
            WalkEnd::Memory { cap } => format!(
                "the run's memory for bodies (--max-body-memory {cap}) could not hold page {}; stopped (a limit of the suite, not the server's fault: raise it or lower --test-threads)",
                self.pages.len() + 1
            ),
        }
    }
}

/// An item's id as text (ids are strings in every profile; numbers are shown as written).
pub fn id_of(item: &Value, id_pointer: &str) -> Option<String> {
    match item.pointer(id_pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

pub struct Walker<'a> {
    pub client: &'a HttpClient,
    pub profile: &'a Profile,
    pub endpoint: &'a Url,
    pub max_pages: usize,
    /// Validates every page body as it arrives (bodies of middle pages are not kept).
    pub validator: Option<&'a jsonschema::Validator>,
    /// Every page sent anew, never an answer shared from earlier in the run (a re-read of a
    /// list that may have moved).
    pub fresh: bool,
    /// The fields a kept walk keeps of each item once its page is validated: what the case's
    /// checks read (`runner::fields::walk_projection`). A walk of 100 000 whole images would
    /// hold about half a gigabyte; their ids and two fields hold a few megabytes.
    pub keep: Option<&'a super::Projection>,
    /// Where a kept walk's ids are interned (the run's: the catalogues hold the same ids).
    pub interner: Option<&'a super::Interner>,
    /// Raises the walk's byte cap (never below the default) for a list known to be long: a
    /// conforming walk of 100 000 images reads more than the default 64 MiB.
    pub max_bytes: Option<usize>,
}

/// What a walk does with the items of each page.
enum Items<'f> {
    /// Keeps them in the pages (a case's walk, judged as a whole).
    Keep,
    /// Hands them to a consumer and keeps none (a long list read for its content).
    Stream {
        consumer: &'f mut (dyn FnMut(&[Value]) + Send),
        max_items: usize,
    },
}

/// A body above this size counts as a large page (a Glance page of about 300 images).
const LARGE_PAGE: usize = 512 * 1024;

/// Large pages parsed and held as whole JSON at once, process-wide: the parsed form of a
/// 1000-image page is several megabytes, and the machine has few cores to parse on anyway.
static PARSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// A page of a streaming walk that did not add at least one item per page, beyond this many
/// pages, shows a walk that goes nowhere (a conforming list ends with at most one empty page).
const PROGRESS_MARGIN: usize = 2;

impl Walker<'_> {
    /// Walks from `first`, keeping every page's items. Later pages reuse the first request's
    /// method, headers and auth.
    pub async fn walk(&self, first: RequestSpec) -> Walk {
        self.run(first, Items::Keep).await
    }

    /// Walks from `first`, handing each page's items to `consumer` and keeping none; besides
    /// the page budget, a progress rule (every page but a last empty one brings items) and an
    /// item cap end it.
    pub async fn walk_streaming(
        &self,
        first: RequestSpec,
        consumer: &mut (dyn FnMut(&[Value]) + Send),
        max_items: usize,
    ) -> Walk {
        self.run(first, Items::Stream { consumer, max_items }).await
    }

    async fn run(&self, first: RequestSpec, mut mode: Items<'_>) -> Walk {
        let max_bytes = self
            .client
            .limits()
            .max_body
            .saturating_mul(4)
            .max(64 * 1024 * 1024)
            .max(self.max_bytes.unwrap_or(0));
        let streaming = matches!(mode, Items::Stream { .. });
        let mut pages: Vec<Page> = Vec::new();
        let mut seen_urls: HashMap<String, usize> = HashMap::new();
        let mut seen_markers: HashMap<String, usize> = HashMap::new();
        let mut bytes = 0usize;
        let mut items_seen = 0usize;
        let mut request = first.clone();
        // The items a walk keeps weigh about what their bodies did: that much stays taken from
        // the run's memory budget while the walk lives.
        let mut kept = self.client.limits().memory.hold();
        let finish = |pages: Vec<Page>, end: WalkEnd, kept: super::memory::Hold| Walk {
            pages,
            end,
            memory: Some(std::sync::Arc::new(kept)),
        };
        loop {
            let page_no = pages.len() + 1;
            seen_urls.insert(request.url.to_string(), page_no);
            let exchange = if self.fresh {
                self.client.send_fresh(request.clone()).await
            } else {
                self.client.send(request.clone()).await
            };
            let mut page = Page {
                exchange,
                items: super::Catalogue::empty(),
                count: 0,
                first_id: None,
                last_id: None,
                next_raw: None,
                next: None,
                schema_errors: Vec::new(),
            };
            let response = match &page.exchange.result {
                Ok(r) => r,
                Err(e) => {
                    let end = WalkEnd::Transport(e.clone());
                    pages.push(page);
                    return finish(pages, end, kept);
                }
            };
            bytes += response.body.len();
            if !(200..300).contains(&response.status) {
                let end = WalkEnd::Stopped(format!("status {}", response.status));
                pages.push(page);
                return finish(pages, end, kept);
            }
            // A large page parses into several times its size: only a few at once (see
            // `PARSING`), so that eight walks of 1000-image pages do not peak together.
            let parsing = if response.body.len() > LARGE_PAGE {
                PARSING.acquire().await.ok()
            } else {
                None
            };
            let parsed = response.json();
            let body = match parsed {
                Ok(b) => b,
                Err(e) => {
                    pages.push(page);
                    return finish(pages, WalkEnd::Stopped(e), kept);
                }
            };
            if let Some(v) = self.validator {
                page.schema_errors = v
                    .iter_errors(&body)
                    .take(10)
                    .map(|e| crate::loader::describe_error(&e))
                    .collect();
            }
            let Some(Value::Array(items)) = body.pointer(&self.profile.items) else {
                pages.push(page);
                let why = format!("the body has no item array at `{}`", self.profile.items);
                return finish(pages, WalkEnd::Stopped(why), kept);
            };
            page.count = items.len();
            page.first_id = items.first().and_then(|i| id_of(i, &self.profile.id));
            page.last_id = items.last().and_then(|i| id_of(i, &self.profile.id));
            items_seen += items.len();
            if matches!(mode, Items::Keep) {
                let projection = self.keep.cloned().unwrap_or_else(super::Projection::all);
                let mut builder =
                    super::catalogue::Builder::with(projection, &self.profile.id, self.interner, "<no id>");
                for i in items {
                    builder.push(i);
                }
                let items = builder.finish(String::new());
                // What the kept items weigh: their compact form's size.
                if let Err(e) = kept.grow(items.heap_bytes()).await {
                    pages.push(page);
                    return finish(pages, WalkEnd::Memory { cap: e.cap }, kept);
                }
                page.items = items;
            }
            if let Items::Stream { consumer, .. } = &mut mode {
                consumer(items);
            }
            let next = next_link(&body, &self.profile.next);
            // The parsed page is done with: only its kept items (and raw bytes) stay.
            drop(body);
            drop(parsing);
            let next_raw = match next {
                Ok(n) => n,
                Err(why) => {
                    pages.push(page);
                    return finish(pages, WalkEnd::Stopped(why), kept);
                }
            };
            page.next_raw = next_raw.clone();
            let Some(raw) = next_raw else {
                pages.push(page);
                return finish(pages, WalkEnd::Finished, kept);
            };
            let next_url = match resolve_link(self.endpoint, &raw) {
                Ok(u) => u,
                Err(why) => {
                    pages.push(page);
                    return finish(pages, WalkEnd::Stopped(format!("bad next link: {why}")), kept);
                }
            };
            page.next = Some(next_url.clone());
            // Only the first and the last page keep their raw bytes.
            if pages.len() > 1
                && let Some(prev) = pages.last_mut()
                && let Ok(r) = &mut prev.exchange.result
            {
                r.body = bytes::Bytes::new();
                r.hold = None;
            }
            pages.push(page);

            if let Some(&first_page) = seen_urls.get(next_url.as_str()) {
                let end = WalkEnd::CycleUrl {
                    url: next_url.to_string(),
                    first_page,
                    again_page: page_no,
                };
                return finish(pages, end, kept);
            }
            if let Some(marker) = next_url
                .query_pairs()
                .find(|(k, _)| k == self.profile.marker_param.as_str())
                .map(|(_, v)| v.into_owned())
            {
                if let Some(&first_page) = seen_markers.get(&marker) {
                    let end = WalkEnd::CycleMarker {
                        marker,
                        first_page,
                        again_page: page_no,
                    };
                    return finish(pages, end, kept);
                }
                seen_markers.insert(marker, page_no);
            }
            match &mode {
                Items::Keep if pages.len() >= self.max_pages => {
                    let end = WalkEnd::Budget {
                        max_pages: self.max_pages,
                    };
                    return finish(pages, end, kept);
                }
                Items::Keep if bytes > max_bytes => {
                    return finish(pages, WalkEnd::TooManyBytes { cap: max_bytes }, kept);
                }
                Items::Keep | Items::Stream { .. } if pages.len() >= self.max_pages && streaming => {
                    let end = WalkEnd::Budget {
                        max_pages: self.max_pages,
                    };
                    return finish(pages, end, kept);
                }
                Items::Stream { max_items, .. } if items_seen > *max_items => {
                    return finish(pages, WalkEnd::TooManyItems { cap: *max_items }, kept);
                }
                Items::Stream { .. } if pages.len() > items_seen + PROGRESS_MARGIN => {
                    return finish(pages, WalkEnd::NoProgress { items: items_seen }, kept);
                }
                Items::Keep | Items::Stream { .. } => {}
            }
            request = RequestSpec {
                url: next_url,
                ..first.clone()
            };
        }
    }
}

/// Reads the next link of a list body; `Ok(None)` when there is none.
pub fn next_link(body: &Value, how: &NextLink) -> Result<Option<String>, String> {
    match how {
        NextLink::Pointer(p) => match body.pointer(p) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("`{p}` is not a string: {other}")),
        },
        NextLink::Links { at, rel } => match body.pointer(at) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(links)) => {
                let hrefs: Vec<&Value> = links
                    .iter()
                    .filter(|l| l.get("rel").and_then(Value::as_str) == Some(rel.as_str()))
                    .filter_map(|l| l.get("href"))
                    .collect();
                match hrefs.as_slice() {
                    [] => Ok(None),
                    [Value::String(s)] => Ok(Some(s.clone())),
                    [_] => Err(format!("the `{rel}` link's href is not a string")),
                    _ => Err(format!("`{at}` has more than one `{rel}` link")),
                }
            }
            Some(other) => Err(format!("`{at}` is not an array: {other}")),
        },
    }
}
