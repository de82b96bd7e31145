//! Glance's per-image list filters, parsed and validated once per request (as Glance does
//! before it queries its database: a bad value is a 400 whatever the catalogue holds), then
//! matched per image, with the candidates each filter can be answered from.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::catalogue::{Bound, Limit, Post};
use super::content::unhex;
use super::listing::{BadRequest, Flavor};
use super::model::Image;
use super::order::SortKey;
use super::quirk::Quirk;
use super::select::{Hint, Source};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

#[derive(Debug)]
pub enum Filter {
    /// `name`, `status`, `id`, `disk_format`, `container_format`: equal to one of the values
    /// (`in:a,b`).
    Text(SortKey, Vec<String>),
    /// `name` under the `name-filter-case-insensitive` quirk (values lower-cased).
    NameCaseInsensitive(Vec<String>),
    /// `name` under the `name-filter-substring` quirk.
    NameSubstring(Vec<String>),
    Owner(String),
    /// The md5 as bytes; `None` when the value is no lower-case md5 (then nothing matches).
    Checksum(Option<[u8; 16]>),
    Protected(bool),
    /// Compared as Glance's text: `min_ram=0512` matches nothing.
    MinRam(String),
    MinDisk(String),
    SizeMin {
        bound: i64,
        exclusive: bool,
    },
    SizeMax(i64),
    Time {
        updated: bool,
        op: TimeOp,
        at: DateTime<Utc>,
    },
    Tag {
        value: String,
        ims: bool,
    },
    Ims(String, String),
    Property(String, String),
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|n| n.and_utc())
}

