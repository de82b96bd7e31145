//! Which `OS_*` variables a run read and which it ignored, and why: an openrc sourced in
//! another terminal, a stale `OS_CLOUD`, or an empty `OS_CLOUD=` (unset, as openstackclient
//! reads it) otherwise changes what is tested without a word. Names only, never values.

use serde::Serialize;

use super::Target;
use crate::cli::RunArgs;

/// One `OS_*` variable set in the environment.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    /// `used`, `ignored`, `empty` (treated as unset) or `not_read` (imgconform has no use for it).
    pub state: &'static str,
    /// Why, in a few words (`--region given`, `no Keystone: endpoints given as URLs`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub why: String,
}

/// What a `CloudConfig::from_env` variable is for: it decides when the variable matters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Keystone authentication: matters only when Keystone is asked.
    Auth,
    /// Picks the endpoint in the catalogue: only with Keystone.
    Catalogue,
    /// The token: sent as is, or exchanged with Keystone.
    Token,
    /// TLS: for every request to a real target.
    Tls,
}

/// The variables `CloudConfig::from_env` reads (after the `OS_` / `OS_OTHER_` prefix), with
/// the option that overrides each. A test keeps the list and `from_env` together.
const KNOWN: &[(&str, Role, Option<&str>)] = &[
    ("AUTH_URL", Role::Auth, Some("auth_url")),
    ("USERNAME", Role::Auth, Some("username")),
    ("PASSWORD", Role::Auth, Some("password")),
    ("PROJECT_NAME", Role::Auth, Some("project_name")),
    ("TENANT_NAME", Role::Auth, Some("project_name")),
    ("PROJECT_ID", Role::Auth, Some("project_id")),
    ("TENANT_ID", Role::Auth, Some("project_id")),
    ("USER_DOMAIN_NAME", Role::Auth, Some("user_domain_name")),
    ("USER_DOMAIN_ID", Role::Auth, None),
    ("PROJECT_DOMAIN_NAME", Role::Auth, Some("project_domain_name")),
    ("PROJECT_DOMAIN_ID", Role::Auth, None),
    (
        "APPLICATION_CREDENTIAL_ID",
        Role::Auth,
        Some("application_credential_id"),
    ),
    (
        "APPLICATION_CREDENTIAL_SECRET",
        Role::Auth,
        Some("application_credential_secret"),
    ),
    ("REGION_NAME", Role::Catalogue, Some("region")),
    ("INTERFACE", Role::Catalogue, Some("interface")),
    ("ENDPOINT_TYPE", Role::Catalogue, Some("interface")),
    ("TOKEN", Role::Token, Some("token")),
    ("CACERT", Role::Tls, Some("cacert")),
    ("CERT", Role::Tls, Some("cert")),
    ("KEY", Role::Tls, Some("key")),
    ("INSECURE", Role::Tls, Some("insecure")),
];

