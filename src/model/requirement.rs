//! The requirement inventory: every normative statement of the seed documents, one entry each,
//! so coverage can say which are checked, by which cases, and why the rest cannot be.

use serde::Deserialize;

use super::{Level, Spanned};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementFile {
    pub requirements: Vec<Spanned<Requirement>>,
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
