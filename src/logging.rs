//! Logging to stderr, at the level asked for by `--log-level`, RUST_LOG or the config.

use log::LevelFilter;

/// Sets up the logger once; `explicit` (from the command line) wins over RUST_LOG, which wins over `config`.
pub fn init(explicit: Option<LevelFilter>, config: LevelFilter) {
    let mut b = env_logger::Builder::new();
    match (explicit, std::env::var("RUST_LOG")) {
        (Some(level), _) => b.filter_level(level),
        (None, Ok(spec)) => b.parse_filters(&spec),
        (None, Err(_)) => b.filter_level(config),
    };
    b.format_module_path(false).format_target(false);
    let _ = b.try_init();
}
