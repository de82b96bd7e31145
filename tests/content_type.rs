//! Every answer read as JSON is checked for its media type, at the level the profile's data
//! says (`json_content_types` in cases/<profile>/profile.yaml): the mock's answers, served
//! through a proxy that relabels each one `text/html`, FAIL every compute-v2 case that reads
//! a body (seeds 000-002 show application/json) and WARN the image-v2 and ims ones (their
//! seeds name no media type).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use imgconform::loader::{LoadOptions, load};
use imgconform::model::Check;

mod common;

/// Forwards each request to `upstream` and relabels the answer's Content-Type as text/html.
fn relabelling_proxy(upstream: std::net::SocketAddr) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { continue };
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                // One request per connection: the suite's requests carry no body.
                let head = String::from_utf8_lossy(&head)
                    .lines()
                    .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
                    .collect::<Vec<_>>()
                    .join("\r\n");
                let head = format!("{}\r\nConnection: close\r\n\r\n", head.trim_end());
                let Ok(mut up) = TcpStream::connect(upstream) else {
                    return;
                };
                if up.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let mut answer = Vec::new();
                let _ = up.read_to_end(&mut answer);
                let Some(split) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
                    return;
                };
                let (h, body) = answer.split_at(split + 4);
                let h = String::from_utf8_lossy(h)
                    .lines()
                    .map(|l| {
                        if l.to_ascii_lowercase().starts_with("content-type:") {
                            "content-type: text/html; charset=UTF-8".to_string()
                        } else {
                            l.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\r\n");
                let _ = client.write_all(h.trim_end().as_bytes());
                let _ = client.write_all(b"\r\n\r\n");
                let _ = client.write_all(body);
            });
        }
    });
    addr
}

#[test]
fn json_answers_served_as_text_html_fail_or_warn_as_the_profile_says() {
    let mock = common::BackgroundMock::start(imgconform::mock::MockConfig::default());
    let m = mock.get();
    let proxy = format!("http://{}", relabelling_proxy(m.addr));
    let base = m.base_url();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = common::output(
        common::command()
            .arg("run")
            .arg("-q")
            .args(["--image-url", &m.image_url().replace(&base, &proxy)])
            .args(["--compute-url", &m.compute_url().replace(&base, &proxy)])
            .args(["--ims-url", &m.ims_url().replace(&base, &proxy)])
            .args(["--token", imgconform::mock::DEFAULT_TOKEN])
            .arg("--json")
            .arg(&json),
    );
    assert_eq!(out.code, Some(1), "{}", out.text());
    let results: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();

    // Which cases read a body: an alternative with a schema or a check other than `header`.
    let suite = load(&LoadOptions::default()).unwrap();
    let reads_body = |id: &str| {
        let c = suite.cases.iter().find(|c| c.id() == id).unwrap();
        c.case.walk.is_some()
            || c.case.expect.iter().any(|a| {
                a.value.schema.is_some()
                    || a.value
                        .checks
                        .iter()
                        .any(|x| !matches!(x.value.check, Check::Header(_)))
            })
    };
    let mut flagged = std::collections::BTreeMap::<String, usize>::new();
    for case in results["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let profile = case["profile"].as_str().unwrap();
        let verdict = case["verdict"].as_str().unwrap();
        if matches!(verdict, "SKIP" | "ERROR" | "INCONCLUSIVE") {
            continue;
        }
        let findings = case["findings"].as_array().unwrap();
        let ct = findings.iter().find(|f| f["check"] == "content-type");
        match ct {
            Some(f) => {
                *flagged.entry(profile.to_string()).or_default() += 1;
                assert!(f["actual"].as_str().unwrap().contains("text/html"), "{id}: {f}");
                let others_broken = findings.iter().any(|g| g["check"] != "content-type");
                let want: &[&str] = match (profile, others_broken) {
                    ("compute-v2", _) => &["FAIL"],
                    (_, false) => &["WARN"],
                    (_, true) => &["WARN", "FAIL"],
                };
                assert!(want.contains(&verdict), "{id}: {verdict} with {f}");
            }
            // Only a case that never reads a body may pass without the finding.
            None => assert!(
                !reads_body(id),
                "{id} read a text/html body as JSON and said nothing ({verdict})"
            ),
        }
    }
    for p in ["compute-v2", "image-v2", "ims"] {
        assert!(flagged.get(p).copied().unwrap_or(0) >= 10, "{p}: {flagged:?}");
    }
}
