//! The write side of the Image API v2 mock, as Glance answers it under its default policy:
//! create (`POST /v2/images`), upload (`PUT …/file`), update (`PATCH`, JSON patch), delete,
//! deactivate/reactivate, and the members calls. What a provisioning run
//! (`imgconform run --provision`) and openstackclient's `image create/set/delete/add project`
//! send.
//!
//! Every write changes the one catalogue all families read (a new image is in the compute and
//! IMS lists too) through `Catalogue::push`/`replace`, which keep the indexes as a fresh build
//! would have them. A write is checked whole before anything changes: a refused PATCH leaves
//! the image as it was. A deleted image keeps its row with status `deleted` (GET answers 404,
//! lists leave it out, Nova's `changes-since` may show it), as Glance keeps its database row.
//!
//! Simplifications, said here so no one relies on them: no image import, locations or tasks;
//! `owner` may name only one of the mock's projects; data is kept in memory
//! ([`MAX_UPLOAD`] per image).

use chrono::Utc;
use md5::{Digest, Md5};
use serde_json::{Map, Value};
use sha2::Sha512;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::access::{Viewer, can_see};
use super::content::Digests;
use super::errors::{self, Refused, json_response};
use super::fields::{Fields, Sym};
use super::glance::shown;
use super::identity::{ADMIN_PROJECT_ID, OTHER_PROJECT_ID, PROJECT_ID, THIRD_PROJECT_ID};
use super::listing::Flavor;
use super::members::member_json;
use super::model::{Image, Member, MemberStatus};
use super::quirk::Quirk;
use super::state::MockState;

/// The largest upload the mock keeps (in memory): enough for a CirrOS image, not for a
/// client to exhaust the machine.
pub const MAX_UPLOAD: usize = 64 * 1024 * 1024;

/// Glance's `container_format` and `disk_format` values (glance-api.conf defaults).
const CONTAINER_FORMATS: &[&str] = &["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"];
const DISK_FORMATS: &[&str] = &[
    "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop",
];
const VISIBILITIES: &[&str] = &["public", "private", "shared", "community"];
/// Projects an image may be owned by (the owner is kept as a `&'static str`).
const PROJECTS: &[&str] = &[PROJECT_ID, OTHER_PROJECT_ID, ADMIN_PROJECT_ID, THIRD_PROJECT_ID];

/// Attributes the server sets: a write naming one is refused with 403, as Glance does.
const READ_ONLY: &[&str] = &[
    "status",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "created_at",
    "updated_at",
    "self",
    "file",
    "schema",
    "direct_url",
    "locations",
    "stores",
];
/// The core attributes a client may set (anything else not read-only is a custom property).
const SETTABLE: &[&str] = &[
    "name",
    "visibility",
    "protected",
    "os_hidden",
    "min_ram",
    "min_disk",
    "tags",
    "owner",
    "container_format",
    "disk_format",
];
/// Attributes Glance reserves (403 "Attribute … is reserved.").
const RESERVED: &[&str] = &["deleted", "deleted_at", "location"];

/// The JSON-patch media types Glance accepts for `PATCH /v2/images/{id}`.
const PATCH_TYPES: &[&str] = &[
    "application/openstack-images-v2.1-json-patch",
    "application/openstack-images-v2.0-json-patch",
];

fn refuse(status: StatusCode, message: &str, headers: &HeaderMap) -> Refused {
    Box::new(errors::glance(status, message, headers))
}

fn bad(message: &str, headers: &HeaderMap) -> Refused {
    refuse(StatusCode::BAD_REQUEST, message, headers)
}

fn no_content() -> Response {
    let mut r = Response::new(axum::body::Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

fn done(result: Result<Response, Refused>) -> Response {
    result.unwrap_or_else(|r| *r)
}

/// The id of the `n`th created image: UUID v4 shaped and the same in every run of the mock
/// (`create` skips one the catalogue already holds).
fn new_id(n: u64) -> String {
    let mut z = n.wrapping_add(0x5EED_1D00).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z ^= z >> 29;
    format!(
        "{:08x}-{:04x}-4f{:02x}-8{:03x}-{:012x}",
        (z >> 32) as u32,
        (z >> 16) as u16,
        (n & 0xff) as u8,
        (n >> 8) & 0xfff,
        (z & 0xffff_ffff_ffff) ^ (n << 20)
    )
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n)
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

/// A value from a fixed vocabulary, as the `&'static str` the model keeps.
fn one_of(list: &[&'static str], v: &str) -> Option<&'static str> {
    list.iter().copied().find(|x| *x == v)
}

/// The image the viewer may change: 404 if it may not see it, 403 if it sees but does not
/// own it (an admin may change any), as Glance's policy layer answers.
fn owned(
    state: &MockState,
    viewer: Viewer,
    id: &str,
    headers: &HeaderMap,
    what: &str,
) -> Result<(u32, Image), Refused> {
    let (pos, img) = visible(state, viewer, id)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, &format!("No image found with ID {id}"), headers))?;
    if !viewer.admin && img.owner != viewer.project {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            &format!("You are not authorized to complete {what} action."),
            headers,
        ));
    }
    Ok((pos, img))
}

