//! 子商户管理(新): the sub-merchant list (filters kept in the URL), 同步买单子商户 and its
//! progress banner, which also appears when the user comes back while a sync runs.

use domain::{
    ErrorCode,
    api::{Job, JobState, ListQuery, SubMerchantSummary, WechatChannel},
    poll::PollOutcome,
};
use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};

use crate::{
    api::{self, ApiError, Polled},
    components::{error_note::ErrorNote, pager::Pager},
    i18n::{Key, fill, tr, use_i18n},
    state::poll::{self, Stop},
};

const FILTERS: [&str; 4] = ["provider_id", "channel", "q", "page"];

#[component]
pub fn SubMerchantsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let param = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let filter =
        move || -> Vec<(&'static str, String)> { FILTERS.iter().map(|k| (*k, param(k))).collect() };
    let page = RwSignal::new(1_u32);
    Effect::new(move |_| page.set(param("page").parse().unwrap_or(1).max(1)));

    // Changing a filter rewrites the URL, so a view can be shared and survives a reload.
    let set_filter = move |name: &'static str, value: String| {
        let mut next = filter();
        for (k, v) in &mut next {
            if *k == name {
                *v = value.clone();
            }
            if *k == "page" && name != "page" {
                v.clear();
            }
        }
        navigate(
            &format!("/sub-merchants?{}", api::sub_merchant_query(&next)),
            NavigateOptions::default(),
        );
    };
    let set_page = set_filter.clone();
    let (by_provider, by_channel, by_text) = (set_filter.clone(), set_filter.clone(), set_filter);
    Effect::new(move |previous: Option<u32>| {
        let current = page.get();
        if previous.is_some_and(|p| p != current) {
            set_page("page", current.to_string());
        }
        current
    });

    let version = RwSignal::new(0_u32);
    let list = LocalResource::new(move || {
        version.track();
        let q = api::sub_merchant_query(&filter());
        async move { api::list_sub_merchants(&q).await }
    });
    let providers = LocalResource::new(|| async {
        api::list_providers(&ListQuery {
            q: None,
            page: Some(1),
            page_size: Some(ListQuery::MAX_PAGE_SIZE),
        })
        .await
    });

    let job = RwSignal::new(None::<Job>);
    let start_error = RwSignal::new(None::<ApiError>);
    let poller = StoredValue::new(Stop::default());
    on_cleanup(move || poller.get_value().stop());
    let follow = move |id: String| {
        poller.get_value().stop();
        let stop = Stop::default();
        poller.set_value(stop.clone());
        let etag = StoredValue::new(None::<String>);
        poll::spawn(stop, move || {
            let id = id.clone();
            async move {
                match api::poll_job(&id, etag.get_value().as_deref()).await {
                    Ok(Polled::Changed(latest, tag)) => {
                        etag.set_value(tag);
                        let done = !latest.state.is_active();
                        job.set(Some(latest));
                        if done {
                            version.update(|v| *v += 1);
                            None
                        } else {
                            Some(PollOutcome::Changed)
                        }
                    }
                    Ok(Polled::Unchanged) => Some(PollOutcome::Unchanged),
                    Err(ApiError::Network(_)) => Some(PollOutcome::Failed),
                    Err(_) => None,
                }
            }
        });
    };
    // Coming back while a sync runs shows its banner again.
    leptos::task::spawn_local(async move {
        if let Ok(jobs) = api::sub_merchant_syncs().await
            && let Some(active) = jobs.into_iter().find(|j| j.state.is_active())
        {
            let id = active.id.clone();
            job.set(Some(active));
            follow(id);
        }
    });
    let start = move |_| {
        start_error.set(None);
        leptos::task::spawn_local(async move {
            match api::start_sub_merchant_sync().await {
                Ok(started) => {
                    let id = started.id.clone();
                    job.set(Some(started));
                    follow(id);
                }
                Err(e) => start_error.set(Some(e)),
            }
        });
    };
    let running = move || job.get().is_some_and(|j| j.state.is_active());
    let providers_missing = move || {
        start_error
            .get()
            .is_some_and(|e| e.code() == Some(ErrorCode::ProvidersNotSynced))
    };
    let export = move || {
        format!(
            "/api/v1/sub-merchants.csv?{}",
            api::sub_merchant_query(&filter())
        )
    };
    let error = Signal::derive(move || list.get().and_then(Result::err));

    view! {
        <div class="page-head">
            <div>
                <h1 class="page-title">{tr(Key::SubMerchantsTitle)}</h1>
                <p class="muted">{tr(Key::SubMerchantsSubtitle)}</p>
            </div>
            <button type="button" class="btn btn-primary" disabled=running on:click=start data-testid="sync-sub-merchants">
                {move || i18n.t(if running() { Key::SyncRunning } else { Key::SyncSubMerchants })}
            </button>
        </div>
        <ErrorNote error=start_error/>
        <Show when=providers_missing>
            <p class="note note-info"><a href="/providers">{tr(Key::GoSyncProviders)}" →"</a></p>
        </Show>
        {move || job.get().map(|j| view! { <JobBanner job=j/> })}
        <section class="card">
            <div class="toolbar">
                <select
                    class="input select"
                    aria-label=move || i18n.t(Key::ColProvider)
                    prop:value=move || param("provider_id")
                    on:change=move |ev| by_provider("provider_id", event_target_value(&ev))
                >
                    <option value="">{tr(Key::AllProviders)}</option>
                    {move || providers.get().and_then(Result::ok).map(|list| {
                        list.items.into_iter().map(|p| view! {
                            <option value=p.provider_id.clone()>{p.name}</option>
                        }).collect_view()
                    })}
                </select>
                <select
                    class="input select"
                    aria-label=move || i18n.t(Key::ColChannel)
                    prop:value=move || param("channel")
                    on:change=move |ev| by_channel("channel", event_target_value(&ev))
                >
                    <option value="">{tr(Key::AllChannels)}</option>
                    <option value="official_direct">{tr(Key::ChannelDirect)}</option>
                    <option value="wechat_maidan">{tr(Key::ChannelMaidan)}</option>
                </select>
                <input
                    type="search"
                    class="input"
                    aria-label=move || i18n.t(Key::SearchSubMerchants)
                    placeholder=move || i18n.t(Key::SearchSubMerchants)
                    prop:value=move || param("q")
                    on:change=move |ev| by_text("q", event_target_value(&ev))
                />
                <a class="btn" href=export download="sub-merchants.csv" rel="external">{tr(Key::ExportCsv)}</a>
            </div>
            <ErrorNote error=error/>
            {move || list.get().and_then(Result::ok).map(|list| {
                let pages = list.pages();
                let total = list.total;
                if list.items.is_empty() {
                    let filtered = ["provider_id", "channel", "q"]
                        .iter()
                        .any(|name| !param(name).is_empty());
                    let key = if filtered {
                        Key::NoSubMerchantMatches
                    } else if running() {
                        Key::EmptyWhileSyncing
                    } else {
                        Key::EmptySubMerchants
                    };
                    view! { <p class="empty-row">{tr(key)}</p> }.into_any()
                } else {
                    view! {
                        <SubMerchantTable items=list.items/>
                        <Pager page=page total=total pages=pages/>
                    }.into_any()
                }
            })}
        </section>
    }
}

