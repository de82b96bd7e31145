//! Finding where a JSON pointer lands in a JSON text, so schema problems can name a line.
//!
//! A small scanner rather than a second parser dependency: it only tracks strings, nesting and
//! object keys, which is all a pointer needs.

use super::Pos;

/// Finds where a JSON pointer lands in a JSON text, so schema problems can name a line.
///
/// A small scanner rather than a second parser dependency: it only tracks strings, nesting and
/// object keys, which is all a pointer needs. Returns `None` when the pointer is not found.
pub fn locate_json_pointer(text: &str, pointer: &str) -> Option<Pos> {
    let wanted: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .trim_start_matches('/')
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect()
    };
    let mut scanner = JsonScanner {
        chars: text.char_indices().peekable(),
        line: 1,
        col: 1,
    };
    scanner.skip_ws();
    scanner.find(&wanted)
}

struct JsonScanner<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    line: u32,
    col: u32,
}

impl JsonScanner<'_> {
    fn bump(&mut self) -> Option<char> {
        let (_, c) = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|&(_, c)| c)
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace() || c == ',' || c == ':') {
            self.bump();
        }
    }
    fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }
    fn string(&mut self) -> Option<String> {
        self.bump(); // opening quote
        let mut out = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(out),
                '\\' => {
                    let c = self.bump()?;
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    /// Skips one value of any kind.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            '"' => {
                self.string()?;
            }
            '{' | '[' => {
                let mut depth = 0i32;
                loop {
                    match self.peek()? {
                        '"' => {
                            self.string()?;
                            continue;
                        }
                        '{' | '[' => depth += 1,
                        '}' | ']' => depth -= 1,
                        _ => {}
                    }
                    self.bump();
                    if depth == 0 {
                        break;
                    }
                }
            }
            _ => {
                while matches!(self.peek(), Some(c) if !matches!(c, ',' | '}' | ']') && !c.is_whitespace()) {
                    self.bump();
                }
            }
        }
        Some(())
    }
    fn find(&mut self, rest: &[String]) -> Option<Pos> {
        self.skip_ws();
        let Some((head, tail)) = rest.split_first() else {
            return Some(self.pos());
        };
        match self.peek()? {
            '{' => {
                self.bump();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        '}' => return None,
                        '"' => {
                            let key_pos = self.pos();
                            let key = self.string()?;
                            self.skip_ws();
                            if &key == head {
                                if tail.is_empty() {
                                    return Some(key_pos);
                                }
                                return self.find(tail);
                            }
                            self.skip_value()?;
                        }
                        _ => return None,
                    }
                }
            }
            '[' => {
                let index: usize = head.parse().ok()?;
                self.bump();
                for _ in 0..index {
                    self.skip_ws();
                    if self.peek()? == ']' {
                        return None;
                    }
                    self.skip_value()?;
                }
                self.find(tail)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_keys_and_array_items() {
        let text = "{\n  \"a\": {\"b\": [1, {\"c\": \"x\"}]},\n  \"d\": 2\n}";
        assert_eq!(locate_json_pointer(text, "/d"), Some(Pos::new(3, 3)));
        assert_eq!(locate_json_pointer(text, "/a/b/1/c"), Some(Pos::new(2, 19)));
        assert_eq!(locate_json_pointer(text, "/zz"), None);
        assert_eq!(locate_json_pointer(text, ""), Some(Pos::new(1, 1)));
    }
}
