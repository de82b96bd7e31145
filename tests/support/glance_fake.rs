//! A small stand-in for Keystone v3 and Glance's Image API v2 *write* side, for the
//! provisioning tests (tests/provision.rs): password tokens for two projects (`main`, `other`),
//! and the calls a fixture needs — create, upload, JSON patch, delete (403 when protected),
//! members and member status, deactivate/reactivate — with Glance's list semantics that the
//! fixtures exercise: the default list is the caller's own images, public ones and accepted
//! shares; hidden images only with `os_hidden=true`; other projects' community images only with
//! `visibility=community`; `member_status` picks the shares; equality filters on the rest.
//!
//! It follows Glance's documented status codes (glance/api/v2/images.py, image_members.py,
//! image_actions.py), keeps its state for the life of the test, and can slow every write down
//! (so that a signal lands while fixtures are being made). The list has one page: paging is
//! the read side's business, tested against the real mock.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

pub const MAIN_PROJECT: &str = "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0";
pub const OTHER_PROJECT: &str = "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1";
pub const THIRD_PROJECT: &str = "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2";
pub const PASSWORD: &str = "fake-password";

#[derive(Default)]
pub struct Inner {
    /// Images by id, in creation order.
    pub images: Vec<Value>,
    /// (image id, member project) → status.
    pub members: BTreeMap<(String, String), String>,
    pub next_id: u64,
    /// Write calls answered so far.
    pub writes: usize,
    /// Bugs to show, by name: `deleted-image-stays-listed`, `hidden-later-still-listed`,
    /// `pending-share-listed`, `upload-fails` (500); and `no-community`, an older server's
    /// legitimate refusal of the community visibility (400).
    pub quirks: Vec<&'static str>,
}

#[derive(Clone)]
pub struct Fake {
    pub inner: Arc<Mutex<Inner>>,
    /// How long every write waits before it is answered.
    pub write_delay: Arc<Mutex<Duration>>,
    /// How long every list waits before it is answered.
    pub list_delay: Arc<Mutex<Duration>>,
    base: Arc<Mutex<String>>,
}

pub struct Running {
    pub fake: Fake,
    pub base: String,
    _rt: tokio::runtime::Runtime,
}

impl Running {
    pub fn auth_url(&self) -> String {
        format!("{}/identity/v3", self.base)
    }
    pub fn image_url(&self) -> String {
        format!("{}/image", self.base)
    }
    /// A copy of every image.
    pub fn images(&self) -> Vec<Value> {
        self.fake.inner.lock().unwrap().images.clone()
    }
    /// Adds an image as it is (for look-alikes).
    pub fn seed(&self, image: Value) {
        self.fake.inner.lock().unwrap().images.push(image);
    }
    pub fn set_write_delay(&self, d: Duration) {
        *self.fake.write_delay.lock().unwrap() = d;
    }
    pub fn quirk(&self, name: &'static str) {
        self.fake.inner.lock().unwrap().quirks.push(name);
    }
    pub fn set_list_delay(&self, d: Duration) {
        *self.fake.list_delay.lock().unwrap() = d;
    }
    pub fn writes(&self) -> usize {
        self.fake.inner.lock().unwrap().writes
    }
}

pub fn start() -> Running {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = Fake {
        inner: Arc::default(),
        write_delay: Arc::new(Mutex::new(Duration::ZERO)),
        list_delay: Arc::new(Mutex::new(Duration::ZERO)),
        base: Arc::default(),
    };
    let base = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        *fake.base.lock().unwrap() = base.clone();
        let app = Router::new()
            .route("/identity/v3/auth/tokens", post(tokens))
            .route("/image/v2/images", get(list).post(create))
            .route("/image/v2/images/{id}", get(show).patch(patch).delete(delete))
            .route("/image/v2/images/{id}/file", put(upload))
            .route("/image/v2/images/{id}/members", post(add_member))
            .route(
                "/image/v2/images/{id}/members/{member}",
                put(member_status).delete(remove_member),
            )
            .route("/image/v2/images/{id}/actions/{action}", post(action))
            .with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        base
    });
    Running { fake, base, _rt: rt }
}

