//! The mock's write side on its own: create, upload, PATCH, DELETE, members and actions answer
//! like Glance, every family lists what was written (and stops listing what was deleted), the
//! indexes still give sorted and filtered lists after writes, and each write quirk changes
//! exactly what it names.

use imgconform::mock::{self, MockConfig, Quirk, RunningMock};
use md5::{Digest, Md5};
use reqwest::Method;
use serde_json::{Value, json};

const PATCH: &str = "application/openstack-images-v2.1-json-patch";
const ALT_TOKEN: &str = "imgconform-mock-token-alt";
const ADMIN_TOKEN: &str = "imgconform-mock-token-admin";

async fn start(config: MockConfig) -> RunningMock {
    imgconform::tls::install_crypto_provider();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    mock::spawn(config, listener).await.unwrap()
}

struct Api {
    http: reqwest::Client,
    base: String,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
    bytes: Vec<u8>,
}

impl Api {
    fn new(m: &RunningMock) -> Self {
        Api {
            http: reqwest::Client::new(),
            base: m.base_url(),
        }
    }

    /// Owned arguments, so that closures can return the future.
    async fn send(
        &self,
        method: Method,
        path: impl Into<String>,
        token: impl Into<String>,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Answer {
        let (path, token) = (path.into(), token.into());
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-Auth-Token", &token)
            .header("Accept", "application/json");
        if let Some((media, bytes)) = body {
            req = req.header("Content-Type", media).body(bytes);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.unwrap().to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            bytes,
        }
    }

    async fn json(
        &self,
        method: Method,
        path: impl Into<String>,
        token: impl Into<String>,
        media: &'static str,
        body: Value,
    ) -> Answer {
        self.send(method, path, token, Some((media, body.to_string().into_bytes())))
            .await
    }

    async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Method::GET, path, token, None).await
    }

    /// Creates an image as `token`; returns its id.
    async fn create(&self, token: &str, body: Value) -> String {
        let a = self
            .json(Method::POST, "/image/v2/images", token, "application/json", body)
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.body["id"].as_str().unwrap().to_string()
    }

    /// `PUT /file` with these bytes as `token`.
    async fn upload(&self, id: &str, token: &str, data: &[u8]) -> Answer {
        self.send(
            Method::PUT,
            format!("/image/v2/images/{id}/file"),
            token,
            Some(("application/octet-stream", data.to_vec())),
        )
        .await
    }

    /// Demo shares the image with the second project (`POST /members`).
    async fn share(&self, id: &str) -> Answer {
        self.json(
            Method::POST,
            format!("/image/v2/images/{id}/members"),
            mock::DEFAULT_TOKEN,
            "application/json",
            json!({"member": mock::SECOND_TENANT}),
        )
        .await
    }

    async fn patch(&self, id: &str, token: &str, ops: Value) -> Answer {
        self.json(Method::PATCH, &format!("/image/v2/images/{id}"), token, PATCH, ops)
            .await
    }

    /// The ids of one page.
    async fn page(&self, path: &str, token: &str) -> Vec<String> {
        let a = self.get(path, token).await;
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        a.body["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Every id of a list, following `next`.
    async fn ids(&self, first: &str, token: &str) -> Vec<String> {
        let mut path = first.to_string();
        let mut ids = Vec::new();
        for _ in 0..200 {
            let a = self.get(&path, token).await;
            assert_eq!(a.status, 200, "{path}: {}", a.body);
            ids.extend(
                a.body["images"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_string()),
            );
            let next = a
                .body
                .get("next")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    a.body["images_links"]
                        .as_array()
                        .and_then(|l| l.iter().find(|l| l["rel"] == "next"))
                        .and_then(|l| l["href"].as_str())
                        .map(|h| h.trim_start_matches(&self.base).to_string())
                });
            match next {
                Some(n) if n.starts_with("/v2/") => path = format!("/image{n}"),
                Some(n) => path = n,
                None => return ids,
            }
        }
        panic!("{first}: no end");
    }
}

fn compute(path: &str) -> String {
    format!("/compute/v2/{}{path}", mock::TENANT)
}

