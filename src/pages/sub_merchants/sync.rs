//! 同步买单子商户 on the sub-merchant list: the guide's notes and what the providers still need,
//! who started the last sync and when, its sentence, and the rows it could not take.

use domain::{
    Lang,
    api::{Job, JobState, Page, ProviderSummary},
    sync_status::sync_status,
};
use leptos::prelude::*;

use crate::{
    api::ApiError,
    format::{duration, listed, local_time, with_id},
    i18n::{Key, fill, tr, use_i18n},
};

/// The guide's notes on the sync, and what the account's providers still need: those whose
/// sub-merchants were never synced, and providers synced before the last sub-merchant sync.
#[component]
pub(super) fn SyncNotes(
    providers: LocalResource<Result<Page<ProviderSummary>, ApiError>>,
    job: RwSignal<Option<Job>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let status = move || {
        let list = providers.get().and_then(Result::ok)?;
        let last = job.get();
        if last.as_ref().is_some_and(|j| j.state.is_active()) {
            return None;
        }
        let status = sync_status(&list.items, last.as_ref());
        let unsynced = (!status.unsynced.is_empty()).then(|| {
            let providers: Vec<(String, String)> = status
                .unsynced
                .iter()
                .map(|p| (p.name.clone(), p.provider_id.clone()))
                .collect();
            let names = move || {
                let lang = i18n.lang();
                listed(
                    providers.iter().map(|(name, id)| with_id(name, id, lang)),
                    lang,
                )
            };
            view! {
                <p class="note note-warn" data-testid="unsynced-providers">
                    {move || fill(i18n.t(Key::UnsyncedProviders), &[("names", names())])}
                </p>
            }
        });
        let older = status.providers_synced_before.map(|at| {
            let time = local_time(at);
            view! {
                <p class="note note-info" data-testid="providers-older">
                    {move || fill(i18n.t(Key::ProvidersOlder), &[("time", time.clone())])}" "
                    <a href="/providers">{tr(Key::GoSyncProvidersLink)}" →"</a>
                </p>
            }
        });
        Some(view! { {unsynced}{older} })
    };
    view! {
        <ul class="guide-notes muted" data-testid="sync-notes">
            <li>{tr(Key::SyncTakesTime)}" "<strong>{tr(Key::NoRepeatedClicks)}</strong></li>
            <li>{tr(Key::SyncAfterAdding)}" "<strong>{tr(Key::ProvidersFirst)}</strong></li>
        </ul>
        {status}
    }
}

/// When the sync was asked for, and by whom.
#[component]
pub(super) fn SyncStarted(job: RwSignal<Option<Job>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        job.get().map(|job| {
            let who = job.requested_by.clone().unwrap_or_default();
            let time = local_time(&job.created_at);
            view! {
                <div class="muted" data-testid="sync-started">
                    {move || fill(i18n.t(Key::LastSync), &[("time", time.clone()), ("who", who.clone())])}
                </div>
            }
        })
    }
}

/// The sync's sentence: processed / estimated total, percent, rate, ETA; then the result.
pub fn sync_text(job: &Job, lang: Lang) -> String {
    let percent = (job.processed * 100).checked_div(job.total).unwrap_or(0);
    match job.state {
        JobState::Queued => Key::JobQueued.text(lang).to_owned(),
        // No rate or ETA before there is one, nor while the job waits to be taken over (they
        // are frozen: the banner says when it goes on instead).
        JobState::Running => match job.eta_s.filter(|_| job.takeover_in_s.is_none()) {
            Some(eta) => fill(
                Key::JobProgress.text(lang),
                &[
                    ("processed", job.processed.to_string()),
                    ("total", job.total.to_string()),
                    ("percent", percent.to_string()),
                    ("rate", format!("{:.0}", job.rate_per_s)),
                    ("eta", duration(eta, lang)),
                ],
            ),
            None => fill(
                Key::JobProgressNoEta.text(lang),
                &[
                    ("processed", job.processed.to_string()),
                    ("total", job.total.to_string()),
                    ("percent", percent.to_string()),
                ],
            ),
        },
        JobState::Succeeded => fill(
            Key::JobDone.text(lang),
            &[
                ("new", job.counts.new.to_string()),
                ("updated", job.counts.updated.to_string()),
                ("unchanged", job.counts.unchanged.to_string()),
                ("failed", job.counts.failed.to_string()),
            ],
        ),
        JobState::Failed | JobState::Cancelled => fill(
            Key::JobFailed.text(lang),
            &[("error", job.error(lang).unwrap_or_default())],
        ),
    }
}

/// The rows the sync could not take, each with its reason in the page's language.
#[component]
pub fn FailedRows(#[prop(into)] job: Signal<Option<Job>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        job.get()
            .map(|j| j.failures)
            .filter(|failures| !failures.is_empty())
            .map(|failures| {
                view! {
                    <details>
                        <summary>{tr(Key::FailedRows)}" ("{failures.len()}")"</summary>
                        <ul>
                            {failures.into_iter().map(|f| {
                                let (merchant_id, provider_id) = (f.merchant_id.clone(), f.provider_id.clone());
                                let reason = move || f.reason(i18n.lang());
                                let row = move || {
                                    let lang = i18n.lang();
                                    with_id(&merchant_id, &provider_id, lang)
                                };
                                let after = move || fill(i18n.t(Key::ReasonAfter), &[("reason", reason())]);
                                view! {
                                    <li><code>{row}</code>{after}</li>
                                }
                            }).collect_view()}
                        </ul>
                    </details>
                }
            })
    }
}
