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

/// Logs a repeated event once, then at most once per interval with the number
/// of repeats in between, so that a flood of bad requests cannot flood the journal.
pub struct Throttle {
    every: std::time::Duration,
    last: Option<std::time::Instant>,
    suppressed: u64,
}

impl Throttle {
    pub const fn new(every: std::time::Duration) -> Throttle {
        Throttle {
            every,
            last: None,
            suppressed: 0,
        }
    }

    /// `Some(repeats not logged since the last time)` when this one should be logged.
    pub fn ready(&mut self) -> Option<u64> {
        let now = std::time::Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < self.every) {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

/// ` (and N more since the last report)`, or nothing.
pub fn repeats(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" (and {n} more since the last report)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_throttle_logs_once_then_counts() {
        let mut t = Throttle::new(Duration::from_millis(50));
        assert_eq!(t.ready(), Some(0));
        assert_eq!((t.ready(), t.ready()), (None, None));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(t.ready(), Some(2));
        assert_eq!(repeats(2), " (and 2 more since the last report)");
    }
}
