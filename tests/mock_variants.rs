//! Conforming variants: each switches to another legitimate behaviour, and only that one; walks
//! under each still reach every image once.

use std::collections::BTreeSet;

use imgconform::mock::{self, MockConfig, RunningMock, Variant};
use serde_json::Value;

async fn start(variants: &[Variant]) -> RunningMock {
    imgconform::tls::install_crypto_provider();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = MockConfig {
        variants: variants.iter().copied().collect(),
        ..MockConfig::default()
    };
    mock::spawn(config, listener).await.unwrap()
}

async fn get(url: &str, accept_json: bool) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = reqwest::Client::new()
        .get(url)
        .header("X-Auth-Token", mock::DEFAULT_TOKEN);
    if accept_json {
        req = req.header("Accept", "application/json");
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn ids(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// Follows `next` from `first` (relative to the image endpoint); the ids and page sizes.
async fn walk(m: &RunningMock, first: &str) -> (Vec<String>, Vec<usize>) {
    let (mut url, mut all, mut sizes) = (first.to_string(), Vec::new(), Vec::new());
    loop {
        let (status, _, body) = get(&format!("{}{url}", m.image_url()), true).await;
        assert_eq!(status, 200, "{url}: {body}");
        let page = ids(&body, "images");
        sizes.push(page.len());
        all.extend(page);
        assert!(sizes.len() < 500, "endless walk");
        match body.get("next").and_then(Value::as_str) {
            Some(n) => url = n.to_string(),
            None => return (all, sizes),
        }
    }
}

#[tokio::test]
async fn the_list_of_variants_is_complete() {
    let names: BTreeSet<&str> = Variant::all().iter().map(|v| v.name()).collect();
    for v in [
        "deleted-in-changes-since",
        "short-pages",
        "plain-text-errors",
        "small-max-page",
        "nulls-last",
        "extension-fields",
        "no-next-on-full-last-page",
    ] {
        assert!(names.contains(v), "{v}");
    }
}

#[tokio::test]
async fn short_pages_hold_at_most_half_the_limit_and_still_reach_everything() {
    let clean = start(&[]).await;
    let (all, _) = walk(&clean, "/v2/images?limit=1000").await;
    clean.shutdown().await;
    let m = start(&[Variant::ShortPages]).await;
    let (walked, sizes) = walk(&m, "/v2/images?limit=6").await;
    assert_eq!(walked, all, "every image once, in order");
    assert!(sizes.iter().all(|&n| n <= 3), "{sizes:?}");
    assert!(
        sizes[..sizes.len() - 1].iter().all(|&n| n > 0),
        "never empty while more follow"
    );
    let (_, _, body) = get(&format!("{}/v2/images?limit=6", m.image_url()), true).await;
    assert!(body["next"].as_str().unwrap().starts_with("/v2/images?limit=6&marker="));
    let (_, sizes) = walk(&m, "/v2/images").await;
    assert_eq!(sizes[0], 13, "the default 25, halved and rounded up");
    let (_, _, zero) = get(&format!("{}/v2/images?limit=0", m.image_url()), true).await;
    assert!(zero["images"].as_array().unwrap().is_empty() && zero.get("next").is_none());
    m.shutdown().await;
}

#[tokio::test]
async fn small_max_page_clamps_silently_and_keeps_the_asked_limit_in_next() {
    let m = start(&[Variant::SmallMaxPage]).await;
    let (status, _, body) = get(&format!("{}/v2/images?limit=1000", m.image_url()), true).await;
    assert_eq!(status, 200);
    assert_eq!(ids(&body, "images").len(), 20);
    assert!(
        body["next"]
            .as_str()
            .unwrap()
            .starts_with("/v2/images?limit=1000&marker=")
    );
    let (walked, sizes) = walk(&m, "/v2/images").await;
    assert_eq!((walked.len(), sizes[0]), (40, 20), "the default page is clamped too");
    // ims keeps its documented default of 25.
    let (_, _, ims) = get(&format!("{}/v2/images", m.ims_url()), true).await;
    assert_eq!(ids(&ims, "images").len(), 25);
    m.shutdown().await;
}

#[tokio::test]
async fn nulls_last_sorts_null_names_and_sizes_last_ascending() {
    let m = start(&[Variant::NullsLast]).await;
    for key in ["name", "size"] {
        let (_, _, asc) = get(
            &format!("{}/v2/images?sort_key={key}&sort_dir=asc&limit=1000", m.image_url()),
            true,
        )
        .await;
        let values: Vec<&Value> = asc["images"].as_array().unwrap().iter().map(|i| &i[key]).collect();
        let first_null = values.iter().position(|v| v.is_null()).expect("a null");
        assert!(
            values[first_null..].iter().all(|v| v.is_null()),
            "{key}: nulls last in asc"
        );
        let (_, _, desc) = get(
            &format!("{}/v2/images?sort_key={key}&sort_dir=desc&limit=1000", m.image_url()),
            true,
        )
        .await;
        assert!(desc["images"][0][key].is_null(), "{key}: nulls first in desc");
        let (walked, _) = walk(&m, &format!("/v2/images?sort_key={key}&sort_dir=asc&limit=3")).await;
        assert_eq!(walked, ids(&asc, "images"), "{key}: the walk follows the same order");
    }
    m.shutdown().await;
}

#[tokio::test]
async fn plain_text_errors_whatever_accept_says_but_only_for_the_image_apis() {
    let m = start(&[Variant::PlainTextErrors]).await;
    for accept_json in [true, false] {
        let (status, headers, body) = get(&format!("{}/v2/images?limit=abc", m.image_url()), accept_json).await;
        assert_eq!(status, 400);
        assert_eq!(headers["content-type"], "text/plain; charset=UTF-8");
        assert_eq!(
            body,
            Value::String("400 Bad Request\n\nlimit param must be an integer".into())
        );
    }
    let r = reqwest::Client::new()
        .get(format!("{}/v2/images", m.ims_url()))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.headers().contains_key("www-authenticate"), "the headers stay");
    assert_eq!(r.headers()["content-type"], "text/plain; charset=UTF-8");
    let (status, headers, body) = get(&format!("{}/images?limit=abc", m.compute_url()), true).await;
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (400, "application/json")
    );
    assert!(body["badRequest"].is_object(), "Nova's faults stay JSON");
    m.shutdown().await;
}

