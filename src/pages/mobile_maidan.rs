//! The phone page of 开通微信买单: 已有商户号？立即绑定 → merchant ID, mobile, bank card and the
//! SMS code, each checked as it is typed; 获取验证码 waits out its minute on the button; the
//! sandbox shows its code in a labelled 沙箱 banner.

use domain::{
    ErrorCode,
    api::{MaidanBinding, MaidanSmsRequest},
    rules,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{self, ApiError},
    components::{error_note::ErrorNote, mobile_shell::MobileShell},
    i18n::{Key, fill, tr, use_i18n},
    state::poll::sleep,
};

const FIELDS: [(&str, Key, &str); 4] = [
    ("merchant_id", Key::ColMerchantId, "numeric"),
    ("mobile", Key::FieldMobile, "tel"),
    ("bank_card", Key::FieldBankCard, "numeric"),
    ("code", Key::FieldSmsCode, "numeric"),
];

#[component]
pub fn MobileMaidanPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let started = RwSignal::new(false);
    let values = FIELDS.map(|(name, _, _)| {
        RwSignal::new(if name == "merchant_id" {
            query.with_untracked(|q| q.get("merchant_id").unwrap_or_default())
        } else {
            String::new()
        })
    });
    let form = move || MaidanBinding {
        merchant_id: values[0].get(),
        mobile: values[1].get(),
        bank_card: values[2].get(),
        code: values[3].get(),
    };
    let submitted = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let code_error = RwSignal::new(None::<ApiError>);
    let cooldown = RwSignal::new(0_u64);
    let sandbox_code = RwSignal::new(None::<String>);
    let bound = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let message = move |name: &'static str, typed: bool| {
        let local = form()
            .check()
            .into_iter()
            .find(|(f, _)| *f == name)
            .map(|(_, e)| e);
        let remote = [server_error.get(), code_error.get()]
            .into_iter()
            .flatten()
            .find_map(|e| e.field(name).cloned());
        let show_local = (submitted.get() || typed) && !values_empty(name, &form());
        let local = local.filter(|_| show_local || submitted.get());
        local.or(remote).map(|e| e.message(i18n.lang()))
    };
    let ask_code = move |_: leptos::ev::MouseEvent| {
        let request = MaidanSmsRequest {
            merchant_id: values[0].get(),
            mobile: values[1].get(),
        };
        code_error.set(None);
        let checked = rules::merchant_id(&request.merchant_id).is_ok()
            && rules::mobile(&request.mobile).is_ok();
        if !checked {
            submitted.set(true);
            return;
        }
        leptos::task::spawn_local(async move {
            match api::send_maidan_code(&request).await {
                Ok(sent) => {
                    sandbox_code.set(sent.sandbox_code);
                    count_down(cooldown, sent.cooldown_s).await;
                }
                Err(e) => {
                    if let Some(wait) = e.retry_after_s() {
                        count_down(cooldown, wait).await;
                    }
                    code_error.set(Some(e));
                }
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        server_error.set(None);
        let body = form();
        if !body.check().is_empty() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::bind_maidan(&body).await {
                Ok(done) => bound.set(Some(done.merchant_id)),
                Err(e) => server_error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let general_error = Signal::derive(move || {
        [code_error.get(), server_error.get()]
            .into_iter()
            .flatten()
            .find(|e| e.code() != Some(ErrorCode::Validation))
    });
    view! {
        <MobileShell title=Key::MaidanPhoneTitle>
            {move || match (bound.get(), started.get()) {
                (Some(merchant_id), _) => view! {
                    <section class="card note-ok" role="status" data-testid="maidan-bound">
                        <h2>{tr(Key::MaidanBoundTitle)}</h2>
                        <p>{move || fill(i18n.t(Key::MaidanBoundText), &[("merchant_id", merchant_id.clone())])}</p>
                    </section>
                }.into_any(),
                (None, false) => view! {
                    <section class="card">
                        <h2>{tr(Key::MaidanLandingTitle)}</h2>
                        <p class="muted">{tr(Key::MaidanLandingText)}</p>
                        <div class="mobile-actions">
                            <button type="button" class="btn btn-primary btn-block" on:click=move |_| started.set(true)>
                                {tr(Key::MaidanHaveMerchantId)}
                            </button>
                        </div>
                    </section>
                }.into_any(),
                (None, true) => view! {
                    <form class="card" on:submit=submit novalidate data-testid="maidan-form">
                        {move || sandbox_code.get().map(|code| view! {
                            <p class="note note-warn" role="status" data-testid="sandbox-code">
                                {move || fill(i18n.t(Key::SandboxSmsBanner), &[("code", code.clone())])}
                            </p>
                        })}
                        {FIELDS.into_iter().zip(values).map(|((name, label, mode), value)| {
                            let typed = RwSignal::new(false);
                            view! {
                                <div class="field" class:field-invalid=move || message(name, typed.get()).is_some()>
                                    <label for=name>{tr(label)}</label>
                                    <div class:code-row=name == "code">
                                        <input id=name class="input" inputmode=mode
                                            autocomplete=if name == "code" { "one-time-code" } else { "off" }
                                            prop:value=move || value.get()
                                            on:input=move |ev| { typed.set(true); value.set(event_target_value(&ev)); }/>
                                        {(name == "code").then(|| view! {
                                            <button type="button" class="btn" data-testid="send-code"
                                                disabled=move || { cooldown.get() > 0 } on:click=ask_code>
                                                {move || if cooldown.get() > 0 {
                                                    fill(i18n.t(Key::ResendIn), &[("s", cooldown.get().to_string())])
                                                } else {
                                                    i18n.t(Key::GetSmsCode).to_owned()
                                                }}
                                            </button>
                                        })}
                                    </div>
                                    <p class="field-error" role="status">{move || message(name, typed.get())}</p>
                                </div>
                            }
                        }).collect_view()}
                        <ErrorNote error=general_error/>
                        <div class="mobile-actions">
                            <button type="submit" class="btn btn-primary btn-block" disabled=busy data-testid="bind">
                                {tr(Key::MaidanBind)}
                            </button>
                        </div>
                    </form>
                }.into_any(),
            }}
        </MobileShell>
    }
}

fn values_empty(name: &str, form: &MaidanBinding) -> bool {
    match name {
        "merchant_id" => form.merchant_id.is_empty(),
        "mobile" => form.mobile.is_empty(),
        "bank_card" => form.bank_card.is_empty(),
        _ => form.code.is_empty(),
    }
}

/// Counts `seconds` down on the button, a second at a time.
async fn count_down(cooldown: RwSignal<u64>, seconds: u64) {
    cooldown.set(seconds);
    while cooldown.get_untracked() > 0 {
        sleep(1_000).await;
        cooldown.update(|s| *s = s.saturating_sub(1));
    }
}
