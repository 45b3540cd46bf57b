//! The `[fleet]` section: which role this logmon plays in a fleet carried
//! by NATS JetStream (docs/fleet.md), how it reaches the servers, and the
//! host name its streams are published under. Every value is checked here,
//! and a bad one is named with its line like any other key.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::Parser;

/// The JetStream stream the fleet's lines go to, unless `stream` names another.
pub const DEFAULT_STREAM: &str = "LOGMON";
const DEFAULT_MAX_BYTES: u64 = 1 << 30;
const DEFAULT_MAX_AGE_SECS: u64 = 86_400;

/// What this logmon does in the fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetRole {
    /// Publishes its own streams' lines.
    Agent,
    /// Serves every host's streams, read from JetStream; follows no file of its own.
    Viewer,
}

/// How logmon proves who it is to the NATS servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FleetAuth {
    None,
    /// A `.creds` file (a user JWT and its NKEY seed).
    Credentials(PathBuf),
    /// A file holding an NKEY seed (`SU...`).
    NkeySeed(PathBuf),
}

/// The checked `[fleet]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetConfig {
    pub role: FleetRole,
    pub servers: Vec<String>,
    pub auth: FleetAuth,
    /// Require TLS and trust this CA's certificates.
    pub tls_ca: Option<PathBuf>,
    /// The name this host's streams are published under.
    pub host: String,
    /// The JetStream stream's name, and its limits when logmon creates it.
    pub stream: String,
    pub max_bytes: u64,
    pub max_age_secs: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFleet {
    role: Spanned<String>,
    servers: Spanned<Vec<Spanned<String>>>,
    credentials: Option<Spanned<String>>,
    nkey_seed: Option<Spanned<String>>,
    tls_ca: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
    stream: Option<Spanned<String>>,
    max_bytes: Option<Spanned<u64>>,
    max_age_secs: Option<Spanned<u64>>,
}

pub(super) fn parse(p: &Parser, raw: &RawFleet) -> Result<FleetConfig, super::ConfigError> {
    Ok(FleetConfig {
        role: role(p, &raw.role)?,
        servers: servers(p, &raw.servers)?,
        auth: auth(p, raw)?,
        tls_ca: raw.tls_ca.as_ref().map(|f| file(p, "fleet.tls_ca", f)).transpose()?,
        host: match &raw.host {
            Some(h) => name(p, "fleet.host", h)?,
            None => machine_host(),
        },
        stream: match &raw.stream {
            Some(s) => name(p, "fleet.stream", s)?,
            None => DEFAULT_STREAM.to_string(),
        },
        max_bytes: p.number("fleet.max_bytes", &raw.max_bytes, DEFAULT_MAX_BYTES)?,
        max_age_secs: p.number("fleet.max_age_secs", &raw.max_age_secs, DEFAULT_MAX_AGE_SECS)?,
    })
}

fn role(p: &Parser, raw: &Spanned<String>) -> Result<FleetRole, super::ConfigError> {
    match raw.get_ref().as_str() {
        "agent" => Ok(FleetRole::Agent),
        "viewer" => Ok(FleetRole::Viewer),
        other => {
            let msg = format!("{other:?} is not a role: agent or viewer");
            Err(p.error(Some(raw.span().start), Some("fleet.role"), msg))
        }
    }
}

fn servers(p: &Parser, raw: &Spanned<Vec<Spanned<String>>>) -> Result<Vec<String>, super::ConfigError> {
    if raw.get_ref().is_empty() {
        let msg = "at least one server is needed (\"nats://host:4222\")".to_string();
        return Err(p.error(Some(raw.span().start), Some("fleet.servers"), msg));
    }
    raw.get_ref()
        .iter()
        .map(|s| {
            let url = s.get_ref();
            let scheme_ok = ["nats://", "tls://"].iter().any(|x| url.starts_with(x));
            let rest = url.split_once("://").map_or("", |(_, r)| r);
            if scheme_ok && !rest.is_empty() && !url.contains(char::is_whitespace) {
                Ok(url.clone())
            } else {
                let msg = format!("{url:?} is not a server URL like \"nats://host:4222\"");
                Err(p.error(Some(s.span().start), Some("fleet.servers"), msg))
            }
        })
        .collect()
}

fn auth(p: &Parser, raw: &RawFleet) -> Result<FleetAuth, super::ConfigError> {
    match (&raw.credentials, &raw.nkey_seed) {
        (Some(_), Some(n)) => {
            let msg = "give either credentials or nkey_seed, not both".to_string();
            Err(p.error(Some(n.span().start), Some("fleet.nkey_seed"), msg))
        }
        (Some(c), None) => Ok(FleetAuth::Credentials(file(p, "fleet.credentials", c)?)),
        (None, Some(n)) => Ok(FleetAuth::NkeySeed(file(p, "fleet.nkey_seed", n)?)),
        (None, None) => Ok(FleetAuth::None),
    }
}

