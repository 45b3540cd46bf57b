//! Walks the directives of a file and of what it includes, keeping the log ones.
//!
//! Blocks are kept on a stack rather than by recursion, so no text can
//! overflow the call stack; only includes recurse, at most `MAX_DEPTH` deep.
//! Each file must close its own blocks, as in nginx. The Lua code of
//! OpenResty's `*_by_lua_block` is skipped as OpenResty reads it.

use std::path::{Path, PathBuf};

use super::directive::{self, Place};
use super::token::{Directive, Event, Lexer, SyntaxError};
use super::{Included, NginxConf, NginxError};

/// How deep includes may nest (the main file is depth 1).
const MAX_DEPTH: usize = 32;
/// How many files may be read in all, so that includes that reach one file
/// by many names cannot take exponential time.
const MAX_FILES: usize = 100_000;

/// Blocks whose contents are not collected (see the module docs).
const IGNORED_BLOCKS: &[&str] = &[
    "stream",
    "mail",
    "map",
    "geo",
    "types",
    "split_clients",
    "charset_map",
    "match",
];

/// Whether the directives of a block with this name are collected.
fn block_collects(name: &str) -> bool {
    !IGNORED_BLOCKS.contains(&name)
}

/// The state of one parse: what was collected and which files are open.
pub(super) struct Walker<'r> {
    conf: NginxConf,
    include: &'r mut dyn FnMut(&str) -> Vec<Included>,
    /// The files being read, the main one first.
    open: Vec<PathBuf>,
    files_read: usize,
}

/// A block being read: whether it collects, and the line of its `{`.
struct Block {
    collects: bool,
    line: usize,
}

impl<'r> Walker<'r> {
    pub fn new(include: &'r mut dyn FnMut(&str) -> Vec<Included>) -> Walker<'r> {
        let conf = NginxConf {
            formats: directive::builtin_formats(),
            access_logs: Vec::new(),
            warnings: Vec::new(),
        };
        Walker {
            conf,
            include,
            open: Vec::new(),
            files_read: 0,
        }
    }

    /// Reads the main file and returns all that was collected.
    pub fn run(mut self, text: &str, source: &Path) -> Result<NginxConf, NginxError> {
        self.file(text, source, true)?;
        directive::check_formats(&mut self.conf);
        Ok(self.conf)
    }

    /// Reads one file, whose top level collects when `collects`.
    fn file(&mut self, text: &str, path: &Path, collects: bool) -> Result<(), NginxError> {
        self.open.push(path.to_path_buf());
        self.files_read += 1;
        let mut lexer = Lexer::new(text);
        let mut blocks: Vec<Block> = Vec::new();
        loop {
            let event = lexer.next_event().map_err(|e| syntax_error(path, e))?;
            let collects = blocks.last().map_or(collects, |b| b.collects);
            match event {
                Event::Directive(d) if d.block && d.words[0].ends_with("_by_lua_block") => {
                    lexer.skip_lua_block().map_err(|e| syntax_error(path, e))?;
                }
                Event::Directive(d) if d.block => {
                    check_block(&d, path)?;
                    let collects = collects && block_collects(&d.words[0]);
                    blocks.push(Block { collects, line: d.line });
                }
                Event::Directive(d) => self.directive(&d, path, collects)?,
                Event::BlockEnd => {
                    if blocks.pop().is_none() {
                        return Err(error(path, lexer.line(), "unexpected \"}\""));
                    }
                }
                Event::Eof => break,
            }
        }
        if let Some(block) = blocks.last() {
            let message = format!(
                "unexpected end of file, expecting \"}}\" for the block of line {}",
                block.line
            );
            return Err(error(path, lexer.line(), &message));
        }
        self.open.pop();
        Ok(())
    }

    /// One directive ended by `;`.
    fn directive(&mut self, d: &Directive, path: &Path, collects: bool) -> Result<(), NginxError> {
        let at = Place {
            file: path,
            line: d.line,
        };
        match d.words[0].as_str() {
            "include" => self.include(&d.words, &at, collects)?,
            "log_format" if collects => directive::log_format(&mut self.conf, &d.words, &at),
            "access_log" if collects => directive::access_log(&mut self.conf, &d.words, &at),
            _ => {}
        }
        Ok(())
    }

    /// Reads the files an include stands for, in the context of the include.
    fn include(&mut self, words: &[String], at: &Place, collects: bool) -> Result<(), NginxError> {
        let [_, pattern] = words else {
            self.warn(at, "include takes one pattern: skipped");
            return Ok(());
        };
        if self.open.len() >= MAX_DEPTH {
            self.warn(
                at,
                &format!("include \"{pattern}\" is nested more than {MAX_DEPTH} deep: skipped"),
            );
            return Ok(());
        }
        for (file, text) in (self.include)(pattern) {
            let shown = file.display();
            match text {
                Err(why) => self.warn(at, &format!("cannot read {shown}, included as \"{pattern}\": {why}")),
                Ok(_) if self.open.contains(&file) => {
                    self.warn(at, &format!("{shown} includes itself through \"{pattern}\": skipped"));
                }
                Ok(_) if self.files_read >= MAX_FILES => {
                    self.warn(at, &format!("more than {MAX_FILES} files included: {shown} skipped"));
                }
                Ok(text) => self.file(&text, &file, collects)?,
            }
        }
        Ok(())
    }

    fn warn(&mut self, at: &Place, message: &str) {
        self.conf.warnings.push(at.sentence(message));
    }
}

/// The directives this module knows as simple ones cannot open a block.
fn check_block(d: &Directive, path: &Path) -> Result<(), NginxError> {
    let name = d.words[0].as_str();
    if matches!(name, "include" | "log_format" | "access_log") {
        let message = format!("directive \"{name}\" is not terminated by \";\"");
        return Err(error(path, d.line, &message));
    }
    Ok(())
}

fn syntax_error(path: &Path, e: SyntaxError) -> NginxError {
    error(path, e.line, &e.message)
}

fn error(path: &Path, line: usize, message: &str) -> NginxError {
    NginxError {
        file: path.to_path_buf(),
        line: Some(line),
        message: message.to_string(),
        kind: None,
    }
}
