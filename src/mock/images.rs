//! The mock's image model and its deterministic catalogue: the same size always yields the same
//! images, byte for byte, and a large enough catalogue holds everything the cases need to find
//! (duplicate and case-variant names, every status and visibility, null sizes, tags, properties,
//! equal timestamps).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Map, Value, json};

/// The project the mock's token belongs to.
pub const PROJECT_ID: &str = "5d2f7c0a9b8e4c1d8a7f6e5d4c3b2a10";
/// Another project, owner of the images shared with ours.
pub const OTHER_PROJECT_ID: &str = "9b8d61f7a2c34e5f8d7c6b5a4f3e2d1c";

#[derive(Clone, Debug)]
pub struct Image {
    pub id: String,
    pub name: Option<String>,
    pub status: &'static str,
    pub visibility: &'static str,
    pub protected: bool,
    pub owner: &'static str,
    pub size: Option<u64>,
    pub virtual_size: Option<u64>,
    pub checksum: Option<String>,
    pub os_hash_value: Option<String>,
    pub container_format: &'static str,
    pub disk_format: &'static str,
    pub min_ram: u64,
    pub min_disk: u64,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Custom properties: top-level string fields in Glance.
    pub properties: BTreeMap<String, String>,
    /// The IMS provider's `__`-prefixed fields (shown only by the IMS view).
    pub ims: BTreeMap<String, String>,
}

/// Servers that snapshots and backups were made from.
pub const SERVERS: &[&str] = &[
    "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b",
    "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d",
];

/// Second-precision UTC, as Glance shows it.
pub fn timestamp(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Image {
    /// The image as Glance shows it in a list and at `/v2/images/{id}`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in &self.properties {
            m.insert(k.clone(), Value::String(v.clone()));
        }
        m.insert("name".into(), json!(self.name));
        m.insert("disk_format".into(), json!(self.disk_format));
        m.insert("container_format".into(), json!(self.container_format));
        m.insert("visibility".into(), json!(self.visibility));
        m.insert("size".into(), json!(self.size));
        m.insert("virtual_size".into(), json!(self.virtual_size));
        m.insert("status".into(), json!(self.status));
        m.insert("checksum".into(), json!(self.checksum));
        m.insert("protected".into(), json!(self.protected));
        m.insert("min_ram".into(), json!(self.min_ram));
        m.insert("min_disk".into(), json!(self.min_disk));
        m.insert("owner".into(), json!(self.owner));
        m.insert("os_hidden".into(), json!(false));
        m.insert(
            "os_hash_algo".into(),
            json!(self.os_hash_value.as_ref().map(|_| "sha512")),
        );
        m.insert("os_hash_value".into(), json!(self.os_hash_value));
        m.insert("id".into(), json!(self.id));
        m.insert("created_at".into(), json!(timestamp(&self.created_at)));
        m.insert("updated_at".into(), json!(timestamp(&self.updated_at)));
        m.insert("tags".into(), json!(self.tags));
        m.insert("self".into(), json!(format!("/v2/images/{}", self.id)));
        m.insert("file".into(), json!(format!("/v2/images/{}/file", self.id)));
        m.insert("schema".into(), json!("/v2/schemas/image"));
        if self.size.is_some() {
            m.insert("stores".into(), json!("file"));
        }
        Value::Object(m)
    }
}

/// splitmix64: a tiny deterministic generator; no dependency, no global state.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn hex(&mut self, chars: usize) -> String {
        let mut s = String::new();
        while s.len() < chars {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(chars);
        s
    }
    fn uuid4(&mut self) -> String {
        let h = self.hex(32);
        let variant = ["8", "9", "a", "b"][(self.next() % 4) as usize];
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            variant,
            &h[17..20],
            &h[20..32]
        )
    }
}

