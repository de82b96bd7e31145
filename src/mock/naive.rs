//! The list as the mock computed it before it had indexes (issue 11): filter the whole
//! catalogue, sort it, cut the page. Kept as the oracle of the tests below, which check that
//! the indexed list (`listing`, `select`) and the compute list (`nova`) answer every query,
//! identity, quirk and variant exactly as this did.
//!
//! Only its per-image errors differ: it found a bad filter value while scanning (so a filter
//! that rejected every image first hid it), where Glance and the indexed list refuse the value
//! before looking at any image; the queries below put bad values first.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::access::{self, Shares, Viewer};
use super::catalogue::Catalogue;
use super::listing::{BadRequest, DEFAULT_LIMIT, Flavor, MAX_LIMIT, Page, Refusal, SMALL_MAX_LIMIT};
use super::model::{Image, MemberStatus};
use super::nova::{compute_status, deleted_shown};
use super::quirk::Quirk;
use super::state::MockState;
use super::variant::Variant;

const SORT_KEYS: &[&str] = &[
    "name",
    "status",
    "container_format",
    "disk_format",
    "size",
    "id",
    "created_at",
    "updated_at",
];
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

/// What the list holds before the per-image filters: Glance's `visibility`, `member_status`
/// and `os_hidden` (which it validates as below: `os_hidden` case-insensitively, the enums
/// exactly).
struct Scope<'q> {
    visibility: Option<&'q str>,
    shares: Shares,
    hidden: bool,
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Asc,
    Desc,
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

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|n| n.and_utc())
}

/// `in:a,"b,c"` → ["a", "b,c"]; anything else → [value].
fn in_values(v: &str) -> Vec<String> {
    let Some(list) = v.strip_prefix("in:") else {
        return vec![v.to_string()];
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in list.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn sort_value(img: &Image, key: &str) -> Option<String> {
    match key {
        "name" => img.name.clone(),
        "status" => Some(img.status.to_string()),
        "container_format" => Some(img.container_format.to_string()),
        "disk_format" => Some(img.disk_format.to_string()),
        "id" => Some(img.id.clone()),
        _ => None,
    }
}

/// Compares two optional values; nulls are the smallest (first in asc, last in desc: sqlite
/// and MySQL) or, with `nulls_last`, the largest (PostgreSQL).
fn cmp_nullable<T: Ord>(a: Option<T>, b: Option<T>, nulls_last: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.cmp(&y),
        (None, None) => Ordering::Equal,
        (None, Some(_)) if nulls_last => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) if nulls_last => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
    }
}

