//! The request executor: every request has a timeout, every body a size cap, no redirect is
//! followed (a redirect could carry the token to another host), and every exchange can be
//! shown as a runnable curl command without the token. A server may close an idle keep-alive
//! connection at the instant it is reused (gunicorn does after 2 s); an idempotent request
//! that loses its connection before any answer begins is sent once more on a new one, as
//! RFC 9110 §9.2.2 allows, and the evidence says so.

mod write;

pub use write::WriteRequest;

use std::time::{Duration, Instant};

use serde_json::Value;
use url::Url;

use super::politeness::{Politeness, PolitenessConfig, retry_after};
use crate::events::{AnswerInfo, Event, EventSink, RequestInfo, current_case};
use crate::model::{Auth, Method};
use crate::redact::Secret;

/// A token no server issued, for `auth: invalid`; not a secret.
pub const INVALID_TOKEN: &str = "imgconform-invalid-token-0000000000000000";

#[derive(Clone, Debug)]
pub struct HttpLimits {
    pub timeout: Duration,
    pub max_body: usize,
    pub tls: TlsOptions,
    /// The bytes of bodies the whole process may hold at once (shared by every clone).
    pub memory: super::memory::BodyBudget,
}

/// TLS beyond the system roots: a CA bundle, a client certificate, or no verification at all.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    pub cacert: Option<std::path::PathBuf>,
    pub cert: Option<std::path::PathBuf>,
    pub key: Option<std::path::PathBuf>,
    pub insecure: bool,
}

impl TlsOptions {
    /// Applies the options to a client builder; unreadable files are configuration errors.
    pub fn apply(&self, mut b: reqwest::ClientBuilder) -> anyhow::Result<reqwest::ClientBuilder> {
        let read =
            |p: &std::path::Path| std::fs::read(p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()));
        if let Some(ca) = &self.cacert {
            let pem = read(ca)?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| anyhow::anyhow!("{}: not a PEM CA bundle: {e}", ca.display()))?
            {
                b = b.add_root_certificate(cert);
            }
        }
        if let Some(cert) = &self.cert {
            let mut pem = read(cert)?;
            if let Some(key) = &self.key {
                pem.extend(read(key)?);
            }
            let id = reqwest::Identity::from_pem(&pem)
                .map_err(|e| anyhow::anyhow!("{}: not a PEM client certificate and key: {e}", cert.display()))?;
            b = b.identity(id);
        }
        if self.insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        Ok(b)
    }
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            timeout: Duration::from_secs(30),
            max_body: 16 * 1024 * 1024,
            tls: TlsOptions::default(),
            memory: super::memory::BodyBudget::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RequestSpec {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub auth: Auth,
}

impl RequestSpec {
    pub fn get(url: Url) -> Self {
        RequestSpec {
            method: Method::Get,
            url,
            headers: Vec::new(),
            auth: Auth::Token,
        }
    }

