//! `GET /v2/images` as Glance computes it: parse and validate the query, take the images the
//! viewer's list holds (`visibility`, `member_status`, `os_hidden`: see `access`), filter
//! (`filters`), sort (`order`), continue after the marker, cut the page (`select`, from the
//! catalogue's indexes), and build `first`/`next`. Pure functions, no HTTP.

use std::collections::BTreeSet;

use super::access::{self, Shares, Viewer};
use super::catalogue::{Catalogue, Post};
use super::filters::Filter;
use super::model::{Image, MemberStatus};
use super::order::{Dir, Order, SortKey};
use super::quirk::Quirk;
use super::select::{After, Hint, Source, select};
use super::variant::Variant;

pub const DEFAULT_LIMIT: usize = 25;
/// Glance's `api_limit_max`.
pub const MAX_LIMIT: usize = 1000;
/// `api_limit_max` of the `small-max-page` variant.
pub const SMALL_MAX_LIMIT: usize = 20;
/// Parameters that are not per-image filters: paging, sorting, and the scope of the list.
const CONTROL: &[&str] = &[
    "limit",
    "marker",
    "sort_key",
    "sort_dir",
    "sort",
    "visibility",
    "member_status",
    "os_hidden",
];

/// A 400 with Glance's message.
#[derive(Debug, PartialEq, Eq)]
pub struct BadRequest(pub String);

/// Why a list is refused: a bad query (400) or a marker the viewer may not see (403).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    BadRequest(String),
    Forbidden(String),
}

impl From<BadRequest> for Refusal {
    fn from(b: BadRequest) -> Self {
        Refusal::BadRequest(b.0)
    }
}

/// What the list holds before the per-image filters: Glance's `visibility`, `member_status`
/// and `os_hidden` (which it validates as below: `os_hidden` case-insensitively, the enums
/// exactly).
struct Scope<'q> {
    visibility: Option<&'q str>,
    shares: Shares,
    hidden: bool,
}

impl Scope<'_> {
    fn holds(&self, img: &Image, viewer: Viewer) -> bool {
        img.os_hidden == self.hidden && access::listed(img, viewer, self.visibility, self.shares)
    }

    /// Candidates for the scope: a list of one visibility holds only images of it, a list of
    /// hidden images only hidden ones.
    fn hints(&self) -> Vec<Hint<'_>> {
        let mut out = Vec::new();
        if let Some(v) = self.visibility.filter(|v| *v != "all") {
            out.push(vec![Source::Posting(Post::Visibility(v))]);
        }
        if self.hidden {
            out.push(vec![Source::Posting(Post::Hidden)]);
        }
        out
    }
}

fn parse_scope<'q>(q: &'q Query, quirks: &BTreeSet<Quirk>) -> Result<Scope<'q>, BadRequest> {
    let visibility = q.last("visibility");
    if let Some(v) = visibility.filter(|v| !v.is_empty() && !access::VISIBILITIES.contains(v)) {
        return Err(BadRequest(format!("Invalid visibility value: {v}")));
    }
    let shares = match q.last("member_status") {
        None if quirks.contains(&Quirk::PendingShareListed) => Shares::AcceptedOrPending,
        None => Shares::Only(MemberStatus::Accepted),
        Some(m) => Shares::parse(m).ok_or_else(|| BadRequest(format!("Invalid status: {m}")))?,
    };
    let hidden = match q.last("os_hidden").map(str::to_lowercase).as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(BadRequest(format!(
                "Invalid value '{other}' for 'os_hidden' filter. Valid values are 'true' or 'false'."
            )));
        }
    };
    Ok(Scope {
        visibility,
        shares,
        hidden,
    })
}

pub struct Page<'a> {
    pub images: Vec<&'a Image>,
    pub first: String,
    pub next: Option<String>,
}

/// Python `int()` on a query value: surrounding blanks and a sign are allowed.
fn python_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<i64>().ok().or_else(|| {
        if t.starts_with('-') {
            Some(i64::MIN)
        } else {
            Some(i64::MAX)
        }
    })
}

struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn last(&self, key: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn parse_sort(q: &Query, quirks: &BTreeSet<Quirk>) -> Result<Vec<(SortKey, Dir)>, BadRequest> {
    let keys = q.all("sort_key");
    let dirs = q.all("sort_dir");
    let new = q.last("sort");
    if new.is_some() && (!keys.is_empty() || !dirs.is_empty()) {
        return Err(BadRequest("Old and new sorting syntax cannot be combined".into()));
    }
    let dir_of = |s: &str| match s {
        "asc" => Ok(Dir::Asc),
        "desc" => Ok(Dir::Desc),
        other => Err(BadRequest(format!("Invalid sort direction: {other}"))),
    };
    let mut out: Vec<(String, Dir)> = Vec::new();
    if let Some(spec) = new {
        for part in spec.split(',') {
            let (k, d) = part.split_once(':').unwrap_or((part, "desc"));
            out.push((k.to_string(), dir_of(d)?));
        }
    } else {
        if dirs.len() > 1 && dirs.len() != keys.len() {
            return Err(BadRequest(
                "Number of sort dirs does not match the number of sort keys".into(),
            ));
        }
        let parsed: Vec<Dir> = dirs.iter().map(|d| dir_of(d)).collect::<Result<_, _>>()?;
        let keys: Vec<&str> = if keys.is_empty() { vec!["created_at"] } else { keys };
        for (i, k) in keys.iter().enumerate() {
            let d = parsed.get(i).or(parsed.first()).copied().unwrap_or(Dir::Desc);
            out.push((k.to_string(), d));
        }
        if q.all("sort_key").is_empty() && parsed.is_empty() && quirks.contains(&Quirk::DefaultOrderAsc) {
            out = vec![("created_at".to_string(), Dir::Asc)];
        }
    }
    let mut sort = Vec::with_capacity(out.len());
    for (k, d) in &out {
        match SortKey::parse(k) {
            Some(key) => sort.push((key, *d)),
            None if quirks.contains(&Quirk::UnknownSortKey200) => return Ok(vec![(SortKey::CreatedAt, Dir::Desc)]),
            None => {
                let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.name()).collect();
                return Err(BadRequest(format!(
                    "Invalid sort key: {k}. It must be one of the following: {}.",
                    names.join(", ")
                )));
            }
        }
    }
    if quirks.contains(&Quirk::SortDirIgnored) {
        for (_, d) in &mut sort {
            *d = Dir::Desc;
        }
    }
    Ok(sort)
}

/// Markers the `next-never-ends` quirk makes up: never a real image, never the same twice.
const ENDLESS_PREFIX: &str = "eeeeeeee-0000-4000-8000-";

fn endless_marker(marker: &str) -> Option<u64> {
    marker.strip_prefix(ENDLESS_PREFIX)?.parse().ok()
}

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn link(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        "/v2/images".to_string()
    } else {
        format!("/v2/images?{}", encode(pairs))
    }
}

/// Computes one page of the default project's list for a raw query string.
#[cfg(test)]
pub fn list<'a>(catalogue: &'a Catalogue, raw_query: &str, quirks: &BTreeSet<Quirk>) -> Result<Page<'a>, Refusal> {
    let demo = Viewer {
        project: super::identity::PROJECT_ID,
        admin: false,
    };
    list_as(Flavor::Glance, demo, catalogue, raw_query, quirks, &BTreeSet::new())
}

/// Which API answers: Glance itself, or the IMS extensions on the same path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Glance,
    Ims,
}

