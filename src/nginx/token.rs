//! nginx's tokenizer, after `ngx_conf_read_token` in `ngx_conf_file.c`.
//!
//! The text is cut into words. A run of words ends with `;` (a simple
//! directive) or `{` (a block opens); `}` alone closes a block. The rules,
//! each as nginx has them:
//!
//! - Words are separated by spaces, tabs, CR and LF. `#` at the start of a
//!   word starts a comment to the end of the line; inside a word it is a
//!   plain character (`a#b` is one word).
//! - A word that starts with `'` or `"` runs to the same quote. After the
//!   closing quote must come a space, `;`, `{` or `)`: `"a"b` is an error. A
//!   quote inside a bare word is a plain character (`a"b` is one word).
//! - A backslash protects the next byte, so `\"` does not end a quoted word
//!   and `\;` does not end a bare one. In the word itself `\"`, `\'` and `\\`
//!   become the character, `\t`, `\r` and `\n` the control characters, and
//!   any other `\x` stays as written (`\d` in a regex is `\d`).
//! - A bare word ends at a space, `;` or `{`, except that `{` right after `$`
//!   belongs to the word (`${name}`); `}` inside a word is a plain character.
//!
//! nginx also refuses a word longer than its 4 KiB read buffer; this reader
//! does not, since it only reads configurations that nginx has accepted.

/// What the next words of the text are.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Event {
    /// Words ended by `;`, or by `{` when `block` (a block opens).
    Directive(Directive),
    /// A `}` alone.
    BlockEnd,
    /// The end of the text, outside any word.
    Eof,
}

/// One directive's words (the first is its name), as nginx passes them on.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Directive {
    pub words: Vec<String>,
    /// The line of the first word.
    pub line: usize,
    pub block: bool,
}

