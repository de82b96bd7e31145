//! Making any text safe inside XML 1.0: junit-report escapes `<>&"'` but writes control
//! characters and `]]>` (inside CDATA) raw, which yields a malformed file (measured; see
//! `../shared/notes/crates.md` §6). A hostile server controls much of what we report.

/// Strips ANSI CSI sequences, replaces characters XML 1.0 forbids with `\xNN`, and splits
/// `]]>` so that it cannot close a CDATA section.
pub fn xml_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            // CSI: parameters and intermediates up to a final byte in @..~
            for d in chars.by_ref() {
                if ('@'..='~').contains(&d) {
                    break;
                }
            }
            continue;
        }
        let allowed = matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}';
        if allowed {
            out.push(c);
        } else {
            out.push_str(&format!("\\x{:02X}", c as u32));
        }
    }
    out.replace("]]>", "]] >")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_escapes() {
        assert_eq!(xml_safe("a\u{1b}[31mred\u{1b}[0m"), "ared");
        assert_eq!(xml_safe("nul\u{0}vt\u{b}"), "nul\\x00vt\\x0B");
        assert_eq!(xml_safe("x]]>y"), "x]] >y");
        assert_eq!(xml_safe("tab\tnl\n✓"), "tab\tnl\n✓");
        assert_eq!(xml_safe("\u{FFFE}"), "\\xFFFE");
    }
}
