//! The HTTP face of the Image API v2 mock, mounted under `/image` (and, with the provider's
//! extensions, under `/ims`): authentication, the list and single-image routes, the schema
//! documents and 405s. Errors are Glance's (see `errors`).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::access::{self, Viewer};
use super::catalogue::Catalogue;
use super::errors::{self, Refused, json_response};
use super::listing;
use super::model::Image;
use super::quirk::Quirk;
use super::state::MockState;
use super::variant::Variant;
use super::writes;

/// The provider field every image gets with the `extension-fields` variant (a custom
/// property: a top-level string, as Glance's permissive schema allows).
pub const EXTENSION_FIELD: (&str, &str) = ("provider_zone", "zone-a");
/// The extra top-level key of a list body with the `extension-fields` variant.
pub const EXTENSION_LIST_KEY: (&str, &str) = ("provider_generated_at", "2026-01-20T00:00:00Z");

/// The viewer of a request, or Glance's 401 (or the 403 of the `invalid-token-403` quirk).
pub fn authenticate(state: &MockState, headers: &HeaderMap) -> Result<Viewer, Refused> {
    if let Some(identity) = state.identity(headers) {
        return Ok(MockState::viewer(identity));
    }
    if state.quirk(Quirk::NoAuth) {
        return Ok(state.default_viewer());
    }
    if headers.contains_key("x-auth-token") && state.quirk(Quirk::InvalidToken403) {
        return Err(Box::new(errors::glance(
            StatusCode::FORBIDDEN,
            "You are not authorized to complete get_images action.",
            headers,
        )));
    }
    let mut r = errors::glance(
        StatusCode::UNAUTHORIZED,
        "This server could not verify that you are authorized to access the document you requested.",
        headers,
    );
    let (name, value) = errors::www_authenticate(headers, "/identity");
    r.headers_mut().insert(name, value);
    Err(Box::new(r))
}

fn not_allowed(method: &Method, headers: &HeaderMap, allow: &'static str) -> Response {
    let mut r = errors::glance(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("The method {method} is not allowed for this resource."),
        headers,
    );
    r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    if method == Method::HEAD {
        *r.body_mut() = Body::empty();
    }
    r
}

/// Authentication first (as Glance's middleware does), then the only allowed method.
pub fn gate(state: &MockState, method: &Method, headers: &HeaderMap) -> Result<Viewer, Refused> {
    gate_allowing(state, method, headers, "GET")
}

/// As [`gate`] for a resource that also takes writes: the handler has served those, so any
/// method but GET left is a 405 that lists `allow`.
pub fn gate_allowing(
    state: &MockState,
    method: &Method,
    headers: &HeaderMap,
    allow: &'static str,
) -> Result<Viewer, Refused> {
    let viewer = authenticate(state, headers)?;
    if method != Method::GET {
        return Err(Box::new(not_allowed(method, headers, allow)));
    }
    Ok(viewer)
}

