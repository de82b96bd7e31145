//! The compute-v2 face (Nova's image proxy, `/v2/{tenant_id}/images[/detail]`), mounted under
//! `/compute`. It shows the same catalogue as Glance, the way Nova does: statuses upper-cased
//! (queued → SAVING, …), `size` as `OS-EXT-IMG-SIZE:size` (0 when unknown), properties as
//! `metadata`, absolute links, `images_links` only when a page is full, everything when no
//! limit is given, and a tenant in the path that must match the token's.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::access::{self, Shares, Viewer};
use super::catalogue::{Catalogue, Post};
use super::errors::{Refused, base_url, json_response, nova as fault};
use super::model::{Image, MemberStatus, timestamp};
use super::order::{Dir, Order, SortKey};
use super::quirk::Quirk;
use super::select::{After, Hint, Source, select};
use super::state::MockState;
use super::variant::Variant;

/// The extension field every item gets with the `extension-fields` variant (Nova's
/// `OS-EXT-…` style), and the extra top-level key of a list body.
pub const EXTENSION_FIELD: (&str, &str) = ("OS-EXT-PROVIDER:zone", "zone-a");
pub const EXTENSION_LIST_KEY: (&str, &str) = ("OS-EXT-PROVIDER:generated_at", "2026-01-20T00:00:00Z");

/// How far back `changes-since` also shows deleted images (`deleted-in-changes-since`).
const DELETED_WINDOW_DAYS: i64 = 30;

/// Whether a deleted image is shown to the viewer for this `changes-since` (the
/// `deleted-in-changes-since` variant): the viewer's own (or any, for an admin), deleted (its
/// `updated_at`) at or after the time, and the time within the 30 days before the mock's
/// clock.
pub(super) fn deleted_shown(img: &Image, viewer: Viewer, since: DateTime<Utc>) -> bool {
    let window = super::images::mock_clock() - chrono::Duration::days(DELETED_WINDOW_DAYS);
    img.status == "deleted"
        && (viewer.admin || img.owner == viewer.project)
        && since >= window
        && img.updated_at >= since
}

const MAX_LIMIT: usize = 1000;

/// The viewer the request's token acts for; `None` means 401.
fn viewer_of(state: &MockState, headers: &HeaderMap) -> Option<Viewer> {
    match state.identity(headers) {
        Some(identity) => Some(MockState::viewer(identity)),
        None if state.quirk(Quirk::NoAuth) => Some(state.default_viewer()),
        None => None,
    }
}

/// Nova's 401: always JSON, with where Keystone is.
fn unauthorized(headers: &HeaderMap) -> Response {
    let mut r = json_response(
        StatusCode::UNAUTHORIZED,
        &json!({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}),
    );
    let (name, value) = super::errors::www_authenticate(headers, "/identity");
    r.headers_mut().insert(name, value);
    r
}

/// Checks auth, the method, and that the path's tenant is the token's; the viewer if admitted.
fn admit(state: &MockState, headers: &HeaderMap, method: &Method, tenant: &str) -> Result<Viewer, Refused> {
    let Some(viewer) = viewer_of(state, headers) else {
        return Err(Box::new(unauthorized(headers)));
    };
    let own = viewer.project;
    if method != Method::GET {
        let mut r = fault(
            StatusCode::METHOD_NOT_ALLOWED,
            "badMethod",
            &format!("The method {method} is not allowed for this resource."),
        );
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET"));
        return Err(Box::new(r));
    }
    let well_formed = tenant.len() == 32 && tenant.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(Box::new(fault(
            StatusCode::NOT_FOUND,
            "itemNotFound",
            "The resource could not be found.",
        )));
    }
    if tenant != own && !state.config.quirks.contains(&Quirk::ComputeWrongTenant200) {
        return Err(Box::new(fault(
            StatusCode::BAD_REQUEST,
            "badRequest",
            &format!("Malformed request URL: URL's project_id '{tenant}' doesn't match Context's project_id '{own}'"),
        )));
    }
    Ok(viewer)
}

pub fn compute_status(glance: &str) -> &'static str {
    match glance {
        "active" => "ACTIVE",
        "queued" | "saving" => "SAVING",
        "killed" => "ERROR",
        "deleted" | "pending_delete" => "DELETED",
        _ => "UNKNOWN",
    }
}

/// An item with the provider field of the `extension-fields` variant.
fn with_extension(mut item: Value, on: bool) -> Value {
    if on && let Value::Object(m) = &mut item {
        m.insert(EXTENSION_FIELD.0.into(), json!(EXTENSION_FIELD.1));
    }
    item
}

