//! A server-side job as it runs (同步买单子商户, 历史交易归属调整): its sentence, a progress bar
//! while it is active, then its outcome. The sentence follows the language switch.

use domain::{
    Lang,
    api::{Job, JobState},
};
use leptos::prelude::*;

use crate::i18n::{Key, tr, use_i18n};

/// Shows `job` (nothing while it is `None`).
#[component]
pub fn JobProgress(
    #[prop(into)] job: Signal<Option<Job>>,
    /// The sentence for this kind of job, in a language.
    describe: fn(&Job, Lang) -> String,
    test_id: &'static str,
    /// A full-width banner (the bar stretched under the sentence) rather than a line.
    #[prop(optional)]
    banner: bool,
    /// Shown under the bar while the job runs.
    #[prop(optional)]
    hint: Option<Key>,
    /// What follows the progress (failed rows, where to see the result).
    #[prop(optional)]
    children: Option<ChildrenFn>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        job.get().map(|job| {
            let percent = (job.processed * 100).checked_div(job.total).unwrap_or(0);
            let class = match job.state {
                JobState::Succeeded => "note note-ok",
                JobState::Failed | JobState::Cancelled => "note note-error",
                JobState::Queued | JobState::Running => "note note-info",
            };
            let active = job.state.is_active();
            view! {
                <div class=class class:job-banner=banner role="status" data-testid=test_id
                    data-state=job.state.as_str() data-processed=job.processed.to_string()>
                    <div class="job-text">{describe(&job, i18n.lang())}</div>
                    {active.then(|| view! {
                        <progress max="100" value=percent.to_string()></progress>
                        {hint.map(|key| view! { <div class="muted">{tr(key)}</div> })}
                    })}
                    {children.clone().map(|children| children())}
                </div>
            }
        })
    }
}
