//! A hostile or broken target must give clear failing verdicts, never a hang, a panic or
//! unbounded memory. Each test starts a small raw-TCP server that misbehaves in one way.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod common;

/// Serves every connection with `respond(path, n)` on a background thread; returns the URL.
fn serve(respond: impl Fn(&str, usize, &mut TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let respond = Arc::new(respond);
    let counter = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let respond = respond.clone();
            let n = counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                respond(&path, n, &mut stream);
            });
        }
    });
    format!("http://{addr}")
}

fn write_response(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn run(url: &str, extra: &[&str]) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let out = common::output(
        common::command()
            // The pre-flight would stop at the first misbehaviour (tests/preflight.rs); here
            // every case meets the hostile server.
            .args([
                "run",
                "--image-url",
                url,
                "--token",
                "hostile-test-token",
                "--no-preflight",
            ])
            .args(extra)
            .timeout(Duration::from_secs(120)),
    );
    (out.code, out.text(), started.elapsed())
}

#[test]
fn a_server_that_never_answers_gives_errors_within_the_timeout() {
    let url = serve(|_, _, stream| {
        std::thread::sleep(Duration::from_secs(30));
        let _ = stream.write_all(b"");
    });
    let (code, text, took) = run(&url, &["--timeout", "1", "--test-threads", "16"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("timeout"), "{text}");
    assert!(text.contains("ERROR"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(took < Duration::from_secs(60), "the run took {took:?}");
}

#[test]
fn an_oversize_body_is_an_error_not_a_memory_blowup() {
    // Claims 1 GiB, then streams zeros until the client hangs up.
    let url = serve(|_, _, stream| {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..16 * 1024 {
            let frame = format!("{:x}\r\n", chunk.len());
            if stream.write_all(frame.as_bytes()).is_err()
                || stream.write_all(&chunk).is_err()
                || stream.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
    });
    let (code, text, _) = run(&url, &["--max-body", "100000", "--timeout", "10"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("exceeds the 100000-byte cap"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn an_html_answer_fails_the_schema_with_the_body_shown() {
    let url = serve(|_, _, stream| {
        write_response(
            stream,
            "200 OK",
            "text/html",
            b"<html><body>maintenance ]]> \x1b[31m</body></html>",
        );
    });
    let junit = tempfile::NamedTempFile::new().unwrap();
    let (code, text, _) = run(
        &url,
        &[
            "--exact",
            "image-v2/shape/list-schema",
            "--junit",
            junit.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("the body is not JSON"), "{text}");
    assert!(text.contains("maintenance"), "the trimmed body is evidence: {text}");
    assert!(
        text.contains("curl -sS -i -H 'Accept: application/json' -H \"X-Auth-Token: $OS_TOKEN\""),
        "{text}"
    );
    let xml = std::fs::read_to_string(junit.path()).unwrap();
    roxmltree::Document::parse(&xml).expect("the JUnit file is well-formed despite ]]> and ESC in the body");
}

#[test]
fn next_links_that_never_end_are_cut_by_the_page_budget() {
    // Every page is full and points at a fresh marker: an endless walk without a cycle.
    let url = serve(|_path, n, stream| {
        let id = format!("00000000-0000-4000-8000-{n:012}");
        let body = format!(
            r#"{{"images": [{}], "first": "/v2/images?limit=1", "schema": "/v2/schemas/images", "next": "/v2/images?limit=1&marker={id}"}}"#,
            image(&id)
        );
        write_response(stream, "200 OK", "application/json", body.as_bytes());
    });
    let (code, text, _) = run(
        &url,
        &[
            "--exact",
            "image-v2/pagination/limit-1-walk",
            "--max-pages",
            "25",
            "--max-catalogue",
            "1000",
        ],
    );
    assert_eq!(code, Some(1), "{text}");
    // Every page brings a new image, so nothing proves the walk endless: the suite's own budget
    // ran out, which is an ERROR (raise --max-pages), never a FAIL of the server.
    assert!(
        text.contains("test image-v2/pagination/limit-1-walk ... ERROR"),
        "{text}"
    );
    assert!(text.contains("raise --max-pages"), "{text}");
    assert!(!text.contains("... FAILED"), "{text}");
}

#[test]
fn a_token_echoed_by_the_server_is_redacted() {
    let url = serve(|_, _, stream| {
        write_response(
            stream,
            "500 Internal Server Error",
            "text/plain",
            b"bad token hostile-test-token here",
        );
    });
    let (code, text, _) = run(&url, &["--exact", "image-v2/shape/list-schema"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("bad token [REDACTED] here"), "{text}");
    assert!(!text.contains("hostile-test-token"), "{text}");
}

fn valid_list() -> &'static [u8] {
    br#"{"images": [], "first": "/v2/images", "schema": "/v2/schemas/images"}"#
}

#[test]
fn a_throttled_answer_is_retried_after_retry_after() {
    // The first two requests are told to come back; then the server answers.
    let url = serve(|_, n, stream| {
        if n < 2 {
            let head =
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(head.as_bytes());
        } else {
            write_response(stream, "200 OK", "application/json", valid_list());
        }
    });
    let (code, text, _) = run(&url, &["--exact", "image-v2/shape/list-schema", "--retries", "3"]);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn a_service_that_stays_unavailable_is_an_error_not_a_failure() {
    let url = serve(|_, _, stream| {
        let head = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
    });
    let (code, text, _) = run(&url, &["--exact", "image-v2/shape/list-schema", "--retries", "2"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("ERROR [MUST] image-v2/shape/list-schema"), "{text}");
    assert!(
        text.contains("answered 503 (throttled or unavailable) on all 3 attempts"),
        "{text}"
    );
}

#[test]
fn the_rate_limit_spaces_requests() {
    let url = serve(|_, _, stream| write_response(stream, "200 OK", "application/json", valid_list()));
    // Two cases, one request each, at 4 per second: the second waits a quarter second.
    let (code, text, took) = run(
        &url,
        &[
            "--rate",
            "4",
            "shape/",
            "--skip",
            "self-link",
            "--skip",
            "first-link",
            "--skip",
            "item-links",
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("2 passed"), "{text}");
    assert!(took >= Duration::from_millis(250), "requests were not spaced: {took:?}");
}

fn image(id: &str) -> String {
    format!(
        r#"{{"id": "{id}", "name": "x", "status": "active", "visibility": "public", "size": 1, "checksum": null, "tags": [], "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "self": "/v2/images/{id}", "file": "/v2/images/{id}/file", "schema": "/v2/schemas/image"}}"#
    )
}

#[test]
fn a_catalogue_that_moves_during_a_walk_is_inconclusive_not_a_failure() {
    // Discovery (which is also the walk's reference, read before it) sees images a and b; the walk sees n,
    // a, b (another tenant uploaded n); the list read again after the walk sees m as well. The
    // walk matches neither list: the catalogue moved, no verdict.
    let unpaged_reads = Arc::new(AtomicUsize::new(0));
    let url = serve(move |path, _, stream| {
        let a = "00000000-0000-4000-8000-00000000000a";
        let b = "00000000-0000-4000-8000-00000000000b";
        let n = "00000000-0000-4000-8000-00000000000c";
        let m = "00000000-0000-4000-8000-00000000000d";
        let unpaged = path.contains("limit=1000");
        let ids: Vec<&str> = if !unpaged {
            vec![n, a, b]
        } else if unpaged_reads.fetch_add(1, Ordering::SeqCst) < 1 {
            vec![a, b]
        } else {
            vec![m, n, a, b]
        };
        let (page, next): (Vec<&str>, Option<String>) = if unpaged {
            (ids, None)
        } else {
            // limit=1 walk by marker.
            let after = path.split("marker=").nth(1);
            let start = after
                .and_then(|m| ids.iter().position(|i| *i == m))
                .map_or(0, |p| p + 1);
            let page: Vec<&str> = ids.iter().skip(start).take(1).copied().collect();
            let next = page.first().map(|id| format!("/v2/images?limit=1&marker={id}"));
            (page, next)
        };
        let items: Vec<String> = page.iter().map(|id| image(id)).collect();
        let next = next.map(|n| format!(r#", "next": "{n}""#)).unwrap_or_default();
        let body = format!(
            r#"{{"images": [{}], "first": "/v2/images", "schema": "/v2/schemas/images"{next}}}"#,
            items.join(",")
        );
        write_response(stream, "200 OK", "application/json", body.as_bytes());
    });
    let (code, text, _) = run(&url, &["--exact", "image-v2/pagination/limit-1-walk"]);
    assert_eq!(code, Some(0), "a moving catalogue must not fail the run:\n{text}");
    assert!(
        text.contains("INCONCLUSIVE: the catalogue changed during the walk")
            && text.contains("the walk matches neither"),
        "{text}"
    );
    assert!(text.contains("1 inconclusive"), "{text}");
}

#[test]
fn a_404_for_an_image_deleted_since_discovery_is_inconclusive_not_a_failure() {
    // Discovery lists a and b; a is deleted before the case reads it: 404, and the list read
    // again holds only b. The server is right; the catalogue moved.
    let list_reads = Arc::new(AtomicUsize::new(0));
    let url = serve(move |path, _, stream| {
        let a = "00000000-0000-4000-8000-00000000000a";
        let b = "00000000-0000-4000-8000-00000000000b";
        if path.starts_with("/v2/images/") {
            write_response(stream, "404 Not Found", "application/json", br#"{"message": "gone"}"#);
            return;
        }
        let ids = if list_reads.fetch_add(1, Ordering::SeqCst) == 0 {
            vec![a, b]
        } else {
            vec![b]
        };
        let items: Vec<String> = ids.iter().map(|id| image(id)).collect();
        let body = format!(
            r#"{{"images": [{}], "first": "/v2/images", "schema": "/v2/schemas/images"}}"#,
            items.join(",")
        );
        write_response(stream, "200 OK", "application/json", body.as_bytes());
    });
    let (code, text, _) = run(&url, &["--exact", "image-v2/shape/self-link-resolves"]);
    assert_eq!(code, Some(0), "a deleted image must not fail the run:\n{text}");
    assert!(
        text.contains("INCONCLUSIVE: the catalogue changed during the case: 2 image(s) at discovery, 1 now"),
        "{text}"
    );
}

/// A Keystone at `auth` for password authentication through the `OS_*` variables.
fn run_keystone(auth: &str) -> (Option<i32>, String) {
    let out = common::output(
        common::command()
            .args(["run", "-q", "--timeout", "10"])
            .env("OS_AUTH_URL", auth)
            .env("OS_USERNAME", "demo")
            .env("OS_PASSWORD", "keystone-canary-password")
            .env("OS_PROJECT_NAME", "demo")
            .timeout(Duration::from_secs(120)),
    );
    (out.code, out.text())
}

#[test]
fn a_keystone_redirect_is_reported_and_never_followed_with_the_password() {
    // Another host that would receive the re-POSTed credentials if the redirect were followed.
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let hits = elsewhere_hits.clone();
    let elsewhere = serve(move |_, _, stream| {
        hits.fetch_add(1, Ordering::SeqCst);
        write_response(stream, "201 Created", "application/json", b"{}");
    });
    let to = format!("{elsewhere}/v3/auth/tokens");
    let auth = serve(move |_, _, stream| {
        let head = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.write_all(head.as_bytes());
    });
    let (code, text) = run_keystone(&format!("{auth}/v3"));
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("answered 307 Temporary Redirect with Location")
            && text.contains(&elsewhere)
            && text.contains("redirects are not followed"),
        "{text}"
    );
    assert!(!text.contains("keystone-canary-password"), "{text}");
    assert!(!text.contains("embedded mock"), "{text}");
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0, "the redirect was followed");
}

#[test]
fn an_endless_keystone_answer_is_cut_at_its_cap() {
    let auth = serve(|_, _, stream| {
        let head = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Subject-Token: t\r\nTransfer-Encoding: chunked\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        let chunk = vec![b' '; 64 * 1024];
        // 64 MiB at most, far past the 4 MiB cap; the client hangs up long before.
        for _ in 0..1024 {
            let frame = format!("{:x}\r\n", chunk.len());
            if stream.write_all(frame.as_bytes()).is_err()
                || stream.write_all(&chunk).is_err()
                || stream.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
    });
    let (code, text) = run_keystone(&auth);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("is larger than 4194304 bytes; not read further"),
        "{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn retries_are_recorded_in_the_evidence_and_the_json() {
    let url = serve(|_, n, stream| {
        if n < 2 {
            let head =
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(head.as_bytes());
        } else {
            write_response(stream, "200 OK", "text/html", b"<html>not a list</html>");
        }
    });
    let json = tempfile::NamedTempFile::new().unwrap();
    let (code, text, _) = run(
        &url,
        &[
            "--exact",
            "image-v2/shape/list-schema",
            "--retries",
            "3",
            "--json",
            json.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("after 2 retries: 503 (Retry-After 0, waited 0 ms), 503 (Retry-After 0, waited 0 ms)"),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(json.path()).unwrap()).unwrap();
    let case = &v["cases"][0];
    let retries = &case["evidence"]["exchanges"][0]["retries"];
    assert_eq!(retries.as_array().map(Vec::len), Some(2), "{case}");
    assert_eq!(retries[0]["status"], 503);
    assert_eq!(retries[0]["retry_after"], "0");
}

/// Ids and names with every character that would change a request if sent unencoded.
const HOSTILE_IDS: [&str; 3] = ["a/b?c#d%e f", "../up", "x&limit=999;y"];
const HOSTILE_NAME: &str = "n/a?b#c%d e&f=g";

/// A Glance-like list of images with hostile ids, paged by limit and marker (decoded as a
/// server decodes them); `GET /v2/images/{id}` answers the image whose id the segment decodes
/// to. Every request line is recorded as it arrived.
fn hostile_ids_server(lines: Arc<std::sync::Mutex<Vec<String>>>) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
    let item = |id: &str| {
        let enc = utf8_percent_encode(id, NON_ALPHANUMERIC).to_string();
        serde_json::json!({"id": id, "name": HOSTILE_NAME, "status": "active", "visibility": "public",
            "size": 1, "checksum": null, "tags": [], "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z", "self": format!("/v2/images/{enc}"),
            "file": format!("/v2/images/{enc}/file"), "schema": "/v2/schemas/image"})
    };
    serve_lines(lines, move |target, stream| {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if let Some(seg) = path.strip_prefix("/v2/images/") {
            let id = percent_decode_str(seg).decode_utf8_lossy().into_owned();
            match HOSTILE_IDS.iter().find(|i| **i == id) {
                Some(id) => write_response(stream, "200 OK", "application/json", item(id).to_string().as_bytes()),
                None => write_response(stream, "404 Not Found", "application/json", b"{}"),
            }
            return;
        }
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let limit: usize = get("limit").and_then(|l| l.parse().ok()).unwrap_or(25);
        let start = get("marker")
            .and_then(|m| HOSTILE_IDS.iter().position(|i| *i == m))
            .map_or(0, |p| p + 1);
        let name_ok = get("name").is_none_or(|n| n == HOSTILE_NAME);
        let page: Vec<&str> = HOSTILE_IDS
            .iter()
            .copied()
            .filter(|_| name_ok)
            .skip(start)
            .take(limit)
            .collect();
        let mut body = serde_json::json!({"images": page.iter().map(|i| item(i)).collect::<Vec<_>>(),
            "first": "/v2/images", "schema": "/v2/schemas/images"});
        if start + page.len() < HOSTILE_IDS.len() && name_ok {
            let marker: String = url::form_urlencoded::byte_serialize(page.last().unwrap().as_bytes()).collect();
            body["next"] = format!("/v2/images?limit={limit}&marker={marker}").into();
        }
        write_response(stream, "200 OK", "application/json", body.to_string().as_bytes());
    })
}

/// Like `serve`, recording every request line and handing the request target to `respond`.
fn serve_lines(
    lines: Arc<std::sync::Mutex<Vec<String>>>,
    respond: impl Fn(&str, &mut TcpStream) + Send + Sync + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let respond = Arc::new(respond);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (respond, lines) = (respond.clone(), lines.clone());
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let line = head.lines().next().unwrap_or_default().to_string();
                lines.lock().unwrap().push(line.clone());
                let target = line.split(' ').nth(1).unwrap_or("/").to_string();
                respond(&target, &mut stream);
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn hostile_ids_and_names_are_sent_encoded_for_their_place() {
    let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let url = hostile_ids_server(lines.clone());
    let (code, text, _) = run(
        &url,
        &[
            "--exact",
            "image-v2/shape/self-link-resolves",
            "image-v2/pagination/limit-1-walk",
            "image-v2/filters/name-exact",
        ],
    );
    let lines = lines.lock().unwrap().clone();
    let all = lines.join("\n");
    // The first image's id, bound into the path, is one encoded segment.
    assert!(
        lines.contains(&"GET /v2/images/a%2Fb%3Fc%23d%25e%20f HTTP/1.1".to_string()),
        "{all}\n{text}"
    );
    // The name, bound into a query value, is one encoded value.
    assert!(all.contains("name=n%2Fa%3Fb%23c%25d+e%26f%3Dg"), "{all}");
    for line in &lines {
        let target = line.split(' ').nth(1).unwrap_or_default();
        assert_eq!(line.split(' ').count(), 3, "a space went out raw: {line}");
        assert!(!target.contains('#'), "a fragment went out: {line}");
        assert!(
            !target.contains("/../") && !target.contains("limit=999"),
            "a value changed the request: {line}"
        );
    }
    // The ids are no UUIDs (the schema's FAIL), but every request reached what it named: the
    // bound image answered 200, the walk ended, the filter matched.
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("is not a \"uuid\""), "{text}");
    for wrong in [
        "status is none of the acceptable",
        "walk: complete",
        "matches_catalogue:",
        "cycle",
    ] {
        assert!(!text.contains(wrong), "`{wrong}`: a request went astray:\n{text}");
    }
}

/// A token with characters every encoding treats differently.
const REFLECTED_TOKEN: &str = "gAAAA-refl tok/en+a?b=c&d%e\"f\\g~h";

/// The token as a server might echo it back: raw, percent-encoded (upper and lower hex, `+`
/// for a space, only partly), JSON-escaped, and base64 (both alphabets, padded or not, alone
/// or inside a Basic credential).
fn reflected_forms() -> Vec<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let t = REFLECTED_TOKEN;
    let upper = utf8_percent_encode(t, NON_ALPHANUMERIC).to_string();
    let lower = {
        let mut s = String::new();
        let mut it = upper.chars().peekable();
        while let Some(c) = it.next() {
            s.push(c);
            if c == '%' {
                s.extend(it.by_ref().take(2).flat_map(char::to_lowercase));
            }
        }
        s
    };
    let form: String = url::form_urlencoded::byte_serialize(t.as_bytes()).collect();
    let partly = t.replace('/', "%2F").replace(' ', "%20");
    let json = serde_json::to_string(t).unwrap().trim_matches('"').replace('/', "\\/");
    let json_u: String = t.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
    let mut forms = vec![t.to_string(), upper, lower, form, partly, json, json_u];
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        forms.push(engine.encode(t));
        forms.push(engine.encode(format!("demo:{t}")));
        forms.push(engine.encode(format!("x{t}")));
    }
    forms
}

#[test]
fn a_token_reflected_in_any_encoding_never_leaves_the_process() {
    let forms = reflected_forms();
    let body_forms = forms.clone();
    let url = serve(move |_, n, stream| {
        // Headers carry every form (the content type is shown in evidence), and so does the
        // body: as text, or as JSON whose strings the report re-prints decoded.
        let listed: Vec<String> = body_forms
            .iter()
            .enumerate()
            .map(|(i, f)| format!("f{i}=\"{f}\""))
            .collect();
        let content_type = if n % 2 == 0 { "text/plain" } else { "application/json" };
        let body = if n % 2 == 0 {
            listed.join("\n")
        } else {
            // Forms 5 and 6 are JSON escapes already: written as they are, they decode to the token.
            let fields: Vec<String> = body_forms
                .iter()
                .enumerate()
                .map(|(i, f)| match i {
                    5 | 6 => format!("\"f{i}\": \"{f}\""),
                    _ => format!("\"f{i}\": {}", serde_json::Value::from(f.as_str())),
                })
                .collect();
            format!("{{{}}}", fields.join(", "))
        };
        let head = format!(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: {content_type}; {}\r\nX-Echo: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            listed.join("; "),
            listed.join(" "),
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body.as_bytes());
    });
    let dir = tempfile::tempdir().unwrap();
    let (junit, json) = (dir.path().join("r.xml"), dir.path().join("r.json"));
    let out = common::output(
        common::command()
            .args([
                "run",
                "--image-url",
                &url,
                "--token",
                REFLECTED_TOKEN,
                "--no-preflight",
                "image-v2/shape/list-schema",
                "image-v2/errors",
            ])
            .arg("--junit")
            .arg(&junit)
            .arg("--json")
            .arg(&json),
    );
    assert_eq!(out.code, Some(1), "{}", out.text());
    let all = format!(
        "{}{}{}",
        out.text(),
        std::fs::read_to_string(&junit).unwrap(),
        std::fs::read_to_string(&json).unwrap()
    );
    assert!(all.contains("[REDACTED]"), "{all}");
    assert!(
        all.contains("f0=") && all.contains("f7="),
        "the reflected forms reached the reports: {all}"
    );
    for f in &forms {
        // The middle half of each form is made of the token alone.
        let middle = &f[f.len() / 4..3 * f.len() / 4];
        let at = all
            .find(middle)
            .map(|i| &all[i.saturating_sub(200)..(i + 200).min(all.len())]);
        assert!(at.is_none(), "`{f}` leaked (its part `{middle}`): {at:?}");
    }
    // Pretty-printed JSON bodies are shown decoded: the token is redacted there too.
    assert!(!all.contains("tok/en+a?b=c"), "{all}");
}

#[test]
fn endless_large_pages_stay_within_the_process_wide_body_budget() {
    // Every page is about 1 MB (ten images with a 100 KB property each) and links to a next
    // page of new images: without one budget for all, eight walks would each hold their own.
    let url = serve(|path, n, stream| {
        let pad = "x".repeat(100 * 1024);
        // The page honours the limit (at most ten) and its next link keeps it.
        let limit = path
            .split(['?', '&'])
            .find_map(|kv| kv.strip_prefix("limit="))
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(10)
            .clamp(1, 10);
        let items: Vec<String> = (0..limit)
            .map(|i| {
                let id = format!("00000000-0000-4000-8000-{:012}", n * 10 + i);
                image(&id).replace(r#""name": "x""#, &format!(r#""name": "x", "x_pad": "{pad}""#))
            })
            .collect();
        let last = format!("00000000-0000-4000-8000-{:012}", n * 10 + limit - 1);
        let body = format!(
            r#"{{"images": [{}], "first": "/v2/images", "schema": "/v2/schemas/images", "next": "/v2/images?limit={limit}&marker={last}"}}"#,
            items.join(",")
        );
        write_response(stream, "200 OK", "application/json", body.as_bytes());
    });
    let budget = 24 * 1024 * 1024;
    let json = tempfile::NamedTempFile::new().unwrap();
    let (code, text, _) = run(
        &url,
        &[
            "image-v2/pagination",
            "--test-threads",
            "8",
            "--max-body-memory",
            &budget.to_string(),
            "--max-pages",
            "100",
            "--max-catalogue",
            "100000",
            "--json",
            json.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(json.path()).unwrap()).unwrap();
    let peak = v["summary"]["body_memory_peak"].as_u64().unwrap();
    assert_eq!(v["summary"]["body_memory_budget"], budget);
    assert!(peak <= budget, "held {peak} bytes at once, over the budget of {budget}");
    assert!(peak >= budget / 2, "the test did not press on the budget: {peak}");
    let cases = v["cases"].as_array().unwrap();
    let mut memory_errors = 0;
    for c in cases {
        let findings = c["findings"].as_array().unwrap();
        let memory: Vec<_> = findings
            .iter()
            .filter(|f| f.to_string().contains("--max-body-memory"))
            .collect();
        // The suite's own limit is an error finding with the reason, never a broken rule.
        for f in &memory {
            assert!(f["level"].is_null(), "{}: blamed on the server: {f}", c["id"]);
        }
        if !memory.is_empty() {
            memory_errors += 1;
            if findings.iter().all(|f| f["level"].is_null()) {
                assert_eq!(c["verdict"], "ERROR", "{}: {findings:?}", c["id"]);
            }
        }
        assert_ne!(c["verdict"], "PASS", "{}: an endless list cannot pass", c["id"]);
    }
    assert!(memory_errors >= 1, "{text}");
}

#[test]
fn a_connection_closed_before_any_answer_is_sent_once_more() {
    // The first connection is closed as soon as the request is read (as a server closes an
    // idle keep-alive connection the instant it is reused); the next one is answered.
    let url = serve(|_, n, stream| {
        if n == 0 {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        } else {
            write_response(stream, "200 OK", "application/json", valid_list());
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let (code, text, _) = run(
        &url,
        &[
            "--exact",
            "image-v2/shape/list-schema",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let case = &report["cases"][0];
    assert_eq!(case["requests"], 2, "{case:#}");
    let retry = &case["evidence"]["exchanges"][0]["retries"][0];
    assert_eq!(retry["status"], 0, "{case:#}");
    assert!(retry["closed"].as_str().is_some_and(|s| !s.is_empty()), "{case:#}");
}

#[test]
fn a_server_that_always_closes_is_an_error_after_one_resend() {
    let url = serve(|_, _, stream| {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    });
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let (code, text, _) = run(
        &url,
        &[
            "--exact",
            "image-v2/shape/list-schema",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("ERROR [MUST] image-v2/shape/list-schema"), "{text}");
    assert!(text.contains("the connection closed before any answer"), "{text}");
    assert!(text.contains("sent again"), "{text}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["cases"][0]["requests"], 2, "one resend, no more: {report:#}");
}