    /// The request as a shell command; the token is the shell variable `$OS_TOKEN`.
    pub fn curl(&self) -> String {
        let mut parts = vec!["curl -sS -i".to_string()];
        if self.method != Method::Get {
            parts.push(format!("-X {}", self.method.as_str()));
        }
        let has_accept = self.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("accept"));
        if !has_accept {
            parts.push(format!("-H {}", shell_quote("Accept: application/json")));
        }
        for (k, v) in &self.headers {
            parts.push(format!("-H {}", shell_quote(&format!("{k}: {v}"))));
        }
        match self.auth {
            Auth::Token => parts.push("-H \"X-Auth-Token: $OS_TOKEN\"".to_string()),
            Auth::Invalid => parts.push(format!("-H {}", shell_quote(&format!("X-Auth-Token: {INVALID_TOKEN}")))),
            Auth::Other => parts.push("-H \"X-Auth-Token: $OS_OTHER_TOKEN\"".to_string()),
            Auth::None => {}
        }
        parts.push(shell_quote(self.url.as_str()));
        parts.join(" ")
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Shared by every copy of the answer (the request-sharing cache, a walk's pages).
    pub body: bytes::Bytes,
    /// The body's bytes in the run's memory budget, given back when the last copy is dropped.
    pub hold: Option<std::sync::Arc<super::memory::Hold>>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// The body as JSON, or why it is not.
    pub fn json(&self) -> Result<Value, String> {
        if self.body.is_empty() {
            return Err("the body is empty".into());
        }
        serde_json::from_slice(&self.body).map_err(|e| format!("the body is not JSON ({e})"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    Timeout(Duration),
    BodyTooLarge {
        cap: usize,
    },
    Connect(String),
    /// The connection closed (or was reset) after the request went out and before any answer
    /// began: most often an idle keep-alive connection the server closed as it was reused.
    Closed(String),
    Other(String),
    /// `--max-requests` is used up.
    Budget(usize),
    /// 429/503 on every attempt.
    Throttled {
        status: u16,
        attempts: u32,
    },
    /// The run's memory budget for bodies (`--max-body-memory`) stayed used up.
    Memory {
        cap: usize,
    },
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout(d) => write!(f, "no complete answer within {} s (timeout)", d.as_secs_f64()),
            TransportError::BodyTooLarge { cap } => write!(f, "the body exceeds the {cap}-byte cap; reading stopped"),
            TransportError::Connect(e) => write!(f, "could not connect: {e}"),
            TransportError::Closed(e) => write!(f, "the connection closed before any answer: {e}"),
            TransportError::Other(e) => write!(f, "transport error: {e}"),
            TransportError::Budget(n) => write!(f, "the request budget (--max-requests {n}) is used up"),
            TransportError::Memory { cap } => write!(
                f,
                "the run's memory for bodies (--max-body-memory {cap}) is held by other answers; this one was not read (a limit of the suite, not the server's fault: raise it or lower --concurrency)"
            ),
            TransportError::Throttled { status, attempts } => {
                write!(
                    f,
                    "answered {status} (throttled or unavailable) on all {attempts} attempts, Retry-After honoured"
                )
            }
        }
    }
}

/// A 429 or 503 answer that was retried, or a connection that closed before any answer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Retry {
    /// The throttled answer's status; 0 when no answer came (see `closed`).
    pub status: u16,
    /// The `Retry-After` header as sent, if any.
    pub retry_after: Option<String>,
    /// How long the client waited before trying again.
    pub waited_ms: u128,
    /// Why no answer came, when the connection closed first (retried at once, once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Exchange {
    pub request: RequestSpec,
    pub result: Result<Response, TransportError>,
    pub elapsed: Duration,
    /// The throttled answers retried before `result` (empty for most exchanges).
    pub retries: Vec<Retry>,
}

impl Exchange {
    pub fn response(&self) -> Option<&Response> {
        self.result.as_ref().ok()
    }
    pub fn status(&self) -> Option<u16> {
        self.response().map(|r| r.status)
    }
}

/// One question's answer, filled by the first case that asks it.
type Cell = std::sync::Arc<tokio::sync::OnceCell<Exchange>>;

/// Answers of GETs shared within a run: one cell per question, so that cases asking the same
/// at once wait for one request. Only answers worth keeping stay: small bodies (pages of a
/// large catalogue are not kept, a run's memory is bounded), never a transport error.
#[derive(Default)]
struct Shared {
    /// Each question's cell, and whether its body is counted in `bytes`.
    cells: std::sync::Mutex<std::collections::HashMap<String, (Cell, bool)>>,
    bytes: std::sync::atomic::AtomicUsize,
}

impl Shared {
    /// A body kept for sharing is at most this large…
    const MAX_BODY: usize = 256 * 1024;
    /// …and all kept bodies together at most this.
    const MAX_TOTAL: usize = 16 * 1024 * 1024;

    fn cell(&self, key: &str) -> Cell {
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.entry(key.to_string()).or_default().0.clone()
    }

