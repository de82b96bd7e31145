//! `imgconform selfcheck`: the suite against the clean mock and against each quirk.

use crate::cli::SelfcheckArgs;
use crate::exit_codes;
use crate::selfcheck;

pub fn selfcheck(args: &SelfcheckArgs) -> u8 {
    let suite = match super::load_or_report(&args.input) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("imgconform: cannot start the async runtime: {e}");
            return exit_codes::TOOL_FAILED;
        }
    };
    let report = match rt.block_on(selfcheck::selfcheck(suite)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("imgconform selfcheck: {e:#}");
            return exit_codes::TOOL_FAILED;
        }
    };
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
    if report.ok() {
        exit_codes::SUCCESS
    } else {
        exit_codes::CASES_FAILED
    }
}