#[tokio::test]
async fn a_created_image_is_listed_by_every_family_and_its_upload_is_what_downloads() {
    let m = start(MockConfig::default()).await;
    let api = Api::new(&m);
    let token = mock::DEFAULT_TOKEN;
    let a = api
        .json(
            Method::POST,
            "/image/v2/images",
            token,
            "application/json",
            json!({"name": "written", "disk_format": "raw", "container_format": "bare",
                   "visibility": "private", "tags": ["a", "a", "b"], "min_disk": 3, "os_distro": "cirros"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            &a.body["status"],
            &a.body["size"],
            &a.body["checksum"],
            &a.body["owner"]
        ),
        (&json!("queued"), &Value::Null, &Value::Null, &json!(mock::TENANT))
    );
    assert_eq!(a.body["tags"], json!(["a", "b"]), "tags are a set");
    assert_eq!(
        (&a.body["min_disk"], &a.body["os_distro"]),
        (&json!(3), &json!("cirros"))
    );
    assert!(
        a.headers["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/image/v2/images/{id}"))
    );
    // Newest first: the default list starts with it, in every family.
    assert_eq!(api.page("/image/v2/images?limit=1", token).await, vec![id.clone()]);
    assert_eq!(api.page("/ims/v2/images?limit=1", token).await, vec![id.clone()]);
    let nova = api.get(&compute("/images/detail?limit=1"), token).await;
    assert_eq!(nova.body["images"][0]["id"], json!(id));
    assert_eq!(nova.body["images"][0]["status"], json!("SAVING"));
    assert!(
        !api.ids("/image/v2/images", ALT_TOKEN).await.contains(&id),
        "private to demo"
    );

    let data = b"seven bytes and more".to_vec();
    let up = api.upload(&id, token, &data).await;
    assert_eq!(up.status, 204, "{}", up.body);
    let again = api.upload(&id, token, &data).await;
    assert_eq!(again.status, 409, "only a queued image takes data");
    let shown = api.get(&format!("/image/v2/images/{id}"), token).await.body;
    let md5: String = Md5::digest(&data).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        (&shown["status"], &shown["size"], &shown["checksum"]),
        (&json!("active"), &json!(data.len()), &json!(md5))
    );
    assert_eq!(shown["os_hash_value"].as_str().map(str::len), Some(128));
    let file = api.get(&format!("/image/v2/images/{id}/file"), token).await;
    assert_eq!((file.status, file.bytes.as_slice()), (200, data.as_slice()));
    assert_eq!(file.headers["content-md5"], md5.as_str());
    let filtered = api
        .ids(
            &format!("/image/v2/images?size_min={0}&size_max={0}", data.len()),
            token,
        )
        .await;
    assert!(filtered.contains(&id), "the size index knows the new size");
    m.shutdown().await;
}

#[tokio::test]
async fn uploads_and_creates_refuse_what_glance_refuses() {
    let m = start(MockConfig::default()).await;
    let api = Api::new(&m);
    let token = mock::DEFAULT_TOKEN;
    let post = |body: Value| api.json(Method::POST, "/image/v2/images", token, "application/json", body);
    assert_eq!(
        post(json!({"status": "active"})).await.status,
        403,
        "read-only attribute"
    );
    assert_eq!(
        post(json!({"visibility": "public"})).await.status,
        403,
        "publicize is admin's"
    );
    assert_eq!(post(json!({"visibility": "bogus"})).await.status, 400);
    assert_eq!(post(json!({"disk_format": "floppy"})).await.status, 400);
    assert_eq!(post(json!({"min_ram": -1})).await.status, 400);
    assert_eq!(
        post(json!({"custom": 5})).await.status,
        400,
        "custom properties are strings"
    );
    assert_eq!(post(json!(["not", "an", "object"])).await.status, 400);
    let none = api.send(Method::POST, "/image/v2/images", "bogus-token", None).await;
    assert_eq!(none.status, 401);
    let public = api
        .json(
            Method::POST,
            "/image/v2/images",
            ADMIN_TOKEN,
            "application/json",
            json!({"visibility": "public"}),
        )
        .await;
    assert_eq!(public.status, 201, "an admin may publicize");

    let id = api.create(token, json!({"name": "no formats"})).await;
    let up = |media: &'static str| {
        api.send(
            Method::PUT,
            format!("/image/v2/images/{id}/file"),
            token,
            Some((media, b"x".to_vec())),
        )
    };
    assert_eq!(up("text/plain").await.status, 415);
    assert_eq!(up("application/octet-stream").await.status, 400, "formats first");
    let other = api.upload(&id, ALT_TOKEN, b"x").await;
    assert_eq!(other.status, 404, "another project's private image is not there for it");
    m.shutdown().await;
}

