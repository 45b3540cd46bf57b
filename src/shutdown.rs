//! Shutdown, owned by the daemon and handed down to everything that must stop.
//!
//! The daemon makes one [`Shutdown`] and gives clones to the server (which
//! spawns every connection through it) and children to the followers (which
//! can then be stopped one at a time by a reload, or all at once). On
//! SIGTERM the daemon calls [`Shutdown::begin`]: accept loops return,
//! sessions close their WebSockets with 1001, followers stop; then
//! [`Shutdown::wait`] gives the tracked tasks a grace period to finish.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A shutdown signal and the tasks that must finish before the process exits.
#[derive(Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    tasks: TaskTracker,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Asks everything holding this handle (or a child of it) to stop.
    pub fn begin(&self) {
        self.token.cancel();
    }

    /// True once a stop was asked.
    pub fn is_requested(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes once a stop was asked.
    pub async fn requested(&self) {
        self.token.cancelled().await
    }

    /// A handle that stops with this one, and can also be stopped alone.
    pub fn child(&self) -> Shutdown {
        Shutdown {
            token: self.token.child_token(),
            tasks: self.tasks.clone(),
        }
    }

    /// Spawns a task that [`Shutdown::wait`] waits for.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.spawn(task)
    }

    /// Waits up to `grace` for every spawned task; false if some did not finish.
    pub async fn wait(&self, grace: Duration) -> bool {
        self.tasks.close();
        tokio::time::timeout(grace, self.tasks.wait()).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_child_stops_alone_or_with_its_parent() {
        let root = Shutdown::new();
        let (a, b) = (root.child(), root.child());
        a.begin();
        a.requested().await;
        assert!(!b.token.is_cancelled());
        let task = root.spawn({
            let b = b.clone();
            async move { b.requested().await }
        });
        root.begin();
        assert!(root.wait(Duration::from_secs(5)).await);
        assert!(task.is_finished());
    }

    #[tokio::test]
    async fn wait_reports_a_task_that_does_not_stop() {
        let root = Shutdown::new();
        root.spawn(std::future::pending::<()>());
        root.begin();
        assert!(!root.wait(Duration::from_millis(50)).await);
    }
}
