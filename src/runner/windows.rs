//! Walking a case's list: whole when it is short, in windows when it is long, so that a walk's
//! cost grows with the number of cases, not with the catalogue.
//!
//! A `limit=1` walk over 100 000 images proves nothing a window of it does not, and on a real
//! cloud every page costs a token validation and a database query. A walk longer than three
//! windows' worth is checked in up to three windows of a few pages each: from the start, from a marker chosen
//! deterministically from the run's seed and the case's id, and — where the list's order is
//! known — from a marker near the end, which must reach the last page. Each window is compared
//! with the list after its start: no duplicate, no gap, the order kept, strictly after the
//! marker. Completeness of the whole collection is proven once per family, by discovery and
//! by the case marked `walk: {whole: true}`.

use std::sync::Arc;

use url::Url;

use super::RunContext;
use crate::exec::{Catalogue, RequestSpec, Walk, Walker, query_pairs};
use crate::model::{Profile, WalkSpec};

/// How long walks are cut into windows.
#[derive(Clone, Copy, Debug)]
pub struct WalkConfig {
    /// Pages per window.
    pub window_pages: usize,
    /// A walk expected to take more pages than this is checked in windows.
    pub full_pages: usize,
    /// Chooses the windows' markers; printed with the run so a window can be walked again.
    pub seed: u64,
}

impl WalkConfig {
    /// Windows of `window_pages`; a walk longer than three windows' worth is windowed.
    pub fn new(window_pages: usize, seed: u64) -> Self {
        WalkConfig {
            window_pages,
            full_pages: 3 * window_pages,
            seed,
        }
    }
}

impl Default for WalkConfig {
    fn default() -> Self {
        WalkConfig::new(2, 0)
    }
}

/// A list longer than this many windows' spans also gets a window from a marker in the middle.
const MIDDLE_AFTER_SPANS: usize = 30;

/// What one part of a walk is compared with.
#[derive(Debug)]
pub enum PartExpect {
    /// Nothing (`complete: false`); `window` says whether the walk was cut at the suite's page
    /// budget on purpose (a long answer whose checks hold on a part of it).
    Nothing { window: bool },
    /// The union equals the reference list.
    Whole,
    /// A window: see `checks::WalkExpect::Window`.
    Window {
        ids: WindowIds,
        complete: bool,
        must_end: bool,
        /// The ids came from a list read before (the reference or the catalogue) rather than
        /// from the window's own reference page: a difference may be the catalogue moving.
        from_list: bool,
    },
}

/// The ids a window is compared with: the rest of a list read before (shared, not copied: a
/// list of 100 000 ids copied for each window was tens of megabytes per case), or a page's.
#[derive(Debug, Clone)]
pub enum WindowIds {
    After { list: Arc<Catalogue>, from: usize },
    Page(Vec<Arc<str>>),
}

impl WindowIds {
    pub fn ids(&self) -> &[Arc<str>] {
        match self {
            WindowIds::After { list, from } => list.ids.get(*from..).unwrap_or(&[]),
            WindowIds::Page(ids) => ids,
        }
    }
    fn page(ids: &[String]) -> Self {
        WindowIds::Page(ids.iter().map(|i| Arc::from(i.as_str())).collect())
    }
}

#[derive(Debug)]
pub struct Part {
    /// `start`, `middle from marker M`, `end from marker M`; `None` for a whole walk.
    pub label: Option<String>,
    pub walk: Walk,
    pub expect: PartExpect,
}

/// A case's walk: its parts, and the reference list of a whole walk.
#[derive(Debug)]
pub struct WalkRun {
    pub parts: Vec<Part>,
    pub reference: Option<Arc<Catalogue>>,
    /// Why the reference could not be read.
    pub reference_error: Option<String>,
}

