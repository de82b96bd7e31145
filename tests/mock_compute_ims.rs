//! The mock's compute-v2 and IMS faces on their own: Nova's view of the same catalogue, the
//! tenant check, and IMS's extensions; each new quirk changes what it names.

use imgconform::mock::{self, MockConfig, Quirk, RunningMock};
use serde_json::Value;

async fn start(quirks: &[Quirk]) -> RunningMock {
    imgconform::tls::install_crypto_provider();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = MockConfig {
        quirks: quirks.iter().copied().collect(),
        ..MockConfig::default()
    };
    mock::spawn(config, listener).await.unwrap()
}

async fn get(url: &str, token: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(url)
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn images(body: &Value) -> &Vec<Value> {
    body["images"].as_array().unwrap()
}

#[tokio::test]
async fn compute_shows_the_catalogue_the_nova_way() {
    let m = start(&[]).await;
    let t = mock::DEFAULT_TOKEN;
    let (status, list) = get(&format!("{}/images", m.compute_url()), t).await;
    assert_eq!(status, 200);
    assert_eq!(
        images(&list).len(),
        40,
        "no limit: everything, as Nova pages through Glance itself"
    );
    assert!(list.get("images_links").is_none());
    let first = &images(&list)[0];
    let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "name", "links"]);
    let self_href = first["links"][0]["href"].as_str().unwrap();
    assert!(self_href.starts_with("http://") && self_href.ends_with(first["id"].as_str().unwrap()));

    let (_, detail) = get(&format!("{}/images/detail", m.compute_url()), t).await;
    let (_, glance) = get(&format!("{}/v2/images?limit=1000", m.image_url()), t).await;
    for (c, g) in images(&detail).iter().zip(images(&glance)) {
        assert_eq!(c["id"], g["id"], "the same order as Glance's default");
        let expected = match g["status"].as_str().unwrap() {
            "active" => "ACTIVE",
            "queued" | "saving" => "SAVING",
            "killed" => "ERROR",
            "pending_delete" | "deleted" => "DELETED",
            _ => "UNKNOWN",
        };
        assert_eq!(c["status"], expected);
        assert_eq!(
            c["OS-EXT-IMG-SIZE:size"],
            g["size"].as_u64().map_or(Value::from(0), Value::from)
        );
    }

    let (_, page) = get(&format!("{}/images/detail?limit=3&status=ACTIVE", m.compute_url()), t).await;
    let next = page["images_links"][0]["href"].as_str().unwrap();
    assert!(
        next.starts_with(&m.compute_url()) && next.contains("status=ACTIVE") && next.contains("marker="),
        "{next}"
    );
    assert_eq!(get(&format!("{}/images?limit=0", m.compute_url()), t).await.0, 400);
    assert_eq!(
        get(&format!("{}/images?changes-since=bogus", m.compute_url()), t)
            .await
            .0,
        400
    );
    m.shutdown().await;
}

#[tokio::test]
async fn compute_checks_the_tenant_in_the_path() {
    let m = start(&[]).await;
    let base = m.compute_url();
    let parent = base.rsplit_once('/').unwrap().0;
    let other = "0123456789abcdef0123456789abcdef";
    let (status, body) = get(&format!("{parent}/{other}/images"), mock::DEFAULT_TOKEN).await;
    assert_eq!(status, 400);
    assert!(
        body["badRequest"]["message"]
            .as_str()
            .unwrap()
            .contains("doesn't match")
    );
    // The second tenant's token works on its own path, and not on the first tenant's.
    let alt = format!("{}{}", mock::DEFAULT_TOKEN, mock::ALT_TOKEN_SUFFIX);
    let (status, own) = get(&format!("{parent}/{}/images", mock::SECOND_TENANT), &alt).await;
    assert_eq!(status, 200);
    assert!(!images(&own).is_empty());
    assert_eq!(get(&format!("{parent}/{}/images", mock::TENANT), &alt).await.0, 400);
    assert_eq!(get(&format!("{base}/images"), "wrong").await.0, 401);
    m.shutdown().await;
}

