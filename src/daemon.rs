//! The running daemon: followers, server, signals, reload, readiness and watchdog.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use sd_notify::NotifyState;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cli::Args;
use crate::config::{Config, FleetRole, History, StreamConfig};
use crate::fleet;
use crate::follow::{self, Follower};
use crate::http::{self, Settings, State};
use crate::hub::{self, Hub, Stream};
use crate::layout::NginxFormats;
use crate::listen::Socket;
use crate::shutdown::Shutdown;
use crate::state::{self, Marks, StreamMark};

use crate::systemd::{self, Liveness};
use crate::{Error, logging};

/// How often STATUS= is refreshed (only when systemd listens).
const STATUS_EVERY: Duration = Duration::from_secs(10);

struct Daemon {
    args: Args,
    config: Config,
    state: Arc<State>,
    shutdown: Shutdown,
    liveness: Arc<Liveness>,
    followers: HashMap<String, (Shutdown, JoinHandle<bool>)>,
    reopen: watch::Sender<u64>,
    /// Where the state file is, if there is one.
    state_file: Option<PathBuf>,
    /// Where each stream stood in the last run, until its follower starts.
    resume: HashMap<String, StreamMark>,
    marks: Arc<Marks>,
    saver: Option<JoinHandle<()>>,
    /// The history of each stream a fleet's viewer serves.
    fleet_history: History,
}

/// Serves until SIGTERM or SIGINT.
pub async fn run(args: Args, config: Config, sockets: Vec<Socket>) -> Result<(), Error> {
    let mut signals = Signals::install().map_err(Error::Start)?;
    let starting = CancellationToken::new();
    tokio::spawn(extend_start_timeout(starting.clone()));
    let listeners = sockets
        .into_iter()
        .map(Socket::into_listener)
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(Error::Listen)?;
    let mut d = Daemon::new(args, config);
    d.read_nginx_formats();
    for stream in d.state.hub.streams() {
        d.start_follower(stream).await?;
    }
    for addr in listeners.iter().filter_map(|l| l.local_addr().ok()) {
        log::info!("listening on {addr}");
    }
    let serve = http::serve(
        listeners,
        d.state.clone(),
        d.shutdown.clone(),
        d.config.max_clients,
        d.liveness.clone(),
    );
    let server = tokio::spawn(serve);
    d.shutdown
        .spawn(hub::tick_stats(d.state.hub.clone(), d.shutdown.clone()));
    d.spawn_saver();
    if let Some(fleet) = &d.config.fleet {
        let (state, shutdown) = (d.state.clone(), d.shutdown.clone());
        fleet::start(fleet, state, d.fleet_history, shutdown)
            .await
            .map_err(Error::Fleet)?;
    }
    starting.cancel();
    systemd::notify(&[NotifyState::Ready, NotifyState::Status(&d.status(0))]);
    d.spawn_watchers();
    signals.wait_for_stop(&mut d).await;
    systemd::notify(&[NotifyState::Stopping]);
    d.shutdown.begin();
    let _ = server.await;
    d.stop_all().await;
    log::info!("stopped");
    Ok(())
}

impl Daemon {
    fn new(args: Args, config: Config) -> Daemon {
        // Each stream of a fleet's viewer has the history a local one would.
        let fleet_history = config.streams.first().map(|s| s.history);
        let fleet_history = fleet_history.expect("a configuration has a stream");
        let config = for_role(config);
        let viewer = config.fleet.as_ref().filter(|f| f.role == FleetRole::Viewer);
        // The demo follows files of its own, a viewer none: nothing to continue.
        let state_file = (!args.demo && viewer.is_none())
            .then(|| state::location(config.state_file.as_deref()))
            .flatten();
        let saved = state_file.as_deref().and_then(|p| state::load(p, &config.streams));
        let hub = match &saved {
            Some(s) => {
                log::info!(
                    "continuing epoch {} from {}",
                    s.epoch,
                    state_file.as_deref().unwrap().display()
                );
                let next: HashMap<_, _> = s.streams.iter().map(|m| (m.id.clone(), m.next_seq)).collect();
                Hub::continuing(&config.streams, s.epoch.clone(), &next)
            }
            None => match viewer {
                Some(v) => Hub::continuing(&[], fleet::viewer_epoch(&v.stream), &HashMap::new()),
                None => Hub::new(&config.streams),
            },
        };
        let state = Arc::new(State::new(Arc::new(hub), Settings::from_config(&config)));
        let resume = saved
            .into_iter()
            .flat_map(|s| s.streams)
            .map(|m| (m.id.clone(), m))
            .collect();
        Daemon {
            args,
            config,
            state,
            shutdown: Shutdown::new(),
            liveness: Arc::new(Liveness::default()),
            followers: HashMap::new(),
            reopen: watch::Sender::new(0),
            state_file,
            resume,
            marks: Arc::default(),
            saver: None,
            fleet_history,
        }
    }