impl WalkRun {
    pub fn pages(&self) -> impl Iterator<Item = &crate::exec::Page> {
        self.parts.iter().flat_map(|p| p.walk.pages.iter())
    }
    pub fn first(&self) -> Option<&crate::exec::Page> {
        self.parts.first().and_then(|p| p.walk.first())
    }
}

/// Bytes a conforming walk may read per item of a list known to be long, twice what a large
/// Nova detail item weighs: the byte cap of such a walk (it bounds time and bandwidth; middle
/// pages' bodies are not kept).
const BYTES_PER_ITEM: usize = 8 * 1024;

/// What walking needs of the case.
pub struct WalkInput<'a> {
    pub ctx: &'a RunContext,
    pub profile: &'a Profile,
    pub endpoint: &'a Url,
    pub request: &'a RequestSpec,
    pub spec: &'a WalkSpec,
    pub validator: Option<&'a jsonschema::Validator>,
    /// The case's id, for choosing its windows.
    pub case_id: &'a str,
    /// Whether the case's checks need the whole answer (an oracle, a count).
    pub needs_whole: bool,
    /// The fields of each item the case's checks read (the rest is dropped once a page is
    /// validated).
    pub keep: crate::exec::Projection,
}

fn limit_of(profile: &Profile, request: &RequestSpec) -> Option<usize> {
    query_pairs(&request.url)
        .into_iter()
        .rfind(|(k, _)| *k == profile.limit_param)
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .filter(|l| *l > 0)
}

/// The request with `marker` set (replacing any) and, if given, the limit replaced.
fn with_marker(profile: &Profile, request: &RequestSpec, marker: Option<&str>, limit: Option<u64>) -> RequestSpec {
    let mut pairs: Vec<(String, String)> = query_pairs(&request.url)
        .into_iter()
        .filter(|(k, _)| {
            (marker.is_none() || *k != profile.marker_param) && (limit.is_none() || *k != profile.limit_param)
        })
        .collect();
    if let Some(l) = limit {
        pairs.push((profile.limit_param.clone(), l.to_string()));
    }
    if let Some(m) = marker {
        pairs.push((profile.marker_param.clone(), m.to_string()));
    }
    let mut url = request.url.clone();
    url.set_query(None);
    if !pairs.is_empty() {
        url.set_query(Some(&crate::exec::encode(&pairs)));
    }
    RequestSpec { url, ..request.clone() }
}

/// FNV-1a of the seed and the case's id: the same run seed chooses the same windows.
fn choice(seed: u64, case_id: &str, salt: &str) -> u64 {
    seed.to_le_bytes()
        .iter()
        .chain(case_id.as_bytes())
        .chain(salt.as_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3)
        })
}

