//! Resolving `next`/`first` links and reading their query strings.
//!
//! Glance's links are relative to the *endpoint* (`/v2/images?...` under an endpoint that may
//! carry a path prefix such as `/image`), not to the host, so plain URL joining would drop the
//! prefix. Absolute links (Nova) are used as they are, but only on the endpoint's own origin:
//! following a link elsewhere would hand the token to another host.

use url::Url;

/// Resolves a link from a response against the profile's endpoint.
pub fn resolve_link(endpoint: &Url, link: &str) -> Result<Url, String> {
    let link = link.trim();
    if link.is_empty() {
        return Err("the link is an empty string".into());
    }
    let url = if link.contains("://") {
        Url::parse(link).map_err(|e| format!("`{link}` is not a URL: {e}"))?
    } else if link.starts_with('/') {
        let base = endpoint.as_str().trim_end_matches('/');
        // An endpoint has no query of its own; a link may repeat the endpoint's path prefix.
        let prefix = endpoint.path().trim_end_matches('/');
        if !prefix.is_empty() && (link == prefix || link.starts_with(&format!("{prefix}/"))) {
            let origin = endpoint.origin().ascii_serialization();
            Url::parse(&format!("{origin}{link}")).map_err(|e| format!("`{link}` does not resolve: {e}"))?
        } else {
            Url::parse(&format!("{base}{link}")).map_err(|e| format!("`{link}` does not resolve: {e}"))?
        }
    } else {
        endpoint
            .join(link)
            .map_err(|e| format!("`{link}` does not resolve: {e}"))?
    };
    if url.origin() != endpoint.origin() {
        return Err(format!(
            "`{link}` points at another origin than the endpoint ({}); not followed, so the token stays with the endpoint",
            endpoint.origin().ascii_serialization()
        ));
    }
    Ok(url)
}

/// The decoded query pairs of a URL, in order.
pub fn query_pairs(url: &Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep() -> Url {
        Url::parse("http://127.0.0.1:9/image").unwrap()
    }

    #[test]
    fn relative_links_keep_the_endpoint_prefix() {
        let u = resolve_link(&ep(), "/v2/images?limit=1&marker=x").unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/image/v2/images?limit=1&marker=x");
        // A link that already carries the prefix is not doubled.
        let u = resolve_link(&ep(), "/image/v2/images?marker=x").unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/image/v2/images?marker=x");
    }

    #[test]
    fn absolute_links_must_stay_on_the_origin() {
        assert!(resolve_link(&ep(), "http://127.0.0.1:9/image/v2/images").is_ok());
        assert!(resolve_link(&ep(), "http://evil.example/v2/images").is_err());
        assert!(resolve_link(&ep(), "").is_err());
    }
}