#[tokio::test]
async fn patches_apply_whole_or_not_at_all_and_lists_follow_them() {
    let m = start(MockConfig::default()).await;
    let api = Api::new(&m);
    let token = mock::DEFAULT_TOKEN;
    let id = api
        .create(
            token,
            json!({"name": "zzzz-last", "disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    let bad_type = api
        .json(
            Method::PATCH,
            &format!("/image/v2/images/{id}"),
            token,
            "application/json",
            json!([]),
        )
        .await;
    assert_eq!(bad_type.status, 415);
    let refused = api
        .patch(
            &id,
            token,
            json!([{"op": "replace", "path": "/name", "value": "0000-first"},
                   {"op": "replace", "path": "/status", "value": "active"}]),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        api.get(&format!("/image/v2/images/{id}"), token).await.body["name"],
        json!("zzzz-last"),
        "a refused patch changes nothing"
    );
    let missing = api
        .patch(&id, token, json!([{"op": "replace", "path": "/flavour", "value": "x"}]))
        .await;
    assert_eq!(missing.status, 409, "replace needs the property to exist");
    let ok = api
        .patch(
            &id,
            token,
            json!([{"op": "replace", "path": "/name", "value": "0000-first"},
                   {"op": "add", "path": "/flavour", "value": "vanilla"},
                   {"op": "replace", "path": "/os_hidden", "value": true}]),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(
        (&ok.body["name"], &ok.body["flavour"]),
        (&json!("0000-first"), &json!("vanilla"))
    );
    assert!(!api.ids("/image/v2/images", token).await.contains(&id), "hidden");
    assert!(api.ids("/image/v2/images?os_hidden=true", token).await.contains(&id));
    api.patch(
        &id,
        token,
        json!([{"op": "replace", "path": "/os_hidden", "value": false}]),
    )
    .await;
    // The name index moved it: first by name ascending, found by the new name only.
    let by_name = api.get("/image/v2/images?sort=name:asc&limit=1000", token).await.body;
    let named: Vec<(&str, &str)> = by_name["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| Some((i["name"].as_str()?, i["id"].as_str()?)))
        .collect();
    assert_eq!(named[0], ("0000-first", id.as_str()), "first of the named images");
    assert!(named.windows(2).all(|w| w[0].0 <= w[1].0), "{named:?}");
    assert_eq!(
        api.ids("/image/v2/images?name=0000-first", token).await,
        vec![id.clone()]
    );
    assert!(api.ids("/image/v2/images?name=zzzz-last", token).await.is_empty());
    assert_eq!(
        api.ids("/image/v2/images?flavour=vanilla", token).await,
        vec![id.clone()]
    );
    let removed = api
        .patch(&id, token, json!([{"op": "remove", "path": "/flavour"}]))
        .await;
    assert_eq!(removed.status, 200);
    assert!(api.ids("/image/v2/images?flavour=vanilla", token).await.is_empty());
    let by_alt = api
        .patch(
            &id,
            ALT_TOKEN,
            json!([{"op": "replace", "path": "/name", "value": "x"}]),
        )
        .await;
    assert_eq!(by_alt.status, 404);
    // The whole list, sorted by name after the writes, is in order and complete.
    let walked = api.ids("/image/v2/images?sort=name:asc,id:asc&limit=7", token).await;
    let all = api.ids("/image/v2/images?limit=1000", token).await;
    assert_eq!(walked.len(), all.len());
    m.shutdown().await;
}

#[tokio::test]
async fn deletes_take_images_out_of_every_list_and_protected_ones_stay() {
    let m = start(MockConfig::default()).await;
    let api = Api::new(&m);
    let token = mock::DEFAULT_TOKEN;
    let id = api.create(token, json!({"name": "doomed", "protected": true})).await;
    let path = format!("/image/v2/images/{id}");
    assert_eq!(api.send(Method::DELETE, &path, token, None).await.status, 403);
    api.patch(
        &id,
        token,
        json!([{"op": "replace", "path": "/protected", "value": false}]),
    )
    .await;
    let public = api
        .create(ADMIN_TOKEN, json!({"name": "admins", "visibility": "public"}))
        .await;
    let by_demo = api
        .send(Method::DELETE, &format!("/image/v2/images/{public}"), token, None)
        .await;
    assert_eq!(by_demo.status, 403, "seen, not owned");
    assert_eq!(api.send(Method::DELETE, &path, token, None).await.status, 204);
    assert_eq!(api.get(&path, token).await.status, 404);
    assert_eq!(api.send(Method::DELETE, &path, token, None).await.status, 404);
    assert!(!api.ids("/image/v2/images", token).await.contains(&id));
    assert!(!api.ids("/ims/v2/images", token).await.contains(&id));
    assert!(api.ids("/image/v2/images?name=doomed", token).await.is_empty());
    assert!(!api.ids(&compute("/images"), token).await.contains(&id));
    m.shutdown().await;
}

#[tokio::test]
async fn shares_follow_the_member_status_the_member_sets() {
    let m = start(MockConfig::default()).await;
    let api = Api::new(&m);
    let token = mock::DEFAULT_TOKEN;
    let private = api.create(token, json!({"visibility": "private"})).await;
    let members = |id: &str| format!("/image/v2/images/{id}/members");
    assert_eq!(api.share(&private).await.status, 403, "only shared images have members");
    let id = api.create(token, json!({"visibility": "shared"})).await;
    let added = api.share(&id).await;
    assert_eq!((added.status, &added.body["status"]), (200, &json!("pending")));
    assert_eq!(api.share(&id).await.status, 409);
    let alt_default = || api.ids("/image/v2/images", ALT_TOKEN);
    assert!(!alt_default().await.contains(&id), "pending is not listed by default");
    assert!(
        api.ids("/image/v2/images?member_status=pending&visibility=shared", ALT_TOKEN)
            .await
            .contains(&id)
    );
    let status = |who: &'static str, s: &'static str| {
        api.json(
            Method::PUT,
            format!("{}/{}", members(&id), mock::SECOND_TENANT),
            who,
            "application/json",
            json!({"status": s}),
        )
    };
    assert_eq!(
        status(token, "accepted").await.status,
        403,
        "the owner cannot accept for the member"
    );
    assert_eq!(status(ALT_TOKEN, "maybe").await.status, 400);
    assert_eq!(status(ALT_TOKEN, "accepted").await.status, 200);
    assert!(alt_default().await.contains(&id));
    assert_eq!(status(ALT_TOKEN, "rejected").await.status, 200);
    assert!(!alt_default().await.contains(&id));
    let gone = api
        .send(
            Method::DELETE,
            &format!("{}/{}", members(&id), mock::SECOND_TENANT),
            token,
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    assert_eq!(api.get(&format!("/image/v2/images/{id}"), ALT_TOKEN).await.status, 404);
    m.shutdown().await;
}

#[tokio::test]
async fn a_deactivated_image_keeps_its_place_and_withholds_its_data() {
    let m = start(MockConfig::default()).await;
    let api = Api::new(&m);
    let token = mock::DEFAULT_TOKEN;
    let id = api
        .create(token, json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    let action = |a: &str| api.send(Method::POST, format!("/image/v2/images/{id}/actions/{a}"), token, None);
    assert_eq!(
        action("deactivate").await.status,
        403,
        "a queued image cannot be deactivated"
    );
    api.upload(&id, token, b"data").await;
    assert_eq!(action("deactivate").await.status, 204);
    assert_eq!(api.page("/image/v2/images?limit=1", token).await, vec![id.clone()]);
    assert_eq!(
        api.get(&format!("/image/v2/images/{id}"), token).await.body["status"],
        json!("deactivated")
    );
    assert_eq!(api.get(&format!("/image/v2/images/{id}/file"), token).await.status, 403);
    assert_eq!(action("reactivate").await.status, 204);
    assert_eq!(
        api.get(&format!("/image/v2/images/{id}/file"), token).await.bytes,
        b"data"
    );
    assert_eq!(action("explode").await.status, 404);
    let get = api
        .get(&format!("/image/v2/images/{id}/actions/deactivate"), token)
        .await;
    assert_eq!((get.status, get.headers["allow"].to_str().unwrap()), (405, "POST"));
    m.shutdown().await;
}

#[tokio::test]
async fn each_write_quirk_breaks_what_it_names() {
    let quirked = |q: Quirk| MockConfig {
        quirks: [q].into(),
        ..MockConfig::default()
    };
    let token = mock::DEFAULT_TOKEN;

    let m = start(quirked(Quirk::DeletedImageStaysListed)).await;
    let api = Api::new(&m);
    let id = api.create(token, json!({"name": "stays"})).await;
    assert_eq!(
        api.send(Method::DELETE, &format!("/image/v2/images/{id}"), token, None)
            .await
            .status,
        204
    );
    assert!(api.ids("/image/v2/images", token).await.contains(&id));
    m.shutdown().await;

    let m = start(quirked(Quirk::HiddenLaterStillListed)).await;
    let api = Api::new(&m);
    let at_create = api.create(token, json!({"os_hidden": true})).await;
    let later = api.create(token, json!({})).await;
    let answer = api
        .patch(
            &later,
            token,
            json!([{"op": "replace", "path": "/os_hidden", "value": true}]),
        )
        .await;
    assert_eq!(answer.body["os_hidden"], json!(true), "the answer says hidden");
    let listed = api.ids("/image/v2/images", token).await;
    assert!(listed.contains(&later) && !listed.contains(&at_create));
    m.shutdown().await;

    let m = start(quirked(Quirk::PendingShareListed)).await;
    let api = Api::new(&m);
    let id = api.create(token, json!({"visibility": "shared"})).await;
    api.share(&id).await;
    assert!(api.ids("/image/v2/images", ALT_TOKEN).await.contains(&id));
    m.shutdown().await;
}
