//! Which cases a run selects, as `cargo test` does: filters (any of them, substring or
//! `--exact`), `--skip`, and the cases marked `ignore` (`--ignored`, `--include-ignored`).

use crate::cli::RunArgs;
use crate::loader::LoadedCase;

#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub filters: Vec<String>,
    pub skip: Vec<String>,
    pub exact: bool,
    /// Only the cases marked `ignore`.
    pub ignored_only: bool,
    /// The cases marked `ignore` as well.
    pub include_ignored: bool,
}

impl Selection {
    pub fn from_args(args: &RunArgs) -> Self {
        Selection {
            filters: args.filters.clone(),
            skip: args.skip.clone(),
            exact: args.exact,
            ignored_only: args.ignored,
            include_ignored: args.include_ignored,
        }
    }

    fn matches(&self, pattern: &str, id: &str) -> bool {
        if self.exact {
            id == pattern
        } else {
            id.contains(pattern)
        }
    }

    /// Whether the case is selected by the filters and not skipped (ignored cases included:
    /// they are reported as SKIP with their reason, as libtest lists them as ignored).
    pub fn selects(&self, c: &LoadedCase) -> bool {
        let id = c.id();
        let filtered = self.filters.is_empty() || self.filters.iter().any(|f| self.matches(f, id));
        let skipped = self.skip.iter().any(|s| self.matches(s, id));
        let ignored_left_out = self.ignored_only && c.case.ignore.is_none();
        filtered && !skipped && !ignored_left_out
    }

    /// Whether a selected case runs (a case marked `ignore` runs only when asked for).
    pub fn runs(&self, c: &LoadedCase) -> bool {
        c.case.ignore.is_none() || self.ignored_only || self.include_ignored
    }
}
