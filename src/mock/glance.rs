//! The HTTP face of the Image API v2 mock, mounted under `/image`: authentication, the list and
//! single-image routes, the schema documents, 405s, and Glance-style error bodies (JSON only
//! when the client accepts it, as WebOb negotiates).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::MockConfig;
use super::images::{Image, OTHER_PROJECT_ID, PROJECT_ID};
use super::listing;
use super::quirk::Quirk;

pub struct MockState {
    pub config: MockConfig,
    pub images: Vec<Image>,
    pub requests: AtomicU64,
    /// The second project's token (the valid token with a suffix).
    pub alt_token: String,
}

impl MockState {
    pub fn new(config: MockConfig) -> Self {
        let images = super::images::catalogue(config.images);
        let alt_token = format!("{}{}", config.token, super::nova::ALT_TOKEN_SUFFIX);
        MockState {
            config,
            images,
            requests: AtomicU64::new(0),
            alt_token,
        }
    }
    fn quirk(&self, q: Quirk) -> bool {
        self.config.quirks.contains(&q)
    }
}

/// `x-openstack-request-id`, counted so two runs of the mock answer alike.
pub fn request_id(state: &MockState) -> HeaderValue {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("req-00000000-0000-4000-8000-{n:012x}")).expect("ascii")
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// A Glance (WebOb) error: JSON with a string `code` when the client accepts JSON, HTML otherwise.
pub fn error(status: StatusCode, message: &str, headers: &HeaderMap) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = format!("{} {reason}", status.as_u16());
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if wants_json {
        let body = json!({"message": format!("{message}<br /><br />\n\n\n"), "code": code, "title": reason});
        return json_response(status, &body);
    }
    let html = format!(
        "<html>\n <head>\n  <title>{code}</title>\n </head>\n <body>\n  <h1>{code}</h1>\n  {message}<br /><br />\n\n\n\n </body>\n</html>"
    );
    let mut r = (status, html).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    r
}

/// `None` when the request may proceed; a 401 otherwise.
fn authenticate(state: &MockState, headers: &HeaderMap) -> Option<Response> {
    if state.quirk(Quirk::NoAuth) {
        return None;
    }
    let token = headers.get("x-auth-token").and_then(|v| v.to_str().ok());
    if token == Some(state.config.token.as_str()) || token == Some(state.alt_token.as_str()) {
        return None;
    }
    if token.is_some() && state.quirk(Quirk::InvalidToken403) {
        return Some(error(
            StatusCode::FORBIDDEN,
            "You are not authorized to complete get_images action.",
            headers,
        ));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut r = error(
        StatusCode::UNAUTHORIZED,
        "This server could not verify that you are authorized to access the document you requested.",
        headers,
    );
    if let Ok(v) = HeaderValue::from_str(&format!("Keystone uri=\"http://{host}/identity\"")) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    Some(r)
}

fn not_allowed(method: &Method, headers: &HeaderMap) -> Response {
    let mut r = error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("The method {method} is not allowed for this resource."),
        headers,
    );
    r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET"));
    if method == Method::HEAD {
        *r.body_mut() = Body::empty();
    }
    r
}

/// The project whose token the request carries: the second project's, or the first.
pub fn viewer(state: &MockState, headers: &HeaderMap) -> &'static str {
    let token = headers.get("x-auth-token").and_then(|v| v.to_str().ok());
    if token == Some(state.alt_token.as_str()) {
        OTHER_PROJECT_ID
    } else {
        PROJECT_ID
    }
}

/// Glance's visibility rule as far as the mock needs it: private images only for their owner.
pub fn visible(img: &Image, viewer: &str) -> bool {
    img.visibility != "private" || img.owner == viewer
}

fn list_response(state: &MockState, flavor: listing::Flavor, headers: &HeaderMap, query: Option<&str>) -> Response {
    let who = viewer(state, headers);
    let seen: Vec<Image>;
    let catalogue: &[Image] = if who == PROJECT_ID {
        &state.images
    } else {
        seen = state.images.iter().filter(|i| visible(i, who)).cloned().collect();
        &seen
    };
    match listing::list_as(flavor, catalogue, query.unwrap_or(""), &state.config.quirks) {
        Err(listing::BadRequest(msg)) => error(StatusCode::BAD_REQUEST, &msg, headers),
        Ok(page) => {
            let mut body = serde_json::Map::new();
            let items = page
                .images
                .iter()
                .map(|i| quirked(state, i, image_json(i, flavor)))
                .collect();
            body.insert("images".into(), Value::Array(items));
            body.insert("first".into(), json!(page.first));
            body.insert("schema".into(), json!("/v2/schemas/images"));
            if let Some(next) = page.next {
                body.insert("next".into(), json!(next));
            }
            json_response(StatusCode::OK, &Value::Object(body))
        }
    }
}

