//! Resolving the target and the identities: flags over `OS_*` over clouds.yaml (as
//! openstackclient), Keystone authentication and its catalogue, or the embedded mock when
//! nothing at all is configured.
//!
//! Endpoint kinds are data (`EndpointKind`): which catalogue service types give a kind, how its
//! catalogue URL is adjusted, and where the mock serves it. No kind is spelled here.

use std::collections::BTreeMap;
use std::time::Duration;

use url::Url;

use super::PlanError;
use crate::cli::RunArgs;
use crate::connect::{self, CatalogueEntry, CloudConfig, IdentityFacts, Session};
use crate::exec::TlsOptions;
use crate::loader::Suite;
use crate::mock::{self, MockConfig};
use crate::model::{EndpointKind, TenantInPath};
use crate::redact::{Redactor, Secret};

/// What the run talks to.
#[derive(Clone, Debug)]
pub enum Target {
    /// The embedded mock, started on a loopback port when the run starts.
    Mock { config: MockConfig },
    /// A cloud reached through Keystone.
    Cloud {
        /// The clouds.yaml entry, when one was named.
        name: Option<String>,
        /// The clouds.yaml it was read from.
        file: Option<std::path::PathBuf>,
        auth_url: String,
    },
    /// Endpoints given as URLs, without Keystone.
    Urls,
}

impl Target {
    pub fn is_mock(&self) -> bool {
        matches!(self, Target::Mock { .. })
    }
}

/// Where an endpoint is.
#[derive(Clone, Debug)]
pub enum EndpointUrl {
    Fixed(Url),
    /// Under the embedded mock's base URL, known once it listens.
    Mock {
        path: String,
    },
}

/// How the endpoint was found, for the plan and the banner.
#[derive(Clone, Debug)]
pub enum EndpointSource {
    /// A flag (`--image-url`, `--endpoint image=…`).
    Flag(String),
    /// The token's service catalogue.
    Catalogue {
        service_type: String,
        interface: String,
        region: String,
    },
    Mock,
}

#[derive(Clone, Debug)]
pub struct PlannedEndpoint {
    pub kind: String,
    pub url: EndpointUrl,
    pub source: EndpointSource,
}

/// One identity of the run: its token and, when known, who it is.
#[derive(Clone, Debug)]
pub struct Identity {
    pub token: Option<Secret>,
    /// How the token was obtained, in words (never the secret).
    pub how: String,
    /// Who Keystone (or the mock) says the token is.
    pub facts: Option<IdentityFacts>,
}

pub(super) struct Resolved {
    pub target: Target,
    pub endpoints: Vec<PlannedEndpoint>,
    pub main: Identity,
    pub other: Option<Identity>,
    pub tls: TlsOptions,
    pub secrets: Vec<Secret>,
    pub renewal: Option<(CloudConfig, Option<chrono::DateTime<chrono::Utc>>)>,
}