/// The position and a copy of the image with this id, if the viewer may see it.
fn visible(state: &MockState, viewer: Viewer, id: &str) -> Option<(u32, Image)> {
    let cat = state.catalogue();
    let pos = cat.position(id).filter(|&p| can_see(cat.image(p), viewer))?;
    Some((pos, cat.image(pos).clone()))
}

/// Whether `key` names one of the IMS provider's fields (an IMS write of a `__` key).
fn is_ims_field(flavor: Flavor, key: &str) -> bool {
    flavor == Flavor::Ims && key.starts_with("__")
}

/// Stores the changed image, unless it vanished meanwhile (a concurrent delete of the same
/// image: then the write is lost, as it would be in Glance).
fn store(state: &MockState, pos: u32, img: Image) {
    let mut cat = state.catalogue_mut();
    if cat.image(pos).id == img.id {
        cat.replace(pos, img);
    }
}

/// One attribute of a create body or a patch, applied to `img`: the core attributes a client
/// may set, a custom property (a string) for any other name.
fn set_attribute(
    img: &mut Image,
    key: &str,
    value: &Value,
    viewer: Viewer,
    flavor: Flavor,
    headers: &HeaderMap,
) -> Result<(), Refused> {
    let schema_error = |what: &str| {
        bad(
            &format!("Provided object does not match schema 'image': {value} is not {what}: Failed validating '{key}'"),
            headers,
        )
    };
    if READ_ONLY.contains(&key) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            &format!("Attribute '{key}' is read-only."),
            headers,
        ));
    }
    if RESERVED.contains(&key) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            &format!("Attribute '{key}' is reserved."),
            headers,
        ));
    }
    match key {
        "name" => match value {
            Value::Null => img.name = None,
            Value::String(s) if s.chars().count() <= 255 => img.name = Some(s.clone()),
            _ => return Err(schema_error("a string of at most 255 characters or null")),
        },
        "visibility" => {
            let v = value
                .as_str()
                .and_then(|v| one_of(VISIBILITIES, v))
                .ok_or_else(|| schema_error("one of public, private, shared, community"))?;
            if v == "public" && !viewer.admin {
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    "You are not authorized to complete publicize_image action.",
                    headers,
                ));
            }
            img.visibility = v;
        }
        "protected" | "os_hidden" => {
            let b = value.as_bool().ok_or_else(|| schema_error("of type 'boolean'"))?;
            if key == "protected" {
                img.protected = b;
            } else {
                img.os_hidden = b;
            }
        }
        "min_ram" | "min_disk" => {
            let n = value.as_u64().ok_or_else(|| schema_error("a non-negative integer"))?;
            if key == "min_ram" {
                img.min_ram = n;
            } else {
                img.min_disk = n;
            }
        }
        "container_format" | "disk_format" => {
            if img.status != "queued" {
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    &format!("Attribute {key} can be only replaced for a queued image."),
                    headers,
                ));
            }
            let list = if key == "disk_format" {
                DISK_FORMATS
            } else {
                CONTAINER_FORMATS
            };
            let f = match value {
                Value::Null => "",
                v => v
                    .as_str()
                    .and_then(|v| one_of(list, v))
                    .ok_or_else(|| schema_error(&format!("one of {}", list.join(", "))))?,
            };
            if key == "disk_format" {
                img.disk_format = f;
            } else {
                img.container_format = f;
            }
        }
        "tags" => {
            let tags = value.as_array().ok_or_else(|| schema_error("of type 'array'"))?;
            let mut out: Vec<Sym> = Vec::new();
            for t in tags {
                let t = t
                    .as_str()
                    .filter(|t| t.chars().count() <= 255)
                    .ok_or_else(|| schema_error("an array of strings of at most 255 characters"))?;
                if !out.iter().any(|x| &**x == t) {
                    out.push(Sym::from(t));
                }
            }
            img.tags = out.into_boxed_slice();
        }
        "owner" => {
            let o = value
                .as_str()
                .and_then(|o| one_of(PROJECTS, o))
                .ok_or_else(|| bad("owner must be one of the mock's projects", headers))?;
            if o != viewer.project && !viewer.admin {
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    "You are not permitted to create images owned by another project.",
                    headers,
                ));
            }
            img.owner = o;
        }
        "id" => return Err(refuse(StatusCode::FORBIDDEN, "Attribute 'id' is read-only.", headers)),
        _ => {
            let v = value.as_str().ok_or_else(|| schema_error("of type 'string'"))?;
            let ims = is_ims_field(flavor, key);
            let fields = if ims { &img.ims } else { &img.properties };
            let mut pairs: Vec<(&str, &str)> = fields.iter().filter(|(k, _)| *k != key).collect();
            pairs.push((key, v));
            let set = Fields::new(pairs);
            if ims {
                img.ims = set;
            } else {
                img.properties = set;
            }
        }
    }
    Ok(())
}