/// The per-image bugs of the quirks that change how an image is written.
fn quirked(state: &MockState, img: &Image, mut v: Value) -> Value {
    let Value::Object(m) = &mut v else { return v };
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
        let at = state.images.iter().position(|i| i.id == img.id).unwrap_or(0);
        let other = &state.images[(at + 1) % state.images.len()];
        m.insert("self".into(), json!(format!("/v2/images/{}", other.id)));
    }
    v
}

/// An image as the flavor shows it: IMS adds its `__` fields and `virtual_env_type`.
fn image_json(img: &Image, flavor: listing::Flavor) -> Value {
    let mut v = img.to_json();
    if flavor == listing::Flavor::Ims
        && let Value::Object(m) = &mut v
    {
        for (k, val) in &img.ims {
            m.insert(k.clone(), json!(val));
        }
        m.insert("virtual_env_type".into(), json!("FusionCompute"));
    }
    v
}

/// Authentication first (as Glance's middleware does), then the only allowed method.
fn gate(state: &MockState, method: &Method, headers: &HeaderMap) -> Option<Response> {
    if let Some(denied) = authenticate(state, headers) {
        return Some(denied);
    }
    (method != Method::GET).then(|| not_allowed(method, headers))
}

fn image_response(state: &MockState, flavor: listing::Flavor, headers: &HeaderMap, id: &str) -> Response {
    let who = viewer(state, headers);
    match state.images.iter().find(|i| i.id == id && visible(i, who)) {
        Some(img) => json_response(StatusCode::OK, &quirked(state, img, image_json(img, flavor))),
        None => error(StatusCode::NOT_FOUND, &format!("No image found with ID {id}"), headers),
    }
}

pub async fn list_images(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    gate(&state, &method, &headers)
        .unwrap_or_else(|| list_response(&state, listing::Flavor::Glance, &headers, query.as_deref()))
}

/// The IMS list: Image API v2 plus the provider's extensions, on the same path shape.
pub async fn ims_list_images(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    gate(&state, &method, &headers)
        .unwrap_or_else(|| list_response(&state, listing::Flavor::Ims, &headers, query.as_deref()))
}

pub async fn get_image(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    gate(&state, &method, &headers).unwrap_or_else(|| image_response(&state, listing::Flavor::Glance, &headers, &id))
}

pub async fn ims_get_image(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    gate(&state, &method, &headers).unwrap_or_else(|| image_response(&state, listing::Flavor::Ims, &headers, &id))
}

pub async fn schema(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if let Some(refused) = gate(&state, &method, &headers) {
        return refused;
    }
    let image = json!({
        "name": "image",
        "additionalProperties": {"type": "string"},
        "properties": {
            "id": {"type": "string", "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
            "name": {"type": ["null", "string"], "maxLength": 255},
            "status": {"type": "string", "readOnly": true, "enum": ["queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete", "deactivated"]},
            "visibility": {"type": "string", "enum": ["community", "public", "private", "shared"]},
            "size": {"type": ["null", "integer"], "readOnly": true},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 255}},
            "created_at": {"type": "string", "readOnly": true},
            "updated_at": {"type": "string", "readOnly": true},
            "self": {"type": "string", "readOnly": true},
            "file": {"type": "string", "readOnly": true},
            "schema": {"type": "string", "readOnly": true}
        },
        "links": [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"}, {"rel": "describedby", "href": "{schema}"}]
    });
    match name.as_str() {
        "image" => json_response(StatusCode::OK, &image),
        "images" => json_response(
            StatusCode::OK,
            &json!({
                "name": "images",
                "properties": {"images": {"type": "array", "items": image}, "schema": {"type": "string"}, "first": {"type": "string"}, "next": {"type": "string"}},
                "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"}, {"rel": "describedby", "href": "{schema}"}]
            }),
        ),
        _ => error(StatusCode::NOT_FOUND, "The resource could not be found.", &headers),
    }
}

pub async fn not_found(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    if let Some(denied) = authenticate(&state, &headers) {
        return denied;
    }
    error(StatusCode::NOT_FOUND, "The resource could not be found.", &headers)
}
