//! The Image API v2 calls a fixture needs, as Glance defines them (`glance/api/v2/images.py`,
//! `image_members.py`, `image_actions.py`): create `POST /v2/images` (201, the image), upload
//! `PUT /v2/images/{id}/file` (204), update `PATCH /v2/images/{id}` with a JSON patch (200),
//! members `POST /v2/images/{id}/members` (200), `PUT|DELETE …/members/{member}` (200|204),
//! `POST /v2/images/{id}/actions/deactivate|reactivate` (204), and `DELETE /v2/images/{id}`
//! (204). Any other answer is a [`Problem`] that says which request got what.

use serde_json::{Value, json};
use url::Url;

use crate::exec::{HttpClient, Response, TransportError, WriteRequest};
use crate::model::Auth;

/// The JSON-patch media type Glance requires on `PATCH /v2/images/{id}`.
pub const PATCH_TYPE: &str = "application/openstack-images-v2.1-json-patch";

/// A call that did not answer as the API says.
#[derive(Debug, Clone)]
pub struct Problem {
    /// `POST http://…/v2/images`
    pub request: String,
    pub status: Option<u16>,
    pub detail: String,
    /// The request budget refused it (the suite's own limit, not the server's doing).
    pub budget: bool,
}

impl Problem {
    /// Refused by policy (Glance's default policy keeps `publicize_image` for admins).
    pub fn forbidden(&self) -> bool {
        matches!(self.status, Some(401 | 403))
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "{} answered {s}: {}", self.request, self.detail),
            None => write!(f, "{}: {}", self.request, self.detail),
        }
    }
}

/// The image API of one endpoint, as one identity.
#[derive(Clone)]
pub struct ImageApi {
    pub client: HttpClient,
    /// The endpoint as a catalogue gives it (`http://h/image`); `/v2/images` is added here.
    pub endpoint: Url,
    pub auth: Auth,
    /// Whether `--max-requests` may refuse the calls (never for removals).
    pub budgeted: bool,
}

impl ImageApi {
    /// `endpoint` + `/v2/images` + each segment, percent-encoded for a path (ids come from the
    /// server).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.endpoint.clone();
        url.set_query(None);
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["v2", "images"]).extend(segments);
        }
        url
    }

    async fn call(&self, mut req: WriteRequest, ok: &[u16]) -> Result<Response, Problem> {
        if !self.budgeted {
            req = req.unbudgeted();
        }
        let line = req.line();
        match self.client.send_write(&req).await {
            Ok(r) if ok.contains(&r.status) => Ok(r),
            Ok(r) => Err(Problem {
                request: line,
                status: Some(r.status),
                detail: excerpt(&r.body),
                budget: false,
            }),
            Err(e) => Err(Problem {
                request: line,
                status: None,
                budget: matches!(e, TransportError::Budget(_)),
                detail: e.to_string(),
            }),
        }
    }

    fn req(&self, method: &'static str, segments: &[&str]) -> WriteRequest {
        WriteRequest::new(method, self.url(segments), self.auth)
    }

    /// `POST /v2/images`: the created image (its `id` is all the caller trusts of it).
    pub async fn create(&self, body: &Value) -> Result<Value, Problem> {
        let req = self.req("POST", &[]).json("application/json", body);
        let line = req.line();
        let r = self.call(req, &[201]).await?;
        let image: Value = serde_json::from_slice(&r.body).map_err(|e| Problem {
            request: line.clone(),
            status: Some(r.status),
            detail: format!("the body is not JSON ({e})"),
            budget: false,
        })?;
        match image.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Ok(image),
            _ => Err(Problem {
                request: line,
                status: Some(r.status),
                detail: "the created image has no `id`".into(),
                budget: false,
            }),
        }
    }

    pub async fn upload(&self, id: &str, data: &[u8]) -> Result<(), Problem> {
        let req = self
            .req("PUT", &[id, "file"])
            .bytes("application/octet-stream", data.to_vec());
        self.call(req, &[204]).await.map(drop)
    }

    /// `PATCH` with `replace` operations on top-level fields.
    pub async fn replace(&self, id: &str, fields: &[(&str, Value)]) -> Result<(), Problem> {
        let ops: Vec<Value> = fields
            .iter()
            .map(|(k, v)| json!({"op": "replace", "path": format!("/{k}"), "value": v}))
            .collect();
        let req = self.req("PATCH", &[id]).json(PATCH_TYPE, &Value::Array(ops));
        self.call(req, &[200]).await.map(drop)
    }

    pub async fn add_member(&self, id: &str, member: &str) -> Result<(), Problem> {
        let req = self
            .req("POST", &[id, "members"])
            .json("application/json", &json!({"member": member}));
        self.call(req, &[200]).await.map(drop)
    }

    /// The member's own call (`auth` is the member's identity).
    pub async fn member_status(&self, id: &str, member: &str, status: &str) -> Result<(), Problem> {
        let req = self
            .req("PUT", &[id, "members", member])
            .json("application/json", &json!({"status": status}));
        self.call(req, &[200]).await.map(drop)
    }

    pub async fn remove_member(&self, id: &str, member: &str) -> Result<(), Problem> {
        self.call(self.req("DELETE", &[id, "members", member]), &[204])
            .await
            .map(drop)
    }

    /// `deactivate` or `reactivate`.
    pub async fn action(&self, id: &str, action: &str) -> Result<(), Problem> {
        self.call(self.req("POST", &[id, "actions", action]), &[204])
            .await
            .map(drop)
    }

    /// `DELETE /v2/images/{id}`; `Ok(false)` when it was already gone (404).
    pub async fn delete(&self, id: &str) -> Result<bool, Problem> {
        let r = self.call(self.req("DELETE", &[id]), &[204, 404]).await?;
        Ok(r.status == 204)
    }

    /// Every image of `GET /v2/images?QUERY`, following `next` within `max_pages` (fresh reads:
    /// the run's shared answers may predate its own writes).
    pub async fn list(&self, query: &[(&str, &str)], max_pages: usize) -> Result<Vec<Value>, Problem> {
        let mut url = self.url(&[]);
        url.query_pairs_mut().extend_pairs(query);
        let mut out = Vec::new();
        for _ in 0..max_pages.max(1) {
            let req = WriteRequest::new("GET", url.clone(), self.auth);
            let line = req.line();
            let r = self.call(req, &[200]).await?;
            let body: Value = serde_json::from_slice(&r.body).map_err(|e| Problem {
                request: line.clone(),
                status: Some(200),
                detail: format!("the body is not JSON ({e})"),
                budget: false,
            })?;
            if let Some(items) = body.get("images").and_then(Value::as_array) {
                out.extend(items.iter().cloned());
            }
            let Some(next) = body.get("next").and_then(Value::as_str) else {
                return Ok(out);
            };
            url = match crate::exec::resolve_link(&self.endpoint, next) {
                Ok(u) => u,
                Err(e) => {
                    return Err(Problem {
                        request: line,
                        status: Some(200),
                        detail: format!("unusable next link `{next}`: {e}"),
                        budget: false,
                    });
                }
            };
        }
        Err(Problem {
            request: format!("GET {url}"),
            status: None,
            detail: format!("the list did not end within {max_pages} pages"),
            budget: false,
        })
    }
}

/// The start of a body, on one line, for messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one.chars().take(200).collect();
    if one.chars().count() > 200 {
        s.push('…');
    }
    if s.is_empty() { "(empty body)".into() } else { s }
}
