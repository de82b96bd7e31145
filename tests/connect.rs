//! Connecting as OpenStack tools do, end to end against the mock's Keystone: clouds.yaml with a
//! secure.yaml, the OS_* environment, application credentials, tokens, clear exit-2 errors, and
//! canary secrets in every input slot that never leave the process.

use std::path::Path;

use assert_cmd::Command;
use imgconform::mock::{self, MockConfig, Quirk, RunningMock};

struct Env {
    rt: tokio::runtime::Runtime,
    mock: Option<RunningMock>,
    dir: tempfile::TempDir,
}

const PASSWORD: &str = "canary-password-7e1d0c";
const TOKEN: &str = "canary-token-93ab51f2";

impl Env {
    fn new(quirks: &[Quirk]) -> Env {
        imgconform::tls::install_crypto_provider();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let config = MockConfig {
            password: PASSWORD.to_string(),
            token: TOKEN.to_string(),
            quirks: quirks.iter().copied().collect(),
            ..MockConfig::default()
        };
        let mock = rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            mock::spawn(config, listener).await.unwrap()
        });
        let dir = tempfile::tempdir().unwrap();
        Env {
            rt,
            mock: Some(mock),
            dir,
        }
    }

    fn auth_url(&self) -> String {
        format!("{}/identity/v3", self.mock.as_ref().unwrap().base_url())
    }

    /// clouds.yaml without the password, secure.yaml with it (as openstacksdk merges them).
    fn write_clouds(&self, password: &str) {
        let clouds = format!(
            "clouds:\n  local:\n    auth:\n      auth_url: {}\n      username: demo\n      project_name: demo\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n",
            self.auth_url()
        );
        std::fs::write(self.dir.path().join("clouds.yaml"), clouds).unwrap();
        std::fs::write(
            self.dir.path().join("secure.yaml"),
            format!("clouds:\n  local:\n    auth:\n      password: {password}\n"),
        )
        .unwrap();
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
        let mut cmd = Command::cargo_bin("imgconform").unwrap();
        cmd.current_dir(self.dir.path())
            .arg("run")
            .args(args)
            .env("HOME", self.dir.path());
        for k in [
            "OS_CLOUD",
            "OS_AUTH_URL",
            "OS_TOKEN",
            "OS_PASSWORD",
            "OS_USERNAME",
            "OS_CLIENT_CONFIG_FILE",
        ] {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(m) = self.mock.take() {
            self.rt.block_on(m.shutdown());
        }
    }
}

fn files_text(dir: &Path) -> String {
    let mut s = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "xml" || x == "json") {
            s.push_str(&std::fs::read_to_string(p).unwrap());
        }
    }
    s
}

#[test]
fn a_cloud_from_clouds_yaml_and_secure_yaml_runs_the_suite() {
    let env = Env::new(&[]);
    env.write_clouds(PASSWORD);
    let (code, text) = env.run(&["-q", "--cloud", "local", "--junit", "r.xml", "--json", "r.json"], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(" 0 failed"), "{text}");
    assert!(
        !text.contains("endpoint configured"),
        "profiles without an endpoint are not run: {text}"
    );
    let json = std::fs::read_to_string(env.dir.path().join("r.json")).unwrap();
    // The mock's catalogue lists image, compute and ims: every profile finds its endpoint there.
    for profile in ["\"compute-v2/", "\"image-v2/", "\"ims/"] {
        assert!(
            json.contains(profile),
            "{profile} cases run from the catalogue's endpoints"
        );
    }
    let all = format!("{text}{}", files_text(env.dir.path()));
    for secret in [PASSWORD, TOKEN] {
        assert!(!all.contains(secret), "a secret left the process");
    }
}

