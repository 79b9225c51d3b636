//! 子商户管理(新): the sub-merchant list (filters kept in the URL), 同步买单子商户 and its
//! progress banner, which also appears when the user comes back while a sync runs (its notes,
//! sentence and failed rows: [`sync`]).

use domain::{
    ErrorCode,
    api::{AccountRole, Job, ListQuery, SubMerchantQuery, SubMerchantSummary, WechatChannel},
};
use leptos::prelude::*;

mod sync;

pub use self::sync::{FailedRows, sync_text};
use self::sync::{SyncNotes, SyncStarted};
use crate::{
    api,
    components::{
        channel_switch::{SwitchDialog, SwitchPlan, SwitchResults, other},
        error_note::ErrorNote,
        job_progress::JobProgress,
        loaded::Loaded,
        pager::Pager,
    },
    format::{channel_key, local_time},
    i18n::{Key, fill, tr, use_i18n},
    state::url_filters::use_url_filters,
    state::{
        poll::{self, Stop},
        session::use_session,
        write::ServerWrite,
    },
};

const FILTERS: [&str; 4] = ["provider_id", "channel", "q", "page"];

#[component]
pub fn SubMerchantsPage() -> impl IntoView {
    let i18n = use_i18n();
    let filters = use_url_filters("/sub-merchants", &FILTERS);
    let param = move |name: &str| filters.param(name);
    let page = filters.page;
    let (by_provider, by_channel, by_text) = (
        move |n, v| filters.set(n, v),
        move |n, v| filters.set(n, v),
        move |n, v| filters.set(n, v),
    );

    let query = move || SubMerchantQuery {
        provider_id: filters.value("provider_id"),
        channel: filters.value("channel"),
        q: filters.value("q"),
        page: filters.page_number(),
        page_size: None,
    };
    let version = RwSignal::new(0_u32);
    let list = LocalResource::new(move || {
        version.track();
        let query = query();
        async move { api::list_sub_merchants(&query).await }
    });
    // Also what the notes above the list say about providers still to sync: read again
    // whenever the list is.
    let providers = LocalResource::new(move || async move {
        version.track();
        api::list_providers(&ListQuery {
            q: None,
            page: Some(1),
            page_size: Some(ListQuery::MAX_PAGE_SIZE),
        })
        .await
    });

    let job = RwSignal::new(None::<Job>);
    let poller = StoredValue::new(Stop::default());
    on_cleanup(move || poller.get_value().stop());
    let follow = move |id: String| {
        poller.get_value().stop();
        poller.set_value(poll::follow_job(id, job, move || {
            version.update(|v| *v += 1)
        }));
    };
    // A sub-provider account reads its own sub-merchants; only a provider changes anything.
    let editable = use_session()
        .info()
        .is_some_and(|s| s.account.role == AccountRole::Provider);
    // Coming back (or reloading) shows the last sync: followed while it runs, its result once
    // it ended.
    let recent = LocalResource::new(move || async move {
        if editable {
            api::sub_merchant_syncs().await
        } else {
            Ok(Vec::new())
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(jobs)) = recent.get()
            && let Some(last) = jobs.into_iter().next()
            && job.with_untracked(Option::is_none)
        {
            let id = last.id.clone();
            let active = last.state.is_active();
            job.set(Some(last));
            if active {
                follow(id);
            }
        }
    });
    let start = ServerWrite::new(
        |()| api::start_sub_merchant_sync(),
        move |started: Job| {
            let id = started.id.clone();
            job.set(Some(started));
            follow(id);
        },
    );
    let start_error = start.error();
    let running = move || job.get().is_some_and(|j| j.state.is_active());
    let providers_missing = move || {
        start_error
            .get()
            .is_some_and(|e| e.code() == Some(ErrorCode::ProvidersNotSynced))
    };
    let export = move || api::sub_merchants_csv_url(&query(), i18n.lang());

    // 切换渠道: one row (its other channel) or the selection (a chosen channel).
    let selected = RwSignal::new(Vec::<SubMerchantSummary>::new());
    let plan = RwSignal::new(None::<SwitchPlan>);
    let on_switch = Callback::new(move |row: SubMerchantSummary| {
        let to = other(row.channel);
        plan.set(Some(SwitchPlan {
            rows: vec![row],
            to,
            outcomes: None,
        }));
    });
    let switch_selected = move |to: WechatChannel| {
        plan.set(Some(SwitchPlan {
            rows: selected.get(),
            to,
            outcomes: None,
        }));
    };
    let on_done = Callback::new(move |done: SwitchPlan| {
        selected.set(Vec::new());
        plan.set(Some(done));
        version.update(|v| *v += 1);
    });

    // While a sync runs, an empty list is read again as its pages arrive: the first rows show
    // without waiting for the end (and without a reload).
    let arrived = Memo::new(move |_| {
        job.with(|j| {
            j.as_ref()
                .filter(|j| j.state.is_active())
                .map_or(0, |j| j.counts.new + j.counts.updated)
        })
    });
    Effect::new(move |_| {
        let empty = list
            .get_untracked()
            .and_then(Result::ok)
            .is_some_and(|page| page.items.is_empty());
        if arrived.get() > 0 && empty {
            version.update(|v| *v += 1);
        }
    });

    view! {
        <div class="page-head">
            <div>
                <h1 class="page-title">{tr(Key::SubMerchantsTitle)}</h1>
                <p class="muted">{tr(Key::SubMerchantsSubtitle)}</p>
            </div>
            {editable.then(|| view! {
                <button type="button" class="btn btn-primary" disabled=running on:click=move |_| start.send(()) data-testid="sync-sub-merchants">
                    {move || i18n.t(if running() { Key::SyncRunning } else { Key::SyncSubMerchants })}
                </button>
            })}
        </div>
        {editable.then(|| view! { <SyncNotes providers=providers job=job/> })}
        <ErrorNote error=start_error/>
        <Show when=providers_missing>
            <p class="note note-info"><a href="/providers">{tr(Key::GoSyncProviders)}" →"</a></p>
        </Show>
        <JobProgress job=job describe=sync_text test_id="job-banner" banner=true hint=Key::JobHint>
            <SyncStarted job=job/>
            <FailedRows job=job/>
        </JobProgress>
        {move || plan.get().map(|next| match next.outcomes {
            Some(outcomes) => view! { <SwitchResults outcomes=outcomes to=next.to/> }.into_any(),
            None => view! {
                <SwitchDialog plan=next on_close=Callback::new(move |()| plan.set(None)) on_done=on_done/>
            }.into_any(),
        })}
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
                        // Options arrive after the select's value was set: each marks itself.
                        list.items.into_iter().map(|p| {
                            let id = p.provider_id.clone();
                            view! {
                                <option value=p.provider_id selected=move || param("provider_id") == id>{p.name}</option>
                            }
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
                    {WechatChannel::ALL.into_iter().map(|c| view! {
                        <option value=c.as_str()>{tr(channel_key(c))}</option>
                    }).collect_view()}
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
            <Loaded resource=list let:list>
                {
                    let pages = list.pages();
                    let total = list.total;
                    let bulk = (!selected.with(Vec::is_empty)).then(|| view! {
                        <div class="bulk-bar" data-testid="bulk-bar">
                            <span>{move || fill(i18n.t(Key::SelectedCount), &[("count", selected.with(Vec::len).to_string())])}</span>
                            <button type="button" class="btn btn-small" on:click=move |_| switch_selected(WechatChannel::WechatMaidan)>
                                {tr(Key::SwitchToMaidan)}
                            </button>
                            <button type="button" class="btn btn-small" on:click=move |_| switch_selected(WechatChannel::OfficialDirect)>
                                {tr(Key::SwitchToDirect)}
                            </button>
                            <button type="button" class="btn btn-small btn-ghost" on:click=move |_| selected.set(Vec::new())>
                                {tr(Key::ClearSelection)}
                            </button>
                        </div>
                    });
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
                            {bulk}
                            <SubMerchantTable items=list.items selected=selected on_switch=on_switch editable=editable/>
                            <Pager page=page total=total pages=pages/>
                        }.into_any()
                    }
                }
            </Loaded>
        </section>
    }
}