impl WalkInput<'_> {
    fn walker(&self, max_pages: usize) -> Walker<'_> {
        self.walker_for(max_pages, None)
    }

    /// A walker whose byte cap allows `items` items (a list known to be that long).
    fn walker_for(&self, max_pages: usize, items: Option<usize>) -> Walker<'_> {
        Walker {
            client: &self.ctx.client,
            profile: self.profile,
            endpoint: self.endpoint,
            max_pages,
            validator: self.validator,
            fresh: false,
            keep: Some(&self.keep),
            interner: Some(self.ctx.discovery.interner()),
            max_bytes: items.map(|n| n.saturating_mul(BYTES_PER_ITEM)),
        }
    }

    /// Whether the query only pages and orders the list (no filter).
    fn unfiltered(&self) -> (bool, bool) {
        let pairs = query_pairs(&self.request.url);
        let p = self.profile;
        let filtered = pairs
            .iter()
            .any(|(k, _)| *k != p.limit_param && *k != p.marker_param && !p.sort_params.contains(k));
        let sorted = pairs.iter().any(|(k, _)| p.sort_params.contains(k));
        (!filtered, sorted)
    }

    fn path(&self) -> String {
        super::request_path(self.endpoint, &self.request.url)
    }

    async fn reference(&self) -> Result<Arc<Catalogue>, String> {
        let pairs = query_pairs(&self.request.url);
        self.ctx
            .discovery
            .unpaged(
                &self.ctx.client,
                self.profile,
                self.endpoint,
                Some(&self.path()),
                &pairs,
                false,
            )
            .await
            .map_err(|w| w.describe_end())
    }

    /// The first page (at the large limit) of the list after `marker`: the ids a window from
    /// there must start with, and whether they are all that follows.
    async fn page_after(&self, marker: Option<&str>) -> Option<(Vec<String>, bool)> {
        let request = with_marker(self.profile, self.request, marker, Some(self.profile.large_limit));
        let x = self.ctx.client.send(request).await;
        let body = x.response().filter(|r| (200..300).contains(&r.status))?.json().ok()?;
        let items = body.pointer(&self.profile.items)?.as_array()?;
        let ids = crate::checks::ids(items.iter(), &self.profile.id);
        let last = matches!(crate::exec::next_link(&body, &self.profile.next), Ok(None));
        Some((ids, last))
    }

    /// Walks the case's list, whole or in windows.
    pub async fn run(&self) -> WalkRun {
        let cfg = self.ctx.walks;
        let limit = limit_of(self.profile, self.request);
        // A limit above the largest page is clamped by a server that has a maximum page size
        // (Glance's default is 1000): a `limit=100000` walk of 100 000 images is as long as the
        // discovery's. Windowing it costs a few pages whatever the server's maximum.
        let per_page = limit.unwrap_or(1).min(self.profile.large_limit as usize);
        let (unfiltered, sorted) = self.unfiltered();
        let catalogue_order = unfiltered && !sorted && self.path() == self.profile.list_path;

        if !self.spec.complete {
            // Nothing to compare: walk up to the suite's budget. A long answer whose checks hold
            // on a part of it is cut on purpose; one whose checks need all of it is read whole,
            // at the largest page when the case sets no limit (it tests a filter, not paging).
            let budget = self.spec.max_pages.unwrap_or(if self.needs_whole {
                self.ctx.max_pages
            } else {
                cfg.full_pages
            });
            let request = if self.needs_whole && limit.is_none() {
                with_marker(self.profile, self.request, None, Some(self.profile.large_limit))
            } else {
                self.request.clone()
            };
            // A filter's answer is at most the catalogue (cached when an oracle read it).
            let most = if self.needs_whole {
                self.ctx
                    .discovery
                    .unpaged(&self.ctx.client, self.profile, self.endpoint, None, &[], true)
                    .await
                    .ok()
                    .map(|c| c.len())
            } else {
                None
            };
            let walker = self.walker_for(budget, most);
            let walk = if self.needs_whole {
                // Another case's reference of the same list takes its ids from this walk.
                self.ctx
                    .discovery
                    .sharing_ids(self.profile, self.endpoint, &request, walker.walk(request.clone()))
                    .await
            } else {
                walker.walk(request).await
            };
            let window = !self.needs_whole && self.spec.max_pages.is_none();
            return single(walk, PartExpect::Nothing { window }, None, None);
        }

        // How long the list is: the catalogue for an unfiltered query, else its reference.
        let catalogue = if unfiltered {
            self.ctx
                .discovery
                .unpaged(&self.ctx.client, self.profile, self.endpoint, None, &[], true)
                .await
                .ok()
        } else {
            None
        };
        let long = |n: usize| n.div_ceil(per_page) + 2 > cfg.full_pages;
        // A filtered or sorted list's order is known only from its reference, read to its end
        // at the largest page: on a public cloud that is the catalogue's length in pages again
        // for every such case. Its first page says whether that is worth it: a list longer than
        // that page and long at the case's limit is checked in windows, each compared with the
        // server's own page after the window's marker.
        let head = if !unfiltered && !self.spec.whole && self.spec.max_pages.is_none() {
            self.page_after(None).await
        } else {
            None
        };
        if let Some((ids, false)) = &head
            && long(ids.len())
        {
            return self.windows_after_head(ids).await;
        }
        let mut reference = None;
        let mut reference_error = None;
        let known_short = catalogue.as_ref().is_some_and(|c| !long(c.len()));
        if self.spec.whole || !unfiltered || known_short || catalogue.is_none() || catalogue_order {
            match self.reference().await {
                Ok(r) => reference = Some(r),
                Err(e) => reference_error = Some(e),
            }
        }
        let items = reference
            .as_ref()
            .map(|r| r.len())
            .or(catalogue.as_ref().map(|c| c.len()));
        let windowed = !self.spec.whole && self.spec.max_pages.is_none() && items.is_some_and(long);
        if !windowed {
            let budget = self.spec.max_pages.unwrap_or_else(|| {
                items.map_or(self.ctx.max_pages, |n| {
                    self.ctx.max_pages.max(2 * n.div_ceil(per_page) + 10)
                })
            });
            let walk = self.walker_for(budget, items).walk(self.request.clone()).await;
            return single(walk, PartExpect::Whole, reference, reference_error);
        }

        // Windows. The order is known when the reference (or the catalogue) was read.
        let order: Option<&Arc<Catalogue>> = reference.as_ref();
        let k = cfg.window_pages;
        let mut parts = Vec::new();
        let start = self.walker(k).walk(self.request.clone()).await;
        let observed = observed_page(limit, &start);
        let expect = match &order {
            Some(o) => PartExpect::Window {
                ids: WindowIds::After {
                    list: Arc::clone(o),
                    from: 0,
                },
                complete: true,
                must_end: false,
                from_list: true,
            },
            None => self.page_expect(None).await,
        };
        let start_failed = !walked_on(&start);
        parts.push(Part {
            label: Some("start".into()),
            walk: start,
            expect,
        });
        if start_failed {
            return WalkRun {
                parts,
                reference,
                reference_error,
            };
        }
        let total = items.unwrap_or(0);
        // A marker past the start window and before the end window.
        let span = k * observed;
        let candidates: &[Arc<str>] = match (&order, &catalogue) {
            (Some(o), _) => &o.ids,
            (None, Some(c)) => &c.ids,
            (None, None) => &[],
        };
        // The middle and end windows do not wait on each other: walked side by side, the case's
        // chain is the start window plus the longer of the two.
        let middle = async {
            // A middle window is worth its pages only on a list much longer than the windows
            // (on a short one, the start and end windows are already most of it).
            if candidates.len() <= MIDDLE_AFTER_SPANS * span {
                return None;
            }
            let at = middle_at(cfg.seed, self.case_id, span, candidates.len());
            let marker = candidates[at].to_string();
            let walker = self.walker(k);
            let walk = walker.walk(with_marker(self.profile, self.request, Some(&marker), None));
            let (expect, walk) = match &order {
                Some(o) => (
                    PartExpect::Window {
                        ids: WindowIds::After {
                            list: Arc::clone(o),
                            from: at + 1,
                        },
                        complete: true,
                        must_end: false,
                        from_list: true,
                    },
                    walk.await,
                ),
                None => tokio::join!(self.page_expect(Some(&marker)), walk),
            };
            Some(Part {
                label: Some(format!("middle, from marker {marker}")),
                walk,
                expect,
            })
        };
        // The end: only where the order is known; it must reach the last page.
        let end = async {
            let o = order?;
            // The marker leaves fewer items than a page after it: a conforming server answers
            // them on one page without a next link (a full last page may carry one, which
            // would cost a page more on every windowed walk; `limit-equals-catalogue` walks
            // into that case on purpose).
            if total <= observed {
                return None;
            }
            let at = total - observed;
            let marker = o.ids[at].to_string();
            let walk = self
                .walker(k + 1)
                .walk(with_marker(self.profile, self.request, Some(&marker), None))
                .await;
            Some(Part {
                label: Some(format!("end, from marker {marker}")),
                walk,
                expect: PartExpect::Window {
                    ids: WindowIds::After {
                        list: Arc::clone(o),
                        from: at + 1,
                    },
                    complete: true,
                    must_end: true,
                    from_list: true,
                },
            })
        };
        let (middle, end) = tokio::join!(middle, end);
        parts.extend(middle);
        parts.extend(end);
        WalkRun {
            parts,
            reference,
            reference_error,
        }
    }

    /// The windows of a long list whose order is known only as far as its first large page
    /// (`head`): from the start, compared with that page, and from a marker inside it,
    /// compared with the page after that marker. No end window: reaching the end of a long
    /// list is proven by the unfiltered walks and the family's whole walk.
    async fn windows_after_head(&self, head: &[String]) -> WalkRun {
        let cfg = self.ctx.walks;
        let k = cfg.window_pages;
        let start = self.walker(k).walk(self.request.clone()).await;
        let observed = observed_page(limit_of(self.profile, self.request), &start);
        let start_failed = !walked_on(&start);
        let mut parts = vec![Part {
            label: Some("start".into()),
            walk: start,
            expect: PartExpect::Window {
                ids: WindowIds::page(head),
                complete: false,
                must_end: false,
                from_list: false,
            },
        }];
        let span = k * observed;
        if !start_failed && head.len() > 2 * span + 1 {
            let at = middle_at(cfg.seed, self.case_id, span, head.len());
            let marker = head[at].clone();
            let walker = self.walker(k);
            let walk = walker.walk(with_marker(self.profile, self.request, Some(&marker), None));
            let (expect, walk) = tokio::join!(self.page_expect(Some(&marker)), walk);
            parts.push(Part {
                label: Some(format!("middle, from marker {marker}")),
                walk,
                expect,
            });
        }
        WalkRun {
            parts,
            reference: None,
            reference_error: None,
        }
    }

    /// A window's expectation from its own reference page (the list's order is not known).
    async fn page_expect(&self, marker: Option<&str>) -> PartExpect {
        match self.page_after(marker).await {
            Some((ids, complete)) => PartExpect::Window {
                ids: WindowIds::page(&ids),
                complete,
                must_end: false,
                from_list: false,
            },
            None => PartExpect::Nothing { window: true },
        }
    }
}

