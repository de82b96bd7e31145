//! One cloud's connection settings, merged from clouds.yaml, secure.yaml, the environment and
//! flags. Secrets are [`Secret`]s from the moment they are read.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::redact::Secret;

#[derive(Clone, Debug, Default)]
pub struct CloudConfig {
    pub auth_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub project_name: Option<String>,
    pub project_id: Option<String>,
    pub user_domain_name: Option<String>,
    pub user_domain_id: Option<String>,
    pub project_domain_name: Option<String>,
    pub project_domain_id: Option<String>,
    pub region_name: Option<String>,
    pub interface: Option<String>,
    pub application_credential_id: Option<String>,
    pub application_credential_secret: Option<Secret>,
    pub token: Option<Secret>,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure: bool,
}

/// A problem a new user meets before anything runs (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

macro_rules! take {
    ($self:ident, $other:ident, $($field:ident),*) => {
        $( if $other.$field.is_some() { $self.$field = $other.$field.clone(); } )*
    };
}

impl CloudConfig {
    /// Overlays `higher` on `self`: every value `higher` has wins.
    pub fn overlay(mut self, higher: &CloudConfig) -> CloudConfig {
        take!(
            self,
            higher,
            auth_url,
            username,
            password,
            project_name,
            project_id,
            user_domain_name,
            user_domain_id,
            project_domain_name,
            project_domain_id,
            region_name,
            interface,
            application_credential_id,
            application_credential_secret,
            token,
            cacert,
            cert,
            key
        );
        self.insecure |= higher.insecure;
        self
    }

    /// The secrets, for the run's redactor.
    pub fn secrets(&self) -> Vec<Secret> {
        [&self.password, &self.application_credential_secret, &self.token]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// The `OS_*` (or `OS_OTHER_*`) variables.
    pub fn from_env(prefix: &str, var: impl Fn(&str) -> Option<String>) -> CloudConfig {
        let get = |name: &str| var(&format!("{prefix}{name}")).filter(|v| !v.is_empty());
        CloudConfig {
            auth_url: get("AUTH_URL"),
            username: get("USERNAME"),
            password: get("PASSWORD").map(Secret::new),
            project_name: get("PROJECT_NAME").or_else(|| get("TENANT_NAME")),
            project_id: get("PROJECT_ID").or_else(|| get("TENANT_ID")),
            user_domain_name: get("USER_DOMAIN_NAME"),
            user_domain_id: get("USER_DOMAIN_ID"),
            project_domain_name: get("PROJECT_DOMAIN_NAME"),
            project_domain_id: get("PROJECT_DOMAIN_ID"),
            region_name: get("REGION_NAME"),
            interface: get("INTERFACE").or_else(|| get("ENDPOINT_TYPE")),
            application_credential_id: get("APPLICATION_CREDENTIAL_ID"),
            application_credential_secret: get("APPLICATION_CREDENTIAL_SECRET").map(Secret::new),
            token: get("TOKEN").map(Secret::new),
            cacert: get("CACERT").map(PathBuf::from),
            cert: get("CERT").map(PathBuf::from),
            key: get("KEY").map(PathBuf::from),
            insecure: get("INSECURE").is_some_and(|v| v == "true" || v == "1"),
        }
    }

    /// Reads one cloud from a clouds.yaml `clouds.NAME` entry (and its secure.yaml overlay).
    fn from_yaml(entry: &Value) -> CloudConfig {
        let s = |v: &Value| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        };
        let auth = &entry["auth"];
        CloudConfig {
            auth_url: s(&auth["auth_url"]),
            username: s(&auth["username"]),
            password: s(&auth["password"]).map(Secret::new),
            project_name: s(&auth["project_name"]).or_else(|| s(&auth["tenant_name"])),
            project_id: s(&auth["project_id"]).or_else(|| s(&auth["tenant_id"])),
            user_domain_name: s(&auth["user_domain_name"]),
            user_domain_id: s(&auth["user_domain_id"]),
            project_domain_name: s(&auth["project_domain_name"]),
            project_domain_id: s(&auth["project_domain_id"]),
            region_name: s(&entry["region_name"]),
            interface: s(&entry["interface"]),
            application_credential_id: s(&auth["application_credential_id"]),
            application_credential_secret: s(&auth["application_credential_secret"]).map(Secret::new),
            token: s(&auth["token"]).map(Secret::new),
            cacert: s(&entry["cacert"]).map(PathBuf::from),
            cert: s(&entry["cert"]).map(PathBuf::from),
            key: s(&entry["key"]).map(PathBuf::from),
            insecure: entry["verify"].as_bool() == Some(false) || entry["insecure"].as_bool() == Some(true),
        }
    }
}

/// Where openstacksdk looks for clouds.yaml / secure.yaml, in order.
pub fn search_path(file: &str, env_override: Option<PathBuf>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = env_override {
        out.push(p);
    }
    out.push(PathBuf::from(file));
    if let Some(home) = std::env::var_os("HOME") {
        out.push(Path::new(&home).join(".config/openstack").join(file));
    }
    out.push(Path::new("/etc/openstack").join(file));
    out
}

