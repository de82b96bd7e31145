//! Conforming variants: legitimate behaviours that the seed documents allow and that differ
//! from the mock's default. Unlike a quirk, a variant is not a bug: the suite must pass
//! against it, and a case that fails is a case that asks for more than the documents do.
//!
//! One table, like the quirks: each variant carries its name (kebab-case), what it changes, and
//! the reference (seed section or observed Glance/Nova fact) that makes it legal.

use std::str::FromStr;

use strum::{EnumMessage, EnumProperty, IntoStaticStr, VariantArray};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, VariantArray, IntoStaticStr, EnumMessage, EnumProperty,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    #[strum(
        message = "compute: changes-since also returns images deleted in the 30 days before the mock's clock (status DELETED, updated at the deletion), when the changes-since time itself is within those 30 days",
        props(
            reference = "seed 001 Request Parameter, changes-since: \"this filter also displays images and servers that were deleted if the changes-since value specifies a date in the last 30 days\""
        )
    )]
    DeletedInChangesSince,
    #[strum(
        message = "image-v2 and ims: pages hold at most ceil(limit/2) items (never 0 while more follow), next present while more follow; image-v2's default page too (13), ims keeps its documented 25 without limit",
        props(
            reference = "seed 003 Pagination: \"Expect a response to a limited request to return between zero and limit items\"; seed 004: \"By default, a set contains 25 images\", limit \"the number of images that can be returned\""
        )
    )]
    ShortPages,
    #[strum(
        message = "image-v2 and ims: error bodies are text/plain whatever Accept says",
        props(
            reference = "seed 003 documents no error body; WebOb's default error body is text/plain (Glance without an Accept it can negotiate)"
        )
    )]
    PlainTextErrors,
    #[strum(
        message = "image-v2: api_limit_max is 20: a larger limit (and the default 25) is clamped silently, next repeats the requested limit",
        props(
            reference = "Glance api_limit_max (observed with api_limit_max=10: limit=1000 gives 10 items and next=?limit=1000&marker=...); seed 003: between zero and limit items"
        )
    )]
    SmallMaxPage,
    #[strum(
        message = "image-v2 and ims: null names and sizes sort last in ascending order (first in descending)",
        props(reference = "Glance on PostgreSQL (NULLS LAST for ASC); seed 003 Sorting names no null order")
    )]
    NullsLast,
    #[strum(
        message = "all three: extra provider fields on every item and an extra top-level key on list bodies",
        props(
            reference = "Glance's image schema: additionalProperties are strings (custom properties are top-level); Nova's extension prefixes (OS-EXT-*); seed 003 shows example images, not a closed schema"
        )
    )]
    ExtensionFields,
    #[strum(
        message = "all three: a full page that ends the list has no next link (Glance and Nova add one and answer the page after it empty)",
        props(
            reference = "seed 003 Pagination: follow next \"until there a 'next' link is no longer provided\"; seed 001: next is optional"
        )
    )]
    NoNextOnFullLastPage,
}

impl Variant {
    /// Every variant, in the order `--list-variants` shows them.
    pub fn all() -> &'static [Variant] {
        Variant::VARIANTS
    }

    /// The name `--variant NAME` takes.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn description(self) -> &'static str {
        self.get_message().unwrap_or("")
    }

    /// The seed section or the Glance/Nova fact that makes the behaviour legal.
    pub fn reference(self) -> &'static str {
        self.get_str("reference").unwrap_or("")
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// By name, with the known names in the error (clap shows it for a bad `--variant`).
impl FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Variant::all().iter().copied().find(|v| v.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Variant::all().iter().map(|v| v.name()).collect();
            format!("unknown variant `{s}` (known: {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_name_a_description_and_a_reference() {
        let names: Vec<&str> = Variant::all().iter().map(|v| v.name()).collect();
        assert_eq!(
            names,
            [
                "deleted-in-changes-since",
                "short-pages",
                "plain-text-errors",
                "small-max-page",
                "nulls-last",
                "extension-fields",
                "no-next-on-full-last-page",
            ]
        );
        for v in Variant::all() {
            assert_eq!(v.name().parse::<Variant>(), Ok(*v));
            assert!(!v.description().is_empty() && !v.reference().is_empty(), "{v}");
        }
        assert!("nope".parse::<Variant>().unwrap_err().contains("short-pages"));
    }
}
