//! The generic checks a case can ask for, parameterised from its file.
//!
//! Checks are an externally tagged enum (one key per check), so an unknown check name is a load
//! error with a position, never silently ignored.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, VariantAccess, Visitor};

use super::{Level, Predicate, Spanned};

/// A check as written in an alternative, with the requirement level it is judged at: the case's
/// (or the alternative's) unless the entry says `level:` beside the check.
///
/// ```yaml
/// checks:
///   - ids_unique
///   - every_item: {path: /status, op: equals, value: active}
///   - {body: {path: /code, op: exists}, level: SHOULD}
/// ```
#[derive(Debug)]
pub struct CheckEntry {
    pub check: Check,
    pub level: Option<Level>,
}

impl<'de> Deserialize<'de> for CheckEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CheckEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a check: its name, or a map of one check name (and an optional `level`)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CheckEntry, E> {
                Ok(CheckEntry {
                    check: Check::deserialize(v.into_deserializer())?,
                    level: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CheckEntry, A::Error> {
                let mut check = None;
                let mut level = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "level" {
                        level = Some(map.next_value::<Level>()?);
                    } else if let Some(first) = &check {
                        let first: &Check = first;
                        return Err(de::Error::custom(format!(
                            "one check per entry: `{}` and `{key}` are two (write them as two entries)",
                            first.name()
                        )));
                    } else {
                        check = Some(map.next_value_seed(Named(key))?);
                    }
                }
                let check = check.ok_or_else(|| de::Error::custom("the entry names no check, only a `level`"))?;
                Ok(CheckEntry { check, level })
            }
        }
        d.deserialize_any(V)
    }
}

/// Deserializes the check called `.0` from the value that follows its name.
struct Named(String);

impl<'de> DeserializeSeed<'de> for Named {
    type Value = Check;
    fn deserialize<D: Deserializer<'de>>(self, content: D) -> Result<Check, D::Error> {
        Check::deserialize(Keyed {
            variant: self.0,
            content,
        })
    }
}