    /// Keeps the answer for later askers, or forgets it (too large, or no answer at all).
    fn settle(&self, key: &str, exchange: &Exchange) {
        use std::sync::atomic::Ordering;
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        let Some((_, counted)) = cells.get_mut(key) else { return };
        if *counted {
            return;
        }
        let keep = match &exchange.result {
            Ok(r) => {
                r.body.len() <= Self::MAX_BODY && self.bytes.load(Ordering::Relaxed) + r.body.len() <= Self::MAX_TOTAL
            }
            Err(_) => false,
        };
        if keep {
            *counted = true;
            let size = exchange.result.as_ref().map_or(0, |r| r.body.len());
            self.bytes.fetch_add(size, Ordering::Relaxed);
        } else {
            cells.remove(key);
        }
    }
}

/// The shared client of a run.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    limits: HttpLimits,
    token: std::sync::Arc<std::sync::RwLock<Option<Secret>>>,
    /// Renews the token before it expires, when it came from Keystone.
    renewal: Option<std::sync::Arc<super::renewal::Renewal>>,
    /// The second identity's token, for `auth: other` cases.
    other_token: Option<Secret>,
    politeness: std::sync::Arc<Politeness>,
    /// Where `RequestSent`/`RequestAnswered` events go, when a run listens.
    events: Option<EventSink>,
    /// Answers shared by the cases of a run (see `Shared`).
    shared: std::sync::Arc<Shared>,
    /// Requests sent through this client (every attempt counts).
    sent: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// The origins of the configured endpoints: a credential is sent nowhere else (empty: no
    /// pinning, for tests that build a client by hand).
    origins: std::sync::Arc<Vec<url::Origin>>,
}

impl HttpClient {
    pub fn new(limits: HttpLimits, token: Option<Secret>) -> anyhow::Result<Self> {
        Self::with_politeness(limits, token, PolitenessConfig::default())
    }