/// Computes one page of `viewer`'s list as `flavor` answers it, with these quirks and
/// conforming variants.
pub fn list_as<'a>(
    flavor: Flavor,
    viewer: Viewer,
    catalogue: &'a Catalogue,
    raw_query: &str,
    quirks: &BTreeSet<Quirk>,
    variants: &BTreeSet<Variant>,
) -> Result<Page<'a>, Refusal> {
    let nulls_last = variants.contains(&Variant::NullsLast);
    let q = Query {
        pairs: url::form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect(),
    };
    if flavor == Flavor::Ims && q.last("member_status").is_some() && q.last("visibility") != Some("shared") {
        return Err(Refusal::BadRequest(
            "member_status can only be used together with visibility=shared".into(),
        ));
    }
    let scope = parse_scope(&q, quirks)?;
    let max_limit = if flavor == Flavor::Glance && variants.contains(&Variant::SmallMaxPage) {
        SMALL_MAX_LIMIT
    } else {
        MAX_LIMIT
    };
    // Glance clamps its default page size to api_limit_max as well.
    let default_limit = if flavor == Flavor::Ims && quirks.contains(&Quirk::ImsDefaultPage1000) {
        MAX_LIMIT
    } else {
        DEFAULT_LIMIT.min(max_limit)
    };

    let limit = match q.last("limit") {
        _ if quirks.contains(&Quirk::LimitIgnored) => default_limit,
        None => default_limit,
        Some(raw) => match python_int(raw) {
            Some(n) if n >= 0 => (n.min(max_limit as i64)) as usize,
            _ if quirks.contains(&Quirk::NegativeLimit200) => default_limit,
            Some(_) => return Err(Refusal::BadRequest("limit param must be positive".into())),
            None => return Err(Refusal::BadRequest("limit param must be an integer".into())),
        },
    };
    let order = Order {
        keys: parse_sort(&q, quirks)?,
        nulls_last,
    };
    let mut filters = Vec::new();
    for (k, v) in &q.pairs {
        if CONTROL.contains(&k.as_str()) {
            continue;
        }
        if flavor == Flavor::Ims && k == "__platform" && quirks.contains(&Quirk::ImsPlatformFilterIgnored) {
            continue;
        }
        filters.push(Filter::parse(k, v, flavor, quirks)?);
    }

    let mut after = None;
    // The `next-never-ends` quirk's made-up markers lead to more empty pages.
    let mut endless = false;
    if let Some(marker) = q.last("marker") {
        match catalogue.position(marker) {
            Some(p) if !access::can_see(catalogue.image(p), viewer) => {
                return Err(Refusal::Forbidden(format!(
                    "Forbidding request, image {marker} not visible"
                )));
            }
            Some(pos) => {
                after = Some(After {
                    pos,
                    inclusive: quirks.contains(&Quirk::MarkerInclusive),
                });
            }
            None if quirks.contains(&Quirk::UnknownMarker200) => {}
            None if quirks.contains(&Quirk::NextNeverEnds) && endless_marker(marker).is_some() => endless = true,
            None => return Err(Refusal::BadRequest(format!("No image found with ID {marker}"))),
        }
    }

    let take = if quirks.contains(&Quirk::LimitOffByOne) {
        limit + 1
    } else {
        limit
    };
    // short-pages: at most half the limit, rounded up, so never 0 while more follow. IMS
    // documents its default page (25 images), so there only a limited request is short.
    let short = variants.contains(&Variant::ShortPages) && (flavor == Flavor::Glance || q.last("limit").is_some());
    let take = if short { take.div_ceil(2) } else { take };
    // The `page-gap` quirk drops the first image after a marker; one more tells whether more follow.
    let gap = quirks.contains(&Quirk::PageGap) && after.is_some();
    let mut found = if endless {
        Vec::new()
    } else {
        let mut hints = scope.hints();
        hints.extend(filters.iter().filter_map(Filter::hint));
        let pred = |img: &Image| scope.holds(img, viewer) && filters.iter().all(|f| f.matches(img));
        select(catalogue, &order, &hints, pred, after, take + 1 + usize::from(gap))
    };
    if gap && !found.is_empty() {
        found.remove(0);
    }
    let more_follow = found.len() > take;
    found.truncate(take);
    let mut images: Vec<&Image> = found.iter().map(|&p| catalogue.image(p)).collect();
    if quirks.contains(&Quirk::SecondPageOtherOrder) && q.last("marker").is_some() {
        images.sort_by(|a, b| a.id.cmp(&b.id));
    }
    if quirks.contains(&Quirk::DuplicateInPage) && q.last("marker").is_none() && images.len() > 1 {
        images.push(images[0]);
    }
    let without_marker: Vec<(String, String)> = q.pairs.iter().filter(|(k, _)| k != "marker").cloned().collect();
    let first = link(&without_marker);
    // Glance links a full page (even the last); a server may instead link only while more
    // follow (short pages have to).
    let link_next = if short || variants.contains(&Variant::NoNextOnFullLastPage) {
        more_follow && !images.is_empty()
    } else {
        limit > 0 && images.len() >= take
    };
    let next = if link_next {
        let mut kept: Vec<(String, String)> = if quirks.contains(&Quirk::NextDropsFilters) {
            without_marker.iter().filter(|(k, _)| k == "limit").cloned().collect()
        } else {
            without_marker.clone()
        };
        let last = images.last().map(|i| i.id.clone()).unwrap_or_default();
        kept.push(("marker".to_string(), last));
        Some(link(&kept))
    } else if quirks.contains(&Quirk::NextLoops) {
        Some(first.clone())
    } else if quirks.contains(&Quirk::NextNeverEnds) {
        let n = q.last("marker").and_then(endless_marker).unwrap_or(0) + 1;
        let mut kept = without_marker.clone();
        kept.push(("marker".to_string(), format!("{ENDLESS_PREFIX}{n:012}")));
        Some(link(&kept))
    } else {
        None
    };
    Ok(Page { images, first, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue(n: usize) -> Catalogue {
        Catalogue::new(super::super::images::catalogue(n))
    }

    fn none() -> BTreeSet<Quirk> {
        BTreeSet::new()
    }

    #[test]
    fn limits_like_glance() {
        let c = catalogue(40);
        assert_eq!(list(&c, "", &none()).unwrap().images.len(), 25);
        assert_eq!(list(&c, "limit=%2B5", &none()).unwrap().images.len(), 5);
        assert_eq!(list(&c, "limit=05", &none()).unwrap().images.len(), 5);
        let zero = list(&c, "limit=0", &none()).unwrap();
        assert!(zero.images.is_empty() && zero.next.is_none());
        assert_eq!(
            list(&c, "limit=-1", &none()).err(),
            Some(Refusal::BadRequest("limit param must be positive".into()))
        );
        assert!(list(&c, "limit=1.5", &none()).is_err());
        assert!(list(&c, "limit=", &none()).is_err());
        assert_eq!(list(&c, "limit=1000000", &none()).unwrap().images.len(), 40);
    }

    #[test]
    fn a_full_last_page_has_next_and_the_page_after_is_empty() {
        let c = catalogue(4);
        let p = list(&c, "limit=4", &none()).unwrap();
        let next = p.next.expect("a full page has next");
        let q = next.trim_start_matches("/v2/images?");
        let p2 = list(&c, q, &none()).unwrap();
        assert!(p2.images.is_empty() && p2.next.is_none());
    }

    #[test]
    fn walking_every_sort_key_reaches_every_image_once() {
        let c = catalogue(40);
        for key in SortKey::ALL.map(SortKey::name) {
            for dir in ["asc", "desc"] {
                let mut q = format!("limit=3&sort_key={key}&sort_dir={dir}");
                let mut seen = Vec::new();
                loop {
                    let p = list(&c, &q, &none()).unwrap();
                    seen.extend(p.images.iter().map(|i| i.id.clone()));
                    match p.next {
                        Some(n) => q = n.trim_start_matches("/v2/images?").to_string(),
                        None => break,
                    }
                }
                let unique: BTreeSet<_> = seen.iter().collect();
                assert_eq!((seen.len(), unique.len()), (40, 40), "{key} {dir}");
            }
        }
    }

    #[test]
    fn filters_and_errors() {
        let c = catalogue(40);
        let names = |q: &str| {
            list(&c, q, &none())
                .unwrap()
                .images
                .iter()
                .map(|i| i.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("name=ubuntu-22.04").len(), 3);
        assert_eq!(names("name=fedora-40").len(), 1);
        assert_eq!(names("name=in:cirros,debian-12").len(), 2);
        assert!(list(&c, "visibility=bogus", &none()).is_err());
        assert!(list(&c, "sort_key=bogus", &none()).is_err());
        assert!(list(&c, "sort_dir=ASC", &none()).is_err());
        assert!(list(&c, "sort=name:asc&sort_key=name", &none()).is_err());
        assert!(list(&c, "marker=00000000-0000-4000-8000-000000000000", &none()).is_err());
        assert!(list(&c, "changes-since=2020-01-01T00:00:00Z", &none()).is_err());
        assert!(list(&c, "created_at=gt:yesterday", &none()).is_err());
        let size = c.image(2).size.unwrap();
        let got = list(&c, &format!("size_min={size}&size_max={size}&limit=100"), &none()).unwrap();
        assert_eq!(
            got.images.len(),
            2,
            "bounds are inclusive and images 2 and 9 share the size"
        );
        let quirky: BTreeSet<Quirk> = [Quirk::SizeMinExclusive].into();
        assert!(
            list(&c, &format!("size_min={size}&size_max={size}"), &quirky)
                .unwrap()
                .images
                .is_empty()
        );
    }
}