/// Compares two images on one key.
fn cmp_key(a: &Image, b: &Image, key: &str, nulls_last: bool) -> Ordering {
    match key {
        "size" => cmp_nullable(a.size, b.size, nulls_last),
        "created_at" => a.created_at.cmp(&b.created_at),
        "updated_at" => a.updated_at.cmp(&b.updated_at),
        k => cmp_nullable(sort_value(a, k), sort_value(b, k), nulls_last),
    }
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

fn parse_sort(q: &Query, quirks: &BTreeSet<Quirk>) -> Result<Vec<(String, Dir)>, BadRequest> {
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
    let mut out = Vec::new();
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
    for (k, _) in &out {
        if !SORT_KEYS.contains(&k.as_str()) {
            if quirks.contains(&Quirk::UnknownSortKey200) {
                return Ok(vec![("created_at".to_string(), Dir::Desc)]);
            }
            return Err(BadRequest(format!(
                "Invalid sort key: {k}. It must be one of the following: {}.",
                SORT_KEYS.join(", ")
            )));
        }
    }
    if quirks.contains(&Quirk::SortDirIgnored) {
        for (_, d) in &mut out {
            *d = Dir::Desc;
        }
    }
    Ok(out)
}

fn order(a: &Image, b: &Image, sort: &[(String, Dir)], nulls_last: bool) -> Ordering {
    for (k, d) in sort {
        let o = cmp_key(a, b, k, nulls_last);
        let o = if *d == Dir::Desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    // A total order: ids break ties in the direction of the last key.
    let o = a.id.cmp(&b.id);
    if sort.last().is_some_and(|(_, d)| *d == Dir::Desc) {
        o.reverse()
    } else {
        o
    }
}

/// Whether an image passes one filter parameter.
fn matches(img: &Image, key: &str, value: &str, flavor: Flavor, quirks: &BTreeSet<Quirk>) -> Result<bool, BadRequest> {
    let any_of = |actual: Option<&str>| in_values(value).iter().any(|v| Some(v.as_str()) == actual);
    Ok(match key {
        "name" if quirks.contains(&Quirk::NameFilterCaseInsensitive) => in_values(value).iter().any(|v| {
            img.name
                .as_deref()
                .is_some_and(|n| n.to_lowercase() == v.to_lowercase())
        }),
        "name" if quirks.contains(&Quirk::NameFilterSubstring) => in_values(value)
            .iter()
            .any(|v| img.name.as_deref().is_some_and(|n| n.contains(v.as_str()))),
        "name" => any_of(img.name.as_deref()),
        "status" => any_of(Some(img.status)),
        "id" => any_of(Some(&img.id)),
        "disk_format" => any_of(Some(img.disk_format)),
        "container_format" => any_of(Some(img.container_format)),
        "owner" => value == img.owner,
        "checksum" => img.checksum().as_deref() == Some(value),
        "protected" => match value {
            "true" | "false" => img.protected == (value == "true"),
            other => {
                return Err(BadRequest(format!(
                    "Invalid value '{other}' for 'protected' filter. Valid values are 'true' or 'false'."
                )));
            }
        },
        "min_ram" => img.min_ram.to_string() == value,
        "min_disk" => img.min_disk.to_string() == value,
        "size_min" | "size_max" => {
            let bound: i64 = value
                .trim()
                .parse()
                .map_err(|_| BadRequest("Unable to filter on a range with a non-numeric value.".into()))?;
            match img.size {
                None => false,
                Some(s) if key == "size_min" && quirks.contains(&Quirk::SizeMinExclusive) => (s as i64) > bound,
                Some(s) if key == "size_min" => (s as i64) >= bound,
                Some(s) => (s as i64) <= bound,
            }
        }
        "created_at" | "updated_at" => {
            let (op, time) = match value.split_once(':') {
                Some((op, rest)) if op.chars().all(|c| c.is_ascii_alphabetic()) => (op, rest),
                _ => ("eq", value),
            };
            let t = parse_time(time).ok_or_else(|| {
                BadRequest(format!(
                    "Bad \"{key}\" query filter format. Use ISO 8601 DateTime notation."
                ))
            })?;
            let actual = if key == "created_at" {
                img.created_at
            } else {
                img.updated_at
            };
            match op {
                "gt" if flavor == Flavor::Ims && quirks.contains(&Quirk::ImsCreatedAtGtAsGte) => actual >= t,
                "gt" => actual > t,
                "gte" => actual >= t,
                "lt" => actual < t,
                "lte" => actual <= t,
                "eq" => actual == t,
                "neq" => actual != t,
                _ => return Err(BadRequest("Unable to filter on a unknown operator.".into())),
            }
        }
        "changes-since" => {
            return Err(BadRequest(
                "The \"changes-since\" filter is no longer available on v2.".into(),
            ));
        }
        // IMS: tags written `Key.Value` before its upgrade are queried as `Key=Value`.
        "tag" if flavor == Flavor::Ims => img
            .tags
            .iter()
            .any(|t| &**t == value || t.replacen('.', "=", 1) == value),
        "tag" => img.tags.iter().any(|t| &**t == value),
        other if flavor == Flavor::Ims && other.starts_with("__") => img.ims.get(other) == Some(value),
        other => img.properties.get(other) == Some(value),
    })
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

/// Computes one page of `viewer`'s list as `flavor` answers it, with these quirks and
/// conforming variants.
pub fn list_as<'a>(
    flavor: Flavor,
    viewer: Viewer,
    catalogue: &'a [Image],
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
    let sort = parse_sort(&q, quirks)?;

    let mut images: Vec<&Image> = Vec::new();
    'images: for img in catalogue {
        if img.os_hidden != scope.hidden || !access::listed(img, viewer, scope.visibility, scope.shares) {
            continue;
        }
        for (k, v) in &q.pairs {
            if CONTROL.contains(&k.as_str()) {
                continue;
            }
            if flavor == Flavor::Ims && k == "__platform" && quirks.contains(&Quirk::ImsPlatformFilterIgnored) {
                continue;
            }
            if !matches(img, k, v, flavor, quirks)? {
                continue 'images;
            }
        }
        images.push(img);
    }
    images.sort_by(|a, b| order(a, b, &sort, nulls_last));

    if let Some(marker) = q.last("marker") {
        match catalogue.iter().find(|i| i.id == marker) {
            Some(m) if !access::can_see(m, viewer) => {
                return Err(Refusal::Forbidden(format!(
                    "Forbidding request, image {marker} not visible"
                )));
            }
            Some(m) => {
                let keep = if quirks.contains(&Quirk::MarkerInclusive) {
                    Ordering::Less
                } else {
                    Ordering::Equal
                };
                images.retain(|i| order(i, m, &sort, nulls_last) > keep);
                if quirks.contains(&Quirk::PageGap) && !images.is_empty() {
                    images.remove(0);
                }
            }
            None if quirks.contains(&Quirk::UnknownMarker200) => {}
            // The quirk's made-up markers lead to more empty pages, each with a new marker.
            None if quirks.contains(&Quirk::NextNeverEnds) && endless_marker(marker).is_some() => images.clear(),
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
    let more_follow = images.len() > take;
    images.truncate(take);
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

/// The compute list's page as it was computed before the indexes (see `nova::page`).
pub fn compute_page<'c>(
    state: &MockState,
    cat: &'c Catalogue,
    viewer: Viewer,
    pairs: &[(String, String)],
    limit: Option<usize>,
    since: Option<DateTime<Utc>>,
    detail: bool,
) -> Result<(Vec<&'c Image>, bool), String> {
    let quirks = &state.config.quirks;
    let last = |k: &str| pairs.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let with_deleted = since.filter(|_| state.variant(Variant::DeletedInChangesSince));
    let mut images: Vec<&Image> = cat
        .images()
        .iter()
        .filter(|i| {
            (!i.os_hidden && access::listed(i, viewer, None, Shares::Only(MemberStatus::Accepted)))
                || with_deleted.is_some_and(|t| deleted_shown(i, viewer, t))
        })
        .collect();
    images.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    if detail && quirks.contains(&Quirk::ComputeDetailMissingOne) {
        images.pop();
    }
    images.retain(|img| {
        last("name").is_none_or(|n| img.name.as_deref() == Some(n))
            && last("status").is_none_or(|s| compute_status(img.status) == s)
            && last("type").is_none_or(|t| img.properties.get("image_type") == Some(t))
            && last("server").is_none_or(|s| {
                let s = s.rsplit('/').next().unwrap_or(s);
                img.properties.get("instance_uuid") == Some(s)
            })
            && since.is_none_or(|t| img.updated_at >= t)
    });
    if let Some(marker) = last("marker").filter(|m| !m.is_empty()) {
        match images.iter().position(|i| i.id == marker) {
            Some(p) => {
                images.drain(..=p);
            }
            None => return Err(marker.to_string()),
        }
    }
    let full = match limit {
        Some(l) if state.variant(Variant::NoNextOnFullLastPage) => images.len() > l,
        Some(l) => images.len() >= l,
        None => false,
    };
    if let Some(l) = limit {
        images.truncate(l);
    }
    Ok((images, full))
}

#[cfg(test)]
mod tests {
    use super::super::identity::{ADMIN_PROJECT_ID, OTHER_PROJECT_ID, PROJECT_ID};
    use super::super::model::timestamp;
    use super::super::{MockConfig, listing, nova};
    use super::*;

    const VIEWERS: [Viewer; 3] = [
        Viewer {
            project: PROJECT_ID,
            admin: false,
        },
        Viewer {
            project: OTHER_PROJECT_ID,
            admin: false,
        },
        Viewer {
            project: ADMIN_PROJECT_ID,
            admin: true,
        },
    ];

    /// Every configuration the mock offers: clean, each quirk, each variant.
    fn configs() -> Vec<MockConfig> {
        let base = MockConfig {
            images: 200,
            ..MockConfig::default()
        };
        let mut out = vec![base.clone()];
        for q in Quirk::all() {
            out.push(MockConfig {
                quirks: [*q].into(),
                ..base.clone()
            });
        }
        for v in Variant::all() {
            out.push(MockConfig {
                variants: [*v].into(),
                ..base.clone()
            });
        }
        out
    }

    /// Queries over every filter, sort and marker kind, with values from the catalogue.
    fn queries(images: &[Image]) -> Vec<String> {
        let mut q: Vec<String> = [
            "",
            "limit=0",
            "limit=1",
            "limit=3",
            "limit=1000",
            "limit=-1",
            "limit=abc",
            "sort_key=bogus",
            "sort_dir=ASC",
            "sort=name:asc&sort_key=name",
            "marker=00000000-0000-4000-8000-000000000000",
            "visibility=bogus",
            "changes-since=2020-01-01T00:00:00Z",
            "created_at=gt:yesterday",
            "created_at=bogus:2026-01-01T00:00:00Z",
            "protected=maybe",
            "size_min=abc",
            "visibility=",
            "name=",
            "status=bogus",
            "os_hidden=true",
            "os_hidden=True&visibility=all",
            "name=ubuntu-22.04",
            "name=in:cirros,debian-12",
            "name=fedora-40",
            "name=image-0042",
            "status=in:queued,saving",
            "status=deleted",
            "status=active&limit=10",
            "tag=gold&limit=10",
            "tag=lts&tag=base",
            "tag=os.linux",
            "tag=os=linux",
            "os_distro=ubuntu",
            "os_distro=image&limit=5",
            "os_version=3&hw_qemu_guest_agent=yes",
            "image_type=snapshot",
            "nonexistent=x",
            "__platform=Ubuntu",
            "__os_bit=32&limit=9",
            "protected=true",
            "min_ram=1024&limit=5",
            "min_disk=20&limit=5",
            "min_ram=0512",
            "disk_format=in:raw,iso&limit=8",
            "container_format=ova&visibility=community",
            "size_min=-1&limit=5",
            "size_min=0&size_max=0",
            "sort=status:asc,name:desc&limit=6",
            "sort=name:asc,created_at:desc&limit=6",
            "sort=size:desc,id:asc&limit=6",
            "sort=disk_format:asc,size:asc,name&limit=6",
            "sort=container_format:desc,status:asc,name:asc&limit=6",
            "sort=status,disk_format:asc,size&limit=30",
            "sort=visibility:asc",
            "sort_key=name&sort_key=created_at&sort_dir=asc&sort_dir=desc",
            "sort_key=name&sort_key=created_at&sort_dir=asc&sort_dir=desc&sort_dir=asc",
        ]
        .map(String::from)
        .to_vec();
        for key in SORT_KEYS {
            for dir in ["asc", "desc"] {
                q.push(format!("sort_key={key}&sort_dir={dir}&limit=7"));
            }
            q.push(format!("sort={key}&limit=4"));
        }
        for v in ["public", "private", "shared", "community", "all"] {
            q.push(format!("visibility={v}&limit=50"));
            q.push(format!("visibility={v}&member_status=all&limit=50"));
        }
        for m in ["pending", "rejected", "all"] {
            q.push(format!("member_status={m}&limit=50"));
            q.push(format!("member_status={m}&visibility=shared"));
        }
        for owner in [PROJECT_ID, OTHER_PROJECT_ID] {
            q.push(format!("owner={owner}&limit=5"));
        }
        let sized: Vec<&Image> = images.iter().filter(|i| i.size.is_some()).step_by(97).collect();
        for img in &sized {
            let s = img.size.unwrap_or(0);
            q.push(format!("size_min={s}&size_max={s}"));
            q.push(format!("size_min={s}&limit=5&sort_key=size&sort_dir=asc"));
            q.push(format!("size_max={s}&size_min=100&limit=5&sort_key=size"));
            q.push(format!("checksum={}", img.checksum().unwrap_or_default()));
        }
        for img in images.iter().step_by(61) {
            let t: String = url::form_urlencoded::byte_serialize(timestamp(&img.created_at).as_bytes()).collect();
            for op in ["gt", "gte", "lt", "lte", "eq", "neq"] {
                q.push(format!("created_at={op}:{t}&limit=6&sort_key=created_at&sort_dir=asc"));
                q.push(format!(
                    "created_at={op}:{t}&created_at=lt:2026-03-01T00:00:00Z&sort=created_at:desc,name:asc"
                ));
                q.push(format!("created_at={op}:{t}&limit=6"));
                q.push(format!("updated_at={op}:{t}&limit=6&sort_key=updated_at&sort_dir=asc"));
            }
        }
        for img in images.iter().step_by(29) {
            let id = &img.id;
            for rest in [
                "limit=4",
                "limit=4&sort_key=name&sort_dir=asc",
                "sort=status:asc,name:desc&limit=5",
                "sort=status:desc,size:asc&limit=5",
                "sort=container_format:asc,status:desc,name:asc&limit=5",
                "sort=disk_format:desc,created_at:asc&limit=5",
                "visibility=all&member_status=all&limit=3",
                "sort_key=size&sort_dir=desc&limit=3",
                "os_hidden=true",
                "size_min=1000&size_max=3000&sort_key=size&sort_dir=desc&limit=4",
                "size_max=3000&sort=size:asc,name:desc&limit=4",
                "created_at=gte:2026-01-20T00:00:00Z&sort_key=created_at&sort_dir=asc&limit=4",
            ] {
                q.push(format!("marker={id}&{rest}"));
            }
            q.push(format!("id={id}"));
            q.push(format!("id=in:{id},{}", images[0].id));
        }
        q
    }

    type Answer = Result<(Vec<String>, String, Option<String>), Refusal>;

    fn answer(page: Result<Page<'_>, Refusal>) -> Answer {
        page.map(|p| (p.images.iter().map(|i| i.id.clone()).collect(), p.first, p.next))
    }

    #[test]
    fn the_indexed_list_answers_as_the_scan_and_sort_did() {
        let mut compared = 0;
        for config in configs() {
            let state = MockState::new(config.clone());
            let cat = state.catalogue();
            let images = cat.images();
            let queries = queries(images);
            for viewer in VIEWERS {
                for flavor in [Flavor::Glance, Flavor::Ims] {
                    let ask = |q: &str| {
                        let indexed = listing::list_as(flavor, viewer, &cat, q, &config.quirks, &config.variants);
                        let scanned = list_as(flavor, viewer, images, q, &config.quirks, &config.variants);
                        let (indexed, scanned) = (answer(indexed), answer(scanned));
                        assert_eq!(
                            indexed, scanned,
                            "{q} as {viewer:?} on {flavor:?} with {:?} {:?}",
                            config.quirks, config.variants
                        );
                        indexed
                    };
                    for q in &queries {
                        let _ = ask(q);
                        compared += 1;
                    }
                    // Walks: every page of a few lists, by their own next links.
                    for first in [
                        "limit=7",
                        "limit=9&sort=status:asc,size:desc",
                        "limit=11&sort_key=name&sort_dir=asc",
                        "limit=13&sort=container_format:asc,status:desc,name:asc",
                    ] {
                        let mut q = first.to_string();
                        for _ in 0..60 {
                            compared += 1;
                            match ask(&q) {
                                Ok((_, _, Some(next))) => q = next.trim_start_matches("/v2/images?").to_string(),
                                _ => break,
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 50_000, "{compared} answers compared");
    }

    #[test]
    fn the_indexed_compute_list_answers_as_the_scan_and_sort_did() {
        let times = ["2026-01-10T00:00:00Z", "2025-12-25T00:00:00Z", "2026-01-19T00:00:00Z"];
        for config in configs() {
            let state = MockState::new(config.clone());
            let cat = state.catalogue();
            let images = cat.images();
            let mut queries: Vec<String> = [
                "",
                "name=ubuntu-22.04",
                "status=ACTIVE",
                "status=SAVING",
                "status=UNKNOWN",
                "status=DELETED",
                "type=snapshot",
                "type=backup",
                "server=6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b",
                "server=http://x/servers/0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d",
                "marker=00000000-0000-4000-8000-000000000000",
                "marker=",
            ]
            .map(String::from)
            .to_vec();
            for img in images.iter().step_by(37) {
                queries.push(format!("marker={}", img.id));
                queries.push(format!("marker={}&name=ubuntu-22.04", img.id));
                queries.push(format!("marker={}&status=ACTIVE&type=backup", img.id));
            }
            for viewer in VIEWERS {
                for detail in [false, true] {
                    for q in &queries {
                        let pairs: Vec<(String, String)> =
                            url::form_urlencoded::parse(q.as_bytes()).into_owned().collect();
                        for limit in [None, Some(1), Some(5), Some(1000)] {
                            for since in [None].into_iter().chain(times.iter().map(|t| t.parse().ok())) {
                                let ids = |r: Result<(Vec<&Image>, bool), String>| {
                                    r.map(|(v, full)| (v.iter().map(|i| i.id.clone()).collect::<Vec<_>>(), full))
                                };
                                let indexed = ids(nova::page(&state, &cat, viewer, &pairs, limit, since, detail));
                                let scanned = ids(compute_page(&state, &cat, viewer, &pairs, limit, since, detail));
                                assert_eq!(
                                    indexed, scanned,
                                    "{q} limit {limit:?} since {since:?} detail {detail} as {viewer:?} with {:?} {:?}",
                                    config.quirks, config.variants
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
