//! How images are ordered: Glance's eight sort keys, directions, and the total order of a list
//! (the keys in turn, then the id in the direction of the last key), with the two null orders
//! Glance shows on its databases (nulls smallest on sqlite and MySQL, largest on PostgreSQL).

use std::cmp::Ordering;

use super::model::Image;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    Name,
    Status,
    ContainerFormat,
    DiskFormat,
    Size,
    Id,
    CreatedAt,
    UpdatedAt,
}

impl SortKey {
    /// In the order Glance's error message lists them.
    pub const ALL: [SortKey; 8] = [
        SortKey::Name,
        SortKey::Status,
        SortKey::ContainerFormat,
        SortKey::DiskFormat,
        SortKey::Size,
        SortKey::Id,
        SortKey::CreatedAt,
        SortKey::UpdatedAt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::ContainerFormat => "container_format",
            SortKey::DiskFormat => "disk_format",
            SortKey::Size => "size",
            SortKey::Id => "id",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
        }
    }

    pub fn parse(s: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Whether the key can be null (then its order depends on the null order).
    pub fn nullable(self) -> bool {
        matches!(self, SortKey::Name | SortKey::Size)
    }

    /// The key's value when it is a string (what an equality filter on it compares).
    pub fn text(self, img: &Image) -> Option<&str> {
        match self {
            SortKey::Name => img.name.as_deref(),
            SortKey::Status => Some(img.status),
            SortKey::ContainerFormat => Some(img.container_format),
            SortKey::DiskFormat => Some(img.disk_format),
            SortKey::Id => Some(&img.id),
            SortKey::Size | SortKey::CreatedAt | SortKey::UpdatedAt => None,
        }
    }

    /// Compares two images on this key alone.
    pub fn cmp(self, a: &Image, b: &Image, nulls_last: bool) -> Ordering {
        match self {
            SortKey::Size => cmp_nullable(a.size, b.size, nulls_last),
            SortKey::CreatedAt => a.created_at.cmp(&b.created_at),
            SortKey::UpdatedAt => a.updated_at.cmp(&b.updated_at),
            k => cmp_nullable(k.text(a), k.text(b), nulls_last),
        }
    }
}

/// Compares two optional values; nulls are the smallest (first in asc, last in desc: sqlite
/// and MySQL) or, with `nulls_last`, the largest (PostgreSQL).
pub fn cmp_nullable<T: Ord>(a: Option<T>, b: Option<T>, nulls_last: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.cmp(&y),
        (None, None) => Ordering::Equal,
        (None, Some(_)) if nulls_last => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) if nulls_last => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dir {
    Asc,
    Desc,
}

impl Dir {
    pub fn apply(self, o: Ordering) -> Ordering {
        match self {
            Dir::Asc => o,
            Dir::Desc => o.reverse(),
        }
    }
}

/// The order of one list: sort keys with directions and the null order. Total: ids break
/// ties in the direction of the last key, so a marker has exactly one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub keys: Vec<(SortKey, Dir)>,
    pub nulls_last: bool,
}

impl Order {
    pub fn cmp(&self, a: &Image, b: &Image) -> Ordering {
        for &(k, d) in &self.keys {
            let o = d.apply(k.cmp(a, b, self.nulls_last));
            if o != Ordering::Equal {
                return o;
            }
        }
        let last = self.keys.last().map_or(Dir::Asc, |&(_, d)| d);
        last.apply(a.id.cmp(&b.id))
    }
}

#[cfg(test)]
mod tests {
    use super::super::images::catalogue;
    use super::*;

    #[test]
    fn the_order_is_total_and_descending_is_ascending_reversed() {
        let c = catalogue(40);
        for key in SortKey::ALL {
            assert_eq!(SortKey::parse(key.name()), Some(key));
            for nulls_last in [false, true] {
                let asc = Order {
                    keys: vec![(key, Dir::Asc)],
                    nulls_last,
                };
                let desc = Order {
                    keys: vec![(key, Dir::Desc)],
                    nulls_last,
                };
                let mut up: Vec<&Image> = c.iter().collect();
                up.sort_by(|a, b| asc.cmp(a, b));
                let mut down: Vec<&Image> = c.iter().collect();
                down.sort_by(|a, b| desc.cmp(a, b));
                down.reverse();
                let ids = |v: &[&Image]| v.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
                assert_eq!(ids(&up), ids(&down), "{key:?} nulls_last={nulls_last}");
                for w in up.windows(2) {
                    assert_eq!(asc.cmp(w[0], w[1]), Ordering::Less, "{key:?}: no two images are equal");
                }
            }
        }
        assert_eq!(SortKey::parse("visibility"), None);
    }
}
