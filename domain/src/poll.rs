//! When to ask the server again about long-running work: a pure schedule the SPA drives.
//!
//! Backoff from 1 s to 10 s while nothing changes, back to 1 s on a change, never sooner than
//! a `Retry-After`, ±20% jitter so that many tabs do not poll in step, and no polling at all
//! while the tab is hidden (poll at once when it is shown again).

/// What the last poll found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    /// The resource changed (200 with a new body).
    Changed,
    /// Nothing changed (304 Not Modified).
    Unchanged,
    /// The request failed (network down, 5xx): back off and retry.
    Failed,
    /// The server asked to wait this many seconds (429 + Retry-After).
    RetryAfter(u32),
}

/// What the driver should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollStep {
    /// Poll again after this many milliseconds.
    After(u32),
    /// The tab is hidden: do not poll until it is shown.
    Paused,
    /// Poll now (the tab was just shown).
    Now,
}

/// The schedule's state.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSchedule {
    base_ms: u32,
    min_ms: u32,
    max_ms: u32,
    hidden: bool,
    /// At least this long before the next poll (Retry-After).
    floor_ms: u32,
}

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule::new(1_000, 10_000)
    }
}

/// Jitter is ±20% of the delay.
pub const JITTER: f64 = 0.2;

impl PollSchedule {
    pub fn new(min_ms: u32, max_ms: u32) -> Self {
        PollSchedule {
            base_ms: min_ms,
            min_ms,
            max_ms: max_ms.max(min_ms),
            hidden: false,
            floor_ms: 0,
        }
    }

    /// The next step after a poll ended with `outcome`. `random` is uniform in `0.0..1.0`.
    pub fn after(&mut self, outcome: PollOutcome, random: f64) -> PollStep {
        self.floor_ms = 0;
        match outcome {
            PollOutcome::Changed => self.base_ms = self.min_ms,
            PollOutcome::Unchanged | PollOutcome::Failed => {
                self.base_ms = self.base_ms.saturating_mul(2).min(self.max_ms);
            }
            PollOutcome::RetryAfter(seconds) => {
                self.floor_ms = seconds.saturating_mul(1_000);
                self.base_ms = self.base_ms.saturating_mul(2).min(self.max_ms);
            }
        }
        self.step(random)
    }

    /// The tab was hidden or shown.
    pub fn visibility(&mut self, visible: bool, random: f64) -> PollStep {
        let was_hidden = self.hidden;
        self.hidden = !visible;
        match (was_hidden, visible) {
            (_, false) => PollStep::Paused,
            (true, true) if self.floor_ms == 0 => PollStep::Now,
            _ => self.step(random),
        }
    }

    fn step(&self, random: f64) -> PollStep {
        if self.hidden {
            return PollStep::Paused;
        }
        let factor = 1.0 - JITTER + 2.0 * JITTER * random.clamp(0.0, 1.0);
        let jittered = (f64::from(self.base_ms) * factor).round() as u32;
        PollStep::After(jittered.max(self.floor_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delay(step: PollStep) -> u32 {
        match step {
            PollStep::After(ms) => ms,
            other => panic!("expected a delay, got {other:?}"),
        }
    }

    #[test]
    fn nothing_changing_backs_off_from_one_to_ten_seconds() {
        let mut s = PollSchedule::default();
        let delays: Vec<u32> = (0..6)
            .map(|_| delay(s.after(PollOutcome::Unchanged, 0.5)))
            .collect();
        assert_eq!(delays, [2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
    }

    #[test]
    fn a_change_brings_the_pace_back_to_one_second() {
        let mut s = PollSchedule::default();
        for _ in 0..5 {
            s.after(PollOutcome::Unchanged, 0.5);
        }
        assert_eq!(delay(s.after(PollOutcome::Changed, 0.5)), 1_000);
    }

    #[test]
    fn failures_back_off_like_silence() {
        let mut s = PollSchedule::default();
        assert_eq!(delay(s.after(PollOutcome::Failed, 0.5)), 2_000);
        assert_eq!(delay(s.after(PollOutcome::Failed, 0.5)), 4_000);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        for i in 0..=100 {
            let random = f64::from(i) / 100.0;
            let mut s = PollSchedule::default();
            let ms = delay(s.after(PollOutcome::Changed, random));
            assert!((800..=1_200).contains(&ms), "{ms} for {random}");
        }
        let mut s = PollSchedule::default();
        assert_eq!(delay(s.after(PollOutcome::Changed, 0.0)), 800);
        let mut s = PollSchedule::default();
        assert_eq!(delay(s.after(PollOutcome::Changed, 1.0)), 1_200);
    }

    #[test]
    fn retry_after_is_never_undercut() {
        let mut s = PollSchedule::default();
        assert_eq!(delay(s.after(PollOutcome::RetryAfter(30), 0.0)), 30_000);
        // Shown again during the wait: still wait.
        s.visibility(false, 0.5);
        assert_eq!(delay(s.visibility(true, 0.0)), 30_000);
    }

    #[test]
    fn a_hidden_tab_does_not_poll_and_polls_at_once_when_shown() {
        let mut s = PollSchedule::default();
        assert_eq!(s.visibility(false, 0.5), PollStep::Paused);
        assert_eq!(s.after(PollOutcome::Unchanged, 0.5), PollStep::Paused);
        assert_eq!(s.visibility(true, 0.5), PollStep::Now);
        assert!(matches!(
            s.after(PollOutcome::Changed, 0.5),
            PollStep::After(_)
        ));
    }
}
