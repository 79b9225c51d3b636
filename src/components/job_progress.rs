//! A server-side job as it runs (同步买单子商户, 历史交易归属调整): its sentence, a progress bar
//! while it is active, then its outcome. The sentence follows the language switch. A job
//! whose worker went quiet (its instance stopped) says when another instance takes it over.

use domain::{
    Lang,
    api::{Job, JobState},
};
use leptos::prelude::*;

use crate::{
    format::duration,
    i18n::{Key, fill, tr, use_i18n},
};

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
            let lang = i18n.lang();
            let takeover = job.takeover_in_s.filter(|_| job.state == JobState::Running);
            let class = match (job.state, takeover) {
                (JobState::Succeeded, _) => "note note-ok",
                (JobState::Failed | JobState::Cancelled, _) => "note note-error",
                (_, Some(_)) => "note note-warn",
                (JobState::Queued | JobState::Running, None) => "note note-info",
            };
            let active = job.state.is_active();
            view! {
                <div class=class class:job-banner=banner role="status" data-testid=test_id
                    data-state=job.state.as_str() data-processed=job.processed.to_string()>
                    <div class="job-text">{describe(&job, lang)}</div>
                    {takeover.map(|s| view! {
                        <div class="job-takeover" data-testid="job-takeover">{takeover_text(s, lang)}</div>
                    })}
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

/// Who takes the job over, and when (its progress and ETA are frozen until then).
fn takeover_text(in_s: u64, lang: Lang) -> String {
    if in_s == 0 {
        return Key::JobTakeoverDue.text(lang).to_owned();
    }
    fill(
        Key::JobTakeover.text(lang),
        &[("when", duration(in_s, lang))],
    )
}
