//! The phone page of 开通微信买单: 已有商户号？立即绑定 → merchant ID, mobile, bank card and the
//! SMS code, each checked as it is typed; 获取验证码 waits out its minute on the button; the
//! sandbox shows its code in a labelled 沙箱 banner.

use domain::{
    ErrorCode, Lang,
    api::{MaidanBinding, MaidanBound, MaidanSmsRequest, MaidanSmsSent},
    rules,
};
use leptos::prelude::*;

use crate::{
    api,
    components::{error_note::ErrorNote, field::TextField, mobile_shell::MobileShell},
    i18n::{Key, fill, tr, use_i18n},
    location::query_param,
    state::{form::Form, poll::sleep, write::ServerWrite},
};

const FIELDS: [(&str, Key, &str); 4] = [
    ("merchant_id", Key::ColMerchantId, "numeric"),
    ("mobile", Key::FieldMobile, "tel"),
    ("bank_card", Key::FieldBankCard, "numeric"),
    ("code", Key::FieldSmsCode, "numeric"),
];

/// The document's title (WeChat's browser shows it in its top bar); the same as the page's
/// `<title>` in Chinese.
fn document_title(lang: Lang) -> &'static str {
    lang.pick("开通微信买单 · 云支付", "Open WeChat Maidan · Cloud Pay")
}

#[component]
pub fn MobileMaidanPage() -> impl IntoView {
    let i18n = use_i18n();
    let started = RwSignal::new(false);
    let values = FIELDS.map(|(name, _, _)| {
        RwSignal::new(if name == "merchant_id" {
            query_param("merchant_id").unwrap_or_default()
        } else {
            String::new()
        })
    });
    let binding = move || MaidanBinding {
        merchant_id: values[0].get(),
        mobile: values[1].get(),
        bank_card: values[2].get(),
        code: values[3].get(),
    };
    let form = Form::new();
    let cooldown = RwSignal::new(0_u64);
    let sandbox_code = RwSignal::new(None::<String>);
    let bound = RwSignal::new(None::<String>);
    let ask = ServerWrite::for_form(
        form,
        |request: &MaidanSmsRequest| {
            let request = request.clone();
            async move { api::send_maidan_code(&request).await }
        },
        move |sent: MaidanSmsSent| {
            sandbox_code.set(sent.sandbox_code);
            leptos::task::spawn_local(count_down(cooldown, sent.cooldown_s));
        },
    );
    let bind = ServerWrite::for_form(
        form,
        |body: &MaidanBinding| {
            let body = body.clone();
            async move { api::bind_maidan(&body).await }
        },
        move |done: MaidanBound| bound.set(Some(done.merchant_id)),
    );
    let (code_error, bind_error) = (ask.error(), bind.error());
    // Asked too often: the button waits as long as the server said.
    Effect::new(move |_| {
        if let Some(wait) = code_error.get().and_then(|e| e.retry_after_s()) {
            leptos::task::spawn_local(count_down(cooldown, wait));
        }
    });
    let ask_code = move |_: leptos::ev::MouseEvent| {
        let request = MaidanSmsRequest {
            merchant_id: values[0].get(),
            mobile: values[1].get(),
        };
        if rules::merchant_id(&request.merchant_id).is_err()
            || rules::mobile(&request.mobile).is_err()
        {
            form.submit();
            return;
        }
        ask.send(request);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit();
        let body = binding();
        if body.check().is_empty() {
            bind.send(body);
        }
    };
    // Field refusals show at their fields; any other above the button.
    let general_error = Signal::derive(move || {
        [code_error.get(), bind_error.get()]
            .into_iter()
            .flatten()
            .find(|e| e.code() != Some(ErrorCode::Validation))
    });
    let busy = bind.pending();
    view! {
        <MobileShell title=Key::MaidanPhoneTitle document_title=document_title>
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
                            let message = form.message(name, value, move |_| {
                                binding().check().into_iter().find(|(f, _)| *f == name).map(|(_, e)| e)
                            });
                            let send_code = (name == "code").then(|| -> Children {
                                Box::new(move || view! {
                                    <button type="button" class="btn" data-testid="send-code"
                                        disabled=move || { cooldown.get() > 0 } on:click=ask_code>
                                        {move || if cooldown.get() > 0 {
                                            fill(i18n.t(Key::ResendIn), &[("s", cooldown.get().to_string())])
                                        } else {
                                            i18n.t(Key::GetSmsCode).to_owned()
                                        }}
                                    </button>
                                }.into_any())
                            });
                            view! {
                                <TextField name=name label=tr(label) value=value message=message form=form
                                    input_class="input" input_mode=mode
                                    autocomplete=if name == "code" { "one-time-code" } else { "off" }
                                    beside=send_code/>
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

/// Counts `seconds` down on the button, a second at a time.
async fn count_down(cooldown: RwSignal<u64>, seconds: u64) {
    cooldown.set(seconds);
    while cooldown.get_untracked() > 0 {
        sleep(1_000).await;
        cooldown.update(|s| *s = s.saturating_sub(1));
    }
}
