//! Pre-flight: one cheap look at each endpoint before any case runs, so that a tester's mistake
//! (a refused token, a wrong URL, `/v2` appended, https against an http server, nothing
//! listening) is one line naming the endpoint, what came back and the likely fix — not forty
//! FAIL and ERROR cases that read as the provider's failure.
//!
//! What is asked is data: each endpoint kind's `preflight` (a one-item list, the JSON pointer a
//! conforming answer has, the version document when the family has one) and `hints` (URL
//! shapes that usually are mistakes), from `cases/*/endpoint.yaml`. Nothing here names a kind.
//!
//! The version document is asked without a token, and only to explain: it tells a refused token
//! (the service answered its version document) from a wrong URL (it did not). A version
//! document that fails while the list works is the provider's business: its cases judge it.
//! Whatever the pre-flight finds wrong, `--no-preflight` runs the cases anyway and records the
//! answers as their verdicts (for a provider whose bug *is* refusing valid tokens).

use std::time::Duration;

use serde::Serialize;
use url::Url;

use super::{Exchange, HttpClient, RequestSpec, TransportError};
use crate::model::{Auth, EndpointKind, TenantInPath, UrlHint};
use crate::pointer;

/// One endpoint to look at before the run.
#[derive(Clone, Debug)]
pub struct Target {
    pub kind: EndpointKind,
    pub url: Url,
    /// How it was given (`--image-url`, `catalogue (image, public, RegionOne)`), for messages.
    pub source: String,
}

/// What the run knows about its credentials, for the words of a refusal.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// A token is sent at all.
    pub token: bool,
    /// The token was issued by Keystone for this run (so it is fresh, not mistyped).
    pub from_keystone: bool,
    /// The main identity's project id, when known: a `last_segment` endpoint must end with it.
    pub project_id: Option<String>,
    /// The second identity has a token of its own.
    pub other_token: bool,
}

/// What a passed endpoint answered, for the banner and the reports.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Passed {
    pub kind: String,
    pub endpoint: String,
    /// The probe as sent (`http://glance:9292/v2/images?limit=1`).
    pub probe: String,
    pub status: u16,
    pub duration_ms: u128,
    /// The version document, when the kind has one: its URL and status (or transport error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<VersionAnswer>,
    /// Things worth saying that do not stop the run (a URL that looks odd, no token needed).
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct VersionAnswer {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why an endpoint will not do: one line for the tester.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: String,
    pub endpoint: String,
    /// What came back: `401 from http://…/v2/images?limit=1`.
    pub what: String,
    /// The likely fix.
    pub fix: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pre-flight: {} endpoint {}: {}: {} (nothing was run; --no-preflight runs the cases anyway)",
            self.kind, self.endpoint, self.what, self.fix
        )
    }
}

/// Looks at every endpoint (those whose kind defines no pre-flight are left out) and, when a
/// second identity has a token, at that token on the first endpoint that passed.
pub async fn check(client: &HttpClient, targets: &[Target], creds: &Credentials) -> Result<Vec<Passed>, Vec<Failure>> {
    let mut set = tokio::task::JoinSet::new();
    for (n, t) in targets.iter().enumerate() {
        let (client, t, creds) = (client.clone(), t.clone(), creds.clone());
        set.spawn(async move { (n, check_one(&client, &t, &creds).await) });
    }
    let mut results: Vec<(usize, Result<Passed, Failure>)> = Vec::new();
    while let Some(done) = set.join_next().await {
        match done {
            Ok((n, Some(r))) => results.push((n, r)),
            Ok((_, None)) => {}
            Err(e) => results.push((
                usize::MAX,
                Err(Failure {
                    kind: "?".into(),
                    endpoint: "?".into(),
                    what: format!("the pre-flight task failed ({e})"),
                    fix: "an internal error of imgconform; --no-preflight skips this step".into(),
                }),
            )),
        }
    }
    results.sort_by_key(|(n, _)| *n);
    let (passed, failed): (Vec<_>, Vec<_>) = results.into_iter().map(|(_, r)| r).partition(Result::is_ok);
    let passed: Vec<Passed> = passed.into_iter().filter_map(Result::ok).collect();
    let mut failed: Vec<Failure> = failed.into_iter().filter_map(Result::err).collect();
    if failed.is_empty()
        && creds.other_token
        && let Some(first) = passed.first()
        && let Some(t) = targets.iter().find(|t| t.kind.name == first.kind)
        && let Some(f) = check_other(client, t).await
    {
        failed.push(f);
    }
    if failed.is_empty() { Ok(passed) } else { Err(failed) }
}

