//! Version discovery, shaped as the real services answer it and without a token, because
//! clients (keystoneauth, openstacksdk, gophercloud) read these documents before anything
//! else: Keystone's root is 300 with `versions.values` and `/v3` is 200 with `version`;
//! Glance's root is 300 and `/versions` 200, both a plain `versions` list, every version
//! linking to `…/v2/`; Nova's root is 200 with both versions and `/v2.1` (or `/v2`) is 200 with
//! one `version` (observed on Keystone 30, Glance 33 and Nova 34; the lists are Glance's and
//! Nova's own, unsorted as they send them).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::{base_url, json_response};

fn keystone_v3(headers: &HeaderMap) -> Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{}/identity/v3/", base_url(headers))}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]
    })
}

/// `GET /identity` and `/identity/`: 300 and the preferred version in `Location`.
pub async fn identity_root(headers: HeaderMap) -> Response {
    let mut r = json_response(
        StatusCode::MULTIPLE_CHOICES,
        &json!({"versions": {"values": [keystone_v3(&headers)]}}),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("{}/identity/v3/", base_url(&headers))) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `GET /identity/v3` and `/identity/v3/`.
pub async fn identity_v3(headers: HeaderMap) -> Response {
    json_response(StatusCode::OK, &json!({"version": keystone_v3(&headers)}))
}

/// Glance's versions in the order Glance 33 lists them with its default configuration (no
/// image cache, no multiple stores), all linking to the one `v2` root of `prefix`.
fn glance_versions(headers: &HeaderMap, prefix: &str) -> Value {
    let href = format!("{}{prefix}/v2/", base_url(headers));
    let mut ids = vec![("2.15", "SUPPORTED"), ("2.9", "SUPPORTED"), ("2.17", "CURRENT")];
    ids.extend(["2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0"].map(|v| (v, "SUPPORTED")));
    let versions: Vec<Value> = ids
        .iter()
        .map(|(id, status)| json!({"id": format!("v{id}"), "status": status, "links": [{"rel": "self", "href": href}]}))
        .collect();
    json!({ "versions": versions })
}

/// `GET /image` (or `/ims`), with or without the slash: 300 Multiple Choices.
pub fn image_root(headers: &HeaderMap, prefix: &str) -> Response {
    json_response(StatusCode::MULTIPLE_CHOICES, &glance_versions(headers, prefix))
}

/// `GET /image/versions` (or `/ims/versions`): the same list, 200.
pub fn image_versions(headers: &HeaderMap, prefix: &str) -> Response {
    json_response(StatusCode::OK, &glance_versions(headers, prefix))
}

fn nova_version(id: &str) -> Value {
    let (status, version, min, updated, media) = if id == "v2.1" {
        ("CURRENT", "2.104", "2.1", "2013-07-23T11:33:21Z", "2.1")
    } else {
        ("DEPRECATED", "", "", "2025-07-04T12:00:00Z", "2")
    };
    json!({
        "id": id,
        "status": status,
        "version": version,
        "min_version": min,
        "updated": updated,
        "links": [{"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
        "media-types": [{"base": "application/json", "type": format!("application/vnd.openstack.compute+json;version={media}")}]
    })
}

/// `GET /compute` and `/compute/`: 200 (Nova's root is not a 300), both versions.
pub async fn compute_root(headers: HeaderMap) -> Response {
    let base = format!("{}/compute", base_url(&headers));
    let versions: Vec<Value> = [("v2.0", "v2"), ("v2.1", "v2.1")]
        .iter()
        .map(|(id, path)| {
            let mut v = nova_version(id);
            v["links"] = json!([{"rel": "self", "href": format!("{base}/{path}/")}]);
            if let Some(m) = v.as_object_mut() {
                m.remove("media-types");
            }
            v
        })
        .collect();
    json_response(StatusCode::OK, &json!({ "versions": versions }))
}

/// `GET /compute/v2.1` or `/compute/v2` (with or without the slash): one version document.
pub fn compute_version(headers: &HeaderMap, path: &str) -> Response {
    let id = if path == "v2.1" { "v2.1" } else { "v2.0" };
    let mut v = nova_version(id);
    if let Some(links) = v["links"].as_array_mut() {
        links.insert(
            0,
            json!({"rel": "self", "href": format!("{}/compute/{path}/", base_url(headers))}),
        );
    }
    json_response(StatusCode::OK, &json!({ "version": v }))
}
