//! Injectable bugs: each one a realistic mistake a provider could ship, each caught by at least
//! one case (proven in `tests/suite_vs_mock.rs`).

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quirk {
    LimitOffByOne,
    MarkerInclusive,
    NextDropsFilters,
    NextLoops,
    UnknownMarker200,
    NameFilterCaseInsensitive,
    SortDirIgnored,
    SizeMinExclusive,
    NegativeLimit200,
    NoAuth,
    UnknownSortKey200,
    DefaultOrderAsc,
    ComputeNextOnLastPage,
    ComputeDetailMissingOne,
    ComputeChangesSinceIgnoresOffset,
    ComputeWrongTenant200,
    ComputeStatusLowercase,
    ImsDefaultPage1000,
    ImsPlatformFilterIgnored,
    ImsCreatedAtGtAsGte,
    LimitIgnored,
    PageGap,
    DuplicateInPage,
    InvalidToken403,
    NameFilterSubstring,
    SizeAsString,
    DatetimeWithoutZone,
    MissingVisibility,
    SelfLinkOtherImage,
    HtmlContentType,
    ErrorBodyNotJson,
    SecondPageOtherOrder,
    NextNeverEnds,
}

impl Quirk {
    pub fn all() -> &'static [Quirk] {
        use Quirk::*;
        &[
            LimitOffByOne,
            MarkerInclusive,
            NextDropsFilters,
            NextLoops,
            UnknownMarker200,
            NameFilterCaseInsensitive,
            SortDirIgnored,
            SizeMinExclusive,
            NegativeLimit200,
            NoAuth,
            UnknownSortKey200,
            DefaultOrderAsc,
            ComputeNextOnLastPage,
            ComputeDetailMissingOne,
            ComputeChangesSinceIgnoresOffset,
            ComputeWrongTenant200,
            ComputeStatusLowercase,
            ImsDefaultPage1000,
            ImsPlatformFilterIgnored,
            ImsCreatedAtGtAsGte,
            LimitIgnored,
            PageGap,
            DuplicateInPage,
            InvalidToken403,
            NameFilterSubstring,
            SizeAsString,
            DatetimeWithoutZone,
            MissingVisibility,
            SelfLinkOtherImage,
            HtmlContentType,
            ErrorBodyNotJson,
            SecondPageOtherOrder,
            NextNeverEnds,
        ]
    }

    pub fn name(self) -> &'static str {
        match self {
            Quirk::LimitOffByOne => "limit-off-by-one",
            Quirk::MarkerInclusive => "marker-inclusive",
            Quirk::NextDropsFilters => "next-drops-filters",
            Quirk::NextLoops => "next-loops",
            Quirk::UnknownMarker200 => "unknown-marker-200",
            Quirk::NameFilterCaseInsensitive => "name-filter-case-insensitive",
            Quirk::SortDirIgnored => "sort-dir-ignored",
            Quirk::SizeMinExclusive => "size-min-exclusive",
            Quirk::NegativeLimit200 => "negative-limit-200",
            Quirk::NoAuth => "no-auth",
            Quirk::UnknownSortKey200 => "unknown-sort-key-200",
            Quirk::DefaultOrderAsc => "default-order-asc",
            Quirk::ComputeNextOnLastPage => "compute-next-on-last-page",
            Quirk::ComputeDetailMissingOne => "compute-detail-missing-one",
            Quirk::ComputeChangesSinceIgnoresOffset => "compute-changes-since-ignores-offset",
            Quirk::ComputeWrongTenant200 => "compute-wrong-tenant-200",
            Quirk::ComputeStatusLowercase => "compute-status-lowercase",
            Quirk::ImsDefaultPage1000 => "ims-default-page-1000",
            Quirk::ImsPlatformFilterIgnored => "ims-platform-filter-ignored",
            Quirk::ImsCreatedAtGtAsGte => "ims-created-at-gt-as-gte",
            Quirk::LimitIgnored => "limit-ignored",
            Quirk::PageGap => "page-gap",
            Quirk::DuplicateInPage => "duplicate-in-page",
            Quirk::InvalidToken403 => "invalid-token-403",
            Quirk::NameFilterSubstring => "name-filter-substring",
            Quirk::SizeAsString => "size-as-string",
            Quirk::DatetimeWithoutZone => "datetime-without-zone",
            Quirk::MissingVisibility => "missing-visibility",
            Quirk::SelfLinkOtherImage => "self-link-other-image",
            Quirk::HtmlContentType => "html-content-type",
            Quirk::ErrorBodyNotJson => "error-body-not-json",
            Quirk::SecondPageOtherOrder => "second-page-other-order",
            Quirk::NextNeverEnds => "next-never-ends",
        }
    }

    /// The inventory requirement (`cases/requirements/`) the bug violates.
    pub fn requirement(self) -> &'static str {
        match self {
            Quirk::LimitOffByOne => "image-v2/pagination/zero-to-limit-items",
            Quirk::MarkerInclusive => "image-v2/pagination/marker-last-seen",
            Quirk::NextDropsFilters => "image-v2/pagination/next-preserves-query",
            Quirk::NextLoops => "image-v2/pagination/follow-until-no-next",
            Quirk::UnknownMarker200 => "image-v2/pagination/marker-last-seen",
            Quirk::NameFilterCaseInsensitive => "image-v2/filtering/direct-comparison",
            Quirk::SortDirIgnored => "image-v2/sorting/asc-desc",
            Quirk::SizeMinExclusive => "image-v2/filtering/size-range",
            Quirk::NegativeLimit200 => "image-v2/pagination/limit-page-size",
            Quirk::NoAuth => "image-v2/list/available-images",
            Quirk::UnknownSortKey200 => "image-v2/sorting/any-attribute",
            Quirk::DefaultOrderAsc => "image-v2/sorting/defaults",
            Quirk::ComputeNextOnLastPage => "compute-v2/params/marker",
            Quirk::ComputeDetailMissingOne => "compute-v2/detail/get-detail",
            Quirk::ComputeChangesSinceIgnoresOffset => "compute-v2/params/changes-since-offset",
            Quirk::ComputeWrongTenant200 => "compute-v2/errors/tenant-mismatch",
            Quirk::ComputeStatusLowercase => "compute-v2/detail/fields",
            Quirk::ImsDefaultPage1000 => "ims/pagination/default-25",
            Quirk::ImsPlatformFilterIgnored => "ims/params/platform",
            Quirk::ImsCreatedAtGtAsGte => "ims/params/created-at",
            Quirk::LimitIgnored => "image-v2/pagination/limit-page-size",
            Quirk::PageGap => "image-v2/pagination/follow-until-no-next",
            Quirk::DuplicateInPage => "image-v2/list/available-images",
            Quirk::InvalidToken403 => "image-v2/list/available-images",
            Quirk::NameFilterSubstring => "image-v2/filtering/direct-comparison",
            Quirk::SizeAsString => "image-v2/list/image-fields",
            Quirk::DatetimeWithoutZone => "image-v2/list/image-fields",
            Quirk::MissingVisibility => "image-v2/list/image-fields",
            Quirk::SelfLinkOtherImage => "image-v2/list/image-links",
            Quirk::HtmlContentType => "image-v2/list/available-images",
            Quirk::ErrorBodyNotJson => "image-v2/pagination/limit-page-size",
            Quirk::SecondPageOtherOrder => "image-v2/pagination/next-preserves-query",
            Quirk::NextNeverEnds => "image-v2/pagination/follow-until-no-next",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Quirk::LimitOffByOne => "a page holds limit+1 items (seed 003 Pagination: between zero and limit items)",
            Quirk::MarkerInclusive => {
                "the page after a marker starts with the marker image (seed 003 Pagination: marker is the last-seen image)"
            }
            Quirk::NextDropsFilters => {
                "next keeps only limit and marker, dropping filters and sort (seed 003 Pagination: next preserves the query)"
            }
            Quirk::NextLoops => {
                "the last page links back to the first page: an endless walk (seed 003 Pagination: follow next until none)"
            }
            Quirk::UnknownMarker200 => "an unknown marker is ignored and the first page served (Glance: 400)",
            Quirk::NameFilterCaseInsensitive => {
                "name= matches regardless of letter case (seed 003 Filtering: direct comparison)"
            }
            Quirk::SortDirIgnored => "sort_dir is ignored, always descending (seed 003 Sorting: asc and desc)",
            Quirk::SizeMinExclusive => {
                "size_min leaves out an image of exactly that size (seed 003 Filtering: size_min/size_max)"
            }
            Quirk::NegativeLimit200 => {
                "a negative or non-integer limit is read as the default instead of 400 (Glance: 400)"
            }
            Quirk::NoAuth => "requests without a valid token are served as if authenticated (401 expected)",
            Quirk::UnknownSortKey200 => "an unknown sort_key is ignored, default order served (Glance: 400)",
            Quirk::DefaultOrderAsc => {
                "without sort parameters the list is oldest first (seed 003 Sorting: created_at desc)"
            }
            Quirk::ComputeNextOnLastPage => {
                "compute: the last page's images_links next points at the page itself (an endless walk; seeds 000/001 limit+marker)"
            }
            Quirk::ComputeDetailMissingOne => {
                "compute: /images/detail lists one image fewer than /images (seed 002 vs 000)"
            }
            Quirk::ComputeChangesSinceIgnoresOffset => {
                "compute: changes-since ignores the ±hh:mm offset and reads the time as UTC (seed 001 changes-since)"
            }
            Quirk::ComputeWrongTenant200 => {
                "compute: another tenant's id in the path is served (seed 001: 400 badRequest)"
            }
            Quirk::ComputeStatusLowercase => {
                "compute: detail shows Glance's lower-case status (seed 002: ACTIVE, SAVING, ...)"
            }
            Quirk::ImsDefaultPage1000 => "ims: without limit a page holds up to 1000 images (seed 004: 25 by default)",
            Quirk::ImsPlatformFilterIgnored => "ims: the __platform filter is ignored (seed 004 __platform)",
            Quirk::ImsCreatedAtGtAsGte => {
                "ims: created_at=gt: keeps images created exactly at the time (seed 004 created_at operators)"
            }
            Quirk::LimitIgnored => {
                "the limit parameter is ignored: every page holds 25 images (seed 003 Pagination: limit sets the page size)"
            }
            Quirk::PageGap => {
                "the page after a marker skips one image: a walk misses images (seed 003 Pagination: marker is the last-seen image)"
            }
            Quirk::DuplicateInPage => {
                "the first page repeats its first image at its end (seed 003: a list of images; ids are unique)"
            }
            Quirk::InvalidToken403 => {
                "a token no one issued gets 403 instead of 401 (Keystone: 401 for an invalid token)"
            }
            Quirk::NameFilterSubstring => {
                "name= matches any name containing the value (seed 003 Filtering: direct comparison)"
            }
            Quirk::SizeAsString => "size is a JSON string instead of an integer (Glance's image schema: integer)",
            Quirk::DatetimeWithoutZone => "created_at and updated_at carry no zone (Glance's image schema: date-time)",
            Quirk::MissingVisibility => {
                "some images lack the visibility field (seed 003 example: every image has visibility)"
            }
            Quirk::SelfLinkOtherImage => {
                "an image's self link names another image (seed 003 example: self is /v2/images/{id})"
            }
            Quirk::HtmlContentType => "the list is served as text/html (a JSON API: application/json)",
            Quirk::ErrorBodyNotJson => {
                "errors are plain text even when the client accepts only JSON (Glance with Accept: application/json: JSON)"
            }
            Quirk::SecondPageOtherOrder => {
                "pages after a marker come in ascending id order instead of the requested order (seed 003 Sorting)"
            }
            Quirk::NextNeverEnds => {
                "the last page links to an empty page with a new made-up marker, forever (seed 003 Pagination: next ends)"
            }
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Quirk {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Quirk::all().iter().copied().find(|q| q.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Quirk::all().iter().map(|q| q.name()).collect();
            format!("unknown quirk `{s}` (known: {})", names.join(", "))
        })
    }
}