/// Whether the command line or the environment names a target; without one the run is against
/// the embedded mock. Decidable without the network (and before any thread starts).
pub fn target_configured(args: &RunArgs) -> bool {
    !args.endpoint.is_empty()
        || args.cloud.as_deref().is_some_and(|c| !c.is_empty())
        || args.auth_url.as_deref().is_some_and(|u| !u.is_empty())
        || env("OS_AUTH_URL").is_some()
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn bad(e: impl std::fmt::Display) -> PlanError {
    PlanError::BadInput(e.to_string())
}

/// The main cloud's settings: the named cloud of clouds.yaml, under the `OS_*` environment,
/// under the flags (as openstackclient).
fn cloud_config(args: &RunArgs) -> Result<CloudConfig, PlanError> {
    let file = match args.cloud.as_deref().filter(|c| !c.is_empty()) {
        Some(name) => {
            connect::load_cloud(name, std::env::var_os("OS_CLIENT_CONFIG_FILE").map(Into::into)).map_err(bad)?
        }
        None => CloudConfig::default(),
    };
    let env_cfg = CloudConfig::from_env("OS_", |k| std::env::var(k).ok());
    let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    let flags = CloudConfig {
        auth_url: given(&args.auth_url),
        username: given(&args.username),
        password: given(&args.password).map(Secret::new),
        project_name: given(&args.project_name),
        project_id: given(&args.project_id),
        user_domain_name: given(&args.user_domain_name),
        project_domain_name: given(&args.project_domain_name),
        application_credential_id: given(&args.application_credential_id),
        application_credential_secret: given(&args.application_credential_secret).map(Secret::new),
        token: given(&args.token).map(Secret::new),
        region_name: args.region.clone(),
        interface: args.interface.clone(),
        cacert: args.cacert.clone(),
        cert: args.cert.clone(),
        key: args.key.clone(),
        insecure: args.insecure,
        ..CloudConfig::default()
    };
    Ok(file.overlay(&env_cfg).overlay(&flags))
}

pub(super) fn resolve(args: &RunArgs, suite: &Suite, rt: &tokio::runtime::Runtime) -> Result<Resolved, PlanError> {
    let timeout = Duration::from_secs_f64(args.timeout);
    if !target_configured(args) {
        return Ok(mock_target(args, suite));
    }
    let cloud = cloud_config(args)?;
    let tls = TlsOptions {
        cacert: cloud.cacert.clone(),
        cert: cloud.cert.clone(),
        key: cloud.key.clone(),
        insecure: cloud.insecure,
    };
    let mut secrets = cloud.secrets();
    let redactor = Redactor::new(secrets.clone());
    let flagged: Vec<PlannedEndpoint> = args
        .endpoint
        .iter()
        .map(|e| PlannedEndpoint {
            kind: e.kind.clone(),
            url: EndpointUrl::Fixed(e.url.clone()),
            source: EndpointSource::Flag(e.given_as.clone()),
        })
        .collect();

    let (target, mut endpoints, main, renewal) = if let Some(auth_url) = cloud.auth_url.clone() {
        let http = connect::http_client(&tls, timeout).map_err(bad)?;
        let session = rt
            .block_on(connect::authenticate(&http, &cloud))
            // The message names Keystone's status and text; it never holds the password.
            .map_err(|e| bad(redactor.redact(&e.to_string())))?;
        let endpoints = from_catalogue(&session, &cloud, &suite.endpoints)?;
        let how = match (
            &args.cloud,
            cloud.username.is_some(),
            cloud.application_credential_id.is_some(),
        ) {
            (_, _, true) => "Keystone application credential",
            (_, true, _) => "Keystone password authentication",
            _ => "Keystone token authentication",
        };
        let how = match args.cloud.as_deref().filter(|c| !c.is_empty()) {
            Some(name) => format!("{how} (cloud {name})"),
            None => format!("{how} (OS_* variables)"),
        };
        let main = Identity {
            token: Some(session.token.clone()),
            how,
            facts: Some(session.identity.clone()),
        };
        let name = args.cloud.clone().filter(|c| !c.is_empty());
        let file = name
            .as_ref()
            .and_then(|_| connect::find_clouds_yaml(std::env::var_os("OS_CLIENT_CONFIG_FILE").map(Into::into)));
        let target = Target::Cloud { name, file, auth_url };
        (target, endpoints, main, Some((cloud.clone(), session.expires_at)))
    } else {
        let main = Identity {
            token: cloud.token.clone(),
            how: if cloud.token.is_some() {
                "a token (--token / OS_TOKEN)".to_string()
            } else {
                "no token (none given: --token or OS_TOKEN)".to_string()
            },
            facts: None,
        };
        (Target::Urls, Vec::new(), main, None)
    };
    // Flags override the catalogue, kind by kind.
    for f in flagged {
        endpoints.retain(|e| e.kind != f.kind);
        endpoints.push(f);
    }
    endpoints.sort_by(|a, b| a.kind.cmp(&b.kind));

    let other = other_identity(args, &tls, timeout, rt, &mut secrets)?;
    check_pair(&main, other.as_ref())?;
    Ok(Resolved {
        target,
        endpoints,
        main,
        other,
        tls,
        secrets,
        renewal,
    })
}

/// Two identities in one project cannot show what a project is kept from: refused before any
/// case runs. (An admin as the second identity sees everything: the cases that need it not to
/// say so, `needs: [other_identity_not_admin]`, and SKIP.)
fn check_pair(main: &Identity, other: Option<&Identity>) -> Result<(), PlanError> {
    let project = |i: &Identity| i.facts.as_ref().and_then(|f| f.project_id.clone());
    if let Some(o) = other
        && let (Some(a), Some(b)) = (project(main), project(o))
        && a == b
    {
        let name = main
            .facts
            .as_ref()
            .and_then(|f| f.project_name.clone())
            .unwrap_or(a.clone());
        return Err(bad(format!(
            "the second identity ({}) is in the same project as the first ({name}): the cross-project cases need an identity of another project",
            o.how
        )));
    }
    Ok(())
}

/// The embedded mock: every kind it serves, its demo identity, and its alt identity as the
/// second one.
fn mock_target(args: &RunArgs, suite: &Suite) -> Resolved {
    let token = args
        .token
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| mock::DEFAULT_TOKEN.to_string());
    let config = MockConfig {
        images: args.mock_images,
        token: token.clone(),
        quirks: args.mock_quirk.iter().copied().collect(),
        variants: args.mock_variant.iter().copied().collect(),
        latency: Duration::from_millis(args.mock_latency_ms),
        ..MockConfig::default()
    };
    let endpoints = suite
        .endpoints
        .values()
        .filter_map(|k| {
            k.mock_path.as_ref().map(|p| PlannedEndpoint {
                kind: k.name.clone(),
                url: EndpointUrl::Mock { path: p.clone() },
                source: EndpointSource::Mock,
            })
        })
        .collect();
    let facts = |user: &str, project: &str, project_id: &str| IdentityFacts {
        user_id: Some(format!("{user}-user")),
        user_name: Some(user.to_string()),
        project_id: Some(project_id.to_string()),
        project_name: Some(project.to_string()),
        roles: vec!["member".into(), "reader".into()],
    };
    let main = Identity {
        token: Some(Secret::new(token.clone())),
        how: "the embedded mock's token".to_string(),
        facts: Some(facts(mock::DEFAULT_USER, mock::DEFAULT_PROJECT, mock::TENANT)),
    };
    let other = Identity {
        token: Some(Secret::new(format!("{token}{}", mock::ALT_TOKEN_SUFFIX))),
        how: "the embedded mock's second project's token".to_string(),
        facts: Some(facts(mock::ALT_USER, mock::ALT_PROJECT, mock::SECOND_TENANT)),
    };
    Resolved {
        target: Target::Mock { config },
        endpoints,
        main,
        other: Some(other),
        tls: TlsOptions::default(),
        secrets: Vec::new(),
        renewal: None,
    }
}

