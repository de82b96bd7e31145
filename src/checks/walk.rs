//! The properties of a pagination walk: a whole walk, or one window of a long one.
//!
//! A window (a few pages from a marker) proves what a whole walk proves on its stretch: no
//! duplicate, no gap, the order kept, strictly after the marker, page sizes, next links that
//! keep the query; the window that starts near the end proves termination.

use std::collections::HashMap;

use super::links::{kept_params, missing_params};
use super::{Findings, short_list};
use crate::exec::{Catalogue, RequestSpec, Walk, WalkEnd, query_pairs};
use crate::model::{Profile, WalkSpec};
use crate::verdict::Finding;

/// The ids of a walk's items, in order.
pub fn walk_ids(walk: &Walk) -> Vec<String> {
    walk.ids().map(str::to_string).collect()
}

/// The most pages a conforming walk at `limit` can take over a catalogue of `images` (a full
/// last page may add an empty one), with a margin for images uploaded during the run: a walk
/// longer than this never ends.
pub fn max_conforming_pages(images: usize, limit: Option<usize>) -> usize {
    let per_page = limit.filter(|l| *l > 0).unwrap_or(1);
    let margin = (images / 20).max(2);
    (images + margin).div_ceil(per_page) + 1
}

/// What a walk's items are compared with.
pub enum WalkExpect<'a> {
    /// Nothing (`complete: false`).
    Nothing,
    /// The union of the pages equals this unpaged list.
    Whole(&'a Catalogue),
    /// One window of a long walk: its items are a leading part of `ids`, the list after the
    /// window's start. With `complete`, `ids` is all that follows, so a window that ends must
    /// have read all of it; with `must_end`, the window has to reach the end in its pages.
    /// The window's own page budget is no error.
    Window {
        ids: &'a [std::sync::Arc<str>],
        complete: bool,
        must_end: bool,
    },
}

/// Checks termination, cycles, duplicates across pages, page sizes, kept query parameters and
/// the items against `expect`.
///
/// A walk cut by the suite's own page budget is the suite's limit, not the server's fault (an
/// ERROR), unless it is proven endless: longer than `conforming_pages`, the most a conforming
/// server could need for the catalogue it lists (a cycle is proven by the walker itself).
pub fn walk_properties(
    walk: &Walk,
    spec: &WalkSpec,
    profile: &Profile,
    first: &RequestSpec,
    expect: &WalkExpect,
    conforming_pages: Option<usize>,
) -> Findings {
    let mut out = Findings::default();
    let window = matches!(expect, WalkExpect::Window { .. });
    match &walk.end {
        WalkEnd::Finished => {}
        WalkEnd::Budget { .. } if matches!(expect, WalkExpect::Window { must_end: true, .. }) => out.broken.push(
            Finding::new(
                "walk: terminates",
                format!(
                    "the window from near the end still had a next link after {} pages, past the end of the list",
                    walk.pages.len()
                ),
            )
            .expected("a last page without a next link"),
        ),
        WalkEnd::Budget { .. } if window => {}
        WalkEnd::Transport(_) => out.errors.push(Finding::new("walk", walk.describe_end())),
        WalkEnd::Stopped(_) => out
            .broken
            .push(Finding::new("walk: every page answers", walk.describe_end()).expected("every page a 2xx list")),
        WalkEnd::Budget { max_pages } => match conforming_pages {
            Some(most) if walk.pages.len() > most => out.broken.push(
                Finding::new(
                    "walk: terminates",
                    format!(
                        "{}; the catalogue needs at most {most} pages at this limit, so the walk never ends",
                        walk.describe_end()
                    ),
                )
                .expected("a last page without a next link"),
            ),
            _ => out.errors.push(Finding::new(
                "walk: budget",
                format!(
                    "the suite's page budget was reached after {max_pages} pages with a next link still present; \
                     raise --max-pages (this is the suite's limit, not a verdict on the server)"
                ),
            )),
        },
        WalkEnd::CycleUrl { .. } | WalkEnd::CycleMarker { .. } => out
            .broken
            .push(Finding::new("walk: no cycle", walk.describe_end()).expected("every next link leads to a new page")),
        WalkEnd::TooManyBytes { .. } | WalkEnd::TooManyItems { .. } | WalkEnd::Memory { .. } => {
            out.errors.push(Finding::new("walk", walk.describe_end()))
        }
        WalkEnd::NoProgress { .. } => out.broken.push(
            Finding::new("walk: terminates", walk.describe_end())
                .expected("every page but a last empty one brings items"),
        ),
    }

    // No id on two pages (or twice on one).
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut dups = Vec::new();
    for (n, page) in walk.pages.iter().enumerate() {
        for id in page.items.id_strings() {
            if let Some(first_page) = seen.insert(id.clone(), n + 1) {
                dups.push(format!("{id} on pages {first_page} and {}", n + 1));
            }
        }
    }
    if !dups.is_empty() {
        out.broken.push(
            Finding::new("walk: no duplicate id", "an id appears more than once across the pages")
                .expected("every id once")
                .actual(short_list(&dups)),
        );
    }

    // Every page holds at most `limit` items (seed 003: "between zero and limit items").
    let limit = query_pairs(&first.url)
        .into_iter()
        .rfind(|(k, _)| *k == profile.limit_param)
        .and_then(|(_, v)| v.trim().parse::<usize>().ok());
    if let Some(limit) = limit {
        let over: Vec<String> = walk
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.items.len() > limit)
            .map(|(n, p)| format!("page {} has {}", n + 1, p.items.len()))
            .collect();
        if !over.is_empty() {
            out.broken.push(
                Finding::new("walk: page size", "a page holds more items than the limit")
                    .expected(format!("at most {limit} per page"))
                    .actual(short_list(&over)),
            );
        }
    }

    // Every next link keeps the original query parameters.
    if spec.keeps_query {
        let want = kept_params(first, &profile.marker_param);
        for (n, page) in walk.pages.iter().enumerate() {
            let Some(next) = &page.next else { continue };
            let missing = missing_params(&want, &query_pairs(next));
            if !missing.is_empty() {
                out.broken.push(
                    Finding::new(
                        "walk: next keeps the query",
                        format!("page {}'s next link drops query parameters", n + 1),
                    )
                    .expected(format!("a next link keeping {}", short_list(&missing)))
                    .actual(page.next_raw.clone().unwrap_or_default()),
                );
                break;
            }
        }
    }

    if let WalkExpect::Window {
        ids: want, complete, ..
    } = expect
    {
        out.extend(window_matches(walk, want, *complete));
    }

    // The union of the pages equals the unpaged list, same ids in the same order.
    if let WalkExpect::Whole(reference) = expect
        && walk.is_complete()
    {
        let got = walk_ids(walk);
        let want = &reference.id_strings();
        if &got != want {
            let got_set: std::collections::HashSet<&String> = got.iter().collect();
            let missing: Vec<String> = want.iter().filter(|w| !got_set.contains(w)).cloned().collect();
            let at = want
                .iter()
                .zip(&got)
                .position(|(a, b)| a != b)
                .unwrap_or(want.len().min(got.len()));
            let mut actual = format!("{} item(s), first difference at position {}", got.len(), at + 1);
            if !missing.is_empty() {
                actual.push_str(&format!("; missing {}", short_list(&missing)));
            }
            out.broken.push(
                Finding::new("walk: complete", "the pages do not add up to the unpaged list")
                    .expected(format!(
                        "the {} item(s) of the unpaged list ({}), in its order",
                        want.len(),
                        reference.url
                    ))
                    .actual(actual),
            );
        }
    }
    out
}