/// Whether a window's walk ended where further windows are worth walking (it finished, or
/// stopped at its page budget as a window does), not on an error or a hostile answer.
fn walked_on(walk: &Walk) -> bool {
    matches!(
        walk.end,
        crate::exec::WalkEnd::Finished | crate::exec::WalkEnd::Budget { .. }
    )
}

/// The position of a middle window's marker in a list of `len` ids: past the start window
/// (`span` items) and before the last `span`, chosen by the run's seed and the case id so
/// that a run is reproduced by its `--seed`. The caller ensures `len > 2 * span + 1`.
fn middle_at(seed: u64, case_id: &str, span: usize, len: usize) -> usize {
    let lo = span;
    let hi = len - span - 1;
    lo + (choice(seed, case_id, "middle") as usize) % (hi - lo).max(1)
}

/// Items per page as the start window saw them: the limit, or fewer where the server clamps
/// it (a first page shorter than the limit that links to more), or the server's default.
fn observed_page(limit: Option<usize>, start: &Walk) -> usize {
    let first = start.first().filter(|p| p.count > 0);
    match (limit, first) {
        (Some(l), Some(p)) if p.next.is_some() => l.min(p.count),
        (Some(l), _) => l,
        (None, p) => p.map_or(1, |p| p.count),
    }
}

fn single(walk: Walk, expect: PartExpect, reference: Option<Arc<Catalogue>>, error: Option<String>) -> WalkRun {
    WalkRun {
        parts: vec![Part {
            label: None,
            walk,
            expect,
        }],
        reference,
        reference_error: error,
    }
}