fn channel_key(channel: WechatChannel) -> Key {
    match channel {
        WechatChannel::OfficialDirect => Key::ChannelDirect,
        WechatChannel::WechatMaidan => Key::ChannelMaidan,
    }
}

#[component]
fn SubMerchantTable(items: Vec<SubMerchantSummary>) -> impl IntoView {
    let badge = |yes: bool, on: Key, off: Key| {
        view! {
            <span class="badge" class:badge-ok=yes class:badge-muted=!yes>{tr(if yes { on } else { off })}</span>
        }
    };
    view! {
        <table class="table" data-testid="sub-merchants">
            <thead><tr>
                <th>{tr(Key::ColSubMerchantName)}</th>
                <th>{tr(Key::ColMerchantId)}</th>
                <th>{tr(Key::ColProvider)}</th>
                <th>{tr(Key::ColChannel)}</th>
                <th>{tr(Key::ColMaidan)}</th>
                <th>{tr(Key::ColSubProvider)}</th>
                <th>{tr(Key::ColKeys)}</th>
            </tr></thead>
            <tbody>
                {items.into_iter().map(|m| view! {
                    <tr>
                        <td>{m.name}</td>
                        <td><code>{m.merchant_id}</code></td>
                        <td>{m.provider_name}</td>
                        <td>{tr(channel_key(m.channel))}</td>
                        <td>{badge(m.maidan_opened, Key::Opened, Key::NotOpened)}</td>
                        <td><code>{m.sub_provider_account_id.unwrap_or_default()}</code></td>
                        <td>{badge(m.keys_set, Key::KeysSet, Key::KeysNotSet)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Progress of the sync: processed / estimated total, percent, rate, ETA; then the result.
#[component]
fn JobBanner(job: Job) -> impl IntoView {
    let i18n = use_i18n();
    let lang = i18n.lang();
    let percent = (job.processed * 100).checked_div(job.total).unwrap_or(0);
    let text = match job.state {
        JobState::Queued => i18n.t(Key::JobQueued).to_owned(),
        JobState::Running => fill(
            i18n.t(Key::JobProgress),
            &[
                ("processed", job.processed.to_string()),
                ("total", job.total.to_string()),
                ("percent", percent.to_string()),
                ("rate", format!("{:.0}", job.rate_per_s)),
                (
                    "eta",
                    fill(
                        Key::Seconds.text(lang),
                        &[("s", job.eta_s.unwrap_or(0).to_string())],
                    ),
                ),
            ],
        ),
        JobState::Succeeded => fill(
            i18n.t(Key::JobDone),
            &[
                ("new", job.counts.new.to_string()),
                ("updated", job.counts.updated.to_string()),
                ("unchanged", job.counts.unchanged.to_string()),
                ("failed", job.counts.failed.to_string()),
            ],
        ),
        JobState::Failed | JobState::Cancelled => fill(
            i18n.t(Key::JobFailed),
            &[("error", job.error.clone().unwrap_or_default())],
        ),
    };
    let active = job.state.is_active();
    let class = match job.state {
        JobState::Succeeded => "note note-ok job-banner",
        JobState::Failed | JobState::Cancelled => "note note-error job-banner",
        _ => "note note-info job-banner",
    };
    let state = job.state.as_str();
    let failures = job.failures;
    view! {
        <div class=class role="status" data-testid="job-banner" data-state=state
            data-processed=job.processed.to_string()>
            <div class="job-text">{text}</div>
            {active.then(|| view! {
                <progress max="100" value=percent.to_string()></progress>
                <div class="muted">{tr(Key::JobHint)}</div>
            })}
            {(!failures.is_empty()).then(|| view! {
                <details>
                    <summary>{tr(Key::FailedRows)}" ("{failures.len()}")"</summary>
                    <ul>
                        {failures.into_iter().map(|f| view! {
                            <li><code>{f.merchant_id}</code>" ("{f.provider_id}"): "{f.reason}</li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
        </div>
    }
}