/// The project of the request's token.
fn caller(headers: &HeaderMap) -> Option<&'static str> {
    match headers.get("x-auth-token")?.to_str().ok()? {
        "tok-main" => Some(MAIN_PROJECT),
        "tok-other" => Some(OTHER_PROJECT),
        _ => None,
    }
}

fn status(code: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(code).unwrap();
    (
        code,
        axum::Json(json!({"code": code.as_u16(), "message": message, "title": code.canonical_reason()})),
    )
        .into_response()
}

async fn tokens(State(fake): State<Fake>, body: Bytes) -> Response {
    let doc: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let user = &doc["auth"]["identity"]["password"]["user"];
    if user["password"] != PASSWORD {
        return status(401, "The request you have made requires authentication.");
    }
    let (token, project, name) = match user["name"].as_str() {
        Some("main") => ("tok-main", MAIN_PROJECT, "main"),
        Some("other") => ("tok-other", OTHER_PROJECT, "other"),
        _ => return status(401, "unknown user"),
    };
    let base = fake.base.lock().unwrap().clone();
    let body = json!({"token": {
        "user": {"id": format!("u-{name}"), "name": name},
        "project": {"id": project, "name": name},
        "roles": [{"name": "member"}, {"name": "reader"}],
        "expires_at": "2999-01-01T00:00:00Z",
        "catalog": [{"type": "image", "endpoints": [
            {"interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": format!("{base}/image")}
        ]}],
    }});
    let mut r = (StatusCode::CREATED, axum::Json(body)).into_response();
    r.headers_mut().insert("x-subject-token", token.parse().unwrap());
    r
}

async fn slow(fake: &Fake) {
    let d = *fake.write_delay.lock().unwrap();
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
}

/// Whether `me` may see `image` at all (GET /v2/images/{id}).
fn visible(inner: &Inner, image: &Value, me: &str) -> bool {
    let id = image["id"].as_str().unwrap_or("");
    image["owner"] == me
        || matches!(image["visibility"].as_str(), Some("public" | "community"))
        || inner.members.contains_key(&(id.to_string(), me.to_string()))
}

const NOT_FILTERS: &[&str] = &[
    "limit",
    "marker",
    "member_status",
    "os_hidden",
    "sort_key",
    "sort_dir",
    "tag",
    "visibility",
];

async fn list(State(fake): State<Fake>, headers: HeaderMap, Query(q): Query<Vec<(String, String)>>) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    let d = *fake.list_delay.lock().unwrap();
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
    let inner = fake.inner.lock().unwrap();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let hidden = get("os_hidden") == Some("true");
    let member_status = get("member_status").unwrap_or("accepted");
    let visibility = get("visibility");
    let tags: Vec<&str> = q.iter().filter(|(k, _)| k == "tag").map(|(_, v)| v.as_str()).collect();
    let mut out = Vec::new();
    for image in &inner.images {
        let id = image["id"].as_str().unwrap_or("");
        let mine = image["owner"] == me;
        let vis = image["visibility"].as_str().unwrap_or("private");
        let quirk = |q: &str| inner.quirks.contains(&q);
        let listed = match vis {
            _ if mine => true,
            "public" => true,
            "community" => visibility == Some("community"),
            "shared" => inner.members.get(&(id.to_string(), me.to_string())).is_some_and(|s| {
                member_status == "all"
                    || s == member_status
                    || (quirk("pending-share-listed") && s == "pending" && get("member_status").is_none())
            }),
            _ => false,
        };
        let is_hidden = image["os_hidden"] == true && image["x_hidden_by_patch"] != true;
        if !listed || is_hidden != hidden {
            continue;
        }
        if visibility.is_some_and(|v| v != "all" && v != vis) {
            continue;
        }
        let image_tags: Vec<&str> = image["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !tags.iter().all(|t| image_tags.contains(t)) {
            continue;
        }
        let others_match = q
            .iter()
            .filter(|(k, _)| !NOT_FILTERS.contains(&k.as_str()))
            .all(|(k, v)| match &image[k.as_str()] {
                Value::String(s) => s == v,
                Value::Null => false,
                other => serde_json::from_str::<Value>(v).is_ok_and(|x| x == *other),
            });
        if others_match {
            out.push(image.clone());
        }
    }
    axum::Json(json!({"images": out, "first": "/v2/images", "schema": "/v2/schemas/images"})).into_response()
}