#[component]
fn SubMerchantTable(
    items: Vec<SubMerchantSummary>,
    selected: RwSignal<Vec<SubMerchantSummary>>,
    on_switch: Callback<SubMerchantSummary>,
    editable: bool,
) -> impl IntoView {
    let badge = |yes: bool, on: Key, off: Key| {
        view! {
            <span class="badge" class:badge-ok=yes class:badge-muted=!yes>{tr(if yes { on } else { off })}</span>
        }
    };
    let is_selected = move |id: i64| selected.with(|s| s.iter().any(|m| m.id == id));
    let page_items = StoredValue::new(items.clone());
    let all_selected =
        move || page_items.with_value(|items| items.iter().all(|m| is_selected(m.id)));
    let toggle_page = move |_| {
        let select = !all_selected();
        selected.update(|s| {
            page_items.with_value(|items| {
                for m in items {
                    s.retain(|x| x.id != m.id);
                    if select {
                        s.push(m.clone());
                    }
                }
            });
        });
    };
    view! {
        <table class="table" data-testid="sub-merchants">
            <thead><tr>
                {editable.then(|| view! {
                    <th class="col-check">
                        <input type="checkbox" aria-label=tr(Key::SelectPage) prop:checked=all_selected on:change=toggle_page/>
                    </th>
                })}
                <th>{tr(Key::ColSubMerchantName)}</th>
                <th>{tr(Key::ColMerchantId)}</th>
                <th>{tr(Key::ColProvider)}</th>
                <th>{tr(Key::ColChannel)}</th>
                <th>{tr(Key::ColMaidan)}</th>
                <th>{tr(Key::ColSubProvider)}</th>
                <th>{tr(Key::ColKeys)}</th>
                <th>{tr(Key::ColSyncedAt)}</th>
                {editable.then(|| view! { <th>{tr(Key::ColActions)}</th> })}
            </tr></thead>
            <tbody>
                {items.into_iter().map(|m| {
                    let id = m.id;
                    let row = m.clone();
                    let toggle = move |_| selected.update(|s| {
                        if s.iter().any(|x| x.id == id) {
                            s.retain(|x| x.id != id);
                        } else {
                            s.push(row.clone());
                        }
                    });
                    let switch_row = m.clone();
                    let merchant_id = m.merchant_id.clone();
                    view! {
                        <tr data-merchant-id=merchant_id>
                            {editable.then(|| view! {
                                <td class="col-check">
                                    <input type="checkbox" aria-label=tr(Key::SelectRow) prop:checked=move || is_selected(id) on:change=toggle/>
                                </td>
                            })}
                            <td><a href=format!("/sub-merchants/{id}")>{m.name}</a></td>
                            <td><code>{m.merchant_id}</code></td>
                            <td>{m.provider_name}</td>
                            <td data-testid="channel">{tr(channel_key(m.channel))}</td>
                            <td>{badge(m.maidan_opened, Key::Opened, Key::NotOpened)}</td>
                            <td><code>{m.sub_provider_account_id.unwrap_or_default()}</code></td>
                            <td>{badge(m.keys_set, Key::KeysSet, Key::KeysNotSet)}</td>
                            <td class="nowrap" data-testid="synced-at">{local_time(&m.synced_at)}</td>
                            {editable.then(|| view! {
                                <td>
                                    <button type="button" class="btn btn-small" data-testid="switch-channel"
                                        on:click=move |_| on_switch.run(switch_row.clone())>
                                        {tr(Key::SwitchChannel)}
                                    </button>
                                </td>
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