fn read_yaml(path: &Path) -> Result<Value, ConfigError> {
    let bytes = std::fs::read(path).map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        // Where the first byte that is not UTF-8 is, as a line and column.
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[start..]).chars().count() + 1;
        ConfigError(format!("{}:{line}:{column}: not UTF-8 text", path.display()))
    })?;
    serde_saphyr::from_str::<Value>(&text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("{}:{}", l.line(), l.column()))
            .unwrap_or_else(|| "1:1".into());
        ConfigError(format!(
            "{}:{at}: {}",
            path.display(),
            e.to_string().lines().next().unwrap_or("")
        ))
    })
}

/// Deep-merges `over` into `base` (secure.yaml over clouds.yaml).
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// The clouds.yaml a named cloud is read from: the first found on openstacksdk's path.
pub fn find_clouds_yaml(clouds_file: Option<PathBuf>) -> Option<PathBuf> {
    search_path("clouds.yaml", clouds_file)
        .into_iter()
        .find(|p| p.is_file())
}

/// The named cloud from the first clouds.yaml found, with secure.yaml merged over it.
pub fn load_cloud(name: &str, clouds_file: Option<PathBuf>) -> Result<CloudConfig, ConfigError> {
    let path = find_clouds_yaml(clouds_file.clone())
        .ok_or_else(|| ConfigError(format!("cloud `{name}`: no clouds.yaml found (looked in ./, ~/.config/openstack/, /etc/openstack/ and OS_CLIENT_CONFIG_FILE)")))?;
    let mut doc = read_yaml(&path)?;
    let secure_override = clouds_file.and_then(|p| p.parent().map(|d| d.join("secure.yaml")));
    if let Some(secure) = search_path("secure.yaml", secure_override)
        .into_iter()
        .find(|p| p.is_file())
    {
        let s = read_yaml(&secure)?;
        merge(&mut doc, &s);
    }
    let clouds = doc["clouds"]
        .as_object()
        .ok_or_else(|| ConfigError(format!("{}: no `clouds:` map", path.display())))?;
    let entry = clouds.get(name).ok_or_else(|| {
        let known: Vec<&str> = clouds.keys().map(String::as_str).collect();
        ConfigError(format!(
            "{}: no cloud named `{name}` (it defines: {})",
            path.display(),
            known.join(", ")
        ))
    })?;
    // A cloud that is named but cannot be used is a mistake to report, never a reason to fall
    // back to the embedded mock.
    let where_ = format!("{}: cloud `{name}`", path.display());
    let auth = match &entry["auth"] {
        Value::Object(m) => m,
        Value::Null => {
            return Err(ConfigError(format!(
                "{where_} has no `auth` block (it needs auth.auth_url and credentials)"
            )));
        }
        other => {
            return Err(ConfigError(format!(
                "{where_}: `auth` must be a mapping with auth_url and credentials, not {}",
                match other {
                    Value::String(_) => "a string",
                    Value::Array(_) => "a list",
                    _ => "a scalar",
                }
            )));
        }
    };
    match auth.get("auth_url") {
        Some(Value::String(u)) if !u.trim().is_empty() => {
            if let Err(e) = url::Url::parse(u.trim()) {
                return Err(ConfigError(format!(
                    "{where_}: `auth.auth_url` `{u}` is not a URL: {e}"
                )));
            }
        }
        Some(Value::String(_)) => return Err(ConfigError(format!("{where_}: `auth.auth_url` is empty"))),
        Some(_) => return Err(ConfigError(format!("{where_}: `auth.auth_url` must be a URL string"))),
        None => {
            let keys: Vec<&str> = auth.keys().map(String::as_str).collect();
            return Err(ConfigError(format!(
                "{where_}: `auth` has no `auth_url` (it has: {})",
                if keys.is_empty() {
                    "nothing".to_string()
                } else {
                    keys.join(", ")
                }
            )));
        }
    }
    Ok(CloudConfig::from_yaml(entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_over_env_over_file() {
        let file = CloudConfig {
            auth_url: Some("file".into()),
            region_name: Some("file-region".into()),
            ..Default::default()
        };
        let env = CloudConfig::from_env("OS_", |k| (k == "OS_AUTH_URL").then(|| "env".to_string()));
        let flags = CloudConfig {
            region_name: Some("flag-region".into()),
            ..Default::default()
        };
        let c = file.overlay(&env).overlay(&flags);
        assert_eq!(c.auth_url.as_deref(), Some("env"));
        assert_eq!(c.region_name.as_deref(), Some("flag-region"));
    }

    #[test]
    fn secure_yaml_merges_deeply() {
        let mut a = serde_json::json!({"clouds": {"x": {"auth": {"username": "u"}, "region_name": "r"}}});
        merge(
            &mut a,
            &serde_json::json!({"clouds": {"x": {"auth": {"password": "p"}}}}),
        );
        assert_eq!(a["clouds"]["x"]["auth"]["username"], "u");
        assert_eq!(a["clouds"]["x"]["auth"]["password"], "p");
    }
}
