//! Talking to systemd: readiness and status (sd_notify), and a watchdog that
//! pings only while every component still answers.
//!
//! Each follower and accept loop holds a `Pulse`. The watchdog task sends a
//! probe every half interval; a component answers it from its own event
//! loop. If any component has not answered the previous probe (it hangs), or
//! ended without retiring, the ping is withheld and systemd restarts us.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sd_notify::NotifyState;
use tokio::sync::watch;

/// Sends states to the service manager; does nothing outside systemd.
pub fn notify(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        log::warn!("sd_notify failed: {e}");
    }
}

/// True when a service manager listens for notifications.
pub fn notify_socket_set() -> bool {
    std::env::var_os("NOTIFY_SOCKET").is_some()
}

/// RELOADING=1 with the time, as systemd wants it around a reload.
pub fn reloading() {
    let mut states = vec![NotifyState::Reloading];
    if let Ok(now) = NotifyState::monotonic_usec_now() {
        states.push(now);
    }
    notify(&states);
}

/// Who must answer the watchdog's probes.
#[derive(Default)]
pub struct Liveness {
    probe: watch::Sender<u64>,
    parts: Mutex<Vec<Part>>,
}

struct Part {
    name: String,
    answered: Arc<AtomicU64>,
    retired: Arc<AtomicBool>,
}

/// A component's link to the watchdog.
pub struct Pulse {
    rx: watch::Receiver<u64>,
    answered: Arc<AtomicU64>,
    retired: Arc<AtomicBool>,
    #[cfg(debug_assertions)]
    name: String,
}

impl Liveness {
    pub fn register(&self, name: &str) -> Pulse {
        let answered = Arc::new(AtomicU64::new(*self.probe.borrow()));
        let retired = Arc::new(AtomicBool::new(false));
        self.parts().push(Part {
            name: name.to_string(),
            answered: answered.clone(),
            retired: retired.clone(),
        });
        Pulse {
            rx: self.probe.subscribe(),
            answered,
            retired,
            #[cfg(debug_assertions)]
            name: name.to_string(),
        }
    }

    fn parts(&self) -> std::sync::MutexGuard<'_, Vec<Part>> {
        self.parts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks that every component answered the last probe, then sends the next one.
    /// Returns the names of those that did not.
    pub fn check_and_probe(&self) -> Result<(), Vec<String>> {
        let last = *self.probe.borrow();
        let mut parts = self.parts();
        parts.retain(|p| !p.retired.load(Ordering::Acquire));
        let silent: Vec<String> = parts
            .iter()
            .filter(|p| p.answered.load(Ordering::Acquire) < last)
            .map(|p| p.name.clone())
            .collect();
        drop(parts);
        self.probe.send_modify(|p| *p += 1);
        if silent.is_empty() { Ok(()) } else { Err(silent) }
    }
}

impl Pulse {
    /// Resolves when a probe arrives; cancel-safe, for use in `select!`.
    pub async fn probed(&mut self) {
        if self.rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Answers the latest probe.
    pub async fn answer(&mut self) {
        #[cfg(debug_assertions)]
        if test_hang(&self.name) {
            log::warn!("{}: hanging on purpose (LOGMON_TEST_HANG)", self.name);
            std::future::pending::<()>().await;
        }
        self.answered.store(*self.rx.borrow_and_update(), Ordering::Release);
    }

    /// The component stops on purpose: the watchdog no longer waits for it.
    pub fn retire(&self) {
        self.retired.store(true, Ordering::Release);
    }
}

/// Test hook, compiled into debug builds only: `LOGMON_TEST_HANG=<component>`
/// (e.g. `follower access` or `accept`) makes that component hang at its
/// first probe, as a deadlock would.
#[cfg(debug_assertions)]
fn test_hang(name: &str) -> bool {
    std::env::var("LOGMON_TEST_HANG").is_ok_and(|v| v == name)
}

/// Pings the watchdog at half its interval while every component answers.
pub async fn watchdog(liveness: Arc<Liveness>, interval: Duration) {
    let mut tick = tokio::time::interval(interval / 2);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match liveness.check_and_probe() {
            Ok(()) => notify(&[NotifyState::Watchdog]),
            Err(silent) => log::error!("not answering: {}; withholding the watchdog ping", silent.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn silent_and_crashed_parts_stop_the_pings() {
        let l = Liveness::default();
        let mut alive = l.register("alive");
        let silent = l.register("silent");
        assert_eq!(l.check_and_probe(), Ok(()));
        alive.probed().await;
        alive.answer().await;
        assert_eq!(l.check_and_probe(), Err(vec!["silent".to_string()]));
        silent.retire();
        alive.probed().await;
        alive.answer().await;
        assert_eq!(l.check_and_probe(), Ok(()));
        drop(alive); // ended without retiring: a crash
        assert!(l.check_and_probe().is_err());
    }
}
