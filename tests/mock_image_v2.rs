//! The mock on its own: it must answer like Glance where the suite relies on it, and each quirk
//! must change exactly the behaviour it names.

use std::collections::BTreeSet;

use imgconform::mock::{self, MockConfig, Quirk, RunningMock};
use serde_json::Value;

async fn start(config: MockConfig) -> RunningMock {
    imgconform::tls::install_crypto_provider();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    mock::spawn(config, listener).await.unwrap()
}

fn with_quirk(q: Quirk) -> MockConfig {
    MockConfig {
        quirks: [q].into(),
        ..MockConfig::default()
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(m: &RunningMock) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: m.image_url(),
        }
    }
    async fn get(&self, path_and_query: &str) -> (u16, reqwest::header::HeaderMap, Value) {
        let r = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .header("X-Auth-Token", mock::DEFAULT_TOKEN)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn ids(&self, path_and_query: &str) -> Vec<String> {
        let (status, _, body) = self.get(path_and_query).await;
        assert_eq!(status, 200, "{path_and_query}: {body}");
        body["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    }
    /// Follows next links; returns every id and the number of pages.
    async fn walk(&self, first: &str) -> (Vec<String>, usize) {
        let mut url = first.to_string();
        let (mut ids, mut pages) = (Vec::new(), 0);
        loop {
            let (status, _, body) = self.get(&url).await;
            assert_eq!(status, 200, "{url}: {body}");
            pages += 1;
            assert!(pages < 500, "endless walk");
            ids.extend(
                body["images"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_string()),
            );
            match body.get("next").and_then(Value::as_str) {
                Some(next) => url = next.to_string(),
                None => return (ids, pages),
            }
        }
    }
}

#[tokio::test]
async fn auth_is_required_and_401_says_where_keystone_is() {
    let m = start(MockConfig::default()).await;
    let http = reqwest::Client::new();
    for token in [None, Some("wrong")] {
        let mut req = http
            .get(format!("{}/v2/images", m.image_url()))
            .header("Accept", "application/json");
        if let Some(t) = token {
            req = req.header("X-Auth-Token", t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Keystone uri=")
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "401 Unauthorized");
    }
    // Without Accept: application/json the error is HTML, as WebOb negotiates.
    let r = http.get(format!("{}/v2/images", m.image_url())).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    m.shutdown().await;
}

#[tokio::test]
async fn list_shape_links_and_request_id() {
    let m = start(MockConfig::default()).await;
    let c = Client::new(&m);
    let (status, headers, body) = c.get("/v2/images?limit=2&status=active").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers["x-openstack-request-id"].to_str().unwrap().starts_with("req-"));
    let keys: BTreeSet<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["first", "images", "next", "schema"].into());
    assert_eq!(body["first"], "/v2/images?limit=2&status=active");
    let next = body["next"].as_str().unwrap();
    assert!(next.starts_with("/v2/images?limit=2&status=active&marker="), "{next}");
    // A partial page has no next key at all.
    let (_, _, body) = c.get("/v2/images?limit=1000").await;
    assert!(body.get("next").is_none());
    m.shutdown().await;
}

#[tokio::test]
async fn limits_like_glance() {
    let m = start(MockConfig::default()).await;
    let c = Client::new(&m);
    assert_eq!(c.ids("/v2/images").await.len(), 25);
    assert_eq!(c.ids("/v2/images?limit=%2B5").await.len(), 5);
    assert_eq!(c.ids("/v2/images?limit=1000000").await.len(), 40);
    let (status, _, body) = c.get("/v2/images?limit=0").await;
    assert_eq!(status, 200);
    assert!(body["images"].as_array().unwrap().is_empty() && body.get("next").is_none());
    for bad in ["-1", "abc", "1.5", ""] {
        let (status, _, body) = c.get(&format!("/v2/images?limit={bad}")).await;
        assert_eq!(status, 400, "limit={bad}");
        assert!(body["message"].as_str().unwrap().contains("limit param"), "{body}");
    }
    m.shutdown().await;
}

#[tokio::test]
async fn a_limit_1_walk_reaches_every_image_once_and_ends_with_an_empty_page() {
    let m = start(MockConfig::default()).await;
    let c = Client::new(&m);
    let all = c.ids("/v2/images?limit=1000").await;
    let (ids, pages) = c.walk("/v2/images?limit=1").await;
    assert_eq!(ids, all);
    assert_eq!(pages, 41, "40 full pages and an empty last one");
    m.shutdown().await;
}

#[tokio::test]
async fn markers_and_sorting() {
    let m = start(MockConfig::default()).await;
    let c = Client::new(&m);
    let all = c.ids("/v2/images?limit=1000").await;
    assert_eq!(c.ids(&format!("/v2/images?limit=3&marker={}", all[2])).await, all[3..6]);
    let (status, _, _) = c.get("/v2/images?marker=00000000-0000-4000-8000-000000000000").await;
    assert_eq!(status, 400);
    let (status, _, _) = c.get("/v2/images?limit=0&marker=not-a-uuid").await;
    assert_eq!(status, 400, "the marker is checked even with limit=0");
    for key in [
        "name",
        "status",
        "container_format",
        "disk_format",
        "size",
        "id",
        "created_at",
        "updated_at",
    ] {
        for dir in ["asc", "desc"] {
            let q = format!("/v2/images?sort_key={key}&sort_dir={dir}");
            let (walked, _) = c.walk(&format!("{q}&limit=3")).await;
            assert_eq!(walked, c.ids(&format!("{q}&limit=1000")).await, "{key} {dir}");
        }
    }
    let (_, _, body) = c.get("/v2/images?sort_key=size&sort_dir=asc&limit=1000").await;
    let sizes: Vec<&Value> = body["images"].as_array().unwrap().iter().map(|i| &i["size"]).collect();
    assert!(sizes[0].is_null(), "null sizes first in asc");
    for bad in [
        "sort_key=bogus",
        "sort_dir=ASC",
        "sort=name:asc&sort_key=name",
        "sort_dir=asc&sort_dir=desc",
    ] {
        assert_eq!(c.get(&format!("/v2/images?{bad}")).await.0, 400, "{bad}");
    }
    m.shutdown().await;
}

#[tokio::test]
async fn filters_are_exact_and_inclusive() {
    let m = start(MockConfig::default()).await;
    let c = Client::new(&m);
    assert_eq!(c.ids("/v2/images?name=ubuntu-22.04").await.len(), 3);
    assert_eq!(c.ids("/v2/images?name=fedora-40").await.len(), 1);
    assert_eq!(c.ids("/v2/images?name=cirros").await.len(), 1);
    assert_eq!(c.ids("/v2/images?status=QUEUED").await.len(), 0);
    let gold = c.ids("/v2/images?tag=gold&limit=1000").await.len();
    assert!(gold > 0);
    assert_eq!(
        c.ids("/v2/images?tag=lts&tag=base&limit=1000").await.len(),
        c.ids("/v2/images?tag=lts&limit=1000").await.len()
    );
    let (_, _, body) = c.get("/v2/images?limit=1000").await;
    let size = body["images"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|i| i["size"].as_u64().filter(|s| *s > 0))
        .unwrap();
    let exact = c.ids(&format!("/v2/images?size_min={size}&size_max={size}")).await;
    assert!(!exact.is_empty(), "both bounds include an image of exactly that size");
    assert_eq!(c.get("/v2/images?size_min=abc").await.0, 400);
    assert_eq!(c.get("/v2/images?visibility=bogus").await.0, 400);
    assert_eq!(c.get("/v2/images?changes-since=2020-01-01T00:00:00Z").await.0, 400);
    assert_eq!(
        c.ids("/v2/images?created_at=gt:2000-01-01T00:00:00Z&limit=1000")
            .await
            .len(),
        40
    );
    assert_eq!(c.ids("/v2/images?created_at=lt:2000-01-01T00:00:00Z").await.len(), 0);
    assert_eq!(c.ids("/v2/images?name=in:cirros,debian-12").await.len(), 2);
    m.shutdown().await;
}

#[tokio::test]
async fn methods_single_images_and_unknown_paths() {
    let m = start(MockConfig::default()).await;
    let c = Client::new(&m);
    // POST creates (tests/mock_write.rs); the collection takes no other write.
    for method in [
        reqwest::Method::DELETE,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::HEAD,
    ] {
        let r = c
            .http
            .request(method.clone(), format!("{}/v2/images", c.base))
            .header("X-Auth-Token", mock::DEFAULT_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 405, "{method}");
        assert_eq!(r.headers()["allow"], "GET, POST");
    }
    let id = c.ids("/v2/images?limit=1").await.remove(0);
    let (status, _, body) = c.get(&format!("/v2/images/{id}")).await;
    assert_eq!((status, body["id"].as_str()), (200, Some(id.as_str())));
    assert_eq!(c.get("/v2/images/00000000-0000-4000-8000-000000000000").await.0, 404);
    assert_eq!(c.get("/v2/images/not-a-uuid").await.0, 404);
    assert_eq!(c.get("/v2/images/").await.0, 404);
    assert_eq!(c.get("/v2/schemas/images").await.0, 200);
    m.shutdown().await;
}

#[tokio::test]
async fn the_same_config_answers_byte_for_byte_alike() {
    let a = start(MockConfig::default()).await;
    let b = start(MockConfig::default()).await;
    let (_, _, x) = Client::new(&a).get("/v2/images?limit=1000").await;
    let (_, _, y) = Client::new(&b).get("/v2/images?limit=1000").await;
    assert_eq!(x.to_string(), y.to_string());
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn each_quirk_changes_what_it_names() {
    let clean = start(MockConfig::default()).await;
    let all = Client::new(&clean).ids("/v2/images?limit=1000").await;
    clean.shutdown().await;

    // The compute and ims quirks are shown in mock_compute_ims.rs.
    for q in Quirk::all()
        .iter()
        .copied()
        .filter(|q| !q.name().starts_with("compute-") && !q.name().starts_with("ims-"))
        // The write quirks need writes first: tests/mock_write.rs.
        .filter(|q| {
            !matches!(
                q,
                Quirk::DeletedImageStaysListed | Quirk::HiddenLaterStillListed | Quirk::PendingShareListed
            )
        })
    {
        let m = start(with_quirk(q)).await;
        let c = Client::new(&m);
        match q {
            Quirk::LimitOffByOne => assert_eq!(c.ids("/v2/images?limit=3").await.len(), 4),
            Quirk::MarkerInclusive => {
                assert_eq!(c.ids(&format!("/v2/images?limit=2&marker={}", all[2])).await[0], all[2])
            }
            Quirk::NextDropsFilters => {
                let (_, _, body) = c.get("/v2/images?limit=1&status=active").await;
                assert!(!body["next"].as_str().unwrap().contains("status"));
            }
            Quirk::NextLoops => {
                let (_, _, body) = c.get("/v2/images?limit=1000").await;
                assert_eq!(body["next"], body["first"]);
            }
            Quirk::UnknownMarker200 => assert_eq!(
                c.get("/v2/images?marker=00000000-0000-4000-8000-000000000000").await.0,
                200
            ),
            Quirk::NameFilterCaseInsensitive => assert_eq!(c.ids("/v2/images?name=fedora-40").await.len(), 2),
            Quirk::SortDirIgnored => {
                assert_eq!(
                    c.ids("/v2/images?sort_key=id&sort_dir=asc&limit=1000").await,
                    c.ids("/v2/images?sort_key=id&sort_dir=desc&limit=1000").await
                )
            }
            Quirk::SizeMinExclusive => {
                let (_, _, body) = c.get("/v2/images?limit=1000").await;
                let size = body["images"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find_map(|i| i["size"].as_u64().filter(|s| *s > 0))
                    .unwrap();
                assert!(
                    c.ids(&format!("/v2/images?size_min={size}&size_max={size}"))
                        .await
                        .is_empty()
                );
            }
            Quirk::NegativeLimit200 => assert_eq!(c.get("/v2/images?limit=-1").await.0, 200),
            Quirk::NoAuth => {
                let r = c.http.get(format!("{}/v2/images", c.base)).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 200);
            }
            Quirk::UnknownSortKey200 => assert_eq!(c.get("/v2/images?sort_key=bogus").await.0, 200),
            Quirk::DefaultOrderAsc => {
                let mut reversed = all.clone();
                reversed.reverse();
                assert_eq!(c.ids("/v2/images?limit=1000").await, reversed);
            }
            Quirk::LimitIgnored => assert_eq!(c.ids("/v2/images?limit=3").await.len(), 25),
            Quirk::PageGap => assert_eq!(c.ids(&format!("/v2/images?limit=2&marker={}", all[2])).await[0], all[4]),
            Quirk::DuplicateInPage => {
                let ids = c.ids("/v2/images?limit=3").await;
                assert_eq!(ids.first(), ids.last());
            }
            Quirk::InvalidToken403 => {
                let r = c
                    .http
                    .get(format!("{}/v2/images", c.base))
                    .header("X-Auth-Token", "nope")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 403);
            }
            Quirk::NameFilterSubstring => assert!(c.ids("/v2/images?name=cirros").await.len() >= 2),
            Quirk::SizeAsString => {
                let (_, _, body) = c.get("/v2/images?limit=1000").await;
                assert!(body["images"].as_array().unwrap().iter().any(|i| i["size"].is_string()));
            }
            Quirk::DatetimeWithoutZone => {
                let (_, _, body) = c.get("/v2/images?limit=1").await;
                assert!(!body["images"][0]["created_at"].as_str().unwrap().ends_with('Z'));
            }
            Quirk::MissingVisibility => {
                let (_, _, body) = c.get("/v2/images?limit=1000").await;
                assert!(
                    body["images"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|i| i.get("visibility").is_none())
                );
            }
            Quirk::SelfLinkOtherImage => {
                let (_, _, body) = c.get("/v2/images?limit=1").await;
                let img = &body["images"][0];
                assert!(!img["self"].as_str().unwrap().ends_with(img["id"].as_str().unwrap()));
            }
            Quirk::HtmlContentType => {
                let (_, headers, _) = c.get("/v2/images?limit=1").await;
                assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
            }
            Quirk::ErrorBodyNotJson => {
                // Compute errors lose Nova's JSON; image-v2 errors stay as Glance negotiates them.
                let (status, headers, body) = c.get("/v2/images?limit=-1").await;
                assert_eq!(
                    (status, headers["content-type"].to_str().unwrap()),
                    (400, "application/json")
                );
                assert_eq!(body["code"], "400 Bad Request");
                let r = c
                    .http
                    .get(format!("{}/images?limit=abc", m.compute_url()))
                    .header("X-Auth-Token", mock::DEFAULT_TOKEN)
                    .header("Accept", "application/json")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 400);
                assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
                assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
            }
            Quirk::SecondPageOtherOrder => {
                let page = c.ids(&format!("/v2/images?limit=5&marker={}", all[0])).await;
                let mut sorted = page.clone();
                sorted.sort();
                assert_eq!(page, sorted);
                assert_ne!(page, all[1..6]);
            }
            Quirk::NextNeverEnds => {
                let (_, _, last) = c.get("/v2/images?limit=1000").await;
                let (status, _, after) = c.get(last["next"].as_str().unwrap()).await;
                assert_eq!(status, 200);
                assert!(after["images"].as_array().unwrap().is_empty());
                assert_ne!(after["next"], last["next"], "a new marker every time");
            }
            _ => unreachable!("filtered above"),
        }
        m.shutdown().await;
    }
}
