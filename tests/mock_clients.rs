//! What real clients need before they list anything: version discovery without a token, shaped
//! as Keystone, Glance and Nova shape it, and the Keystone flows keystoneauth and gophercloud
//! use (password, token and application credential, validation, catalogue, projects, 401s).

use imgconform::mock::{self, MockConfig, RunningMock};
use serde_json::{Value, json};

async fn start() -> RunningMock {
    imgconform::tls::install_crypto_provider();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    mock::spawn(MockConfig::default(), listener).await.unwrap()
}

async fn send(req: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
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

fn password(user: &str, password: &str, scope: Option<Value>) -> Value {
    let mut auth = json!({"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "password": password, "domain": {"name": "Default"}}}}});
    if let Some(s) = scope {
        auth["scope"] = s;
    }
    json!({ "auth": auth })
}

#[tokio::test]
async fn version_documents_answer_without_a_token() {
    let m = start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = m.base_url();
    for path in ["/identity", "/identity/"] {
        let (status, headers, body) = send(http.get(format!("{base}{path}"))).await;
        assert_eq!(status, 300, "{path}");
        let v3 = &body["versions"]["values"][0];
        assert_eq!(
            (v3["id"].as_str(), v3["status"].as_str()),
            (Some("v3.14"), Some("stable"))
        );
        let self_link = format!("{base}/identity/v3/");
        assert_eq!(v3["links"][0]["href"], self_link.as_str());
        assert_eq!(headers["location"], self_link.as_str());
        assert_eq!(
            v3["media-types"][0]["type"],
            "application/vnd.openstack.identity-v3+json"
        );
    }
    for path in ["/identity/v3", "/identity/v3/"] {
        let (status, _, body) = send(http.get(format!("{base}{path}"))).await;
        assert_eq!((status, body["version"]["id"].as_str()), (200, Some("v3.14")), "{path}");
    }
    // Glance: 300 at the root, 200 at /versions, the same unsorted list linking to /v2/.
    let (status, _, root) = send(http.get(format!("{base}/image"))).await;
    assert_eq!(status, 300);
    let (_, _, slash) = send(http.get(format!("{base}/image/"))).await;
    let (status, _, versions) = send(http.get(format!("{base}/image/versions"))).await;
    assert_eq!((status, &slash, &versions), (200, &root, &root));
    let ids: Vec<&str> = root["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(&ids[..4], ["v2.15", "v2.9", "v2.17", "v2.7"]);
    assert!(ids.contains(&"v2.0"));
    let current: Vec<&Value> = root["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["status"] == "CURRENT")
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], "v2.17");
    for v in root["versions"].as_array().unwrap() {
        assert_eq!(v["links"][0]["href"], format!("{base}/image/v2/").as_str());
    }
    let (status, _, ims) = send(http.get(format!("{base}/ims"))).await;
    assert_eq!(status, 300);
    assert_eq!(
        ims["versions"][0]["links"][0]["href"],
        format!("{base}/ims/v2/").as_str()
    );
    // Nova: 200 at the root (not 300), one document per version.
    let (status, _, root) = send(http.get(format!("{base}/compute/"))).await;
    assert_eq!(status, 200);
    let v = root["versions"].as_array().unwrap();
    assert_eq!(
        (v[0]["id"].as_str(), v[0]["status"].as_str()),
        (Some("v2.0"), Some("DEPRECATED"))
    );
    assert_eq!(
        (v[1]["id"].as_str(), v[1]["version"].as_str()),
        (Some("v2.1"), Some("2.104"))
    );
    assert_eq!(v[1]["links"][0]["href"], format!("{base}/compute/v2.1/").as_str());
    for path in ["/compute/v2.1", "/compute/v2.1/"] {
        let (status, _, doc) = send(http.get(format!("{base}{path}"))).await;
        assert_eq!(status, 200);
        assert_eq!(doc["version"]["min_version"], "2.1");
        assert_eq!(
            doc["version"]["links"][0]["href"],
            format!("{base}/compute/v2.1/").as_str()
        );
    }
    let (_, _, v2) = send(http.get(format!("{base}/compute/v2"))).await;
    assert_eq!(v2["version"]["id"], "v2.0");
    // Glance's /v2: a redirect to /v2/ for a token, 401 without.
    let (status, headers, _) = send(
        http.get(format!("{base}/image/v2"))
            .header("X-Auth-Token", mock::DEFAULT_TOKEN),
    )
    .await;
    assert_eq!(
        (status, headers["location"].to_str().unwrap()),
        (302, format!("{base}/image/v2/").as_str())
    );
    assert_eq!(send(http.get(format!("{base}/image/v2"))).await.0, 401);
    m.shutdown().await;
}

#[tokio::test]
async fn keystone_issues_validates_and_lists_like_keystone() {
    let m = start().await;
    let http = reqwest::Client::new();
    let tokens = format!("{}/identity/v3/auth/tokens", m.base_url());
    let demo_scope = json!({"project": {"name": "demo", "domain": {"name": "Default"}}});
    let (status, headers, body) = send(
        http.post(&tokens)
            .json(&password("demo", "demo-password", Some(demo_scope))),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(headers["x-subject-token"], mock::DEFAULT_TOKEN);
    let token = &body["token"];
    assert_eq!(token["project"]["id"], mock::TENANT);
    assert_eq!(token["user"]["id"], mock::DEFAULT_USER_ID);
    assert_eq!(token["methods"], json!(["password"]));
    let roles: Vec<&str> = token["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"member") && roles.contains(&"reader"));
    let expires = chrono::DateTime::parse_from_rfc3339(token["expires_at"].as_str().unwrap()).unwrap();
    assert!(expires > chrono::Utc::now(), "a token in the future");
    chrono::DateTime::parse_from_rfc3339(token["issued_at"].as_str().unwrap()).unwrap();
    // The catalogue: every API of the mock, every interface, RegionOne.
    let base = m.base_url();
    let catalog = token["catalog"].as_array().unwrap();
    for (kind, url) in [
        ("image", format!("{base}/image")),
        ("compute", format!("{base}/compute/v2/{}", mock::TENANT)),
        ("ims", format!("{base}/ims")),
        ("identity", format!("{base}/identity")),
    ] {
        let service = catalog
            .iter()
            .find(|s| s["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"));
        let interfaces: Vec<&str> = service["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert_eq!(
                    (e["url"].as_str(), e["region_id"].as_str()),
                    (Some(url.as_str()), Some("RegionOne"))
                );
                e["interface"].as_str().unwrap()
            })
            .collect();
        assert_eq!(interfaces, ["public", "internal", "admin"], "{kind}");
    }
    // By user id, by token, by application credential; ?nocatalog.
    let by_id = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": mock::ALT_USER_ID, "password": mock::ALT_PASSWORD}}}}});
    let (status, headers, body) = send(http.post(&tokens).json(&by_id)).await;
    assert_eq!(
        (status, body["token"]["project"]["id"].as_str()),
        (201, Some(mock::SECOND_TENANT))
    );
    assert_eq!(
        headers["x-subject-token"],
        format!("{}{}", mock::DEFAULT_TOKEN, mock::ALT_TOKEN_SUFFIX).as_str()
    );
    let by_token = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": mock::DEFAULT_TOKEN}}}});
    let (status, _, body) = send(http.post(format!("{tokens}?nocatalog")).json(&by_token)).await;
    assert_eq!(status, 201);
    assert!(body["token"].get("catalog").is_none(), "nocatalog");
    let app = json!({"auth": {"identity": {"methods": ["application_credential"], "application_credential": {"id": mock::APP_CREDENTIAL_ID, "secret": mock::APP_CREDENTIAL_SECRET}}}});
    let (status, _, body) = send(http.post(&tokens).json(&app)).await;
    assert_eq!(
        (status, body["token"]["application_credential"]["id"].as_str()),
        (201, Some(mock::APP_CREDENTIAL_ID))
    );
    // Refusals: Keystone's JSON 401 with WWW-Authenticate; a scope the user has no role on.
    let other_scope = json!({"project": {"id": mock::SECOND_TENANT}});
    for bad in [
        password("demo", "wrong", None),
        password("demo", "demo-password", Some(other_scope)),
    ] {
        let (status, headers, body) = send(http.post(&tokens).json(&bad)).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], 401);
        assert_eq!(body["error"]["title"], "Unauthorized");
        assert_eq!(
            headers["www-authenticate"],
            format!("Keystone uri=\"{base}/identity/v3\"").as_str()
        );
    }
    let (status, _, body) = send(http.post(&tokens).body("{not json")).await;
    assert_eq!((status, body["error"]["code"].as_u64()), (400, Some(400)));
    m.shutdown().await;
}

#[tokio::test]
async fn every_token_is_introspectable_and_lists_its_catalogue_and_projects() {
    let m = start().await;
    let http = reqwest::Client::new();
    let base = m.base_url();
    let tokens = format!("{base}/identity/v3/auth/tokens");
    let alt = format!("{}{}", mock::DEFAULT_TOKEN, mock::ALT_TOKEN_SUFFIX);
    for (subject, project, user) in [
        (mock::DEFAULT_TOKEN, mock::TENANT, mock::DEFAULT_USER),
        (alt.as_str(), mock::SECOND_TENANT, mock::ALT_USER),
    ] {
        let (status, headers, body) = send(
            http.get(&tokens)
                .header("X-Auth-Token", mock::DEFAULT_TOKEN)
                .header("X-Subject-Token", subject),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(headers["x-subject-token"], subject);
        assert_eq!(
            (
                body["token"]["project"]["id"].as_str(),
                body["token"]["user"]["name"].as_str()
            ),
            (Some(project), Some(user))
        );
        assert!(body["token"]["roles"].as_array().is_some_and(|r| !r.is_empty()));
        let head = http
            .head(&tokens)
            .header("X-Auth-Token", subject)
            .header("X-Subject-Token", subject)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status().as_u16(), 200);
    }
    let (status, _, body) = send(
        http.get(&tokens)
            .header("X-Auth-Token", mock::DEFAULT_TOKEN)
            .header("X-Subject-Token", "never-issued"),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_u64()), (404, Some(404)));
    let (status, headers, _) = send(http.get(&tokens).header("X-Subject-Token", mock::DEFAULT_TOKEN)).await;
    assert_eq!(status, 401);
    assert!(headers.contains_key("www-authenticate"));

    let (status, _, body) = send(
        http.get(format!("{base}/identity/v3/auth/catalog"))
            .header("X-Auth-Token", &alt),
    )
    .await;
    assert_eq!(status, 200);
    let compute = body["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "compute")
        .unwrap();
    assert!(
        compute["endpoints"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(mock::SECOND_TENANT)
    );
    let (status, _, body) = send(
        http.get(format!("{base}/identity/v3/auth/projects"))
            .header("X-Auth-Token", mock::DEFAULT_TOKEN),
    )
    .await;
    assert_eq!((status, body["projects"][0]["id"].as_str()), (200, Some(mock::TENANT)));
    assert_eq!(send(http.get(format!("{base}/identity/v3/auth/projects"))).await.0, 401);
    let (status, _, body) = send(http.get(format!("{base}/identity/v3/nothing-here"))).await;
    assert_eq!((status, body["error"]["code"].as_u64()), (404, Some(404)));
    m.shutdown().await;
}
