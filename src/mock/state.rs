//! What one running mock holds: its configuration, catalogue and identities, and the request
//! counter behind `x-openstack-request-id` (counted, so two runs answer alike).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, HeaderValue};

use super::MockConfig;
use super::access::Viewer;
use super::catalogue::Catalogue;
use super::identity::{Directory, Identity};
use super::model::Image;
use super::quirk::Quirk;
use super::variant::Variant;

pub struct MockState {
    pub config: MockConfig,
    pub catalogue: Catalogue,
    pub directory: Directory,
    pub requests: AtomicU64,
}

impl MockState {
    pub fn new(config: MockConfig) -> Self {
        let catalogue = Catalogue::new(super::images::catalogue(config.images.min(super::MAX_IMAGES)));
        let directory = Directory::new(&config);
        MockState {
            config,
            catalogue,
            directory,
            requests: AtomicU64::new(0),
        }
    }

    pub fn quirk(&self, q: Quirk) -> bool {
        self.config.quirks.contains(&q)
    }

    pub fn variant(&self, v: Variant) -> bool {
        self.config.variants.contains(&v)
    }

    /// The identity whose token the request carries, if it is one the mock issued.
    pub fn identity(&self, headers: &HeaderMap) -> Option<&Identity> {
        let token = headers.get("x-auth-token").and_then(|v| v.to_str().ok())?;
        self.directory.by_token(token)
    }

    /// The viewer a token acts for.
    pub fn viewer(identity: &Identity) -> Viewer {
        Viewer {
            project: identity.project_id,
            admin: identity.is_admin(),
        }
    }

    /// The default identity's viewer (what the `no-auth` quirk serves anyone as).
    pub fn default_viewer(&self) -> Viewer {
        Self::viewer(self.directory.default_identity())
    }

    pub fn image(&self, id: &str) -> Option<&Image> {
        self.catalogue.get(id)
    }
}

/// `x-openstack-request-id`, counted so two runs of the mock answer alike.
pub fn request_id(state: &MockState) -> HeaderValue {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("req-00000000-0000-4000-8000-{n:012x}"))
        .unwrap_or_else(|_| HeaderValue::from_static("req-00000000-0000-4000-8000-000000000000"))
}
