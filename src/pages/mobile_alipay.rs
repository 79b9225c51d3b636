//! The phone page a 支付宝授权 QR code opens: which provider asks to collect for which
//! sub-merchant. The merchant authorizes the provider's app in Alipay (a phone that has not
//! done so for this code is sent there first and comes back here), then confirms or cancels.

use domain::{
    Lang,
    api::{MobileAlipayAuthorization, TicketState},
};
use leptos::prelude::*;

use crate::{
    api,
    components::{
        error_note::ErrorNote,
        mobile_shell::{Brand, MobileShell},
    },
    format::local_time,
    i18n::{Key, fill, request_lang, tr, use_i18n},
    state::{
        phone_sign_in::{self, SignInWith},
        write::ServerWrite,
    },
};

/// The document's title (WeChat's browser shows it in its top bar); the same as the page's
/// `<title>` in Chinese.
fn document_title(lang: Lang) -> &'static str {
    lang.pick(
        "支付宝子商户授权 · 云支付",
        "Alipay sub-merchant authorization · Cloud Pay",
    )
}

#[component]
pub fn MobileAlipayPage(
    /// The ticket, from the address.
    id: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(id);
    let id = move || id.get_value();
    let sign_in_error = phone_sign_in::came_back_with();
    let came_back_failed = sign_in_error.is_some();
    let signing_in = RwSignal::new(false);
    let declined = RwSignal::new(false);
    // The request as last read or confirmed.
    let request = RwSignal::new(None::<MobileAlipayAuthorization>);
    let read = LocalResource::new(move || {
        let id = id();
        async move { api::mobile_alipay_authorization(&id).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(r)) = read.get() {
            if r.state.is_open() && r.signed_in_as.is_none() && !came_back_failed {
                signing_in.set(true);
                phone_sign_in::start(SignInWith::Alipay, &r.id, request_lang());
            }
            request.set(Some(r));
        }
    });
    let confirm = ServerWrite::new(
        |id: &String| {
            let id = id.clone();
            async move { api::confirm_alipay_authorization(&id).await }
        },
        move |r| request.set(Some(r)),
    );
    let decline = ServerWrite::new(
        |id: &String| {
            let id = id.clone();
            async move { api::decline_alipay_authorization(&id).await }
        },
        move |()| declined.set(true),
    );
    let (confirm_error, decline_error) = (confirm.error(), decline.error());
    let error = Signal::derive(move || {
        confirm_error
            .get()
            .or_else(|| decline_error.get())
            .or_else(|| read.get().and_then(Result::err))
            .or_else(|| sign_in_error.clone())
    });
    let (confirming, declining) = (confirm.pending(), decline.pending());
    let busy = move || confirming.get() || declining.get();
    let open = move || request.get().is_some_and(|r| r.state.is_open()) && !declined.get();
    let signed_in = move || request.get().and_then(|r| r.signed_in_as);

    view! {
        <MobileShell title=Key::MobileAlipayTitle document_title=document_title brand=Brand::Alipay>
            <ErrorNote error=error/>
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
            <Show when=move || open() && signing_in.get()>
                <p class="note note-info" role="status">{tr(Key::MobileAlipaySigningIn)}</p>
            </Show>
            <Show when=move || open() && !signing_in.get() && signed_in().is_none()>
                <div class="mobile-actions">
                    <a class="btn btn-primary btn-block" data-testid="sign-in-again"
                        href=move || phone_sign_in::start_url(SignInWith::Alipay, &id(), i18n.lang())>
                        {tr(Key::MobileSignInAgain)}
                    </a>
                </div>
            </Show>
            <Show when=move || open() && signed_in().is_some()>
                <section class="card">
                    <dl class="facts">
                        <dt>{tr(Key::MobileAlipayWho)}</dt>
                        <dd data-testid="signed-in-as">
                            {move || signed_in().map(|who| view! { <code>{who.id}</code> })}
                        </dd>
                    </dl>
                </section>
                <div class="mobile-actions">
                    <button type="button" class="btn btn-primary btn-block" data-testid="alipay-confirm"
                        disabled=busy on:click=move |_| confirm.send(id())>
                        {tr(Key::MobileAlipayConfirm)}
                    </button>
                    <button type="button" class="btn btn-block" disabled=busy on:click=move |_| decline.send(id())>
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
        </MobileShell>
    }
}
