//! The mock's deterministic catalogue (the image model is `model`): the same size always yields the same
//! images, byte for byte, and a large enough catalogue holds everything the cases need to find
//! (duplicate and case-variant names, every status and visibility, null sizes, tags, properties,
//! equal timestamps).
//!
//! Besides the `n` generated images there are a few fixed ones that the default identity's
//! default list never shows (hidden images, pending and rejected shares, other projects'
//! private and community images, deleted images): they let clients and cases exercise
//! `os_hidden`, `member_status`, the members API, other identities and the
//! `deleted-in-changes-since` variant without changing what the default list, its snapshots
//! and the suite's discovered catalogue hold.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::content::{Content, Digests};
use super::fields::{Fields, Interner};
pub use super::identity::{OTHER_PROJECT_ID, PROJECT_ID, THIRD_PROJECT_ID};
pub use super::model::{Image, Member, MemberStatus};

/// Servers that snapshots and backups were made from.
pub const SERVERS: &[&str] = &[
    "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b",
    "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d",
];

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

/// The few large images: streamed, and their digests written down here (checked by a test)
/// rather than hashed at every start. Everything else is a few KiB, cheap to hash.
/// (position, size, md5, sha512)
const LARGE: &[(usize, u64, &str, &str)] = &[
    (
        12,
        20_972_937,
        "84caf22af59eb9b9402fc11d41d9d9a3",
        "8e98b85d2ed39794a9d03b6010fc9683553e2cb42d03949303bee9aed490cd5e14e9f8e636074477517a8be97c97ffb2d28b1535c522e890cc2cf2877234172c",
    ),
    (
        38,
        10_059_147,
        "a78e8d26739453151fbb5f2595875012",
        "210827f507067405e6b63ca550ce54302428b887a89530de79d6e30f9fcc0426f60c24802cd88dfc7f113010a344faca6c5afac56a5f584ddbf03ae017f37775",
    ),
    (
        39,
        6_213_265,
        "73e396669a9c4ee2a326a66c2118e14f",
        "ff4553bba230341e5d6e8825dbda4eb5e39d72d353c11b0496888465efe95ad36eb552f0932075125e5eb4f2f7ffb7f1ba449aa92746c3319b208044f62e2741",
    ),
];

