//! The command line contract: help, version, listing, selection and exit codes.

use assert_cmd::Command;

mod common;

fn imgconform() -> Command {
    common::command()
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
    let out = imgconform().args(["run", "--list", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("image-v2/pagination/limit-1-walk: test\n"), "{text}");
    // Without -q, each case with its title and level; with --format json, as data.
    let out = imgconform().args(["run", "--list"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("image-v2/pagination/limit-1-walk ")
            && l.contains("Walking next with limit=1")
            && l.ends_with("[MUST]")),
        "{text}"
    );
    let out = imgconform()
        .args(["run", "--list", "--format", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list["format_version"].is_u64(), "{list}");
    assert!(
        list["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "image-v2/pagination/limit-1-walk" && c["level"] == "MUST")
    );
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

/// Issue 11: a catalogue beyond `mock::MAX_IMAGES` is refused at flag parsing (it used to
/// panic on 18446744073709551615 and abort on a 32 GB allocation for 100000000).
#[test]
fn catalogue_sizes_beyond_the_maximum_exit_2_with_the_range() {
    let max = imgconform::mock::MAX_IMAGES.to_string();
    let over = (imgconform::mock::MAX_IMAGES + 1).to_string();
    for flag in [["mock", "--images"], ["run", "--mock-images"]] {
        for n in [
            over.as_str(),
            "100000000",
            "18446744073709551615",
            "18446744073709551616",
            "-1",
        ] {
            let out = imgconform()
                .args([flag[0], &format!("{}={n}", flag[1])])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{flag:?} {n}: {err}");
            assert!(err.contains(flag[1]) && err.contains(n), "{flag:?} {n}: {err}");
            if n == over {
                assert!(
                    err.contains(&format!("at most {max}")),
                    "the error names the maximum: {err}"
                );
            }
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    // The maximum itself is accepted (--list-quirks exits before building the catalogue).
    let out = imgconform()
        .args(["mock", "--images", &max, "--list-quirks"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn mock_lists_its_quirks() {
    let out = imgconform().args(["mock", "--list-quirks"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().count() >= 6, "{text}");
    assert!(text.contains("marker-inclusive"), "{text}");
}

#[test]
fn mock_serves_until_sigterm_and_stops_cleanly() {
    use std::io::{BufRead, BufReader};
    let bin = assert_cmd::cargo::cargo_bin("imgconform");
    let mut child = std::process::Command::new(bin)
        .args([
            "mock",
            "--listen",
            "127.0.0.1:0",
            "--images",
            "5",
            "--token",
            "t0ken-for-this-test",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner: Vec<String> = (0..3).map(|_| lines.next().unwrap().unwrap()).collect();
    assert!(banner[0].contains("5 images"), "{banner:?}");
    let endpoint = banner[1]
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    assert!(
        banner[2].contains("t0ken-for-this-test"),
        "the mock prints the token to use: {banner:?}"
    );
    // The endpoint answers with the token shown.
    let status = std::process::Command::new("bash")
        .args(["-c", &format!("exec 3<>/dev/tcp/{}; printf 'GET /image/v2/images HTTP/1.0\\r\\nX-Auth-Token: t0ken-for-this-test\\r\\n\\r\\n' >&3; head -c 12 <&3", endpoint.trim_start_matches("http://").trim_end_matches("/image").replace(':', "/"))])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "HTTP/1.0 200");
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

#[test]
fn the_binary_works_away_from_the_source_tree() {
    // The shipped cases and schemas are compiled in: no files are read from the working directory.
    let dir = tempfile::tempdir().unwrap();
    let out = imgconform()
        .current_dir(dir.path())
        .args(["run", "-q", "errors"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn coverage_lists_every_requirement_and_has_no_unexplained_hole() {
    let out = imgconform().args(["coverage", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let profiles = v["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 3);
    for p in profiles {
        assert_eq!(p["uncovered_must"], 0, "{}: an uncovered MUST", p["profile"]);
        for e in p["entries"].as_array().unwrap() {
            let covered = !e["cases"].as_array().unwrap().is_empty();
            assert!(
                covered || e["untestable"].is_string(),
                "{} is uncovered without a reason",
                e["id"]
            );
        }
    }
    let text = String::from_utf8_lossy(&imgconform().arg("coverage").output().unwrap().stdout).to_string();
    assert!(text.lines().last().unwrap().starts_with("coverage: "), "{text}");
}

#[test]
fn a_case_naming_an_unknown_requirement_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("image-v2")).unwrap();
    std::fs::write(
        dir.path().join("image-v2/x.yaml"),
        "cases:\n  - id: image-v2/x/y\n    title: t\n    profile: image-v2\n    spec: {doc: 003_b48025eb92be26ba.txt, section: s, quote: q}\n    requirements: [image-v2/no/such-requirement]\n    level: MUST\n    request: {path: /v2/images}\n    expect: [{status: [200]}]\n",
    )
    .unwrap();
    let out = imgconform().args(["lint", "--cases"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[reference]: unknown requirement `image-v2/no/such-requirement`")
            && stderr.contains("x.yaml:6:20")
            && stderr.contains("= key: cases[0].requirements[0]"),
        "{stderr}"
    );
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = common::imgconform(&["--version"]);
    assert_eq!(out.code, Some(0));
    let line = out.stdout.trim();
    let commit = line
        .strip_prefix(&format!("imgconform {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not `imgconform VERSION (commit C)`: {line}"));
    let git = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match git {
        Some(head) => assert_eq!(commit, head, "built from another commit than HEAD"),
        None => assert_eq!(commit, "unknown"),
    }
}

#[test]
fn the_banner_says_what_is_tested_by_whom_with_which_build() {
    let r = common::run(&["-q", "errors"]);
    assert_eq!(r.code, Some(0), "{}", r.text());
    for line in [
        &format!("imgconform {} (commit ", env!("CARGO_PKG_VERSION")),
        "read-only (the cases send GET",
        "target:     no target given: running against the embedded mock at http://127.0.0.1:",
        "profiles:   compute-v2",
        "identity:   demo in project demo (roles member, reader)",
        "other:      alt in project alt",
        "pre-flight: not needed (the embedded mock)",
        "OS_* vars:  none set",
    ] {
        assert!(r.stderr.contains(line), "`{line}` not in the banner:\n{}", r.stderr);
    }
    let selected = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("cases:      "))
        .and_then(|l| l.split_whitespace().next()?.parse::<usize>().ok());
    assert_eq!(selected, Some(15), "{}", r.stderr);
    assert!(
        !r.stdout.contains("target:"),
        "the banner stays off stdout: {}",
        r.stdout
    );
}

#[test]
fn the_banner_says_which_os_variables_were_used_and_an_empty_os_cloud_is_unset() {
    let mock = common::BackgroundMock::start(imgconform::mock::MockConfig::default());
    let url = mock.get().image_url();
    let r = common::output(
        imgconform()
            .env("OS_CLOUD", "")
            .env("OS_TOKEN", imgconform::mock::DEFAULT_TOKEN)
            .env("OS_REGION_NAME", "RegionTwo")
            .env("OS_IDENTITY_API_VERSION", "3")
            .args(["run", "-q", "--os-image-url", &url, "image-v2/errors"]),
    );
    assert_eq!(r.code, Some(0), "an empty OS_CLOUD is no cloud: {}", r.text());
    let vars = r
        .stderr
        .lines()
        .find(|l| l.starts_with("OS_* vars:"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert_eq!(
        vars,
        "OS_* vars:  used OS_TOKEN; ignored OS_REGION_NAME (no Keystone: endpoints given as URLs); \
         empty (treated as unset) OS_CLOUD; not read OS_IDENTITY_API_VERSION"
    );
    assert!(r.stderr.contains("pre-flight: passed (image 200 in "), "{}", r.stderr);
    assert!(
        !r.text().contains(imgconform::mock::DEFAULT_TOKEN),
        "a token was printed"
    );
}

#[test]
fn openstackclient_spellings_are_accepted() {
    let help = common::imgconform(&["run", "--help"]).stdout;
    for alias in [
        "--os-cloud",
        "--os-token",
        "--os-auth-url",
        "--os-username",
        "--os-password",
        "--os-project-name",
        "--os-region-name",
        "--os-interface",
        "--os-cacert",
        "--os-image-url",
        "--os-compute-url",
    ] {
        assert!(help.contains(alias), "run --help lacks {alias}");
    }
    // --os-auth-url is --auth-url: a Keystone that is not there is refused before any case.
    let r = common::run(&[
        "--os-auth-url",
        "http://127.0.0.1:1/v3",
        "--os-username",
        "u",
        "--os-password",
        "pw-for-this-test",
        "--os-project-name",
        "p",
        "--plan",
    ]);
    assert_eq!(r.code, Some(2), "{}", r.text());
    assert!(
        r.stderr.contains("cannot reach Keystone at http://127.0.0.1:1/v3"),
        "{}",
        r.stderr
    );
    assert!(!r.text().contains("pw-for-this-test"), "{}", r.text());
}

#[test]
fn a_password_on_the_command_line_never_reaches_a_report() {
    let r = common::run(&["--plan", "--format", "json", "--os-password", "hunter2-on-the-line"]);
    assert_eq!(r.code, Some(0), "{}", r.text());
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let line = plan["command_line"].as_str().unwrap();
    assert!(line.contains("--os-password [REDACTED]"), "{line}");
    assert!(!r.text().contains("hunter2-on-the-line"), "{}", r.text());
}

#[test]
fn junit_testsuites_carry_the_run_and_each_report_is_announced() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let json = dir.path().join("results.json");
    let r = common::run(&[
        "-q",
        "errors",
        "--junit",
        junit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.text());
    assert!(
        r.stderr.contains(&format!(
            "imgconform: wrote JUnit report {} (15 cases)",
            junit.display()
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(&format!("imgconform: wrote JSON results {} (15 cases)", json.display())),
        "{}",
        r.stderr
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let props: Vec<(String, String)> = root
        .children()
        .find(|n| n.has_tag_name("properties"))
        .expect("<testsuites> has <properties>")
        .children()
        .filter(|n| n.has_tag_name("property"))
        .map(|n| {
            (
                n.attribute("name").unwrap().to_string(),
                n.attribute("value").unwrap().to_string(),
            )
        })
        .collect();
    let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert!(
        get("imgconform.version")
            .unwrap()
            .starts_with(env!("CARGO_PKG_VERSION"))
    );
    assert!(get("imgconform.target").unwrap().starts_with("embedded mock"));
    assert!(get("imgconform.command").unwrap().contains("--junit"));
    assert!(
        get("imgconform.identity")
            .unwrap()
            .starts_with("main: demo in project demo")
    );
    assert_eq!(get("imgconform.cases_selected"), Some("15"));
    let started = get("imgconform.started").unwrap();
    let finished = get("imgconform.finished").unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(started).unwrap()
            <= chrono::DateTime::parse_from_rfc3339(finished).unwrap()
    );
    assert!(
        get("imgconform.mock_command")
            .unwrap()
            .starts_with("imgconform mock --listen 127.0.0.1:")
    );
}

#[test]
fn a_failure_against_the_embedded_mock_says_how_to_start_that_mock_again() {
    let r = common::run(&[
        "-q",
        "image-v2/pagination/limit-1-walk",
        "--mock-quirk",
        "marker-inclusive",
    ]);
    assert_eq!(r.code, Some(1), "{}", r.text());
    let base = r
        .stderr
        .split("embedded mock at ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    let port = base.rsplit(':').next().unwrap();
    assert!(
        r.stdout.contains(&format!("'{base}/image/v2/images?limit=1")),
        "the curl names the mock: {}",
        r.stdout
    );
    let cmd = format!("imgconform mock --listen 127.0.0.1:{port} --images 40 --quirk marker-inclusive");
    assert_eq!(r.stdout.matches(&cmd).count(), 1, "once: {}", r.stdout);
}

#[test]
fn spec_references_are_readable_in_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let (junit, json) = (dir.path().join("r.xml"), dir.path().join("r.json"));
    let r = common::run(&[
        "-q",
        "image-v2/pagination/limit-1-walk",
        "--mock-quirk",
        "marker-inclusive",
        "--junit",
        junit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(1), "{}", r.text());
    let cite = "Image API v2, List images § Pagination (003_b48025eb92be26ba.txt)";
    assert!(r.stdout.contains(&format!("spec: {cite}: \"")), "{}", r.stdout);
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let spec = doc
        .descendants()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some("spec"))
        .and_then(|n| n.attribute("value"));
    assert_eq!(spec, Some(cite));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let case = &v["cases"][0];
    assert_eq!(case["spec"], cite);
    assert_eq!(case["spec_ref"]["document"], "003_b48025eb92be26ba.txt");
    assert_eq!(case["spec_ref"]["title"], "Image API v2, List images");
    assert_eq!(case["spec_ref"]["short"], "image list");
    assert_eq!(case["spec_ref"]["section"], "Pagination");
}

#[test]
fn completions_and_man_pages_come_from_the_real_command_line() {
    for shell in ["bash", "zsh", "fish"] {
        let out = common::imgconform(&["completions", shell]);
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        for flag in ["image-url", "no-preflight", "os-cloud", "mock-quirk"] {
            assert!(out.stdout.contains(flag), "{shell} completions lack {flag}");
        }
    }
    assert_eq!(common::imgconform(&["completions", "tcsh"]).code, Some(2));
    let man = common::imgconform(&["man"]);
    assert_eq!(man.code, Some(0), "{}", man.stderr);
    assert!(man.stdout.contains(".TH imgconform 1"), "{}", man.stdout);
    assert!(man.stdout.contains("Exit codes"), "the exit-code table is in the page");
    let run = common::imgconform(&["man", "run"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains(".TH imgconform-run 1"), "{}", run.stdout);
    assert!(
        run.stdout.contains(r"\-\-image\-url"),
        "the per-kind flags are in run's page"
    );
    assert_eq!(common::imgconform(&["man", "no-such-command"]).code, Some(2));
}

#[test]
fn run_help_is_grouped_and_has_no_libtest_leftovers() {
    let help = common::imgconform(&["run", "--help"]).stdout;
    let headings: Vec<&str> = help
        .lines()
        .filter(|l| !l.starts_with(' ') && l.ends_with(':'))
        .collect();
    assert_eq!(
        headings,
        [
            "Options:",
            "Selection:",
            "Output:",
            "Target:",
            "Target: the embedded mock:",
            "Limits:",
            "Politeness:",
            "Exit codes:"
        ],
        "{help}"
    );
    // Options: holds only --help; everything else is under what it is for.
    let options = help
        .split("Options:")
        .nth(1)
        .unwrap()
        .split("Selection:")
        .next()
        .unwrap();
    assert_eq!(options.matches("--").count(), 1, "{options}");
    for leftover in [
        "--bench",
        "-Z ",
        "--show-output",
        "--nocapture",
        "Usefull",
        "--logfile",
        "--force-run-in-process",
    ] {
        assert!(!help.contains(leftover), "libtest's {leftover} is back:\n{help}");
    }
}
/// Runs the suite against a slow embedded mock, sends `signal` once the JUnit file shows a
/// finished case, and returns the exit code with both reports.
fn interrupted_run(signal: &str) -> (Option<i32>, String, String, String) {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let (junit, json) = (dir.path().join("r.xml"), dir.path().join("r.json"));
    let bin = assert_cmd::cargo::cargo_bin("imgconform");
    let mut child = std::process::Command::new(bin)
        .args([
            "run",
            "-q",
            "--mock-latency-ms",
            "200",
            "--test-threads",
            "2",
            "--junit",
        ])
        .arg(&junit)
        .arg("--json")
        .arg(&json)
        .env_remove("OS_CLOUD")
        .env_remove("OS_AUTH_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (bounded) until at least one case is in the report, then interrupt.
    for _ in 0..600 {
        let text = std::fs::read_to_string(&junit).unwrap_or_default();
        if text.contains("<testcase") && !text.contains("not run") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let code = child.wait().unwrap().code();
    let xml = std::fs::read_to_string(&junit).unwrap();
    let json = std::fs::read_to_string(&json).unwrap();
    (code, stderr, xml, json)
}

#[test]
fn an_interrupted_run_still_writes_both_reports_and_exits_130_or_143() {
    for (signal, code, name) in [("-INT", 130, "SIGINT"), ("-TERM", 143, "SIGTERM")] {
        let (got, stderr, xml, json) = interrupted_run(signal);
        assert_eq!(got, Some(code), "{signal}: {stderr}");
        assert!(
            stderr.contains(&format!("{name} received: no new case starts")),
            "{stderr}"
        );
        let doc = roxmltree::Document::parse(&xml).expect("a well-formed JUnit file");
        let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
        assert!(
            cases.len() >= 100,
            "every selected case is in the file: {}",
            cases.len()
        );
        let not_run = cases
            .iter()
            .filter(|c| {
                c.children()
                    .any(|s| s.has_tag_name("skipped") && s.attribute("message").is_some_and(|m| m.contains("not run")))
            })
            .count();
        assert!(
            not_run > 0 && not_run < cases.len(),
            "{not_run} of {} not run",
            cases.len()
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["status"], "interrupted", "{json}");
        assert_eq!(v["signal"], name, "{json}");
    }
}

#[test]
fn a_symlink_loop_in_a_cases_directory_ends() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("image-v2");
    std::fs::create_dir_all(&profile).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/cases/image-v2/errors.yaml"),
        profile.join("errors.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("..", profile.join("loop")).unwrap();
    std::os::unix::fs::symlink(".", profile.join("self")).unwrap();
    let out = imgconform()
        .args(["lint", "--cases"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("ok: "), "{text}");
}

#[test]
fn an_unwritable_report_path_is_bad_input_before_any_request() {
    for flag in ["--junit", "--json"] {
        let out = imgconform()
            .args(["run", flag, "/nonexistent-imgconform-dir/r.xml"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {stderr}");
        assert!(
            stderr.contains("the directory /nonexistent-imgconform-dir does not exist"),
            "{stderr}"
        );
        assert!(!stderr.contains("running against"), "nothing ran: {stderr}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = imgconform().args(["run", "--junit"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));
}

#[test]
fn urls_other_than_http_and_a_huge_mock_are_bad_input() {
    for args in [
        vec!["run", "--image-url", "file:///etc/passwd"],
        vec!["run", "--image-url", "ftp://127.0.0.1/image"],
        vec!["run", "--endpoint", "image=file:///x"],
        vec!["run", "--mock-images", "18446744073709551615"],
        vec!["run", "--mock-images", "100000000"],
        vec!["mock", "--images", "100000000"],
    ] {
        let out = imgconform().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Runs `args` with stdout (or stderr) a pipe whose reading end is already closed: every write
/// to it fails with EPIPE, as `imgconform … | head -1` does once head has its line. Returns the
/// exit code and what the other stream said.
fn with_closed_pipe(args: &[&str], close_stderr: bool) -> (Option<i32>, String) {
    use std::io::Read;
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("imgconform"));
    cmd.args(args).env_remove("OS_CLOUD").env_remove("OS_AUTH_URL");
    if close_stderr {
        cmd.stderr(writer).stdout(std::process::Stdio::piped());
    } else {
        cmd.stdout(writer).stderr(std::process::Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    let mut text = String::new();
    let other: Option<Box<dyn Read>> = if close_stderr {
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read>)
    } else {
        child.stderr.take().map(|s| Box::new(s) as Box<dyn Read>)
    };
    other.unwrap().read_to_string(&mut text).unwrap();
    (child.wait().unwrap().code(), text)
}

#[test]
fn a_closed_stdout_or_stderr_never_panics() {
    for args in [
        vec!["run", "--list"],
        vec!["run", "--list", "-q"],
        vec!["run", "--list", "--format", "json"],
        vec!["run", "--plan"],
        vec!["lint"],
        vec!["coverage"],
        vec!["mock", "--list-quirks"],
        vec!["--help"],
    ] {
        let (code, stderr) = with_closed_pipe(&args, false);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // A whole run with its console gone still runs every case and writes its report.
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("r.xml");
    let j = junit.to_str().unwrap();
    let (code, stderr) = with_closed_pipe(&["run", "errors", "--junit", j], false);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(std::fs::read_to_string(&junit).unwrap().contains("<testcase"));
    // Messages on a closed stderr are lost, not fatal: the start-up line, a bad-input error.
    let (code, stdout) = with_closed_pipe(&["run", "errors", "--junit", j], true);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("test result: ok."), "{stdout}");
    let (code, _) = with_closed_pipe(&["run", "--timeout", "0"], true);
    assert_eq!(code, Some(2));
    let (code, _) = with_closed_pipe(&["lint", "--cases", "/nonexistent-imgconform-dir"], true);
    assert_eq!(code, Some(2));
}

#[test]
fn the_requests_log_has_one_line_per_request_sent_and_no_header() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let json = dir.path().join("results.json");
    let r = common::run(&[
        "-q",
        "pagination",
        "--requests-log",
        log.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.text());
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        lines.len() as u64,
        report["summary"]["requests"].as_u64().unwrap(),
        "one line per request the summary counts"
    );
    let keys: std::collections::BTreeSet<&str> = ["bytes", "case", "error", "method", "ms", "status", "url"].into();
    for l in &lines {
        let have: std::collections::BTreeSet<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(have, keys, "{l}");
    }
    // Every request of a case is named by it, and a walk's pages are there.
    let case = "image-v2/pagination/limit-1-walk";
    let pages = lines.iter().filter(|l| l["case"] == case).count();
    assert!(
        pages >= 2,
        "{pages} lines of {case}: a walk's start window is two pages\n{text}"
    );
    assert!(!text.to_lowercase().contains("x-auth-token"), "{text}");
    // A log in a directory that does not exist is bad input, before anything runs.
    let r = common::run(&["-q", "--requests-log", "/nonexistent-dir/requests.jsonl"]);
    assert_eq!(r.code, Some(2), "{}", r.text());
}