    pub fn with_politeness(
        limits: HttpLimits,
        token: Option<Secret>,
        polite: PolitenessConfig,
    ) -> anyhow::Result<Self> {
        crate::tls::install_crypto_provider();
        let builder = limits.tls.apply(reqwest::Client::builder())?;
        let inner = builder
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("imgconform/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {e}"))?;
        Ok(HttpClient {
            inner,
            limits,
            token: std::sync::Arc::new(std::sync::RwLock::new(token)),
            renewal: None,
            other_token: None,
            politeness: std::sync::Arc::new(Politeness::new(polite)),
            events: None,
            sent: std::sync::Arc::default(),
            shared: std::sync::Arc::default(),
            origins: std::sync::Arc::default(),
        })
    }

    /// Pins credentials to the origins of `endpoints`: a request elsewhere is refused before
    /// it is sent, whatever built its URL (links are resolved on the endpoint's origin already;
    /// this is the rule's last line).
    pub fn with_origins<'u>(mut self, endpoints: impl IntoIterator<Item = &'u Url>) -> Self {
        self.origins = std::sync::Arc::new(endpoints.into_iter().map(Url::origin).collect());
        self
    }

    /// Reports every request and answer to `sink`.
    pub fn with_events(mut self, sink: EventSink) -> Self {
        self.events = Some(sink);
        self
    }

    /// Requests sent so far (every attempt of a retried one counts).
    pub fn requests_sent(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Adds the second identity's token (another project) for `auth: other` cases.
    pub fn with_other_token(mut self, token: Option<Secret>) -> Self {
        self.other_token = token;
        self
    }

    /// Renews the run's token through `renewal` when it is about to expire.
    pub fn with_renewal(mut self, renewal: std::sync::Arc<super::renewal::Renewal>) -> Self {
        self.renewal = Some(renewal);
        self
    }

    pub fn has_other_identity(&self) -> bool {
        self.other_token.is_some()
    }

    pub fn limits(&self) -> &HttpLimits {
        &self.limits
    }

    /// Whether `--max-requests` is used up (the remaining cases SKIP).
    pub fn budget_spent(&self) -> bool {
        self.politeness.budget_spent()
    }

    /// Sends the request, or shares the answer of the same GET (same URL, credential and
    /// headers) sent earlier in the run: a server's pace is set by its token validations and
    /// database queries, and a question asked by two cases is asked once. Requests that must
    /// see the target as it is now (re-reads of a moving catalogue) use `send_fresh`.
    pub async fn send(&self, request: RequestSpec) -> Exchange {
        if request.method != Method::Get {
            return self.send_fresh(request).await;
        }
        let key = format!("{:?} {:?} {}", request.auth, request.headers, request.url);
        let cell = self.shared.cell(&key);
        let exchange = cell.get_or_init(|| self.send_fresh(request.clone())).await.clone();
        self.shared.settle(&key, &exchange);
        Exchange { request, ..exchange }
    }

    /// Sends the request within the run's politeness limits; a 429 or 503 is retried after its
    /// `Retry-After` (bounded), and one that never clears is an error, not an answer. An
    /// idempotent request whose connection closed before any answer is sent once more.
    pub async fn send_fresh(&self, request: RequestSpec) -> Exchange {
        let started = Instant::now();
        let polite = &self.politeness;
        let mut retries = Vec::new();
        // Requests outside a case (sign-in, pre-flight) go before any case's.
        let priority = crate::events::current_case().map_or(u32::MAX, |c| c.priority);
        let mut resent = false;
        let result = loop {
            let permit = match polite.admit(priority).await {
                Ok(p) => p,
                Err(spent) => break Err(TransportError::Budget(spent.0)),
            };
            let info = self.sent_event(&request);
            let attempt_started = Instant::now();
            let result = tokio::time::timeout(self.limits.timeout, self.send_inner(&request))
                .await
                .unwrap_or(Err(TransportError::Timeout(self.limits.timeout)));
            drop(permit);
            self.answered_event(info, &result, attempt_started.elapsed());
            if let Err(TransportError::Closed(why)) = &result
                && !resent
                && request.method != Method::Patch
            {
                resent = true;
                retries.push(Retry {
                    status: 0,
                    retry_after: None,
                    waited_ms: 0,
                    closed: Some(why.clone()),
                });
                continue;
            }
            let throttled = matches!(&result, Ok(r) if r.status == 429 || r.status == 503);
            if !throttled {
                break result;
            }
            let response = result.as_ref().ok();
            let status = response.map_or(0, |r| r.status);
            if retries.len() as u32 >= polite.config.retries {
                break Err(TransportError::Throttled {
                    status,
                    attempts: retries.len() as u32 + 1,
                });
            }
            let header = response.and_then(|r| r.header("retry-after")).map(str::to_string);
            let wait = header
                .as_deref()
                .and_then(retry_after)
                .unwrap_or(Duration::from_secs(1))
                .min(polite.config.max_wait);
            tokio::time::sleep(wait).await;
            retries.push(Retry {
                status,
                retry_after: header,
                waited_ms: wait.as_millis(),
                closed: None,
            });
        };
        Exchange {
            request,
            result,
            elapsed: started.elapsed(),
            retries,
        }
    }

    /// Counts the request (for the run and for its case) and reports it.
    fn sent_event(&self, request: &RequestSpec) -> Option<RequestInfo> {
        use std::sync::atomic::Ordering;
        self.sent.fetch_add(1, Ordering::Relaxed);
        let scope = current_case();
        if let Some(s) = &scope {
            s.requests.fetch_add(1, Ordering::Relaxed);
        }
        let sink = self.events.as_ref()?;
        let info = RequestInfo {
            case: scope.map(|s| s.id),
            method: request.method.as_str(),
            url: request.url.to_string(),
        };
        sink.emit(Event::RequestSent(info.clone()));
        Some(info)
    }

    fn answered_event(&self, info: Option<RequestInfo>, result: &Result<Response, TransportError>, elapsed: Duration) {
        let (Some(sink), Some(request)) = (&self.events, info) else {
            return;
        };
        sink.emit(Event::RequestAnswered(AnswerInfo {
            request,
            result: result.as_ref().map(|r| r.status).map_err(|e| e.to_string()),
            bytes: result.as_ref().map_or(0, |r| r.body.len()),
            elapsed,
        }));
    }

    async fn send_inner(&self, request: &RequestSpec) -> Result<Response, TransportError> {
        if !self.origins.is_empty() && !self.origins.contains(&request.url.origin()) {
            return Err(TransportError::Other(format!(
                "{} is not on the origin of a configured endpoint; not sent (credentials go to the configured endpoints only)",
                request.url.origin().ascii_serialization()
            )));
        }
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|e| TransportError::Other(e.to_string()))?;
        let mut builder = self.inner.request(method, request.url.clone());
        if !request.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("accept")) {
            builder = builder.header("Accept", "application/json");
        }
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        match request.auth {
            Auth::Token => {
                if let Some(r) = &self.renewal {
                    r.refresh(&self.token).await;
                }
                let token = self.token.read().unwrap_or_else(|p| p.into_inner()).clone();
                if let Some(t) = token {
                    builder = builder.header("X-Auth-Token", t.expose());
                }
            }
            Auth::Invalid => builder = builder.header("X-Auth-Token", INVALID_TOKEN),
            Auth::Other => {
                if let Some(t) = &self.other_token {
                    builder = builder.header("X-Auth-Token", t.expose());
                }
            }
            Auth::None => {}
        }
        let resp = builder.send().await.map_err(|e| classify(&e, self.limits.timeout))?;
        self.read_response(resp).await
    }

    /// An answer's status, headers and body, the body read within `--max-body` and the run's
    /// memory for bodies (every request of the run, reads and writes, is read here).
    async fn read_response(&self, resp: reqwest::Response) -> Result<Response, TransportError> {
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let cap = self.limits.max_body;
        if resp.content_length().is_some_and(|n| n > cap as u64) {
            return Err(TransportError::BodyTooLarge { cap });
        }
        // Every byte read is taken from the run's memory budget first.
        let mut hold = self.limits.memory.hold();
        // Sized by the announced length (already checked against the cap), so a 1 MB page is
        // not grown by doubling to 2 MB; the announcement is only a hint, the cap still rules.
        let announced = resp.content_length().map_or(0, |n| n as usize);
        let mut body = Vec::with_capacity(announced.min(cap));
        let mut resp = resp;
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e, self.limits.timeout))? {
            if body.len() + chunk.len() > cap {
                return Err(TransportError::BodyTooLarge { cap });
            }
            hold.grow(chunk.len())
                .await
                .map_err(|e| TransportError::Memory { cap: e.cap })?;
            body.extend_from_slice(&chunk);
        }
        body.shrink_to_fit();
        Ok(Response {
            status,
            headers,
            body: body.into(),
            hold: Some(std::sync::Arc::new(hold)),
        })
    }
}

