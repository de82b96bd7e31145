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
    assert!(
        list.as_array()
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
        assert_eq!(v["status"], format!("interrupted by {name}"), "{json}");
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
