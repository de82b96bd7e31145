//! The process exit codes: a contract with CI scripts, so they live in one table.
//!
//! `main` maps every outcome through this table; `--help` prints it and the README mirrors it.

/// Every selected case passed (WARN, SKIP and XFAIL allowed).
pub const SUCCESS: u8 = 0;
/// At least one case FAILed or ERRORed (or an XPASS asks for a baseline entry to go).
pub const CASES_FAILED: u8 = 1;
/// Bad input: a flag, case file, schema or configuration is wrong, or the pre-flight found
/// the target misconfigured (a refused token, a wrong URL). Nothing was run.
pub const BAD_INPUT: u8 = 2;
/// The tool itself could not do its job (the embedded mock could not start, a report could
/// not be written). The verdicts, if any, are incomplete.
pub const TOOL_FAILED: u8 = 3;
/// The filter selected no case at all, which in CI almost always means a typo.
pub const NO_CASE_SELECTED: u8 = 4;
/// Every selected case was skipped: nothing was checked, which is not a pass.
pub const NOTHING_CHECKED: u8 = 4;
/// A run cut short by SIGINT (128 + 2); the reports hold what finished.
pub const INTERRUPTED: u8 = 130;
/// A run cut short by SIGTERM (128 + 15).
pub const TERMINATED: u8 = 143;

/// The exit-code table as printed by `--help` and mirrored in the README.
pub const HELP: &str = "\
Exit codes:
  0  every selected case passed (WARN, SKIP and XFAIL allowed)
  1  at least one case FAILed or ERRORed
  2  bad input (flag, case, schema, config) or a failed pre-flight (refused token, wrong URL,
     TLS, nothing listening); nothing was run (--no-preflight runs the cases anyway)
  3  the tool itself failed (mock could not start, report not written)
  4  the filter selected no case, or every selected case was skipped (nothing was checked)
  130, 143  interrupted by SIGINT / SIGTERM (the reports hold what finished)";