#[test]
fn os_cloud_and_the_environment_alone_work_too() {
    let env = Env::new(&[]);
    env.write_clouds(PASSWORD);
    let (code, text) = env.run(&["-q", "image-v2/errors"], &[("OS_CLOUD", "local")]);
    assert_eq!(code, Some(0), "{text}");
    let auth = env.auth_url();
    let vars = [
        ("OS_AUTH_URL", auth.as_str()),
        ("OS_APPLICATION_CREDENTIAL_ID", mock::APP_CREDENTIAL_ID),
        ("OS_APPLICATION_CREDENTIAL_SECRET", mock::APP_CREDENTIAL_SECRET),
    ];
    let (code, text) = env.run(&["-q", "compute-v2/errors"], &vars);
    assert_eq!(code, Some(0), "application credential: {text}");
    // An existing token, scoped through Keystone.
    let (code, text) = env.run(
        &["-q", "image-v2/errors"],
        &[("OS_AUTH_URL", auth.as_str()), ("OS_TOKEN", TOKEN)],
    );
    assert_eq!(code, Some(0), "token: {text}");
    assert!(!text.contains(TOKEN));
}

#[test]
fn connection_problems_are_clear_and_exit_2_before_any_case() {
    let env = Env::new(&[]);
    env.write_clouds("not-the-password-canary");
    let (code, text) = env.run(&["--cloud", "local"], &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("refused the credentials: 401 Unauthorized"), "{text}");
    assert!(!text.contains("not-the-password-canary"), "the password is never shown");
    assert!(!text.contains("running"), "{text}");

    let (code, text) = env.run(&["--cloud", "nowhere"], &[]);
    assert_eq!(code, Some(2));
    assert!(text.contains("no cloud named `nowhere` (it defines: local)"), "{text}");

    env.write_clouds(PASSWORD);
    let (code, text) = env.run(&["--cloud", "local", "--region", "Nowhere"], &[]);
    assert_eq!(code, Some(2));
    assert!(
        text.contains("has none of the service types") && text.contains("image (public, RegionOne)"),
        "{text}"
    );
}

#[test]
fn canary_secrets_in_every_slot_never_leave_a_failing_run() {
    let env = Env::new(&[Quirk::NextLoops, Quirk::ErrorBodyNotJson]);
    env.write_clouds(PASSWORD);
    let (code, text) = env.run(
        &[
            "-q", "--cloud", "local", "--token", TOKEN, "--junit", "f.xml", "--json", "f.json",
        ],
        &[("OS_PASSWORD", PASSWORD)],
    );
    assert_eq!(code, Some(1), "the quirks fail the run: {text}");
    let all = format!("{text}{}", files_text(env.dir.path()));
    for secret in [PASSWORD, TOKEN] {
        assert!(!all.contains(secret), "a secret left the process");
    }
}

#[test]
fn a_second_identity_enables_the_cross_project_cases() {
    let env = Env::new(&[]);
    env.write_clouds(PASSWORD);
    let other = format!(
        "\n  other:\n    auth:\n      auth_url: {}\n      username: {}\n      password: {}\n      project_name: {}\n",
        env.auth_url(),
        mock::ALT_USER,
        mock::ALT_PASSWORD,
        mock::ALT_PROJECT
    );
    let path = env.dir.path().join("clouds.yaml");
    let clouds = std::fs::read_to_string(&path).unwrap() + &other;
    std::fs::write(&path, clouds).unwrap();
    let (code, text) = env.run(&["cross-project", "--cloud", "local", "--other-cloud", "other"], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("3 passed") && text.contains("0 skipped"), "{text}");
    // Without a second identity every selected case SKIPs: nothing was checked (exit 4).
    let (code, text) = env.run(&["cross-project", "--cloud", "local"], &[]);
    assert_eq!(code, Some(4), "{text}");
    assert!(text.contains("needs a second identity"), "{text}");
    assert!(!text.contains(mock::ALT_PASSWORD));
}

#[test]
fn a_secret_written_in_clouds_yaml_itself_never_leaves_the_process() {
    let env = Env::new(&[Quirk::PageGap]);
    let clouds = format!(
        "clouds:\n  local:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: {}\n      application_credential_id: {}\n      application_credential_secret: {}\n",
        env.auth_url(),
        mock::APP_CREDENTIAL_ID,
        mock::APP_CREDENTIAL_SECRET
    );
    std::fs::write(env.dir.path().join("clouds.yaml"), clouds).unwrap();
    let (code, text) = env.run(&["-q", "--cloud", "local", "--junit", "c.xml", "--json", "c.json"], &[]);
    assert_eq!(code, Some(1), "the quirk fails the run: {text}");
    let all = format!("{text}{}", files_text(env.dir.path()));
    for secret in [mock::APP_CREDENTIAL_SECRET, TOKEN] {
        assert!(!all.contains(secret), "a secret left the process");
    }
}

