//! The command line contract: help, version, listing, selection and exit codes.

use assert_cmd::Command;

fn imgconform() -> Command {
    Command::cargo_bin("imgconform").unwrap()
}

#[test]
fn help_documents_the_exit_codes() {
    for args in [vec!["--help"], vec!["run", "--help"]] {
        let out = imgconform().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        for line in [
            "0  every selected case passed",
            "1  at least one case FAILed",
            "2  bad input",
            "4  the filter selected no case",
        ] {
            assert!(text.contains(line), "{args:?} help lacks `{line}`:\n{text}");
        }
    }
    let run_help = String::from_utf8_lossy(&imgconform().args(["run", "--help"]).output().unwrap().stdout).to_string();
    for flag in [
        "--image-url",
        "--token",
        "--junit",
        "--timeout",
        "--max-body",
        "--max-pages",
        "--exact",
        "--skip",
        "--list",
        "--test-threads",
    ] {
        assert!(run_help.contains(flag), "run --help lacks {flag}");
    }
}

#[test]
fn version_works_despite_libtest_mimic() {
    let out = imgconform().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("imgconform "));
}

#[test]
fn list_prints_case_ids_and_runs_nothing() {
    let out = imgconform().args(["run", "--list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("image-v2/pagination/limit-1-walk: test"), "{text}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("embedded mock"),
        "listing must not start the mock"
    );
    let filtered = imgconform().args(["run", "--list", "sorting"]).output().unwrap();
    let text = String::from_utf8_lossy(&filtered.stdout);
    assert!(
        text.lines().all(|l| l.contains("sorting")) && text.lines().count() >= 3,
        "{text}"
    );
}

#[test]
fn a_filter_that_selects_nothing_exits_4() {
    let out = imgconform().args(["run", "no-such-case-anywhere"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("selected no case"));
}

#[test]
fn bad_flags_exit_2_before_anything_runs() {
    for args in [
        vec!["run", "--no-such-flag"],
        vec!["run", "--timeout", "0"],
        vec!["run", "--timeout", "abc"],
        vec!["run", "--max-pages", "0"],
        vec!["run", "--image-url", "not a url"],
        vec!["run", "--mock-quirk", "no-such-quirk"],
        vec!["frobnicate"],
    ] {
        let out = imgconform().args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("running"),
            "{args:?} ran something"
        );
    }
}

#[test]
fn mock_lists_its_quirks() {
    let out = imgconform().args(["mock", "--list-quirks"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().count() >= 6, "{text}");
    assert!(text.contains("marker-inclusive"), "{text}");
}