#[tokio::test]
async fn ims_adds_its_fields_filters_and_page_size() {
    let m = start(&[]).await;
    let t = mock::DEFAULT_TOKEN;
    let (status, page) = get(&format!("{}/v2/images", m.ims_url()), t).await;
    assert_eq!(status, 200);
    assert_eq!(images(&page).len(), 25);
    assert!(
        images(&page)
            .iter()
            .all(|i| i["__isregistered"] == "true" && i["__platform"].is_string())
    );
    let (_, ubuntu) = get(&format!("{}/v2/images?__platform=Ubuntu&limit=1000", m.ims_url()), t).await;
    assert!(!images(&ubuntu).is_empty() && images(&ubuntu).iter().all(|i| i["__platform"] == "Ubuntu"));
    let (_, tagged) = get(&format!("{}/v2/images?tag=os%3Dlinux", m.ims_url()), t).await;
    assert_eq!(images(&tagged).len(), 1, "a Key.Value tag is found as Key=Value");
    assert_eq!(
        get(&format!("{}/v2/images?member_status=accepted", m.ims_url()), t)
            .await
            .0,
        400
    );
    assert_eq!(
        get(
            &format!("{}/v2/images?member_status=accepted&visibility=shared", m.ims_url()),
            t
        )
        .await
        .0,
        200
    );
    // The Glance view does not show the provider's fields.
    let (_, glance) = get(&format!("{}/v2/images?limit=1", m.image_url()), t).await;
    assert!(images(&glance)[0].get("__platform").is_none());
    m.shutdown().await;
}

#[tokio::test]
async fn each_compute_and_ims_quirk_changes_what_it_names() {
    let t = mock::DEFAULT_TOKEN;
    for q in Quirk::all()
        .iter()
        .copied()
        .filter(|q| q.name().starts_with("compute-") || q.name().starts_with("ims-"))
    {
        let m = start(&[q]).await;
        let c = m.compute_url();
        let i = m.ims_url();
        match q {
            Quirk::ComputeNextOnLastPage => {
                let (_, body) = get(&format!("{c}/images?limit=1000"), t).await;
                assert!(
                    body["images_links"][0]["href"]
                        .as_str()
                        .unwrap()
                        .ends_with("images?limit=1000")
                );
            }
            Quirk::ComputeDetailMissingOne => {
                let (_, list) = get(&format!("{c}/images"), t).await;
                let (_, detail) = get(&format!("{c}/images/detail"), t).await;
                assert_eq!(images(&detail).len() + 1, images(&list).len());
            }
            Quirk::ComputeChangesSinceIgnoresOffset => {
                // 23:00-12:00 is 11:00 the next day in UTC; read as UTC it is 12 hours earlier.
                let (_, a) = get(&format!("{c}/images?changes-since=2026-01-10T23:00:00-12:00"), t).await;
                let (_, b) = get(&format!("{c}/images?changes-since=2026-01-11T11:00:00Z"), t).await;
                assert_ne!(images(&a).len(), images(&b).len());
            }
            Quirk::ComputeWrongTenant200 => {
                let parent = c.rsplit_once('/').unwrap().0;
                assert_eq!(
                    get(&format!("{parent}/0123456789abcdef0123456789abcdef/images"), t)
                        .await
                        .0,
                    200
                );
            }
            Quirk::ComputeStatusLowercase => {
                let (_, d) = get(&format!("{c}/images/detail"), t).await;
                assert!(images(&d).iter().any(|x| x["status"] == "active"));
            }
            Quirk::ImsDefaultPage1000 => {
                let (_, p) = get(&format!("{i}/v2/images"), t).await;
                assert_eq!(images(&p).len(), 40);
            }
            Quirk::ImsPlatformFilterIgnored => {
                let (_, p) = get(&format!("{i}/v2/images?__platform=Ubuntu&limit=1000"), t).await;
                assert_eq!(images(&p).len(), 40);
            }
            Quirk::ImsCreatedAtGtAsGte => {
                let (_, all) = get(&format!("{i}/v2/images?limit=1"), t).await;
                let created = images(&all)[0]["created_at"].as_str().unwrap().to_string();
                let (_, p) = get(&format!("{i}/v2/images?created_at=gt:{created}&limit=1000"), t).await;
                assert!(images(&p).iter().any(|x| x["created_at"] == created.as_str()));
            }
            _ => unreachable!("only compute and ims quirks are listed"),
        }
        m.shutdown().await;
    }
}
