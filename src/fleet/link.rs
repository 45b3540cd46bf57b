//! The way to the NATS servers: a client connected out with the `[fleet]`
//! section's credentials and TLS, and the JetStream stream that holds the
//! fleet's lines, created with its limits by whoever comes first; and a
//! count of the connections made, which a viewer watches (a server that
//! restarted has lost its consumer).

use std::time::Duration;

use async_nats::jetstream::stream::{self, DiscardPolicy, StorageType};
use async_nats::jetstream::{self, Context};
use async_nats::{Client, ConnectOptions, Event};
use tokio::sync::watch;

use super::names;
use crate::config::{FleetAuth, FleetConfig};

/// A republish of the same lines within this time is dropped by JetStream.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// How long a request to NATS (a publish's acknowledgement) may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to the fleet's NATS servers.
pub struct Link {
    pub client: Client,
    pub js: Context,
    pub config: FleetConfig,
    /// Connections made so far: it changes when the client connects again.
    pub connections: watch::Receiver<u64>,
}

impl Link {
    /// Connects out; while the servers cannot be reached, the client keeps
    /// trying in the background and requests fail until it is connected.
    pub async fn connect(config: &FleetConfig) -> Result<Link, String> {
        let (connected, connections) = watch::channel(0);
        let mut options = ConnectOptions::new()
            .event_callback(move |event| {
                if matches!(event, Event::Connected) {
                    connected.send_modify(|n| *n += 1);
                }
                async {}
            })
            .name(format!("logmon {}", config.host))
            // Replies (acknowledgements, a viewer's messages) come to inboxes
            // of the host's own, which an account can keep for it alone.
            .custom_inbox_prefix(names::inbox_prefix(&config.host))
            .retry_on_initial_connect()
            .max_reconnects(None)
            .connection_timeout(REQUEST_TIMEOUT)
            .request_timeout(Some(REQUEST_TIMEOUT));
        options = match &config.auth {
            FleetAuth::None => options,
            FleetAuth::Credentials(path) => options
                .credentials_file(path)
                .await
                .map_err(|e| format!("credentials {}: {e}", path.display()))?,
            FleetAuth::NkeySeed(path) => {
                let seed = std::fs::read_to_string(path).map_err(|e| format!("nkey_seed {}: {e}", path.display()))?;
                options.nkey(seed.trim().to_string())
            }
        };
        if let Some(ca) = &config.tls_ca {
            options = options.add_root_certificates(ca.clone()).require_tls(true);
        }
        let client = options
            .connect(&config.servers)
            .await
            .map_err(|e| format!("NATS {}: {e}", config.servers.join(", ")))?;
        Ok(Link {
            js: jetstream::new(client.clone()),
            client,
            config: config.clone(),
            connections,
        })
    }

    /// The fleet's JetStream stream, created with its limits if missing.
    pub async fn stream(&self) -> Result<stream::Stream, String> {
        let c = &self.config;
        let wanted = stream::Config {
            name: c.stream.clone(),
            subjects: vec![names::every_subject()],
            max_bytes: i64::try_from(c.max_bytes).unwrap_or(i64::MAX),
            max_age: Duration::from_secs(c.max_age_secs),
            storage: StorageType::File,
            discard: DiscardPolicy::Old,
            duplicate_window: DUPLICATE_WINDOW,
            // An agent asks for its subject's last message by a subject
            // that names it, which an account can allow it alone.
            allow_direct: true,
            ..Default::default()
        };
        self.js
            .get_or_create_stream(wanted)
            .await
            .map_err(|e| format!("JetStream stream {}: {e}", c.stream))
    }
}
