//! logmon: follows log files with inotify and streams new lines to browsers over WebSocket.
//!
//! Data flow: `config -> listen -> follow (files opened) -> serve`, with
//! `followers -> hub.publish` and `http accept -> ws client <- hub cursor`.
//! Shutdown: SIGTERM/SIGINT -> stop accepting -> close WebSockets (1001) -> exit.

pub mod cli;
pub mod config;
pub mod demo;
pub mod follow;
pub mod http;
pub mod hub;
pub mod listen;
pub mod logging;

use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use config::{Config, DEFAULT_LISTEN};
use follow::Follower;
use hub::Hub;
use listen::{ListenAddr, Listener};

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: ListenAddr, source: std::io::Error },
    #[error("cannot follow {path}: {source}")]
    Follow { path: String, source: std::io::Error },
    #[error("cannot set up the demo: {0}")]
    Demo(std::io::Error),
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
}

/// Runs the daemon until SIGTERM or SIGINT (or `shutdown` is cancelled).
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), Error> {
    let (reopen_tx, reopen_rx) = watch::channel(0u64);
    let signals = Signals::install().map_err(Error::Signals)?;
    let listeners = bind(&config).await?;
    let hub = Arc::new(Hub::new(&config.streams));
    for (stream, sc) in hub.streams().iter().zip(&config.streams) {
        let follower = Follower::start(stream.clone(), config.max_line_bytes, sc.history.bytes)
            .await
            .map_err(|source| Error::Follow {
                path: sc.path.display().to_string(),
                source,
            })?;
        tokio::spawn(follower.run(reopen_rx.clone(), shutdown.clone()));
    }
    for l in &listeners {
        if let Ok(addr) = l.local_addr() {
            log::info!("listening on {addr}");
        }
    }
    tokio::spawn(signals.handle(shutdown.clone(), reopen_tx));
    let state = Arc::new(http::State {
        hub,
        allowed_origins: config.allowed_origins.clone(),
        ping_interval: Duration::from_secs(config.ping_interval_secs),
        shutdown,
        tasks: TaskTracker::new(),
    });
    http::serve(listeners, state, config.max_clients).await;
    log::info!("stopped");
    Ok(())
}

async fn bind(config: &Config) -> Result<Vec<Listener>, Error> {
    let default = [DEFAULT_LISTEN.parse().expect("the default address is valid")];
    let addrs = if config.listen.is_empty() {
        &default[..]
    } else {
        &config.listen[..]
    };
    let mut listeners = Vec::new();
    for addr in addrs {
        let l = Listener::bind(addr).await.map_err(|source| Error::Listen {
            addr: addr.clone(),
            source,
        })?;
        listeners.push(l);
    }
    Ok(listeners)
}

/// The signals the daemon acts on.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// SIGTERM/SIGINT shut down; SIGHUP asks every follower to reopen its file.
    async fn handle(mut self, shutdown: CancellationToken, reopen: watch::Sender<u64>) {
        loop {
            tokio::select! {
                _ = self.term.recv() => break log::info!("SIGTERM: shutting down"),
                _ = self.int.recv() => break log::info!("SIGINT: shutting down"),
                _ = self.hup.recv() => {
                    log::info!("SIGHUP: reopening every file");
                    reopen.send_modify(|n| *n += 1);
                }
                _ = shutdown.cancelled() => return,
            }
        }
        shutdown.cancel();
    }
}