/// The bytes of the image at `position`: independent of the id generator, so the ids and
/// timestamps of the catalogue do not depend on how its bytes are made.
fn content_seed(position: u64) -> u64 {
    SEED ^ position.wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

/// A small image's size from one draw of the generator: up to 8 KiB in the first 40 images,
/// up to 2 KiB after them, so that hashing 100 000 images at start stays well under a second.
fn small_size(i: usize, draw: u64) -> u64 {
    if i < 40 { 256 + draw % 7937 } else { 64 + draw % 1985 }
}

fn properties_of(i: usize, name: Option<&str>, interner: &mut Interner) -> Fields {
    let distro = name
        .and_then(|n| n.split('-').next())
        .map(|d| d.to_lowercase())
        .unwrap_or_else(|| "unknown".into());
    let mut properties: Vec<(&str, String)> = vec![("os_distro", distro), ("os_version", format!("{}", 1 + i % 12))];
    if i.is_multiple_of(3) {
        properties.push(("hw_qemu_guest_agent", "yes".to_string()));
    }
    // Snapshots and backups (compute `type`), some made from a server (compute `server`).
    match i % 8 {
        2 => {
            properties.push(("image_type", "snapshot".to_string()));
            properties.push(("instance_uuid", SERVERS[i % SERVERS.len()].to_string()));
        }
        6 => {
            properties.push(("image_type", "backup".to_string()));
            properties.push(("instance_uuid", SERVERS[(i / 8) % SERVERS.len()].to_string()));
        }
        _ => {}
    }
    interner.fields(properties)
}

fn ims_fields_of(i: usize, name: Option<&str>, visibility: &str, interner: &mut Interner) -> Fields {
    let platform = match name.unwrap_or("").to_lowercase() {
        n if n.starts_with("ubuntu") => "Ubuntu",
        n if n.starts_with("fedora") => "Fedora",
        n if n.starts_with("centos") => "CentOS",
        n if n.starts_with("debian") => "Debian",
        n if n.starts_with("windows") => "Windows",
        _ => "Other",
    };
    let mut ims: Vec<(&str, String)> = Vec::new();
    let imagetype = match visibility {
        "public" | "community" => "gold",
        "shared" => "shared",
        _ => "private",
    };
    ims.push(("__imagetype", imagetype.to_string()));
    ims.push(("__platform", platform.to_string()));
    let os_type = match platform {
        "Windows" => "Windows",
        "Other" => "Other",
        _ => "Linux",
    };
    ims.push(("__os_type", os_type.to_string()));
    ims.push(("__os_bit", if i % 5 == 4 { "32" } else { "64" }.to_string()));
    ims.push(("__isregistered", "true".to_string()));
    ims.push(("__os_version", format!("{platform} {} 64bit", 1 + i % 12)));
    ims.push(("__image_source_type", "uds".to_string()));
    ims.push((
        "__lazyloading",
        if i.is_multiple_of(2) { "true" } else { "false" }.to_string(),
    ));
    if i.is_multiple_of(2) {
        ims.push(("__support_kvm", "true".to_string()));
    }
    if i % 7 == 3 {
        ims.push(("__support_largememory", "true".to_string()));
    }
    if i % 4 == 1 {
        ims.push(("__support_xen", "true".to_string()));
    }
    if i.is_multiple_of(5) {
        ims.push(("__support_diskintensive", "true".to_string()));
    }
    if i.is_multiple_of(6) {
        ims.push(("__support_highperformance", "true".to_string()));
    }
    interner.fields(ims)
}

/// The catalogue of `n` generated images (in creation order, oldest first) followed by the
/// fixed images of [`extras`].
pub fn catalogue(n: usize) -> Vec<Image> {
    let mut interner = Interner::default();
    let mut out = generated(n, &mut interner);
    out.extend(extras(&mut interner));
    out
}

/// The `n` generated images, in creation order (oldest first).
fn generated(n: usize, interner: &mut Interner) -> Vec<Image> {
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
        // The generator is drawn exactly as before sizes were made small, so that ids and
        // timestamps stay what they were.
        let size = match status {
            "queued" | "saving" | "uploading" | "importing" => None,
            _ if i == 5 => Some(0),
            _ if i == 9 => sizes.get(2).copied().flatten().or(Some(4096)),
            _ => {
                let draw = rng.next();
                Some(match LARGE.iter().find(|l| l.0 == i) {
                    Some(l) => l.1,
                    None => small_size(i, draw),
                })
            }
        };
        sizes.push(size);
        // Images 10..=13 share one created_at second, so tie-breaking matters.
        let created_at = if (10..=13).contains(&i) {
            base + Duration::hours(10 * 7)
        } else {
            base + Duration::hours(i as i64 * 7) + Duration::seconds((rng.next() % 3000) as i64)
        };
        let updated_at = created_at + Duration::days((i % 3) as i64) + Duration::minutes((i % 5) as i64);
        let tags: &[&str] = match i {
            13 => &["ünï"],
            // A tag from before IMS's tag upgrade (`Key.Value`, queried as `Key=Value`).
            17 => &["os.linux"],
            _ if i % 4 == 0 => &["gold"],
            _ if i % 6 == 1 => &["lts", "base"],
            _ => &[],
        };
        let tags = tags.iter().map(|t| interner.sym(t)).collect();
        let properties = properties_of(i, name.as_deref(), interner);
        let ims = ims_fields_of(i, name.as_deref(), visibility, interner);
        let id = rng.uuid4();
        // The draws that once made two hex digests (32 and 128 characters, 16 per draw): kept
        // so that the next image's id is unchanged.
        if size.is_some() {
            for _ in 0..(32 + 128) / 16 {
                rng.next();
            }
        }
        let owner = if visibility == "shared" {
            OTHER_PROJECT_ID
        } else {
            PROJECT_ID
        };
        // Every generated share is shared with the default project, which accepted it.
        let members = if visibility == "shared" {
            vec![Member {
                project: interner.sym(PROJECT_ID),
                status: MemberStatus::Accepted,
                created_at,
                updated_at: created_at,
            }]
        } else {
            Vec::new()
        };
        out.push(Image {
            id,
            name,
            status,
            visibility,
            protected: i % 10 == 0,
            os_hidden: false,
            owner,
            size,
            virtual_size: size.map(|s| s.max(1) * 4),
            digests: None,
            content: size.map(|len| Content {
                seed: content_seed(i as u64),
                len,
            }),
            container_format: if i % 9 == 8 { "ova" } else { "bare" },
            disk_format: ["qcow2", "raw", "vhdx", "iso"][i % 4],
            min_ram: [0, 512, 1024, 2048][i % 4],
            min_disk: [0, 1, 10, 20][i % 4],
            tags,
            created_at,
            updated_at,
            properties,
            ims,
            members,
        });
    }
    for (i, img) in out.iter_mut().enumerate() {
        if let Some(l) = LARGE.iter().find(|l| l.0 == i) {
            img.digests = Digests::from_hex(l.2, l.3);
        }
    }
    fill_digests(&mut out);
    out
}