/// The URL of `path` (which may carry a query) under the endpoint.
fn under(endpoint: &Url, path: &str) -> Result<Url, String> {
    let s = format!("{}{}", endpoint.as_str().trim_end_matches('/'), path);
    Url::parse(&s).map_err(|e| format!("`{s}`: {e}"))
}

async fn check_one(client: &HttpClient, t: &Target, creds: &Credentials) -> Option<Result<Passed, Failure>> {
    let pf = t.kind.preflight.as_ref()?;
    let fail = |what: String, fix: String| Failure {
        kind: t.kind.name.clone(),
        endpoint: t.url.to_string(),
        what,
        fix,
    };
    let hint = matching_hint(&t.kind.hints, &t.url);
    if let Some(f) = project_mismatch(t, creds) {
        return Some(Err(fail(
            f,
            hint.unwrap_or_else(|| "end the URL with the project id".into()),
        )));
    }
    let probe = match under(&t.url, &pf.probe) {
        Ok(u) => u,
        Err(e) => {
            return Some(Err(fail(
                format!("the probe URL is not a URL: {e}"),
                hint.unwrap_or_default(),
            )));
        }
    };
    let versions_url = pf.versions.as_deref().and_then(|v| under(&t.url, v).ok());
    let versions_req = versions_url.clone().map(|u| RequestSpec {
        auth: Auth::None,
        ..RequestSpec::get(u)
    });
    let (answer, versions) = tokio::join!(client.send_fresh(RequestSpec::get(probe.clone())), async {
        match versions_req {
            Some(r) => Some(client.send_fresh(r).await),
            None => None,
        }
    });
    let versions = versions.map(|x| version_answer(&x));
    let versions_ok = versions
        .as_ref()
        .is_some_and(|v| v.status.is_some_and(|s| (200..400).contains(&s)));
    let words = Words {
        t,
        probe: &probe,
        hint,
        creds,
        versions_ok,
    };
    Some(match judge(&answer, &pf.expect_pointer, &words) {
        Ok(status) => {
            let mut notes = Vec::new();
            if !creds.token {
                notes.push("answered without a token (none was given)".to_string());
            }
            if t.kind.tenant == TenantInPath::LastSegment
                && creds.project_id.is_none()
                && let Some(h) = t
                    .kind
                    .hints
                    .iter()
                    .find(|h| h.lacks_project_id && lacks_project_id(&t.url))
            {
                notes.push(format!("the URL does not seem to end with a project id: {}", h.hint));
            }
            Ok(Passed {
                kind: t.kind.name.clone(),
                endpoint: t.url.to_string(),
                probe: probe.to_string(),
                status,
                duration_ms: answer.elapsed.as_millis(),
                versions,
                notes,
            })
        }
        Err((what, fix)) => Err(fail(what, fix)),
    })
}

/// The second identity's token on an endpoint that took the first one.
async fn check_other(client: &HttpClient, t: &Target) -> Option<Failure> {
    let pf = t.kind.preflight.as_ref()?;
    let probe = under(&t.url, &pf.probe).ok()?;
    let answer = client
        .send_fresh(RequestSpec {
            auth: Auth::Other,
            ..RequestSpec::get(probe.clone())
        })
        .await;
    match answer.status() {
        Some(401) => Some(Failure {
            kind: t.kind.name.clone(),
            endpoint: t.url.to_string(),
            what: format!("401 from {probe} with the second identity's token"),
            fix: "the second identity's token was refused (check --other-cloud / OS_OTHER_*)".into(),
        }),
        _ => None,
    }
}

/// A `last_segment` endpoint that ends with another project than the token's.
fn project_mismatch(t: &Target, creds: &Credentials) -> Option<String> {
    if t.kind.tenant != TenantInPath::LastSegment {
        return None;
    }
    let project = creds.project_id.as_deref()?;
    let last = last_segment(&t.url);
    (last != project).then(|| format!("the URL ends with `{last}`, not with the token's project id `{project}`"))
}

