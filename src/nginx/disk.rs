//! The disk side of `read`: file texts, and include patterns resolved as nginx does.
//!
//! nginx takes a relative include from its conf prefix (the directory of the
//! main file) and expands a pattern with `*`, `?` or `[` with glob(3):
//! sorted, `*` stopping at `/`, a leading `.` matched only by a `.`. A glob
//! that matches nothing is fine; a plain name must exist.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::Included;

/// The largest configuration file read: any real one is far smaller.
const MAX_FILE_BYTES: u64 = 16 << 20;

/// A file's text; bytes that are not UTF-8 (in a comment, say) are replaced.
pub(super) fn read_text(path: &Path) -> io::Result<String> {
    let mut bytes = Vec::new();
    File::open(path)?.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let message = format!("larger than {} MiB", MAX_FILE_BYTES >> 20);
        return Err(io::Error::new(io::ErrorKind::InvalidData, message));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// The files an include pattern stands for, each with its text.
pub(super) fn resolve(prefix: &Path, pattern: &str) -> Vec<Included> {
    if !pattern.contains(['*', '?', '[']) {
        let path = prefix.join(pattern);
        let text = read_text(&path).map_err(|e| e.to_string());
        return vec![(path, text)];
    }
    let prefix = prefix.to_string_lossy();
    let full = if Path::new(pattern).is_absolute() || prefix.is_empty() {
        pattern.to_string()
    } else {
        format!("{}/{pattern}", glob::Pattern::escape(prefix.trim_end_matches('/')))
    };
    expand(&full)
}

/// The files a glob matches, in sorted order.
fn expand(pattern: &str) -> Vec<Included> {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let paths = match glob::glob_with(pattern, options) {
        Ok(paths) => paths,
        Err(e) => return vec![(PathBuf::from(pattern), Err(format!("bad pattern: {e}")))],
    };
    let mut found: Vec<Included> = paths
        .map(|entry| match entry {
            Ok(path) => {
                let text = read_text(&path).map_err(|e| e.to_string());
                (path, text)
            }
            Err(e) => (e.path().to_path_buf(), Err(e.error().to_string())),
        })
        .collect();
    // As glob(3) in the C locale: by the bytes of the whole path.
    found.sort_by(|a, b| {
        a.0.as_os_str()
            .as_encoded_bytes()
            .cmp(b.0.as_os_str().as_encoded_bytes())
    });
    found
}