/// Removes a custom property (JSON patch `remove`); a core attribute cannot be removed.
fn remove_attribute(img: &mut Image, key: &str, flavor: Flavor, headers: &HeaderMap) -> Result<(), Refused> {
    let ims = is_ims_field(flavor, key);
    let fields = if ims { &img.ims } else { &img.properties };
    if fields.get(key).is_none() {
        let core = SETTABLE.contains(&key) || key == "id" || READ_ONLY.contains(&key);
        return Err(if core {
            refuse(
                StatusCode::FORBIDDEN,
                &format!("Attribute '{key}' is read-only."),
                headers,
            )
        } else {
            refuse(
                StatusCode::CONFLICT,
                &format!("Property {key} does not exist."),
                headers,
            )
        });
    }
    let set = Fields::new(fields.iter().filter(|(k, _)| *k != key));
    if ims {
        img.ims = set;
    } else {
        img.properties = set;
    }
    Ok(())
}

/// `POST /v2/images`: 201 with the new image (queued, no data) and its `Location`.
pub fn create(state: &MockState, flavor: Flavor, viewer: Viewer, headers: &HeaderMap, body: &[u8]) -> Response {
    done((|| {
        let fields = object(body, headers)?;
        let t = state.write_time();
        let mut img = blank(viewer, t);
        let requested_id = match fields.get("id") {
            None => None,
            Some(Value::String(id)) if is_uuid(id) => Some(id.to_ascii_lowercase()),
            Some(v) => {
                return Err(bad(
                    &format!("Provided object does not match schema 'image': {v} is not a 'uuid'"),
                    headers,
                ));
            }
        };
        for (k, v) in fields.iter().filter(|(k, _)| *k != "id") {
            set_attribute(&mut img, k, v, viewer, flavor, headers)?;
        }
        let mut cat = state.catalogue_mut();
        img.id = match requested_id {
            Some(id) if cat.position(&id).is_some() => {
                return Err(refuse(
                    StatusCode::CONFLICT,
                    &format!("Image with identifier {id} already exists!"),
                    headers,
                ));
            }
            Some(id) => id,
            None => loop {
                let n = state.created.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let id = new_id(n);
                if cat.position(&id).is_none() {
                    break id;
                }
            },
        };
        cat.push(img.clone());
        drop(cat);
        let mut r = json_response(StatusCode::CREATED, &shown(state, &img, flavor));
        let prefix = if flavor == Flavor::Ims { "/ims" } else { "/image" };
        if let Ok(v) = HeaderValue::from_str(&format!("{}{prefix}/v2/images/{}", errors::base_url(headers), img.id)) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        Ok(r)
    })())
}

/// A new image before the client's attributes: Glance's defaults (visibility `shared`).
fn blank(viewer: Viewer, t: chrono::DateTime<Utc>) -> Image {
    Image {
        id: String::new(),
        name: None,
        status: "queued",
        visibility: "shared",
        protected: false,
        os_hidden: false,
        owner: viewer.project,
        size: None,
        virtual_size: None,
        digests: None,
        content: None,
        container_format: "",
        disk_format: "",
        min_ram: 0,
        min_disk: 0,
        tags: Box::new([]),
        created_at: t,
        updated_at: t,
        properties: Fields::default(),
        ims: Fields::default(),
        members: Vec::new(),
    }
}

