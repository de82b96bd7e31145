//! A minimal Keystone v3 under `/identity`: the flows keystoneauth, openstacksdk and gophercloud
//! use. Tokens are issued for password, token and application-credential methods (scoped to
//! the user's project), validated with `GET /v3/auth/tokens` (`X-Subject-Token`), and a token's
//! catalogue and projects are listed at `/v3/auth/catalog` and `/v3/auth/projects`. Errors are
//! Keystone's JSON, and a 401 says where Keystone is in `WWW-Authenticate`.
//!
//! The catalogue lists this mock's own endpoints (image, compute with the project id, ims under
//! its own service type, identity) for every interface in region `RegionOne`, so a clouds.yaml
//! with only `auth_url`, user, password and project reaches every API.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md5::{Digest, Md5};
use serde_json::{Value, json};

use super::errors::{self, base_url};
use super::identity::{
    APP_CREDENTIAL_ID, APP_CREDENTIAL_NAME, APP_CREDENTIAL_SECRET, DOMAIN_ID, DOMAIN_NAME, Identity,
};
use super::state::MockState;

/// How long an issued token lives (Keystone's default `[token] expiration`).
const TOKEN_LIFETIME_HOURS: i64 = 1;

fn unauthorized(headers: &HeaderMap) -> Response {
    let mut r = errors::keystone(
        StatusCode::UNAUTHORIZED,
        "The request you have made requires authentication.",
    );
    let (name, value) = errors::www_authenticate(headers, "/identity/v3");
    r.headers_mut().insert(name, value);
    r
}

/// How the identity was proven, for the token body.
struct Proof<'a> {
    who: &'a Identity,
    methods: Value,
    application_credential: bool,
}

/// Which identity the credentials prove, if they are right.
fn prove<'s>(state: &'s MockState, auth: &Value) -> Option<Proof<'s>> {
    let identity = &auth["identity"];
    let methods: Vec<&str> = identity["methods"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let (who, app) = if methods.contains(&"password") {
        let user = &identity["password"]["user"];
        let password = user["password"].as_str()?;
        let who = state
            .directory
            .by_password(user["name"].as_str(), user["id"].as_str(), password)?;
        (who, false)
    } else if methods.contains(&"application_credential") {
        let cred = &identity["application_credential"];
        let named = cred["id"].as_str() == Some(APP_CREDENTIAL_ID)
            || (cred["name"].as_str() == Some(APP_CREDENTIAL_NAME) && !cred["user"].is_null());
        if !named || cred["secret"].as_str() != Some(APP_CREDENTIAL_SECRET) {
            return None;
        }
        (state.directory.default_identity(), true)
    } else if methods.contains(&"token") {
        (state.directory.by_token(identity["token"]["id"].as_str()?)?, false)
    } else {
        return None;
    };
    // An explicit scope must name the project the credentials belong to (by id or name).
    let scope = &auth["scope"]["project"];
    let scoped_ok = auth["scope"].is_null()
        || scope["id"].as_str() == Some(who.project_id)
        || scope["name"].as_str() == Some(who.project.as_str());
    scoped_ok.then(|| Proof {
        who,
        methods: json!(methods),
        application_credential: app,
    })
}

