//! Keystone v3: password, application-credential or token authentication scoped to a project,
//! the identity the token stands for, and the token's service catalogue.
//!
//! The client here follows the rules of every client of the program: no redirect is followed
//! (a `307` must not carry the password to another host), the answer has a size cap, and the
//! whole exchange a deadline.

use serde_json::{Value, json};
use url::Url;

use super::{CloudConfig, ConfigError};
use crate::redact::Secret;

/// Keystone's answers are small; anything larger is not Keystone.
const MAX_KEYSTONE_BODY: usize = 4 * 1024 * 1024;

/// One endpoint of the service catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    pub service_type: String,
    pub interface: String,
    pub region: String,
    pub region_id: Option<String>,
    pub url: String,
}

/// Who a token stands for, as Keystone says (never a secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IdentityFacts {
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    pub roles: Vec<String>,
}

impl IdentityFacts {
    /// `demo in project demo (roles member, reader)`.
    pub fn describe(&self) -> String {
        let user = self
            .user_name
            .as_deref()
            .or(self.user_id.as_deref())
            .unwrap_or("an unknown user");
        let project = self
            .project_name
            .as_deref()
            .or(self.project_id.as_deref())
            .unwrap_or("an unknown project");
        if self.roles.is_empty() {
            format!("{user} in project {project}")
        } else {
            format!("{user} in project {project} (roles {})", self.roles.join(", "))
        }
    }
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r == "admin")
    }
}

/// What authentication gives a run.
#[derive(Debug)]
pub struct Session {
    pub token: Secret,
    pub identity: IdentityFacts,
    /// Every endpoint of the token's catalogue.
    pub catalogue: Vec<CatalogueEntry>,
    /// When the token expires (renewed before, for long runs).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Session {
    /// The catalogue in words, for "no such endpoint" errors.
    pub fn catalogue_words(&self) -> Vec<String> {
        self.catalogue
            .iter()
            .map(|e| format!("{} ({}, {})", e.service_type, e.interface, e.region))
            .collect()
    }
}

/// The one way the program builds an HTTP client for Keystone: the run's TLS settings, a
/// deadline, and no redirects.
pub fn http_client(
    tls: &crate::exec::TlsOptions,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, ConfigError> {
    crate::tls::install_crypto_provider();
    tls.apply(reqwest::Client::builder())
        .map_err(|e| ConfigError(format!("{e:#}")))?
        .timeout(timeout)
        .connect_timeout(timeout.min(std::time::Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("imgconform/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError(format!("cannot build the HTTP client: {e}")))
}

/// Reads a body up to `cap` bytes; more is an error, not a memory blow-up.
async fn capped_text(mut response: reqwest::Response, cap: usize, url: &Url) -> Result<String, ConfigError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ConfigError(format!("reading Keystone's answer from {url}: {e}")))?
    {
        if body.len() + chunk.len() > cap {
            return Err(ConfigError(format!(
                "Keystone's answer from {url} is larger than {cap} bytes; not read further"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
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

/// Authenticates; the session has the token, who it stands for and the whole catalogue.
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
    if status.is_redirection() {
        let to = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(no Location)");
        return Err(ConfigError(format!(
            "Keystone at {url} answered {status} with Location {to}; redirects are not followed (the credentials stay with the configured auth_url): give the final auth_url"
        )));
    }
    let token = response
        .headers()
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = capped_text(response, MAX_KEYSTONE_BODY, &url).await?;
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
    Ok(session_from(Secret::new(token), &doc["token"]))
}

/// Asks Keystone who `token` is (`GET /v3/auth/tokens`), for a run given only a token.
pub async fn introspect(http: &reqwest::Client, auth_url: &str, token: &Secret) -> Result<Session, ConfigError> {
    let url = tokens_url(auth_url)?;
    let response = http
        .get(url.clone())
        .header("Accept", "application/json")
        .header("X-Auth-Token", token.expose())
        .header("X-Subject-Token", token.expose())
        .send()
        .await
        .map_err(|e| ConfigError(format!("cannot reach Keystone at {url}: {e}")))?;
    let status = response.status();
    let text = capped_text(response, MAX_KEYSTONE_BODY, &url).await?;
    if status.as_u16() != 200 {
        return Err(ConfigError(format!(
            "Keystone at {url} does not accept the token: {status}"
        )));
    }
    let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok(session_from(token.clone(), &doc["token"]))
}

fn session_from(token: Secret, t: &Value) -> Session {
    let text = |v: &Value| v.as_str().map(str::to_string);
    let identity = IdentityFacts {
        user_id: text(&t["user"]["id"]),
        user_name: text(&t["user"]["name"]),
        project_id: text(&t["project"]["id"]),
        project_name: text(&t["project"]["name"]),
        roles: t["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| text(&r["name"]))
            .collect(),
    };
    let expires_at = t["expires_at"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    let mut catalogue = Vec::new();
    for service in t["catalog"].as_array().into_iter().flatten() {
        let service_type = service["type"].as_str().unwrap_or("?").to_string();
        for e in service["endpoints"].as_array().into_iter().flatten() {
            catalogue.push(CatalogueEntry {
                service_type: service_type.clone(),
                interface: e["interface"].as_str().unwrap_or("?").to_string(),
                region: e["region"].as_str().unwrap_or("?").to_string(),
                region_id: text(&e["region_id"]),
                url: e["url"].as_str().unwrap_or("").to_string(),
            });
        }
    }
    Session {
        token,
        identity,
        catalogue,
        expires_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tokens_url_takes_an_auth_url_with_or_without_v3() {
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
