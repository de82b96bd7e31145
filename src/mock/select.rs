//! One page of a filtered, sorted list from the catalogue's indexes: the first `need` images,
//! in `order`, that pass `pred` and come after the marker. Shared by the Glance, IMS and compute
//! lists, which differ only in their predicates and orders.
//!
//! Two plans, both exact:
//! - **Candidates**: when a filter has a small candidate set (an equal range or a posting list,
//!   at most an eighth of the catalogue), check just those and keep the smallest `need` in
//!   order (a partial selection, then a sort of what is kept): linear in the candidates.
//! - **Scan**: otherwise read the first sort key's index in its direction from the marker's
//!   place, keep what passes, and stop once `need` images are found. With one sort key the index
//!   is the order itself; with more, the images that tie on the first key form runs, each
//!   sorted on the other keys, or, when a run is a large share of the catalogue, read from
//!   the next key's index (see [`Scan`]).
//!
//! The worst case (a filter without candidates that matches nothing) reads the index once:
//! linear in the catalogue, with no allocation per image.

use std::cmp::Ordering;

use super::catalogue::{Catalogue, Limit, Post};
use super::model::Image;
use super::order::{Dir, Order, SortKey};

/// Where the images matching one filter can be found: their union holds every match.
#[derive(Clone, Debug)]
pub enum Source<'a> {
    Equal(SortKey, &'a str),
    Posting(Post<'a>),
    /// The images whose value of an ordered key lies within every limit.
    Span(SortKey, Vec<Limit>),
}

/// One filter's candidates: the union of its sources.
pub type Hint<'a> = Vec<Source<'a>>;

/// Start after (or, for the `marker-inclusive` quirk, at) the image at this position.
#[derive(Clone, Copy, Debug)]
pub struct After {
    pub pos: u32,
    pub inclusive: bool,
}

/// Plans with candidates when the smallest candidate set is at most this share of the list.
const CANDIDATE_SHARE: usize = 8;

pub fn select(
    cat: &Catalogue,
    order: &Order,
    hints: &[Hint<'_>],
    pred: impl Fn(&Image) -> bool,
    after: Option<After>,
    need: usize,
) -> Vec<u32> {
    if need == 0 {
        return Vec::new();
    }
    let marker = after.map(|a| (cat.image(a.pos), a.inclusive));
    let after_marker = |img: &Image| match marker {
        None => true,
        Some((m, inclusive)) => {
            let o = order.cmp(img, m);
            o == Ordering::Greater || (inclusive && o == Ordering::Equal)
        }
    };
    let hints = merge_spans(hints);
    let size = |h: &Hint<'_>| -> usize { h.iter().map(|s| source(cat, s).len()).sum() };
    if let Some(hint) = hints.iter().min_by_key(|h| size(h))
        && size(hint) * CANDIDATE_SHARE <= cat.len()
    {
        let mut found: Vec<u32> = hint.iter().flat_map(|s| source(cat, s).iter().copied()).collect();
        found.sort_unstable();
        found.dedup();
        found.retain(|&p| {
            let img = cat.image(p);
            pred(img) && after_marker(img)
        });
        smallest(cat, order, &mut found, need);
        return found;
    }
    // A span on the first sort key bounds the part of its index worth reading.
    let clip = order.keys.first().and_then(|&(first, _)| {
        hints.iter().find_map(|h| match h.as_slice() {
            [Source::Span(key, limits)] if *key == first => Some(cat.span(first, order.nulls_last, limits)),
            _ => None,
        })
    });
    scan(cat, order, &pred, after, &after_marker, need, clip)
}

/// One span per key: the limits of several range filters on one key (`size_min` and
/// `size_max`) together, since each alone may hold most of the catalogue.
fn merge_spans<'a>(hints: &[Hint<'a>]) -> Vec<Hint<'a>> {
    let mut out: Vec<Hint<'a>> = Vec::new();
    for h in hints {
        if let [Source::Span(key, limits)] = h.as_slice()
            && let Some(Source::Span(_, merged)) = out
                .iter_mut()
                .find_map(|o| o.first_mut().filter(|s| matches!(s, Source::Span(k, _) if k == key)))
        {
            merged.extend(limits.iter().copied());
            continue;
        }
        out.push(h.clone());
    }
    out
}

fn source<'c>(cat: &'c Catalogue, s: &Source<'_>) -> &'c [u32] {
    match s {
        Source::Equal(key, value) => cat.equal(*key, value),
        Source::Posting(post) => cat.posting(*post),
        Source::Span(key, limits) => {
            let (from, to) = cat.span(*key, false, limits);
            &cat.sorted(*key, false)[from..to]
        }
    }
}

/// Keeps the `k` first of `v` in `order`, sorted.
fn smallest(cat: &Catalogue, order: &Order, v: &mut Vec<u32>, k: usize) {
    let cmp = |a: &u32, b: &u32| order.cmp(cat.image(*a), cat.image(*b));
    if k == 0 {
        v.clear();
        return;
    }
    if v.len() > k {
        v.select_nth_unstable_by(k - 1, cmp);
        v.truncate(k);
    }
    v.sort_unstable_by(cmp);
}