/// The URL of every endpoint kind the embedded mock serves, once it listens at `base`.
pub fn mock_urls(kinds: &BTreeMap<String, EndpointKind>, base: &str, project_id: &str) -> BTreeMap<String, Url> {
    kinds
        .values()
        .filter_map(|k| {
            let path = k.mock_path.as_ref()?.replace("{project_id}", project_id);
            Url::parse(&format!("{base}{path}")).ok().map(|u| (k.name.clone(), u))
        })
        .collect()
}

/// The second identity, when one is configured (`--other-cloud`, `OS_OTHER_*`).
fn other_identity(
    args: &RunArgs,
    tls: &TlsOptions,
    timeout: Duration,
    rt: &tokio::runtime::Runtime,
    secrets: &mut Vec<Secret>,
) -> Result<Option<Identity>, PlanError> {
    let named = args.other_cloud.as_deref().filter(|c| !c.is_empty());
    let file = match named {
        Some(name) => connect::load_cloud(name, std::env::var_os("OS_CLIENT_CONFIG_FILE").map(Into::into))
            .map_err(|e| bad(format!("second identity: {e}")))?,
        None => CloudConfig::default(),
    };
    let cfg = file.overlay(&CloudConfig::from_env("OS_OTHER_", |k| std::env::var(k).ok()));
    secrets.extend(cfg.secrets());
    let where_ = named.map_or("OS_OTHER_* variables".to_string(), |n| format!("cloud {n}"));
    if cfg.auth_url.is_none() {
        return Ok(cfg.token.clone().map(|t| Identity {
            token: Some(t),
            how: format!("a token ({where_})"),
            facts: None,
        }));
    }
    let http = connect::http_client(tls, timeout).map_err(bad)?;
    let redactor = Redactor::new(secrets.clone());
    let session = rt
        .block_on(connect::authenticate(&http, &cfg))
        .map_err(|e| bad(format!("second identity: {}", redactor.redact(&e.to_string()))))?;
    Ok(Some(Identity {
        token: Some(session.token),
        how: format!("Keystone authentication ({where_})"),
        facts: Some(session.identity),
    }))
}

/// One endpoint per kind from the catalogue: the first entry of one of the kind's service
/// types on the wanted interface and region, adjusted as the kind says.
fn from_catalogue(
    session: &Session,
    cloud: &CloudConfig,
    kinds: &BTreeMap<String, EndpointKind>,
) -> Result<Vec<PlannedEndpoint>, PlanError> {
    let interface = cloud.interface.as_deref().unwrap_or("public").trim_end_matches("URL");
    let mut out = Vec::new();
    for kind in kinds.values() {
        let entry = session.catalogue.iter().find(|e: &&CatalogueEntry| {
            kind.service_types.contains(&e.service_type)
                && e.interface == interface
                && cloud
                    .region_name
                    .as_deref()
                    .is_none_or(|r| r == e.region || e.region_id.as_deref() == Some(r))
        });
        let Some(entry) = entry else { continue };
        let url = adjust(kind, &entry.url, session.identity.project_id.as_deref()).map_err(|e| {
            bad(format!(
                "the catalogue's {} endpoint is not a URL: {e}",
                entry.service_type
            ))
        })?;
        out.push(PlannedEndpoint {
            kind: kind.name.clone(),
            url: EndpointUrl::Fixed(url),
            source: EndpointSource::Catalogue {
                service_type: entry.service_type.clone(),
                interface: entry.interface.clone(),
                region: entry.region.clone(),
            },
        });
    }
    if out.is_empty() {
        let wanted: Vec<String> = kinds.values().flat_map(|k| k.service_types.clone()).collect();
        return Err(bad(format!(
            "the service catalogue has none of the service types {} (interface {interface}, region {}); it has: {}",
            wanted.join(", "),
            cloud.region_name.as_deref().unwrap_or("any"),
            session.catalogue_words().join(", ")
        )));
    }
    Ok(out)
}