fn last_segment(url: &Url) -> &str {
    url.path().trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// Whether the URL's last path segment is not a Keystone project id (32 hex digits, or a uuid).
fn lacks_project_id(url: &Url) -> bool {
    let last = last_segment(url);
    let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
    let is_id = (last.len() == 32 && hex(last))
        || (last.len() == 36 && last.split('-').map(str::len).eq([8, 4, 4, 4, 12]) && hex(&last.replace('-', "")));
    !is_id
}

/// The first hint whose URL shape matches.
fn matching_hint(hints: &[UrlHint], url: &Url) -> Option<String> {
    let path = url.path().trim_end_matches('/');
    hints
        .iter()
        .find(|h| {
            let ends = h
                .path_ends_with
                .as_deref()
                .is_none_or(|s| path.ends_with(s.trim_end_matches('/')));
            let lacks = !h.lacks_project_id || lacks_project_id(url);
            (h.path_ends_with.is_some() || h.lacks_project_id) && ends && lacks
        })
        .map(|h| h.hint.clone())
}

fn version_answer(x: &Exchange) -> VersionAnswer {
    VersionAnswer {
        url: x.request.url.to_string(),
        status: x.status(),
        error: x.result.as_ref().err().map(ToString::to_string),
    }
}

/// What a message needs besides the answer.
struct Words<'a> {
    t: &'a Target,
    probe: &'a Url,
    hint: Option<String>,
    creds: &'a Credentials,
    /// The version document answered (the service is there).
    versions_ok: bool,
}

impl Words<'_> {
    fn url_fix(&self) -> String {
        self.hint.clone().unwrap_or_else(|| {
            format!(
                "check the URL: the {} endpoint looks like {} ({} gave this one)",
                self.t.kind.title, self.t.kind.example, self.t.source
            )
        })
    }
}

/// The probe's status when the answer is a conforming list; otherwise what came back and the fix.
fn judge(x: &Exchange, expect_pointer: &str, w: &Words) -> Result<u16, (String, String)> {
    let probe = w.probe;
    let r = match &x.result {
        Ok(r) => r,
        Err(e) => return Err(transport(e, w)),
    };
    let from = format!("{} from {probe}", r.status);
    match r.status {
        200..=299 => {
            let has = r
                .json()
                .ok()
                .is_some_and(|v| pointer::get(&v, expect_pointer).is_some());
            if has {
                Ok(r.status)
            } else {
                let what = match r.json() {
                    Ok(_) => format!("{from} has no `{expect_pointer}` in its body"),
                    Err(e) => format!("{from}: {e}"),
                };
                Err((
                    what,
                    format!("is this the {} endpoint? {}", w.t.kind.title, w.url_fix()),
                ))
            }
        }
        401 => {
            let reached = if w.versions_ok {
                " (its version document answers: the URL is right)".to_string()
            } else {
                String::new()
            };
            let fix = if !w.creds.token {
                "no token was given: give --os-token TOKEN (or OS_TOKEN), or authenticate with --os-cloud NAME / OS_AUTH_URL".to_string()
            } else if w.creds.from_keystone {
                "the token Keystone issued for this run was refused: is the endpoint of this cloud and region?"
                    .to_string()
            } else {
                "the token was refused: check --os-token / OS_TOKEN (expired, or of another cloud?), or let imgconform get one with --os-cloud NAME".to_string()
            };
            Err((format!("{from}{reached}"), fix))
        }
        403 => Err((
            from,
            "the token may not list images here: use a project-scoped token with the member or reader role".into(),
        )),
        300..=399 => {
            let to = r
                .header("location")
                .map(|l| format!(" (Location: {l})"))
                .unwrap_or_default();
            Err((format!("{from}{to}"), w.url_fix()))
        }
        404 | 400 | 405 => Err((from, w.url_fix())),
        429 | 503 => Err((
            from,
            "the service is throttled or unavailable: try again later (or lower --rate)".into(),
        )),
        _ => Err((
            from,
            "the service fails before any case: try again later, or run the cases anyway to record it".into(),
        )),
    }
}