/// A window's items are a leading part of the list after its start (no gap, no duplicate, the
/// order kept, strictly after the marker); a window that ended read all of it.
fn window_matches(walk: &Walk, want: &[std::sync::Arc<str>], complete: bool) -> Findings {
    let got = walk_ids(walk);
    let n = got.len().min(want.len());
    let prefix_ok = got[..n].iter().zip(&want[..n]).all(|(g, w)| g.as_str() == &**w);
    let mut out = Findings::default();
    if !prefix_ok || (complete && got.len() > want.len()) {
        let at = got.iter().zip(want).position(|(a, b)| a.as_str() != &**b).unwrap_or(n);
        out.broken.push(
            Finding::new(
                "walk: window",
                format!("the window's items differ from the list at position {}", at + 1),
            )
            .expected(format!(
                "the list's items after the window's start, in order: {}",
                super::short_ids(&want[..want.len().min(at + 4)])
            ))
            .actual(format!(
                "{} item(s): {}",
                got.len(),
                short_list(&got[..got.len().min(at + 4)])
            )),
        );
    } else if walk.is_complete() && complete && got.len() < want.len() {
        out.broken.push(
            Finding::new(
                "walk: window",
                format!(
                    "the walk ended after {} item(s), but {} follow the window's start",
                    got.len(),
                    want.len()
                ),
            )
            .expected(format!("every one of the {} item(s)", want.len()))
            .actual(format!(
                "{} item(s), the last {}",
                got.len(),
                got.last().cloned().unwrap_or_default()
            )),
        );
    } else if walk.is_complete() && !complete && got.len() < want.len() {
        out.broken.push(
            Finding::new(
                "walk: window",
                format!(
                    "the walk ended after {} item(s), though at least {} follow the window's start",
                    got.len(),
                    want.len()
                ),
            )
            .expected("a next link while items remain"),
        );
    }
    out
}
