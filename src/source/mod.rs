//! Source positions and the one way problems in input files are shown.
//!
//! Every diagnostic about an input file (case, profile, endpoint kind, schema, baseline,
//! clouds.yaml) is a [`Diagnostic`]: a kind, a position, the key path of the offending node
//! (`cases[3].expect[0].status[0]`), the message and, once [`Diagnostics::attach_sources`] has
//! seen the file, the source line that [`render`] shows with carets under the span, as Hurl
//! does. `lint` and `run` print the same text.

mod json_pointer;
mod render;

pub use json_pointer::locate_json_pointer;
pub use render::{render, render_source_line};

use std::fmt;

/// A 1-based position in an input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub fn new(line: u32, column: u32) -> Self {
        Pos {
            line: line.max(1),
            column: column.max(1),
        }
    }

    /// The position of a serde-saphyr location (already 1-based).
    pub fn from_yaml(loc: &serde_saphyr::Location) -> Self {
        Pos::new(loc.line() as u32, loc.column() as u32)
    }
}

/// How many characters a serde-saphyr location covers (at least one caret).
pub fn yaml_len(loc: &serde_saphyr::Location) -> u32 {
    (loc.span().len() as u32).max(1)
}

/// What kind of problem a diagnostic reports; shown as `error[kind]` and usable by tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagKind {
    /// The file cannot be read (missing, unreadable, not a directory, a symlink loop).
    Io,
    /// The text is not YAML or JSON.
    Syntax,
    /// The document does not have the shape of its format (unknown field, wrong type).
    Shape,
    /// A name is defined twice (case id, requirement id, endpoint kind).
    Duplicate,
    /// A reference to something that does not exist (schema, profile, requirement, variable).
    Reference,
    /// A rule of the case format is broken (a read-only method, a walk that is not a GET).
    Rule,
    /// A JSON Schema that does not compile or whose `$ref` does not resolve.
    Schema,
}

impl DiagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiagKind::Io => "io",
            DiagKind::Syntax => "syntax",
            DiagKind::Shape => "shape",
            DiagKind::Duplicate => "duplicate",
            DiagKind::Reference => "reference",
            DiagKind::Rule => "rule",
            DiagKind::Schema => "schema",
        }
    }
}

/// One problem in one input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub kind: DiagKind,
    /// The file as the user would name it: a path on disk, or `<embedded>/cases/...`.
    pub file: String,
    pub pos: Pos,
    /// Characters under the carets, from `pos` (at least 1).
    pub len: u32,
    /// Where in the document: `cases[3].expect[0].status[0]`, or a JSON pointer for schemas.
    pub key_path: Option<String>,
    pub message: String,
    /// A suggestion, shown as `= hint: …`.
    pub hint: Option<String>,
    /// The text of line `pos.line`, attached when the file's text is known.
    pub source_line: Option<String>,
    /// When this problem only follows from another one (a case naming a schema that did not
    /// compile), the cause's one-line summary: such problems are folded into one line.
    pub consequence_of: Option<String>,
}

impl Diagnostic {
    pub fn new(file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            kind: DiagKind::Rule,
            file: file.into(),
            pos,
            len: 1,
            key_path: None,
            message: message.into(),
            hint: None,
            source_line: None,
            consequence_of: None,
        }
    }
    pub fn kind(mut self, kind: DiagKind) -> Self {
        self.kind = kind;
        self
    }
    pub fn len(mut self, len: u32) -> Self {
        self.len = len.max(1);
        self
    }
    pub fn at_key(mut self, path: impl Into<String>) -> Self {
        let p = path.into();
        self.key_path = (!p.is_empty()).then_some(p);
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn consequence_of(mut self, cause: impl Into<String>) -> Self {
        self.consequence_of = Some(cause.into());
        self
    }
    /// `file:line:column`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.pos.line, self.pos.column)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render(self))
    }
}

/// All problems found while loading; loading reports every one it can find, not just the first.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Causes first (in file order), so the real error is read before what follows from it.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (a.consequence_of.is_some(), &a.file, a.pos, &a.message).cmp(&(
                b.consequence_of.is_some(),
                &b.file,
                b.pos,
                &b.message,
            ))
        });
        self.0.dedup();
    }
    /// Fills in each diagnostic's source line from the files' texts (`file` → text).
    pub fn attach_sources<'a>(&mut self, text_of: impl Fn(&str) -> Option<&'a str>) {
        for d in &mut self.0 {
            if d.source_line.is_none()
                && let Some(text) = text_of(&d.file)
            {
                d.source_line = text.lines().nth(d.pos.line as usize - 1).map(str::to_string);
            }
        }
    }
    /// The causes, one block each (consequences are counted, not repeated).
    pub fn causes(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.consequence_of.is_none())
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.causes() {
            writeln!(f, "{}\n", render(d))?;
        }
        // Follow-on problems: one line per cause, naming where they are.
        let mut folded: Vec<(&str, Vec<&Diagnostic>)> = Vec::new();
        for d in self.0.iter().filter(|d| d.consequence_of.is_some()) {
            let cause = d.consequence_of.as_deref().unwrap_or_default();
            match folded.iter_mut().find(|(c, _)| *c == cause) {
                Some((_, list)) => list.push(d),
                None => folded.push((cause, vec![d])),
            }
        }
        for (cause, list) in &folded {
            let first = list[0];
            writeln!(
                f,
                "note: {} more problem(s) follow from {cause} (first at {}: {})\n",
                list.len(),
                first.location(),
                first.message
            )?;
        }
        let causes = self.causes().count();
        let follow = self.0.len() - causes;
        if follow > 0 {
            write!(
                f,
                "{causes} problem(s) in the input (and {follow} that follow from them); nothing was run"
            )
        } else {
            write!(f, "{causes} problem(s) in the input; nothing was run")
        }
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consequences_come_after_their_cause_folded_into_one_line() {
        let mut d = Diagnostics::default();
        for n in 1..=3 {
            d.push(
                Diagnostic::new("cases/a.yaml", Pos::new(n, 1), "unknown schema `x`")
                    .kind(DiagKind::Reference)
                    .consequence_of("the schema `x` that does not compile"),
            );
        }
        d.push(Diagnostic::new("schemas/x.json", Pos::new(2, 3), "schema does not compile").kind(DiagKind::Schema));
        d.sort();
        let text = d.to_string();
        let cause = text.find("schema does not compile").unwrap();
        let note = text.find("note: 3 more problem(s) follow").unwrap();
        assert!(cause < note, "{text}");
        assert_eq!(text.matches("unknown schema").count(), 1, "{text}");
        assert!(text.ends_with("1 problem(s) in the input (and 3 that follow from them); nothing was run"));
    }
}
