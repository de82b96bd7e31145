//! The mock's identities: demo, alt and admin, each with a fixed token that Keystone
//! introspects, and what each one's lists hold (an admin sees every project's private images,
//! but not hidden images nor other projects' community images by default, as Glance).

use std::collections::BTreeSet;

use imgconform::mock::{self, MockConfig, RunningMock};
use serde_json::{Value, json};

async fn start() -> RunningMock {
    imgconform::tls::install_crypto_provider();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    mock::spawn(MockConfig::default(), listener).await.unwrap()
}

fn token(suffix: &str) -> String {
    format!("{}{suffix}", mock::DEFAULT_TOKEN)
}

async fn get(url: &str, token: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(url)
        .header("X-Auth-Token", token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn names(m: &RunningMock, token: &str, query: &str) -> BTreeSet<String> {
    let (status, body) = get(&format!("{}/v2/images?limit=1000&{query}", m.image_url()), token).await;
    assert_eq!(status, 200, "{body}");
    body["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap_or("<null>").to_string())
        .collect()
}

#[tokio::test]
async fn every_token_says_whose_it_is() {
    let m = start().await;
    let url = format!("{}/identity/v3/auth/tokens", m.base_url());
    for (t, user, user_id, project, role) in [
        (
            token(""),
            mock::DEFAULT_USER,
            mock::DEFAULT_USER_ID,
            mock::TENANT,
            "member",
        ),
        (
            token(mock::ALT_TOKEN_SUFFIX),
            mock::ALT_USER,
            mock::ALT_USER_ID,
            mock::SECOND_TENANT,
            "member",
        ),
        (
            token(mock::ADMIN_TOKEN_SUFFIX),
            mock::ADMIN_USER,
            mock::ADMIN_USER_ID,
            mock::ADMIN_PROJECT_ID,
            "admin",
        ),
    ] {
        let r = reqwest::Client::new()
            .get(&url)
            .header("X-Auth-Token", &t)
            .header("X-Subject-Token", &t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let body: Value = r.json().await.unwrap();
        let tok = &body["token"];
        assert_eq!(
            (tok["user"]["name"].as_str(), tok["user"]["id"].as_str()),
            (Some(user), Some(user_id))
        );
        assert_eq!(tok["project"]["id"], project);
        assert!(
            tok["roles"].as_array().unwrap().iter().any(|r| r["name"] == role),
            "{user}: {role}"
        );
    }
    // The admin user authenticates like the others.
    let auth = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": mock::ADMIN_USER, "password": mock::ADMIN_PASSWORD, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": mock::ADMIN_PROJECT, "domain": {"id": "default"}}}}});
    let r = reqwest::Client::new().post(&url).json(&auth).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(r.headers()["x-subject-token"], token(mock::ADMIN_TOKEN_SUFFIX).as_str());
    m.shutdown().await;
}

