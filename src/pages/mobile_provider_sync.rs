//! The phone page a scanned provider-sync QR code opens: it names the target account and
//! where the code came from. Who is confirming comes from WeChat: a phone that has not signed
//! in for this code is sent through WeChat OAuth first and comes back here; then the assistant
//! admin confirms or cancels.

use domain::{
    Lang,
    api::{MobileProviderSyncTicket, TicketState},
};
use leptos::prelude::*;

use crate::{
    api,
    components::{
        error_note::ErrorNote, mobile_shell::MobileShell, provider_sync_dialog::SyncResult,
    },
    format::local_time,
    i18n::{Key, request_lang, tr, use_i18n},
    state::{
        phone_sign_in::{self, SignInWith},
        write::ServerWrite,
    },
};

/// The document's title (WeChat's browser shows it in its top bar); the same as the page's
/// `<title>` in Chinese.
fn document_title(lang: Lang) -> &'static str {
    lang.pick(
        "同步买单服务商信息 · 云支付",
        "Sync WeChat Maidan providers · Cloud Pay",
    )
}

#[component]
pub fn MobileProviderSyncPage(
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
    // The ticket as last read or confirmed.
    let ticket = RwSignal::new(None::<MobileProviderSyncTicket>);
    let read = LocalResource::new(move || {
        let id = id();
        async move { api::mobile_provider_sync_ticket(&id).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(t)) = read.get() {
            // Nobody signed in on this phone yet: WeChat first (unless it just failed, which
            // the page says, with a way to try again).
            if t.state.is_open() && t.signed_in_as.is_none() && !came_back_failed {
                signing_in.set(true);
                phone_sign_in::start(SignInWith::Wechat, &t.id, request_lang());
            }
            ticket.set(Some(t));
        }
    });
    let confirm = ServerWrite::new(
        |id: &String| {
            let id = id.clone();
            async move { api::confirm_provider_sync(&id).await }
        },
        move |t| ticket.set(Some(t)),
    );
    let decline = ServerWrite::new(
        |id: &String| {
            let id = id.clone();
            async move { api::decline_provider_sync(&id).await }
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

    let open = move || ticket.get().is_some_and(|t| t.state.is_open()) && !declined.get();
    let signed_in = move || ticket.get().and_then(|t| t.signed_in_as);
    view! {
        <MobileShell title=Key::MobileTitle document_title=document_title>
            <ErrorNote error=error/>
            {move || ticket.get().map(|t| view! {
                <section class="card">
                    <dl class="facts">
                        <dt>{tr(Key::MobileTarget)}</dt>
                        <dd data-testid="mobile-target">
                            <strong>{t.account.id.to_string()}</strong>
                            <br/>
                            {t.account.name.clone()}
                        </dd>
                        <dt>{tr(Key::MobileRequested)}</dt>
                        <dd>{local_time(&t.requested_at)}</dd>
                        <dt>{tr(Key::MobileRequestedIp)}</dt>
                        <dd><code>{t.requested_ip.clone()}</code></dd>
                    </dl>
                </section>
            })}
            <Show when=move || open() && signing_in.get()>
                <p class="note note-info" role="status">{tr(Key::MobileSigningIn)}</p>
            </Show>
            <Show when=move || open() && !signing_in.get() && signed_in().is_none()>
                <div class="mobile-actions">
                    <a class="btn btn-primary btn-block" data-testid="sign-in-again"
                        href=move || phone_sign_in::start_url(SignInWith::Wechat, &id(), i18n.lang())>
                        {tr(Key::MobileSignInAgain)}
                    </a>
                </div>
            </Show>
            <Show when=move || open() && signed_in().is_some()>
                <p class="note note-info">{tr(Key::MobileCheck)}</p>
                <section class="card">
                    <dl class="facts">
                        <dt>{tr(Key::MobileWho)}</dt>
                        <dd data-testid="signed-in-as">
                            {move || signed_in().map(|who| view! {
                                <strong>{who.name}</strong>" "<code class="muted">{who.id}</code>
                            })}
                        </dd>
                    </dl>
                </section>
                <div class="mobile-actions">
                    <button type="button" class="btn btn-primary btn-block" data-testid="mobile-confirm"
                        disabled=busy on:click=move |_| confirm.send(id())>
                        {tr(Key::MobileConfirm)}
                    </button>
                    <button type="button" class="btn btn-block" disabled=busy on:click=move |_| decline.send(id())>
                        {tr(Key::MobileCancel)}
                    </button>
                </div>
            </Show>
            <Show when=move || declined.get()>
                <p class="note note-warn" role="status">{tr(Key::MobileCancelled)}</p>
            </Show>
            {move || ticket.get().filter(|t| t.state == TicketState::Completed).and_then(|t| t.result).map(|r| view! {
                <p class="note note-ok" role="status">{tr(Key::MobileDone)}</p>
                <section class="card"><SyncResult result=r confirmed_by=String::new()/></section>
            })}
        </MobileShell>
    }
}
