//! The archive's reader over any bytes. The bytes as a plain rotation and
//! gzipped (one member, or two cut at a byte the input chooses) page back
//! to the same lines, in pages of any size; the bytes themselves named
//! `.gz` (nearly always damaged) page back without a panic or an error,
//! and the paging ends.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use logmon::parts::{COMBINED, Escape, Layout, history_page_back};

/// This process's directory, with one subdirectory a case.
fn dir(case: &str) -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    let root = ROOT.get_or_init(|| std::env::temp_dir().join(format!("logmon-fuzz-archive-{}", std::process::id())));
    let d = root.join(case);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `text` as a gzip member.
fn gzip(text: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend(miniz_oxide::deflate::compress_to_vec(text, 1));
    out.extend(crc32fast::hash(text).to_le_bytes());
    out.extend((text.len() as u32).to_le_bytes());
    out
}

/// Writes an empty current file and `rotated` as `name`; every line paged
/// back from the newest, oldest first.
fn page_all(case: &str, name: &str, rotated: &[u8], limit: usize) -> Vec<String> {
    let d = dir(case);
    for old in std::fs::read_dir(&d).unwrap() {
        std::fs::remove_file(old.unwrap().path()).unwrap();
    }
    std::fs::write(d.join("access.log"), b"").unwrap();
    std::fs::write(d.join(name), rotated).unwrap();
    pages(&d.join("access.log"), limit)
}

fn pages(path: &Path, limit: usize) -> Vec<String> {
    let layout = Layout::text("nginx-combined", COMBINED, Escape::Default);
    let (mut out, mut before) = (Vec::new(), None);
    for _ in 0..100_000 {
        let page = history_page_back(path, &layout, before.as_deref(), limit).expect("a page");
        out.splice(0..0, page.lines.into_iter().map(|l| l.text));
        match page.before {
            Some(cursor) => before = Some(cursor),
            None => return out,
        }
    }
    panic!("paging does not end");
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, text)) = data.split_first() else { return };
    let limit = 1 + usize::from(choice % 16);
    let plain = page_all("plain", "access.log.1", text, limit);
    let one = page_all("gz", "access.log.1.gz", &gzip(text), limit);
    assert_eq!(one, plain, "one gzip member");
    let cut = usize::from(choice).min(text.len());
    let two = [gzip(&text[..cut]), gzip(&text[cut..])].concat();
    assert_eq!(page_all("gz", "access.log.1.gz", &two, limit), plain, "two members");
    page_all("raw", "access.log.1.gz", text, limit);
});
