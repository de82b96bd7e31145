//! Keystone v3: password, application-credential or token authentication scoped to a project,
//! and the endpoints of the token's service catalogue.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use url::Url;

use super::{CloudConfig, ConfigError};
use crate::redact::Secret;

/// What authentication gives a run.
#[derive(Debug)]
pub struct Session {
    pub token: Secret,
    pub project_id: Option<String>,
    /// Endpoint URLs by kind (`image`, `compute`), as the catalogue lists them (adjusted).
    pub endpoints: BTreeMap<String, Url>,
    /// The catalogue in words, for "no image endpoint" errors.
    pub catalogue: Vec<String>,
    /// When the token expires (renewed before, for long runs).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn domain(name: &Option<String>, id: &Option<String>) -> Value {
    match (id, name) {
        (Some(id), _) => json!({"id": id}),
        (None, Some(name)) => json!({"name": name}),
        (None, None) => json!({"id": "default"}),
    }
}

fn request_body(c: &CloudConfig) -> Result<Value, ConfigError> {
    let scope = match (&c.project_id, &c.project_name) {
        (Some(id), _) => Some(json!({"project": {"id": id}})),
        (None, Some(name)) => {
            Some(json!({"project": {"name": name, "domain": domain(&c.project_domain_name, &c.project_domain_id)}}))
        }
        (None, None) => None,
    };
    let mut auth = if let (Some(id), Some(secret)) = (&c.application_credential_id, &c.application_credential_secret) {
        // An application credential carries its own scope.
        return Ok(json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"id": id, "secret": secret.expose()}}}}));
    } else if let (Some(user), Some(password)) = (&c.username, &c.password) {
        json!({"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password.expose(), "domain": domain(&c.user_domain_name, &c.user_domain_id)}}}})
    } else if let Some(token) = &c.token {
        json!({"identity": {"methods": ["token"], "token": {"id": token.expose()}}})
    } else {
        return Err(ConfigError(
            "the cloud has an auth_url but no credentials: give username and password, an application credential (id and secret), or a token".into(),
        ));
    };
    if let Some(scope) = scope {
        auth["scope"] = scope;
    }
    Ok(json!({"auth": auth}))
}

/// The tokens URL for an auth_url with or without its `/v3`.
fn tokens_url(auth_url: &str) -> Result<Url, ConfigError> {
    let base = auth_url.trim_end_matches('/');
    let base = if base.ends_with("/v3") {
        base.to_string()
    } else {
        format!("{base}/v3")
    };
    Url::parse(&format!("{base}/auth/tokens"))
        .map_err(|e| ConfigError(format!("auth_url `{auth_url}` is not a URL: {e}")))
}

/// An image endpoint is used unversioned (the cases add `/v2/...`); a compute endpoint ends with
/// the project id, which is the tenant of the compute-v2 paths.
fn adjust(kind: &str, url: &str, project_id: Option<&str>) -> Result<Url, String> {
    let trimmed = url.trim_end_matches('/');
    let adjusted = match kind {
        "image" => trimmed.strip_suffix("/v2").unwrap_or(trimmed).to_string(),
        "compute" => match project_id {
            Some(p) if !trimmed.ends_with(p) => format!("{trimmed}/{p}"),
            _ => trimmed.to_string(),
        },
        _ => trimmed.to_string(),
    };
    Url::parse(&adjusted).map_err(|e| format!("`{url}`: {e}"))
}

/// Authenticates and reads the endpoints of the wanted service types.
pub async fn authenticate(http: &reqwest::Client, c: &CloudConfig) -> Result<Session, ConfigError> {
    let auth_url = c.auth_url.as_deref().ok_or_else(|| ConfigError("no auth_url".into()))?;
    let url = tokens_url(auth_url)?;
    let body = request_body(c)?;
    let response = http
        .post(url.clone())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| ConfigError(format!("cannot reach Keystone at {url}: {e}")))?;
    let status = response.status();
    let token = response
        .headers()
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = response.text().await.unwrap_or_default();
    let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status.as_u16() != 201 {
        let message = doc["error"]["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| text.chars().take(200).collect());
        return Err(ConfigError(format!(
            "Keystone at {url} refused the credentials: {status}: {message}"
        )));
    }
    let token = token.ok_or_else(|| ConfigError(format!("Keystone at {url} answered 201 without X-Subject-Token")))?;
    let project_id = doc["token"]["project"]["id"].as_str().map(str::to_string);
    let expires_at = doc["token"]["expires_at"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    let interface = c.interface.as_deref().unwrap_or("public").trim_end_matches("URL");
    let mut endpoints = BTreeMap::new();
    let mut catalogue = Vec::new();
    for service in doc["token"]["catalog"].as_array().into_iter().flatten() {
        let kind = service["type"].as_str().unwrap_or("?");
        for e in service["endpoints"].as_array().into_iter().flatten() {
            let (iface, region) = (
                e["interface"].as_str().unwrap_or("?"),
                e["region"].as_str().unwrap_or("?"),
            );
            catalogue.push(format!("{kind} ({iface}, {region})"));
            let region_ok = c
                .region_name
                .as_deref()
                .is_none_or(|r| r == region || e["region_id"].as_str() == Some(r));
            if iface == interface && region_ok && matches!(kind, "image" | "compute") && !endpoints.contains_key(kind) {
                let url = e["url"].as_str().unwrap_or("");
                let adjusted = adjust(kind, url, project_id.as_deref())
                    .map_err(|e| ConfigError(format!("the catalogue's {kind} endpoint is not a URL: {e}")))?;
                endpoints.insert(kind.to_string(), adjusted);
            }
        }
    }
    Ok(Session {
        token: Secret::new(token),
        project_id,
        endpoints,
        catalogue,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_adjusted_to_what_the_profiles_expect() {
        assert_eq!(
            adjust("image", "http://g:9292/v2/", None).unwrap().as_str(),
            "http://g:9292/"
        );
        assert_eq!(
            adjust("image", "http://h/image", None).unwrap().as_str(),
            "http://h/image"
        );
        assert_eq!(
            adjust("compute", "http://n:8774/v2.1", Some("abc")).unwrap().as_str(),
            "http://n:8774/v2.1/abc"
        );
        assert_eq!(
            adjust("compute", "http://n:8774/v2/abc", Some("abc")).unwrap().as_str(),
            "http://n:8774/v2/abc"
        );
        assert_eq!(
            tokens_url("http://k:5000").unwrap().as_str(),
            "http://k:5000/v3/auth/tokens"
        );
        assert_eq!(
            tokens_url("http://k:5000/v3/").unwrap().as_str(),
            "http://k:5000/v3/auth/tokens"
        );
    }

    #[test]
    fn the_request_never_leaks_more_than_it_must() {
        let c = CloudConfig {
            username: Some("u".into()),
            password: Some(Secret::new("p")),
            project_name: Some("proj".into()),
            ..Default::default()
        };
        let body = request_body(&c).unwrap();
        assert_eq!(body["auth"]["identity"]["methods"][0], "password");
        assert_eq!(body["auth"]["scope"]["project"]["name"], "proj");
        assert!(request_body(&CloudConfig::default()).is_err());
    }
}
