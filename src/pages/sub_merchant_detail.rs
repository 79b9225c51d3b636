//! 子商户详情: basic information (edit to switch the WeChat Pay channel — method 2), the keys'
//! status, and the change history.

use domain::{
    ErrorCode,
    api::{SubMerchantDetail, WechatChannel},
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{self, ApiError},
    components::{
        channel_switch::{MaidanLink, channel_key},
        error_note::ErrorNote,
    },
    i18n::{Key, tr, use_i18n},
    pages::{audit::action_key, overview::local_time},
};

#[component]
pub fn SubMerchantDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let detail = RwSignal::new(None::<SubMerchantDetail>);
    let load_error = RwSignal::new(None::<ApiError>);
    Effect::new(move |_| {
        let Some(id) = id() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match api::sub_merchant(id).await {
                Ok(found) => detail.set(Some(found)),
                Err(e) => load_error.set(Some(e)),
            }
        });
    });
    view! {
        <p><a href="/sub-merchants">{tr(Key::BackToSubMerchants)}</a></p>
        <ErrorNote error=load_error/>
        {move || detail.get().map(|d| {
            let name = d.sub_merchant.name.clone();
            view! {
                <div class="page-head">
                    <div>
                        <h1 class="page-title">{name}</h1>
                        <p class="muted">{tr(Key::SubMerchantTitle)}" · "<code>{d.sub_merchant.merchant_id.clone()}</code></p>
                    </div>
                </div>
                <BasicInfoCard detail=d.clone() on_saved=Callback::new(move |next| detail.set(Some(next)))/>
                <KeysCard keys_set=d.sub_merchant.keys_set/>
                <HistoryCard detail=d/>
            }
        })}
    }
}

#[component]
fn BasicInfoCard(
    detail: SubMerchantDetail,
    on_saved: Callback<SubMerchantDetail>,
) -> impl IntoView {
    let i18n = use_i18n();
    let m = detail.sub_merchant;
    let editing = RwSignal::new(false);
    let channel = RwSignal::new(m.channel);
    let saving = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let (id, merchant_id, current) = (m.id, m.merchant_id.clone(), m.channel);
    let not_opened = move || {
        error
            .get()
            .is_some_and(|e| e.code() == Some(ErrorCode::MaidanNotOpened))
    };
    let save = move |_| {
        let to = channel.get();
        if to == current {
            editing.set(false);
            return;
        }
        saving.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::switch_channel(id, to).await {
                Ok(next) => {
                    editing.set(false);
                    on_saved.run(next);
                }
                Err(e) => error.set(Some(e)),
            }
            saving.set(false);
        });
    };
    let row = |label: Key, value: AnyView| {
        view! { <div class="kv"><dt>{tr(label)}</dt><dd>{value}</dd></div> }
    };
    let opened = m.maidan_opened;
    view! {
        <section class="card" data-testid="basic-info">
            <header class="config-head">
                <h2>{tr(Key::SubMerchantBasic)}</h2>
                <Show when=move || !editing.get()>
                    <button type="button" class="btn btn-small" on:click=move |_| editing.set(true) data-testid="edit-basic">
                        {tr(Key::Edit)}
                    </button>
                </Show>
            </header>
            <dl class="kv-list">
                {row(Key::FieldSubMerchantName, view! { {m.name.clone()} }.into_any())}
                {row(Key::ColMerchantId, view! { <code>{m.merchant_id.clone()}</code> }.into_any())}
                {row(Key::ColProvider, view! { {m.provider_name.clone()}" "<code>{m.provider_id.clone()}</code> }.into_any())}
                {row(Key::FieldSubProvider, match m.sub_provider_account_id.clone() {
                    Some(account) => view! { <code>{account}</code> }.into_any(),
                    None => view! { <span class="muted">{tr(Key::NoSubProvider)}</span> }.into_any(),
                })}
                {row(Key::FieldChannel, view! {
                    <Show when=move || editing.get() fallback=move || view! { <span data-testid="channel">{tr(channel_key(current))}</span> }>
                        <select class="input select" aria-label=move || i18n.t(Key::FieldChannel)
                            prop:value=move || channel.get().as_str()
                            on:change=move |ev| {
                                if let Some(c) = WechatChannel::parse(&event_target_value(&ev)) {
                                    channel.set(c);
                                }
                            }>
                            <option value="official_direct">{tr(Key::ChannelDirect)}</option>
                            <option value="wechat_maidan">{tr(Key::ChannelMaidan)}</option>
                        </select>
                    </Show>
                }.into_any())}
                {row(Key::FieldMaidanOpened, view! {
                    <span class="badge" class:badge-ok=opened class:badge-muted=!opened>
                        {tr(if opened { Key::Opened } else { Key::NotOpened })}
                    </span>
                }.into_any())}
                {row(Key::FieldSyncedAt, view! { {local_time(&detail.synced_at)} }.into_any())}
            </dl>
            <ErrorNote error=error/>
            <Show when=not_opened>
                <MaidanLink merchant_id=merchant_id.clone()/>
            </Show>
            <Show when=move || editing.get()>
                <div class="form-actions">
                    <button type="button" class="btn" on:click=move |_| { editing.set(false); channel.set(current); error.set(None); }>
                        {tr(Key::Cancel)}
                    </button>
                    <button type="button" class="btn btn-primary" on:click=save disabled=saving data-testid="save-basic">
                        {move || i18n.t(if saving.get() { Key::Saving } else { Key::Save })}
                    </button>
                </div>
            </Show>
        </section>
    }
}

#[component]
fn KeysCard(keys_set: bool) -> impl IntoView {
    view! {
        <section class="card">
            <header class="config-head"><h2>{tr(Key::KeysTitle)}</h2></header>
            <span class="badge" class:badge-ok=keys_set class:badge-muted=!keys_set>
                {tr(if keys_set { Key::KeysSet } else { Key::KeysNotSet })}
            </span>
        </section>
    }
}

#[component]
fn HistoryCard(detail: SubMerchantDetail) -> impl IntoView {
    let i18n = use_i18n();
    let events = detail.history;
    view! {
        <section class="card" data-testid="history">
            <header class="config-head"><h2>{tr(Key::HistoryTitle)}</h2></header>
            {if events.is_empty() {
                view! { <p class="empty-row">{tr(Key::HistoryEmpty)}</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr>
                            <th>{tr(Key::ColTime)}</th>
                            <th>{tr(Key::ColActor)}</th>
                            <th>{tr(Key::ColAction)}</th>
                        </tr></thead>
                        <tbody>
                            {events.into_iter().map(|e| {
                                let action = e.action.clone();
                                view! {
                                    <tr>
                                        <td>{local_time(&e.at)}</td>
                                        <td><code>{e.actor}</code></td>
                                        <td>{move || action_key(&action).map_or_else(|| action.clone(), |k| i18n.t(k).to_owned())}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
