//! Reporters: how verdicts leave the process. Every text passes through the run's redactor.
//!
//! - `text`: one case's verdict, findings and evidence for humans (libtest failure blocks,
//!   JUnit bodies);
//! - `summary`: the lines printed after libtest's own (warnings, the verdict counts);
//! - `junit`: the JUnit XML file.

mod json;
mod junit;
mod sanitize;
mod summary;
mod text;

pub use json::write_json;
pub use junit::write_junit;
pub use sanitize::xml_safe;
pub use summary::{Counts, print_summary};
pub use text::render_outcome;

use crate::model::Level;
use crate::verdict::Outcome;

/// A case's result with the facts reporters show about it.
#[derive(Clone, Debug)]
pub struct CaseRecord {
    pub id: String,
    pub title: String,
    pub profile: String,
    pub level: Level,
    /// The inventory requirements the case checks.
    pub requirements: Vec<String>,
    /// `003_b48025eb92be26ba.txt § Pagination`.
    pub spec: String,
    pub quote: String,
    pub note: Option<String>,
    /// `file:line:column` of the case.
    pub source: String,
    pub outcome: Outcome,
}

impl CaseRecord {
    /// `image-v2.pagination` for `image-v2/pagination/limit-1-walk`: JUnit's classname.
    pub fn classname(&self) -> String {
        let mut parts: Vec<&str> = self.id.split('/').collect();
        parts.pop();
        parts.join(".")
    }
}
