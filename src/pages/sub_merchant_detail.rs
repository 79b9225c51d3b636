//! 子商户详情: basic information (edit to switch the WeChat Pay channel — method 2), the
//! merchant's profile (简称, 管理员, logo, 广告, 备注), the keys' status, and the change history.
//!
//! Over 400 lines because the page is its cards, each a component of its own here (basic
//! information with the sub-provider editor, keys, Alipay, history, re-attribution): they share
//! the page's reload and the signed-in role, and none is used by another page.

use domain::{
    ErrorCode, Lang,
    api::{AccountRole, Job, JobState, SubMerchantDetail, SubProvider, WechatChannel},
    rules::AccountId,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api,
    components::{
        alipay_dialog::AlipayDialog, channel_switch::MaidanLink, copy_button::CopyButton,
        error_note::ErrorNote, field::TextField, job_progress::JobProgress,
        key_reset_dialog::KeyResetDialog, loaded::Loaded, sub_merchant_profile::ProfileCard,
    },
    format::{action_key, channel_key, local_time},
    i18n::{Key, fill, tr, use_i18n},
    state::{form::Form, poll, session::use_session, write::ServerWrite},
};

/// Cloud Pay's own document on configuring sub-merchants (the guide links it here).
const DOC_SUB_MERCHANTS: &str = "https://cloud.tencent.com/document/product/569/9795";

#[component]
pub fn SubMerchantDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())));
    // Another ID is another sub-merchant: nothing of the previous one stays on screen.
    move || id.get().map(|id| view! { <SubMerchantDetailView id=id/> })
}

#[component]
fn SubMerchantDetailView(id: i64) -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let detail = LocalResource::new(move || {
        version.track();
        api::sub_merchant(id)
    });
    let reload = move || version.update(|v| *v += 1);
    // The re-attribution a sub-provider change started, as the change answered it: it may
    // have ended before the page reads the sub-merchant again.
    let moved = RwSignal::new(None::<Job>);
    let session = use_session();
    let provider = session
        .info()
        .is_some_and(|s| s.account.role == AccountRole::Provider);
    view! {
        <p><a href="/sub-merchants">{tr(Key::BackToSubMerchants)}</a></p>
        <Loaded resource=detail let:d>
            <div class="page-head">
                <div>
                    <h1 class="page-title">{d.sub_merchant.name.clone()}</h1>
                    <p class="muted">{tr(Key::SubMerchantTitle)}" · "<code>{d.sub_merchant.merchant_id.clone()}</code></p>
                </div>
            </div>
            // Read untracked: the page is drawn again when the sub-merchant is read again.
            {d.reattribution.clone().or_else(|| moved.get_untracked()).map(|job| view! {
                <ReattributionCard job=job merchant_id=d.sub_merchant.merchant_id.clone()
                    to_provider=d.sub_merchant.sub_provider_account_id.is_none()/>
            })}
            <BasicInfoCard detail=d.clone() editable=provider on_saved=Callback::new(move |job: Option<Job>| {
                if job.is_some() {
                    moved.set(job);
                }
                reload();
            })/>
            <ProfileCard id=d.sub_merchant.id basic=d.basic.clone() editable=provider
                on_saved=Callback::new(move |()| reload())/>
            <KeysCard detail=d.clone() editable=provider on_reset=Callback::new(move |()| reload())/>
            <AlipayCard detail=d.clone() editable=provider on_authorized=Callback::new(move |()| reload())/>
            <HistoryCard detail=d/>
        </Loaded>
    }
}

/// What saving the editor does to the sub-provider.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SubProviderEdit {
    Keep,
    /// Back to the provider itself.
    Clear,
    Set(String),
    /// An account ID not registered yet: register it under 子服务商 first, then set it.
    Register(SubProvider),
}