/// A request that got no answer, in the tester's terms.
fn transport(e: &TransportError, w: &Words) -> (String, String) {
    let probe = w.probe;
    let https = probe.scheme() == "https";
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    let other_scheme = |s: &str| {
        let mut u = w.t.url.clone();
        let _ = u.set_scheme(s);
        u.to_string()
    };
    // The innermost cause says it best (`Connection refused (os error 111)`); reqwest's chain
    // around it repeats the URL.
    let cause = text.rsplit(": ").next().unwrap_or(&text);
    let what = format!("no answer from {probe} ({})", trim(cause));
    let fix = match e {
        TransportError::Timeout(d) => format!(
            "nothing answered within {} s: is the URL right and the service up? (--timeout SECS for a slow one)",
            fmt_secs(*d)
        ),
        TransportError::BodyTooLarge { cap } => {
            format!("a one-item list larger than {cap} bytes: is this the right endpoint? (--max-body BYTES)")
        }
        TransportError::Throttled { .. } => "the service is throttled: try again later (or lower --rate)".into(),
        TransportError::Budget(_) => "the request budget is used up (--max-requests)".into(),
        TransportError::Memory { cap } => {
            format!("the answer did not fit the run's memory for bodies ({cap} bytes; --max-body-memory BYTES)")
        }
        TransportError::Connect(_) | TransportError::Closed(_) | TransportError::Other(_) => {
            if lower.contains("certificate") || lower.contains("unknownissuer") {
                "the server's TLS certificate is not trusted: give its CA with OS_CACERT (or cacert in clouds.yaml), or --insecure".into()
            } else if https
                && (lower.contains("tls")
                    || lower.contains("ssl")
                    || lower.contains("handshake")
                    || lower.contains("corrupt message")
                    || lower.contains("invalidcontenttype")
                    || lower.contains("record"))
            {
                format!(
                    "the TLS handshake failed: the server may speak plain http (try {})",
                    other_scheme("http")
                )
            } else if lower.contains("connection refused") {
                let host = probe.host_str().unwrap_or("?");
                let port = probe.port_or_known_default().map_or(String::new(), |p| format!(":{p}"));
                format!("nothing listens at {host}{port}: is the service running, and the URL's host and port right?")
            } else if lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve") {
                "the host name does not resolve: check the URL's host".into()
            } else if !https
                && (lower.contains("invalid http")
                    || lower.contains("parse")
                    || lower.contains("closed before")
                    || lower.contains("reset"))
            {
                format!("the server may speak https (try {})", other_scheme("https"))
            } else {
                "the endpoint could not be reached: check the URL".into()
            }
        }
    };
    (what, fix)
}

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s}")
    }
}

/// A transport error's words, cut short: the chain can be long.
fn trim(s: &str) -> String {
    const MAX: usize = 160;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn project_ids_are_32_hex_digits_or_uuids() {
        assert!(!lacks_project_id(&url("http://n/v2/5d2f7c0a9b8e4c1d8a7f6e5d4c3b2a10")));
        assert!(!lacks_project_id(&url(
            "http://n/v2/5d2f7c0a-9b8e-4c1d-8a7f-6e5d4c3b2a10/"
        )));
        assert!(lacks_project_id(&url("http://n/v2.1")));
        assert!(lacks_project_id(&url("http://n/v2/images")));
    }

    #[test]
    fn the_first_matching_hint_is_given() {
        let hints: Vec<UrlHint> = serde_saphyr::from_str(
            "- {path_ends_with: /v2, hint: without v2}\n- {path_ends_with: /v2/images, hint: not the list}\n- {lacks_project_id: true, hint: needs the project}\n",
        )
        .unwrap();
        assert_eq!(
            matching_hint(&hints, &url("http://g:9292/v2/")).as_deref(),
            Some("without v2")
        );
        assert_eq!(
            matching_hint(&hints, &url("http://g:9292/v2/images")).as_deref(),
            Some("not the list")
        );
        assert_eq!(
            matching_hint(&hints, &url("http://n:8774/v2.1")).as_deref(),
            Some("needs the project")
        );
        assert_eq!(
            matching_hint(&hints, &url("http://n:8774/v2/5d2f7c0a9b8e4c1d8a7f6e5d4c3b2a10")),
            None
        );
    }
}
