//! A small-scale guard of the suite's cost: requests grow with the number of cases, not with
//! the catalogue. A change that brings back whole-catalogue walks at a small limit (2 000
//! pages at limit 1 over 2 000 images) fails here; the figures at 100 000 images are shown by
//! `scripts/bench.sh` (docs/benchmarks.md), never timed here.

mod common;

/// Requests a run may add per 1 000 images: the reads that must see everything (discovery per
/// family, the one whole walk per family, the reference of a filter at the largest page).
const PER_THOUSAND_IMAGES: usize = 25;
/// What appears once lists are long at all, whatever their length: the middle window of each
/// windowed walk and its reference page.
const LONG_LIST_CONSTANT: usize = 60;

fn requests_at(images: usize) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = common::run(&[
        "--mock-images",
        &images.to_string(),
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(
        out.code,
        Some(0),
        "the clean mock at {images} images must pass:\n{}",
        out.text()
    );
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    report["summary"]["requests"].as_u64().unwrap() as usize
}

#[test]
fn requests_grow_with_the_cases_not_with_the_catalogue() {
    let small = requests_at(40);
    let large = requests_at(2000);
    let bound = small + 2 * PER_THOUSAND_IMAGES + LONG_LIST_CONSTANT;
    assert!(
        large <= bound,
        "{large} requests at 2000 images against {small} at 40: more than {bound} (40-image count + 2 × {PER_THOUSAND_IMAGES} + {LONG_LIST_CONSTANT})"
    );
    // And far below one page per image: the cost of a single whole walk at limit 1.
    assert!(large < 2000 / 4, "{large} requests at 2000 images");
}

/// A case's walk of an unpaged list (`/images?limit=1000`, compute's plain list) lends its ids
/// to another case's `same_ids_as` reference of the same list: each page is asked once.
#[test]
fn a_list_walked_by_one_case_is_not_read_again_as_another_cases_reference() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let out = common::run(&[
        "--mock-images",
        "2000",
        "--exact",
        "compute-v2/cross/same-images-as-image-v2",
        "compute-v2/shape/detail-same-images-as-list",
        "--requests-log",
        log.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.text());
    let text = std::fs::read_to_string(&log).unwrap();
    let mut seen = std::collections::HashMap::new();
    for line in text.lines() {
        let l: serde_json::Value = serde_json::from_str(line).unwrap();
        let url = l["url"].as_str().unwrap().to_string();
        if url.contains("/compute/") && url.contains("/images?limit=1000") {
            *seen.entry(url).or_insert(0) += 1;
        }
    }
    assert!(seen.len() >= 2, "2 000 images are more than a page of 1 000: {seen:?}");
    assert!(seen.values().all(|n| *n == 1), "each page asked once: {seen:?}\n{text}");
}
