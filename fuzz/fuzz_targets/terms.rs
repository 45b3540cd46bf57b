//! Field terms (`filter=` of `/search`): any text either compiles or is
//! refused with a one-line reason, and a compiled filter tests any line of
//! a text, JSON or plain layout without a panic, the same way twice.
//!
//! Input: one byte choosing the layout, the filter text up to the first
//! newline, then the line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logmon::parts::{COMBINED, Escape, Kind, Layout};
use logmon::terms::{Scratch, Terms};

fuzz_target!(|data: &[u8]| {
    let [pick, rest @ ..] = data else { return };
    let Some(cut) = rest.iter().position(|&b| b == b'\n') else { return };
    let Ok(text) = std::str::from_utf8(&rest[..cut]) else { return };
    let line = &rest[cut + 1..];
    let layout = match pick % 3 {
        0 => Layout::text("fuzz", COMBINED, Escape::Default),
        1 => Layout::fieldless("json", Kind::Json),
        _ => Layout::fieldless("plain", Kind::Plain),
    };
    let terms = match Terms::parse(text) {
        Ok(t) => t,
        Err(why) => return assert!(!why.is_empty() && !why.contains('\n'), "{why:?}"),
    };
    let mut scratch = Scratch::default();
    let first = terms.test(&layout, line, &mut scratch);
    assert_eq!(terms.test(&layout, line, &mut scratch), first, "a scratch reused changes nothing");
});
