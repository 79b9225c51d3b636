//! 切换渠道: confirm the change, switch one or several sub-merchants one after another, and
//! report each row's outcome — with the way out (开通微信买单) where WeChat refused.

use domain::{
    ErrorCode,
    api::{SubMerchantSummary, WechatChannel},
};
use leptos::prelude::*;

use crate::{
    api::{self, ApiError},
    components::dialog::Dialog,
    format::channel_key,
    i18n::{Key, fill, tr, use_i18n},
    state::write::ServerWrite,
};

/// The 开通微信买单 page for a merchant ID (the way out of `MaidanNotOpened`).
pub fn open_maidan_href(merchant_id: &str) -> String {
    format!(
        "/maidan/open?merchant_id={}",
        String::from(js_sys::encode_uri_component(merchant_id))
    )
}

/// The other channel: what 【切换渠道】 on a row switches to.
pub const fn other(channel: WechatChannel) -> WechatChannel {
    match channel {
        WechatChannel::OfficialDirect => WechatChannel::WechatMaidan,
        WechatChannel::WechatMaidan => WechatChannel::OfficialDirect,
    }
}

/// A switch: these rows, to this channel; once made, what became of each row.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchPlan {
    pub rows: Vec<SubMerchantSummary>,
    pub to: WechatChannel,
    pub outcomes: Option<Vec<SwitchOutcome>>,
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchOutcome {
    pub row: SubMerchantSummary,
    pub result: Result<(), ApiError>,
}

/// Asks for confirmation, naming the change, then switches the rows one by one.
#[component]
pub fn SwitchDialog(
    plan: SwitchPlan,
    on_close: Callback<()>,
    on_done: Callback<SwitchPlan>,
) -> impl IntoView {
    let i18n = use_i18n();
    let to = plan.to;
    let rows = StoredValue::new(plan.rows);
    let text = move || {
        let to_text = i18n.t(channel_key(to)).to_owned();
        rows.with_value(|rows| match rows.as_slice() {
            [one] => fill(
                i18n.t(Key::SwitchConfirmOne),
                &[
                    ("name", one.name.clone()),
                    ("merchant_id", one.merchant_id.clone()),
                    ("from", i18n.t(channel_key(one.channel)).to_owned()),
                    ("to", to_text),
                ],
            ),
            many => fill(
                i18n.t(Key::SwitchConfirmMany),
                &[("count", many.len().to_string()), ("to", to_text)],
            ),
        })
    };
    // One row after another; each row's refusal is part of the outcome, not the write's.
    let switch = ServerWrite::new(
        move |rows: &Vec<SubMerchantSummary>| {
            let rows = rows.clone();
            async move {
                let mut outcomes = Vec::new();
                for row in rows {
                    let result = api::switch_channel(row.id, to).await.map(|_| ());
                    outcomes.push(SwitchOutcome { row, result });
                }
                Ok::<_, ApiError>(outcomes)
            }
        },
        move |outcomes| {
            on_done.run(SwitchPlan {
                rows: Vec::new(),
                to,
                outcomes: Some(outcomes),
            });
        },
    );
    let busy = switch.pending();
    let confirm = move |_| switch.send(rows.get_value());
    view! {
        <Dialog title=Signal::derive(move || i18n.t(Key::SwitchConfirmTitle).to_owned()) on_close=on_close>
            <p data-testid="switch-confirm-text">{text}</p>
            {move || (rows.with_value(Vec::len) > 1).then(|| view! {
                <ul class="switch-rows">
                    {rows.get_value().into_iter().map(|r| view! {
                        <li>{r.name}" "<code>{r.merchant_id}</code></li>
                    }).collect_view()}
                </ul>
            })}
            {(to == WechatChannel::WechatMaidan).then(|| view! { <p class="muted">{tr(Key::SwitchMaidanHint)}</p> })}
            <div class="dialog-actions">
                <button type="button" class="btn" on:click=move |_| on_close.run(()) disabled=busy>{tr(Key::Cancel)}</button>
                <button type="button" class="btn btn-primary" on:click=confirm disabled=busy data-testid="confirm-switch">
                    {move || i18n.t(if busy.get() { Key::Switching } else { Key::ConfirmSwitch })}
                </button>
            </div>
        </Dialog>
    }
}