/// The mock's admin as the main identity and demo as the other: admin's lists hold every
/// project's private images (as Glance's do), and the cross-project cases take only the main
/// project's own; the run passes, and the member_status cases that an admin's list cannot
/// decide SKIP saying so. Two identities of one project are refused before the run.
#[test]
fn an_admin_main_identity_with_demo_as_the_other_passes() {
    let env = Env::new(&[]);
    let clouds = format!(
        "clouds:\n  admin:\n    auth: {{auth_url: {url}, username: {au}, password: {ap}, project_name: {aproj}}}\n    region_name: RegionOne\n  demo:\n    auth: {{auth_url: {url}, username: demo, password: {PASSWORD}, project_name: demo}}\n    region_name: RegionOne\n  demo2:\n    auth: {{auth_url: {url}, username: demo, password: {PASSWORD}, project_name: demo}}\n",
        url = env.auth_url(),
        au = mock::ADMIN_USER,
        ap = mock::ADMIN_PASSWORD,
        aproj = mock::ADMIN_PROJECT,
    );
    std::fs::write(env.dir.path().join("clouds.yaml"), clouds).unwrap();
    let (code, text) = env.run(&["-q", "--cloud", "admin", "--other-cloud", "demo"], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(" 0 failed, 0 errors"), "{text}");
    // An admin sees every share whatever member_status: the cases that read the caller's
    // memberships off the list SKIP with that reason (they WARNed before, on Glance and the mock).
    let (code, text) = env.run(&["--cloud", "admin", "--other-cloud", "demo", "member-status-"], &[]);
    assert_eq!(code, Some(0), "{text}");
    for id in [
        "image-v2/filters/member-status-pending",
        "image-v2/filters/member-status-rejected",
        "ims/filters/member-status-pending",
        "ims/filters/member-status-rejected",
    ] {
        assert!(
            text.contains(&format!("test {id} ... SKIP: the main identity is an admin")),
            "{id}: {text}"
        );
    }
    assert!(
        text.contains("test image-v2/filters/member-status-accepted ... ok"),
        "{text}"
    );
    assert!(!text.contains("WARN"), "{text}");
    let (code, text) = env.run(&["-q", "--cloud", "demo", "--other-cloud", "demo2"], &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("is in the same project as the first"), "{text}");
}

#[test]
fn a_named_cloud_that_cannot_be_used_is_bad_input_never_the_mock() {
    let env = Env::new(&[]);
    for (entry, says) in [
        ("    region_name: RegionOne\n", "has no `auth` block"),
        (
            "    auth:\n      auth_ur: http://127.0.0.1:9/v3\n      username: demo\n",
            "`auth` has no `auth_url` (it has: auth_ur, username)",
        ),
        ("    auth: http://127.0.0.1:9/v3\n", "`auth` must be a mapping"),
        ("    auth:\n      auth_url: ''\n", "`auth.auth_url` is empty"),
    ] {
        std::fs::write(
            env.dir.path().join("clouds.yaml"),
            format!("clouds:\n  broken:\n{entry}"),
        )
        .unwrap();
        for how in [vec![("--cloud", "broken")], vec![]] {
            let args: Vec<&str> = how.iter().flat_map(|(k, v)| [*k, *v]).collect();
            let vars: &[(&str, &str)] = if how.is_empty() { &[("OS_CLOUD", "broken")] } else { &[] };
            let (code, text) = env.run(&args, vars);
            assert_eq!(code, Some(2), "{entry}: {text}");
            assert!(
                text.contains("clouds.yaml: cloud `broken`") && text.contains(says),
                "{entry}: {text}"
            );
            assert!(!text.contains("embedded mock"), "{text}");
        }
    }
}
