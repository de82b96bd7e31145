//! What a nightly CI job relies on: JSON results, baselines (XFAIL, XPASS, expiry) and hash
//! partitions that split the suite without overlap.

use std::collections::BTreeSet;

mod common;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = common::run(args);
    (out.code, out.text())
}

#[test]
fn json_results_carry_every_case_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    let (code, _) = run(&[
        "-q",
        "--token",
        "canary-json-0123456789",
        "--mock-quirk",
        "page-gap",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("canary-json-0123456789"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = v["cases"].as_array().unwrap();
    let listed = common::run(&["--list", "-q"]);
    assert_eq!(cases.len(), listed.stdout.lines().count());
    let failed = cases.iter().find(|c| c["verdict"] == "FAIL").expect("a failing case");
    assert!(failed["requirements"].as_array().is_some_and(|r| !r.is_empty()));
    assert!(failed["findings"][0]["message"].is_string());
    assert!(
        failed["evidence"]["exchanges"][0]["curl"]
            .as_str()
            .unwrap()
            .contains("$OS_TOKEN")
    );
    assert!(v["summary"]["failed"].as_u64().unwrap() > 0);
}

#[test]
fn a_baseline_turns_known_failures_into_xfail_and_fixed_ones_into_xpass() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.json");
    let (code, _) = run(&[
        "-q",
        "--mock-quirk",
        "limit-ignored",
        "--json",
        results.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    let out = common::imgconform(&[
        "baseline",
        "--from",
        results.to_str().unwrap(),
        "--expires",
        "2999-12-31",
        "--issue",
        "https://example.invalid/1",
    ]);
    assert_eq!(out.code, Some(0));
    let baseline = dir.path().join("baseline.yaml");
    std::fs::write(&baseline, &out.stdout).unwrap();

    // The same broken cloud: every failure is known, the run passes.
    let (code, text) = run(&[
        "-q",
        "--mock-quirk",
        "limit-ignored",
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(" 0 failed") && text.contains("xfailed"), "{text}");
    // Fixed: the listed cases pass, which fails the run until the entries go.
    let (code, text) = run(&["-q", "--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("remove it from the baseline"), "{text}");

    // An expired entry no longer hides its failure.
    let expired = std::fs::read_to_string(&baseline)
        .unwrap()
        .replace("2999-12-31", "2001-01-01");
    std::fs::write(&baseline, expired).unwrap();
    let (code, text) = run(&[
        "-q",
        "--mock-quirk",
        "limit-ignored",
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("expired"), "{text}");
}

#[test]
fn a_bad_baseline_is_bad_input_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.yaml");
    std::fs::write(&path, "baseline:\n  - id: image-v2/no/such-case\n    reason: r\n").unwrap();
    let (code, text) = run(&["--baseline", path.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("b.yaml:2:5") && text.contains("no case has the id `image-v2/no/such-case`"),
        "{text}"
    );
    std::fs::write(
        &path,
        "baseline:\n  - id: image-v2/errors/no-token\n    reason: r\n    expires: someday\n",
    )
    .unwrap();
    let (code, text) = run(&["--baseline", path.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("b.yaml:4:"), "{text}");
}

#[test]
fn hash_partitions_split_the_suite_without_overlap() {
    let listed = |extra: &[&str]| -> BTreeSet<String> {
        let args: Vec<&str> = ["--list", "-q"].iter().chain(extra).copied().collect();
        common::run(&args).stdout.lines().map(str::to_string).collect()
    };
    let all = listed(&[]);
    let parts: Vec<BTreeSet<String>> = (1..=3)
        .map(|n| listed(&["--partition", &format!("hash:{n}/3")]))
        .collect();
    let union: BTreeSet<String> = parts.iter().flatten().cloned().collect();
    assert_eq!(union, all);
    assert_eq!(
        parts.iter().map(BTreeSet::len).sum::<usize>(),
        all.len(),
        "no case in two shards"
    );
    assert!(parts.iter().all(|p| !p.is_empty()));
    assert_eq!(listed(&["--partition", "hash:2/3"]), parts[1], "stable across runs");
    let (code, _) = run(&["--partition", "hash:4/3"]);
    assert_eq!(code, Some(2));
}

#[test]
fn a_request_budget_skips_the_remaining_cases_and_drops_none() {
    let (code, text) = run(&["--max-requests", "40", "--test-threads", "1"]);
    assert_eq!(code, Some(0), "a budget never fails the run:\n{text}");
    assert!(text.contains("request budget (--max-requests) is used up"), "{text}");
    let total = common::run(&["--list", "-q"]).stdout.lines().count();
    let summary = text.lines().find(|l| l.starts_with("test result: ")).unwrap();
    let counts = summary.split(';').next().unwrap();
    let num = |word: &str| -> usize {
        counts
            .split(", ")
            .find(|p| p.ends_with(word))
            .and_then(|p| p.split_whitespace().rev().nth(1)?.parse().ok())
            .unwrap()
    };
    let (passed, skipped) = (num("passed"), num("skipped"));
    assert!(skipped > 0 && passed > 0, "{summary}");
    assert_eq!(passed + skipped, total, "every case is accounted for: {summary}");
}
