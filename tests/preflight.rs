//! Pre-flight: a tester's mistake is one line and exit 2, before any case runs; with
//! `--no-preflight` the same answers become case verdicts. Each test points the binary at a
//! loopback server (the mock in the background, a port nothing listens on, a raw TCP server
//! that never answers).

mod common;

use std::time::Duration;

use common::{BackgroundMock, Output, run};
use imgconform::mock::{DEFAULT_TOKEN, MockConfig};

/// The one line of a pre-flight failure: exit 2, nothing on stdout, one line on stderr that
/// names the endpoint and holds every `part`.
fn assert_one_line(r: &Output, endpoint: &str, parts: &[&str]) {
    assert_eq!(r.code, Some(2), "{}", r.text());
    assert!(
        !r.stdout.contains("running") && !r.stdout.contains("test "),
        "a case ran: {}",
        r.stdout
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line, not:\n{}", r.stderr);
    let line = lines[0];
    assert!(line.starts_with("imgconform: pre-flight: "), "{line}");
    assert!(
        line.contains(&format!("endpoint {endpoint}")),
        "`{endpoint}` not named: {line}"
    );
    for p in parts {
        assert!(line.contains(p), "`{p}` not in: {line}");
    }
    assert!(line.contains("--no-preflight"), "{line}");
}

#[test]
fn a_refused_token_is_one_line() {
    let mock = BackgroundMock::start(MockConfig::default());
    let url = mock.get().image_url();
    let r = run(&["--image-url", &url, "--token", "not-the-mock-token"]);
    assert_one_line(
        &r,
        &url,
        &[
            &format!("401 from {url}/v2/images?limit=1"),
            "the token was refused",
            "the URL is right",
        ],
    );
    assert!(!r.stderr.contains("not-the-mock-token"), "the token is never printed");
}

#[test]
fn a_missing_token_says_so() {
    let mock = BackgroundMock::start(MockConfig::default());
    let url = mock.get().image_url();
    let r = run(&["--image-url", &url]);
    assert_one_line(&r, &url, &["401 from", "no token was given", "--os-token"]);
}

#[test]
fn v2_appended_to_the_image_url_is_named() {
    let mock = BackgroundMock::start(MockConfig::default());
    let url = format!("{}/v2", mock.get().image_url());
    let r = run(&["--image-url", &url, "--token", DEFAULT_TOKEN]);
    assert_one_line(
        &r,
        &url,
        &[
            &format!("404 from {url}/v2/images?limit=1"),
            "the image endpoint is given without /v2",
        ],
    );
}

#[test]
fn https_against_an_http_server_says_try_http() {
    let mock = BackgroundMock::start(MockConfig::default());
    let http = mock.get().image_url();
    let https = http.replacen("http://", "https://", 1);
    let r = run(&["--image-url", &https, "--token", DEFAULT_TOKEN]);
    assert_one_line(&r, &https, &["the TLS handshake failed", &format!("try {http}")]);
}

#[test]
fn a_refused_connection_names_host_and_port() {
    // A port that was free a moment ago: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/image");
    let r = run(&["--image-url", &url, "--token", DEFAULT_TOKEN]);
    assert_one_line(
        &r,
        &url,
        &["Connection refused", &format!("nothing listens at 127.0.0.1:{port}")],
    );
}

#[test]
fn a_compute_url_without_the_project_id_is_named() {
    let mock = BackgroundMock::start(MockConfig::default());
    let good = mock.get().compute_url();
    let url = good.rsplit_once('/').unwrap().0.to_string();
    let r = run(&["--compute-url", &url, "--token", DEFAULT_TOKEN]);
    assert_one_line(
        &r,
        &url,
        &["404 from", "the compute URL needs the project id as its last segment"],
    );
}

#[test]
fn a_server_that_never_answers_is_one_line_within_the_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accepts and holds every connection without a word, for longer than the test's timeout.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().take(8).flatten() {
            held.push(s);
        }
        std::thread::sleep(Duration::from_secs(60));
    });
    let r = run(&["--image-url", &url, "--token", DEFAULT_TOKEN, "--timeout", "1"]);
    assert_one_line(&r, &url, &["no answer from", "nothing answered within 1 s"]);
}

#[test]
fn a_refused_second_token_is_one_line() {
    let mock = BackgroundMock::start(MockConfig::default());
    let url = mock.get().image_url();
    let r = common::output(
        common::command()
            .env("OS_OTHER_TOKEN", "not-a-token-of-the-mock")
            .args(["run", "--image-url", &url, "--token", DEFAULT_TOKEN]),
    );
    assert_one_line(&r, &url, &["with the second identity's token", "--other-cloud"]);
}

#[test]
fn no_preflight_records_the_answers_as_verdicts() {
    let mock = BackgroundMock::start(MockConfig::default());
    let url = mock.get().image_url();
    let r = run(&[
        "--image-url",
        &url,
        "--token",
        "not-the-mock-token",
        "--no-preflight",
        "pagination",
    ]);
    assert_eq!(r.code, Some(1), "{}", r.text());
    assert!(!r.stderr.contains("imgconform: pre-flight:"), "{}", r.stderr);
    assert!(r.stdout.contains("FAILED"), "{}", r.stdout);
    assert!(r.stdout.contains("401"), "the refusal is the evidence: {}", r.stdout);
}

#[test]
fn a_good_target_passes_and_the_run_goes_on() {
    let mock = BackgroundMock::start(MockConfig::default());
    let url = mock.get().image_url();
    let r = run(&["--image-url", &url, "--token", DEFAULT_TOKEN, "pagination"]);
    assert_eq!(r.code, Some(0), "{}", r.text());
    assert!(!r.stderr.contains("imgconform: pre-flight:"), "{}", r.stderr);
}

#[test]
fn the_compute_list_url_instead_of_the_endpoint_gets_the_specific_hint() {
    let mock = BackgroundMock::start(MockConfig::default());
    let url = format!("{}/images", mock.get().compute_url());
    let r = run(&["--compute-url", &url, "--token", DEFAULT_TOKEN]);
    assert_one_line(&r, &url, &["give the compute endpoint, not the list URL"]);
}
