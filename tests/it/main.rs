//! Integration tests: the real `logmon` binary, started against real files
//! in a temporary directory, with real WebSocket and HTTP clients, under
//! real `systemd-socket-activate` and a notify socket.
//!
//! `harness` starts and observes the daemon; each other module checks one
//! concern.

mod harness;

mod archive;
mod archive_prop;
mod config;
mod deflate;
mod export;
mod faults;
mod fleet;
mod formats;
mod hello;
mod history;
mod hostile;
mod http;
mod lifecycle;
mod limits;
mod lines;
mod load;
mod protocol;
mod report;
mod report_bounds;
mod restart;
mod rotation;
mod search;
mod search_bounds;
mod search_cpu;
mod slow;
mod soak;
mod stats_time;
mod systemd;
