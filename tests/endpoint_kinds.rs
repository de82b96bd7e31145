//! Endpoint kinds are data: a profile on a kind that no Rust knows (the fixture under
//! `tests/fixtures/new-kind/`, a read-only "mirror" of an Image API) runs against the embedded
//! mock, through its own flag `--mirror-url` and through `--endpoint mirror=URL`.

mod common;

use common::{BackgroundMock, run};

fn fixture() -> String {
    format!("{}/tests/fixtures/new-kind/cases", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_new_kind_runs_against_the_embedded_mock_without_a_rust_change() {
    let r = run(&["--add-cases", &fixture(), "--profile", "mirror"]);
    assert_eq!(r.code, Some(0), "{}", r.text());
    assert!(
        r.stdout.contains("test mirror/list/walk-limit-2 ... ok"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("test mirror/list/no-token ... ok"), "{}", r.stdout);
    assert!(r.stdout.contains("2 passed, 0 failed"), "{}", r.stdout);
}

#[test]
fn a_new_kind_has_its_own_flag_and_the_generic_endpoint_flag() {
    let mock = BackgroundMock::start(imgconform::mock::MockConfig::default());
    let url = mock.get().image_url();
    let fixture = fixture();
    for how in [
        vec!["--mirror-url", url.as_str()],
        vec!["--endpoint", &format!("mirror={url}")],
    ] {
        let mut args = vec!["--add-cases", &fixture, "--token", imgconform::mock::DEFAULT_TOKEN];
        args.extend(how.iter().copied());
        let r = run(&args);
        assert_eq!(r.code, Some(0), "{how:?}: {}", r.text());
        // Only the profile whose kind has an endpoint runs.
        assert!(r.stdout.contains("running 2 cases"), "{how:?}: {}", r.stdout);
        assert!(!r.stdout.contains("test image-v2/"), "{how:?}: {}", r.stdout);
    }
    let help = common::imgconform(&["run", "--add-cases", &fixture, "--help"]);
    assert!(help.stdout.contains("--mirror-url <URL>"), "{}", help.stdout);
    assert!(
        help.stdout.contains("Image mirror (Image API v2, read-only) endpoint"),
        "{}",
        help.stdout
    );
}

#[test]
fn the_plan_shows_where_each_profile_goes() {
    let r = run(&["--add-cases", &fixture(), "--plan"]);
    assert_eq!(r.code, Some(0), "{}", r.text());
    for line in [
        "mirror     http://127.0.0.1:<port>/image",
        "mirror     2 case(s), endpoint mirror",
    ] {
        assert!(r.stdout.contains(line), "`{line}` not in:\n{}", r.stdout);
    }
    let r = run(&["--add-cases", &fixture(), "--plan", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(plan["target_kind"], "mock");
    assert!(
        plan["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "mirror" && p["cases"] == 2)
    );
}

#[test]
fn an_unknown_kind_is_bad_input() {
    let r = run(&["--endpoint", "nosuch=http://127.0.0.1:9/x"]);
    assert_eq!(r.code, Some(2), "{}", r.text());
    assert!(
        r.stderr
            .contains("unknown endpoint kind `nosuch` (known: compute, image, ims)"),
        "{}",
        r.stderr
    );
    let r = run(&["--image-url", "ftp://127.0.0.1/image"]);
    assert_eq!(r.code, Some(2), "{}", r.text());
    assert!(r.stderr.contains("the scheme must be http or https"), "{}", r.stderr);
}
