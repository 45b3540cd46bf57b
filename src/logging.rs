//! Logging: to the journal when stderr is connected to it (with structured
//! fields such as STREAM, PATH and CLIENT), to stderr otherwise.

use log::LevelFilter;

/// The level set outside the config: `--log-level`, else RUST_LOG (a plain level).
/// When set, it wins over the config's `log_level`, also across reloads.
pub fn fixed_level(explicit: Option<LevelFilter>) -> Option<LevelFilter> {
    explicit.or_else(|| std::env::var("RUST_LOG").ok().and_then(|v| v.parse().ok()))
}

/// Installs the logger once.
pub fn init(level: LevelFilter) {
    if systemd_journal_logger::connected_to_journal() {
        let journal = systemd_journal_logger::JournalLog::new().map(|j| {
            j.with_syslog_identifier("logmon".to_string())
                .with_extra_fields([("VERSION", env!("CARGO_PKG_VERSION"))])
        });
        if let Ok(journal) = journal
            && journal.install().is_ok()
        {
            log::set_max_level(level);
            return;
        }
    }
    let _ = env_logger::Builder::new()
        .filter_level(LevelFilter::Trace)
        .format_module_path(false)
        .format_target(false)
        .try_init();
    log::set_max_level(level);
}
