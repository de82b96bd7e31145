//! Turning a case's request part and the bound variables into a concrete request.
//!
//! Values come from the target (ids, names, markers): each is encoded for its place, as one
//! path segment (`template::render_path`) or as a form-encoded query value (`exec::encode`),
//! so that no value can change which resource or which query a request asks for.

use serde_json::Value;
use url::Url;

use crate::exec::{RequestSpec, list_url};
use crate::model::{Base, Case};
use crate::template::{Vars, plain, render_path, render_str, render_value};

pub fn build(case: &Case, endpoint: &Url, vars: &Vars) -> Result<RequestSpec, String> {
    let r = &case.request;
    let path = render_path(&r.path.value, vars)?;
    let mut pairs = Vec::new();
    for (k, v) in &r.query.0 {
        match render_value(&v.value, vars)? {
            Value::Array(xs) => pairs.extend(xs.iter().map(|x| (k.clone(), plain(x)))),
            Value::Null => pairs.push((k.clone(), String::new())),
            other => pairs.push((k.clone(), plain(&other))),
        }
    }
    let base = match r.base {
        Base::Endpoint => endpoint.clone(),
        Base::Parent => {
            let mut parent = endpoint.clone();
            let trimmed = endpoint.path().trim_end_matches('/');
            parent.set_path(trimmed.rsplit_once('/').map_or("", |(head, _)| head));
            parent
        }
    };
    let url = list_url(&base, &path, &pairs)?;
    let mut headers = Vec::new();
    for (k, v) in &r.headers {
        headers.push((k.clone(), render_str(&v.value, vars)?));
    }
    Ok(RequestSpec {
        method: r.method,
        url,
        headers,
        auth: r.auth,
    })
}