/// `PUT /v2/images/{id}/file`: stores the bytes, and the image becomes active with their size
/// and digests (Glance's synchronous upload). 204.
pub fn upload(state: &MockState, viewer: Viewer, headers: &HeaderMap, id: &str, body: Bytes) -> Response {
    done((|| {
        let media = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if media.split(';').next().map(str::trim) != Some("application/octet-stream") {
            return Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!("Content type '{media}' is not supported: send application/octet-stream."),
                headers,
            ));
        }
        let (pos, mut img) = owned(state, viewer, id, headers, "upload_image")?;
        if img.status != "queued" {
            return Err(refuse(
                StatusCode::CONFLICT,
                &format!("Image status transition from {} to saving is not allowed", img.status),
                headers,
            ));
        }
        if img.disk_format.is_empty() || img.container_format.is_empty() {
            return Err(bad(
                "Properties disk_format, container_format must be set prior to saving data.",
                headers,
            ));
        }
        let md5: [u8; 16] = Md5::digest(&body).into();
        let sha512: [u8; 64] = Sha512::digest(&body).into();
        img.digests = Some(Digests { md5, sha512 });
        img.size = Some(body.len() as u64);
        img.status = "active";
        img.updated_at = state.write_time();
        state.set_upload(&img.id, Some(body));
        store(state, pos, img);
        Ok(no_content())
    })())
}

/// `PATCH /v2/images/{id}`: a JSON patch (`add`, `replace`, `remove`) of the attributes a
/// client may set, all or nothing. 200 with the image.
pub fn patch(
    state: &MockState,
    flavor: Flavor,
    viewer: Viewer,
    headers: &HeaderMap,
    id: &str,
    body: &[u8],
) -> Response {
    done((|| {
        let media = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !PATCH_TYPES.contains(&media.split(';').next().unwrap_or("").trim()) {
            return Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &format!("Unsupported Content-Type {media}: use {}", PATCH_TYPES[0]),
                headers,
            ));
        }
        let (pos, before) = owned(state, viewer, id, headers, "modify_image")?;
        let ops: Vec<Value> = match serde_json::from_slice(body) {
            Ok(Value::Array(ops)) => ops,
            _ => return Err(bad("Request body must be a JSON array of operation objects.", headers)),
        };
        let mut img = before.clone();
        for op in &ops {
            let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
            let path = op.get("path").and_then(Value::as_str).unwrap_or("");
            let Some(key) = path.strip_prefix('/').filter(|k| !k.is_empty() && !k.contains('/')) else {
                return Err(bad(
                    &format!("Invalid JSON pointer for this resource: '{path}'"),
                    headers,
                ));
            };
            let key = key.replace("~1", "/").replace("~0", "~");
            match (kind, op.get("value")) {
                ("remove", _) => remove_attribute(&mut img, &key, flavor, headers)?,
                ("add" | "replace", Some(value)) => {
                    let custom = !SETTABLE.contains(&key.as_str())
                        && !READ_ONLY.contains(&key.as_str())
                        && !RESERVED.contains(&key.as_str());
                    let fields = if is_ims_field(flavor, &key) {
                        &img.ims
                    } else {
                        &img.properties
                    };
                    if kind == "replace" && custom && fields.get(&key).is_none() {
                        return Err(refuse(
                            StatusCode::CONFLICT,
                            &format!("Property {key} does not exist."),
                            headers,
                        ));
                    }
                    set_attribute(&mut img, &key, value, viewer, flavor, headers)?;
                }
                ("add" | "replace", None) => return Err(bad(&format!("Operation `{kind}` needs a value"), headers)),
                _ => {
                    return Err(bad(
                        &format!(
                            "Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\": `{kind}`"
                        ),
                        headers,
                    ));
                }
            }
        }
        img.updated_at = state.write_time();
        let answer = shown(state, &img, flavor);
        if state.quirk(Quirk::HiddenLaterStillListed) {
            // The bug: the answer says hidden, what the lists read does not.
            img.os_hidden = before.os_hidden;
        }
        store(state, pos, img);
        Ok(json_response(StatusCode::OK, &answer))
    })())
}

/// `DELETE /v2/images/{id}`: 204; a protected image is refused (403).
pub fn delete(state: &MockState, viewer: Viewer, headers: &HeaderMap, id: &str) -> Response {
    done((|| {
        let (pos, mut img) = owned(state, viewer, id, headers, "delete_image")?;
        if img.protected {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                &format!("Image {id} is protected and cannot be deleted."),
                headers,
            ));
        }
        if state.quirk(Quirk::DeletedImageStaysListed) {
            return Ok(no_content());
        }
        img.status = "deleted";
        img.updated_at = state.write_time();
        state.set_upload(&img.id, None);
        store(state, pos, img);
        Ok(no_content())
    })())
}