fn scan(
    cat: &Catalogue,
    order: &Order,
    pred: &impl Fn(&Image) -> bool,
    after: Option<After>,
    after_marker: &impl Fn(&Image) -> bool,
    need: usize,
    clip: Option<(usize, usize)>,
) -> Vec<u32> {
    let keys: Vec<(SortKey, Dir)> = if order.keys.is_empty() {
        vec![(SortKey::Id, Dir::Asc)]
    } else {
        order.keys.clone()
    };
    let scan = Scan {
        cat,
        order,
        keys: &keys,
        pred,
        after,
        after_marker,
        need,
        clip,
    };
    let mut out = Vec::new();
    scan.level(0, &mut Vec::new(), after.is_some(), &mut out);
    out
}

/// The scan plan, one sort key at a time.
///
/// At the last key, its index read in its direction is the order itself (ties on the key are
/// broken by id in that direction). At an earlier key, the index is read as runs of images
/// that tie on the key (found by binary search, not by walking them): a small run is filtered
/// and sorted on the remaining keys; a run that is a large share of the catalogue (every
/// `active` image under `sort=status:asc,name:desc`) is read from the next key's index
/// instead, restricted to the run, so that a page never sorts most of the catalogue.
struct Scan<'s, P, A> {
    cat: &'s Catalogue,
    order: &'s Order,
    keys: &'s [(SortKey, Dir)],
    pred: &'s P,
    after: Option<After>,
    after_marker: &'s A,
    need: usize,
    /// The index range of the first key that a range filter leaves (`size_min`, `gt:`).
    clip: Option<(usize, usize)>,
}

impl<P: Fn(&Image) -> bool, A: Fn(&Image) -> bool> Scan<'_, P, A> {
    /// Whether the image ties with each run head on the key of its level.
    fn in_runs(&self, heads: &[u32], img: &Image) -> bool {
        heads.iter().enumerate().all(|(l, &h)| {
            self.keys[l]
                .0
                .cmp(img, self.cat.image(h), self.order.nulls_last)
                .is_eq()
        })
    }

    /// Appends to `out`, in order, the images that tie with every run head in `heads` on the
    /// keys before `level`, pass the predicate, and come after the marker (which, when
    /// `with_marker`, ties with those heads too).
    fn level(&self, level: usize, heads: &mut Vec<u32>, with_marker: bool, out: &mut Vec<u32>) {
        let (cat, nulls_last) = (self.cat, self.order.nulls_last);
        let (key, dir) = self.keys[level];
        let index = cat.sorted(key, nulls_last);
        let cmp_key = |p: u32, q: &Image| key.cmp(cat.image(p), q, nulls_last);
        let last = level + 1 == self.keys.len();
        // The part of the index to read, in `dir`.
        let (from, to) = match self.after.filter(|_| with_marker) {
            None => (0, index.len()),
            Some(a) => {
                let m = cat.image(a.pos);
                if last {
                    let at = cat.rank(key, nulls_last, a.pos);
                    match dir {
                        Dir::Asc => (if a.inclusive { at } else { at + 1 }, index.len()),
                        Dir::Desc => (0, if a.inclusive { at + 1 } else { at }),
                    }
                } else {
                    // From the start of the run that holds the marker.
                    match dir {
                        Dir::Asc => (index.partition_point(|&p| cmp_key(p, m).is_lt()), index.len()),
                        Dir::Desc => (0, index.partition_point(|&p| cmp_key(p, m).is_le())),
                    }
                }
            }
        };
        let (from, to) = match self.clip.filter(|_| level == 0) {
            Some((lo, hi)) => (from.max(lo), to.min(hi).max(from.max(lo))),
            None => (from, to),
        };
        if last {
            let range = &index[from..to];
            let ordered: Box<dyn Iterator<Item = &u32>> = match dir {
                Dir::Asc => Box::new(range.iter()),
                Dir::Desc => Box::new(range.iter().rev()),
            };
            for &p in ordered {
                let img = cat.image(p);
                if (self.pred)(img) && self.in_runs(heads, img) {
                    out.push(p);
                    if out.len() >= self.need {
                        return;
                    }
                }
            }
            return;
        }
        let (mut lo, mut hi) = (from, to);
        let mut first = with_marker;
        while lo < hi && out.len() < self.need {
            // The next run in `dir`: the images that tie with its head on this key.
            let (start, end) = match dir {
                Dir::Asc => {
                    let head = cat.image(index[lo]);
                    (lo, lo + index[lo..hi].partition_point(|&p| cmp_key(p, head).is_le()))
                }
                Dir::Desc => {
                    let head = cat.image(index[hi - 1]);
                    (index[lo..hi].partition_point(|&p| cmp_key(p, head).is_lt()) + lo, hi)
                }
            };
            let run = &index[start..end];
            if run.len() * CANDIDATE_SHARE > cat.len() && run.len() > 32 {
                heads.push(run[0]);
                self.level(level + 1, heads, first, out);
                heads.pop();
            } else {
                let mut group: Vec<u32> = run
                    .iter()
                    .copied()
                    .filter(|&p| {
                        let img = cat.image(p);
                        (self.pred)(img) && self.in_runs(heads, img) && (!first || (self.after_marker)(img))
                    })
                    .collect();
                smallest(cat, self.order, &mut group, self.need - out.len());
                out.append(&mut group);
            }
            first = false;
            match dir {
                Dir::Asc => lo = end,
                Dir::Desc => hi = start,
            }
        }
    }
}