fn endpoint_id(service: &str, interface: &str) -> String {
    let digest = Md5::digest(format!("{service}/{interface}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The service catalogue of a token scoped to `project_id`.
pub fn catalog(headers: &HeaderMap, project_id: &str) -> Value {
    let base = base_url(headers);
    let service = |kind: &str, name: &str, url: String| {
        let endpoints: Vec<Value> = ["public", "internal", "admin"]
            .iter()
            .map(|iface| {
                json!({"id": endpoint_id(kind, iface), "interface": iface, "region": "RegionOne", "region_id": "RegionOne", "url": url})
            })
            .collect();
        json!({"endpoints": endpoints, "id": endpoint_id(kind, "service"), "type": kind, "name": name})
    };
    json!([
        service("image", "glance", format!("{base}/image")),
        service("compute", "nova", format!("{base}/compute/v2/{project_id}")),
        service("ims", "ims", format!("{base}/ims")),
        service("identity", "keystone", format!("{base}/identity")),
    ])
}

/// A token's body, as Keystone renders a project-scoped token.
fn token_body(headers: &HeaderMap, proof: &Proof<'_>, with_catalog: bool) -> Value {
    let who = proof.who;
    let now = chrono::Utc::now();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let audit: String = Md5::digest(who.token.as_bytes())
        .iter()
        .take(11)
        .map(|b| format!("{b:02x}"))
        .collect();
    let roles: Vec<Value> = who
        .roles
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    let domain = json!({"id": DOMAIN_ID, "name": DOMAIN_NAME});
    let mut token = json!({
        "methods": proof.methods,
        "user": {"domain": domain, "id": who.user_id, "name": who.user, "password_expires_at": null},
        "audit_ids": [audit],
        "expires_at": fmt(now + chrono::Duration::hours(TOKEN_LIFETIME_HOURS)),
        "issued_at": fmt(now),
        "project": {"domain": domain, "id": who.project_id, "name": who.project},
        "is_domain": false,
        "roles": roles,
    });
    if with_catalog {
        token["catalog"] = catalog(headers, who.project_id);
    }
    if proof.application_credential {
        token["application_credential"] =
            json!({"id": APP_CREDENTIAL_ID, "name": APP_CREDENTIAL_NAME, "restricted": true});
    }
    json!({ "token": token })
}

fn with_subject(mut r: Response, token: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(token) {
        r.headers_mut().insert("x-subject-token", v);
    }
    r
}

fn wants_catalog(query: &Option<String>) -> bool {
    !query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .any(|p| p.split('=').next() == Some("nocatalog"))
}

/// `POST /identity/v3/auth/tokens`: 201 and `X-Subject-Token`.
async fn issue(state: &MockState, headers: &HeaderMap, query: &Option<String>, body: &Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return errors::keystone(StatusCode::BAD_REQUEST, "The request body could not be parsed as JSON.");
    };
    if !request["auth"].is_object() {
        return errors::keystone(
            StatusCode::BAD_REQUEST,
            "Invalid input for field 'identity': 'auth' is a required property",
        );
    }
    let Some(proof) = prove(state, &request["auth"]) else {
        return unauthorized(headers);
    };
    let body = token_body(headers, &proof, wants_catalog(query));
    with_subject(errors::json_response(StatusCode::CREATED, &body), &proof.who.token)
}

/// `GET`/`HEAD /identity/v3/auth/tokens`: the subject token's body (any issued token may ask).
fn validate(state: &MockState, headers: &HeaderMap, query: &Option<String>, head: bool) -> Response {
    if state.identity(headers).is_none() {
        return unauthorized(headers);
    }
    let subject = headers.get("x-subject-token").and_then(|v| v.to_str().ok());
    let Some(who) = subject.and_then(|t| state.directory.by_token(t)) else {
        return errors::keystone(StatusCode::NOT_FOUND, "Failed to validate token");
    };
    let proof = Proof {
        who,
        methods: json!(["password"]),
        application_credential: false,
    };
    let mut r = with_subject(
        errors::json_response(StatusCode::OK, &token_body(headers, &proof, wants_catalog(query))),
        &who.token,
    );
    if head {
        *r.body_mut() = axum::body::Body::empty();
    }
    r
}

fn not_allowed(allow: &'static str) -> Response {
    let mut r = errors::keystone(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for the requested URL.",
    );
    r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    r
}

pub async fn tokens(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    match method {
        Method::POST => issue(&state, &headers, &query, &body).await,
        Method::GET => validate(&state, &headers, &query, false),
        Method::HEAD => validate(&state, &headers, &query, true),
        _ => not_allowed("GET, HEAD, POST"),
    }
}

/// `GET /identity/v3/auth/catalog`: the catalogue of the request's own token.
pub async fn auth_catalog(State(state): State<Arc<MockState>>, method: Method, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return not_allowed("GET, HEAD");
    }
    let Some(who) = state.identity(&headers) else {
        return unauthorized(&headers);
    };
    let base = base_url(&headers);
    errors::json_response(
        StatusCode::OK,
        &json!({"catalog": catalog(&headers, who.project_id), "links": {"self": format!("{base}/identity/v3/auth/catalog")}}),
    )
}

/// A project as Keystone shows it (every mock project is in the default domain).
fn project_json(base: &str, id: &str, name: &str) -> serde_json::Value {
    json!({
        "id": id, "name": name, "domain_id": DOMAIN_ID, "description": "",
        "enabled": true, "parent_id": DOMAIN_ID, "is_domain": false, "tags": [], "options": {},
        "links": {"self": format!("{base}/identity/v3/projects/{id}")}
    })
}

/// `GET /identity/v3/auth/projects`: the projects the token's user may scope to (its own).
pub async fn auth_projects(State(state): State<Arc<MockState>>, method: Method, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return not_allowed("GET, HEAD");
    }
    let Some(who) = state.identity(&headers) else {
        return unauthorized(&headers);
    };
    let base = base_url(&headers);
    let project = project_json(&base, who.project_id, &who.project);
    errors::json_response(
        StatusCode::OK,
        &json!({"projects": [project], "links": {"self": format!("{base}/identity/v3/auth/projects"), "previous": null, "next": null}}),
    )
}

/// `GET /identity/v3/projects/{id}`, as Keystone's default policy answers a member: its own
/// project, 403 for any other (an admin sees every project of the mock, 404 for an unknown
/// one). openstackclient's `image add project ID` looks the project up first and, refused,
/// uses the id as given, as it does against a real cloud.
pub async fn project(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return not_allowed("GET, HEAD");
    }
    let Some(who) = state.identity(&headers) else {
        return unauthorized(&headers);
    };
    let known = state.directory.project_name(&id);
    let visible = id == who.project_id || who.is_admin();
    match (visible, known) {
        (true, Some(name)) => errors::json_response(
            StatusCode::OK,
            &json!({"project": project_json(&base_url(&headers), &id, &name)}),
        ),
        (true, None) => not_found().await,
        (false, _) => errors::keystone(
            StatusCode::FORBIDDEN,
            "You are not authorized to perform the requested action: identity:get_project.",
        )
        .into_response(),
    }
}

/// `GET /identity/v3/projects`: listing projects is an admin's call (403 for a member).
pub async fn projects(State(state): State<Arc<MockState>>, method: Method, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return not_allowed("GET, HEAD");
    }
    let Some(who) = state.identity(&headers) else {
        return unauthorized(&headers);
    };
    if !who.is_admin() {
        return errors::keystone(
            StatusCode::FORBIDDEN,
            "You are not authorized to perform the requested action: identity:list_projects.",
        )
        .into_response();
    }
    let base = base_url(&headers);
    let all: Vec<serde_json::Value> = state
        .directory
        .projects()
        .into_iter()
        .map(|(id, name)| project_json(&base, id, &name))
        .collect();
    errors::json_response(
        StatusCode::OK,
        &json!({"projects": all, "links": {"self": format!("{base}/identity/v3/projects"), "previous": null, "next": null}}),
    )
}

/// Anything else under `/identity`: Keystone's JSON 404.
pub async fn not_found() -> Response {
    errors::keystone(StatusCode::NOT_FOUND, "The resource could not be found.").into_response()
}
