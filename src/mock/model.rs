//! One image as the mock holds it, and as Glance shows it. Compact on purpose (the catalogue
//! can hold a million of them): fixed vocabularies are `&'static str`, repeated strings and
//! property sets are shared ([`Fields`], [`Sym`]), digests are bytes.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::content::{Content, Digests};
use super::fields::{Fields, Sym};

/// A project's membership of a shared image, as Glance's members API shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberStatus {
    Pending,
    Accepted,
    Rejected,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Pending => "pending",
            MemberStatus::Accepted => "accepted",
            MemberStatus::Rejected => "rejected",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Member {
    pub project: Sym,
    pub status: MemberStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Image {
    pub id: String,
    pub name: Option<String>,
    pub status: &'static str,
    pub visibility: &'static str,
    pub protected: bool,
    /// Left out of every list unless `os_hidden=true` is asked for (Glance).
    pub os_hidden: bool,
    pub owner: &'static str,
    pub size: Option<u64>,
    pub virtual_size: Option<u64>,
    /// md5 (`checksum`) and sha512 (`os_hash_value`) of the image's bytes.
    pub digests: Option<Digests>,
    /// The bytes `/file` streams (every image with a size has them).
    pub content: Option<Content>,
    pub container_format: &'static str,
    pub disk_format: &'static str,
    pub min_ram: u64,
    pub min_disk: u64,
    pub tags: Box<[Sym]>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Custom properties: top-level string fields in Glance.
    pub properties: Fields,
    /// The IMS provider's `__`-prefixed fields (shown only by the IMS view).
    pub ims: Fields,
    /// The projects a shared image is shared with.
    pub members: Vec<Member>,
}

/// Second-precision UTC, as Glance shows it.
pub fn timestamp(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Image {
    /// Whether `/file` has bytes to stream: Glance keeps data for active and deactivated
    /// images; the others have no location (204).
    pub fn has_data(&self) -> bool {
        self.content.is_some() && self.has_stored_data()
    }

    /// Whether the status is one in which Glance keeps an image's data (active, deactivated).
    pub fn has_stored_data(&self) -> bool {
        matches!(self.status, "active" | "deactivated")
    }

    pub fn membership(&self, project: &str) -> Option<&Member> {
        self.members.iter().find(|m| &*m.project == project)
    }

    /// `checksum`: the md5 of the bytes, lower-case hex.
    pub fn checksum(&self) -> Option<String> {
        self.digests.map(|d| d.md5_hex())
    }

    /// The image as Glance shows it in a list and at `/v2/images/{id}`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in self.properties.iter() {
            m.insert(k.to_string(), Value::String(v.to_string()));
        }
        m.insert("name".into(), json!(self.name));
        // A format not set yet (an image created without one) is null, as in Glance.
        let set = |f: &'static str| (!f.is_empty()).then_some(f);
        m.insert("disk_format".into(), json!(set(self.disk_format)));
        m.insert("container_format".into(), json!(set(self.container_format)));
        m.insert("visibility".into(), json!(self.visibility));
        m.insert("size".into(), json!(self.size));
        m.insert("virtual_size".into(), json!(self.virtual_size));
        m.insert("status".into(), json!(self.status));
        m.insert("checksum".into(), json!(self.checksum()));
        m.insert("protected".into(), json!(self.protected));
        m.insert("min_ram".into(), json!(self.min_ram));
        m.insert("min_disk".into(), json!(self.min_disk));
        m.insert("owner".into(), json!(self.owner));
        m.insert("os_hidden".into(), json!(self.os_hidden));
        m.insert("os_hash_algo".into(), json!(self.digests.map(|_| "sha512")));
        m.insert("os_hash_value".into(), json!(self.digests.map(|d| d.sha512_hex())));
        m.insert("id".into(), json!(self.id));
        m.insert("created_at".into(), json!(timestamp(&self.created_at)));
        m.insert("updated_at".into(), json!(timestamp(&self.updated_at)));
        m.insert(
            "tags".into(),
            Value::Array(self.tags.iter().map(|t| Value::String(t.to_string())).collect()),
        );
        m.insert("self".into(), json!(format!("/v2/images/{}", self.id)));
        m.insert("file".into(), json!(format!("/v2/images/{}/file", self.id)));
        m.insert("schema".into(), json!("/v2/schemas/image"));
        if self.size.is_some() {
            m.insert("stores".into(), json!("file"));
        }
        Value::Object(m)
    }
}