/// Hashes every image that has bytes and no digests yet, on every core for a large catalogue.
fn fill_digests(images: &mut [Image]) {
    fn one(img: &mut Image) {
        if img.digests.is_none()
            && let Some(c) = img.content
        {
            img.digests = Some(c.digests());
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if images.len() < 4096 || threads < 2 {
        images.iter_mut().for_each(one);
        return;
    }
    let per = images.len().div_ceil(threads);
    std::thread::scope(|s| {
        for chunk in images.chunks_mut(per) {
            s.spawn(move || chunk.iter_mut().for_each(one));
        }
    });
}

/// One fixed image beside the generated ones.
struct Extra {
    name: &'static str,
    owner: &'static str,
    visibility: &'static str,
    os_hidden: bool,
    /// The default project's membership of a share.
    membership: Option<MemberStatus>,
    /// Deleted this many days before [`mock_clock`] (status `deleted`, updated then).
    deleted_days_ago: Option<i64>,
}

const fn extra(name: &'static str, owner: &'static str, visibility: &'static str) -> Extra {
    Extra {
        name,
        owner,
        visibility,
        os_hidden: false,
        membership: None,
        deleted_days_ago: None,
    }
}

const fn deleted(name: &'static str, days: i64) -> Extra {
    Extra {
        deleted_days_ago: Some(days),
        ..extra(name, PROJECT_ID, "private")
    }
}

/// The fixed images, none of them in the default project's default list: hidden images,
/// shares the default project has not accepted, other projects' private and community images
/// (an admin lists the private ones), and images deleted recently (shown only by the
/// `deleted-in-changes-since` variant) or long ago (never shown).
const EXTRAS: &[Extra] = &[
    Extra {
        os_hidden: true,
        ..extra("demo-hidden", PROJECT_ID, "private")
    },
    Extra {
        os_hidden: true,
        ..extra("public-hidden", OTHER_PROJECT_ID, "public")
    },
    Extra {
        membership: Some(MemberStatus::Pending),
        ..extra("alt-shared-to-demo-pending", OTHER_PROJECT_ID, "shared")
    },
    Extra {
        membership: Some(MemberStatus::Rejected),
        ..extra("alt-shared-to-demo-rejected", OTHER_PROJECT_ID, "shared")
    },
    extra("alt-private", OTHER_PROJECT_ID, "private"),
    extra("third-private", THIRD_PROJECT_ID, "private"),
    extra("third-community", THIRD_PROJECT_ID, "community"),
    deleted("demo-deleted-yesterday", 1),
    deleted("demo-deleted-last-week", 6),
    deleted("demo-deleted-3-weeks-ago", 20),
    deleted("demo-deleted-long-ago", 45),
];

/// The mock's fixed "now" for rules relative to the present (the 30 days of
/// `deleted-in-changes-since`): a fixed instant, so that the answers never depend on the day
/// the mock runs. It is after every timestamp of the default catalogue.
pub fn mock_clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 20, 0, 0, 0)
        .single()
        .expect("a valid date")
}

/// Positions of the extras for their properties and bytes: far from any generated position.
const EXTRA_BASE: usize = 1 << 40;

