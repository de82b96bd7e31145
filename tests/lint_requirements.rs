//! `lint` knows the requirement inventory: a case judged at a stronger level than every
//! requirement it cites, a quote that is not in the text of a requirement it cites, and a case
//! with no check that could fail are load errors (`lint` and `run` exit 2), and such a case
//! does not count toward coverage. The golden texts are under `tests/load_errors/`
//! (`level-above-requirements`, `quote-not-in-requirement`, `no-check-could-fail`).

mod common;

use common::imgconform;
use imgconform::loader::{LoadOptions, ProblemAt, load, requirement_problems};

/// `lint --cases DIR` over one case file written from `body` (the `cases:` list).
fn lint_one(body: &str) -> common::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("image-v2")).unwrap();
    std::fs::write(dir.path().join("image-v2/case.yaml"), format!("cases:\n{body}")).unwrap();
    imgconform(&["lint", "--cases", dir.path().to_str().unwrap()])
}

const HEAD: &str = "  - id: image-v2/t/one\n    title: t\n    profile: image-v2\n";

#[test]
fn the_shipped_cases_keep_the_inventory_rules() {
    let suite = load(&LoadOptions::default()).unwrap();
    for c in &suite.cases {
        assert_eq!(requirement_problems(&c.case, &suite.requirements), vec![], "{}", c.id());
    }
}

#[test]
fn a_case_is_never_stronger_than_the_requirements_it_cites() {
    let spec = "    spec: {doc: 003_b48025eb92be26ba.txt, section: GET /v2/images, quote: \"GET /v2/images\"}\n    requirements: [image-v2/list/get-only]\n";
    let req = "    request: {path: /v2/images, method: DELETE}\n    expect: [{status: [405]}]\n";
    let must = lint_one(&format!("{HEAD}{spec}    level: MUST\n{req}"));
    assert_eq!(must.code, Some(2), "{}", must.text());
    assert!(
        must.stderr
            .contains("judged at MUST (its `level`) but cites only SHOULD requirements"),
        "{}",
        must.stderr
    );
    let should = lint_one(&format!("{HEAD}{spec}    level: SHOULD\n{req}"));
    assert_eq!(should.code, Some(0), "{}", should.text());
    // A MUST case may cite a SHOULD beside the MUST it checks.
    let both = lint_one(&format!(
        "{HEAD}{}    level: MUST\n{req}",
        spec.replace(
            "[image-v2/list/get-only]",
            "[image-v2/list/get-only, image-v2/list/available-images]"
        )
    ));
    assert_eq!(both.code, Some(0), "{}", both.text());
    // A weaker alternative level does not lift the case; a stronger one does.
    let alt = "    request: {path: /v2/images, method: DELETE}\n    expect: [{status: [405], schema: image-v2/error, level: MUST}]\n";
    let lifted = lint_one(&format!("{HEAD}{spec}    level: SHOULD\n{alt}"));
    assert_eq!(lifted.code, Some(2), "{}", lifted.text());
    assert!(
        lifted.stderr.contains("judged at MUST (`expect[0].level`)"),
        "{}",
        lifted.stderr
    );
}

#[test]
fn a_quote_must_be_words_of_a_cited_requirement() {
    let case = |quote: &str| {
        format!(
            "{HEAD}    spec: {{doc: 003_b48025eb92be26ba.txt, section: Pagination, quote: {quote}}}\n    requirements: [image-v2/pagination/limit-page-size, image-v2/pagination/zero-to-limit-items]\n    level: MUST\n    request: {{path: /v2/images, query: {{limit: 2}}}}\n    expect: [{{status: [200], schema: image-v2/images}}]\n"
        )
    };
    for ok in [
        "\"Expect a response to a limited request to return between zero and limit items.\"",
        "\"The limit parameter  is used\\n to request a specific page size.\"",
        "\"Expect a response ... between zero and limit items.\"",
        "\"Expect a response … limit items\"",
    ] {
        let out = lint_one(&case(ok));
        assert_eq!(out.code, Some(0), "{ok}: {}", out.text());
    }
    for bad in [
        // Spans two requirements: each quote is one requirement's words.
        "\"The limit parameter is used to request a specific page size. Expect a response to a limited request\"",
        "\"between zero and limit items ... Expect a response\"",
        "\"expect a response to a limited request\"",
        "\"...\"",
    ] {
        let out = lint_one(&case(bad));
        assert_eq!(out.code, Some(2), "{bad}: {}", out.text());
        assert!(out.stderr.contains("= key: cases[0].spec.quote"), "{}", out.stderr);
        assert!(
            out.stderr.contains("case.yaml:5:71"),
            "the carets are under the quote: {}",
            out.stderr
        );
    }
}

#[test]
fn a_case_needs_a_check_that_could_fail() {
    let case = |expect: &str, extra: &str| {
        format!(
            "{HEAD}    spec: {{doc: 003_b48025eb92be26ba.txt, section: Pagination, quote: \"The limit parameter is used to request a specific page size.\"}}\n    requirements: [image-v2/pagination/limit-page-size]\n    level: MUST\n    request: {{path: /v2/images, query: {{limit: 2}}}}\n{extra}    expect: {expect}\n"
        )
    };
    for (expect, extra, fine) in [
        ("[{status: [200, 400, 404, 500]}]", "", false),
        ("[{status: [200]}, {status: [400]}]", "", false),
        ("[{status: [203, 503]}]", "", false),
        ("[{status: [200]}]", "", true),
        ("[{status: [400, 404]}]", "", true),
        ("[{status: [200], schema: image-v2/images}, {status: [400]}]", "", true),
        ("[{status: [200], checks: [ids_unique]}, {status: [400]}]", "", true),
        // A walk checks its pages whatever the alternatives say.
        ("[{status: [200]}, {status: [400]}]", "    walk: {}\n", true),
    ] {
        let out = lint_one(&case(expect, extra));
        let want = if fine { 0 } else { 2 };
        assert_eq!(out.code, Some(want), "{expect} {extra}: {}", out.text());
        if !fine {
            assert!(out.stderr.contains("no check could fail"), "{}", out.stderr);
            assert!(out.stderr.contains("= key: cases[0].expect"), "{}", out.stderr);
        }
    }
}

#[test]
fn a_case_the_rules_reject_does_not_count_toward_coverage() {
    let mut suite = load(&LoadOptions::default()).unwrap();
    let covered_by = |suite: &imgconform::loader::Suite, id: &str| -> Vec<String> {
        imgconform::coverage::Coverage::of(suite)
            .profiles
            .into_iter()
            .flat_map(|p| p.entries)
            .find(|e| e.id == id)
            .unwrap()
            .cases
    };
    let before = covered_by(&suite, "image-v2/list/get-only");
    assert!(
        before.contains(&"image-v2/errors/delete-collection".to_string()),
        "{before:?}"
    );
    // Judged at MUST, the case cites only a SHOULD: the rules reject it, coverage drops it.
    let c = suite
        .cases
        .iter_mut()
        .find(|c| c.id() == "image-v2/errors/delete-collection")
        .unwrap();
    c.case.level = imgconform::model::Level::Must;
    let problems = requirement_problems(&c.case, &suite.requirements);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].at, ProblemAt::Requirements);
    let after = covered_by(&suite, "image-v2/list/get-only");
    assert!(
        !after.contains(&"image-v2/errors/delete-collection".to_string()),
        "{after:?}"
    );
}
