//! A fixture set: the images a provisioning run (`run --provision`) brings to the target and
//! always takes away again, read from `cases/<profile>/fixtures.yaml`.
//!
//! A read-only suite can only test what a cloud happens to hold; these images are what it
//! needs to hold for the write-dependent behaviours (a new image appears, a deleted one leaves,
//! a hidden one stays out of the default list, shares show by member status, filters on values
//! the suite itself set). Each fixture says the *state* it ends in; the provisioner reaches it
//! with the Image API's own calls in a fixed order (create, upload, hide later, share, member
//! status, deactivate, delete), before any case runs. Cases then read it through
//! `needs: [fixtures: NAME]` and `{fixture.NAME.FIELD}` templates.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    pub fixtures: Spanned<FixtureSet>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FixtureSet {
    /// The endpoint kind whose Image API v2 write calls create the images (`image`, `ims`).
    pub endpoint: String,
    pub images: Vec<Spanned<Fixture>>,
}

/// One image of the set, in the state the cases expect it in.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// The fixture's name in case files (`{fixture.NAME.id}`); the image itself is named
    /// `imgconform-<run id>-<profile>-<name>`.
    pub name: String,
    /// Which identity creates (and owns) it; `other` needs the second identity.
    #[serde(default)]
    pub owner: Owner,
    #[serde(default)]
    pub visibility: Visibility,
    /// Tags, each sent as `imgconform-<run id>-<tag>` (beside the run's marker tag
    /// `imgconform-<run id>`), so a tag filter on them has a known answer.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Custom properties (Glance keeps them as strings at the image's top level).
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    #[serde(default)]
    pub min_disk: Option<u64>,
    #[serde(default)]
    pub min_ram: Option<u64>,
    #[serde(default)]
    pub protected: bool,
    #[serde(default)]
    pub hidden: Hidden,
    /// Tiny deterministic bytes uploaded as the image data (the image becomes `active`).
    #[serde(default)]
    pub data: Option<String>,
    /// The MD5 of `data` as hex, checked at load time (the server's `checksum` must equal it).
    #[serde(default)]
    pub checksum: Option<String>,
    /// Shared with the second identity's project, ending in this member status.
    #[serde(default)]
    pub share: Option<ShareState>,
    /// Deactivated after the upload (it needs data).
    #[serde(default)]
    pub deactivated: bool,
    /// Deleted again before the cases run (a case checks it left the list).
    #[serde(default)]
    pub deleted: bool,
    #[serde(default = "bare")]
    pub container_format: String,
    #[serde(default = "raw")]
    pub disk_format: String,
}

fn bare() -> String {
    "bare".into()
}
fn raw() -> String {
    "raw".into()
}

#[derive(Clone, Copy, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    #[default]
    Main,
    Other,
}

#[derive(Clone, Copy, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Private,
    Shared,
    Community,
    Public,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Shared => "shared",
            Visibility::Community => "community",
            Visibility::Public => "public",
        }
    }
}

/// `os_hidden`: not at all, set when the image is created, or set by a PATCH afterwards (a
/// server may handle the two paths apart).
#[derive(Clone, Copy, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Hidden {
    #[default]
    No,
    AtCreate,
    Later,
}

/// The member status the share ends in; `removed` is a member added, accepted, then deleted.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ShareState {
    Pending,
    Accepted,
    Rejected,
    Removed,
}

impl ShareState {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareState::Pending => "pending",
            ShareState::Accepted => "accepted",
            ShareState::Rejected => "rejected",
            ShareState::Removed => "removed",
        }
    }
}

impl Fixture {
    /// The fields a case may read as `{fixture.NAME.FIELD}`: known before the run except `id`,
    /// `owner` and the run-dependent names and tags, which the provisioner fills in.
    pub fn fields(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            "id",
            "name",
            "owner",
            "visibility",
            "tags",
            "run_tag",
            "protected",
            "os_hidden",
            "container_format",
            "disk_format",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (n, _) in self.tags.iter().enumerate() {
            out.push(format!("tag{n}"));
        }
        if self.min_disk.is_some() {
            out.push("min_disk".into());
        }
        if self.min_ram.is_some() {
            out.push("min_ram".into());
        }
        if self.data.is_some() {
            out.extend(["checksum".to_string(), "size".to_string()]);
        }
        out.extend(self.properties.keys().cloned());
        out
    }
}
