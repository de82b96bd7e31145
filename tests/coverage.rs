//! `imgconform coverage` beyond the requirement list: the parity table of documented filters
//! (filter × profile), the document titles, and the quotes behind both, checked against the
//! seed documents themselves (copied under `tests/fixtures/seeds/`).

mod common;

use common::imgconform;
use imgconform::loader::{LoadOptions, load, quote_found};

fn seed(file: &str) -> String {
    let path = format!("{}/tests/fixtures/seeds/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}/cases", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_documented_filter_of_the_shipped_profiles_is_checked() {
    let out = imgconform(&["coverage", "--format", "json"]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let parity = &v["filters"];
    assert_eq!(parity["profiles"], serde_json::json!(["compute-v2", "image-v2", "ims"]));
    assert_eq!(parity["uncovered"], 0, "{parity:#}");
    for row in parity["rows"].as_array().unwrap() {
        for (profile, cell) in row["profiles"].as_object().unwrap() {
            let state = cell["state"].as_str().unwrap();
            match state {
                "covered" => assert!(
                    !cell["cases"].as_array().unwrap().is_empty(),
                    "{profile} {}: covered by no case",
                    row["param"]
                ),
                "untestable" => assert!(cell["untestable"].is_string()),
                "not_documented" => assert!(cell["cited"].is_null()),
                other => panic!("{profile} {}: {other}", row["param"]),
            }
            if state != "not_documented" {
                let cited = cell["cited"].as_str().unwrap();
                assert!(cited.ends_with(".txt)"), "the file name follows the title: {cited}");
            }
        }
    }
    let text = imgconform(&["coverage"]).stdout;
    let table = text
        .lines()
        .skip_while(|l| !l.starts_with("filter parity"))
        .collect::<Vec<_>>();
    assert!(
        table[1]
            .split_whitespace()
            .eq(["filter", "compute-v2", "image-v2", "ims"]),
        "{text}"
    );
    let row = |param: &str| {
        table
            .iter()
            .find(|l| l.split_whitespace().next() == Some(param))
            .unwrap_or_else(|| panic!("no row for {param}:\n{text}"))
            .to_string()
    };
    assert!(row("changes-since").contains("covered ("), "{text}");
    assert!(row("__imagetype").contains("not documented"), "{text}");
    assert!(!text.contains("UNCOVERED "), "{text}");
}

#[test]
fn filter_and_requirement_quotes_are_words_of_their_seed() {
    let suite = load(&LoadOptions::default()).unwrap();
    let mut missing = Vec::new();
    for p in suite.profiles.values() {
        assert!(!p.filters.is_empty(), "{} documents no filter", p.name);
        for f in &p.filters {
            if !quote_found(&f.quote, &seed(&f.doc)) {
                missing.push(format!("{} filter {}: {}", p.name, f.param, f.quote));
            }
        }
        if let Some(ct) = &p.json_content_types
            && let (Some(doc), Some(quote)) = (&ct.doc, &ct.quote)
            && !quote_found(quote, &seed(doc))
        {
            missing.push(format!("{} json_content_types: {quote}", p.name));
        }
    }
    for r in suite.requirements.values() {
        if !quote_found(&r.quote, &seed(&r.doc)) {
            missing.push(format!("requirement {}: {}", r.id, r.quote));
        }
    }
    assert!(
        missing.is_empty(),
        "quotes that are not in their seed:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_document_has_a_title_and_coverage_cites_by_title_then_file() {
    let suite = load(&LoadOptions::default()).unwrap();
    for p in suite.profiles.values() {
        for doc in &p.docs {
            let d = suite.documents.get(doc).unwrap_or_else(|| panic!("{doc} has no entry"));
            assert!(!d.title.is_empty() && !d.short.is_empty());
        }
    }
    assert_eq!(
        imgconform::model::cite(&suite.documents, "003_b48025eb92be26ba.txt", "Pagination"),
        "Image API v2, List images § Pagination (003_b48025eb92be26ba.txt)"
    );
    assert_eq!(
        imgconform::model::cite(&suite.documents, "999_unknown.txt", "Pagination"),
        "999_unknown.txt § Pagination"
    );
    let text = imgconform(&["coverage"]).stdout;
    assert!(
        text.contains("  Image API v2, List images § Pagination (003_b48025eb92be26ba.txt)\n"),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_str(&imgconform(&["coverage", "--format", "json"]).stdout).unwrap();
    let entry = v["profiles"][1]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "image-v2/pagination/check-next")
        .unwrap()
        .clone();
    assert_eq!(
        entry["cited"],
        "Image API v2, List images § Pagination (003_b48025eb92be26ba.txt)"
    );
}

#[test]
fn a_documented_filter_no_case_checks_is_uncovered_and_coverage_fails() {
    let dir = fixture("parity-hole");
    let out = imgconform(&["coverage", "--add-cases", &dir]);
    assert_eq!(out.code, Some(1), "{}", out.text());
    let row = |param: &str| {
        out.stdout
            .lines()
            .skip_while(|l| !l.starts_with("filter parity"))
            .find(|l| l.split_whitespace().next() == Some(param))
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Columns: compute-v2, image-v2, ims, parity.
    assert!(row("visibility").ends_with("UNCOVERED"), "{}", out.stdout);
    assert!(row("name").ends_with("covered (1)"), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "  UNCOVERED parity visibility: documented in Image API v2, List images § Filtering (003_b48025eb92be26ba.txt)"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("1 documented filter(s) UNCOVERED"),
        "{}",
        out.stdout
    );

    let json = imgconform(&["coverage", "--add-cases", &dir, "--format", "json"]);
    assert_eq!(json.code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let cell = |param: &str| {
        v["filters"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["param"] == param)
            .map(|r| r["profiles"]["parity"].clone())
            .unwrap()
    };
    assert_eq!(cell("visibility")["state"], "uncovered");
    // A case that sends the parameter but compares nothing with the catalogue does not count.
    assert_eq!(cell("visibility")["cases"], serde_json::json!([]));
    assert_eq!(cell("name")["state"], "covered");
    assert_eq!(cell("name")["cases"], serde_json::json!(["parity/filters/name"]));
    assert_eq!(cell("status")["state"], "not_documented");
}
