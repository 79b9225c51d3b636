//! Retrying an upstream call: one policy (tries, backoff with full jitter, an optional
//! deadline) for every caller, so that no loop of its own forgets the jitter or the limit.

use std::{future::Future, time::Duration};

use tokio::time::Instant;

/// How often and how patiently a failed call is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (at least one is made).
    pub attempts: u32,
    /// The first retry waits up to this long; each later one up to twice the last.
    pub backoff: Duration,
    /// No retry starts when its wait would end after this much time since the first try.
    pub deadline: Option<Duration>,
}

impl RetryPolicy {
    /// One try, no retry (calls that are not safe to repeat).
    pub const ONCE: RetryPolicy = RetryPolicy {
        attempts: 1,
        backoff: Duration::ZERO,
        deadline: None,
    };

    /// Runs `call` until it succeeds, fails in a way `transient` does not name as worth
    /// retrying (it returns why it is, for the log), or the policy gives up; answers the last
    /// outcome. `what` names the call in the log and the retry metric: a fixed name (the
    /// upstream trait's method), never a path or an ID.
    pub async fn run<T, E, F, Fut>(
        &self,
        what: &str,
        mut call: F,
        transient: impl Fn(&E) -> Option<&str>,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let started = Instant::now();
        let mut ceiling = self.backoff;
        let mut attempt = 1;
        loop {
            let outcome = call().await;
            let Err(error) = &outcome else {
                return outcome;
            };
            let Some(why) = transient(error) else {
                return outcome;
            };
            let wait = jitter(ceiling);
            let past_deadline = self
                .deadline
                .is_some_and(|deadline| started.elapsed() + wait > deadline);
            if attempt >= self.attempts || past_deadline {
                return outcome;
            }
            metrics::counter!("console_upstream_retries_total", "call" => what.to_owned())
                .increment(1);
            tracing::warn!(what, attempt, %why, wait_ms = wait.as_millis() as u64, "upstream call failed; retrying");
            tokio::time::sleep(wait).await;
            ceiling = ceiling.saturating_mul(2);
            attempt += 1;
        }
    }
}

/// A random wait in `0..=ceiling` ("full jitter"), so that retrying clients spread out.
fn jitter(ceiling: Duration) -> Duration {
    let mut bytes = [0_u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return ceiling / 2;
    }
    let share = (u64::from_le_bytes(bytes) >> 11) as f64 / (1_u64 << 53) as f64;
    ceiling.mul_f64(share)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    const QUICK: RetryPolicy = RetryPolicy {
        attempts: 4,
        backoff: Duration::from_millis(1),
        deadline: None,
    };

    /// Fails transiently `failures` times, then succeeds; counts the calls.
    async fn flaky(policy: RetryPolicy, failures: u32) -> (Result<u32, &'static str>, u32) {
        let calls = AtomicU32::new(0);
        let outcome = policy
            .run(
                "test",
                || async {
                    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                    if n <= failures { Err("busy") } else { Ok(n) }
                },
                |e: &&str| (*e == "busy").then_some("busy"),
            )
            .await;
        (outcome, calls.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn a_transient_failure_is_tried_again_until_it_passes() {
        assert_eq!(flaky(QUICK, 3).await, (Ok(4), 4));
    }

    #[tokio::test]
    async fn it_gives_up_after_the_last_attempt() {
        assert_eq!(flaky(QUICK, 10).await, (Err("busy"), 4));
        assert_eq!(flaky(RetryPolicy::ONCE, 10).await, (Err("busy"), 1));
    }

    #[tokio::test]
    async fn a_refusal_is_not_retried() {
        let calls = AtomicU32::new(0);
        let outcome: Result<(), &str> = QUICK
            .run(
                "test",
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err("no")
                },
                |_| None,
            )
            .await;
        assert_eq!((outcome, calls.load(Ordering::SeqCst)), (Err("no"), 1));
    }

    #[tokio::test(start_paused = true)]
    async fn no_retry_starts_past_the_deadline() {
        let policy = RetryPolicy {
            attempts: 100,
            backoff: Duration::from_secs(1),
            deadline: Some(Duration::from_secs(5)),
        };
        let started = Instant::now();
        let (outcome, calls) = flaky(policy, 1000).await;
        assert_eq!(outcome, Err("busy"));
        assert!(calls < 100, "stopped by the deadline after {calls} calls");
        assert!(started.elapsed() <= Duration::from_secs(5));
    }

    #[test]
    fn jitter_stays_under_its_ceiling() {
        for _ in 0..1000 {
            assert!(jitter(Duration::from_millis(200)) <= Duration::from_millis(200));
        }
    }
}
