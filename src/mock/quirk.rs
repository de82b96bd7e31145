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
