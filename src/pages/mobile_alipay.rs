//! The phone page a 支付宝授权 QR code opens: which provider asks to collect for which
//! sub-merchant. The merchant authorizes the provider's app in Alipay (a phone that has not
//! done so for this code is sent there first and comes back here), then confirms or cancels.

use domain::api::{MobileAlipayAuthorization, TicketState};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api,
    components::{
        error_note::ErrorNote,
        mobile_shell::{Brand, MobileShell},
    },
    format::local_time,
    i18n::{Key, fill, tr, use_i18n},
    state::phone_sign_in::{self, SignInWith},
};

#[component]
pub fn MobileAlipayPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let request = RwSignal::new(None::<MobileAlipayAuthorization>);
    let sign_in_error = phone_sign_in::came_back_with(&query.get_untracked());
    let error = RwSignal::new(sign_in_error.clone());
    let busy = RwSignal::new(false);
    let declined = RwSignal::new(false);
    let signing_in = RwSignal::new(false);

    leptos::task::spawn_local(async move {
        match api::mobile_alipay_authorization(&id()).await {
            Ok(r) => {
                if r.state.is_open() && r.signed_in_as.is_none() && sign_in_error.is_none() {
                    signing_in.set(true);
                    phone_sign_in::start(SignInWith::Alipay, &r.id);
                }
                request.set(Some(r));
            }
            Err(e) => error.set(Some(e)),
        }
    });

    let confirm = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::confirm_alipay_authorization(&id()).await {
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
    let open = move || request.get().is_some_and(|r| r.state.is_open()) && !declined.get();
    let signed_in = move || request.get().and_then(|r| r.signed_in_as);

    view! {
        <MobileShell title=Key::MobileAlipayTitle brand=Brand::Alipay>
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
                        href=move || phone_sign_in::start_url(SignInWith::Alipay, &id())>
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
        </MobileShell>
    }
}