/// The `OS_*` variables of `vars` (name, value) as this run treats them.
pub fn report(
    args: &RunArgs,
    target: &Target,
    other_configured: bool,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Vec<EnvVar> {
    let flag = |id: &str| args.on_command_line.iter().any(|g| g == id);
    let cloud_named = args.cloud.as_deref().is_some_and(|c| !c.is_empty())
        || args.other_cloud.as_deref().is_some_and(|c| !c.is_empty());
    let mut out: Vec<EnvVar> = vars
        .into_iter()
        .filter(|(k, _)| k.starts_with("OS_"))
        .map(|(name, value)| {
            let (state, why) = if value.is_empty() {
                ("empty", "treated as unset".to_string())
            } else {
                judge(&name, args, target, other_configured, cloud_named, &flag)
            };
            EnvVar { name, state, why }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn judge(
    name: &str,
    args: &RunArgs,
    target: &Target,
    other_configured: bool,
    cloud_named: bool,
    flag: &dyn Fn(&str) -> bool,
) -> (&'static str, String) {
    let used = |why: &str| ("used", why.to_string());
    let ignored = |why: String| ("ignored", why);
    let from_env = |id: &str| args.from_env.iter().any(|e| e == id);
    match name {
        "OS_CLOUD" if from_env("cloud") => used("the cloud of clouds.yaml"),
        "OS_CLOUD" => ignored("--cloud given".into()),
        "OS_OTHER_CLOUD" if from_env("other_cloud") => used("the second identity's cloud"),
        "OS_OTHER_CLOUD" => ignored("--other-cloud given".into()),
        "OS_CLIENT_CONFIG_FILE" if cloud_named => used("where clouds.yaml is"),
        "OS_CLIENT_CONFIG_FILE" => ignored("no cloud named".into()),
        _ => {
            let (other, suffix) = match name.strip_prefix("OS_OTHER_") {
                Some(s) => (true, s),
                None => (false, name.strip_prefix("OS_").unwrap_or(name)),
            };
            let Some((_, role, option)) = KNOWN.iter().find(|(s, _, _)| *s == suffix) else {
                return ("not_read", "imgconform has no use for it".into());
            };
            if other {
                return if matches!(target, Target::Mock { .. }) {
                    ignored("the embedded mock brings its second identity".into())
                } else if other_configured {
                    used("the second identity")
                } else {
                    ignored("no second identity (it needs OS_OTHER_AUTH_URL or OS_OTHER_TOKEN)".into())
                };
            }
            if let Some(id) = option
                && flag(id)
            {
                return ignored(format!("--{} given", id.replace('_', "-")));
            }
            match (target, role) {
                (Target::Mock { .. }, Role::Token) if from_env("token") => used("the embedded mock's token"),
                (Target::Mock { .. }, _) => ignored("no target given: the embedded mock runs".into()),
                (Target::Cloud { .. }, Role::Token) => used("Keystone token authentication"),
                (Target::Cloud { .. }, _) => used("Keystone"),
                (Target::Urls, Role::Token) => used("sent as X-Auth-Token"),
                (Target::Urls, Role::Tls) => used("TLS"),
                (Target::Urls, _) => ignored("no Keystone: endpoints given as URLs".into()),
            }
        }
    }
}

/// `used OS_CLOUD, OS_PASSWORD; ignored OS_REGION_NAME (--region given); …` for the banner.
pub fn words(vars: &[EnvVar]) -> String {
    if vars.is_empty() {
        return "none set".to_string();
    }
    let mut parts = Vec::new();
    for (state, label) in [
        ("used", "used"),
        ("ignored", "ignored"),
        ("empty", "empty (treated as unset)"),
        ("not_read", "not read"),
    ] {
        let names: Vec<String> = vars
            .iter()
            .filter(|v| v.state == state)
            .map(|v| match state {
                "ignored" => format!("{} ({})", v.name, v.why),
                _ => v.name.clone(),
            })
            .collect();
        if !names.is_empty() {
            parts.push(format!("{label} {}", names.join(", ")));
        }
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::CloudConfig;

    #[test]
    fn every_listed_variable_is_one_from_env_reads() {
        for (suffix, _, _) in KNOWN {
            let value = if *suffix == "INSECURE" { "true" } else { "x" };
            let c = CloudConfig::from_env("OS_", |k| (k == format!("OS_{suffix}")).then(|| value.to_string()));
            assert_ne!(
                format!("{c:?}"),
                format!("{:?}", CloudConfig::default()),
                "OS_{suffix} is listed but from_env does not read it"
            );
        }
    }

    fn args(argv: &[&str]) -> RunArgs {
        use clap::Parser;
        match crate::cli::Cli::parse_from(std::iter::once("imgconform").chain(argv.iter().copied())).command {
            crate::cli::Command::Run(a) => *a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn each_variable_is_used_ignored_or_not_read_with_the_reason() {
        let mut a = args(&["run", "--region", "r1"]);
        a.on_command_line.push("region".into());
        let target = Target::Cloud {
            name: None,
            file: None,
            auth_url: "http://k/v3".into(),
        };
        let vars = [
            ("OS_AUTH_URL", "http://k/v3"),
            ("OS_REGION_NAME", "r2"),
            ("OS_CLOUD", ""),
            ("OS_IDENTITY_API_VERSION", "3"),
            ("PATH", "/bin"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let r = report(&a, &target, false, vars);
        let state = |n: &str| r.iter().find(|v| v.name == n).map(|v| (v.state, v.why.clone()));
        assert_eq!(state("OS_AUTH_URL"), Some(("used", "Keystone".to_string())));
        assert_eq!(state("OS_REGION_NAME"), Some(("ignored", "--region given".to_string())));
        assert_eq!(state("OS_CLOUD"), Some(("empty", "treated as unset".to_string())));
        assert_eq!(state("OS_IDENTITY_API_VERSION").map(|s| s.0), Some("not_read"));
        assert_eq!(state("PATH"), None, "only OS_* variables");
        assert_eq!(
            words(&r),
            "used OS_AUTH_URL; ignored OS_REGION_NAME (--region given); empty (treated as unset) OS_CLOUD; not read OS_IDENTITY_API_VERSION"
        );
    }
}
