//! A log writer for soak tests: nginx lines (`nginx::NginxLines`) appended
//! at a steady rate, in its own thread, to one file that is rotated every
//! few seconds, by turns:
//!
//! - rename + create, with a lingering writer: the file is renamed to `.1`,
//!   a new one is created at the path, and for `linger` the old descriptor
//!   keeps appending to the renamed file (alternating with the new one, like
//!   nginx's workers before they all reopened), then is closed;
//! - copytruncate: copied to `.1`, then truncated in place while the writer
//!   keeps its O_APPEND descriptor;
//! - delete + recreate: unlinked, then created anew; the old descriptor is
//!   closed at once.
//!
//! copytruncate loses whatever was appended between the copy and the
//! truncation and the follower had not read yet; that loss is logrotate's,
//! not the follower's. So before a copytruncate the writer pauses until the
//! daemon's `/healthz` says it numbered every line written, which makes
//! exactly-once checkable through all three styles. The pause is not made up
//! by a burst afterwards (a burst could regrow the file past the follower's
//! offset before it noticed the truncation, which no follower can detect):
//! it is reported, and counted in the rate reached.
//!
//! Every file made is recorded in a `FileLog` (when its writer closed it,
//! when it was deleted) so that a test can tell how long the daemon held a
//! deleted file after it was done with it.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use logmon::protocol::Health;

use super::nginx::{LINE_BYTES, NginxLines, nginx_time};

/// The writer wakes this often and appends what is due.
const TICK: Duration = Duration::from_millis(2);
/// At most this many lines per write(2).
const CHUNK_LINES: u64 = 256;
/// How long the daemon may take to read everything before a copytruncate.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(120);

/// The rotation styles, in the order they are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    RenameLinger,
    CopyTruncate,
    DeleteRecreate,
}

pub const STYLES: [Style; 3] = [Style::RenameLinger, Style::CopyTruncate, Style::DeleteRecreate];

/// What the writer is to do.
pub struct GenConfig {
    /// The followed file; rotated files are `PATH.1`.
    pub path: PathBuf,
    pub bytes_per_sec: f64,
    pub rotate_every: Duration,
    /// How long the old writer goes on after a rename.
    pub linger: Duration,
    pub run_for: Duration,
    /// The daemon, asked (`/healthz`) before a copytruncate.
    pub daemon: SocketAddr,
}

/// What the writer did.
#[derive(Debug, Clone, Default)]
pub struct GenReport {
    pub lines: u64,
    pub elapsed: Duration,
    /// Rotations done, per `STYLES` entry.
    pub rotations: [u32; 3],
    /// Time spent waiting for the daemon before copytruncates: total, longest.
    pub paused: Duration,
    pub max_pause: Duration,
    /// The most lines the daemon was behind when a copytruncate was due.
    pub max_behind: u64,
}

/// When a file's writer closed it and when it was deleted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Life {
    pub closed: Option<Instant>,
    pub deleted: Option<Instant>,
}

impl Life {
    /// When the file was both closed by its writer and deleted.
    pub fn released(&self) -> Option<Instant> {
        Some(self.closed?.max(self.deleted?))
    }
}

/// Every file the writer made, by inode.
#[derive(Clone, Default)]
pub struct FileLog(Arc<Mutex<HashMap<u64, Life>>>);

impl FileLog {
    fn update(&self, ino: u64, f: impl FnOnce(&mut Life)) {
        f(self.0.lock().unwrap().entry(ino).or_default());
    }

    fn created(&self, ino: u64) {
        self.0.lock().unwrap().insert(ino, Life::default());
    }

    pub fn life(&self, ino: u64) -> Option<Life> {
        self.0.lock().unwrap().get(&ino).copied()
    }
}

/// One open file and the tag its lines carry.
struct Out {
    file: File,
    tag: u32,
    ino: u64,
}

/// The running writer.
pub struct Generator {
    cfg: GenConfig,
    shapes: NginxLines,
    files: FileLog,
    rotated: PathBuf,
    cur: Out,
    /// The renamed file and when its writer stops.
    old: Option<(Out, Instant)>,
    next_tag: u32,
    written: Arc<AtomicU64>,
    flip: bool,
    buf: Vec<u8>,
    report: GenReport,
}

/// Starts writing `cfg.path` (which must exist) in a new thread. Returns the
/// thread, whose result is the report, and the count of lines written so far.
pub fn spawn_writer(cfg: GenConfig, files: FileLog, stop: Arc<AtomicBool>) -> (JoinHandle<GenReport>, Arc<AtomicU64>) {
    let written = Arc::new(AtomicU64::new(0));
    let mut rotated = cfg.path.clone().into_os_string();
    rotated.push(".1");
    let g = Generator {
        cur: open_out(&cfg.path, 1, &files),
        rotated: rotated.into(),
        cfg,
        shapes: NginxLines::default(),
        files,
        old: None,
        next_tag: 2,
        written: written.clone(),
        flip: false,
        buf: Vec::with_capacity(CHUNK_LINES as usize * (LINE_BYTES + 1)),
        report: GenReport::default(),
    };
    let thread = std::thread::Builder::new()
        .name("soak-writer".into())
        .spawn(move || g.run(&stop))
        .expect("spawn the writer");
    (thread, written)
}

fn open_out(path: &std::path::Path, tag: u32, files: &FileLog) -> Out {
    let file = super::files::open_append(path);
    let ino = file.metadata().expect("fstat").ino();
    files.created(ino);
    Out { file, tag, ino }
}

