//! Time as a dependency, so that expiry can be tested without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

/// A wait on a [`Clock`].
pub type Sleep = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now_ms(&self) -> i64;

    /// Waits `ms` of this clock's time (a deliberate delay, such as a slowed sign-in): the wall
    /// clock sleeps; a manual clock moves on by `ms` at once.
    fn sleep(&self, ms: u64) -> Sleep {
        Box::pin(tokio::time::sleep(std::time::Duration::from_millis(ms)))
    }
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        ManualClock(AtomicI64::new(start_ms))
    }

    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    fn sleep(&self, ms: u64) -> Sleep {
        self.advance(i64::try_from(ms).unwrap_or(i64::MAX));
        Box::pin(std::future::ready(()))
    }
}

/// RFC 3339 in UTC, for API responses.
pub fn rfc3339(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A duration in whole milliseconds, as the clock counts them (saturating).
pub fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The whole seconds from `now_ms` until `later_ms`, rounded up and at least one: what a
/// `Retry-After` says.
pub fn seconds_until(later_ms: i64, now_ms: i64) -> u64 {
    let ms = u64::try_from(later_ms.saturating_sub(now_ms))
        .unwrap_or(0)
        .max(1);
    ms.div_ceil(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_rounds_up_to_whole_seconds() {
        assert_eq!(seconds_until(10_000, 10_000), 1, "never zero");
        assert_eq!(seconds_until(10_001, 10_000), 1);
        assert_eq!(seconds_until(11_000, 10_000), 1);
        assert_eq!(seconds_until(11_001, 10_000), 2);
        assert_eq!(seconds_until(0, 10_000), 1, "already past");
    }

    #[tokio::test]
    async fn a_manual_clock_moves_on_instead_of_sleeping() {
        let clock = ManualClock::new(1_000);
        clock.sleep(2_500).await;
        assert_eq!(clock.now_ms(), 3_500);
    }

    #[test]
    fn durations_saturate() {
        assert_eq!(millis(std::time::Duration::from_secs(2)), 2000);
        assert_eq!(millis(std::time::Duration::MAX), i64::MAX);
    }
}
