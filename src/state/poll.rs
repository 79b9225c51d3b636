//! Drives the pure [`domain::poll::PollSchedule`] in the browser: timers, the tab's
//! visibility, jitter from `Math.random`, and stopping when the owner goes away.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use domain::{
    api::Job,
    poll::{PollOutcome, PollSchedule, PollStep},
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, ApiError, Polled};

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

fn hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Resolves when the tab is visible (at once if it already is).
async fn until_visible() {
    while hidden() {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let options = web_sys::AddEventListenerOptions::new();
            options.set_once(true);
            let _ = document.add_event_listener_with_callback_and_add_event_listener_options(
                "visibilitychange",
                resolve.unchecked_ref(),
                &options,
            );
        });
        let _ = JsFuture::from(promise).await;
    }
}

/// A handle that stops its poller when told to or when dropped by its owner's cleanup.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Calls `tick` on the schedule until it returns `None` or `stop` is set. The first call
/// comes after one interval (the caller already has the first version).
pub fn spawn<F, Fut>(stop: Stop, mut tick: F)
where
    F: FnMut() -> Fut + 'static,
    Fut: Future<Output = Option<PollOutcome>> + 'static,
{
    leptos::task::spawn_local(async move {
        let mut schedule = PollSchedule::default();
        let mut step = schedule.after(PollOutcome::Changed, js_sys::Math::random());
        loop {
            match step {
                PollStep::After(ms) => sleep(ms).await,
                PollStep::Paused => {
                    until_visible().await;
                    step = schedule.visibility(true, js_sys::Math::random());
                    continue;
                }
                PollStep::Now => {}
            }
            if stop.stopped() {
                return;
            }
            if hidden() {
                step = schedule.visibility(false, js_sys::Math::random());
                continue;
            }
            let Some(outcome) = tick().await else {
                return;
            };
            if stop.stopped() {
                return;
            }
            step = schedule.after(outcome, js_sys::Math::random());
        }
    });
}

/// What a failed poll means for the schedule: wait as long as a busy server asked, retry a
/// lost connection with backoff; `None` (stop) for any other refusal.
pub fn outcome_of(error: &ApiError) -> Option<PollOutcome> {
    match (error, error.retry_after_s()) {
        (_, Some(seconds)) => Some(PollOutcome::RetryAfter(
            u32::try_from(seconds).unwrap_or(u32::MAX),
        )),
        (ApiError::Network(_), None) => Some(PollOutcome::Failed),
        _ => None,
    }
}

/// `Date.now()`.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Follows a job until it ends: each new version lands in `job` (ETag-conditional reads on
/// the poll schedule); `done` runs once when it has ended. Returns the handle that stops it.
pub fn follow_job(
    id: String,
    job: RwSignal<Option<Job>>,
    done: impl Fn() + Clone + 'static,
) -> Stop {
    let stop = Stop::default();
    let etag = StoredValue::new(None::<String>);
    spawn(stop.clone(), move || {
        let (id, done) = (id.clone(), done.clone());
        async move {
            match api::poll_job(&id, etag.get_value().as_deref()).await {
                Ok(Polled::Changed(latest, tag)) => {
                    etag.set_value(tag);
                    let ended = !latest.state.is_active();
                    job.set(Some(latest));
                    if ended {
                        done();
                        None
                    } else {
                        Some(PollOutcome::Changed)
                    }
                }
                Ok(Polled::Unchanged) => Some(PollOutcome::Unchanged),
                Err(e) => outcome_of(&e),
            }
        }
    });
    stop
}
