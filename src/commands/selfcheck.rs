//! `imgconform selfcheck`: the suite against the clean mock and against each quirk.

use crate::cli::SelfcheckArgs;
use crate::exit_codes;
use crate::selfcheck;

pub fn selfcheck(args: &SelfcheckArgs) -> u8 {
    let suite = match super::load_or_report(&args.input) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let report = match rt.block_on(selfcheck::selfcheck(suite)) {
        Ok(r) => r,
        Err(e) => {
            crate::errln!("imgconform selfcheck: {e:#}");
            return exit_codes::TOOL_FAILED;
        }
    };
    if let Err(code) = super::emit_report(&args.format, &report, || report.render_text()) {
        return code;
    }
    if report.ok() {
        exit_codes::SUCCESS
    } else {
        exit_codes::CASES_FAILED
    }
}
