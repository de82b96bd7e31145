//! `GET /v2/images/{id}/file`: an image's bytes, streamed, as Glance serves them: 204 when the
//! image has no data (queued, importing, killed, ...), 403 for a deactivated image (unless
//! admin), `Content-MD5` with the checksum, and single byte ranges (206).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;

use super::errors;
use super::glance::{authenticate, gate_allowing, visible_image};
use super::state::MockState;
use super::writes;

/// A `Range: bytes=…` header as WebOb reads a single range: `a-b`, `a-` or `-n`.
fn range(headers: &HeaderMap, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = headers
        .get(header::RANGE)?
        .to_str()
        .ok()?
        .trim()
        .strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let parsed = match (a.trim(), b.trim()) {
        ("", n) => n.parse::<u64>().ok().map(|n| (len.saturating_sub(n), len)),
        (a, "") => a.parse::<u64>().ok().map(|a| (a, len)),
        (a, b) => match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(a), Ok(b)) if b >= a => Some((a, (b + 1).min(len))),
            _ => None,
        },
    }?;
    Some(if parsed.0 < parsed.1 { Ok(parsed) } else { Err(()) })
}

/// `/v2/images/{id}/file`: GET downloads, PUT uploads (`writes`).
pub async fn download(
    State(state): State<Arc<MockState>>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if method == Method::PUT {
        return match authenticate(&state, &headers) {
            Ok(viewer) => writes::upload(&state, viewer, &headers, &id, body),
            Err(r) => *r,
        };
    }
    let viewer = match gate_allowing(&state, &method, &headers, "GET, PUT") {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let img = match visible_image(&state, viewer, &id, &headers) {
        Ok(img) => img,
        Err(r) => return *r,
    };
    if img.status == "deactivated" && !viewer.admin {
        return errors::glance(
            StatusCode::FORBIDDEN,
            "The requested image has been deactivated. Image data download is forbidden.",
            &headers,
        );
    }
    // Uploaded bytes (PUT /file) or the generated stream; neither for an image without data.
    let uploaded = state.upload(&img.id).filter(|_| img.has_stored_data());
    let generated = img.content.filter(|_| img.has_data());
    let len = match (&uploaded, generated) {
        (Some(b), _) => b.len() as u64,
        (None, Some(c)) => c.len,
        (None, None) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            return r;
        }
    };
    let (status, start, end) = match range(&headers, len) {
        None => (StatusCode::OK, 0, len),
        Some(Ok((a, b))) => (StatusCode::PARTIAL_CONTENT, a, b),
        Some(Err(())) => {
            return errors::glance(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "Requested range not satisfiable",
                &headers,
            );
        }
    };
    let body = match (uploaded, generated) {
        (Some(b), _) => Body::from(b.slice(start as usize..end as usize)),
        (None, Some(c)) => c.body(start, end),
        (None, None) => Body::empty(),
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    if let Some(v) = img.checksum().and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert("content-md5", v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(range: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_str(range).expect("ascii"));
        h
    }

    #[test]
    fn ranges_as_webob_reads_them() {
        assert_eq!(range(&HeaderMap::new(), 10), None);
        assert_eq!(range(&with("bytes=0-4"), 10), Some(Ok((0, 5))));
        assert_eq!(range(&with("bytes=5-"), 10), Some(Ok((5, 10))));
        assert_eq!(range(&with("bytes=-3"), 10), Some(Ok((7, 10))));
        assert_eq!(range(&with("bytes=8-100"), 10), Some(Ok((8, 10))));
        assert_eq!(range(&with("bytes=10-"), 10), Some(Err(())));
        assert_eq!(range(&with("bytes=4-2"), 10), None);
        assert_eq!(range(&with("bytes=0-1,3-4"), 10), None);
    }
}