/// Transport errors in words a provider understands; the URL is shown elsewhere already and
/// reqwest's text may repeat it, which is harmless (URLs never carry the token).
fn classify(e: &reqwest::Error, timeout: Duration) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout(timeout)
    } else if e.is_connect() {
        TransportError::Connect(error_chain(e))
    } else if e.is_request() {
        // Failed while sending or awaiting the answer's head; body errors are `is_body`.
        TransportError::Closed(error_chain(e))
    } else {
        TransportError::Other(error_chain(e))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_request_leaves_the_configured_origins() {
        // A listener that counts connections: the request to it must never be sent.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let elsewhere = Url::parse(&format!("http://{}/v2/images", listener.local_addr().unwrap())).unwrap();
        let endpoint = Url::parse("http://127.0.0.1:9/image").unwrap();
        let client = HttpClient::new(HttpLimits::default(), Some(Secret::new("pinned-token")))
            .unwrap()
            .with_origins([&endpoint]);
        let x = client.send(RequestSpec::get(elsewhere)).await;
        let Err(TransportError::Other(why)) = &x.result else {
            panic!("{:?}", x.result)
        };
        assert!(why.contains("not on the origin of a configured endpoint"), "{why}");
        let accepted = tokio::time::timeout(Duration::from_millis(50), listener.accept()).await;
        assert!(accepted.is_err(), "a connection reached the other origin");
    }

    #[test]
    fn curl_shows_the_token_as_a_variable() {
        let mut r = RequestSpec::get(Url::parse("http://h/image/v2/images?limit=1").unwrap());
        assert_eq!(
            r.curl(),
            "curl -sS -i -H 'Accept: application/json' -H \"X-Auth-Token: $OS_TOKEN\" 'http://h/image/v2/images?limit=1'"
        );
        r.method = Method::Delete;
        r.auth = Auth::None;
        assert_eq!(
            r.curl(),
            "curl -sS -i -X DELETE -H 'Accept: application/json' 'http://h/image/v2/images?limit=1'"
        );
    }
}
