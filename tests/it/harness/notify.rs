//! A notify socket like systemd's (`NOTIFY_SOCKET`): it records every
//! datagram the daemon sends (READY=1, STATUS=, WATCHDOG=1, ...), with the
//! time it arrived.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{ACCESS, Fixture, Setup, TestDir};

pub struct NotifySocket {
    sock: UnixDatagram,
    path: PathBuf,
    seen: Vec<(Instant, String)>,
    _dir: TestDir,
}

impl NotifySocket {
    pub fn new() -> NotifySocket {
        let dir = TestDir::new();
        let path = dir.path("notify.sock");
        let sock = UnixDatagram::bind(&path).expect("bind notify socket");
        sock.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        NotifySocket {
            sock,
            path,
            seen: Vec::new(),
            _dir: dir,
        }
    }

    /// Collects messages for `dur`.
    pub fn collect(&mut self, dur: Duration) {
        let end = Instant::now() + dur;
        let mut buf = [0u8; 4096];
        while Instant::now() < end {
            if let Ok(n) = self.sock.recv(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                self.seen.push((Instant::now(), text));
            }
        }
    }

    /// Waits until a message contains `what`; returns that message.
    pub fn wait_for(&mut self, what: &str, timeout: Duration) -> String {
        let end = Instant::now() + timeout;
        let mut checked = 0;
        loop {
            if let Some((_, m)) = self.seen[checked..].iter().find(|(_, m)| m.contains(what)) {
                return m.clone();
            }
            checked = self.seen.len();
            assert!(
                Instant::now() < end,
                "no {what:?} within {timeout:?}; got {:?}",
                self.messages()
            );
            self.collect(Duration::from_millis(100));
        }
    }

    /// Every message so far, in order.
    pub fn messages(&self) -> Vec<&str> {
        self.seen.iter().map(|(_, m)| m.as_str()).collect()
    }

    /// How many messages since `since` contain `what`.
    pub fn count_since(&self, what: &str, since: Instant) -> usize {
        self.seen
            .iter()
            .filter(|(t, m)| *t >= since && m.contains(what))
            .count()
    }

    /// Whether a message containing `then` came after the first one
    /// containing `first`.
    pub fn followed_by(&self, first: &str, then: &str) -> bool {
        let messages = self.messages();
        let at = messages.iter().position(|m| m.contains(first));
        at.is_some_and(|at| messages[at + 1..].iter().any(|m| m.contains(then)))
    }
}

/// A daemon following a one-line `access.log`, with a notify socket and a
/// 1 s watchdog, plus `env`.
pub fn watched_daemon(env: &[(&str, &str)]) -> (Fixture, NotifySocket) {
    let n = NotifySocket::new();
    let path = n.path.to_str().expect("UTF-8 temporary path");
    let mut all = vec![("NOTIFY_SOCKET", path), ("WATCHDOG_USEC", "1000000")];
    all.extend_from_slice(env);
    let setup = Setup::new().streams(&[ACCESS]);
    setup.dir.append("access.log", &["a"]);
    let fx = setup.start_with(&[] as &[&str], &all);
    (fx, n)
}