impl Generator {
    fn run(mut self, stop: &AtomicBool) -> GenReport {
        let start = Instant::now();
        let per_sec = self.cfg.bytes_per_sec / (LINE_BYTES + 1) as f64;
        let mut next_rotation = start + self.cfg.rotate_every;
        let mut turn = 0;
        while start.elapsed() < self.cfg.run_for && !stop.load(Ordering::Relaxed) {
            let active = start.elapsed().saturating_sub(self.report.paused);
            let due = (active.as_secs_f64() * per_sec) as u64;
            self.write_lines(due.saturating_sub(self.lines()));
            if self.old.as_ref().is_some_and(|(_, until)| Instant::now() >= *until) {
                self.end_linger();
            }
            if Instant::now() >= next_rotation {
                self.rotate(STYLES[turn % STYLES.len()]);
                self.report.rotations[turn % STYLES.len()] += 1;
                turn += 1;
                next_rotation = Instant::now() + self.cfg.rotate_every;
            }
            std::thread::sleep(TICK);
        }
        self.end_linger();
        self.report.lines = self.lines();
        self.report.elapsed = start.elapsed();
        self.files.update(self.cur.ino, |l| l.closed = Some(Instant::now()));
        self.report
    }

    fn lines(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Appends the next `n` lines, `CHUNK_LINES` per write; while the old
    /// writer lingers, chunks alternate between the old and the new file.
    fn write_lines(&mut self, mut n: u64) {
        let time = nginx_time();
        while n > 0 {
            let chunk = n.min(CHUNK_LINES);
            self.flip = !self.flip;
            let out = match &mut self.old {
                Some((old, _)) if self.flip => old,
                _ => &mut self.cur,
            };
            let first = self.written.load(Ordering::Relaxed);
            for id in first..first + chunk {
                self.shapes.render(id, out.tag, &time, &mut self.buf);
            }
            out.file.write_all(&self.buf).expect("append to the log");
            self.buf.clear();
            self.written.store(first + chunk, Ordering::Relaxed);
            n -= chunk;
        }
    }

    fn rotate(&mut self, style: Style) {
        let path = self.cfg.path.clone();
        match style {
            Style::RenameLinger => {
                self.end_linger();
                self.remove_rotated();
                fs::rename(&path, &self.rotated).expect("rename the log");
                let old = self.reopen();
                self.old = Some((old, Instant::now() + self.cfg.linger));
            }
            Style::CopyTruncate => {
                self.wait_caught_up();
                self.remove_rotated();
                fs::copy(&path, &self.rotated).expect("copy the log");
                let copy = fs::metadata(&self.rotated).expect("stat the copy").ino();
                self.files.created(copy);
                self.files.update(copy, |l| l.closed = Some(Instant::now()));
                let truncate = OpenOptions::new().write(true).open(&path).expect("open to truncate");
                truncate.set_len(0).expect("truncate the log");
                self.cur.tag = self.take_tag();
            }
            Style::DeleteRecreate => {
                fs::remove_file(&path).expect("delete the log");
                self.files.update(self.cur.ino, |l| l.deleted = Some(Instant::now()));
                let old = self.reopen();
                self.close(old);
            }
        }
    }

    /// Opens a new file at the path; returns the one written so far.
    fn reopen(&mut self) -> Out {
        let tag = self.take_tag();
        std::mem::replace(&mut self.cur, open_out(&self.cfg.path, tag, &self.files))
    }

    fn take_tag(&mut self) -> u32 {
        self.next_tag += 1;
        self.next_tag - 1
    }

    fn close(&self, out: Out) {
        drop(out.file);
        self.files.update(out.ino, |l| l.closed = Some(Instant::now()));
    }

    fn end_linger(&mut self) {
        if let Some((old, _)) = self.old.take() {
            self.close(old);
        }
    }

    fn remove_rotated(&self) {
        if let Ok(meta) = fs::metadata(&self.rotated) {
            fs::remove_file(&self.rotated).expect("delete the rotated log");
            self.files.update(meta.ino(), |l| l.deleted = Some(Instant::now()));
        }
    }

    /// Waits until the daemon numbered every line written.
    fn wait_caught_up(&mut self) {
        let (since, written) = (Instant::now(), self.lines());
        let mut first = true;
        loop {
            let seq = daemon_seq(self.cfg.daemon);
            if first {
                self.report.max_behind = self.report.max_behind.max(written.saturating_sub(seq));
                first = false;
            }
            if seq >= written {
                break;
            }
            assert!(
                since.elapsed() < CATCH_UP_TIMEOUT,
                "the daemon numbered {seq} of {written} lines written and read no further in {CATCH_UP_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let waited = since.elapsed();
        self.report.paused += waited;
        self.report.max_pause = self.report.max_pause.max(waited);
    }
}

/// The first stream's newest seq, from `GET /healthz`.
pub fn daemon_seq(addr: SocketAddr) -> u64 {
    health(addr).streams.first().map_or(0, |s| s.seq)
}

/// `GET /healthz`, decoded.
pub fn health(addr: SocketAddr) -> Health {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connect for /healthz");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).expect("send /healthz");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read /healthz");
    let body = resp.find('{').zip(resp.rfind('}')).map(|(a, b)| &resp[a..=b]);
    let body = body.unwrap_or_else(|| panic!("/healthz: no JSON in {resp:?}"));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("/healthz: {e}: {body}"))
}
