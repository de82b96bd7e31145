//! Error bodies as each service writes them: Glance's (WebOb negotiates JSON, HTML or text from
//! `Accept`), Nova's faults and Keystone's errors (always JSON, in their own shapes).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A refusal a handler answers with: boxed, because a `Response` makes a large `Err`.
pub type Refused = Box<Response>;

pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// The message of a Glance error, kept on its response so that the `plain-text-errors`
/// variant can write the same error as WebOb's plain text.
#[derive(Clone, Debug)]
pub struct GlanceMessage(pub String);

/// A Glance (WebOb) error: JSON with a string `code` when the client accepts JSON, HTML
/// otherwise.
pub fn glance(status: StatusCode, message: &str, headers: &HeaderMap) -> Response {
    let mut r = glance_negotiated(status, message, headers);
    r.extensions_mut().insert(GlanceMessage(message.to_string()));
    r
}

/// WebOb's plain-text error body: `400 Bad Request\n\nmessage`.
pub fn glance_plain(status: StatusCode, message: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let mut r = (status, format!("{} {reason}\n\n{message}", status.as_u16())).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    r
}

fn glance_negotiated(status: StatusCode, message: &str, headers: &HeaderMap) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = format!("{} {reason}", status.as_u16());
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if wants_json {
        let body = json!({"message": format!("{message}<br /><br />\n\n\n"), "code": code, "title": reason});
        return json_response(status, &body);
    }
    let html = format!(
        "<html>\n <head>\n  <title>{code}</title>\n </head>\n <body>\n  <h1>{code}</h1>\n  {message}<br /><br />\n\n\n\n </body>\n</html>"
    );
    let mut r = (status, html).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    r
}

/// Nova's fault bodies: `{"badRequest": {"code": 400, "message": …}}`.
pub fn nova(status: StatusCode, kind: &str, message: &str) -> Response {
    json_response(status, &json!({ kind: {"code": status.as_u16(), "message": message} }))
}

/// Keystone's errors: `{"error": {"code": 401, "message": …, "title": "Unauthorized"}}`.
pub fn keystone(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    json_response(
        status,
        &json!({"error": {"code": status.as_u16(), "message": message, "title": title}}),
    )
}

/// The host a request was sent to, for absolute links and `WWW-Authenticate`.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// The header a 401 carries: where Keystone is (as keystonemiddleware's `www_authenticate_uri`).
pub fn www_authenticate(headers: &HeaderMap, uri: &str) -> (header::HeaderName, HeaderValue) {
    let value = format!("Keystone uri=\"{}{uri}\"", base_url(headers));
    (
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Keystone")),
    )
}