fn list_response(
    state: &MockState,
    flavor: listing::Flavor,
    viewer: Viewer,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Response {
    let config = &state.config;
    let cat = state.catalogue();
    match listing::list_as(
        flavor,
        viewer,
        &cat,
        query.unwrap_or(""),
        &config.quirks,
        &config.variants,
    ) {
        Err(listing::Refusal::BadRequest(msg)) => errors::glance(StatusCode::BAD_REQUEST, &msg, headers),
        Err(listing::Refusal::Forbidden(msg)) => errors::glance(StatusCode::FORBIDDEN, &msg, headers),
        Ok(page) => {
            let mut body = serde_json::Map::new();
            let items = page
                .images
                .iter()
                .map(|i| quirked(state, &cat, i, image_json(i, flavor)))
                .collect();
            body.insert("images".into(), Value::Array(items));
            body.insert("first".into(), json!(page.first));
            body.insert("schema".into(), json!("/v2/schemas/images"));
            if let Some(next) = page.next {
                body.insert("next".into(), json!(next));
            }
            if state.variant(Variant::ExtensionFields) {
                body.insert(EXTENSION_LIST_KEY.0.into(), json!(EXTENSION_LIST_KEY.1));
            }
            json_response(StatusCode::OK, &Value::Object(body))
        }
    }
}

/// The per-image bugs of the quirks that change how an image is written (and the provider
/// field of the `extension-fields` variant).
pub fn quirked(state: &MockState, cat: &Catalogue, img: &Image, mut v: Value) -> Value {
    let Value::Object(m) = &mut v else { return v };
    if state.variant(Variant::ExtensionFields) {
        m.insert(EXTENSION_FIELD.0.into(), json!(EXTENSION_FIELD.1));
    }
    if state.quirk(Quirk::SizeAsString)
        && let Some(size) = img.size
    {
        m.insert("size".into(), json!(size.to_string()));
    }
    if state.quirk(Quirk::DatetimeWithoutZone) {
        for key in ["created_at", "updated_at"] {
            if let Some(Value::String(t)) = m.get_mut(key) {
                t.truncate(t.trim_end_matches('Z').len());
            }
        }
    }
    if state.quirk(Quirk::MissingVisibility) && img.id.starts_with(['0', '1', '2', '3', '4', '5', '6', '7']) {
        m.remove("visibility");
    }
    if state.quirk(Quirk::SelfLinkOtherImage) {
        let at = cat.position(&img.id).unwrap_or(0) as usize;
        let other = &cat.images()[(at + 1) % cat.len()];
        m.insert("self".into(), json!(format!("/v2/images/{}", other.id)));
    }
    v
}

/// An image as a GET (or a write's answer) shows it, quirks included.
pub fn shown(state: &MockState, img: &Image, flavor: listing::Flavor) -> Value {
    quirked(state, &state.catalogue(), img, image_json(img, flavor))
}

/// An image as the flavor shows it: IMS adds its `__` fields and `virtual_env_type`.
pub fn image_json(img: &Image, flavor: listing::Flavor) -> Value {
    let mut v = img.to_json();
    if flavor == listing::Flavor::Ims
        && let Value::Object(m) = &mut v
    {
        for (k, val) in img.ims.iter() {
            m.insert(k.to_string(), json!(val));
        }
        m.insert("virtual_env_type".into(), json!("FusionCompute"));
    }
    v
}

/// An image the viewer may see, or Glance's 404 (the same for an unknown and an invisible id).
pub fn visible_image(state: &MockState, viewer: Viewer, id: &str, headers: &HeaderMap) -> Result<Image, Refused> {
    state
        .image(id)
        .filter(|img| access::can_see(img, viewer))
        .ok_or_else(|| {
            Box::new(errors::glance(
                StatusCode::NOT_FOUND,
                &format!("No image found with ID {id}"),
                headers,
            ))
        })
}

fn image_response(
    state: &MockState,
    flavor: listing::Flavor,
    method: &Method,
    headers: &HeaderMap,
    id: &str,
) -> Response {
    let viewer = match gate_allowing(state, method, headers, "GET, PATCH, DELETE") {
        Ok(v) => v,
        Err(r) => return *r,
    };
    match visible_image(state, viewer, id, headers) {
        Ok(img) => json_response(StatusCode::OK, &shown(state, &img, flavor)),
        Err(r) => *r,
    }
}

/// `/v2/images`: GET lists, POST creates (`writes`).
fn collection(
    state: &MockState,
    flavor: listing::Flavor,
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Response {
    if method == Method::POST {
        return match authenticate(state, headers) {
            Ok(viewer) => writes::create(state, flavor, viewer, headers, body),
            Err(r) => *r,
        };
    }
    match gate_allowing(state, method, headers, "GET, POST") {
        Err(r) => *r,
        Ok(viewer) => list_response(state, flavor, viewer, headers, query),
    }
}

/// `/v2/images/{id}`: GET shows, PATCH updates, DELETE deletes.
fn single(
    state: &MockState,
    flavor: listing::Flavor,
    method: &Method,
    headers: &HeaderMap,
    id: &str,
    body: &[u8],
) -> Response {
    if *method == Method::PATCH || *method == Method::DELETE {
        let viewer = match authenticate(state, headers) {
            Ok(v) => v,
            Err(r) => return *r,
        };
        return if *method == Method::PATCH {
            writes::patch(state, flavor, viewer, headers, id, body)
        } else {
            writes::delete(state, viewer, headers, id)
        };
    }
    image_response(state, flavor, method, headers, id)
}

pub async fn list_images(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    collection(
        &state,
        listing::Flavor::Glance,
        &method,
        &headers,
        query.as_deref(),
        &body,
    )
}

/// The IMS list: Image API v2 plus the provider's extensions, on the same path shape.
pub async fn ims_list_images(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    collection(&state, listing::Flavor::Ims, &method, &headers, query.as_deref(), &body)
}

pub async fn get_image(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    single(&state, listing::Flavor::Glance, &method, &headers, &id, &body)
}

pub async fn ims_get_image(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    single(&state, listing::Flavor::Ims, &method, &headers, &id, &body)
}

/// `POST /v2/images/{id}/actions/{deactivate|reactivate}` (the only method there).
pub async fn image_action(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let viewer = match authenticate(&state, &headers) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if method != Method::POST {
        return not_allowed(&method, &headers, "POST");
    }
    writes::action(&state, viewer, &headers, &id, &action)
}

pub async fn schema(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if let Err(refused) = gate(&state, &method, &headers) {
        return *refused;
    }
    match super::schemas::document(&name) {
        Some(doc) => json_response(StatusCode::OK, &doc),
        None => errors::glance(StatusCode::NOT_FOUND, "The resource could not be found.", &headers),
    }
}

/// `GET /v2` (Glance redirects to `/v2/` for a token, 401 otherwise; `/v2/` itself is 404).
pub async fn version_root(State(state): State<Arc<MockState>>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    if let Err(denied) = authenticate(&state, &headers) {
        return *denied;
    }
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::FOUND;
    let location = format!("{}{}/", errors::base_url(&headers), uri.path());
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf8"),
    );
    r
}

pub async fn not_found(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    if let Err(denied) = authenticate(&state, &headers) {
        return *denied;
    }
    errors::glance(StatusCode::NOT_FOUND, "The resource could not be found.", &headers)
}