/// The fixed images (their own generator: they never move the generated ones).
pub fn extras(interner: &mut Interner) -> Vec<Image> {
    let mut rng = Rng(EXTRA_SEED);
    let base = Utc
        .with_ymd_and_hms(2026, 1, 4, 8, 0, 0)
        .single()
        .expect("a valid date");
    let mut out: Vec<Image> = EXTRAS
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let i = EXTRA_BASE + k;
            let mut created_at = base + Duration::hours(k as i64) + Duration::seconds((rng.next() % 3000) as i64);
            let mut updated_at = created_at;
            if let Some(days) = e.deleted_days_ago {
                updated_at = mock_clock() - Duration::days(days) + Duration::seconds((rng.next() % 3000) as i64);
                created_at = updated_at - Duration::days(60);
            }
            let size = small_size(i, rng.next());
            Image {
                id: rng.uuid4(),
                name: Some(e.name.to_string()),
                status: if e.deleted_days_ago.is_some() {
                    "deleted"
                } else {
                    "active"
                },
                visibility: e.visibility,
                protected: false,
                os_hidden: e.os_hidden,
                owner: e.owner,
                size: Some(size),
                virtual_size: Some(size * 4),
                digests: None,
                content: Some(Content {
                    seed: content_seed(i as u64),
                    len: size,
                }),
                container_format: "bare",
                disk_format: "qcow2",
                min_ram: 0,
                min_disk: 1,
                tags: Box::new([]),
                created_at,
                updated_at,
                properties: properties_of(k, Some(e.name), interner),
                ims: ims_fields_of(k, Some(e.name), e.visibility, interner),
                members: e
                    .membership
                    .map(|status| Member {
                        project: interner.sym(PROJECT_ID),
                        status,
                        created_at,
                        updated_at: created_at,
                    })
                    .into_iter()
                    .collect(),
            }
        })
        .collect();
    fill_digests(&mut out);
    out
}

/// How many fixed images [`catalogue`] adds to the generated ones.
pub fn extra_count() -> usize {
    EXTRAS.len()
}

/// The generator's seed: changing it changes every id (and the committed snapshots).
const SEED: u64 = 0x1A6C_0F0E_2026_0001;
const EXTRA_SEED: u64 = 0x1A6C_0F0E_2026_0002;

#[cfg(test)]
mod tests {
    use super::super::model::timestamp;
    use super::*;

    #[test]
    fn the_catalogue_is_deterministic_and_varied() {
        let a = catalogue(40);
        let b = catalogue(40);
        assert_eq!(
            a.iter().map(|i| i.to_json()).collect::<Vec<_>>(),
            b.iter().map(|i| i.to_json()).collect::<Vec<_>>()
        );
        let a = generated(40, &mut Interner::default());
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
        let ids: std::collections::BTreeSet<_> = catalogue(40).iter().map(|i| i.id.clone()).collect();
        assert_eq!(ids.len(), 40 + extra_count());
        assert!(generated(3, &mut Interner::default()).len() == 3 && generated(0, &mut Interner::default()).is_empty());
        assert_eq!(catalogue(0).len(), extra_count());
    }

    #[test]
    fn ids_and_times_are_those_of_before_the_sizes_became_small() {
        let c = generated(40, &mut Interner::default());
        assert_eq!(c[0].id, "841f67a7-b29c-43af-94ef-0994bc58a235");
        assert_eq!(c[39].id, "cbbfeab0-2cef-4835-93e7-09ce0067c253");
        assert_eq!(timestamp(&c[39].created_at), "2026-01-16T17:44:38Z");
    }

    #[test]
    fn small_images_are_small_and_their_digests_are_of_their_bytes() {
        for img in generated(40, &mut Interner::default())
            .iter()
            .filter(|i| i.content.is_some())
        {
            let c = img.content.expect("content");
            assert_eq!(Some(c.len), img.size);
            if LARGE.iter().all(|l| l.1 != c.len) {
                assert!(c.len <= 8192, "{:?} is {} bytes", img.name, c.len);
                let d = c.digests();
                assert_eq!(img.digests, Some(d));
            }
        }
    }

    /// The written-down digests of the large images (hashing ~37 MB: a few seconds in debug).
    #[test]
    fn large_images_digests_are_of_their_bytes() {
        let c = generated(40, &mut Interner::default());
        for &(i, size, md5, sha512) in LARGE {
            let content = c[i].content.expect("a large image has bytes");
            assert_eq!(content.len, size);
            let d = content.digests();
            assert_eq!(
                (d.md5_hex().as_str(), d.sha512_hex().as_str()),
                (md5, sha512),
                "image {i}"
            );
            assert_eq!(c[i].digests, Some(d), "image {i}: the written-down digests are served");
        }
    }
}
