//! `imgconform lint`: load and validate everything, run nothing.

use crate::cli::InputArgs;
use crate::exit_codes;

pub fn lint(input: &InputArgs) -> u8 {
    match super::load_or_report(input) {
        Ok(suite) => {
            let schemas = suite.schemas.names().count();
            super::emit(&format!(
                "ok: {} case(s) in {} profile(s), {schemas} schema(s)\n",
                suite.cases.len(),
                suite.profiles.len()
            ));
            exit_codes::SUCCESS
        }
        Err(code) => code,
    }
}
