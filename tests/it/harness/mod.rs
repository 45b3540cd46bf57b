//! The harness every integration test uses: it starts the real `logmon`
//! binary against files in a temporary directory and talks to it the way
//! browsers, proxies and systemd do.
//!
//! Every wait is bounded, so that a hang fails one test instead of blocking
//! the suite; a failing test prints the daemon's last output.

mod activation;
mod client;
mod daemon;
mod files;
mod fixture;
mod http;
mod loggen;
mod nginx;
mod notify;
mod procfs;
mod procwatch;
mod soakreaders;
mod tally;
mod wsraw;

use std::time::Duration;

pub use activation::{free_port, socket_activate};
pub use client::{Client, Line};
pub use daemon::{Daemon, Process, base_args, run_to_exit};
pub use files::{
    PAD, TestDir, Writer, assert_contiguous, assert_exact, assert_per_file_order, logrotate, numbered, numbered_range,
};
pub use fixture::{ACCESS, ERROR, Fixture, Setup};
pub use http::{Stalled, connect_small_rcvbuf, get, get_over, handshake, upgrade_status};
pub use loggen::{FileLog, GenConfig, GenReport, daemon_seq, spawn_writer};
pub use nginx::{LINE_BYTES, combined_at, unix_now};
pub use notify::watched_daemon;
pub use procwatch::{Hold, Sample, WatchReport, deleted_now, fd_count, spawn_watch};
pub use soakreaders::{
    ChurnReport, Control, SteadyReport, churn_verdicts, spawn_churner, spawn_steady, steady_verdicts,
};

/// Default bound for "these lines must arrive".
pub const LINES_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound for a single expected frame or event.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(15);
