//! Injectable bugs: each one a realistic mistake a provider could ship, each caught by at least
//! one case (proven in `tests/suite_vs_mock.rs`).
//!
//! One table: every quirk is a variant whose attributes carry its name (kebab-case), its
//! description and the inventory requirement it violates, so adding a quirk is adding one
//! variant here (and the code that injects it).

use std::str::FromStr;

use strum::{EnumMessage, EnumProperty, IntoStaticStr, VariantArray};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, VariantArray, IntoStaticStr, EnumMessage, EnumProperty,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Quirk {
    #[strum(
        message = "a page holds limit+1 items (seed 003 Pagination: between zero and limit items)",
        props(requirement = "image-v2/pagination/zero-to-limit-items")
    )]
    LimitOffByOne,
    #[strum(
        message = "the page after a marker starts with the marker image (seed 003 Pagination: marker is the last-seen image)",
        props(requirement = "image-v2/pagination/marker-last-seen")
    )]
    MarkerInclusive,
    #[strum(
        message = "next keeps only limit and marker, dropping filters and sort (seed 003 Pagination: next preserves the query)",
        props(requirement = "image-v2/pagination/next-preserves-query")
    )]
    NextDropsFilters,
    #[strum(
        message = "the last page links back to the first page: an endless walk (seed 003 Pagination: follow next until none)",
        props(requirement = "image-v2/pagination/follow-until-no-next")
    )]
    NextLoops,
    #[strum(
        serialize = "unknown-marker-200",
        message = "an unknown marker is ignored and the first page served (Glance: 400)",
        props(requirement = "image-v2/pagination/marker-last-seen")
    )]
    UnknownMarker200,
    #[strum(
        message = "name= matches regardless of letter case (seed 003 Filtering: direct comparison)",
        props(requirement = "image-v2/filtering/direct-comparison")
    )]
    NameFilterCaseInsensitive,
    #[strum(
        message = "sort_dir is ignored, always descending (seed 003 Sorting: asc and desc)",
        props(requirement = "image-v2/sorting/asc-desc")
    )]
    SortDirIgnored,
    #[strum(
        message = "size_min leaves out an image of exactly that size (seed 003 Filtering: size_min/size_max)",
        props(requirement = "image-v2/filtering/size-range")
    )]
    SizeMinExclusive,
    #[strum(
        serialize = "negative-limit-200",
        message = "a negative or non-integer limit is read as the default instead of 400 (Glance: 400)",
        props(requirement = "image-v2/pagination/limit-page-size")
    )]
    NegativeLimit200,
    #[strum(
        message = "requests without a valid token are served as if authenticated (401 expected)",
        props(requirement = "image-v2/list/available-images")
    )]
    NoAuth,
    #[strum(
        serialize = "unknown-sort-key-200",
        message = "an unknown sort_key is ignored, default order served (Glance: 400)",
        props(requirement = "image-v2/sorting/any-attribute")
    )]
    UnknownSortKey200,
    #[strum(
        message = "without sort parameters the list is oldest first (seed 003 Sorting: created_at desc)",
        props(requirement = "image-v2/sorting/defaults")
    )]
    DefaultOrderAsc,
    #[strum(
        message = "compute: the last page's images_links next points at the page itself (an endless walk; seeds 000/001 limit+marker)",
        props(requirement = "compute-v2/params/marker")
    )]
    ComputeNextOnLastPage,
    #[strum(
        message = "compute: /images/detail lists one image fewer than /images (seed 002 vs 000)",
        props(requirement = "compute-v2/detail/get-detail")
    )]
    ComputeDetailMissingOne,
    #[strum(
        message = "compute: changes-since ignores the ±hh:mm offset and reads the time as UTC (seed 001 changes-since)",
        props(requirement = "compute-v2/params/changes-since-offset")
    )]
    ComputeChangesSinceIgnoresOffset,
    #[strum(
        serialize = "compute-wrong-tenant-200",
        message = "compute: another tenant's id in the path is served (seed 001: 400 badRequest)",
        props(requirement = "compute-v2/errors/tenant-mismatch")
    )]
    ComputeWrongTenant200,
    #[strum(
        message = "compute: detail shows Glance's lower-case status (seed 002: ACTIVE, SAVING, ...)",
        props(requirement = "compute-v2/detail/fields")
    )]
    ComputeStatusLowercase,
    #[strum(
        serialize = "ims-default-page-1000",
        message = "ims: without limit a page holds up to 1000 images (seed 004: 25 by default)",
        props(requirement = "ims/pagination/default-25")
    )]
    ImsDefaultPage1000,
    #[strum(
        message = "ims: the __platform filter is ignored (seed 004 __platform)",
        props(requirement = "ims/params/platform")
    )]
    ImsPlatformFilterIgnored,
    #[strum(
        message = "ims: created_at=gt: keeps images created exactly at the time (seed 004 created_at operators)",
        props(requirement = "ims/params/created-at")
    )]
    ImsCreatedAtGtAsGte,
    #[strum(
        message = "the limit parameter is ignored: every page holds 25 images (seed 003 Pagination: limit sets the page size)",
        props(requirement = "image-v2/pagination/limit-page-size")
    )]
    LimitIgnored,
    #[strum(
        message = "the page after a marker skips one image: a walk misses images (seed 003 Pagination: marker is the last-seen image)",
        props(requirement = "image-v2/pagination/follow-until-no-next")
    )]
    PageGap,
    #[strum(
        message = "the first page repeats its first image at its end (seed 003: a list of images; ids are unique)",
        props(requirement = "image-v2/list/available-images")
    )]
    DuplicateInPage,
    #[strum(
        serialize = "invalid-token-403",
        message = "a token no one issued gets 403 instead of 401 (Keystone: 401 for an invalid token)",
        props(requirement = "image-v2/list/available-images")
    )]
    InvalidToken403,
    #[strum(
        message = "name= matches any name containing the value (seed 003 Filtering: direct comparison)",
        props(requirement = "image-v2/filtering/direct-comparison")
    )]
    NameFilterSubstring,
    #[strum(
        message = "size is a JSON string instead of an integer (Glance's image schema: integer)",
        props(requirement = "image-v2/list/image-fields")
    )]
    SizeAsString,
    #[strum(
        message = "created_at and updated_at carry no zone (Glance's image schema: date-time)",
        props(requirement = "image-v2/list/image-fields")
    )]
    DatetimeWithoutZone,
    #[strum(
        message = "some images lack the visibility field (seed 003 example: every image has visibility)",
        props(requirement = "image-v2/list/image-fields")
    )]
    MissingVisibility,
    #[strum(
        message = "an image's self link names another image (seed 003 example: self is /v2/images/{id})",
        props(requirement = "image-v2/list/image-links")
    )]
    SelfLinkOtherImage,
    #[strum(
        message = "the list is served as text/html (a JSON API: application/json)",
        props(requirement = "image-v2/list/available-images")
    )]
    HtmlContentType,
    #[strum(
        message = "compute: error bodies are plain text, not Nova's JSON fault (seed 001 documents the JSON badRequest body)",
        props(requirement = "compute-v2/codes/400-bad-request")
    )]
    ErrorBodyNotJson,
    #[strum(
        message = "pages after a marker come in ascending id order instead of the requested order (seed 003 Sorting)",
        props(requirement = "image-v2/pagination/next-preserves-query")
    )]
    SecondPageOtherOrder,
    #[strum(
        message = "the last page links to an empty page with a new made-up marker, forever (seed 003 Pagination: next ends)",
        props(requirement = "image-v2/pagination/follow-until-no-next")
    )]
    NextNeverEnds,
    #[strum(
        message = "DELETE answers 204 but the image stays in every list (seed 003 GET /v2/images: images available to the client; a provisioning run catches it)",
        props(requirement = "image-v2/list/available-images")
    )]
    DeletedImageStaysListed,
    #[strum(
        message = "os_hidden set by a PATCH is shown but the lists ignore it: the image stays in the default list (Glance: hidden images are left out however they were hidden; a provisioning run catches it)",
        props(requirement = "image-v2/list/available-images")
    )]
    HiddenLaterStillListed,
    #[strum(
        message = "a share the member has not accepted (pending) is in the member's default list (Glance: accepted shares only; a provisioning run catches it)",
        props(requirement = "image-v2/list/available-images")
    )]
    PendingShareListed,
}

