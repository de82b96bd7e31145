//! The mutation self-check as CI runs it: the clean mock passes every case, every conforming
//! variant passes (no FAIL, no ERROR), and every quirk is caught by a case that cites the
//! requirement the quirk breaks. A quirk that survives, or is caught only by unrelated cases,
//! is a hole in the catalogue: add the case, keep the quirk.

mod common;

#[test]
fn every_quirk_is_caught_by_its_requirement_and_every_variant_passes() {
    let out = common::imgconform(&["selfcheck", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    // The published shape (schemas/report/selfcheck.json), checked here where the report is
    // made anyway: a selfcheck takes minutes in a debug build.
    common::assert_valid("selfcheck", &report);
    assert_eq!(
        report["clean_failures"],
        serde_json::json!([]),
        "the clean mock must pass every case"
    );
    let quirks = report["quirks"].as_array().unwrap();
    assert!(quirks.len() >= 30, "at least 30 quirks: {}", quirks.len());
    for q in quirks {
        assert_eq!(
            q["caught"], true,
            "quirk {} is not caught by a case citing {} (caught by {}, other failures {})",
            q["quirk"], q["requirement"], q["caught_by"], q["also_failed"]
        );
        assert!(
            q["requirement"].as_str().is_some_and(|r| r.contains('/')),
            "{} names no requirement",
            q["quirk"]
        );
    }
    assert_eq!(report["caught"], quirks.len());
    // The cases named for each quirk keep catching it (a regression guard finer than the count).
    let listed: std::collections::BTreeSet<&str> = quirks.iter().filter_map(|q| q["quirk"].as_str()).collect();
    let named: std::collections::BTreeSet<&str> = QUIRKS.iter().map(|(q, _)| *q).collect();
    assert_eq!(
        listed, named,
        "every quirk the mock offers must be listed in QUIRKS with its catching cases"
    );
    for (quirk, catchers) in QUIRKS {
        let q = quirks.iter().find(|q| q["quirk"] == *quirk).unwrap();
        let caught: Vec<&str> = q["caught_by"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c.as_str())
            .collect();
        for case in *catchers {
            assert!(
                caught.contains(case),
                "quirk {quirk}: {case} does not catch it; caught by {caught:?}"
            );
        }
    }
    let variants = report["variants"].as_array().unwrap();
    for v in variants {
        assert_eq!(
            v["passed"], true,
            "variant {} ({}) is failed by the suite: {}",
            v["variant"], v["reference"], v["failures"]
        );
    }
    assert_eq!(report["variants_passed"], variants.len());
    assert_eq!(out.code, Some(0), "{}", out.stderr);

    let text = common::imgconform(&["selfcheck"]).stdout;
    let tail: Vec<&str> = text.lines().rev().take(2).collect();
    assert_eq!(
        tail,
        [
            format!("quirks caught by their own requirement {0}/{0}", quirks.len()).as_str(),
            format!("conforming variants passed {0}/{0}", variants.len()).as_str(),
        ]
    );
}

/// Each quirk and cases that must catch it (FAIL, citing the quirk's requirement).
const QUIRKS: &[(&str, &[&str])] = &[
    (
        "limit-off-by-one",
        &[
            "image-v2/pagination/limit-1-walk",
            "image-v2/pagination/page-size-at-most-limit",
        ],
    ),
    ("marker-inclusive", &["image-v2/pagination/marker-continues-after"]),
    (
        "next-drops-filters",
        &[
            "image-v2/pagination/next-keeps-filter",
            "image-v2/pagination/next-keeps-sort",
        ],
    ),
    ("next-loops", &["image-v2/pagination/limit-3-walk"]),
    ("unknown-marker-200", &["image-v2/pagination/marker-unknown"]),
    ("name-filter-case-insensitive", &["image-v2/filters/name-exact"]),
    ("sort-dir-ignored", &["image-v2/sorting/created-at-asc"]),
    ("size-min-exclusive", &["image-v2/filters/size-min-inclusive"]),
    ("negative-limit-200", &["image-v2/pagination/limit-negative"]),
    (
        "no-auth",
        &["image-v2/errors/no-token", "image-v2/errors/invalid-token"],
    ),
    ("unknown-sort-key-200", &["image-v2/sorting/unknown-key"]),
    ("default-order-asc", &["image-v2/sorting/default-created-at-desc"]),
    (
        "compute-next-on-last-page",
        &[
            "compute-v2/pagination/limit-1-walk",
            "compute-v2/pagination/limit-2-walk",
        ],
    ),
    (
        "compute-detail-missing-one",
        &["compute-v2/shape/detail-same-images-as-list"],
    ),
    (
        "compute-changes-since-ignores-offset",
        &["compute-v2/filters/changes-since-with-offset"],
    ),
    ("compute-wrong-tenant-200", &["compute-v2/errors/wrong-tenant"]),
    (
        "compute-status-lowercase",
        &[
            "compute-v2/shape/detail-schema",
            "compute-v2/cross/detail-agrees-with-image-v2",
        ],
    ),
    ("ims-default-page-1000", &["ims/pagination/default-page-25"]),
    ("ims-platform-filter-ignored", &["ims/filters/platform"]),
    ("ims-created-at-gt-as-gte", &["ims/time/created-at-gt"]),
    (
        "limit-ignored",
        &[
            "image-v2/pagination/page-size-at-most-limit",
            "image-v2/pagination/limit-1-walk",
        ],
    ),
    ("page-gap", &["image-v2/pagination/limit-2-walk"]),
    ("duplicate-in-page", &["image-v2/shape/list-schema"]),
    ("invalid-token-403", &["image-v2/errors/invalid-token"]),
    ("name-filter-substring", &["image-v2/filters/name-not-prefix"]),
    ("size-as-string", &["image-v2/shape/list-schema"]),
    ("datetime-without-zone", &["image-v2/shape/list-schema"]),
    ("missing-visibility", &["image-v2/shape/list-schema"]),
    ("self-link-other-image", &["image-v2/shape/item-links"]),
    ("html-content-type", &["image-v2/shape/list-schema"]),
    (
        "error-body-not-json",
        &[
            "compute-v2/pagination/limit-negative",
            "compute-v2/filters/changes-since-malformed",
        ],
    ),
    ("second-page-other-order", &["image-v2/pagination/next-keeps-sort"]),
    (
        "next-never-ends",
        &[
            "image-v2/pagination/limit-3-walk",
            "image-v2/pagination/default-page-walk",
        ],
    ),
    // The write quirks: seen only by a provisioning run's fixtures (selfcheck provisions).
    (
        "deleted-image-stays-listed",
        &[
            "image-v2/provision/deleted-leaves",
            "image-v2/provision/deleted-not-found-by-name",
        ],
    ),
    ("hidden-later-still-listed", &["image-v2/provision/hidden-left-out"]),
    (
        "pending-share-listed",
        &["image-v2/provision/share-not-accepted-left-out"],
    ),
];