/// The outcome of a switch. One row says what became of it (已切换 / 未切换：reason); several
/// rows get a summary line, then each row with its outcome. A refusal carries its request ID
/// (and 去开通微信买单 where Maidan is not opened).
#[component]
pub fn SwitchResults(outcomes: Vec<SwitchOutcome>, to: WechatChannel) -> impl IntoView {
    let i18n = use_i18n();
    let ok = outcomes.iter().filter(|o| o.result.is_ok()).count();
    let failed = outcomes.len() - ok;
    let class = if failed == 0 {
        "note note-ok"
    } else {
        "note note-error"
    };
    let switched = move || {
        fill(
            i18n.t(Key::SwitchedTo),
            &[("to", i18n.t(channel_key(to)).to_owned())],
        )
    };
    if let [SwitchOutcome { row, result }] = outcomes.as_slice() {
        let (row, result) = (row.clone(), result.clone());
        let (name, merchant_id) = (row.name.clone(), row.merchant_id.clone());
        let sentence = move |key: Key, reason: String| {
            fill(
                i18n.t(key),
                &[
                    ("name", name.clone()),
                    ("merchant_id", merchant_id.clone()),
                    ("to", i18n.t(channel_key(to)).to_owned()),
                    ("reason", reason),
                ],
            )
        };
        let body = match result {
            Ok(()) => {
                view! { <div>{move || sentence(Key::SwitchedOne, String::new())}</div> }.into_any()
            }
            Err(error) => view! {
                <div>{
                    let reason = error.clone();
                    move || sentence(Key::NotSwitchedOne, reason.describe(i18n.lang()))
                }</div>
                <Refusal error=error merchant_id=row.merchant_id/>
            }
            .into_any(),
        };
        return view! { <div class=class role="status" data-testid="switch-results">{body}</div> }
            .into_any();
    }
    view! {
        <div class=class role="status" data-testid="switch-results">
            <div>{move || fill(i18n.t(Key::SwitchResults), &[("ok", ok.to_string()), ("failed", failed.to_string())])}</div>
            <ul class="switch-rows">
                {outcomes.into_iter().map(|SwitchOutcome { row, result }| {
                    let after = move |reason: String| fill(i18n.t(Key::ReasonAfter), &[("reason", reason)]);
                    let outcome = match result {
                        Ok(()) => view! { <span>{move || after(switched())}</span> }.into_any(),
                        Err(error) => {
                            let reason = error.clone();
                            view! {
                                <span>{move || after(reason.describe(i18n.lang()))}</span>
                                <Refusal error=error merchant_id=row.merchant_id.clone()/>
                            }
                            .into_any()
                        }
                    };
                    view! { <li>{row.name}" "<code>{row.merchant_id.clone()}</code>{outcome}</li> }
                }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

/// What follows a refusal's reason: 去开通微信买单 where Maidan is not opened, and the
/// request ID.
#[component]
fn Refusal(error: ApiError, merchant_id: String) -> impl IntoView {
    let link = (error.code() == Some(ErrorCode::MaidanNotOpened))
        .then(|| view! { " "<MaidanLink merchant_id=merchant_id/> });
    let id = error.request_id().map(str::to_owned);
    view! {
        {link}
        {id.map(|id| view! { " "<code class="request-id">{id}</code> })}
    }
}

/// 去开通微信买单, carrying the merchant ID.
#[component]
pub fn MaidanLink(merchant_id: String) -> impl IntoView {
    view! {
        <a class="btn btn-small" href=open_maidan_href(&merchant_id) data-testid="open-maidan-link">{tr(Key::OpenMaidan)}</a>
    }
}
