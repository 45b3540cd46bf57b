//! gzip files for tests (RFC 1952): a member is a header, the text deflated
//! by miniz_oxide, its CRC-32 and its length. The header may carry a name,
//! a comment and an extra field, the parts a reader must skip.
//!
//! A deflate block ends at least every [`BLOCK`] bytes of text (a partial
//! flush: the boundary falls at any bit of a byte), as zlib's blocks do on
//! varied text, so that a file has access points to index.

use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress_to_output, create_comp_flags_from_zip_params,
};

/// Text bytes after which a deflate block ends.
pub const BLOCK: usize = 24 * 1024;

/// What a member's header holds beyond the fixed ten bytes.
#[derive(Default)]
pub struct Header<'a> {
    pub name: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub extra: Option<&'a [u8]>,
}

/// `text` as one gzip member, deflated at `level` (0–10).
pub fn gzip(text: &[u8], level: u8) -> Vec<u8> {
    member(text, level, &Header::default())
}

/// `text` as one gzip member with the fields of `h` in its header.
pub fn member(text: &[u8], level: u8, h: &Header) -> Vec<u8> {
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    let flags = h.extra.map_or(0, |_| FEXTRA) | h.name.map_or(0, |_| FNAME) | h.comment.map_or(0, |_| FCOMMENT);
    let mut out = vec![0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 255];
    if let Some(extra) = h.extra {
        out.extend((extra.len() as u16).to_le_bytes());
        out.extend(extra);
    }
    for field in [h.name, h.comment].into_iter().flatten() {
        out.extend(field.as_bytes());
        out.push(0);
    }
    deflate(text, level, &mut out);
    out.extend(crc32(text).to_le_bytes());
    out.extend((text.len() as u32).to_le_bytes());
    out
}

/// Appends `text` deflated at `level`, a block ending every [`BLOCK`] bytes.
fn deflate(text: &[u8], level: u8, out: &mut Vec<u8>) {
    let mut d = CompressorOxide::new(create_comp_flags_from_zip_params(level.into(), -15, 0));
    let mut pieces = text.chunks(BLOCK).peekable();
    while let Some(piece) = pieces.next() {
        let flush = if pieces.peek().is_some() {
            TDEFLFlush::Partial
        } else {
            TDEFLFlush::Finish
        };
        let (status, used) = compress_to_output(&mut d, piece, flush, |bytes| {
            out.extend(bytes);
            true
        });
        assert!(status as i32 >= 0 && used == piece.len(), "deflate: {status:?}");
    }
    if text.is_empty() {
        let (status, _) = compress_to_output(&mut d, &[], TDEFLFlush::Finish, |bytes| {
            out.extend(bytes);
            true
        });
        assert_eq!(status, TDEFLStatus::Done);
    }
}

/// The CRC-32 of gzip (the reflected polynomial 0xEDB88320), bit by bit.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[test]
fn crc32_of_the_standard_check_string() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}