/// Names in catalogue order: duplicates, a case variant, a prefix of another, a null name, and
/// a unicode name; generated names after that.
const NAMES: &[Option<&str>] = &[
    Some("ubuntu-22.04"),
    Some("cirros-0.6.2"),
    Some("Fedora-40"),
    Some("debian-12"),
    Some("ubuntu-22.04"),
    Some("cirros"),
    Some("fedora-40"),
    None,
    Some("Ünïcode ✓ image"),
    Some("centos-stream-9"),
    Some("ubuntu-22.04"),
    Some("windows-server-2022"),
    Some("rocky-9"),
    Some("alpine-3.20"),
];

/// Statuses by position; every other image is active.
fn status_of(i: usize) -> &'static str {
    match i {
        3 | 31 => "queued",
        7 => "saving",
        11 => "killed",
        15 => "uploading",
        19 => "importing",
        23 => "pending_delete",
        27 => "deactivated",
        _ => "active",
    }
}

fn visibility_of(i: usize) -> &'static str {
    match i % 6 {
        0 | 1 => "public",
        2 | 3 => "private",
        4 => "shared",
        _ => "community",
    }
}

/// The catalogue of `n` images, in creation order (oldest first).
pub fn catalogue(n: usize) -> Vec<Image> {
    let mut rng = Rng(SEED);
    let base = Utc
        .with_ymd_and_hms(2026, 1, 5, 8, 0, 0)
        .single()
        .expect("a valid date");
    let mut sizes: Vec<Option<u64>> = Vec::new();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let status = status_of(i);
        let visibility = visibility_of(i);
        let name = match NAMES.get(i) {
            Some(n) => n.map(str::to_string),
            None => Some(format!("image-{i:04}")),
        };
        let size = match status {
            "queued" | "saving" | "uploading" | "importing" => None,
            _ if i == 5 => Some(0),
            _ if i == 9 => sizes.get(2).copied().flatten().or(Some(4096)),
            _ => Some(1024 + rng.next() % 40_000_000),
        };
        sizes.push(size);
        // Images 10..=13 share one created_at second, so tie-breaking matters.
        let created_at = if (10..=13).contains(&i) {
            base + Duration::hours(10 * 7)
        } else {
            base + Duration::hours(i as i64 * 7) + Duration::seconds((rng.next() % 3000) as i64)
        };
        let updated_at = created_at + Duration::days((i % 3) as i64) + Duration::minutes((i % 5) as i64);
        let tags: Vec<String> = match i {
            13 => vec!["ünï".into()],
            // A tag from before IMS's tag upgrade (`Key.Value`, queried as `Key=Value`).
            17 => vec!["os.linux".into()],
            _ if i % 4 == 0 => vec!["gold".into()],
            _ if i % 6 == 1 => vec!["lts".into(), "base".into()],
            _ => Vec::new(),
        };
        let distro = name
            .as_deref()
            .and_then(|n| n.split('-').next())
            .map(|d| d.to_lowercase())
            .unwrap_or_else(|| "unknown".into());
        let mut properties = BTreeMap::new();
        properties.insert("os_distro".to_string(), distro);
        properties.insert("os_version".to_string(), format!("{}", 1 + i % 12));
        if i % 3 == 0 {
            properties.insert("hw_qemu_guest_agent".to_string(), "yes".to_string());
        }
        // Snapshots and backups (compute `type`), some made from a server (compute `server`).
        match i % 8 {
            2 => {
                properties.insert("image_type".to_string(), "snapshot".to_string());
                properties.insert("instance_uuid".to_string(), SERVERS[i % SERVERS.len()].to_string());
            }
            6 => {
                properties.insert("image_type".to_string(), "backup".to_string());
                properties.insert(
                    "instance_uuid".to_string(),
                    SERVERS[(i / 8) % SERVERS.len()].to_string(),
                );
            }
            _ => {}
        }
        let platform = match name.as_deref().unwrap_or("").to_lowercase() {
            n if n.starts_with("ubuntu") => "Ubuntu",
            n if n.starts_with("fedora") => "Fedora",
            n if n.starts_with("centos") => "CentOS",
            n if n.starts_with("debian") => "Debian",
            n if n.starts_with("windows") => "Windows",
            _ => "Other",
        };
        let mut ims = BTreeMap::new();
        let imagetype = match visibility {
            "public" | "community" => "gold",
            "shared" => "shared",
            _ => "private",
        };
        ims.insert("__imagetype".to_string(), imagetype.to_string());
        ims.insert("__platform".to_string(), platform.to_string());
        let os_type = match platform {
            "Windows" => "Windows",
            "Other" => "Other",
            _ => "Linux",
        };
        ims.insert("__os_type".to_string(), os_type.to_string());
        ims.insert("__os_bit".to_string(), if i % 5 == 4 { "32" } else { "64" }.to_string());
        ims.insert("__isregistered".to_string(), "true".to_string());
        ims.insert("__os_version".to_string(), format!("{platform} {} 64bit", 1 + i % 12));
        ims.insert("__image_source_type".to_string(), "uds".to_string());
        ims.insert(
            "__lazyloading".to_string(),
            if i % 2 == 0 { "true" } else { "false" }.to_string(),
        );
        if i % 2 == 0 {
            ims.insert("__support_kvm".to_string(), "true".to_string());
        }
        if i % 7 == 3 {
            ims.insert("__support_largememory".to_string(), "true".to_string());
        }
        if i % 4 == 1 {
            ims.insert("__support_xen".to_string(), "true".to_string());
        }
        if i % 5 == 0 {
            ims.insert("__support_diskintensive".to_string(), "true".to_string());
        }
        if i % 6 == 0 {
            ims.insert("__support_highperformance".to_string(), "true".to_string());
        }
        out.push(Image {
            id: rng.uuid4(),
            name,
            status,
            visibility,
            protected: i % 10 == 0,
            owner: if visibility == "shared" {
                OTHER_PROJECT_ID
            } else {
                PROJECT_ID
            },
            size,
            virtual_size: size.map(|s| s.max(1) * 4),
            checksum: size.map(|_| rng.hex(32)),
            os_hash_value: size.map(|_| rng.hex(128)),
            container_format: if i % 9 == 8 { "ova" } else { "bare" },
            disk_format: ["qcow2", "raw", "vhdx", "iso"][i % 4],
            min_ram: [0, 512, 1024, 2048][i % 4],
            min_disk: [0, 1, 10, 20][i % 4],
            tags,
            created_at,
            updated_at,
            properties,
            ims,
        });
    }
    out
}