/// `POST /v2/images/{id}/actions/{deactivate|reactivate}`: 204; an unknown action is 404.
pub fn action(state: &MockState, viewer: Viewer, headers: &HeaderMap, id: &str, action: &str) -> Response {
    done((|| {
        let (from, to) = match action {
            "deactivate" => ("active", "deactivated"),
            "reactivate" => ("deactivated", "active"),
            _ => {
                return Err(refuse(
                    StatusCode::NOT_FOUND,
                    "The resource could not be found.",
                    headers,
                ));
            }
        };
        let (pos, mut img) = owned(state, viewer, id, headers, action)?;
        if img.status == to {
            return Ok(no_content());
        }
        if img.status != from {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                &format!("Not allowed to {action} image in status '{}'", img.status),
                headers,
            ));
        }
        img.status = to;
        img.updated_at = state.write_time();
        store(state, pos, img);
        Ok(no_content())
    })())
}

/// A request body that must be a JSON object (create, members): 400 otherwise.
fn object(body: &[u8], headers: &HeaderMap) -> Result<Map<String, Value>, Refused> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(bad("Malformed JSON in request body: expected an object", headers)),
        Err(e) => Err(bad(&format!("Malformed JSON in request body: {e}"), headers)),
    }
}

/// `POST /v2/images/{id}/members` by the owner: the project becomes a member, `pending`.
pub fn add_member(state: &MockState, viewer: Viewer, headers: &HeaderMap, id: &str, body: &[u8]) -> Response {
    done((|| {
        let (pos, mut img) = owned(state, viewer, id, headers, "add_member")?;
        let fields = object(body, headers)?;
        let member = fields
            .get("member")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .ok_or_else(|| bad("Member to be added not specified", headers))?;
        if img.visibility != "shared" {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "Only shared images have members.",
                headers,
            ));
        }
        if img.membership(member).is_some() {
            return Err(refuse(
                StatusCode::CONFLICT,
                &format!("Member {member} already associated with image {id}."),
                headers,
            ));
        }
        let t = state.write_time();
        let m = Member {
            project: Sym::from(member),
            status: MemberStatus::Pending,
            created_at: t,
            updated_at: t,
        };
        let answer = member_json(&img, &m);
        img.members.push(m);
        store(state, pos, img);
        Ok(json_response(StatusCode::OK, &answer))
    })())
}

/// `PUT /v2/images/{id}/members/{member}` by the member itself: its status.
pub fn update_member(
    state: &MockState,
    viewer: Viewer,
    headers: &HeaderMap,
    id: &str,
    member: &str,
    body: &[u8],
) -> Response {
    done((|| {
        let (pos, mut img) = visible(state, viewer, id)
            .ok_or_else(|| refuse(StatusCode::NOT_FOUND, &format!("Image {id} not found."), headers))?;
        if member != viewer.project && !viewer.admin {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "You are not permitted to modify 'status' on this image member.",
                headers,
            ));
        }
        let fields = object(body, headers)?;
        let status = match fields.get("status").and_then(Value::as_str) {
            Some("pending") => MemberStatus::Pending,
            Some("accepted") => MemberStatus::Accepted,
            Some("rejected") => MemberStatus::Rejected,
            Some(other) => return Err(bad(&format!("Invalid status: {other}"), headers)),
            None => return Err(bad("Status not specified", headers)),
        };
        let Some(m) = img.members.iter_mut().find(|m| &*m.project == member) else {
            return Err(refuse(
                StatusCode::NOT_FOUND,
                &format!("{member} not found in the member list of the image {id}."),
                headers,
            ));
        };
        m.status = status;
        m.updated_at = state.write_time();
        let answer = member_json(&img, img.membership(member).expect("just updated"));
        store(state, pos, img);
        Ok(json_response(StatusCode::OK, &answer))
    })())
}

/// `DELETE /v2/images/{id}/members/{member}` by the owner: 204.
pub fn remove_member(state: &MockState, viewer: Viewer, headers: &HeaderMap, id: &str, member: &str) -> Response {
    done((|| {
        let (pos, mut img) = owned(state, viewer, id, headers, "delete_member")?;
        let before = img.members.len();
        img.members.retain(|m| &*m.project != member);
        if img.members.len() == before {
            return Err(refuse(
                StatusCode::NOT_FOUND,
                &format!("{member} not found in the member list of the image {id}."),
                headers,
            ));
        }
        store(state, pos, img);
        Ok(no_content())
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_uuids_apart_from_the_generated_ones() {
        let ids: Vec<String> = (0..2000).map(new_id).collect();
        assert!(
            ids.iter().all(|i| is_uuid(i) && i.as_bytes()[14] == b'4'),
            "{:?}",
            &ids[..3]
        );
        let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        assert!(!is_uuid("not-a-uuid") && !is_uuid("0000000-0000-4000-8000-0000000000000"));
    }
}
