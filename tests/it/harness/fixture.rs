//! "A daemon following these streams", where nearly every test starts: a
//! temporary directory, a configuration file in it with one `[[stream]]`
//! table per stream, and the daemon started on that file.
//!
//! `Fixture::new(&[ACCESS])` is the whole of it; `Setup` is the same with
//! more to say first (top-level keys, keys of a stream's table, lines
//! already in a file, arguments and environment of the daemon).

use std::ffi::OsStr;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;

use super::{Client, Daemon, TestDir};

/// Stream `access` on `access.log`.
pub const ACCESS: (&str, &str) = ("access", "access.log");
/// Stream `error` on `error.log`.
pub const ERROR: (&str, &str) = ("error", "error.log");

/// The name of the configuration file in the directory.
const CONFIG: &str = "logmon.toml";

/// A configuration file being written: top-level lines, then stream tables.
#[derive(Default)]
struct ConfigText {
    top: Vec<String>,
    tables: Vec<String>,
}

impl ConfigText {
    fn add_stream(&mut self, dir: &TestDir, (id, file): (&str, &str), keys: &str) {
        let path = dir.path(file);
        let mut table = format!("[[stream]]\nid = \"{id}\"\npath = \"{}\"\n", path.display());
        for key in keys.lines() {
            table.push_str(key);
            table.push('\n');
        }
        self.tables.push(table);
    }

    /// The top-level lines, then each table after a blank line: a key's line
    /// number can be counted from the calls that made it.
    fn render(&self) -> String {
        let top: String = self.top.iter().map(|l| format!("{l}\n")).collect();
        let parts = std::iter::once(top).filter(|t| !t.is_empty());
        parts.chain(self.tables.iter().cloned()).collect::<Vec<_>>().join("\n")
    }

    fn write(&self, dir: &TestDir) -> PathBuf {
        let path = dir.path(CONFIG);
        std::fs::write(&path, self.render()).expect("write config");
        path
    }
}

/// A fixture before its daemon starts.
pub struct Setup {
    /// Where the logs (and the configuration file) are.
    pub dir: TestDir,
    config: ConfigText,
    files: Vec<String>,
    create_files: bool,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            dir: TestDir::new(),
            config: ConfigText::default(),
            files: Vec::new(),
            create_files: true,
        }
    }
}

impl Setup {
    pub fn new() -> Setup {
        Setup::default()
    }

    /// A top-level line of the configuration (`max_clients = 10`, or a
    /// comment), after those given before.
    pub fn top(mut self, line: &str) -> Setup {
        self.config.top.push(line.to_string());
        self
    }

    /// A `[[stream]]` table for each `(id, file)`; `file` is a name in the
    /// directory (or an absolute path).
    pub fn streams(mut self, streams: &[(&str, &str)]) -> Setup {
        for &stream in streams {
            self = self.stream_with(stream, "");
        }
        self
    }

    /// A `[[stream]]` table for `(id, file)` with more `keys`, one per line
    /// (`format = "plain"\nhistory_lines = 5`).
    pub fn stream_with(mut self, stream: (&str, &str), keys: &str) -> Setup {
        self.config.add_stream(&self.dir, stream, keys);
        self.files.push(stream.1.to_string());
        self
    }

    /// Start without creating the streams' files (by default they are
    /// created, empty, when missing).
    pub fn files_absent(mut self) -> Setup {
        self.create_files = false;
        self
    }

    /// Writes the configuration file; its path.
    pub fn write_config(&self) -> PathBuf {
        self.config.write(&self.dir)
    }

    /// Starts the daemon on the configuration.
    pub fn start(self) -> Fixture {
        self.start_with(&[] as &[&str], &[])
    }

    /// Starts the daemon on the configuration, with more arguments and
    /// environment variables.
    pub fn start_with<S: AsRef<OsStr>>(self, args: &[S], env: &[(&str, &str)]) -> Fixture {
        if self.create_files {
            for file in &self.files {
                self.dir.append::<&str>(file, &[]);
            }
        }
        let config = self.write_config();
        let mut all: Vec<&OsStr> = vec!["--config".as_ref(), config.as_ref()];
        all.extend(args.iter().map(AsRef::as_ref));
        let daemon = Daemon::start(&all, env);
        Fixture {
            dir: self.dir,
            config: self.config,
            daemon,
        }
    }
}

/// A daemon following the streams of its configuration file, and the
/// directory of its logs. The `Daemon` methods apply to it.
pub struct Fixture {
    /// Where the logs (and the configuration file) are.
    pub dir: TestDir,
    config: ConfigText,
    daemon: Daemon,
}

impl Fixture {
    /// A daemon following each `(id, file)` of `streams` (files created empty).
    pub fn new(streams: &[(&str, &str)]) -> Fixture {
        Setup::new().streams(streams).start()
    }

    /// `Fixture::new(streams)` and a client connected live to it
    /// (`Client::connect_live`).
    pub async fn live(streams: &[(&str, &str)]) -> (Fixture, Client) {
        let fx = Fixture::new(streams);
        let c = Client::connect_live(&fx).await;
        (fx, c)
    }

    /// Adds a stream to the configuration file; it takes effect at the
    /// next reload (SIGHUP).
    pub fn add_stream(&mut self, stream: (&str, &str)) {
        self.config.add_stream(&self.dir, stream, "");
        self.config.write(&self.dir);
    }

    /// Replaces the configuration file with `text`.
    pub fn overwrite_config(&self, text: &str) {
        std::fs::write(self.dir.path(CONFIG), text).expect("write config");
    }
}

impl Deref for Fixture {
    type Target = Daemon;

    fn deref(&self) -> &Daemon {
        &self.daemon
    }
}

impl DerefMut for Fixture {
    fn deref_mut(&mut self) -> &mut Daemon {
        &mut self.daemon
    }
}
