//! What one running mock holds: its configuration, catalogue and identities, and the request
//! counter behind `x-openstack-request-id` (counted, so two runs answer alike).
//!
//! The catalogue is behind a read-write lock: lists and GETs read it, the write calls
//! (`writes`) change it, and every family reads the same one, so an image created through
//! `/image` is in the compute and IMS lists too. No lock is held across an `.await`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::body::Bytes;
use chrono::{DateTime, SubsecRound, Utc};

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
    catalogue: RwLock<Catalogue>,
    /// The bytes uploaded with `PUT /v2/images/{id}/file`, by image id (generated images
    /// stream theirs from a seed instead).
    uploads: Mutex<HashMap<String, Bytes>>,
    pub directory: Directory,
    pub requests: AtomicU64,
    /// Images created so far (numbers the ids of new ones).
    pub created: AtomicU64,
    /// The last time a write was stamped with (see [`MockState::write_time`]).
    last_write: Mutex<Option<DateTime<Utc>>>,
}

impl MockState {
    pub fn new(config: MockConfig) -> Self {
        let catalogue = Catalogue::new(super::images::catalogue(config.images.min(super::MAX_IMAGES)));
        let directory = Directory::new(&config);
        MockState {
            config,
            catalogue: RwLock::new(catalogue),
            uploads: Mutex::default(),
            directory,
            requests: AtomicU64::new(0),
            created: AtomicU64::new(0),
            last_write: Mutex::default(),
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

    /// The catalogue, for reading. A poisoned lock is taken as it is: the mock keeps serving
    /// rather than failing every later request because one handler panicked.
    pub fn catalogue(&self) -> RwLockReadGuard<'_, Catalogue> {
        self.catalogue.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn catalogue_mut(&self) -> RwLockWriteGuard<'_, Catalogue> {
        self.catalogue.write().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of the image with this id (any status), so that no lock outlives the lookup.
    pub fn image(&self, id: &str) -> Option<Image> {
        self.catalogue().get(id).cloned()
    }

    /// The time a write is stamped with: now in whole seconds (what Glance shows), and at least
    /// a second after the previous write. Why: fixtures made within one second would otherwise
    /// tie on `created_at` and fill the first pages of a list sorted by it, where a tie makes
    /// any order correct (and `sort-dir-ignored` invisible to the selfcheck).
    pub fn write_time(&self) -> DateTime<Utc> {
        let mut last = self.last_write.lock().unwrap_or_else(|p| p.into_inner());
        let now = Utc::now().trunc_subsecs(0);
        let t = match *last {
            Some(l) if l >= now => l + chrono::Duration::seconds(1),
            _ => now,
        };
        *last = Some(t);
        t
    }

    /// The bytes uploaded for an image, if any were.
    pub fn upload(&self, id: &str) -> Option<Bytes> {
        self.uploads.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }

    pub fn set_upload(&self, id: &str, data: Option<Bytes>) {
        let mut uploads = self.uploads.lock().unwrap_or_else(|p| p.into_inner());
        match data {
            Some(d) => uploads.insert(id.to_string(), d),
            None => uploads.remove(id),
        };
    }
}

/// `x-openstack-request-id`, counted so two runs of the mock answer alike.
pub fn request_id(state: &MockState) -> HeaderValue {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("req-00000000-0000-4000-8000-{n:012x}"))
        .unwrap_or_else(|_| HeaderValue::from_static("req-00000000-0000-4000-8000-000000000000"))
}
