//! Cursors: a line's place on disk, opaque to clients, checked by the server.
//!
//! A cursor names a file by identity, never by path: its device and inode
//! and the fingerprint of its first bytes (`state::Head`: how many, and
//! their FNV-1a), and the offset where the line starts (in the uncompressed
//! text of a `.gz` file). On the wire it is 35 bytes in lowercase hex
//! (70 characters): a version byte, then `dev`, `ino`, `head` (8 bytes each,
//! big-endian), `head_len` (2 bytes), `offset` (8 bytes). Anything else is
//! refused with the reason; a well-formed cursor is only taken if one of
//! the stream's history files has that identity now (`files.rs`), so a
//! cursor can name no other file, and a cursor into a file that was
//! rotated by a rename (`access.log` to `access.log.1`) keeps working.

use std::fmt::Write;

const VERSION: u8 = 1;
const BYTES: usize = 35;

/// A line's place: which file (by identity) and where in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub dev: u64,
    pub ino: u64,
    pub head_len: u16,
    pub head: u64,
    pub offset: u64,
}

impl Cursor {
    /// The cursor's text: 70 lowercase hex digits.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(BYTES);
        bytes.push(VERSION);
        bytes.extend(self.dev.to_be_bytes());
        bytes.extend(self.ino.to_be_bytes());
        bytes.extend(self.head.to_be_bytes());
        bytes.extend(self.head_len.to_be_bytes());
        bytes.extend(self.offset.to_be_bytes());
        bytes.iter().fold(String::with_capacity(2 * BYTES), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }

    /// Reads a cursor's text, or says why it is not one.
    pub fn decode(text: &str) -> Result<Cursor, String> {
        if text.len() != 2 * BYTES {
            return Err(format!("a cursor has {} characters, not {}", 2 * BYTES, text.len()));
        }
        let bytes: Vec<u8> = (0..BYTES)
            .map(|i| text.get(2 * i..2 * i + 2).and_then(hex_byte))
            .collect::<Option<_>>()
            .ok_or("a cursor is lowercase hexadecimal")?;
        if bytes[0] != VERSION {
            return Err(format!("unknown cursor version {}", bytes[0]));
        }
        let u64_at = |i: usize| u64::from_be_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let head_len = u16::from_be_bytes([bytes[25], bytes[26]]);
        if u64::from(head_len) > crate::state::HEAD_BYTES {
            return Err("the cursor's fingerprint is too long".to_string());
        }
        Ok(Cursor {
            dev: u64_at(1),
            ino: u64_at(9),
            head: u64_at(17),
            head_len,
            offset: u64_at(27),
        })
    }
}

fn hex_byte(s: &str) -> Option<u8> {
    let lower = s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    lower.then(|| u8::from_str_radix(s, 16).ok())?
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn refusals_say_why() {
        let c = Cursor {
            dev: 1,
            ino: 2,
            head_len: 1024,
            head: 0xabc_def,
            offset: 4,
        };
        let text = c.encode();
        assert_eq!(text.len(), 70);
        assert_eq!(Cursor::decode(&text), Ok(c));
        assert!(Cursor::decode("").unwrap_err().contains("70"));
        assert!(Cursor::decode("/etc/passwd").unwrap_err().contains("characters"));
        assert!(
            Cursor::decode(&text.to_uppercase())
                .unwrap_err()
                .contains("hexadecimal")
        );
        let other_version = format!("02{}", &text[2..]);
        assert!(Cursor::decode(&other_version).unwrap_err().contains("version"));
        let long_head = Cursor { head_len: 1025, ..c }.encode();
        assert!(Cursor::decode(&long_head).unwrap_err().contains("fingerprint"));
        let path = format!("{}{}", "../../../../etc/passwd", &text[22..]);
        assert!(Cursor::decode(&path).is_err());
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(dev: u64, ino: u64, head_len in 0u16..=1024, head: u64, offset: u64) {
            let c = Cursor { dev, ino, head_len, head, offset };
            prop_assert_eq!(Cursor::decode(&c.encode()), Ok(c));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,80}") {
            let _ = Cursor::decode(&s);
        }

        #[test]
        fn arbitrary_hex_never_panics(s in "[0-9a-f]{70}") {
            let _ = Cursor::decode(&s);
        }
    }
}