    /// Saves the state about once a second while lines flow.
    /// Saves the state at once, so that the epoch outlives even an early
    /// `kill -9`, then about once a second while lines flow.
    fn spawn_saver(&mut self) {
        if let Some(path) = &self.state_file {
            self.save_state(path, false);
            let (epoch, marks) = (self.state.hub.epoch.clone(), self.marks.clone());
            let saver = state::save_while_running(path.clone(), epoch, marks, self.shutdown.clone());
            self.saver = Some(tokio::spawn(saver));
        }
    }

    /// Stops every follower, then writes the state a last time.
    async fn stop_all(&mut self) {
        let mut clean = true;
        for (_, (stop, task)) in self.followers.drain() {
            stop.begin();
            clean &= task.await.unwrap_or(false);
        }
        if let Some(saver) = self.saver.take() {
            let _ = saver.await;
        }
        if let Some(path) = &self.state_file
            && self.save_state(path, clean)
        {
            log::info!("state saved to {}", path.display());
        }
    }

    /// Writes the state now; false (and logged) if it could not be written.
    fn save_state(&self, path: &Path, clean: bool) -> bool {
        let saved = self.marks.saved(&self.state.hub.epoch, clean);
        let result = state::save(path, &saved);
        if let Err(e) = &result {
            log::error!("cannot save the state to {}: {e}", path.display());
        }
        result.is_ok()
    }

    async fn start_follower(&mut self, stream: Arc<Stream>) -> Result<(), Error> {
        let sc = self.stream_config(&stream.id).expect("streams come from the config");
        let settings = follow::Settings {
            max_line: self.config.max_line_bytes,
            history_bytes: sc.history.bytes,
            resume: self.resume.remove(&stream.id),
            marks: self.marks.clone(),
        };
        let follower = Follower::start(stream.clone(), settings)
            .await
            .map_err(|source| Error::Follow {
                path: sc.path.display().to_string(),
                source,
            })?;
        let stop = self.shutdown.child();
        let pulse = self.liveness.register(&format!("follower {}", stream.id));
        let task = tokio::spawn(follower.run(self.reopen.subscribe(), stop.clone(), pulse));
        self.followers.insert(stream.id.clone(), (stop, task));
        Ok(())
    }

    fn stream_config(&self, id: &str) -> Option<StreamConfig> {
        self.config.streams.iter().find(|s| s.id == id).cloned()
    }

    /// The watchdog (when systemd asks for one) and the STATUS= updates.
    fn spawn_watchers(&self) {
        if let Some(interval) = sd_notify::watchdog_enabled() {
            log::info!("watchdog: pinging every {:?}", interval / 2);
            tokio::spawn(systemd::watchdog(self.liveness.clone(), interval));
        }
        if systemd::notify_socket_set() {
            let state = self.state.clone();
            tokio::spawn(async move {
                let mut last = total_seq(&state.hub);
                loop {
                    tokio::time::sleep(STATUS_EVERY).await;
                    let now = total_seq(&state.hub);
                    let rate = (now.saturating_sub(last)) / STATUS_EVERY.as_secs();
                    last = now;
                    let status = status_line(&state, rate);
                    systemd::notify(&[NotifyState::Status(&status)]);
                }
            });
        }
    }

    fn status(&self, rate: u64) -> String {
        status_line(&self.state, rate)
    }

    /// Reads nginx's configuration and gives every stream its layout.
    fn read_nginx_formats(&self) {
        let (nginx, notes) = NginxFormats::read(&self.config.nginx_config);
        for (level, note) in notes {
            log::log!(level, "{note}");
        }
        for problem in self.state.hub.set_layouts(&self.config.streams, nginx) {
            log::warn!("{problem}");
        }
    }