/// A catalogue URL as the cases want it: the kind's version suffix cut off, the project id
/// appended when the kind carries it in the path and the catalogue left it out.
pub fn adjust(kind: &EndpointKind, url: &str, project_id: Option<&str>) -> Result<Url, String> {
    let mut s = url.trim().to_string();
    for suffix in &kind.strip_suffixes {
        if let Some(cut) = s.strip_suffix(suffix.as_str()) {
            s = cut.to_string();
            break;
        }
    }
    let trimmed = s.trim_end_matches('/').to_string();
    let adjusted = match (kind.tenant, project_id) {
        (TenantInPath::LastSegment, Some(p)) if !trimmed.ends_with(p) => format!("{trimmed}/{p}"),
        _ => trimmed,
    };
    Url::parse(&adjusted).map_err(|e| format!("`{url}`: {e}"))
}

/// The profiles that run: those asked for (each needs an endpoint), or every profile whose
/// endpoint kind has one.
pub(super) fn profiles_to_run(args: &RunArgs, suite: &Suite, resolved: &Resolved) -> Result<Vec<String>, PlanError> {
    let has = |kind: &str| resolved.endpoints.iter().any(|e| e.kind == kind);
    if !args.profile.is_empty() {
        for p in &args.profile {
            let kind = &suite.profiles[p].endpoint;
            if !has(kind) {
                let flag = suite
                    .endpoints
                    .get(kind)
                    .map_or(String::new(), |k| format!("--{} URL or ", k.flag));
                return Err(bad(format!(
                    "--profile {p} needs a `{kind}` endpoint, and none is configured (give {flag}--endpoint {kind}=URL)"
                )));
            }
        }
        return Ok(args.profile.clone());
    }
    let run: Vec<String> = suite
        .profiles
        .values()
        .filter(|p| has(&p.endpoint))
        .map(|p| p.name.clone())
        .collect();
    if run.is_empty() {
        let given: Vec<&str> = resolved.endpoints.iter().map(|e| e.kind.as_str()).collect();
        return Err(bad(format!(
            "no profile talks to the configured endpoint kind(s) {}",
            given.join(", ")
        )));
    }
    Ok(run)
}

/// Snapshots: checked against the embedded mock with its default catalogue, off against a real
/// target; off too when the snapshots directory is missing (an installed binary away from the
/// source tree), unless asked for.
pub fn snapshot_config(args: &RunArgs) -> crate::snapshot::Config {
    use crate::snapshot::{Config, Mode};
    let against_mock = !target_configured(args);
    // A provisioning run adds its fixtures to the mock's catalogue: not the recorded one.
    let default_mock = against_mock && args.mock_images == mock::DEFAULT_IMAGES && !args.provision;
    let dir = args.snapshots_dir.clone().unwrap_or_else(crate::snapshot::default_dir);
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let mode = match args.snapshots {
        Some(m) => m,
        None if !default_mock => Mode::Off,
        None if !dir.is_dir() => {
            crate::errln!(
                "imgconform: no snapshots directory at {}; snapshot checks are off",
                dir.display()
            );
            Mode::Off
        }
        None => Mode::Check,
    };
    Config {
        mode,
        dir,
        target_is_mock: against_mock,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(yaml: &str) -> EndpointKind {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn catalogue_urls_are_adjusted_as_the_kind_says() {
        let image = kind("name: image\ntitle: t\nflag: image-url\nexample: e\nstrip_suffixes: [/v2, /v2/]\n");
        let compute = kind("name: compute\ntitle: t\nflag: compute-url\nexample: e\ntenant: last_segment\n");
        assert_eq!(
            adjust(&image, "http://g:9292/v2/", None).unwrap().as_str(),
            "http://g:9292/"
        );
        assert_eq!(
            adjust(&image, "http://h/image", None).unwrap().as_str(),
            "http://h/image"
        );
        assert_eq!(
            adjust(&compute, "http://n:8774/v2.1", Some("abc")).unwrap().as_str(),
            "http://n:8774/v2.1/abc"
        );
        assert_eq!(
            adjust(&compute, "http://n:8774/v2/abc", Some("abc")).unwrap().as_str(),
            "http://n:8774/v2/abc"
        );
    }
}
