//! logmon: follows log files with inotify and streams new lines to browsers over WebSocket.
//!
//! Start-up: `config -> sockets (activated or bound) -> drop privileges ->
//! runtime -> followers -> serve -> READY=1`. Then `followers -> hub` and
//! `http accept -> WebSocket client <- hub cursor`. Shutdown: SIGTERM/SIGINT
//! -> STOPPING=1 -> stop accepting -> close WebSockets (1001) -> exit 0.

mod archive;
mod batch;
mod civil;
pub mod cli;
pub mod config;
mod daemon;
mod demo;
mod fleet;
mod follow;
mod harden;
mod history;
mod http;
mod hub;
mod layout;
mod listen;
mod logging;
mod metrics;
mod nginx;
pub mod protocol;
mod report;
mod search;
mod shutdown;
mod state;
mod stats;
mod systemd;
pub mod terms;

/// The line splitter, exported for the fuzz targets (`fuzz/`).
#[doc(hidden)]
pub use follow::LineSplitter;

/// Parts measured in process by the benchmark (`examples/logmon-bench`),
/// driven by the fuzz targets, or shared with the integration tests.
#[doc(hidden)]
pub mod parts {
    pub use crate::archive::{Cursor as HistoryCursor, GZ_INDEX};
    pub use crate::civil::civil;
    pub use crate::history::page_back as history_page_back;
    pub use crate::http::inflate::rewrite as inflate_client_bytes;
    pub use crate::layout::{COMBINED, Escape, Kind, Layout};
    pub use crate::nginx::parse as parse_nginx;
    pub use crate::search::{
        Compression, Hooks, Matcher, Options as SearchOptions, PatternError, REGEX_SIZE_LIMIT,
        Summary as SearchSummary, Verdict, count as search_count, newest_first as search_newest_first,
    };
    pub use crate::stats::Stats;
}

use cli::Args;
use config::DEFAULT_LISTEN;
use listen::ListenAddr;

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("cannot listen: {0}")]
    Listen(std::io::Error),
    #[error(transparent)]
    Harden(#[from] harden::HardenError),
    #[error("cannot follow {path}: {source}")]
    Follow { path: String, source: std::io::Error },
    #[error("cannot set up the demo: {0}")]
    Demo(std::io::Error),
    #[error("cannot start: {0}")]
    Start(std::io::Error),
    #[error("cannot join the fleet: {0}")]
    Fleet(String),
}

/// Runs logmon as the command line asks; returns when it has shut down.
pub fn run(mut args: Args) -> Result<(), Error> {
    let mut config = args.config()?;
    if args.check_config {
        let source = args.config.as_deref().unwrap_or(config::DEFAULT_CONFIG_PATH.as_ref());
        println!("{}: valid ({} streams)", source.display(), config.streams.len());
        return Ok(());
    }
    logging::init(logging::fixed_level(args.log_level).unwrap_or(config.log_level));
    raise_fd_limit();
    bound_malloc_arenas();
    let sockets = open_sockets(&config)?;
    // The demo follows only files it wrote itself: root (without capabilities) is fine there.
    harden::drop_privileges(config.user.as_deref(), args.allow_root || args.demo)?;
    // Made after the drop, so that the demo's files belong to the user who writes them.
    let demo = if args.demo {
        Some(demo::prepare(&mut args, &mut config)?)
    } else {
        None
    };
    let runtime = tokio::runtime::Runtime::new().map_err(Error::Start)?;
    runtime.block_on(async {
        if let Some(d) = &demo {
            d.spawn_writer();
        }
        daemon::run(args, config, sockets).await
    })
}

/// Keeps glibc's allocator to two arenas. Its default is eight per core,
/// each made when a thread first allocates while the others are busy and
/// never given back: the threads that read pages from disk (`/history`,
/// clients behind the ring, searches) come and go, and each new arena made
/// the resident memory step up long after start (the soak test saw 7 MiB
/// at once, 90 s in). With two, memory freed by one thread serves the others.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn bound_malloc_arenas() {
    // SAFETY: mallopt only sets a parameter of the allocator; it is called
    // before the runtime starts any thread.
    unsafe {
        nix::libc::mallopt(nix::libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn bound_malloc_arenas() {}

/// The sockets passed by systemd, or the configured addresses bound.
fn open_sockets(config: &config::Config) -> Result<Vec<listen::Socket>, Error> {
    let default = [DEFAULT_LISTEN
        .parse::<ListenAddr>()
        .expect("the default address is valid")];
    let addrs = if config.listen.is_empty() {
        &default[..]
    } else {
        &config.listen[..]
    };
    let (sockets, origin) = listen::open(addrs, &config.socket).map_err(Error::Listen)?;
    if matches!(origin, listen::Origin::Activated) {
        let n = sockets.len();
        log::info!("using {n} socket{} passed by systemd", if n == 1 { "" } else { "s" });
    }
    Ok(sockets)
}

/// Many clients need many descriptors: raise the soft limit to the hard one.
fn raise_fd_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE)
        && soft < hard
    {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}