/// An absolute path to a file.
fn file(p: &Parser, key: &str, raw: &Spanned<String>) -> Result<PathBuf, super::ConfigError> {
    let path = PathBuf::from(raw.get_ref());
    if !path.is_absolute() || path.file_name().is_none() {
        let msg = format!("{:?} is not an absolute path to a file", raw.get_ref());
        return Err(p.error(Some(raw.span().start), Some(key), msg));
    }
    Ok(path)
}

/// A host or JetStream stream name: one token of a NATS subject.
fn name(p: &Parser, key: &str, raw: &Spanned<String>) -> Result<String, super::ConfigError> {
    let n = raw.get_ref();
    if valid_name(n) {
        Ok(n.clone())
    } else {
        let msg = format!("{n:?} is not a valid name (1 to 64 of A-Z a-z 0-9 - _)");
        Err(p.error(Some(raw.span().start), Some(key), msg))
    }
}

/// A fleet host's name: 1 to 64 of `A-Z a-z 0-9 - _`.
pub(crate) fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The machine's host name up to its first dot, other characters made `_`.
fn machine_host() -> String {
    let full = nix::unistd::gethostname().unwrap_or_default();
    let full = full.to_string_lossy();
    let first = full.split('.').next().unwrap_or_default();
    let host: String = first
        .chars()
        .take(64)
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    if host.is_empty() { "localhost".to_string() } else { host }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConfigError};

    use super::*;

    fn fleet(section: &str) -> Result<FleetConfig, ConfigError> {
        let text = format!("[fleet]\n{section}");
        Config::from_str(&text, "t.toml").map(|c| c.fleet.expect("a [fleet] section"))
    }

    #[test]
    fn an_agent_with_defaults() {
        let f = fleet("role = \"agent\"\nservers = [\"nats://127.0.0.1:4222\"]\n").unwrap();
        assert_eq!(f.role, FleetRole::Agent);
        assert_eq!(f.auth, FleetAuth::None);
        assert_eq!((f.stream.as_str(), f.max_bytes), (DEFAULT_STREAM, 1 << 30));
        assert!(valid_name(&f.host), "{}", f.host);
        assert!(Config::from_str("", "t").unwrap().fleet.is_none());
    }

    #[test]
    fn a_viewer_with_everything() {
        let text = "role = \"viewer\"\nservers = [\"tls://a:4222\", \"nats://b:4222\"]\n\
                    credentials = \"/etc/logmon/fleet.creds\"\ntls_ca = \"/etc/ca.pem\"\n\
                    host = \"web-1\"\nstream = \"LOGS\"\nmax_bytes = 2097152\nmax_age_secs = 3600\n";
        let f = fleet(text).unwrap();
        assert_eq!(f.role, FleetRole::Viewer);
        assert_eq!(f.servers.len(), 2);
        assert_eq!(f.auth, FleetAuth::Credentials("/etc/logmon/fleet.creds".into()));
        assert_eq!(
            (f.host.as_str(), f.stream.as_str(), f.max_age_secs),
            ("web-1", "LOGS", 3600)
        );
    }

    #[test]
    fn bad_values_are_named_with_their_line() {
        let base = "role = \"agent\"\nservers = [\"nats://a:4222\"]\n";
        let cases = [
            ("role = \"both\"\nservers = [\"nats://a:4222\"]\n", 2, "fleet.role"),
            ("role = \"agent\"\nservers = [\"http://a\"]\n", 3, "fleet.servers"),
            ("role = \"agent\"\nservers = []\n", 3, "fleet.servers"),
            (&format!("{base}host = \"web.1\"\n"), 4, "fleet.host"),
            (&format!("{base}stream = \"\"\n"), 4, "fleet.stream"),
            (&format!("{base}credentials = \"rel.creds\"\n"), 4, "fleet.credentials"),
            (
                &format!("{base}credentials = \"/a\"\nnkey_seed = \"/b\"\n"),
                5,
                "fleet.nkey_seed",
            ),
            (&format!("{base}max_bytes = 5\n"), 4, "fleet.max_bytes"),
            (&format!("{base}subjects = 1\n"), 4, "subjects"),
        ];
        for (section, line, key) in cases {
            let e = fleet(section).expect_err(section);
            assert_eq!((e.line, e.key.as_deref()), (Some(line), Some(key)), "{e}");
        }
        let e = fleet("servers = [\"nats://a:4222\"]\n").unwrap_err();
        assert!(e.message.contains("role"), "{e}");
    }
}