#[tokio::test]
async fn extension_fields_add_provider_keys_everywhere() {
    let m = start(&[Variant::ExtensionFields]).await;
    for base in [m.image_url(), m.ims_url()] {
        let (_, _, body) = get(&format!("{base}/v2/images?limit=2"), true).await;
        assert!(body.get("provider_generated_at").is_some(), "{base}");
        assert!(
            body["images"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["provider_zone"] == "zone-a")
        );
        let id = body["images"][0]["id"].as_str().unwrap();
        let (_, _, one) = get(&format!("{base}/v2/images/{id}"), true).await;
        assert_eq!(one["provider_zone"], "zone-a");
    }
    for path in ["/images", "/images/detail"] {
        let (_, _, body) = get(&format!("{}{path}?limit=2", m.compute_url()), true).await;
        assert!(body.get("OS-EXT-PROVIDER:generated_at").is_some(), "{path}");
        assert!(
            body["images"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["OS-EXT-PROVIDER:zone"] == "zone-a")
        );
    }
    m.shutdown().await;
}

#[tokio::test]
async fn no_next_on_a_full_last_page() {
    let clean = start(&[]).await;
    let (_, _, body) = get(&format!("{}/v2/images?limit=40", clean.image_url()), true).await;
    assert!(body.get("next").is_some(), "Glance links a full last page");
    clean.shutdown().await;
    let m = start(&[Variant::NoNextOnFullLastPage]).await;
    let (_, _, body) = get(&format!("{}/v2/images?limit=40", m.image_url()), true).await;
    assert_eq!(ids(&body, "images").len(), 40);
    assert!(body.get("next").is_none());
    let (walked, sizes) = walk(&m, "/v2/images?limit=4").await;
    assert_eq!((walked.len(), sizes.len()), (40, 10), "no empty page at the end");
    let (_, _, compute) = get(&format!("{}/images?limit=40", m.compute_url()), true).await;
    assert!(compute.get("images_links").is_none());
    let (_, _, compute) = get(&format!("{}/images?limit=39", m.compute_url()), true).await;
    assert!(compute.get("images_links").is_some(), "while more follow");
    m.shutdown().await;
}

#[tokio::test]
async fn deleted_images_in_changes_since_within_30_days_of_the_mock_clock() {
    // pending_delete is DELETED in Nova too: the deleted images are told apart by name.
    fn deleted(body: &Value) -> Vec<&Value> {
        let named = |i: &&Value| i["name"].as_str().is_some_and(|n| n.starts_with("demo-deleted"));
        body["images"].as_array().unwrap().iter().filter(named).collect()
    }
    let clean = start(&[]).await;
    let since = "2025-12-25T00:00:00Z";
    let url = |m: &RunningMock| format!("{}/images/detail?changes-since={since}", m.compute_url());
    let (_, _, plain) = get(&url(&clean), true).await;
    assert!(deleted(&plain).is_empty(), "only with the variant");
    clean.shutdown().await;
    let m = start(&[Variant::DeletedInChangesSince]).await;
    let (status, _, body) = get(&url(&m), true).await;
    assert_eq!(status, 200);
    let shown = deleted(&body);
    let names: BTreeSet<&str> = shown.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "demo-deleted-3-weeks-ago",
            "demo-deleted-last-week",
            "demo-deleted-yesterday"
        ]
        .into(),
        "deleted within 30 days of the mock's clock (2026-01-20), not 45 days before"
    );
    for i in &shown {
        assert_eq!(i["status"], "DELETED");
        assert!(i["updated"].as_str().unwrap() >= since);
    }
    // Not without changes-since, not for a time more than 30 days before the clock, not in
    // image-v2.
    let (_, _, all) = get(&format!("{}/images/detail", m.compute_url()), true).await;
    assert!(deleted(&all).is_empty());
    let (_, _, old) = get(
        &format!("{}/images?changes-since=2025-11-01T00:00:00Z", m.compute_url()),
        true,
    )
    .await;
    assert!(deleted(&old).is_empty());
    let (_, _, glance) = get(&format!("{}/v2/images?limit=1000&visibility=all", m.image_url()), true).await;
    assert!(
        glance["images"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] != "deleted")
    );
    // A limited walk through them goes on after the first page.
    let (_, _, p1) = get(&format!("{}&limit=40", url(&m)), true).await;
    let next = p1["images_links"][0]["href"].as_str().unwrap();
    let (status, _, p2) = get(next, true).await;
    assert_eq!(status, 200);
    assert!(!p2["images"].as_array().unwrap().is_empty());
    m.shutdown().await;
}

#[tokio::test]
async fn short_pages_keep_the_documented_ims_default() {
    let m = start(&[Variant::ShortPages]).await;
    let (_, _, body) = get(&format!("{}/v2/images", m.ims_url()), true).await;
    assert_eq!(ids(&body, "images").len(), 25, "seed 004: 25 by default");
    let (_, _, body) = get(&format!("{}/v2/images?limit=4", m.ims_url()), true).await;
    assert_eq!(ids(&body, "images").len(), 2);
    m.shutdown().await;
}
