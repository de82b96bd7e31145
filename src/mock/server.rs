//! Routing, and running the mock: in the background for `imgconform run` and tests, or in the
//! foreground for `imgconform mock` until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::MockConfig;
use super::errors::{self, GlanceMessage};
use super::quirk::Quirk;
use super::state::{MockState, request_id};
use super::variant::Variant;
use super::{data, discovery, glance, keystone, members, nova, writes};

async fn common_headers(State(state): State<Arc<MockState>>, request: Request, next: Next) -> Response {
    if !state.config.latency.is_zero() {
        tokio::time::sleep(state.config.latency).await;
    }
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .insert("x-openstack-request-id", request_id(&state));
    let response = plain_text_errors(&state, &path, response);
    response_quirks(&state, &path, response)
}

/// The `plain-text-errors` variant: image-v2 and ims errors as WebOb's text/plain, whatever the
/// client accepts (the headers, `WWW-Authenticate` and `Allow` included, are kept).
fn plain_text_errors(state: &MockState, path: &str, response: Response) -> Response {
    let glance_path = path == "/image" || path.starts_with("/image/") || path == "/ims" || path.starts_with("/ims/");
    if !state.variant(Variant::PlainTextErrors) || !glance_path {
        return response;
    }
    let Some(GlanceMessage(message)) = response.extensions().get::<GlanceMessage>().cloned() else {
        return response;
    };
    let mut plain = errors::glance_plain(response.status(), &message);
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            plain.headers_mut().insert(name.clone(), value.clone());
        }
    }
    plain
}

/// The quirks that rewrite a whole response: its media type, or (compute only: Nova always
/// answers JSON, while image-v2 documents no error body) its error body.
fn response_quirks(state: &MockState, path: &str, mut response: Response) -> Response {
    let quirks = &state.config.quirks;
    if quirks.contains(&Quirk::HtmlContentType) && response.status().is_success() && path.ends_with("/v2/images") {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=UTF-8"),
        );
    }
    if quirks.contains(&Quirk::ErrorBodyNotJson) && path.starts_with("/compute/") && response.status().is_client_error()
    {
        let status = response.status();
        let mut plain = (status, format!("{status}\n\nThe request could not be served.")).into_response();
        plain.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=UTF-8"),
        );
        for name in [
            header::WWW_AUTHENTICATE,
            header::ALLOW,
            header::HeaderName::from_static("x-openstack-request-id"),
        ] {
            if let Some(v) = response.headers().get(&name).cloned() {
                plain.headers_mut().insert(name, v);
            }
        }
        return plain;
    }
    response
}

/// The version documents of an Image API v2 face mounted at `prefix`.
fn image_discovery(router: Router<Arc<MockState>>, prefix: &'static str) -> Router<Arc<MockState>> {
    let root = move |headers: HeaderMap| async move { discovery::image_root(&headers, prefix) };
    let versions = move |headers: HeaderMap| async move { discovery::image_versions(&headers, prefix) };
    router
        .route(prefix, get(root))
        .route(&format!("{prefix}/"), get(root))
        .route(&format!("{prefix}/versions"), get(versions))
        .route(&format!("{prefix}/v2"), get(glance::version_root))
}

/// The data and members routes of an Image API v2 face mounted at `prefix`.
fn image_subresources(router: Router<Arc<MockState>>, prefix: &str) -> Router<Arc<MockState>> {
    router
        .route(
            &format!("{prefix}/v2/images/{{id}}/file"),
            any(data::download).layer(DefaultBodyLimit::max(writes::MAX_UPLOAD)),
        )
        .route(
            &format!("{prefix}/v2/images/{{id}}/actions/{{action}}"),
            any(glance::image_action),
        )
        .route(&format!("{prefix}/v2/images/{{id}}/members"), any(members::list))
        .route(
            &format!("{prefix}/v2/images/{{id}}/members/{{member}}"),
            any(members::show),
        )
}

