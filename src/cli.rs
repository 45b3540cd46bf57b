//! The command line, and how it combines with the configuration file.

use std::path::PathBuf;

use clap::Parser;

use crate::config::{Config, ConfigError, DEFAULT_CONFIG_PATH};
use crate::listen::ListenAddr;

/// Follows log files through every rotation and streams new lines to browsers.
#[derive(Debug, Parser)]
#[command(name = "logmon", version, about)]
pub struct Args {
    /// Configuration file [default: /etc/logmon/logmon.toml, if it exists]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Listen on HOST:PORT or unix:/path (repeatable; replaces the configured addresses)
    #[arg(long, value_name = "ADDR")]
    pub listen: Vec<ListenAddr>,

    /// Log level: off, error, warn, info, debug, trace [default: from the config, or RUST_LOG, or info]
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<log::LevelFilter>,

    /// Keep the state (each stream's place, the epoch) in FILE across restarts [default: from the config, or $STATE_DIRECTORY/state]
    #[arg(long, value_name = "FILE")]
    pub state_file: Option<PathBuf>,

    /// Check the configuration and exit: 0 if it is valid, 1 with the reason if not
    #[arg(long)]
    pub check_config: bool,

    /// Run even as root without `user = "..."` in the configuration (capabilities are still dropped)
    #[arg(long)]
    pub allow_root: bool,

    /// Write synthetic nginx traffic (with rotations) into a temporary directory and follow it (root is allowed)
    #[arg(long, conflicts_with = "files")]
    pub demo: bool,

    /// Files to follow (replace the configured streams)
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

impl Args {
    /// The configuration these arguments ask for (files and addresses not yet applied for `--demo`).
    pub fn config(&self) -> Result<Config, ConfigError> {
        let mut config = match &self.config {
            Some(path) => Config::load(path, true)?,
            None => Config::load(DEFAULT_CONFIG_PATH.as_ref(), false)?,
        };
        if !self.files.is_empty() {
            config.set_files(&self.files);
        }
        if !self.listen.is_empty() {
            config.listen = self.listen.clone();
        }
        if let Some(path) = &self.state_file {
            config.state_file = Some(path.clone());
        }
        Ok(config)
    }
}