impl Quirk {
    /// Every quirk, in the order `--list-quirks` shows them.
    pub fn all() -> &'static [Quirk] {
        Quirk::VARIANTS
    }

    /// The name `--quirk NAME` takes.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The inventory requirement (`cases/requirements/`) the bug violates.
    pub fn requirement(self) -> &'static str {
        self.get_str("requirement").unwrap_or("")
    }

    pub fn description(self) -> &'static str {
        self.get_message().unwrap_or("")
    }
}

impl std::fmt::Display for Quirk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// By name, with the known names in the error (clap shows it for a bad `--quirk`).
impl FromStr for Quirk {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Quirk::all().iter().copied().find(|q| q.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Quirk::all().iter().map(|q| q.name()).collect();
            format!("unknown quirk `{s}` (known: {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_published_ones_and_round_trip() {
        let names: Vec<&str> = Quirk::all().iter().map(|q| q.name()).collect();
        assert_eq!(
            names,
            [
                "limit-off-by-one",
                "marker-inclusive",
                "next-drops-filters",
                "next-loops",
                "unknown-marker-200",
                "name-filter-case-insensitive",
                "sort-dir-ignored",
                "size-min-exclusive",
                "negative-limit-200",
                "no-auth",
                "unknown-sort-key-200",
                "default-order-asc",
                "compute-next-on-last-page",
                "compute-detail-missing-one",
                "compute-changes-since-ignores-offset",
                "compute-wrong-tenant-200",
                "compute-status-lowercase",
                "ims-default-page-1000",
                "ims-platform-filter-ignored",
                "ims-created-at-gt-as-gte",
                "limit-ignored",
                "page-gap",
                "duplicate-in-page",
                "invalid-token-403",
                "name-filter-substring",
                "size-as-string",
                "datetime-without-zone",
                "missing-visibility",
                "self-link-other-image",
                "html-content-type",
                "error-body-not-json",
                "second-page-other-order",
                "next-never-ends",
                "deleted-image-stays-listed",
                "hidden-later-still-listed",
                "pending-share-listed",
            ]
        );
        for q in Quirk::all() {
            assert_eq!(q.name().parse::<Quirk>(), Ok(*q));
            assert_eq!(q.to_string(), q.name());
        }
        assert!("nope".parse::<Quirk>().unwrap_err().contains("marker-inclusive"));
    }

    #[test]
    fn every_quirk_has_a_description_and_a_requirement() {
        for q in Quirk::all() {
            assert!(!q.description().is_empty(), "{q}");
            let r = q.requirement();
            let profile = r.split('/').next().unwrap_or("");
            assert!(
                ["image-v2", "compute-v2", "ims"].contains(&profile) && r.matches('/').count() >= 2,
                "{q}: {r}"
            );
        }
        assert_eq!(
            Quirk::ErrorBodyNotJson.requirement(),
            "compute-v2/codes/400-bad-request"
        );
    }
}
