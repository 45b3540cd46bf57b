//! The viewer: every host's streams read from JetStream and served as
//! `HOST/STREAM` hub streams (`fed.rs`), by an ordered consumer of its own
//! (nothing is kept on the server for it; each viewer reads
//! independently). When the consumer fails (NATS unreachable), or the
//! client connects again (a server that restarted has lost the consumer,
//! which the consumer itself would notice only by missed heartbeats, 15 s
//! and more later), a new one starts after the last message taken.

use std::collections::HashMap;
use std::sync::Arc;

use async_nats::jetstream::consumer::{DeliverPolicy, pull};
use futures_util::StreamExt;

use super::fed::Fed;
use super::link::Link;
use super::names;
use super::{REPORT_EVERY, RETRY};
use crate::config::History;
use crate::hub::Hub;
use crate::logging::Reports;
use crate::shutdown::Shutdown;

pub struct Viewer {
    link: Arc<Link>,
    hub: Arc<Hub>,
    /// Each fleet stream's history bound in memory.
    history: History,
    streams: HashMap<String, Fed>,
    /// The JetStream sequence of the last message taken.
    last: u64,
}

impl Viewer {
    pub fn new(link: Arc<Link>, hub: Arc<Hub>, history: History) -> Viewer {
        Viewer {
            link,
            hub,
            history,
            streams: HashMap::new(),
            last: 0,
        }
    }

    /// Reads the fleet's lines until shutdown; a failure is logged once a
    /// minute at most, with the count in between.
    pub async fn run(mut self, shutdown: Shutdown) {
        let reports = Reports::new(REPORT_EVERY);
        loop {
            let result = tokio::select! {
                _ = shutdown.requested() => return,
                result = self.consume() => result,
            };
            if let Err(e) = result {
                reports.report("fleet", log::Level::Warn, || {
                    format!("fleet: {e}; retrying every second")
                });
            }
            tokio::time::sleep(RETRY).await;
        }
    }

    /// One consumer, from the message after the last one taken, until it
    /// fails or the client connects again.
    async fn consume(&mut self) -> Result<(), String> {
        let mut connections = self.link.connections.clone();
        connections.mark_unchanged();
        let stream = self.link.stream().await?;
        let config = pull::OrderedConfig {
            filter_subject: names::every_subject(),
            deliver_policy: match self.last {
                0 => DeliverPolicy::All,
                last => DeliverPolicy::ByStartSequence {
                    start_sequence: last + 1,
                },
            },
            ..Default::default()
        };
        let consumer = stream
            .create_consumer(config)
            .await
            .map_err(|e| format!("a consumer: {e}"))?;
        let mut messages = consumer.messages().await.map_err(|e| format!("the messages: {e}"))?;
        log::info!(
            "fleet: reading {} from message {}",
            self.link.config.stream,
            self.last + 1
        );
        loop {
            let next = tokio::select! {
                next = messages.next() => next,
                _ = connections.changed() => {
                    log::info!("fleet: connected again to NATS: a new consumer");
                    return Ok(());
                }
            };
            let message = match next {
                Some(Ok(m)) => m,
                Some(Err(e)) => return Err(format!("reading {}: {e}", self.link.config.stream)),
                None => return Err(format!("reading {}: the consumer ended", self.link.config.stream)),
            };
            if let Ok(info) = message.info() {
                self.last = info.stream_sequence;
            }
            self.receive(&message).await;
        }
    }

    /// Hands a message to its host's stream, started by its first message.
    async fn receive(&mut self, message: &async_nats::Message) {
        let Some((host, stream)) = names::parse_subject(&message.subject) else {
            return log::warn!("fleet: a message on {}, not a stream's subject", message.subject);
        };
        let Some(headers) = &message.headers else {
            return log::warn!("fleet: a message on {} without headers", message.subject);
        };
        let id = names::fleet_id(host, &stream);
        if !self.streams.contains_key(&id) {
            match Fed::start(&self.hub, host, &stream, headers, self.history) {
                Ok(fed) => {
                    log::info!("fleet: serving {id}");
                    self.streams.insert(id.clone(), fed);
                }
                Err(e) => return log::error!("fleet: cannot count {id}: {e}"),
            }
        }
        if let Some(fed) = self.streams.get_mut(&id) {
            fed.receive(headers, &message.payload).await;
        }
    }
}
