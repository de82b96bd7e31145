//! The mutation self-check as CI runs it: the clean mock passes every case and every quirk is
//! caught. A quirk that survives is a hole in the catalogue: add the case, keep the quirk.

use assert_cmd::Command;

#[test]
fn every_quirk_is_caught_and_the_clean_mock_is_green() {
    let out = Command::cargo_bin("imgconform")
        .unwrap()
        .args(["selfcheck", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        report["clean_failures"],
        serde_json::json!([]),
        "the clean mock must pass every case"
    );
    let quirks = report["quirks"].as_array().unwrap();
    assert!(quirks.len() >= 30, "at least 30 quirks: {}", quirks.len());
    for q in quirks {
        assert!(
            !q["caught_by"].as_array().unwrap().is_empty(),
            "quirk {} survived: no case fails",
            q["quirk"]
        );
        assert!(
            q["requirement"].as_str().is_some_and(|r| r.contains('/')),
            "{} names no requirement",
            q["quirk"]
        );
    }
    assert_eq!(report["caught"], quirks.len());
    assert_eq!(out.status.code(), Some(0));

    let text = Command::cargo_bin("imgconform")
        .unwrap()
        .arg("selfcheck")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert_eq!(
        text.lines().last(),
        Some(format!("caught {0}/{0} quirks", quirks.len()).as_str())
    );
}
