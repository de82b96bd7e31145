//! The write side of the client, for provisioning only (`run --provision`, `cleanup`): a
//! request with a method cases can never send (POST) and a body, under the same limits as
//! every other request — the run's timeout, body cap, no redirects, TLS settings — and the same
//! politeness: it waits for a slot within `--concurrency` and `--rate`, counts toward
//! `--max-requests` and the run's request total, and is reported as an event.
//!
//! It lives beside the read client (a child module, so it shares the one connection pool and
//! the token that renewal keeps fresh) but apart from it: cases cannot reach it, since
//! `model::Method` has no POST and the loader keeps writes off image paths.

use std::time::Instant;

use url::Url;

use super::{HttpClient, Response, TransportError, classify};
use crate::events::{AnswerInfo, Event, RequestInfo, current_case};
use crate::model::Auth;

/// One write (or a fresh, never shared, read) of the provisioner.
#[derive(Clone, Debug)]
pub struct WriteRequest {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: &'static str,
    pub url: Url,
    /// `Token` (the main identity) or `Other` (the second identity).
    pub auth: Auth,
    /// Content type and bytes.
    pub body: Option<(String, Vec<u8>)>,
    /// Whether `--max-requests` may refuse it. Removing what the run created is never refused:
    /// fixtures left behind would be worse than a budget exceeded by their number.
    pub budgeted: bool,
}

impl WriteRequest {
    pub fn new(method: &'static str, url: Url, auth: Auth) -> Self {
        WriteRequest {
            method,
            url,
            auth,
            body: None,
            budgeted: true,
        }
    }

    pub fn json(mut self, content_type: &str, value: &serde_json::Value) -> Self {
        self.body = Some((content_type.to_string(), value.to_string().into_bytes()));
        self
    }

    pub fn bytes(mut self, content_type: &str, bytes: Vec<u8>) -> Self {
        self.body = Some((content_type.to_string(), bytes));
        self
    }

    pub fn unbudgeted(mut self) -> Self {
        self.budgeted = false;
        self
    }

    /// `POST http://…/v2/images` for messages (never with a token: URLs carry none).
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.url)
    }
}

impl HttpClient {
    /// Sends one write. A 429 is retried after its `Retry-After` (bounded, as reads are): the
    /// server did not act on it. A 503 is not, since a create it did act on would be repeated.
    pub async fn send_write(&self, request: &WriteRequest) -> Result<Response, TransportError> {
        let polite = &self.politeness;
        let mut attempts = 0u32;
        loop {
            let permit = if request.budgeted {
                match polite.admit(u32::MAX).await {
                    Ok(p) => p,
                    Err(spent) => return Err(TransportError::Budget(spent.0)),
                }
            } else {
                polite.admit_unbudgeted().await
            };
            self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let info = RequestInfo {
                case: current_case().map(|s| s.id),
                method: request.method,
                url: request.url.to_string(),
            };
            if let Some(sink) = &self.events {
                sink.emit(Event::RequestSent(info.clone()));
            }
            let started = Instant::now();
            let result = tokio::time::timeout(self.limits.timeout, self.write_inner(request))
                .await
                .unwrap_or(Err(TransportError::Timeout(self.limits.timeout)));
            drop(permit);
            if let Some(sink) = &self.events {
                sink.emit(Event::RequestAnswered(AnswerInfo {
                    request: info,
                    result: result.as_ref().map(|r| r.status).map_err(|e| e.to_string()),
                    bytes: result.as_ref().map_or(0, |r| r.body.len()),
                    elapsed: started.elapsed(),
                }));
            }
            let wait = match &result {
                Ok(r) if r.status == 429 && attempts < polite.config.retries => r
                    .header("retry-after")
                    .and_then(super::retry_after)
                    .unwrap_or(std::time::Duration::from_secs(1))
                    .min(polite.config.max_wait),
                _ => return result,
            };
            attempts += 1;
            tokio::time::sleep(wait).await;
        }
    }

    async fn write_inner(&self, request: &WriteRequest) -> Result<Response, TransportError> {
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| TransportError::Other(e.to_string()))?;
        let mut builder = self
            .inner
            .request(method, request.url.clone())
            .header("Accept", "application/json");
        let token = match request.auth {
            Auth::Token => {
                if let Some(r) = &self.renewal {
                    r.refresh(&self.token).await;
                }
                self.token.read().unwrap_or_else(|p| p.into_inner()).clone()
            }
            Auth::Other => self.other_token.clone(),
            Auth::None | Auth::Invalid => None,
        };
        if let Some(t) = token {
            builder = builder.header("X-Auth-Token", t.expose());
        }
        if let Some((content_type, bytes)) = &request.body {
            builder = builder
                .header("Content-Type", content_type.as_str())
                .body(bytes.clone());
        }
        let resp = builder.send().await.map_err(|e| classify(&e, self.limits.timeout))?;
        self.read_response(resp).await
    }
}
