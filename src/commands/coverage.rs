//! `imgconform coverage`: the requirement inventory against the cases.

use crate::cli::CoverageArgs;
use crate::coverage::Coverage;
use crate::exit_codes;

pub fn coverage(args: &CoverageArgs) -> u8 {
    let suite = match super::load_or_report(&args.input) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let report = Coverage::of(&suite);
    if args.format == "json" {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => super::emit(&format!("{s}\n")),
            Err(e) => {
                eprintln!("imgconform: {e}");
                return exit_codes::TOOL_FAILED;
            }
        }
    } else {
        super::emit(&report.render_text());
    }
    // An uncovered requirement without a reason is a hole in the catalogue.
    if report.holes().is_empty() {
        exit_codes::SUCCESS
    } else {
        exit_codes::CASES_FAILED
    }
}
