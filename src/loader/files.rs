//! Gathering input files from the embedded copy and from directories on disk.

use std::collections::BTreeMap;
use std::path::Path;

use super::LoadOptions;
use crate::source::{DiagKind, Diagnostic, Pos};

/// One input file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics: a disk path, or `<embedded>/cases/...`.
    pub display: String,
    /// The path relative to its root (`cases/` or `schemas/`), with `/` separators.
    pub rel: String,
    pub text: String,
}

/// The folder of `schemas/` that is not loaded (see `Sources::gather`).
pub const REPORT_SCHEMAS: &str = "report/";

/// Files keyed by their path relative to the root, so a later source can override an earlier.
pub type SourceSet = BTreeMap<String, SourceFile>;

#[derive(Debug, Default)]
pub struct Sources {
    pub cases: SourceSet,
    pub schemas: SourceSet,
}

impl Sources {
    /// The text of the input file shown as `display` in diagnostics.
    pub fn text_of(&self, display: &str) -> Option<&str> {
        self.cases
            .values()
            .chain(self.schemas.values())
            .find(|f| f.display == display)
            .map(|f| f.text.as_str())
    }

    pub fn gather(options: &LoadOptions) -> Result<Sources, Diagnostic> {
        let mut sources = Sources::default();
        for (path, text) in super::embedded::FILES {
            let (root, rel) = path.split_once('/').unwrap_or(("", path));
            let file = SourceFile {
                display: format!("<embedded>/{path}"),
                rel: rel.to_string(),
                text: text.to_string(),
            };
            match root {
                // Replacing the cases keeps the shipped profiles and requirement inventory available.
                "cases"
                    if options.cases_dir.is_none()
                        || rel.ends_with("/profile.yaml")
                        || rel.ends_with("/endpoint.yaml")
                        || rel.starts_with("requirements/") =>
                {
                    sources.cases.insert(file.rel.clone(), file);
                }
                "schemas" if options.schemas_dir.is_none() => {
                    sources.schemas.insert(file.rel.clone(), file);
                }
                _ => {}
            }
        }
        for dir in options.cases_dir.iter().chain(&options.add_cases) {
            read_dir(dir, &mut sources.cases)?;
        }
        for dir in options.schemas_dir.iter().chain(&options.add_schemas) {
            read_dir(dir, &mut sources.schemas)?;
        }
        // `schemas/report/` holds the schemas of the tool's own JSON output, not of an API:
        // never a profile schema, also when the source tree's schemas/ is given as a DIR.
        sources.schemas.retain(|rel, _| !rel.starts_with(REPORT_SCHEMAS));
        Ok(sources)
    }
}

fn io_error(path: &Path, what: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new(path.display().to_string(), Pos::new(1, 1), what.to_string()).kind(DiagKind::Io)
}

/// Reads every `.yaml`/`.yml`/`.json` file under `root`. Directories are visited once each by
/// their canonical path, so a symlink loop ends instead of recursing forever.
fn read_dir(root: &Path, out: &mut SourceSet) -> Result<(), Diagnostic> {
    let meta = std::fs::metadata(root).map_err(|e| io_error(root, format!("cannot read directory: {e}")))?;
    if !meta.is_dir() {
        return Err(io_error(root, "not a directory"));
    }
    let mut visited = std::collections::HashSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let canonical =
            std::fs::canonicalize(&dir).map_err(|e| io_error(&dir, format!("cannot read directory: {e}")))?;
        if !visited.insert(canonical) {
            continue;
        }
        let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| io_error(&dir, format!("cannot read directory: {e}")))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(|e| io_error(&dir, format!("cannot read directory: {e}")))?;
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if !matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, format!("cannot read file: {e}")))?;
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(
                rel.clone(),
                SourceFile {
                    display: path.display().to_string(),
                    rel,
                    text,
                },
            );
        }
    }
    Ok(())
}
