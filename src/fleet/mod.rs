//! A fleet on NATS JetStream (docs/fleet.md): with a `[fleet]` section,
//! logmon is an agent, which publishes its streams' numbered lines
//! (`agent.rs`), or a viewer, which serves every host's streams read back
//! from JetStream (`viewer.rs`, `fed.rs`). Both only connect out
//! (`link.rs`); the names on NATS and the headers are in `names.rs`, a
//! stream's layout on the way in `format.rs`. Without the section, none
//! of this runs.

mod agent;
mod fed;
mod format;
mod gaps;
mod history;
mod link;
mod merged;
mod names;
mod pages;
mod search;
mod viewer;

use std::sync::Arc;
use std::time::Duration;

use crate::config::{FleetConfig, FleetRole, History};
use crate::http::State;
use crate::shutdown::Shutdown;

pub use history::Asker;
pub use names::viewer_epoch;

/// After a failure, a publisher or a viewer's consumer starts again this much later.
const RETRY: Duration = Duration::from_secs(1);
/// A failure that repeats is logged at most this often, with the count in between.
const REPORT_EVERY: Duration = Duration::from_secs(60);

/// Connects to NATS and starts this process's part in the fleet; `ring`
/// bounds each stream a viewer serves.
pub async fn start(config: &FleetConfig, state: Arc<State>, ring: History, shutdown: Shutdown) -> Result<(), String> {
    let link = Arc::new(link::Link::connect(config).await?);
    log::info!(
        "fleet: {} of {} on {} as host {}",
        match config.role {
            FleetRole::Agent => "agent",
            FleetRole::Viewer => "viewer",
        },
        config.stream,
        config.servers.join(", "),
        config.host
    );
    match config.role {
        FleetRole::Agent => {
            shutdown.spawn(history::answer(link.clone(), state.clone(), shutdown.clone()));
            shutdown.spawn(agent::run(link, state, shutdown.clone()))
        }
        FleetRole::Viewer => {
            let _ = state.fleet.set(Asker::new(&link));
            let viewer = viewer::Viewer::new(link, state.hub.clone(), ring);
            shutdown.spawn(viewer.run(shutdown.clone()))
        }
    };
    Ok(())
}
