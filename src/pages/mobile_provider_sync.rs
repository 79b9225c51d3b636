//! The phone page a scanned provider-sync QR code opens: it names the target account and
//! where the code came from. Who is confirming comes from WeChat: a phone that has not signed
//! in for this code is sent through WeChat OAuth first and comes back here; then the assistant
//! admin confirms or cancels.

use domain::api::{MobileProviderSyncTicket, TicketState};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api,
    components::{
        error_note::ErrorNote, mobile_shell::MobileShell, provider_sync_dialog::SyncResult,
    },
    format::local_time,
    i18n::{Key, tr},
    state::phone_sign_in::{self, SignInWith},
};

#[component]
pub fn MobileProviderSyncPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let ticket = RwSignal::new(None::<MobileProviderSyncTicket>);
    let sign_in_error = phone_sign_in::came_back_with(&query.get_untracked());
    let error = RwSignal::new(sign_in_error.clone());
    let busy = RwSignal::new(false);
    let declined = RwSignal::new(false);
    let signing_in = RwSignal::new(false);

    leptos::task::spawn_local(async move {
        match api::mobile_provider_sync_ticket(&id()).await {
            Ok(t) => {
                // Nobody signed in on this phone yet: WeChat first (unless it just failed,
                // which the page says, with a way to try again).
                if t.state.is_open() && t.signed_in_as.is_none() && sign_in_error.is_none() {
                    signing_in.set(true);
                    phone_sign_in::start(SignInWith::Wechat, &t.id);
                }
                ticket.set(Some(t));
            }
            Err(e) => error.set(Some(e)),
        }
    });

    let confirm = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::confirm_provider_sync(&id()).await {
                Ok(t) => ticket.set(Some(t)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let decline = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::decline_provider_sync(&id()).await {
                Ok(()) => declined.set(true),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    let open = move || ticket.get().is_some_and(|t| t.state.is_open()) && !declined.get();
    let signed_in = move || ticket.get().and_then(|t| t.signed_in_as);
    view! {
        <MobileShell title=Key::MobileTitle>
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
                        href=move || phone_sign_in::start_url(SignInWith::Wechat, &id())>
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
                        disabled=move || busy.get() on:click=confirm>
                        {tr(Key::MobileConfirm)}
                    </button>
                    <button type="button" class="btn btn-block" disabled=move || busy.get() on:click=decline>
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