fn item(img: &Image, base: &str, tenant: &str, detail: bool, quirks: &std::collections::BTreeSet<Quirk>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(img.id));
    m.insert("name".into(), json!(img.name));
    m.insert(
        "links".into(),
        json!([
            {"rel": "self", "href": format!("{base}/compute/v2/{tenant}/images/{}", img.id)},
            {"rel": "bookmark", "href": format!("{base}/compute/{tenant}/images/{}", img.id)},
            {"rel": "alternate", "type": "application/vnd.openstack.image", "href": format!("{base}/image/images/{}", img.id)}
        ]),
    );
    if detail {
        let status = if quirks.contains(&Quirk::ComputeStatusLowercase) {
            img.status.to_string()
        } else {
            compute_status(img.status).to_string()
        };
        let progress = match compute_status(img.status) {
            "ACTIVE" => 100,
            "SAVING" => 25,
            _ => 0,
        };
        m.insert("OS-EXT-IMG-SIZE:size".into(), json!(img.size.unwrap_or(0)));
        m.insert("created".into(), json!(timestamp(&img.created_at)));
        m.insert("updated".into(), json!(timestamp(&img.updated_at)));
        m.insert("metadata".into(), img.properties.to_json());
        m.insert("minDisk".into(), json!(img.min_disk));
        m.insert("minRam".into(), json!(img.min_ram));
        m.insert("progress".into(), json!(progress));
        m.insert("status".into(), json!(status));
        if let Some(server) = img.properties.get("instance_uuid") {
            m.insert(
                "server".into(),
                json!({"id": server, "links": [
                    {"rel": "self", "href": format!("{base}/compute/v2/{tenant}/servers/{server}")},
                    {"rel": "bookmark", "href": format!("{base}/compute/{tenant}/servers/{server}")}
                ]}),
            );
        }
    }
    Value::Object(m)
}