#[tokio::test]
async fn each_identity_lists_what_glance_would_list_for_it() {
    let m = start().await;
    let demo = names(&m, &token(""), "").await;
    let alt = names(&m, &token(mock::ALT_TOKEN_SUFFIX), "").await;
    let admin = names(&m, &token(mock::ADMIN_TOKEN_SUFFIX), "").await;
    for private in ["alt-private", "third-private"] {
        assert!(!demo.contains(private), "{private} is not demo's");
        assert!(
            admin.contains(private),
            "an admin lists every project's private images: {private}"
        );
    }
    assert!(alt.contains("alt-private") && !alt.contains("third-private"));
    // The admin's default list holds demo's, except demo's community images (another
    // project's community images are listed only when asked for, even for an admin).
    let demo_community = names(&m, &token(""), "visibility=community").await;
    let demo_not_community: BTreeSet<String> = demo.difference(&demo_community).cloned().collect();
    assert!(demo_not_community.is_subset(&admin), "the admin's list holds demo's");
    assert!(demo_community.iter().any(|n| !admin.contains(n)));
    for hidden in ["demo-hidden", "public-hidden", "third-community"] {
        assert!(!admin.contains(hidden), "not even an admin lists {hidden} by default");
    }
    assert!(
        names(&m, &token(mock::ADMIN_TOKEN_SUFFIX), "visibility=community")
            .await
            .contains("third-community")
    );
    assert!(
        names(&m, &token(""), "visibility=all")
            .await
            .contains("third-community")
    );
    for deleted in ["demo-deleted-yesterday", "demo-deleted-long-ago"] {
        assert!(
            !admin.contains(deleted) && !demo.contains(deleted),
            "{deleted} is never listed"
        );
    }
    // alt does not list demo's community images (another project's) by default.
    assert!(demo_community.iter().any(|n| !alt.contains(n)));
    // Another project's private image by id: 404 for demo, 200 for the admin.
    let (_, body) = get(
        &format!("{}/v2/images?limit=1000", m.image_url()),
        &token(mock::ADMIN_TOKEN_SUFFIX),
    )
    .await;
    let third = body["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "third-private")
        .unwrap();
    let url = format!("{}/v2/images/{}", m.image_url(), third["id"].as_str().unwrap());
    assert_eq!(get(&url, &token("")).await.0, 404);
    assert_eq!(get(&url, &token(mock::ADMIN_TOKEN_SUFFIX)).await.0, 200);
    m.shutdown().await;
}

#[tokio::test]
async fn compute_works_with_the_admin_token_on_its_project() {
    let m = start().await;
    let admin = token(mock::ADMIN_TOKEN_SUFFIX);
    let base = format!("{}/compute/v2/{}", m.base_url(), mock::ADMIN_PROJECT_ID);
    let (status, body) = get(&format!("{base}/images"), &admin).await;
    assert_eq!(status, 200);
    let compute: BTreeSet<String> = body["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap_or("<null>").to_string())
        .collect();
    assert_eq!(compute, names(&m, &admin, "").await, "Nova shows Glance's list");
    let (status, _) = get(&format!("{base}/images/detail?limit=2"), &admin).await;
    assert_eq!(status, 200);
    // The admin's token on demo's path is the usual tenant mismatch.
    let (status, _) = get(&format!("{}/images", m.compute_url()), &admin).await;
    assert_eq!(status, 400);
    m.shutdown().await;
}

/// Keystone's projects API as its default policy answers it: a member reads its own project
/// only (403 for another, which openstackclient's `image add project ID` takes as "use the
/// id"), and only an admin lists them all.
#[tokio::test]
async fn projects_are_shown_as_keystone_policy_allows() {
    let m = start().await;
    let projects = format!("{}/identity/v3/projects", m.base_url());
    let (status, own) = get(&format!("{projects}/{}", mock::TENANT), mock::DEFAULT_TOKEN).await;
    assert_eq!((status, &own["project"]["id"]), (200, &json!(mock::TENANT)));
    let (status, _) = get(&format!("{projects}/{}", mock::SECOND_TENANT), mock::DEFAULT_TOKEN).await;
    assert_eq!(status, 403);
    assert_eq!(get(&projects, mock::DEFAULT_TOKEN).await.0, 403);
    let (status, all) = get(&projects, &token(mock::ADMIN_TOKEN_SUFFIX)).await;
    assert_eq!(status, 200);
    let ids: BTreeSet<&str> = all["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    let want: BTreeSet<&str> = [
        mock::TENANT,
        mock::SECOND_TENANT,
        mock::ADMIN_PROJECT_ID,
        mock::THIRD_PROJECT_ID,
    ]
    .into();
    assert_eq!(ids, want);
    let (status, _) = get(&format!("{projects}/nope"), &token(mock::ADMIN_TOKEN_SUFFIX)).await;
    assert_eq!(status, 404);
    m.shutdown().await;
}