#[component]
fn BasicInfoCard(
    detail: SubMerchantDetail,
    editable: bool,
    /// With the re-attribution the change started, if it did.
    on_saved: Callback<Option<Job>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let m = detail.sub_merchant;
    let editing = RwSignal::new(false);
    let channel = RwSignal::new(m.channel);
    let (id, merchant_id, current) = (m.id, m.merchant_id.clone(), m.channel);
    let current_sub = StoredValue::new(m.sub_provider_account_id.clone().unwrap_or_default());
    let sub_provider = RwSignal::new(current_sub.get_value());
    let form = Form::new();
    let sub_message = form.message("account_id", sub_provider, |v| AccountId::parse(v).err());
    // A sub-provider registered here in place: its name and rebate ratio, checked by the rule
    // of 子服务商; the IDs registered so (a retry after a failed change does not register again).
    let (new_name, new_rebate) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let registered_here = RwSignal::new(Vec::<String>::new());
    let new_sub_provider = move || SubProvider {
        account_id: sub_provider.get().trim().to_owned(),
        name: new_name.get(),
        rebate_ratio: new_rebate.get(),
        remark: String::new(),
    };
    let rule_of = move |field: &'static str| move |_: &str| new_sub_provider().error_of(field);
    let name_message = form.message("name", new_name, rule_of("name"));
    let rebate_message = form.message("rebate_ratio", new_rebate, rule_of("rebate_ratio"));
    let registered = LocalResource::new(move || async move {
        if editing.get() {
            api::sub_providers().await.unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    // The channel first, then the sub-provider (only what changed).
    let save = ServerWrite::for_form(
        form,
        move |(to, sub): &(WechatChannel, SubProviderEdit)| {
            let (to, sub) = (*to, sub.clone());
            async move {
                if to != current {
                    api::switch_channel(id, to).await?;
                }
                match sub {
                    SubProviderEdit::Keep => Ok(None),
                    SubProviderEdit::Clear => api::clear_sub_provider(id).await,
                    SubProviderEdit::Set(sub) => api::change_sub_provider(id, &sub).await,
                    SubProviderEdit::Register(new) => {
                        api::save_sub_provider(&new, true).await?;
                        registered_here.update(|ids| ids.push(new.account_id.clone()));
                        api::change_sub_provider(id, &new.account_id).await
                    }
                }
            }
        },
        move |job| {
            editing.set(false);
            on_saved.run(job);
        },
    );
    let error = save.error();
    let not_opened = move || {
        error
            .get()
            .is_some_and(|e| e.code() == Some(ErrorCode::MaidanNotOpened))
    };
    let saving = save.pending();
    // A well-formed ID that is not registered yet: say so, and offer to register it here.
    let unregistered = move || {
        let sub = sub_provider.get().trim().to_owned();
        // Still loading: say nothing yet.
        let known = registered
            .get()
            .is_none_or(|list| list.iter().any(|s| s.account_id == sub))
            || registered_here.with(|ids| ids.contains(&sub));
        AccountId::parse(&sub).is_ok() && !known && current_sub.with_value(|c| *c != sub)
    };
    let on_save = move |_| {
        form.submit();
        let sub = sub_provider.get().trim().to_owned();
        let edit = match (sub.is_empty(), current_sub.with_value(|c| *c == sub)) {
            (_, true) => SubProviderEdit::Keep,
            (true, false) => SubProviderEdit::Clear,
            (false, false) if AccountId::parse(&sub).is_err() => return,
            (false, false) if unregistered() => {
                let new = new_sub_provider();
                if !new.check().is_empty() {
                    return;
                }
                SubProviderEdit::Register(new)
            }
            (false, false) => SubProviderEdit::Set(sub),
        };
        save.send((channel.get(), edit));
    };
    let row = |label: Key, value: AnyView| {
        view! { <div class="kv"><dt>{tr(label)}</dt><dd>{value}</dd></div> }
    };
    let opened = m.maidan_opened;
    view! {
        <section class="card" data-testid="basic-info">
            <header class="config-head">
                <h2>{tr(Key::SubMerchantBasic)}</h2>
                <Show when=move || editable && !editing.get()>
                    <button type="button" class="btn btn-small" on:click=move |_| editing.set(true) data-testid="edit-basic">
                        {tr(Key::Edit)}
                    </button>
                </Show>
            </header>
            <dl class="kv-list">
                {row(Key::FieldSubMerchantName, view! { {m.name.clone()} }.into_any())}
                {row(Key::ColMerchantId, view! { <code>{m.merchant_id.clone()}</code> }.into_any())}
                {row(Key::FieldOutSubMchId, view! {
                    <code data-testid="out-sub-mch-id">{m.out_sub_mch_id.clone()}</code>
                    <CopyButton text=m.out_sub_mch_id.clone() test_id="copy-out-sub-mch-id"/>
                }.into_any())}
                {row(Key::FieldOutMchId, view! {
                    <code data-testid="out-mch-id">{m.out_mch_id.clone()}</code>
                    <CopyButton text=m.out_mch_id.clone() test_id="copy-out-mch-id"/>
                }.into_any())}
                {row(Key::ColProvider, view! { {m.provider_name.clone()}" "<code>{m.provider_id.clone()}</code> }.into_any())}
                {row(Key::FieldSubProvider, view! {
                    <Show when=move || editing.get() fallback={
                        let shown = m.sub_provider_account_id.clone();
                        move || match shown.clone() {
                            Some(account) => view! { <code data-testid="sub-provider">{account}</code> }.into_any(),
                            None => view! { <span class="muted" data-testid="sub-provider">{tr(Key::NoSubProvider)}</span> }.into_any(),
                        }
                    }>
                        <div class="kv-stack">
                            <TextField name="account_id" label=tr(Key::FieldSubProvider) hide_label=true
                                value=sub_provider message=sub_message form=form input_class="input"
                                input_mode="numeric" list="registered-sub-providers"/>
                            <datalist id="registered-sub-providers">
                                {move || registered.get().unwrap_or_default().into_iter().map(|s| view! {
                                    <option value=s.account_id>{s.name}</option>
                                }).collect_view()}
                            </datalist>
                            <p class="field-note"><strong>{tr(Key::SubProviderClearHint)}</strong></p>
                            <p class="field-note">{tr(Key::FindAccountId)}</p>
                            <Show when=unregistered>
                                <div class="note note-warn kv-stack" data-testid="sub-provider-unregistered">
                                    <p>{tr(Key::SubProviderUnregistered)}</p>
                                    <TextField name="name" id="new-sub-provider-name" label=tr(Key::FieldSubProviderName)
                                        value=new_name message=name_message form=form input_class="input"/>
                                    <TextField name="rebate_ratio" id="new-sub-provider-rebate" label=tr(Key::FieldRebateRatio)
                                        value=new_rebate message=rebate_message form=form input_class="input"
                                        input_mode="decimal"/>
                                </div>
                            </Show>
                        </div>
                    </Show>
                }.into_any())}
                {row(Key::FieldChannel, view! {
                    <Show when=move || editing.get() fallback=move || view! { <span data-testid="channel">{tr(channel_key(current))}</span> }>
                        <select class="input select" aria-label=move || i18n.t(Key::FieldChannel)
                            prop:value=move || channel.get().as_str()
                            on:change=move |ev| {
                                if let Some(c) = WechatChannel::parse(&event_target_value(&ev)) {
                                    channel.set(c);
                                }
                            }>
                            {WechatChannel::ALL.into_iter().map(|c| view! {
                                <option value=c.as_str()>{tr(channel_key(c))}</option>
                            }).collect_view()}
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
                    <button type="button" class="btn" on:click=move |_| { editing.set(false); channel.set(current);
                        sub_provider.set(current_sub.get_value()); new_name.set(String::new());
                        new_rebate.set(String::new()); save.forget(); form.reset(); }>
                        {tr(Key::Cancel)}
                    </button>
                    <button type="button" class="btn btn-primary" on:click=on_save disabled=saving data-testid="save-basic">
                        {move || i18n.t(if saving.get() { Key::Saving } else { Key::Save })}
                    </button>
                </div>
            </Show>
        </section>
    }
}

/// 认证密钥和签名公私钥: fingerprints and when they were reset, never the keys.
#[component]
fn KeysCard(detail: SubMerchantDetail, editable: bool, on_reset: Callback<()>) -> impl IntoView {
    let resetting = RwSignal::new(false);
    let sub_merchant = detail.sub_merchant;
    let keys_set = sub_merchant.keys_set;
    let facts = detail.keys.map(|keys| {
        view! {
            <dl class="kv-list" data-testid="key-facts">
                <div class="kv"><dt>{tr(Key::FieldAuthType)}</dt><dd><code data-testid="auth-type">{keys.authentication_type.as_str()}</code></dd></div>
                <div class="kv"><dt>{tr(Key::FieldSignType)}</dt><dd><code data-testid="sign-type">{keys.signature_type.as_str()}</code></dd></div>
                <div class="kv"><dt>{tr(Key::KeyFingerprint)}</dt><dd><code class="fingerprint" data-testid="fingerprint">{keys.public_key_sha256}</code></dd></div>
                <div class="kv"><dt>{tr(Key::KeyAuthLast4)}</dt><dd><code data-testid="auth-last4">{format!("···· {}", keys.authentication_key_last4)}</code></dd></div>
                <div class="kv"><dt>{tr(Key::KeyResetAt)}</dt><dd data-testid="reset-at">{local_time(&keys.reset_at)}</dd></div>
                <div class="kv"><dt>{tr(Key::KeyResetBy)}</dt><dd><code>{keys.reset_by}</code></dd></div>
            </dl>
        }
    });
    let empty = facts.is_none();
    view! {
        <section class="card" data-testid="keys">
            <header class="config-head">
                <h2>{tr(Key::KeysTitle)}" "
                    <span class="badge" class:badge-ok=keys_set class:badge-muted=!keys_set data-testid="keys-badge">
                        {tr(if keys_set { Key::KeysSet } else { Key::KeysNotSet })}
                    </span>
                </h2>
                <Show when=move || editable>
                    <button type="button" class="btn btn-small" data-testid="reset-keys" on:click=move |_| resetting.set(true)>
                        {tr(Key::KeyReset)}
                    </button>
                </Show>
            </header>
            {facts}
            <Show when=move || empty>
                <p class="muted">{tr(Key::KeysNone)}</p>
            </Show>
            <p class="field-note">
                <a href=DOC_SUB_MERCHANTS target="_blank" rel="noopener noreferrer">{tr(Key::DocSubMerchants)}" ↗"</a>
            </p>
            <Show when=move || resetting.get()>
                <KeyResetDialog sub_merchant=sub_merchant.clone() on_close=Callback::new(move |reset: bool| {
                    resetting.set(false);
                    if reset {
                        on_reset.run(());
                    }
                })/>
            </Show>
        </section>
    }
}

/// 支付宝子商户授权 (optional): 已授权 with the user ID and date, or the way to authorize.
#[component]
fn AlipayCard(
    detail: SubMerchantDetail,
    editable: bool,
    on_authorized: Callback<()>,
) -> impl IntoView {
    let authorizing = RwSignal::new(false);
    let id = detail.sub_merchant.id;
    let authorized = detail.alipay.is_some();
    let facts = detail.alipay.map(|a| {
        view! {
            <dl class="kv-list">
                <div class="kv"><dt>{tr(Key::AlipayUserId)}</dt><dd><code data-testid="alipay-user-id">{a.user_id}</code></dd></div>
                <div class="kv"><dt>{tr(Key::AlipayAuthorizedAt)}</dt><dd data-testid="alipay-authorized-at">{local_time(&a.authorized_at)}</dd></div>
            </dl>
        }
    });
    view! {
        <section class="card" data-testid="alipay">
            <header class="config-head">
                <h2>{tr(Key::AlipayTitle)}" "
                    <span class="badge" class:badge-ok=authorized class:badge-muted=!authorized data-testid="alipay-badge">
                        {tr(if authorized { Key::AlipayAuthorized } else { Key::AlipayNotAuthorized })}
                    </span>
                </h2>
                <Show when=move || editable>
                    <button type="button" class="btn btn-small" data-testid="authorize-alipay" on:click=move |_| authorizing.set(true)>
                        {tr(if authorized { Key::AlipayReauthorize } else { Key::AlipayAuthorize })}
                    </button>
                </Show>
            </header>
            {facts}
            <Show when=move || !authorized>
                <p class="muted">{tr(Key::AlipayWhy)}</p>
            </Show>
            <Show when=move || authorizing.get()>
                <AlipayDialog sub_merchant_id=id on_close=Callback::new(move |done: bool| {
                    authorizing.set(false);
                    if done {
                        on_authorized.run(());
                    }
                })/>
            </Show>
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
                                let action = e.action;
                                view! {
                                    <tr>
                                        <td>{local_time(&e.at)}</td>
                                        <td><code>{e.actor}</code></td>
                                        <td>{move || i18n.t(action_key(action))}</td>
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

/// 历史交易归属调整中: the re-attribution of this sub-merchant's past transactions, followed
/// until it ends; then where to see the result. `to_provider`: the sub-provider was cleared.
#[component]
fn ReattributionCard(job: Job, merchant_id: String, to_provider: bool) -> impl IntoView {
    let current = RwSignal::new(Some(job.clone()));
    if job.state.is_active() {
        let stop = poll::follow_job(job.id, current, || {});
        on_cleanup(move || stop.stop());
    }
    let transactions = format!("/transactions?q={merchant_id}");
    view! {
        <JobProgress
            job=current
            describe=if to_provider { reattribution_to_provider_text } else { reattribution_text }
            test_id="reattribution"
        >
            <a href=transactions.clone()>{tr(Key::SeeTransactions)}</a>
        </JobProgress>
    }
}

/// The sentence of a re-attribution back to the provider itself.
fn reattribution_to_provider_text(job: &Job, lang: Lang) -> String {
    match job.state {
        JobState::Succeeded => Key::ReattributionDoneToProvider.text(lang).to_owned(),
        _ => reattribution_text(job, lang),
    }
}

/// The re-attribution's sentence.
fn reattribution_text(job: &Job, lang: Lang) -> String {
    match job.state {
        JobState::Succeeded => Key::ReattributionDone.text(lang).to_owned(),
        JobState::Failed | JobState::Cancelled => fill(
            Key::ReattributionFailed.text(lang),
            &[("error", job.error(lang).unwrap_or_default())],
        ),
        JobState::Queued | JobState::Running => fill(
            Key::ReattributionRunning.text(lang),
            &[
                ("processed", job.processed.to_string()),
                ("total", job.total.to_string()),
            ],
        ),
    }
}
