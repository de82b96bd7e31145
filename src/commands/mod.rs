//! One module per subcommand; each returns the process exit code.

pub mod baseline;
pub mod cleanup;
pub mod coverage;
pub mod lint;
pub mod mock;
pub mod run;
pub mod selfcheck;
pub mod shell;

use crate::cli::InputArgs;
use crate::exit_codes;
use crate::loader::{LoadOptions, Suite};

pub(crate) fn load_options(input: &InputArgs) -> LoadOptions {
    LoadOptions {
        cases_dir: input.cases.clone(),
        add_cases: input.add_cases.clone(),
        schemas_dir: input.schemas.clone(),
        add_schemas: input.add_schemas.clone(),
    }
}

/// Loads the suite or prints every problem (`file:line:column: …`) to stderr.
pub(crate) fn load_or_report(input: &InputArgs) -> Result<Suite, u8> {
    crate::loader::load(&load_options(input)).map_err(|diags| {
        crate::errln!("{diags}");
        exit_codes::BAD_INPUT
    })
}

/// Writes to stdout; a closed pipe (`imgconform coverage | head`) ends the output quietly, as
/// command-line tools do, instead of panicking like `print!`.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// The runtime of a subcommand: two workers are plenty, since everything waits on the network.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            crate::errln!("imgconform: cannot start the async runtime: {e}");
            exit_codes::TOOL_FAILED
        })
}

/// Prints a report as pretty JSON (`--format json`) or as its text.
pub(crate) fn emit_report<T: serde::Serialize>(
    format: &str,
    report: &T,
    text: impl FnOnce() -> String,
) -> Result<(), u8> {
    if format == "json" {
        let value = serde_json::to_value(report).map_err(|e| {
            crate::errln!("imgconform: {e}");
            exit_codes::TOOL_FAILED
        })?;
        let json = serde_json::to_string_pretty(&crate::report::versioned(value)).map_err(|e| {
            crate::errln!("imgconform: {e}");
            exit_codes::TOOL_FAILED
        })?;
        emit(&format!("{json}\n"));
    } else {
        emit(&text());
    }
    Ok(())
}
