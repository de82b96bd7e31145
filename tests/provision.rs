//! Provisioning end to end: `run --provision` creates the fixtures of cases/image-v2/fixtures.yaml
//! on a loopback Image API (tests/support/glance_fake.rs, with Keystone), the fixture cases pass,
//! and the catalogue is left exactly as it was found — after a normal run, after SIGINT/SIGTERM,
//! and (through `imgconform cleanup`) after a kill. Look-alike images of other runs, of another
//! project, or with tags that only start like a marker are never touched.

#[path = "support/glance_fake.rs"]
mod fake;

mod common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The look-alikes' ids (uuids, as the image schema wants).
const LOOK_OTHER_RUN: &str = "10000000-0000-4000-8000-00000000000a";
const LOOK_PREFIX_ONLY: &str = "10000000-0000-4000-8000-00000000000b";
const LOOK_THIRD_PROJECT: &str = "10000000-0000-4000-8000-00000000000c";
const LOOK_NAME_ONLY: &str = "10000000-0000-4000-8000-00000000000d";

/// A working directory with clouds.yaml naming the fake's two identities (`main`, `other`).
struct Env {
    fake: fake::Running,
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let fake = fake::start();
        let dir = tempfile::tempdir().unwrap();
        let cloud = |user: &str| {
            format!(
                "  {user}:\n    auth:\n      auth_url: {}\n      username: {user}\n      password: {}\n      project_name: {user}\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n",
                fake.auth_url(),
                fake::PASSWORD
            )
        };
        std::fs::write(
            dir.path().join("clouds.yaml"),
            format!("clouds:\n{}{}", cloud("main"), cloud("other")),
        )
        .unwrap();
        Env { fake, dir }
    }

    fn command(&self, sub: &str, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = common::command();
        cmd.current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("OS_CLIENT_CONFIG_FILE", self.dir.path().join("clouds.yaml"))
            .arg(sub)
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> common::Output {
        let mut all = vec![
            "--cloud",
            "main",
            "--other-cloud",
            "other",
            "--provision",
            "image-v2/provision/",
        ];
        all.extend_from_slice(args);
        common::output(&mut self.command("run", &all))
    }

    fn cleanup(&self, args: &[&str]) -> common::Output {
        common::output(&mut self.command("cleanup", args))
    }

    /// Ids of every image the fake holds, sorted.
    fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .fake
            .images()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    }

    /// Images that look like fixtures but are not this run's to delete.
    fn seed_look_alikes(&self) -> Vec<String> {
        let image = |id: &str, owner: &str, tags: Value, name: &str| {
            json!({"id": id, "owner": owner, "tags": tags, "name": name, "visibility": "private", "status": "active",
                   "protected": false, "os_hidden": false, "size": 1, "checksum": "x", "min_disk": 0, "min_ram": 0,
                   "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                   "self": format!("/v2/images/{id}"), "file": format!("/v2/images/{id}/file"), "schema": "/v2/schemas/image"})
        };
        let seeded = [
            // another run's fixture, this project's: only `cleanup` (that run's id, or none) may remove it
            image(
                LOOK_OTHER_RUN,
                fake::MAIN_PROJECT,
                json!(["imgconform-20200101t000000-abcdef"]),
                "imgconform-20200101t000000-abcdef-image-v2-plain",
            ),
            // a tag that only starts like a marker
            image(
                LOOK_PREFIX_ONLY,
                fake::MAIN_PROJECT,
                json!(["imgconform-prod", "imgconform-20200101t000000-abcdef-plain"]),
                "imgconform-prod",
            ),
            // a marker, but another project's image
            image(
                LOOK_THIRD_PROJECT,
                fake::THIRD_PROJECT,
                json!(["imgconform-20200101t000000-abcdef"]),
                "imgconform-20200101t000000-abcdef-x",
            ),
            // a fixture's name, no marker tag
            image(
                LOOK_NAME_ONLY,
                fake::MAIN_PROJECT,
                json!([]),
                "imgconform-20200101t000000-abcdef-image-v2-gone",
            ),
        ];
        for i in seeded {
            self.fake.seed(i);
        }
        self.ids()
    }
}

fn run_id_of(stderr: &str) -> String {
    let at = stderr.find("of run ").expect("the run id is printed") + "of run ".len();
    stderr[at..at + 22].to_string()
}

#[test]
fn read_only_by_default_the_fixture_cases_skip() {
    let out = common::run(&["image-v2/provision/"]);
    assert_eq!(out.code, Some(4), "nothing was checked: {}", out.text());
    assert!(
        out.stderr.contains("read-only: nothing is created, changed or deleted"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout
            .contains("which only a provisioning run creates (run --provision"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("... ok"),
        "no fixture case can pass read-only: {}",
        out.stdout
    );
}

#[test]
fn a_provisioning_run_passes_and_leaves_the_catalogue_as_it_found_it() {
    let env = Env::new();
    let before = env.seed_look_alikes();
    let out = env.run(&[]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    assert!(
        out.stderr.contains("provisioning: run id"),
        "the banner says the mode: {}",
        out.stderr
    );
    for case in [
        "created-appears",
        "created-fields",
        "deleted-leaves",
        "hidden-left-out",
        "hidden-listed-when-asked",
        "share-accepted-listed",
        "share-not-accepted-left-out",
        "member-status-pending",
        "member-status-rejected",
        "deactivated-keeps-place",
        "filter-tag",
        "filter-property",
        "filter-min-disk",
        "filter-min-ram",
        "filter-protected",
        "filter-visibility-community",
        "community-for-everyone",
    ] {
        assert!(
            out.stdout.contains(&format!("test image-v2/provision/{case} ... ok")),
            "{case} passes: {}",
            out.stdout
        );
    }
    // Glance's default policy keeps publicize_image for admins: a SKIP that says so, not a FAIL.
    assert!(out.stdout.contains("other-public-listed ... SKIP"), "{}", out.stdout);
    assert!(out.stdout.contains("publicize_image"), "{}", out.stdout);
    assert!(
        out.stderr.contains("cleanup: removed 11 fixture(s)"),
        "12 made, one deleted by its case's setup, one refused: {}",
        out.stderr
    );
    assert_eq!(env.ids(), before, "the catalogue is as it was, look-alikes included");
}

#[test]
fn every_write_counts_toward_max_requests_and_cleanup_still_removes_everything() {
    let env = Env::new();
    let before = env.ids();
    let out = env.run(&["--max-requests", "6"]);
    assert!(
        out.stderr
            .contains("request budget (--max-requests) ran out while making it"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout
            .contains("SKIP: the run's request budget (--max-requests) is used up"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("... FAIL"),
        "the suite's own limit is no FAIL: {}",
        out.stdout
    );
    assert!(out.stderr.contains("cleanup: removed"), "{}", out.stderr);
    assert_eq!(env.ids(), before, "removals are never refused by the budget");
}

/// Writes a provisioning run of every image-v2 fixture case sends (12 creates, 2 uploads, a
/// patch, 4 members, 3 member statuses, a member removed, a deactivation, a delete).
const PROVISIONING_WRITES: usize = 25;

/// When to send the signal: after `n` images exist, or after provisioning is done.
enum When {
    Images(usize),
    CasesRunning,
}

/// Starts a provisioning run whose writes are slow, waits for `when`, and sends it `signal`.
fn interrupt_after(env: &Env, when: When, signal: i32) -> (Option<i32>, String) {
    env.fake.set_write_delay(Duration::from_millis(match when {
        When::Images(_) => 150,
        When::CasesRunning => 5,
    }));
    if let When::CasesRunning = when {
        env.fake.set_list_delay(Duration::from_millis(700));
    }
    let bin = assert_cmd::cargo::cargo_bin("imgconform");
    let child = std::process::Command::new(bin)
        .current_dir(env.dir.path())
        .env("HOME", env.dir.path())
        .env("OS_CLIENT_CONFIG_FILE", env.dir.path().join("clouds.yaml"))
        .env_remove("OS_CLOUD")
        .args([
            "run",
            "--cloud",
            "main",
            "--other-cloud",
            "other",
            "--provision",
            "image-v2/provision/",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let reached = || match when {
        When::Images(n) => env.fake.images().len() >= n,
        When::CasesRunning => env.fake.writes() >= PROVISIONING_WRITES,
    };
    while !reached() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never got that far"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    if let When::CasesRunning = when {
        std::thread::sleep(Duration::from_millis(300));
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc_kill(child.id() as i32, signal) };
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

const SIGINT: i32 = 2;
const SIGKILL: i32 = 9;
const SIGTERM: i32 = 15;

#[test]
fn sigint_while_provisioning_removes_what_was_made() {
    let env = Env::new();
    let before = env.seed_look_alikes();
    let (code, stderr) = interrupt_after(&env, When::Images(before.len() + 3), SIGINT);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("received while provisioning"), "{stderr}");
    assert!(stderr.contains("cleanup: removed"), "{stderr}");
    assert_eq!(env.ids(), before, "{stderr}");
}

#[test]
fn sigterm_while_cases_run_removes_the_fixtures() {
    let env = Env::new();
    let before = env.ids();
    let (code, stderr) = interrupt_after(&env, When::CasesRunning, SIGTERM);
    assert_eq!(code, Some(143), "{stderr}");
    assert!(stderr.contains("cleanup: removed"), "{stderr}");
    assert_eq!(env.ids(), before, "{stderr}");
}

#[test]
fn a_killed_run_leaves_fixtures_that_cleanup_finds_and_removes() {
    let env = Env::new();
    let before = env.seed_look_alikes();
    let (code, stderr) = interrupt_after(&env, When::Images(before.len() + 6), SIGKILL);
    assert_eq!(code, None, "killed: {stderr}");
    let left = env.ids().len() - before.len();
    assert!(left >= 6, "the kill left fixtures behind");
    let run = run_id_of(&stderr);

    let dry = env.cleanup(&[
        "--cloud",
        "main",
        "--other-cloud",
        "other",
        "--run-id",
        &run,
        "--dry-run",
    ]);
    assert_eq!(dry.code, Some(0), "{}", dry.text());
    assert_eq!(
        dry.stdout.lines().filter(|l| l.starts_with("would delete ")).count(),
        left,
        "{}",
        dry.stdout
    );
    assert_eq!(env.ids().len(), before.len() + left, "a dry run deletes nothing");

    let out = env.cleanup(&["--cloud", "main", "--other-cloud", "other", "--run-id", &run]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    assert_eq!(
        out.stdout.lines().filter(|l| l.starts_with("deleted ")).count(),
        left,
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("tag imgconform-{run}")),
        "each deletion is listed: {}",
        out.stdout
    );
    assert_eq!(env.ids(), before, "only the run's own images were deleted");
}

#[test]
fn cleanup_without_a_run_id_removes_only_marked_images_of_the_own_project() {
    let env = Env::new();
    env.seed_look_alikes();
    let out = env.cleanup(&["--cloud", "main"]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    let deleted: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("deleted ")).collect();
    assert_eq!(deleted.len(), 1, "{}", out.stdout);
    assert!(
        deleted[0].starts_with(format!("deleted {} ", LOOK_OTHER_RUN).as_str()),
        "{}",
        out.stdout
    );
    let left = env.ids();
    for id in [LOOK_PREFIX_ONLY, LOOK_THIRD_PROJECT, LOOK_NAME_ONLY] {
        assert!(left.contains(&id.to_string()), "{id} stays: {left:?}");
    }
}

#[test]
fn cleanup_of_a_run_id_leaves_other_runs_alone() {
    let env = Env::new();
    let before = env.seed_look_alikes();
    let out = env.cleanup(&["--cloud", "main", "--run-id", "20261202t195618-a1b2c3"]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    assert!(!out.stdout.contains("deleted "), "{}", out.stdout);
    assert_eq!(env.ids(), before);
    let bad = env.cleanup(&["--cloud", "main", "--run-id", "prod"]);
    assert_eq!(bad.code, Some(2), "a malformed run id is bad input: {}", bad.text());
}

/// The write-dependent bugs the mock can inject are caught by a provisioning run: each by the
/// case that reads what the write should have done, at that case's level.
#[test]
fn write_quirks_are_caught_by_the_fixture_cases() {
    for (quirk, caught_by) in [
        (
            "deleted-image-stays-listed",
            &["deleted-leaves ... FAILED", "deleted-not-found-by-name ... FAILED"][..],
        ),
        // The stand-in's bug also drops the image from os_hidden=true: caught twice.
        (
            "hidden-later-still-listed",
            &["hidden-left-out ... WARN", "hidden-listed-when-asked ... WARN"][..],
        ),
        ("pending-share-listed", &["share-not-accepted-left-out ... WARN"][..]),
    ] {
        let env = Env::new();
        env.fake.quirk(quirk);
        let out = env.run(&[]);
        let mut broken: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| l.starts_with("test ") && (l.ends_with("FAILED") || l.ends_with("WARN")))
            .map(|l| l.trim_start_matches("test image-v2/provision/"))
            .collect();
        broken.sort();
        assert_eq!(
            broken, caught_by,
            "{quirk} is caught by its cases and breaks no other: {}",
            out.stdout
        );
    }
}

/// The ims fixture cases on the same stand-in (IMS keeps Glance's write calls), given as the
/// ims endpoint.
#[test]
fn the_ims_fixture_cases_pass_and_are_cleaned_up() {
    let env = Env::new();
    let before = env.ids();
    let ims = format!("--endpoint=ims={}", env.fake.image_url());
    let out = common::output(&mut env.command(
        "run",
        &[
            "--cloud",
            "main",
            "--other-cloud",
            "other",
            "--provision",
            &ims,
            "ims/provision/",
        ],
    ));
    assert_eq!(out.code, Some(0), "{}", out.text());
    for case in [
        "tag",
        "protected",
        "member-status-pending",
        "member-status-accepted",
        "member-status-rejected",
    ] {
        assert!(
            out.stdout.contains(&format!("test ims/provision/{case} ... ok")),
            "{case}: {}",
            out.stdout
        );
    }
    assert!(out.stderr.contains("cleanup: removed 5 fixture(s)"), "{}", out.stderr);
    assert_eq!(env.ids(), before);
}

/// Against the embedded mock, once it has the write side (POST /v2/images, file, PATCH,
/// DELETE, members, actions: mock Part 2 of issue 15): every fixture case passes there too and
/// the mock's catalogue is back as it was (the cleanup line says so).
#[test]
fn a_provisioning_run_against_the_embedded_mock_passes() {
    let out = common::run(&["--provision", "image-v2/provision/", "ims/provision/"]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    assert!(
        !out.stdout.contains("... ERROR") && !out.stdout.contains("... FAILED"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("cleanup: removed"), "{}", out.stderr);
    assert!(!out.stderr.contains("could not remove"), "{}", out.stderr);
}

/// A fixture the server fails to make (5xx) is an ERROR of the cases that need it; one it
/// refuses (4xx: a server before Image API 2.5 has no community visibility) is a SKIP that says
/// why. Either way what was made is removed.
#[test]
fn a_fixture_the_server_cannot_make_is_an_error_and_one_it_refuses_a_skip() {
    let env = Env::new();
    let before = env.ids();
    env.fake.quirk("upload-fails");
    env.fake.quirk("no-community");
    let out = env.run(&[]);
    assert_eq!(out.code, Some(1), "{}", out.text());
    assert!(
        out.stdout.contains("test image-v2/provision/created-fields ... ERROR"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("the fixture `plain` (cases/image-v2/fixtures.yaml): it could not be made: PUT "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "community-for-everyone ... SKIP: needs the fixture `community`, which this run could not make: the target refused it: POST "
        ),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("... FAILED"),
        "no list case is blamed: {}",
        out.stdout
    );
    assert_eq!(env.ids(), before);
}

/// `--plan` says what a provisioning run would create and creates nothing.
#[test]
fn the_plan_of_a_provisioning_run_writes_nothing() {
    let env = Env::new();
    let out = env.run(&["--plan"]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    assert!(
        out.stdout.contains("mode:       provisioning: run id "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("13 fixture(s) created before the cases"),
        "{}",
        out.stdout
    );
    assert_eq!(env.fake.writes(), 0);
    assert!(env.ids().is_empty());
}

/// A protected leftover is unprotected first (Glance refuses to delete a protected image).
#[test]
fn cleanup_unprotects_a_protected_leftover() {
    let env = Env::new();
    let run = "20261202t195618-a1b2c3";
    env.fake.seed(
        json!({"id": "10000000-0000-4000-8000-0000000000ee", "owner": fake::MAIN_PROJECT,
        "tags": [format!("imgconform-{run}")], "name": format!("imgconform-{run}-image-v2-protected"),
        "visibility": "private", "status": "deactivated", "protected": true, "os_hidden": true}),
    );
    let out = env.cleanup(&["--cloud", "main", "--run-id", run]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    assert!(
        out.stdout.starts_with("deleted 10000000-0000-4000-8000-0000000000ee "),
        "{}",
        out.stdout
    );
    assert!(
        env.ids().is_empty(),
        "hidden, protected and deactivated, it is still found and removed"
    );
}