/// The whole mock: Keystone under `/identity`, Glance under `/image`, IMS under `/ims`, Nova's
/// image proxy under `/compute`.
pub fn router(config: MockConfig) -> Router {
    let state = Arc::new(MockState::new(config));
    let compute_version =
        |path: &'static str| move |headers: HeaderMap| async move { discovery::compute_version(&headers, path) };
    let routes = Router::new()
        .route("/identity", get(discovery::identity_root))
        .route("/identity/", get(discovery::identity_root))
        .route("/identity/v3", get(discovery::identity_v3))
        .route("/identity/v3/", get(discovery::identity_v3))
        .route("/identity/v3/auth/tokens", any(keystone::tokens))
        .route("/identity/v3/auth/catalog", any(keystone::auth_catalog))
        .route("/identity/v3/auth/projects", any(keystone::auth_projects))
        .route("/identity/v3/projects", any(keystone::projects))
        .route("/identity/v3/projects/{id}", any(keystone::project))
        .route("/identity/{*rest}", any(keystone::not_found))
        .route("/image/v2/images", any(glance::list_images))
        .route("/image/v2/images/{id}", any(glance::get_image))
        .route("/image/v2/schemas/{name}", any(glance::schema))
        .route("/ims/v2/images", any(glance::ims_list_images))
        .route("/ims/v2/images/{id}", any(glance::ims_get_image))
        .route("/ims/v2/schemas/{name}", any(glance::schema))
        .route("/compute", get(discovery::compute_root))
        .route("/compute/", get(discovery::compute_root))
        .route("/compute/v2", get(compute_version("v2")))
        .route("/compute/v2/", get(compute_version("v2")))
        .route("/compute/v2.1", get(compute_version("v2.1")))
        .route("/compute/v2.1/", get(compute_version("v2.1")));
    let routes = image_subresources(image_discovery(routes, "/image"), "/image");
    let routes = image_subresources(image_discovery(routes, "/ims"), "/ims");
    routes
        .route("/compute/v2/{tenant}/images", any(nova::list_images))
        .route("/compute/v2/{tenant}/images/detail", any(nova::list_detail))
        .route("/compute/v2/{tenant}/images/{id}", any(nova::get_image))
        .fallback(glance::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), common_headers))
        .with_state(state)
}

/// A mock serving in the background.
pub struct RunningMock {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningMock {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// The image-v2 endpoint (what a service catalogue would list).
    pub fn image_url(&self) -> String {
        format!("{}/image", self.base_url())
    }
    /// The compute-v2 endpoint of the token's tenant, as a catalogue gives it (with the tenant).
    pub fn compute_url(&self) -> String {
        format!("{}/compute/v2/{}", self.base_url(), super::identity::PROJECT_ID)
    }
    /// The IMS endpoint.
    pub fn ims_url(&self) -> String {
        format!("{}/ims", self.base_url())
    }
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

/// Serves on `listener` in the background.
pub async fn spawn(config: MockConfig, listener: tokio::net::TcpListener) -> anyhow::Result<RunningMock> {
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let app = router(config);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    Ok(RunningMock {
        addr,
        shutdown: tx,
        task,
    })
}

async fn termination() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// `imgconform mock`: prints where to point a client, then serves until Ctrl-C or SIGTERM.
pub async fn serve(config: MockConfig, listen: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    let quirks: Vec<&str> = config.quirks.iter().map(|q| q.name()).collect();
    let variants: Vec<&str> = config.variants.iter().map(|v| v.name()).collect();
    // The first three lines (catalogue, image endpoint, token) are read by scripts and tests.
    println!("imgconform mock: {}", super::describe_catalogue(&config));
    println!("  image-v2 endpoint: http://{addr}/image   (list: http://{addr}/image/v2/images)");
    println!("  token:             {}   (send it as X-Auth-Token)", config.token);
    println!(
        "  compute-v2:        http://{addr}/compute/v2/{}   (a second tenant: /compute/v2/{}, token {}{})",
        super::identity::PROJECT_ID,
        super::identity::OTHER_PROJECT_ID,
        config.token,
        super::identity::ALT_TOKEN_SUFFIX
    );
    println!("  ims:               http://{addr}/ims   (list: http://{addr}/ims/v2/images)");
    println!(
        "  keystone:          http://{addr}/identity   (the auth_url: user {} / project {}, password as given to",
        config.user, config.project
    );
    println!(
        "                     --password; also {} / {} and {} / {}; its catalogue lists every endpoint above)",
        super::identity::ALT_USER,
        super::identity::ALT_PASSWORD,
        super::identity::ADMIN_USER,
        super::identity::ADMIN_PASSWORD
    );
    println!(
        "  quirks:            {}",
        if quirks.is_empty() {
            "none".to_string()
        } else {
            quirks.join(", ")
        }
    );
    println!(
        "  variants:          {}",
        if variants.is_empty() {
            "none".to_string()
        } else {
            variants.join(", ")
        }
    );
    println!("  stop with Ctrl-C");
    let app = router(config);
    axum::serve(listener, app).with_graceful_shutdown(termination()).await?;
    println!("imgconform mock: stopped");
    Ok(())
}