/// A text nginx would refuse, with the line it would name.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// Reads events from a text, one at a time.
pub(super) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Lexer<'a> {
        Lexer { text, pos: 0, line: 1 }
    }

    /// The next directive, `}` or the end.
    pub fn next_event(&mut self) -> Result<Event, SyntaxError> {
        let mut words = Vec::new();
        let mut line = self.line;
        loop {
            self.skip_blanks();
            let Some(c) = self.peek() else {
                return if words.is_empty() {
                    Ok(Event::Eof)
                } else {
                    Err(self.eof_error())
                };
            };
            match c {
                b';' | b'{' if words.is_empty() => return Err(self.unexpected()),
                b'}' if !words.is_empty() => return Err(self.unexpected()),
                b';' | b'{' => {
                    self.bump();
                    let block = c == b'{';
                    return Ok(Event::Directive(Directive { words, line, block }));
                }
                b'}' => {
                    self.bump();
                    return Ok(Event::BlockEnd);
                }
                _ => {
                    if words.is_empty() {
                        line = self.line;
                    }
                    words.push(self.word()?);
                }
            }
        }
    }

    /// Moves past the Lua code of a `*_by_lua_block {` and its `}`, as
    /// OpenResty reads it: braces count outside Lua strings and comments.
    pub fn skip_lua_block(&mut self) -> Result<(), SyntaxError> {
        let opened = self.line;
        let mut depth = 0usize;
        while let Some(c) = self.bump() {
            match c {
                b'{' => depth += 1,
                b'}' if depth == 0 => return Ok(()),
                b'}' => depth -= 1,
                b'"' | b'\'' => self.skip_lua_string(c),
                b'[' => self.skip_long_bracket(),
                b'-' if self.peek() == Some(b'-') => {
                    self.bump();
                    self.skip_lua_comment();
                }
                _ => {}
            }
        }
        let message = format!("unexpected end of file, expecting \"}}\" for the Lua block of line {opened}");
        Err(SyntaxError {
            line: self.line,
            message,
        })
    }

    /// After an opening quote: to the same quote, past backslash escapes.
    fn skip_lua_string(&mut self, quote: u8) {
        while let Some(c) = self.bump() {
            if c == b'\\' {
                self.bump();
            } else if c == quote {
                return;
            }
        }
    }

    /// After `[`: a long string `[==[ ... ]==]` if one opens here.
    fn skip_long_bracket(&mut self) {
        let bytes = self.text.as_bytes();
        let rest = &bytes[self.pos..];
        let level = rest.iter().take_while(|&&c| c == b'=').count();
        if rest.get(level) != Some(&b'[') {
            return;
        }
        let body = self.pos + level + 1;
        let close = format!("]{}]", "=".repeat(level));
        let end =
            memchr::memmem::find(&bytes[body..], close.as_bytes()).map_or(bytes.len(), |at| body + at + close.len());
        self.line += memchr::memchr_iter(b'\n', &bytes[self.pos..end]).count();
        self.pos = end;
    }

    /// After `--`: a long comment `--[[ ... ]]`, or one to the end of the line.
    fn skip_lua_comment(&mut self) {
        if self.peek() == Some(b'[') {
            let before = self.pos;
            self.bump();
            self.skip_long_bracket();
            if self.pos > before + 1 {
                return;
            }
        }
        while self.peek().is_some_and(|c| c != b'\n') {
            self.bump();
        }
    }

    /// Spaces and comments before a word.
    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'#' {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.bump();
                }
            } else if is_space(c) {
                self.bump();
            } else {
                return;
            }
        }
    }

    fn word(&mut self) -> Result<String, SyntaxError> {
        match self.peek() {
            Some(quote @ (b'"' | b'\'')) => self.quoted_word(quote),
            _ => self.bare_word(),
        }
    }

    /// A word that starts with a quote; the quotes are not part of it.
    fn quoted_word(&mut self, quote: u8) -> Result<String, SyntaxError> {
        let opened = self.line;
        self.bump();
        let start = self.pos;
        loop {
            let Some(c) = self.bump() else {
                let q = quote as char;
                let message = format!("unexpected end of file, expecting the {q} that closes the {q} of line {opened}");
                return Err(SyntaxError {
                    line: self.line,
                    message,
                });
            };
            if c == b'\\' {
                self.bump();
            } else if c == quote {
                break;
            }
        }
        let word = unescape(&self.text.as_bytes()[start..self.pos - 1]);
        match self.peek() {
            Some(c) if !is_space(c) && !matches!(c, b';' | b'{' | b')') => Err(self.unexpected()),
            _ => Ok(word),
        }
    }

    /// A word without quotes: up to a space, `;` or `{` (but `${` goes on).
    fn bare_word(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        let mut variable = false;
        loop {
            let c = self.peek().ok_or_else(|| self.eof_error())?;
            if is_space(c) || c == b';' || (c == b'{' && !variable) {
                break;
            }
            self.bump();
            if c == b'\\' && self.bump().is_none() {
                return Err(self.eof_error());
            }
            // As in nginx: `$` arms it, `{` keeps it armed, anything else (even `\x`) disarms it.
            variable = c == b'$' || (c == b'{' && variable);
        }
        Ok(unescape(&self.text.as_bytes()[start..self.pos]))
    }

    /// The line of the current position.
    pub fn line(&self) -> usize {
        self.line
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Moves past one byte, counting lines.
    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn eof_error(&self) -> SyntaxError {
        let message = "unexpected end of file, expecting \";\" or \"}\"".to_string();
        SyntaxError {
            line: self.line,
            message,
        }
    }

    /// The character at the current position is not allowed there.
    fn unexpected(&self) -> SyntaxError {
        let c = self.text.get(self.pos..).and_then(|rest| rest.chars().next());
        let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
        SyntaxError {
            line: self.line,
            message: format!("unexpected \"{c}\""),
        }
    }
}

/// A word's escapes resolved, as nginx copies a word out of its buffer.
fn unescape(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&c) = raw.get(i) {
        let resolved = match raw.get(i + 1) {
            Some(&next @ (b'"' | b'\'' | b'\\')) if c == b'\\' => Some(next),
            Some(b't') if c == b'\\' => Some(b'\t'),
            Some(b'r') if c == b'\\' => Some(b'\r'),
            Some(b'n') if c == b'\\' => Some(b'\n'),
            _ => None,
        };
        match resolved {
            Some(r) => {
                out.push(r);
                i += 2;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    // Only ASCII bytes were removed or replaced, so the text stays UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
