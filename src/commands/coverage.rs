//! `imgconform coverage`: the requirement inventory and the documented filters against the cases.

use crate::cli::CoverageArgs;
use crate::coverage::Coverage;
use crate::exit_codes;

pub fn coverage(args: &CoverageArgs) -> u8 {
    let suite = match super::load_or_report(&args.input) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let report = Coverage::of(&suite);
    if let Err(code) = super::emit_report(&args.format, &report, || report.render_text(&suite)) {
        return code;
    }
    // An uncovered requirement without a reason, or a documented filter no case checks, is a
    // hole in the catalogue.
    if report.holes().is_empty() && report.filters.holes().is_empty() {
        exit_codes::SUCCESS
    } else {
        exit_codes::CASES_FAILED
    }
}
