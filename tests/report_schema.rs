//! The JSON the tool writes is a published contract: `schemas/report/*.json`. Each test makes a
//! real document (a failing run with evidence and a walk trace, a run against a URL target with
//! a pre-flight and `OS_*` variables, an interrupted-looking partial file, `--list`, `--plan`,
//! `coverage`) and validates it with the jsonschema crate; a second assertion shows the schema
//! rejects what it should, so a schema that accepts anything would fail here. (`selfcheck
//! --format json` is validated in tests/selfcheck.rs, where it is made anyway.)

mod common;

use common::{BackgroundMock, assert_valid, report_schema};
use serde_json::Value;

fn results(args: &[&str]) -> (Value, common::Output) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    let mut all = args.to_vec();
    all.extend(["--json", path.to_str().unwrap()]);
    let out = common::run(&all);
    let doc = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (doc, out)
}

#[test]
fn a_failing_run_with_evidence_matches_the_results_schema() {
    let (doc, out) = results(&[
        "-q",
        "image-v2/pagination/limit-1-walk",
        "image-v2/errors",
        "ims/filters",
        "--mock-quirk",
        "marker-inclusive",
    ]);
    assert_eq!(out.code, Some(1), "{}", out.text());
    assert_valid("results", &doc);
    // Fields are data: an exchange's status is a number, its size and time are counts.
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["verdict"] == "FAIL")
        .unwrap();
    let x = &case["evidence"]["exchanges"][0];
    assert!(
        x["status"].is_u64() && x["bytes"].is_u64() && x["duration_ms"].is_u64(),
        "{x}"
    );
    assert_eq!(x["content_type"], "application/json");
    assert!(case["evidence"]["trace"][0]["status"].is_u64(), "{case}");
    assert_eq!(doc["status"], "complete");
    assert_eq!(doc["format_version"], imgconform::report::JSON_FORMAT_VERSION);

    // The schema is not a rubber stamp: a display string where a number belongs is refused.
    let mut bad = doc.clone();
    bad["cases"][0]["evidence"] = serde_json::json!({"exchanges": [{"curl": "c", "method": "GET", "url": "u",
        "status": "200 · application/json · 20347 bytes · 1 ms", "error": null, "content_type": null,
        "bytes": 0, "duration_ms": 0, "retries": [], "body": ""}], "trace": []});
    assert!(!report_schema("results").is_valid(&bad));
    let mut bad = doc;
    bad["format_version"] = 2.into();
    assert!(
        !report_schema("results").is_valid(&bad),
        "an old format_version is refused"
    );
}

#[test]
fn a_run_against_a_url_with_a_preflight_and_os_variables_matches() {
    let mock = BackgroundMock::start(imgconform::mock::MockConfig::default());
    let url = mock.get().image_url();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    let out = common::output(
        common::command()
            .env("OS_TOKEN", imgconform::mock::DEFAULT_TOKEN)
            .env("OS_CLOUD", "")
            .env("OS_IDENTITY_API_VERSION", "3")
            .args(["run", "-q", "--image-url", &url, "image-v2/errors", "--json"])
            .arg(&path),
    );
    assert_eq!(out.code, Some(0), "{}", out.text());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_valid("results", &doc);
    let plan = &doc["plan"];
    assert_eq!(plan["preflight"]["state"], "passed");
    assert_eq!(plan["preflight"]["endpoints"][0]["status"], 200);
    let names: Vec<&str> = plan["environment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["OS_CLOUD", "OS_IDENTITY_API_VERSION", "OS_TOKEN"]);
    assert!(
        !std::fs::read_to_string(&path)
            .unwrap()
            .contains(imgconform::mock::DEFAULT_TOKEN)
    );
}

#[test]
fn list_plan_and_coverage_documents_match_their_schemas() {
    for (name, args) in [
        ("list", vec!["run", "--list", "--format", "json"]),
        ("plan", vec!["run", "--plan", "--format", "json"]),
        ("coverage", vec!["coverage", "--format", "json"]),
    ] {
        let out = common::imgconform(&args);
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.text());
        let doc: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert_valid(name, &doc);
        let mut bad = doc.clone();
        bad.as_object_mut().unwrap().remove("format_version");
        assert!(
            !report_schema(name).is_valid(&bad),
            "{name} must require format_version"
        );
    }
}

#[test]
fn every_report_schema_compiles_and_is_out_of_the_profile_schemas() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/report")).unwrap() {
        let name = entry
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        report_schema(&name);
    }
    // The profiles' schemas are loaded from schemas/ (embedded); the report schemas are not
    // among them, so no case can name one and `lint` does not judge them.
    let suite = imgconform::loader::load(&Default::default()).unwrap();
    assert!(
        suite.schemas.names().all(|n| !n.starts_with("report/")),
        "{:?}",
        suite.schemas
    );
    let from_tree = imgconform::loader::load(&imgconform::loader::LoadOptions {
        schemas_dir: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas").into()),
        ..Default::default()
    })
    .unwrap();
    assert!(from_tree.schemas.names().any(|n| n == "image-v2/images"));
    assert!(
        from_tree.schemas.names().all(|n| !n.starts_with("report/")),
        "{:?}",
        from_tree.schemas
    );
}