async fn show(State(fake): State<Fake>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    let inner = fake.inner.lock().unwrap();
    match inner.images.iter().find(|i| i["id"] == id.as_str()) {
        Some(i) if visible(&inner, i, me) => axum::Json(i.clone()).into_response(),
        _ => status(404, "not found"),
    }
}

async fn create(State(fake): State<Fake>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    slow(&fake).await;
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&body) else {
        return status(400, "the body is not a JSON object");
    };
    let community = fields.get("visibility").and_then(Value::as_str) == Some("community");
    if community && fake.inner.lock().unwrap().quirks.contains(&"no-community") {
        // Glance before Image API 2.5.
        return status(400, "Invalid visibility value: community");
    }
    if fields.get("visibility").and_then(Value::as_str) == Some("public") {
        // Glance's default policy: publicize_image is admin-only.
        return status(403, "You are not authorized to complete publicize_image action.");
    }
    let mut inner = fake.inner.lock().unwrap();
    inner.writes += 1;
    inner.next_id += 1;
    let id = format!("00000000-0000-4000-8000-{:012}", inner.next_id);
    let defaults = json!({
        "id": id, "owner": me, "status": "queued", "visibility": "shared", "protected": false,
        "os_hidden": false, "min_disk": 0, "min_ram": 0, "tags": [], "size": null, "checksum": null,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "self": format!("/v2/images/{id}"), "file": format!("/v2/images/{id}/file"), "schema": "/v2/schemas/image",
    });
    for (k, v) in defaults.as_object().unwrap() {
        if k == "id" || k == "owner" || k == "status" || !fields.contains_key(k) {
            fields.insert(k.clone(), v.clone());
        }
    }
    let image = Value::Object(fields);
    inner.images.push(image.clone());
    (StatusCode::CREATED, axum::Json(image)).into_response()
}

/// The image `id` if `me` owns it: Err is the answer to give.
#[allow(clippy::result_large_err)]
fn owned<'a>(inner: &'a mut Inner, id: &str, me: &str) -> Result<&'a mut Value, Response> {
    let i = inner
        .images
        .iter()
        .position(|i| i["id"] == id)
        .ok_or_else(|| status(404, "not found"))?;
    if inner.images[i]["owner"] != me {
        let seen = visible(inner, &inner.images[i].clone(), me);
        return Err(if seen {
            status(403, "not the owner")
        } else {
            status(404, "not found")
        });
    }
    Ok(&mut inner.images[i])
}

async fn upload(State(fake): State<Fake>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    slow(&fake).await;
    let mut inner = fake.inner.lock().unwrap();
    inner.writes += 1;
    if inner.quirks.contains(&"upload-fails") {
        return status(
            500,
            "The server has either erred or is incapable of performing the requested operation.",
        );
    }
    let image = match owned(&mut inner, &id, me) {
        Ok(i) => i,
        Err(r) => return r,
    };
    use md5::Digest;
    let sum: String = md5::Md5::digest(&body).iter().map(|b| format!("{b:02x}")).collect();
    image["size"] = json!(body.len());
    image["checksum"] = json!(sum);
    image["status"] = json!("active");
    StatusCode::NO_CONTENT.into_response()
}

