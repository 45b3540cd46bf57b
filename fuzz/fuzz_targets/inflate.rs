//! A client's bytes beneath the WebSocket layer (permessage-deflate): any
//! bytes, read in pieces of any size, give an answer or an error, never a
//! panic; every message inflated stays within the bound; and what comes out
//! is made of plain frames only, so reading it again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logmon::parts::inflate_client_bytes;

/// The bound on a message, small so that bombs are found quickly.
const MAX: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some((&step, input)) = data.split_first() else { return };
    let step = usize::from(step % 64) + 1;
    let Ok(out) = inflate_client_bytes(input, step, MAX) else { return };
    assert!(out.len() <= input.len() + (input.len() / 2 + 1) * (MAX + 14), "bounded output");
    let again = inflate_client_bytes(&out, 7, MAX).expect("plain frames pass");
    assert_eq!(again, out, "reading what came out again changes nothing");
    let whole = inflate_client_bytes(input, usize::MAX, MAX).expect("the same bytes in one piece");
    assert_eq!(whole, out, "the pieces' size changes nothing");
});
