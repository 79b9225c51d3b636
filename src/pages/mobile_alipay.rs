//! The phone page a 支付宝授权 QR code opens: which provider asks to collect for which
//! sub-merchant; the merchant signs in to Alipay (in the sandbox: enters the Alipay user ID)
//! and authorizes, or cancels.

use domain::{
    api::{MobileAlipayAuthorization, TicketState},
    rules,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{self, ApiError},
    components::{error_note::ErrorNote, field::TextField, language_switch::LanguageSwitch},
    i18n::{Key, fill, tr, use_i18n},
    pages::overview::local_time,
};

#[component]
pub fn MobileAlipayPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let request = RwSignal::new(None::<MobileAlipayAuthorization>);
    let error = RwSignal::new(None::<ApiError>);
    let user_id = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let declined = RwSignal::new(false);

    leptos::task::spawn_local(async move {
        match api::mobile_alipay_authorization(&id()).await {
            Ok(r) => request.set(Some(r)),
            Err(e) => error.set(Some(e)),
        }
    });

    let user_error = Signal::derive(move || {
        rules::alipay_pid(&user_id.get())
            .err()
            .or_else(|| error.get().and_then(|e| e.field("alipay_user_id").cloned()))
    });
    let attempted = RwSignal::new(false);
    let show_error = Signal::derive(move || attempted.get() || !user_id.get().is_empty());
    let confirm = move |_| {
        attempted.set(true);
        if rules::alipay_pid(&user_id.get_untracked()).is_err() {
            return;
        }
        busy.set(true);
        error.set(None);
        let value = user_id.get_untracked().trim().to_owned();
        leptos::task::spawn_local(async move {
            match api::confirm_alipay_authorization(&id(), &value).await {
                Ok(r) => request.set(Some(r)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let decline = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::decline_alipay_authorization(&id()).await {
                Ok(()) => declined.set(true),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    // A field error is shown under the field; every other error above.
    let page_error =
        Signal::derive(move || error.get().filter(|e| e.field("alipay_user_id").is_none()));
    let open = move || request.get().is_some_and(|r| r.state.is_open()) && !declined.get();

    view! {
        <div class="mobile mobile-alipay">
            <header class="mobile-bar">
                <span class="brand-mark brand-alipay" aria-hidden="true">"支"</span>
                <span class="mobile-title">{tr(Key::MobileAlipayTitle)}</span>
                <LanguageSwitch/>
            </header>
            <main class="mobile-body">
                <ErrorNote error=page_error/>
                {move || request.get().map(|r| view! {
                    <section class="card">
                        <p data-testid="alipay-ask">
                            {move || fill(i18n.t(Key::MobileAlipayAsk), &[
                                ("provider", r.provider_name.clone()),
                                ("name", r.sub_merchant_name.clone()),
                                ("merchant_id", r.merchant_id.clone()),
                            ])}
                        </p>
                    </section>
                })}
                <Show when=open>
                    <fieldset class="card identity">
                        <legend>
                            <span class="badge badge-sandbox">{tr(Key::Sandbox)}</span>" "
                            {tr(Key::MobileAlipayLogin)}
                        </legend>
                        <p class="muted">{tr(Key::MobileAlipaySandbox)}</p>
                        <TextField name="alipay_user_id" label=Key::MobileAlipayAccount value=user_id
                            error=user_error show_error=show_error input_mode="numeric"/>
                    </fieldset>
                    <div class="mobile-actions">
                        <button type="button" class="btn btn-primary btn-block" data-testid="alipay-confirm"
                            disabled=move || busy.get() on:click=confirm>
                            {tr(Key::MobileAlipayConfirm)}
                        </button>
                        <button type="button" class="btn btn-block" disabled=move || busy.get() on:click=decline>
                            {tr(Key::MobileCancel)}
                        </button>
                    </div>
                </Show>
                <Show when=move || declined.get()>
                    <p class="note note-warn" role="status">{tr(Key::MobileAlipayCancelled)}</p>
                </Show>
                {move || request.get().filter(|r| r.state == TicketState::Completed).and_then(|r| r.authorized).map(|a| view! {
                    <p class="note note-ok" role="status" data-testid="alipay-done">{tr(Key::MobileAlipayDone)}</p>
                    <section class="card">
                        <dl class="facts">
                            <dt>{tr(Key::AlipayUserId)}</dt>
                            <dd><code>{a.user_id}</code></dd>
                            <dt>{tr(Key::AlipayAuthorizedAt)}</dt>
                            <dd>{local_time(&a.authorized_at)}</dd>
                        </dl>
                    </section>
                })}
            </main>
        </div>
    }
}
