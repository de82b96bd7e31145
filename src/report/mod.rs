//! Reporters: how a run leaves the process, each one built from the run's events.
//!
//! - `console`: libtest-style live lines, the failure and warning reports, the summary;
//! - `junit`: the JUnit XML file, kept well-formed while the run goes;
//! - `json`: the results file for machines, likewise;
//! - `requests`: one JSON line per answered request (`--requests-log`);
//! - `snapshots`: what changed against the recorded snapshots, and where the new ones are;
//! - `text`: one case's verdict, findings and evidence for humans (console and JUnit bodies).
//!
//! Every text passes through the run's redactor.

mod console;
mod file;
mod json;
mod junit;
mod requests;
mod sanitize;
mod snapshots;
mod text;

pub use crate::events::{CaseRecord, Counts};
pub use console::Console;
pub use file::FileReport;
pub use json::{FORMAT_VERSION as JSON_FORMAT_VERSION, Json, versioned};
pub use junit::Junit;
pub use requests::RequestsLog;
pub use sanitize::xml_safe;
pub use snapshots::Snapshots;
pub use text::render_outcome;

use crate::events::Reporter;
use crate::plan::Plan;
use crate::redact::Redactor;

/// The reporters a plan asks for: the console always, JUnit and JSON when given a path, the
/// snapshot notes when snapshots are compared.
pub fn reporters(plan: &Plan, redactor: &Redactor) -> Vec<Box<dyn Reporter>> {
    let mut out: Vec<Box<dyn Reporter>> = vec![Box::new(Console::new(
        plan.console.format,
        plan.console.color,
        redactor.clone(),
    ))];
    if let Some(p) = &plan.reports.junit {
        out.push(Box::new(FileReport::new(p.clone(), redactor.clone(), Junit)));
    }
    if let Some(p) = &plan.reports.json {
        out.push(Box::new(FileReport::new(p.clone(), redactor.clone(), Json)));
    }
    if let Some(p) = &plan.reports.requests_log {
        out.push(Box::new(RequestsLog::new(p.clone(), redactor.clone())));
    }
    if plan.snapshots.mode != crate::snapshot::Mode::Off {
        out.push(Box::new(Snapshots::new(plan.snapshots.clone())));
    }
    out
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so a reader (or
/// a run killed mid-write) never sees half a file.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.imgconform-tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Checks, before the run, that a report can be written at `path` (its directory exists and is
/// writable): a typo in `--junit` is bad input, not a lost report after an hour's run.
pub fn check_writable(path: &std::path::Path) -> Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if path.is_dir() {
        return Err(format!("{} is a directory", path.display()));
    }
    if !dir.is_dir() {
        return Err(format!(
            "{}: the directory {} does not exist",
            path.display(),
            dir.display()
        ));
    }
    let probe = dir.join(format!(".imgconform-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| format!("{}: cannot write in {}: {e}", path.display(), dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}