/// `in:a,"b,c"` → ["a", "b,c"]; anything else → [value].
pub fn in_values(v: &str) -> Vec<String> {
    let Some(list) = v.strip_prefix("in:") else {
        return vec![v.to_string()];
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in list.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

impl Filter {
    /// The filter one query parameter asks for, or Glance's 400 for its value.
    pub fn parse(key: &str, value: &str, flavor: Flavor, quirks: &BTreeSet<Quirk>) -> Result<Filter, BadRequest> {
        Ok(match key {
            "name" if quirks.contains(&Quirk::NameFilterCaseInsensitive) => {
                Filter::NameCaseInsensitive(in_values(value).iter().map(|v| v.to_lowercase()).collect())
            }
            "name" if quirks.contains(&Quirk::NameFilterSubstring) => Filter::NameSubstring(in_values(value)),
            "name" => Filter::Text(SortKey::Name, in_values(value)),
            "status" => Filter::Text(SortKey::Status, in_values(value)),
            "id" => Filter::Text(SortKey::Id, in_values(value)),
            "disk_format" => Filter::Text(SortKey::DiskFormat, in_values(value)),
            "container_format" => Filter::Text(SortKey::ContainerFormat, in_values(value)),
            "owner" => Filter::Owner(value.to_string()),
            "checksum" => Filter::Checksum(unhex::<16>(value)),
            "protected" => match value {
                "true" | "false" => Filter::Protected(value == "true"),
                other => {
                    return Err(BadRequest(format!(
                        "Invalid value '{other}' for 'protected' filter. Valid values are 'true' or 'false'."
                    )));
                }
            },
            "min_ram" => Filter::MinRam(value.to_string()),
            "min_disk" => Filter::MinDisk(value.to_string()),
            "size_min" | "size_max" => {
                let bound: i64 = value
                    .trim()
                    .parse()
                    .map_err(|_| BadRequest("Unable to filter on a range with a non-numeric value.".into()))?;
                if key == "size_min" {
                    Filter::SizeMin {
                        bound,
                        exclusive: quirks.contains(&Quirk::SizeMinExclusive),
                    }
                } else {
                    Filter::SizeMax(bound)
                }
            }
            "created_at" | "updated_at" => {
                let (op, time) = match value.split_once(':') {
                    Some((op, rest)) if op.chars().all(|c| c.is_ascii_alphabetic()) => (op, rest),
                    _ => ("eq", value),
                };
                let at = parse_time(time).ok_or_else(|| {
                    BadRequest(format!(
                        "Bad \"{key}\" query filter format. Use ISO 8601 DateTime notation."
                    ))
                })?;
                let op = match op {
                    "gt" if flavor == Flavor::Ims && quirks.contains(&Quirk::ImsCreatedAtGtAsGte) => TimeOp::Gte,
                    "gt" => TimeOp::Gt,
                    "gte" => TimeOp::Gte,
                    "lt" => TimeOp::Lt,
                    "lte" => TimeOp::Lte,
                    "eq" => TimeOp::Eq,
                    "neq" => TimeOp::Neq,
                    _ => return Err(BadRequest("Unable to filter on a unknown operator.".into())),
                };
                Filter::Time {
                    updated: key == "updated_at",
                    op,
                    at,
                }
            }
            "changes-since" => {
                return Err(BadRequest(
                    "The \"changes-since\" filter is no longer available on v2.".into(),
                ));
            }
            "tag" => Filter::Tag {
                value: value.to_string(),
                ims: flavor == Flavor::Ims,
            },
            other if flavor == Flavor::Ims && other.starts_with("__") => {
                Filter::Ims(other.to_string(), value.to_string())
            }
            other => Filter::Property(other.to_string(), value.to_string()),
        })
    }

    pub fn matches(&self, img: &Image) -> bool {
        match self {
            Filter::Text(key, values) => {
                let actual = key.text(img);
                values.iter().any(|v| Some(v.as_str()) == actual)
            }
            Filter::NameCaseInsensitive(values) => {
                img.name.as_deref().is_some_and(|n| values.contains(&n.to_lowercase()))
            }
            Filter::NameSubstring(values) => img
                .name
                .as_deref()
                .is_some_and(|n| values.iter().any(|v| n.contains(v.as_str()))),
            Filter::Owner(v) => v == img.owner,
            Filter::Checksum(md5) => md5.is_some() && img.digests.map(|d| d.md5) == *md5,
            Filter::Protected(b) => img.protected == *b,
            Filter::MinRam(v) => img.min_ram.to_string() == *v,
            Filter::MinDisk(v) => img.min_disk.to_string() == *v,
            Filter::SizeMin { bound, exclusive } => img.size.is_some_and(|s| {
                if *exclusive {
                    (s as i64) > *bound
                } else {
                    (s as i64) >= *bound
                }
            }),
            Filter::SizeMax(bound) => img.size.is_some_and(|s| (s as i64) <= *bound),
            Filter::Time { updated, op, at } => {
                let actual = if *updated { img.updated_at } else { img.created_at };
                match op {
                    TimeOp::Gt => actual > *at,
                    TimeOp::Gte => actual >= *at,
                    TimeOp::Lt => actual < *at,
                    TimeOp::Lte => actual <= *at,
                    TimeOp::Eq => actual == *at,
                    TimeOp::Neq => actual != *at,
                }
            }
            // IMS: tags written `Key.Value` before its upgrade are queried as `Key=Value`.
            Filter::Tag { value, ims: true } => img
                .tags
                .iter()
                .any(|t| **t == **value || t.replacen('.', "=", 1) == *value),
            Filter::Tag { value, ims: false } => img.tags.iter().any(|t| **t == **value),
            Filter::Ims(k, v) => img.ims.get(k) == Some(v.as_str()),
            Filter::Property(k, v) => img.properties.get(k) == Some(v.as_str()),
        }
    }

    /// Where every image this filter matches can be found, if an index holds them.
    pub fn hint(&self) -> Option<Hint<'_>> {
        Some(match self {
            Filter::Text(key, values) => values.iter().map(|v| Source::Equal(*key, v)).collect(),
            Filter::Owner(v) => vec![Source::Posting(Post::Owner(v))],
            Filter::Protected(b) => vec![Source::Posting(Post::Protected(*b))],
            Filter::MinRam(v) => vec![Source::Posting(Post::MinRam(v))],
            Filter::MinDisk(v) => vec![Source::Posting(Post::MinDisk(v))],
            Filter::Tag { value, ims } => {
                let mut h = vec![Source::Posting(Post::Tag(value))];
                if *ims {
                    h.push(Source::Posting(Post::TagAsKeyValue(value)));
                }
                h
            }
            Filter::Ims(k, v) => vec![Source::Posting(Post::Ims(k, v))],
            Filter::Property(k, v) => vec![Source::Posting(Post::Property(k, v))],
            Filter::SizeMin { bound, exclusive } => vec![Source::Span(
                SortKey::Size,
                vec![Limit::AtLeast(Bound::Size(*bound), !exclusive)],
            )],
            Filter::SizeMax(bound) => vec![Source::Span(
                SortKey::Size,
                vec![Limit::AtMost(Bound::Size(*bound), true)],
            )],
            Filter::Time { updated, op, at } => {
                let key = if *updated {
                    SortKey::UpdatedAt
                } else {
                    SortKey::CreatedAt
                };
                let t = Bound::Time(*at);
                let limits = match op {
                    TimeOp::Gt => vec![Limit::AtLeast(t, false)],
                    TimeOp::Gte => vec![Limit::AtLeast(t, true)],
                    TimeOp::Lt => vec![Limit::AtMost(t, false)],
                    TimeOp::Lte => vec![Limit::AtMost(t, true)],
                    TimeOp::Eq => vec![Limit::AtLeast(t, true), Limit::AtMost(t, true)],
                    TimeOp::Neq => return None,
                };
                vec![Source::Span(key, limits)]
            }
            Filter::NameCaseInsensitive(_) | Filter::NameSubstring(_) | Filter::Checksum(_) => return None,
        })
    }
}