    /// SIGHUP: re-read the configuration (and nginx's), apply it, and reopen every file.
    async fn reload(&mut self) {
        systemd::reloading();
        self.state.reloads.fetch_add(1, Ordering::Relaxed);
        match self.args.config() {
            Ok(new) => self.apply(new).await,
            Err(e) => log::error!("reload refused, the running configuration stays: {e}"),
        }
        self.read_nginx_formats();
        self.reopen.send_modify(|n| *n += 1);
        systemd::notify(&[NotifyState::Ready, NotifyState::Status(&self.status(0))]);
    }

    async fn apply(&mut self, new: Config) {
        let new = for_role(new);
        let old = std::mem::replace(&mut self.config, new);
        warn_restart_only(&old, &self.config);
        if logging::fixed_level(self.args.log_level).is_none() {
            log::set_max_level(self.config.log_level);
        }
        self.state.set_settings(Settings::from_config(&self.config));
        let gone: Vec<_> = old
            .streams
            .iter()
            .filter(|o| self.stream_config(&o.id).is_none())
            .collect();
        for gone in gone {
            log::info!(stream = gone.id.as_str(); "reload: stream {} removed", gone.id);
            self.stop_follower(&gone.id).await;
        }
        for sc in self.config.streams.clone() {
            let before = old.streams.iter().find(|o| o.id == sc.id);
            if let Some(b) = before.filter(|b| b.path == sc.path) {
                if b.history != sc.history {
                    log::warn!("reload: stream {}: a history change needs a restart", sc.id);
                }
                continue;
            }
            log::info!(stream = sc.id.as_str(); "reload: stream {} now follows {}", sc.id, sc.path.display());
            self.restart_stream(&sc).await;
        }
    }

    /// Replaces a stream's follower by one for its new configuration; the numbering goes on.
    async fn restart_stream(&mut self, sc: &StreamConfig) {
        self.stop_follower(&sc.id).await;
        let stream = self.state.hub.prepare(sc);
        match self.start_follower(stream.clone()).await {
            Ok(()) => self.state.hub.insert(stream),
            Err(e) => log::error!("reload: {e}"),
        }
    }

    /// Stops a follower and waits for it, so that it publishes nothing after its stream is gone.
    async fn stop_follower(&mut self, id: &str) {
        if let Some((stop, task)) = self.followers.remove(id) {
            stop.begin();
            let _ = task.await;
        }
        self.marks.remove(id);
        self.state.hub.remove(id);
    }
}

/// A fleet's viewer follows no file of its own: its streams come from the fleet.
fn for_role(mut config: Config) -> Config {
    if config.fleet.as_ref().is_some_and(|f| f.role == FleetRole::Viewer) {
        config.streams.clear();
    }
    config
}

/// Settings that only a restart can change.
fn warn_restart_only(old: &Config, new: &Config) {
    let changed = [
        ("listen", old.listen != new.listen),
        ("max_clients", old.max_clients != new.max_clients),
        ("max_line_bytes", old.max_line_bytes != new.max_line_bytes),
        ("user", old.user != new.user),
        ("socket_mode/socket_group", old.socket != new.socket),
        ("fleet", old.fleet != new.fleet),
    ];
    for (key, _) in changed.iter().filter(|(_, c)| *c) {
        log::warn!("reload: a change of {key} takes effect at the next restart");
    }
}

fn total_seq(hub: &Hub) -> u64 {
    hub.streams().iter().map(|s| s.last_seq()).sum()
}

/// STATUS= text; the stream count comes from the hub, so it follows reloads.
fn status_line(state: &State, rate: u64) -> String {
    let (streams, clients) = (state.hub.streams().len(), state.clients.count());
    format!("{streams} streams, {clients} clients, {rate} lines/s")
}

/// While start-up is slow, ask systemd for more time.
async fn extend_start_timeout(done: CancellationToken) {
    loop {
        tokio::select! {
            _ = done.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {
                systemd::notify(&[NotifyState::ExtendTimeoutUsec(15_000_000)]);
            }
        }
    }
}

/// The signals the daemon acts on.
struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Handles SIGHUP (reload) until SIGTERM or SIGINT arrives.
    async fn wait_for_stop(&mut self, d: &mut Daemon) {
        loop {
            tokio::select! {
                _ = self.term.recv() => return log::info!("SIGTERM: shutting down"),
                _ = self.int.recv() => return log::info!("SIGINT: shutting down"),
                _ = self.hup.recv() => {
                    log::info!("SIGHUP: reloading the configuration and reopening every file");
                    d.reload().await;
                }
            }
        }
    }
}
