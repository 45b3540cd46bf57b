//! Log files as the tests write them: a temporary directory, O_APPEND
//! writers like nginx's (which can also rotate their file away), numbered
//! lines that tell which file they came from, and the assertions that every
//! line arrived exactly once, in order, with contiguous sequence numbers.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::ops::Range;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::Line;

/// A fresh temporary directory, removed on drop.
pub struct TestDir(tempfile::TempDir);

impl TestDir {
    pub fn new() -> TestDir {
        let dir = tempfile::Builder::new()
            .prefix("logmon-test-")
            .tempdir()
            .expect("tempdir");
        TestDir(dir)
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        self.0.path()
    }

    /// `name` in the directory (an absolute `name` stays as it is).
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// A writer on `name`, created if missing.
    pub fn writer(&self, name: &str) -> Writer {
        Writer::open(&self.path(name))
    }

    /// Appends `lines` to `name` (creating it), opening and closing it.
    pub fn append<S: AsRef<str>>(&self, name: &str, lines: &[S]) {
        self.writer(name).lines(lines);
    }
}

/// Padding that makes each numbered line ~100 bytes long.
pub const PAD: &str = "abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789-the-quick-brown-fox";

/// `TAG NNNNNN PAD`: line `i` of the file tagged `tag`.
pub fn numbered(tag: &str, i: usize) -> String {
    format!("{tag} {i:06} {PAD}")
}

/// `numbered(tag, i)` for every i in `range`.
pub fn numbered_range(tag: &str, range: Range<usize>) -> Vec<String> {
    range.map(|i| numbered(tag, i)).collect()
}

/// A log writer: an O_APPEND file descriptor, like nginx's.
pub struct Writer {
    file: File,
    path: PathBuf,
}

impl Writer {
    /// Opens (creating if needed) `path` with O_APPEND.
    fn open(path: &Path) -> Writer {
        Writer {
            file: open_append(path),
            path: path.to_owned(),
        }
    }

    /// Appends raw bytes in one write.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.file.write_all(bytes).expect("write log");
    }

    /// Appends each line followed by `\n`, in one write.
    pub fn lines<S: AsRef<str>>(&mut self, lines: &[S]) {
        let mut buf = Vec::new();
        for l in lines {
            buf.extend_from_slice(l.as_ref().as_bytes());
            buf.push(b'\n');
        }
        self.raw(&buf);
    }

    /// Appends the numbered lines `range` of `tag` in one write.
    pub fn numbered(&mut self, tag: &str, range: Range<usize>) {
        self.lines(&numbered_range(tag, range));
    }

    /// Appends the numbered lines `range` of `tag`, one write per line.
    pub fn numbered_each(&mut self, tag: &str, range: Range<usize>) {
        for i in range {
            self.raw(format!("{}\n", numbered(tag, i)).as_bytes());
        }
    }

    /// logrotate's default rotation: renames the file to `to` and opens a
    /// new one at its path. This writer keeps the old file, as a writer
    /// does until it is told to reopen.
    pub fn rotate_to(&self, to: &Path) -> Writer {
        std::fs::rename(&self.path, to).unwrap_or_else(|e| panic!("rename to {}: {e}", to.display()));
        Writer::open(&self.path)
    }
}

/// Opens `path` for appending as nginx does (O_APPEND), creating it (0644) if needed.
pub fn open_append(path: &Path) -> File {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// Asserts the seqs of `got` are contiguous.
pub fn assert_contiguous(got: &[Line]) {
    for w in got.windows(2) {
        assert_eq!(w[1].0, w[0].0 + 1, "seq jump between {:?} and {:?}", w[0], w[1]);
    }
}

/// Asserts `got` holds exactly `want`, in order, with contiguous seq.
pub fn assert_exact<S: AsRef<str>>(got: &[Line], want: &[S]) {
    assert_contiguous(got);
    let texts: Vec<&str> = got.iter().map(|(_, l)| l.as_str()).collect();
    let want: Vec<&str> = want.iter().map(AsRef::as_ref).collect();
    if texts != want {
        let first_diff = texts
            .iter()
            .zip(&want)
            .position(|(a, b)| a != b)
            .unwrap_or(texts.len().min(want.len()));
        panic!(
            "lines differ: got {} lines, want {}; first difference at index {first_diff}: \
             got {:?}, want {:?}",
            texts.len(),
            want.len(),
            texts.get(first_diff),
            want.get(first_diff)
        );
    }
}

/// Asserts `got` (contiguous seq) is made of exactly the lines of each
/// `(tag, count)` file: every numbered line `TAG 0..count` exactly once, in
/// order within its tag; lines of different tags may interleave.
pub fn assert_per_file_order(got: &[Line], files: &[(&str, usize)]) {
    assert_contiguous(got);
    let total: usize = files.iter().map(|(_, n)| n).sum();
    let mut next: HashMap<&str, usize> = files.iter().map(|(t, _)| (*t, 0)).collect();
    for (seq, line) in got {
        let tag = line.split(' ').next().unwrap_or("");
        let Some(n) = next.get_mut(tag) else {
            panic!("seq {seq}: line of unknown origin {line:?}");
        };
        let want = numbered(tag, *n);
        assert_eq!(
            line, &want,
            "seq {seq}: file {tag:?} out of order or duplicated (expected its line {n})"
        );
        *n += 1;
    }
    for (tag, count) in files {
        assert_eq!(next[tag], *count, "file {tag:?}: got {} of {count} lines", next[tag]);
    }
    assert_eq!(got.len(), total);
}

/// Runs the real `logrotate -f` with `options` for `access.log` in `dir`.
pub fn logrotate(dir: &TestDir, options: &str) {
    let logrotate = ["/usr/sbin/logrotate", "/sbin/logrotate"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("logrotate is not installed: apt-get install logrotate (tests/run-all.sh installs it)");
    let conf = dir.path("logrotate.conf");
    let text = format!(
        "{} {{\n    rotate 20\n    create\n{options}\n}}\n",
        dir.path("access.log").display()
    );
    std::fs::write(&conf, text).unwrap();
    let state = dir.path("logrotate.state");
    let out = std::process::Command::new(logrotate)
        .arg("-f")
        .arg("-s")
        .arg(&state)
        .arg(&conf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "logrotate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
