//! A minimal Keystone v3 under `/identity`: password, application-credential and token
//! authentication scoped to a project, answering with a service catalogue that points at this
//! mock's own image, compute and IMS endpoints. Enough to test the whole connection path
//! (clouds.yaml → auth → catalogue → endpoints) without a real cloud.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::glance::MockState;
use super::images::{OTHER_PROJECT_ID, PROJECT_ID};
use super::nova::ALT_TOKEN_SUFFIX;

/// The mock's identities: (user, password, project name, project id, token suffix).
pub const DEFAULT_USER: &str = "demo";
pub const DEFAULT_PASSWORD: &str = "demo-password";
pub const DEFAULT_PROJECT: &str = "demo";
pub const ALT_USER: &str = "alt";
pub const ALT_PASSWORD: &str = "alt-password";
pub const ALT_PROJECT: &str = "alt";
pub const APP_CREDENTIAL_ID: &str = "imgconform-app-credential";
pub const APP_CREDENTIAL_SECRET: &str = "imgconform-app-credential-secret";

fn unauthorized() -> Response {
    let body = json!({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}});
    let mut r = (StatusCode::UNAUTHORIZED, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Which project the request authenticates for, if the credentials are right.
fn identify(state: &MockState, auth: &Value) -> Option<(&'static str, &'static str, String)> {
    let identity = &auth["identity"];
    let methods: Vec<&str> = identity["methods"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let demo = (DEFAULT_PROJECT, PROJECT_ID, state.config.token.clone());
    let alt = (
        ALT_PROJECT,
        OTHER_PROJECT_ID,
        format!("{}{ALT_TOKEN_SUFFIX}", state.config.token),
    );
    let who = if methods.contains(&"password") {
        let user = &identity["password"]["user"];
        match (user["name"].as_str(), user["password"].as_str()) {
            (Some(u), Some(p)) if u == state.config.user && p == state.config.password => demo,
            (Some(ALT_USER), Some(ALT_PASSWORD)) => alt,
            _ => return None,
        }
    } else if methods.contains(&"application_credential") {
        let cred = &identity["application_credential"];
        (cred["id"].as_str() == Some(APP_CREDENTIAL_ID) && cred["secret"].as_str() == Some(APP_CREDENTIAL_SECRET))
            .then_some(demo)?
    } else if methods.contains(&"token") {
        match identity["token"]["id"].as_str() {
            Some(t) if t == demo.2 => demo,
            Some(t) if t == alt.2 => alt,
            _ => return None,
        }
    } else {
        return None;
    };
    // An explicit scope must name the project the credentials belong to.
    let scope = &auth["scope"]["project"];
    let scoped_ok = scope.is_null()
        || scope["id"].as_str() == Some(who.1)
        || scope["name"]
            .as_str()
            .is_some_and(|n| n == who.0 || (who.1 == PROJECT_ID && n == state.config.project));
    scoped_ok.then_some(who)
}

pub async fn issue_token(State(state): State<Arc<MockState>>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "malformed JSON").into_response();
    };
    let Some((project_name, project_id, token)) = identify(&state, &request["auth"]) else {
        return unauthorized();
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}");
    let endpoint = |kind: &str, url: String| {
        json!([
            {"id": format!("{kind}-public"), "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": url},
            {"id": format!("{kind}-internal"), "interface": "internal", "region": "RegionOne", "region_id": "RegionOne", "url": url}
        ])
    };
    let expires = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let body = json!({"token": {
        "methods": request["auth"]["identity"]["methods"],
        "expires_at": expires,
        "project": {"id": project_id, "name": project_name, "domain": {"id": "default", "name": "Default"}},
        "user": {"id": format!("{project_name}-user"), "name": project_name, "domain": {"id": "default", "name": "Default"}},
        "roles": [{"id": "member", "name": "member"}, {"id": "reader", "name": "reader"}],
        "catalog": [
            {"type": "image", "name": "glance", "id": "image", "endpoints": endpoint("image", format!("{base}/image"))},
            {"type": "compute", "name": "nova", "id": "compute", "endpoints": endpoint("compute", format!("{base}/compute/v2/{project_id}"))},
            {"type": "identity", "name": "keystone", "id": "identity", "endpoints": endpoint("identity", format!("{base}/identity/v3"))}
        ]
    }});
    let mut r = (StatusCode::CREATED, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(&token) {
        r.headers_mut().insert("x-subject-token", v);
    }
    r
}
