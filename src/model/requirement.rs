//! The requirement inventory: every normative statement of the seed documents, one entry each,
//! so coverage can say which are checked, by which cases, and why the rest cannot be.

use serde::Deserialize;

use super::{Level, Spanned};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementFile {
    #[serde(default)]
    pub requirements: Vec<Spanned<Requirement>>,
    /// The seed documents, by file name (usually in `cases/requirements/documents.yaml`).
    #[serde(default)]
    pub documents: Vec<Spanned<Document>>,
}

/// A seed document: its opaque file name, a short name and a title, so that reports can say
/// "Image API v2, List images § Pagination (003_b48025eb92be26ba.txt)".
#[derive(Debug, Deserialize, Clone, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// The file name under the seeds, as profiles, requirements and cases name it.
    pub file: String,
    /// A few words for narrow places (tables): `image list`.
    pub short: String,
    /// What the document is: `Image API v2, List images`.
    pub title: String,
}

impl Document {
    /// `Image API v2, List images § Pagination (003_b48025eb92be26ba.txt)`.
    pub fn cite(&self, section: &str) -> String {
        if section.is_empty() {
            format!("{} ({})", self.title, self.file)
        } else {
            format!("{} § {section} ({})", self.title, self.file)
        }
    }

    /// `image list § Pagination`.
    pub fn cite_short(&self, section: &str) -> String {
        if section.is_empty() {
            self.short.clone()
        } else {
            format!("{} § {section}", self.short)
        }
    }
}

/// A reference to `section` of the document `file`, by title when the inventory knows the
/// document, by file name alone otherwise: `Image API v2, List images § Pagination
/// (003_b48025eb92be26ba.txt)`, or `003_b48025eb92be26ba.txt § Pagination`.
pub fn cite(documents: &std::collections::BTreeMap<String, Document>, file: &str, section: &str) -> String {
    match documents.get(file) {
        Some(d) => d.cite(section),
        None if section.is_empty() => file.to_string(),
        None => format!("{file} § {section}"),
    }
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Stable id, `profile/group/name`.
    pub id: String,
    pub doc: String,
    pub section: String,
    pub quote: String,
    /// Judged from the wording.
    pub level: Level,
    /// The profiles it applies to (where two seeds disagree, each keeps its own entry).
    pub profiles: Vec<String>,
    /// Why no case can check it (SHOULD/MAY only; an uncovered MUST is a hole).
    #[serde(default)]
    pub untestable: Option<String>,
}