async fn patch(State(fake): State<Fake>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/openstack-images-v2.1-json-patch")
    {
        return status(415, "Unsupported Content-Type");
    }
    slow(&fake).await;
    let mut inner = fake.inner.lock().unwrap();
    inner.writes += 1;
    let quirk = inner.quirks.contains(&"hidden-later-still-listed");
    let image = match owned(&mut inner, &id, me) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Ok(Value::Array(ops)) = serde_json::from_slice::<Value>(&body) else {
        return status(400, "a JSON patch is a list");
    };
    for op in ops {
        let path = op["path"].as_str().unwrap_or("").trim_start_matches('/').to_string();
        if quirk && path == "os_hidden" {
            image["x_hidden_by_patch"] = json!(true);
        }
        image[path.as_str()] = op["value"].clone();
    }
    axum::Json(image.clone()).into_response()
}

async fn delete(State(fake): State<Fake>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    slow(&fake).await;
    let mut inner = fake.inner.lock().unwrap();
    inner.writes += 1;
    let image = match owned(&mut inner, &id, me) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if image["protected"] == true {
        return status(403, "Image is protected");
    }
    if inner.quirks.contains(&"deleted-image-stays-listed") {
        inner
            .images
            .iter_mut()
            .filter(|i| i["id"] == id.as_str())
            .for_each(|i| i["status"] = json!("deleted"));
        return StatusCode::NO_CONTENT.into_response();
    }
    inner.images.retain(|i| i["id"] != id.as_str());
    inner.members.retain(|(i, _), _| *i != id);
    StatusCode::NO_CONTENT.into_response()
}

async fn add_member(State(fake): State<Fake>, headers: HeaderMap, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    slow(&fake).await;
    let mut inner = fake.inner.lock().unwrap();
    inner.writes += 1;
    let image = match owned(&mut inner, &id, me) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if image["visibility"] != "shared" {
        return status(403, "Only shared images have members.");
    }
    let doc: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(member) = doc["member"].as_str() else {
        return status(400, "no member");
    };
    inner.members.insert((id.clone(), member.to_string()), "pending".into());
    axum::Json(json!({"image_id": id, "member_id": member, "status": "pending"})).into_response()
}

async fn member_status(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((id, member)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    slow(&fake).await;
    let mut inner = fake.inner.lock().unwrap();
    inner.writes += 1;
    if member != me {
        return status(403, "only the member sets its status");
    }
    let doc: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(s @ ("pending" | "accepted" | "rejected")) = doc["status"].as_str() else {
        return status(400, "bad status");
    };
    match inner.members.get_mut(&(id.clone(), member.clone())) {
        Some(v) => *v = s.to_string(),
        None => return status(404, "no such member"),
    }
    axum::Json(json!({"image_id": id, "member_id": member, "status": s})).into_response()
}

async fn remove_member(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((id, member)): Path<(String, String)>,
) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    slow(&fake).await;
    let mut inner = fake.inner.lock().unwrap();
    inner.writes += 1;
    if let Err(r) = owned(&mut inner, &id, me) {
        return r;
    }
    match inner.members.remove(&(id, member)) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => status(404, "no such member"),
    }
}

async fn action(State(fake): State<Fake>, headers: HeaderMap, Path((id, action)): Path<(String, String)>) -> Response {
    let Some(me) = caller(&headers) else {
        return status(401, "no token");
    };
    slow(&fake).await;
    let mut inner = fake.inner.lock().unwrap();
    inner.writes += 1;
    let image = match owned(&mut inner, &id, me) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let (from, to) = match action.as_str() {
        "deactivate" => ("active", "deactivated"),
        "reactivate" => ("deactivated", "active"),
        _ => return status(404, "no such action"),
    };
    if image["status"] != from && image["status"] != to {
        return status(403, "not in a state for that action");
    }
    image["status"] = json!(to);
    StatusCode::NO_CONTENT.into_response()
}