/// An externally tagged enum whose tag was already read: `variant`, then `content`.
struct Keyed<D> {
    variant: String,
    content: D,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Keyed<D> {
    type Error = D::Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        visitor.visit_enum(self)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, D: Deserializer<'de>> EnumAccess<'de> for Keyed<D> {
    type Error = D::Error;
    type Variant = Self;
    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), D::Error> {
        let v = seed.deserialize(self.variant.as_str().into_deserializer())?;
        Ok((v, self))
    }
}

impl<'de, D: Deserializer<'de>> VariantAccess<'de> for Keyed<D> {
    type Error = D::Error;
    fn unit_variant(self) -> Result<(), D::Error> {
        <()>::deserialize(self.content)
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, D::Error> {
        seed.deserialize(self.content)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.content.deserialize_tuple(len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.content.deserialize_struct("", fields, visitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// A predicate on the response body (the first page of a walk), `path` from the root.
    Body(Predicate),
    /// A predicate on a response header; `path` is the header name (case-insensitive).
    Header(Predicate),
    /// Every item (all pages of a walk) satisfies the predicate; `path` is relative to the item.
    EveryItem(Predicate),
    /// Items are ordered by the keys (nulls may sit at either end, together).
    SortedBy(SortedBy),
    /// No id appears twice among the items.
    IdsUnique,
    /// The number of items compared with a value.
    Count(CountCheck),
    /// The items equal the client-side evaluation of the query over the discovered catalogue.
    MatchesCatalogue(OracleCheck),
    /// The link at `path` keeps every query parameter of the request (except the marker).
    LinkKeepsQuery(LinkCheck),
    /// Following the link at `path` answers 200 with the same ids as this response.
    LinkSamePage(LinkCheck),
    /// The items have the same ids as the unpaged list at another path (of this or another
    /// profile); SKIP when that profile has no endpoint.
    SameIdsAs(SameIdsAs),
    /// For every id on both sides, fields agree with the other list's (after a value map).
    AgreesWith(AgreesWith),
    /// None of the items is one of the catalogue's items satisfying `where` (e.g. another
    /// identity must not see the run's private images).
    DisjointFromCatalogue(OracleCheck),
    /// Every listed id (templates, e.g. `{fixture.plain.id}`) is among the items (of every
    /// page, for a walk): the images the run itself created must be there.
    HasIds(Vec<Spanned<String>>),
    /// None of the listed ids is among the items: a deleted, hidden or pending image the run
    /// created must not be there.
    LacksIds(Vec<Spanned<String>>),
}

impl Check {
    /// The check's name as written in case files.
    pub fn name(&self) -> &'static str {
        match self {
            Check::Body(_) => "body",
            Check::Header(_) => "header",
            Check::EveryItem(_) => "every_item",
            Check::SortedBy(_) => "sorted_by",
            Check::IdsUnique => "ids_unique",
            Check::Count(_) => "count",
            Check::MatchesCatalogue(_) => "matches_catalogue",
            Check::LinkKeepsQuery(_) => "link_keeps_query",
            Check::LinkSamePage(_) => "link_same_page",
            Check::SameIdsAs(_) => "same_ids_as",
            Check::AgreesWith(_) => "agrees_with",
            Check::DisjointFromCatalogue(_) => "disjoint_from_catalogue",
            Check::HasIds(_) => "has_ids",
            Check::LacksIds(_) => "lacks_ids",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SortedBy {
    pub keys: Vec<SortKey>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SortKey {
    pub path: Spanned<String>,
    pub dir: SortDir,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SortDir {
    Asc,
    Desc,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountCheck {
    /// `equals`, `lte`, `gte`, `lt` or `gt`.
    pub op: super::Op,
    /// A number or a `{var}` template.
    pub value: Spanned<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OracleCheck {
    /// The client-side filter: catalogue items satisfying every predicate.
    #[serde(default, rename = "where")]
    pub filter: Vec<Predicate>,
    /// `same`: the same order as the catalogue (the default order); `any`: as sets.
    #[serde(default)]
    pub order: OrderMode,
    /// Compare with this window of the filtered catalogue (for marker/limit cases).
    #[serde(default)]
    pub skip: usize,
    #[serde(default)]
    pub take: Option<usize>,
    /// The items need only be a leading part of the expected list (a server may clamp a page,
    /// or return fewer than `limit`: seed 003 "between zero and limit items"); a page shorter
    /// than expected must then carry a next link, or the rest could not be reached.
    #[serde(default)]
    pub prefix: bool,
    /// Items outside the expected list are allowed when they satisfy every predicate here
    /// (seed 001: changes-since also lists images deleted in the window).
    #[serde(default)]
    pub allow_extra: Vec<Predicate>,
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrderMode {
    #[default]
    Any,
    Same,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkCheck {
    /// JSON pointer to the link in the body (e.g. `/first`).
    pub path: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SameIdsAs {
    /// Another profile (its endpoint must be configured); this case's profile when absent.
    #[serde(default)]
    pub profile: Option<Spanned<String>>,
    /// The list path under that profile's endpoint.
    pub path: Spanned<String>,
    /// Send the request's own query (minus limit and marker) to the other list too.
    #[serde(default = "yes")]
    pub keep_query: bool,
    #[serde(default)]
    pub order: OrderMode,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreesWith {
    #[serde(default)]
    pub profile: Option<Spanned<String>>,
    pub path: Spanned<String>,
    pub fields: Vec<FieldPair>,
}

/// `here` in this response's items, `there` in the other list's item with the same id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldPair {
    pub here: Spanned<String>,
    pub there: Spanned<String>,
    /// The other side's value (as text) → the value expected here; `"*"` for any other value.
    #[serde(default)]
    pub map: std::collections::BTreeMap<String, serde_json::Value>,
    /// The value expected here when the other side is null or absent.
    #[serde(default)]
    pub null_as: Option<serde_json::Value>,
}

fn yes() -> bool {
    true
}
