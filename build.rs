//! Embeds every file under static/ into the binary, with its content type and ETag.
//! The files are found and named from the crate's directory as cargo gives
//! it to this script's run, so a build that moved (the package's build
//! tree, a target directory shared with another checkout) never reads a
//! path that is gone; a `static/` that cannot be read fails the build
//! rather than embed no UI.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=static");
    // Read when the script runs (not `env!`, fixed when it was compiled: a
    // script compiled in another tree would look for files that are gone).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("static");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from("pub static ASSETS: &[Asset] = &[\n");
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .unwrap()
            .to_str()
            .expect("asset names are UTF-8");
        let bytes = std::fs::read(file).unwrap();
        let etag = format!("\"{:016x}\"", fnv1a(&bytes));
        writeln!(
            out,
            "    Asset {{ name: {rel:?}, content_type: {:?}, etag: {etag:?}, \
             body: include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?})) }},",
            content_type(file),
            format!("/static/{rel}")
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("assets.rs");
    std::fs::write(dest, out).unwrap();
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if !path.file_name().unwrap().to_string_lossy().starts_with('.') {
            files.push(path);
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "webmanifest" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// FNV-1a, 64 bits: a content hash for ETags.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
