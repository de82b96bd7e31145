//! Image data, members and the Glance fields and query values real clients rely on: the
//! `/file` bytes against the list's size, checksum and os_hash_value; the members API and
//! `member_status`; `os_hidden` parsed as Glance parses it; the schema documents.

use imgconform::mock::{self, MockConfig, RunningMock};
use md5::{Digest, Md5};
use serde_json::Value;
use sha2::Sha512;

async fn start() -> RunningMock {
    imgconform::tls::install_crypto_provider();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    mock::spawn(MockConfig::default(), listener).await.unwrap()
}

fn alt_token() -> String {
    format!("{}{}", mock::DEFAULT_TOKEN, mock::ALT_TOKEN_SUFFIX)
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
    async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("X-Auth-Token", token)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap()
    }
    async fn json_as(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self.get_as(token, path).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
    async fn json(&self, path: &str) -> (u16, Value) {
        self.json_as(mock::DEFAULT_TOKEN, path).await
    }
    async fn images(&self, query: &str) -> Vec<Value> {
        let (status, body) = self.json(&format!("/v2/images?limit=1000&{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        body["images"].as_array().unwrap().clone()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn file_bytes_are_what_the_list_says() {
    let m = start().await;
    let c = Client::new(&m);
    let all = c.images("").await;
    let mut checked = 0;
    for img in &all {
        let id = img["id"].as_str().unwrap();
        let r = c.get_as(mock::DEFAULT_TOKEN, &format!("/v2/images/{id}/file")).await;
        match img["status"].as_str().unwrap() {
            "active" => {
                assert_eq!(r.status().as_u16(), 200, "{id}");
                assert_eq!(r.headers()["content-type"], "application/octet-stream");
                assert_eq!(r.headers()["content-md5"], img["checksum"].as_str().unwrap());
                let size = img["size"].as_u64().unwrap();
                assert_eq!(r.headers()["content-length"], size.to_string().as_str());
                let bytes = r.bytes().await.unwrap();
                assert_eq!(bytes.len() as u64, size);
                assert_eq!(hex(&Md5::digest(&bytes)), img["checksum"].as_str().unwrap(), "{id} md5");
                assert_eq!(img["os_hash_algo"], "sha512");
                // sha512 is slow in a debug build: checked for the small images (the large
                // ones are checked in the catalogue's unit test).
                if size < 1 << 20 {
                    assert_eq!(
                        hex(&Sha512::digest(&bytes)),
                        img["os_hash_value"].as_str().unwrap(),
                        "{id} sha512"
                    );
                }
                checked += 1;
            }
            "deactivated" => assert_eq!(r.status().as_u16(), 403, "{id}: download of a deactivated image"),
            _ => {
                assert_eq!(r.status().as_u16(), 204, "{id}: an image without data");
                assert!(r.bytes().await.unwrap().is_empty());
            }
        }
    }
    assert!(checked > 20, "{checked} active images checked");
    let large = all
        .iter()
        .filter(|i| i["size"].as_u64().is_some_and(|s| s > 1 << 20))
        .count();
    assert!(large >= 3, "a few large images are streamed");
    // A byte range, as Glance serves one.
    let img = all
        .iter()
        .find(|i| i["size"].as_u64().is_some_and(|s| s > 100))
        .unwrap();
    let id = img["id"].as_str().unwrap();
    let whole = c
        .get_as(mock::DEFAULT_TOKEN, &format!("/v2/images/{id}/file"))
        .await
        .bytes()
        .await
        .unwrap();
    let r = c
        .http
        .get(format!("{}/v2/images/{id}/file", c.base))
        .header("X-Auth-Token", mock::DEFAULT_TOKEN)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 206);
    let size = img["size"].as_u64().unwrap();
    assert_eq!(r.headers()["content-range"], format!("bytes 10-19/{size}").as_str());
    assert_eq!(r.bytes().await.unwrap(), whole.slice(10..20));
    // Unknown or invisible: 404; no token: 401.
    let r = c
        .get_as(
            mock::DEFAULT_TOKEN,
            "/v2/images/00000000-0000-4000-8000-000000000000/file",
        )
        .await;
    assert_eq!(r.status().as_u16(), 404);
    let r = c
        .http
        .get(format!("{}/v2/images/{id}/file", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    m.shutdown().await;
}

#[tokio::test]
async fn members_and_member_status_agree() {
    let m = start().await;
    let c = Client::new(&m);
    let default: Vec<Value> = c.images("").await;
    assert_eq!(default.len(), 40, "the fixed extras stay out of the default list");
    let shared_default: Vec<&Value> = default.iter().filter(|i| i["visibility"] == "shared").collect();
    assert!(!shared_default.is_empty());
    for img in &shared_default {
        let id = img["id"].as_str().unwrap();
        let (status, body) = c.json(&format!("/v2/images/{id}/members")).await;
        assert_eq!(status, 200);
        assert_eq!(body["schema"], "/v2/schemas/members");
        let members = body["members"].as_array().unwrap();
        assert_eq!(members.len(), 1, "a member sees its own membership");
        assert_eq!(
            (members[0]["member_id"].as_str(), members[0]["status"].as_str()),
            (Some(mock::TENANT), Some("accepted"))
        );
        assert_eq!(members[0]["image_id"], id);
        let (status, one) = c.json(&format!("/v2/images/{id}/members/{}", mock::TENANT)).await;
        assert_eq!((status, &one), (200, &members[0]));
        assert_eq!(
            c.json(&format!("/v2/images/{id}/members/{}", mock::THIRD_PROJECT_ID))
                .await
                .0,
            404
        );
        let (status, owner_view) = c.json_as(&alt_token(), &format!("/v2/images/{id}/members")).await;
        assert_eq!((status, owner_view["members"].as_array().map(Vec::len)), (200, Some(1)));
    }
    // Shares not accepted: out of the default list, in with their member_status.
    let pending = c.images("member_status=pending&visibility=shared").await;
    let rejected = c.images("member_status=rejected&visibility=shared").await;
    let every = c.images("member_status=all&visibility=shared").await;
    assert_eq!((pending.len(), rejected.len()), (1, 1));
    assert_eq!(every.len(), shared_default.len() + 2);
    for (list, status) in [(&pending, "pending"), (&rejected, "rejected")] {
        let id = list[0]["id"].as_str().unwrap();
        assert!(default.iter().all(|i| i["id"] != id));
        let (_, body) = c.json(&format!("/v2/images/{id}/members")).await;
        assert_eq!(body["members"][0]["status"], status);
        assert_eq!(
            c.json(&format!("/v2/images/{id}")).await.0,
            200,
            "a share is visible in any status"
        );
        assert_eq!(
            c.json(&format!("/v2/images?marker={id}")).await.0,
            200,
            "and works as a marker"
        );
    }
    let pending_mixed = c.images("member_status=pending").await;
    assert_eq!(pending_mixed.len(), 40 - shared_default.len() + 1, "own images stay in");
    assert_eq!(c.json("/v2/images?member_status=bogus").await.0, 400);
    // An image that is not shared has no members.
    let private = default.iter().find(|i| i["visibility"] == "private").unwrap();
    let id = private["id"].as_str().unwrap();
    assert_eq!(c.json(&format!("/v2/images/{id}/members")).await.0, 403);
    assert_eq!(
        c.json(&format!("/v2/images/{id}/members/{}", mock::TENANT)).await.0,
        404
    );
    // Another project's private image: 404 by id, 403 as a marker (Glance).
    let (status, alt_list) = c.json_as(&alt_token(), "/v2/images?limit=1000").await;
    assert_eq!(status, 200);
    assert!(alt_list["images"].as_array().unwrap().iter().all(|i| i["id"] != id));
    assert_eq!(c.json_as(&alt_token(), &format!("/v2/images/{id}")).await.0, 404);
    assert_eq!(c.json_as(&alt_token(), &format!("/v2/images?marker={id}")).await.0, 403);
    m.shutdown().await;
}

#[tokio::test]
async fn booleans_and_enums_are_parsed_as_glance_parses_them() {
    let m = start().await;
    let c = Client::new(&m);
    let hidden = c.images("os_hidden=true").await;
    assert_eq!(hidden.len(), 2);
    assert!(hidden.iter().all(|i| i["os_hidden"] == true));
    for spelling in ["True", "TRUE", "tRuE"] {
        assert_eq!(c.images(&format!("os_hidden={spelling}")).await, hidden, "{spelling}");
    }
    assert_eq!(c.images("os_hidden=False").await.len(), 40);
    let (status, body) = c.json("/v2/images?os_hidden=bogus").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("os_hidden"));
    // Glance compares protected exactly.
    assert!(!c.images("protected=true").await.is_empty());
    assert_eq!(c.json("/v2/images?protected=True").await.0, 400);
    // An empty visibility is a filter nothing matches; an unknown one is a 400.
    assert!(c.images("visibility=").await.is_empty());
    assert_eq!(c.json("/v2/images?visibility=Public").await.0, 400);
    // Hidden images are still there by id.
    let id = hidden[0]["id"].as_str().unwrap();
    assert_eq!(c.json(&format!("/v2/images/{id}")).await.0, 200);
    m.shutdown().await;
}

#[tokio::test]
async fn the_schemas_describe_what_is_served() {
    let m = start().await;
    let c = Client::new(&m);
    let (status, schema) = c.json("/v2/schemas/image").await;
    assert_eq!(status, 200);
    let props = schema["properties"].as_object().unwrap();
    for (field, ty) in [
        ("os_hidden", "boolean"),
        ("protected", "boolean"),
        ("min_disk", "integer"),
        ("min_ram", "integer"),
        ("stores", "string"),
        ("tags", "array"),
    ] {
        assert_eq!(props[field]["type"], ty, "{field}");
    }
    assert_eq!(props["os_hash_value"]["type"], serde_json::json!(["null", "string"]));
    assert_eq!(schema["additionalProperties"]["type"], "string");
    let img = &c.images("").await[0];
    for key in img.as_object().unwrap().keys() {
        assert!(props.contains_key(key) || img[key].is_string(), "{key}");
    }
    let (_, images) = c.json("/v2/schemas/images").await;
    assert_eq!(images["properties"]["images"]["items"], schema);
    let (status, members) = c.json("/v2/schemas/members").await;
    assert_eq!(status, 200);
    assert_eq!(
        members["properties"]["members"]["items"]["properties"]["status"]["enum"][0],
        "pending"
    );
    assert_eq!(c.json("/v2/schemas/member").await.0, 200);
    assert_eq!(c.json("/v2/schemas/nope").await.0, 404);
    m.shutdown().await;
}