/// changes-since: ISO 8601 with an optional offset; without one, UTC.
fn parse_since(s: &str, ignore_offset: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(if ignore_offset {
            t.naive_local().and_utc()
        } else {
            t.with_timezone(&Utc)
        });
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

/// One page of the compute list and whether it is full (then `images_links` has a next link),
/// or the marker that is not in the list (Nova's 400).
pub(super) fn page<'c>(
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
    // What Glance's default list holds for the token, in Glance's default order: created_at
    // desc, id desc.
    let with_deleted = since.filter(|_| state.variant(Variant::DeletedInChangesSince));
    let in_scope = |i: &Image| {
        (!i.os_hidden && access::listed(i, viewer, None, Shares::Only(MemberStatus::Accepted)))
            || with_deleted.is_some_and(|t| deleted_shown(i, viewer, t))
    };
    // The `compute-detail-missing-one` quirk drops the last (oldest) image of that list.
    let dropped = (detail && quirks.contains(&Quirk::ComputeDetailMissingOne))
        .then(|| {
            cat.sorted(SortKey::CreatedAt, false)
                .iter()
                .map(|&p| cat.image(p))
                .find(|i| in_scope(i))
        })
        .flatten();
    let name = last("name");
    let status = last("status");
    let kind = last("type");
    let server = last("server").map(|s| s.rsplit('/').next().unwrap_or(s));
    let listed = |img: &Image| {
        in_scope(img)
            && !dropped.is_some_and(|d| std::ptr::eq(d, img))
            && name.is_none_or(|n| img.name.as_deref() == Some(n))
            && status.is_none_or(|s| compute_status(img.status) == s)
            && kind.is_none_or(|t| img.properties.get("image_type") == Some(t))
            && server.is_none_or(|s| img.properties.get("instance_uuid") == Some(s))
            && since.is_none_or(|t| img.updated_at >= t)
    };
    let mut hints: Vec<Hint<'_>> = Vec::new();
    if let Some(n) = name {
        hints.push(vec![Source::Equal(SortKey::Name, n)]);
    }
    if let Some(t) = kind {
        hints.push(vec![Source::Posting(Post::Property("image_type", t))]);
    }
    if let Some(s) = server {
        hints.push(vec![Source::Posting(Post::Property("instance_uuid", s))]);
    }
    let mut after = None;
    if let Some(marker) = last("marker").filter(|m| !m.is_empty()) {
        match cat.position(marker).filter(|&p| listed(cat.image(p))) {
            Some(pos) => after = Some(After { pos, inclusive: false }),
            None => {
                return Err(marker.to_string());
            }
        }
    }
    let order = Order {
        keys: vec![(SortKey::CreatedAt, Dir::Desc)],
        nulls_last: false,
    };
    // One more than the page tells whether the page is followed by more.
    let need = limit.map_or(usize::MAX, |l| l + 1);
    let found = select(cat, &order, &hints, listed, after, need);
    let mut images: Vec<&Image> = found.iter().map(|&p| cat.image(p)).collect();
    // Nova links a full page (even the last); `no-next-on-full-last-page` only while more follow.
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

fn list(state: &MockState, headers: &HeaderMap, viewer: Viewer, tenant: &str, query: &str, detail: bool) -> Response {
    let quirks = &state.config.quirks;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let last = |k: &str| pairs.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let limit = match last("limit") {
        None => None,
        Some(raw) => match raw.parse::<u64>() {
            Ok(0) => {
                return fault(
                    StatusCode::BAD_REQUEST,
                    "badRequest",
                    "Invalid input for query parameters limit. Value: 0. 0 is less than the minimum of 1",
                );
            }
            Ok(n) => Some((n as usize).min(MAX_LIMIT)),
            Err(_) => {
                return fault(
                    StatusCode::BAD_REQUEST,
                    "badRequest",
                    &format!(
                        "Invalid input for query parameters limit. Value: {raw}. '{raw}' does not match '^[0-9]*$'"
                    ),
                );
            }
        },
    };
    let since = match last("changes-since") {
        None => None,
        Some(raw) => match parse_since(raw, quirks.contains(&Quirk::ComputeChangesSinceIgnoresOffset)) {
            Some(t) => Some(t),
            None => {
                return fault(
                    StatusCode::BAD_REQUEST,
                    "badRequest",
                    "Bad \"updated_at\" query filter format. Use ISO 8601 DateTime notation.",
                );
            }
        },
    };
    let cat = state.catalogue();
    let (images, full) = match page(state, &cat, viewer, &pairs, limit, since, detail) {
        Ok(p) => p,
        Err(marker) => {
            return fault(
                StatusCode::BAD_REQUEST,
                "badRequest",
                &format!("HTTP 400 Bad Request: No image found with ID {marker}"),
            );
        }
    };
    let base = base_url(headers);
    let extension = state.variant(Variant::ExtensionFields);
    let items: Vec<Value> = images
        .iter()
        .map(|i| with_extension(item(i, &base, tenant, detail, quirks), extension))
        .collect();
    let mut body = serde_json::Map::new();
    body.insert("images".into(), Value::Array(items));
    if extension {
        body.insert(EXTENSION_LIST_KEY.0.into(), json!(EXTENSION_LIST_KEY.1));
    }
    let path = format!(
        "{base}/compute/v2/{tenant}/images{}",
        if detail { "/detail" } else { "" }
    );
    // Sort parameters are dropped from links, as Nova does; the rest is kept.
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "marker" | "sort_key" | "sort_dir"))
        .cloned()
        .collect();
    let encode = |p: &[(String, String)]| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(p)
            .finish()
    };
    if full && let Some(last_img) = images.last() {
        let mut next = kept.clone();
        next.push(("marker".into(), last_img.id.clone()));
        body.insert(
            "images_links".into(),
            json!([{"rel": "next", "href": format!("{path}?{}", encode(&next))}]),
        );
    } else if quirks.contains(&Quirk::ComputeNextOnLastPage) && limit.is_some() {
        let href = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{query}")
        };
        body.insert("images_links".into(), json!([{"rel": "next", "href": href}]));
    }
    json_response(StatusCode::OK, &Value::Object(body))
}

pub async fn list_images(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    match admit(&state, &headers, &method, &tenant) {
        Err(r) => *r,
        Ok(viewer) => list(&state, &headers, viewer, &tenant, query.as_deref().unwrap_or(""), false),
    }
}

pub async fn list_detail(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    match admit(&state, &headers, &method, &tenant) {
        Err(r) => *r,
        Ok(viewer) => list(&state, &headers, viewer, &tenant, query.as_deref().unwrap_or(""), true),
    }
}

pub async fn get_image(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path((tenant, id)): Path<(String, String)>,
) -> Response {
    let viewer = match admit(&state, &headers, &method, &tenant) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match state.image(&id).filter(|i| access::can_see(i, viewer)) {
        Some(img) => json_response(
            StatusCode::OK,
            &json!({"image": with_extension(
                item(&img, &base_url(&headers), &tenant, true, &state.config.quirks),
                state.variant(Variant::ExtensionFields)
            )}),
        ),
        None => fault(StatusCode::NOT_FOUND, "itemNotFound", "Image not found."),
    }
}
