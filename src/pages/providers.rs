//! 服务商账户管理(新): the account's providers, searchable and paged on the server, and the
//! entry to the QR sync.

use domain::api::{AccountRole, ListQuery, ProviderSummary};
use leptos::prelude::*;

use crate::{
    api,
    components::{loaded::Loaded, pager::Pager, provider_sync_dialog::ProviderSyncDialog},
    format::local_time,
    i18n::{Key, fill, tr, use_i18n},
    state::session::use_session,
};

#[component]
pub fn ProvidersPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let search_input = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1_u32);
    let version = RwSignal::new(0_u32);
    let syncing = RwSignal::new(false);

    let providers = LocalResource::new(move || {
        version.track();
        let query = ListQuery {
            q: Some(search.get()),
            page: Some(page.get()),
            page_size: Some(ListQuery::DEFAULT_PAGE_SIZE),
        };
        async move { api::list_providers(&query).await }
    });
    let is_provider = move || {
        session
            .info()
            .is_some_and(|s| s.account.role == AccountRole::Provider)
    };

    // Back from 解绑 on the provider's page: say what happened.
    let query = leptos_router::hooks::use_query_map();
    let unbound = move || query.with(|q| q.get("unbound"));

    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        page.set(1);
        search.set(search_input.get_untracked().trim().to_owned());
    };

    view! {
        <div class="page-head">
            <div>
                <h1 class="page-title">{tr(Key::ProvidersTitle)}</h1>
                <p class="muted">{tr(Key::ProvidersSubtitle)}</p>
            </div>
            <Show when=is_provider>
                <button type="button" class="btn btn-primary" on:click=move |_| syncing.set(true)>
                    {tr(Key::SyncProviders)}
                </button>
            </Show>
        </div>
        {move || unbound().map(|id| view! {
            <p class="note note-ok" role="status" data-testid="provider-unbound">
                {move || fill(i18n.t(Key::Unbound), &[("id", id.clone())])}
            </p>
        })}
        <section class="card">
            <form class="toolbar" role="search" on:submit=on_search>
                <input
                    type="search"
                    class="input"
                    aria-label=move || i18n.t(Key::SearchProviders)
                    placeholder=move || i18n.t(Key::SearchProviders)
                    prop:value=move || search_input.get()
                    on:input=move |ev| search_input.set(event_target_value(&ev))
                />
                <button type="submit" class="btn">{tr(Key::Search)}</button>
            </form>
            <Loaded resource=providers let:list>
                {
                    let pages = list.pages();
                    let total = list.total;
                    if total == 0 && search.get().is_empty() {
                        view! { <EmptyProviders on_sync=Callback::new(move |()| syncing.set(true))/> }.into_any()
                    } else if list.items.is_empty() {
                        view! { <p class="empty-row">{tr(Key::NoMatches)}</p> }.into_any()
                    } else {
                        view! {
                            <ProviderTable items=list.items/>
                            <Pager page=page total=total pages=pages/>
                        }.into_any()
                    }
                }
            </Loaded>
        </section>
        <Show when=move || syncing.get()>
            <ProviderSyncDialog
                on_close=Callback::new(move |()| syncing.set(false))
                on_synced=Callback::new(move |()| version.update(|v| *v += 1))
            />
        </Show>
    }
}

#[component]
fn ProviderTable(items: Vec<ProviderSummary>) -> impl IntoView {
    let configured = |yes: bool| {
        view! {
            <span class="badge" class:badge-ok=yes class:badge-muted=!yes>
                {tr(if yes { Key::Configured } else { Key::NotConfigured })}
            </span>
        }
    };
    view! {
        <table class="table" data-testid="providers">
            <thead>
                <tr>
                    <th>{tr(Key::ColProviderName)}</th>
                    <th>{tr(Key::ColProviderId)}</th>
                    <th>{tr(Key::ColWechatPay)}</th>
                    <th>{tr(Key::ColAlipay)}</th>
                    <th>{tr(Key::ColSyncedAt)}</th>
                </tr>
            </thead>
            <tbody>
                {items
                    .into_iter()
                    .map(|p| view! {
                        <tr>
                            <td><a href=format!("/providers/{}", p.provider_id)>{p.name}</a></td>
                            <td><code>{p.provider_id}</code></td>
                            <td>{configured(p.wechat_pay_configured)}</td>
                            <td>{configured(p.alipay_configured)}</td>
                            <td>{local_time(&p.synced_at)}</td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn EmptyProviders(on_sync: Callback<()>) -> impl IntoView {
    view! {
        <div class="empty-state empty-inline" data-testid="providers-empty">
            <h2>{tr(Key::EmptyProvidersTitle)}</h2>
            <p class="muted">{tr(Key::EmptyProvidersBody)}</p>
            <button type="button" class="btn btn-primary" on:click=move |_| on_sync.run(())>
                {tr(Key::SyncProviders)}
            </button>
        </div>
    }
}
