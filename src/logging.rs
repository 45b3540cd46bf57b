//! Logging: to the journal when stderr is connected to it (with structured
//! fields such as STREAM, PATH and CLIENT), to stderr otherwise; and
//! `Reports`, which logs repeated trouble once in a while instead of every time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// Repeated trouble (refused connections, bad requests, hostile clients),
/// logged once per kind and then at most once per interval with the number
/// of repeats in between, so that a flood cannot flood the journal.
pub struct Reports {
    every: Duration,
    kinds: Mutex<HashMap<&'static str, Throttle>>,
}

impl Reports {
    pub fn new(every: Duration) -> Reports {
        Reports {
            every,
            kinds: Mutex::new(HashMap::new()),
        }
    }

    /// Logs `message()` at `level`, unless `kind` was logged less than an
    /// interval ago; true if it was logged (or would be, at a lower level).
    pub fn report(&self, kind: &'static str, level: log::Level, message: impl FnOnce() -> String) -> bool {
        let ready = {
            let mut kinds = self.kinds.lock().unwrap_or_else(|e| e.into_inner());
            kinds.entry(kind).or_insert_with(|| Throttle::new(self.every)).ready()
        };
        if let Some(n) = ready {
            let more = if n == 0 {
                String::new()
            } else {
                format!(" (and {n} more since the last report)")
            };
            log::log!(level, "{}{more}", message());
        }
        ready.is_some()
    }
}

/// When one kind of trouble may be logged again.
struct Throttle {
    every: Duration,
    last: Option<Instant>,
    suppressed: u64,
}

impl Throttle {
    fn new(every: Duration) -> Throttle {
        Throttle {
            every,
            last: None,
            suppressed: 0,
        }
    }

    /// `Some(repeats not logged since the last time)` when this one should be logged.
    fn ready(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < self.every) {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttle_logs_once_then_counts() {
        let mut t = Throttle::new(Duration::from_millis(50));
        assert_eq!(t.ready(), Some(0));
        assert_eq!((t.ready(), t.ready()), (None, None));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(t.ready(), Some(2));
    }

    #[test]
    fn kinds_are_throttled_apart() {
        let r = Reports::new(Duration::from_secs(60));
        let logged: Vec<_> = ["a", "b", "a", "b", "a"]
            .into_iter()
            .filter(|kind| r.report(kind, log::Level::Debug, String::new))
            .collect();
        assert_eq!(logged, ["a", "b"]);
    }
}
