//! `GET /v2/images/{id}/members[/{member}]`: who a shared image is shared with, as Glance's
//! members API answers under its default policy: the owner (or an admin) sees every member, a
//! member sees its own membership only, and an image that is not shared has no members (403
//! for the list, 404 for one member).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::access::Viewer;
use super::errors::{self, Refused, json_response};
use super::glance::{authenticate, gate_allowing};
use super::model::{Image, Member, timestamp};
use super::state::MockState;
use super::writes;

/// A membership as Glance's members API shows it (also the answer of the member writes).
pub fn member_json(img: &Image, m: &Member) -> Value {
    json!({
        "member_id": &*m.project,
        "image_id": img.id,
        "status": m.status.as_str(),
        "created_at": timestamp(&m.created_at),
        "updated_at": timestamp(&m.updated_at),
        "schema": "/v2/schemas/member",
    })
}

/// The members the viewer may see: all for the owner or an admin, else only its own.
fn seen_by(img: &Image, viewer: Viewer) -> impl Iterator<Item = &Member> {
    let all = viewer.admin || img.owner == viewer.project;
    img.members.iter().filter(move |m| all || &*m.project == viewer.project)
}

/// The image for the members API: one the viewer may see, or Glance's 404.
fn lookup(state: &MockState, viewer: Viewer, id: &str, headers: &HeaderMap) -> Result<Image, Refused> {
    state
        .image(id)
        .filter(|img| super::access::can_see(img, viewer))
        .ok_or_else(|| {
            Box::new(errors::glance(
                StatusCode::NOT_FOUND,
                &format!("Image {id} not found."),
                headers,
            ))
        })
}

/// `/v2/images/{id}/members`: GET lists, POST adds (`writes`).
pub async fn list(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if method == Method::POST {
        return match authenticate(&state, &headers) {
            Ok(viewer) => writes::add_member(&state, viewer, &headers, &id, &body),
            Err(r) => *r,
        };
    }
    let viewer = match gate_allowing(&state, &method, &headers, "GET, POST") {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let img = match lookup(&state, viewer, &id, &headers) {
        Ok(img) => img,
        Err(r) => return *r,
    };
    if img.visibility != "shared" {
        return errors::glance(
            StatusCode::FORBIDDEN,
            &format!("Not allowed to list members for image {id}: Only shared images have members."),
            &headers,
        );
    }
    let members: Vec<Value> = seen_by(&img, viewer).map(|m| member_json(&img, m)).collect();
    json_response(
        StatusCode::OK,
        &json!({"members": members, "schema": "/v2/schemas/members"}),
    )
}

/// `/v2/images/{id}/members/{member}`: GET shows, PUT sets the status, DELETE removes.
pub async fn show(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path((id, member)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if method == Method::PUT || method == Method::DELETE {
        let viewer = match authenticate(&state, &headers) {
            Ok(v) => v,
            Err(r) => return *r,
        };
        return if method == Method::PUT {
            writes::update_member(&state, viewer, &headers, &id, &member, &body)
        } else {
            writes::remove_member(&state, viewer, &headers, &id, &member)
        };
    }
    let viewer = match gate_allowing(&state, &method, &headers, "GET, PUT, DELETE") {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let img = match lookup(&state, viewer, &id, &headers) {
        Ok(img) => img,
        Err(r) => return *r,
    };
    if img.visibility != "shared" {
        return errors::glance(StatusCode::NOT_FOUND, "Only shared images have members.", &headers);
    }
    match seen_by(&img, viewer).find(|m| *m.project == *member) {
        Some(m) => json_response(StatusCode::OK, &member_json(&img, m)),
        None => errors::glance(
            StatusCode::NOT_FOUND,
            &format!("{member} not found in the member list of the image {id}."),
            &headers,
        ),
    }
}
