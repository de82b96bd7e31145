//! The suite end to end against the embedded mock: clean → every case passes; a quirk's failure
//! report carries its evidence (every quirk is caught by its cases in `tests/selfcheck.rs`);
//! JUnit is well-formed; the token never leaves the process.

use std::collections::BTreeSet;

mod common;

use common::run;

#[test]
fn the_clean_mock_passes_every_case() {
    let r = run(&[]);
    assert_eq!(r.code, Some(0), "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("running against the embedded mock at http://127.0.0.1:"),
        "{}",
        r.stderr
    );
    let summary = r
        .stdout
        .lines()
        .find(|l| l.starts_with("test result: "))
        .unwrap_or_default();
    assert!(
        summary.starts_with("test result: ok. ") && summary.contains(" passed, 0 failed, 0 errors, 0 warned, "),
        "{}",
        r.stdout
    );
    let listed = run(&["--list", "-q"]).stdout.lines().count();
    let count = |word: &str| -> usize {
        summary
            .split([',', '.', ';'])
            .find(|p| p.trim().ends_with(word))
            .and_then(|p| p.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    assert_eq!(count("passed") + count("skipped"), listed, "{summary}");
    for profile in ["compute-v2/", "image-v2/", "ims/"] {
        assert!(
            r.stdout.contains(&format!("test {profile}")),
            "the mock run covers {profile}"
        );
    }
}

#[test]
fn cross_endpoint_cases_skip_when_one_family_is_configured() {
    let mock = common::BackgroundMock::start(imgconform::mock::MockConfig::default());
    let r = run(&[
        "--compute-url",
        &mock.get().compute_url(),
        "--token",
        imgconform::mock::DEFAULT_TOKEN,
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert!(!r.stdout.contains("test image-v2/"), "only the profile with a URL runs");
    for id in [
        "compute-v2/cross/same-images-as-image-v2",
        "compute-v2/cross/detail-agrees-with-image-v2",
    ] {
        let line = r.stdout.lines().find(|l| l.contains(id)).unwrap_or_default();
        assert!(
            line.contains("... SKIP: ") && line.contains("only one family is configured"),
            "{line}"
        );
    }
}

#[test]
fn junit_is_well_formed_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    // A failing run, so <failure> bodies with evidence are in the file too.
    let r = run(&["--mock-quirk", "marker-inclusive", "--junit", path.to_str().unwrap()]);
    assert_eq!(r.code, Some(1));
    let xml = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed JUnit");
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    let n_listed = run(&["--list", "-q"])
        .stdout
        .lines()
        .filter(|l| l.ends_with(": test"))
        .count();
    assert_eq!(cases.len(), n_listed, "one testcase per case");
    let suites: BTreeSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(
        suites,
        ["compute-v2", "image-v2", "ims"].into(),
        "one suite per profile"
    );
    for c in &cases {
        let (id, class) = (c.attribute("name").unwrap(), c.attribute("classname").unwrap());
        assert!(
            id.starts_with(&format!("{}/", class.split('.').next().unwrap())),
            "{id} in {class}"
        );
        let props: Vec<_> = c.descendants().filter(|n| n.has_tag_name("property")).collect();
        let names: Vec<_> = props.iter().filter_map(|p| p.attribute("name")).collect();
        assert!(
            names.contains(&"spec") && names.contains(&"level") && names.contains(&"requirements"),
            "{:?}",
            c.attribute("name")
        );
    }
    let failure = cases
        .iter()
        .find(|c| c.attribute("name") == Some("image-v2/pagination/marker-continues-after"))
        .and_then(|c| c.descendants().find(|n| n.has_tag_name("failure")))
        .expect("the failing case has a <failure>");
    let body = failure.text().unwrap_or_default();
    assert!(body.contains("curl -sS -i"), "{body}");
    assert!(body.contains("$OS_TOKEN"), "{body}");
    assert!(body.contains("expected:"), "{body}");
}

#[test]
fn a_canary_token_never_appears_in_any_output() {
    const CANARY: &str = "canary-7f3a9c1e5b2d4086";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    for args in [
        vec![],
        vec!["--mock-quirk", "next-loops"],
        vec!["--mock-quirk", "no-auth"],
    ] {
        let mut all = args.clone();
        all.extend(["--token", CANARY, "--junit", path.to_str().unwrap()]);
        let r = run(&all);
        let junit = std::fs::read_to_string(&path).unwrap();
        for (what, text) in [("stdout", &r.stdout), ("stderr", &r.stderr), ("junit", &junit)] {
            assert!(!text.contains(CANARY), "{args:?}: the token leaked into {what}");
        }
        // The same run through OS_TOKEN.
        let text = common::output(common::command().arg("run").args(&args).env("OS_TOKEN", CANARY)).text();
        assert!(!text.contains(CANARY), "{args:?}: the OS_TOKEN token leaked");
    }
}

#[test]
fn a_failure_report_carries_the_evidence() {
    let r = run(&[
        "--mock-quirk",
        "next-loops",
        "--exact",
        "image-v2/pagination/limit-3-walk",
    ]);
    assert_eq!(r.code, Some(1));
    for needle in [
        "FAIL [MUST] image-v2/pagination/limit-3-walk",
        "spec: Image API v2, List images § Pagination (003_b48025eb92be26ba.txt)",
        "requirements: image-v2/pagination/follow-until-no-next",
        "walk: no cycle",
        "acceptable answers:",
        "curl -sS -i -H 'Accept: application/json' -H \"X-Auth-Token: $OS_TOKEN\"",
        "walk trace",
        "#1 ",
    ] {
        assert!(r.stdout.contains(needle), "missing `{needle}` in:\n{}", r.stdout);
    }
}

/// Every finding names its kind and the node of the case file that asked for it, in the
/// console and in JUnit alike (the checks come through a YAML alias: the position is the
/// anchored definition, the key path the use).
#[test]
fn a_finding_points_at_the_check_that_made_it() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("r.xml");
    let r = run(&[
        "--mock-quirk",
        "name-filter-substring",
        "--exact",
        "image-v2/filters/name-not-prefix",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(1), "{}", r.text());
    let xml = std::fs::read_to_string(&junit).unwrap();
    for text in [&r.stdout, &xml] {
        for needle in [
            "✗ [check] every_item /name: 1 of 2 item(s) do not satisfy the predicate",
            "at:       <embedded>/cases/image-v2/filters.yaml:22:13 (cases[1].expect[0].checks[0].every_item)",
            "at:       <embedded>/cases/image-v2/filters.yaml:23:13 (cases[1].expect[0].checks[1].matches_catalogue)",
        ] {
            assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
        }
    }
}

#[test]
fn a_should_failure_is_a_warning_and_the_run_passes() {
    // The tag filter is MAY in image-v2 (seed 003 says tags cannot be filtered); a case set
    // where it breaks must WARN, not FAIL.
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("image-v2");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::write(
        cases.join("warn.yaml"),
        r#"cases:
  - id: image-v2/local/should-fails
    title: a SHOULD the mock does not meet
    profile: image-v2
    spec: {doc: 003_b48025eb92be26ba.txt, section: GET /v2/images, quote: "Response body will be a list of images available to the client."}
    requirements: [image-v2/list/available-images]
    level: SHOULD
    request: {path: /v2/images}
    expect: [{status: [299]}]
"#,
    )
    .unwrap();
    let r = run(&["--cases", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert!(
        r.stdout.contains("warnings (SHOULD/MAY requirements not met"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("WARN [SHOULD] image-v2/local/should-fails"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("1 warned"), "{}", r.stdout);
}

#[test]
fn a_nightly_job_records_snapshots_and_reports_drift_as_a_warning() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    imgconform::tls::install_crypto_provider();
    let start = |quirks: Vec<imgconform::mock::Quirk>| {
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let config = imgconform::mock::MockConfig {
                quirks: quirks.into_iter().collect(),
                ..Default::default()
            };
            imgconform::mock::spawn(config, listener).await.unwrap()
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let snaps = dir.path().to_str().unwrap();
    let token = imgconform::mock::DEFAULT_TOKEN;

    // Night 1: record (pending files), then review = accept them.
    let staging = start(vec![]);
    let url = staging.image_url();
    let r = run(&[
        "--image-url",
        &url,
        "--token",
        token,
        "--snapshots",
        "update",
        "--snapshots-dir",
        snaps,
        "snapshots",
    ]);
    assert_eq!(
        r.code,
        Some(0),
        "recording against a real target warns, it does not fail:\n{}",
        r.stdout
    );
    let pending: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "new"))
        .collect();
    assert_eq!(pending.len(), 3, "{pending:?}");
    for p in pending {
        std::fs::rename(&p, p.with_extension("")).unwrap();
    }
    let r = run(&[
        "--image-url",
        &url,
        "--token",
        token,
        "--snapshots",
        "check",
        "--snapshots-dir",
        snaps,
        "snapshots",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert!(
        r.stdout.contains("0 warned"),
        "no drift on an unchanged cloud: {}",
        r.stdout
    );
    rt.block_on(staging.shutdown());

    // Night 2: the cloud changed; drift is a WARN, or a FAIL with --snapshots strict.
    let changed = start(vec![imgconform::mock::Quirk::HtmlContentType]);
    let url = changed.image_url();
    let r = run(&[
        "--image-url",
        &url,
        "--token",
        token,
        "--snapshots",
        "check",
        "--snapshots-dir",
        snaps,
        "snapshots",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert!(
        r.stdout.contains("WARN [SHOULD] image-v2/snapshots/list-page"),
        "{}",
        r.stdout
    );
    let r = run(&[
        "--image-url",
        &url,
        "--token",
        token,
        "--snapshots",
        "strict",
        "--snapshots-dir",
        snaps,
        "snapshots",
    ]);
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    for p in walk(dir.path()) {
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(!text.contains(token), "a token in {}", p.display());
    }
    rt.block_on(changed.shutdown());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