/// The generator's seed: changing it changes every id (and the committed snapshots).
const SEED: u64 = 0x1A6C_0F0E_2026_0001;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_deterministic_and_varied() {
        let a = catalogue(40);
        let b = catalogue(40);
        assert_eq!(
            a.iter().map(|i| i.to_json()).collect::<Vec<_>>(),
            b.iter().map(|i| i.to_json()).collect::<Vec<_>>()
        );
        let names: Vec<_> = a.iter().filter_map(|i| i.name.clone()).collect();
        assert_eq!(names.iter().filter(|n| *n == "ubuntu-22.04").count(), 3);
        assert!(names.contains(&"Fedora-40".to_string()) && names.contains(&"fedora-40".to_string()));
        assert!(a.iter().any(|i| i.name.is_none()));
        for s in [
            "active",
            "queued",
            "saving",
            "killed",
            "uploading",
            "importing",
            "pending_delete",
            "deactivated",
        ] {
            assert!(a.iter().any(|i| i.status == s), "no {s} image");
        }
        for v in ["public", "private", "shared", "community"] {
            assert!(a.iter().any(|i| i.visibility == v), "no {v} image");
        }
        assert!(a.iter().filter(|i| i.status == "queued").all(|i| i.size.is_none()));
        assert_eq!(a[9].size, a[2].size, "two images share a size");
        assert_eq!(a.iter().filter(|i| i.created_at == a[10].created_at).count(), 4);
        let ids: std::collections::BTreeSet<_> = a.iter().map(|i| i.id.clone()).collect();
        assert_eq!(ids.len(), 40);
        assert!(catalogue(3).len() == 3 && catalogue(0).is_empty());
    }
}
