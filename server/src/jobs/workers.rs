//! This process's job workers: how many run, what wakes them, and how they stop.

use std::sync::Arc;

use super::{JobContext, run_next};

/// Wakes the workers of this process and tells them to stop.
#[derive(Debug, Clone, Default)]
pub struct Workers {
    wake: Arc<tokio::sync::Notify>,
    stop: Arc<tokio::sync::watch::Sender<bool>>,
    /// When a worker of this process last showed it was alive (ms; 0 before any started): at
    /// each look for a job and after each page of one.
    beat: Arc<std::sync::atomic::AtomicI64>,
}

impl Workers {
    /// A worker is alive at `now_ms`.
    pub fn beat(&self, now_ms: i64) {
        self.beat
            .store(now_ms.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// When a worker last showed it was alive (ms), `None` when none has started.
    pub fn last_beat(&self) -> Option<i64> {
        Some(self.beat.load(std::sync::atomic::Ordering::Relaxed)).filter(|ms| *ms > 0)
    }

    /// A job was queued: an idle worker takes it now rather than at its next look.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Each worker finishes the page it is on, gives its job back and ends.
    pub fn stop(&self) {
        self.stop.send_replace(true);
        self.wake.notify_waiters();
    }

    pub(super) fn stopping(&self) -> bool {
        *self.stop.borrow()
    }
}

/// Starts `count` workers that run jobs until [`Workers::stop`].
pub fn spawn_workers(context: impl Into<JobContext>, count: usize) -> tokio::task::JoinSet<()> {
    let context = context.into();
    let mut set = tokio::task::JoinSet::new();
    // Jobs queued (or given back) by other replicas wake these workers too, where the store
    // can tell.
    let listening = context.clone();
    tokio::spawn(async move {
        let workers = listening.workers.clone();
        let wake = Arc::new(move || workers.wake());
        if let Err(error) = listening.store.on_job_ready(wake).await {
            tracing::warn!(%error, "job notifications unavailable; workers poll instead");
        }
    });
    for _ in 0..count.max(1) {
        let context = context.clone();
        set.spawn(async move {
            let workers = context.workers.clone();
            let mut stopped = workers.stop.subscribe();
            while !workers.stopping() {
                workers.beat(context.clock.now_ms());
                match run_next(&context, None).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(error) => tracing::error!(?error, "job worker"),
                }
                tokio::select! {
                    () = workers.wake.notified() => {}
                    _ = stopped.changed() => {}
                    () = tokio::time::sleep(context.settings.idle_poll) => {}
                }
            }
        });
    }
    set
}
