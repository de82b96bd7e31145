//! Rendering a diagnostic the way Hurl and rustc do: the kind and message, `--> file:line:col`,
//! the source line with carets under the span, and the key path and hint as notes.
//!
//! ```text
//! error[shape]: unknown field `colour`, expected one of id, title, …
//!   --> cases/image-v2/case.yaml:8:5
//!    |
//!  8 |     colour: red
//!    |     ^^^^^^
//!    = key: cases[0].colour
//! ```

use std::fmt::Write as _;

use super::Diagnostic;

/// The full, multi-line rendering of one diagnostic.
pub fn render(d: &Diagnostic) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "error[{}]: {}", d.kind.as_str(), d.message);
    let gutter = d.pos.line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(s, "{pad} --> {}", d.location());
    if let Some(line) = &d.source_line {
        let _ = writeln!(s, "{pad} |");
        for l in render_source_line(d.pos.line, line, d.pos.column, d.len).lines() {
            let _ = writeln!(s, "{l}");
        }
    }
    if let Some(k) = &d.key_path {
        let _ = writeln!(s, "{pad} = key: {k}");
    }
    if let Some(h) = &d.hint {
        let _ = writeln!(s, "{pad} = hint: {h}");
    }
    s.trim_end().to_string()
}

/// `NN | text` and `   |   ^^^` under columns `column .. column + len` (1-based, in characters).
/// Tabs are kept so the carets line up under them; long lines are cut around the span.
pub fn render_source_line(line_no: u32, text: &str, column: u32, len: u32) -> String {
    const MAX: usize = 160;
    let chars: Vec<char> = text.chars().collect();
    let start = (column.max(1) as usize - 1).min(chars.len());
    let len = (len.max(1) as usize).min(chars.len().saturating_sub(start).max(1));
    // Cut a very long line (a one-line JSON schema) to a window around the span.
    let (from, ellipsis) = if chars.len() > MAX && start > MAX / 2 {
        (start - MAX / 2, true)
    } else {
        (0, false)
    };
    let to = chars.len().min(from + MAX);
    let shown: String = chars[from..to].iter().collect();
    let lead: String = chars[from..start]
        .iter()
        .map(|c| if *c == '\t' { '\t' } else { ' ' })
        .collect();
    let gutter = line_no.to_string();
    let pad = " ".repeat(gutter.len());
    let dots = if ellipsis { "…" } else { "" };
    let dots_pad = if ellipsis { " " } else { "" };
    format!(
        "{gutter} | {dots}{shown}\n{pad} | {dots_pad}{lead}{}",
        "^".repeat(len.min(MAX))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{DiagKind, Pos};

    #[test]
    fn shows_the_line_with_carets_the_key_and_the_hint() {
        let mut d = Diagnostic::new("cases/x.yaml", Pos::new(8, 5), "unknown field `colour`")
            .kind(DiagKind::Shape)
            .len(6)
            .at_key("cases[0].colour")
            .hint("did you mean `title`?");
        d.source_line = Some("    colour: red".into());
        assert_eq!(
            render(&d),
            "error[shape]: unknown field `colour`\n  --> cases/x.yaml:8:5\n  |\n8 |     colour: red\n  |     ^^^^^^\n  = key: cases[0].colour\n  = hint: did you mean `title`?"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_span() {
        let line = format!("{}\"bad\"{}", "x".repeat(300), "y".repeat(300));
        let out = render_source_line(1, &line, 301, 5);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].chars().count() < 200, "{out}");
        let caret_at = lines[1].chars().position(|c| c == '^').unwrap();
        let above: String = lines[0].chars().skip(caret_at).take(5).collect();
        assert_eq!(above, "\"bad\"");
    }
}
