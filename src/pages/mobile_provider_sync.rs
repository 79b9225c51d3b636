//! The phone page a scanned provider-sync QR code opens: it names the target account and
//! where the code came from, and the assistant admin confirms or cancels.

use domain::api::{MobileProviderSyncTicket, TicketState, WechatUser};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{self, ApiError},
    components::{
        error_note::ErrorNote, language_switch::LanguageSwitch, provider_sync_dialog::SyncResult,
    },
    i18n::{Key, tr},
    pages::overview::local_time,
};

#[component]
pub fn MobileProviderSyncPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let ticket = RwSignal::new(None::<MobileProviderSyncTicket>);
    let error = RwSignal::new(None::<ApiError>);
    let users = RwSignal::new(Vec::<WechatUser>::new());
    let chosen = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let declined = RwSignal::new(false);

    leptos::task::spawn_local(async move {
        match api::mobile_provider_sync_ticket(&id()).await {
            Ok(t) => ticket.set(Some(t)),
            Err(e) => error.set(Some(e)),
        }
        if let Ok(list) = api::sandbox_wechat_users().await {
            if let Some(first) = list.first() {
                chosen.set(first.openid.clone());
            }
            users.set(list);
        }
    });

    let confirm = move |_| {
        busy.set(true);
        error.set(None);
        let openid = chosen.get_untracked();
        leptos::task::spawn_local(async move {
            match api::confirm_provider_sync(&id(), &openid).await {
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
    view! {
        <div class="mobile">
            <header class="mobile-bar">
                <span class="brand-mark" aria-hidden="true">"云"</span>
                <span class="mobile-title">{tr(Key::MobileTitle)}</span>
                <LanguageSwitch/>
            </header>
            <main class="mobile-body">
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
                <Show when=open>
                    <p class="note note-info">{tr(Key::MobileCheck)}</p>
                    <fieldset class="card identity">
                        <legend>
                            <span class="badge badge-sandbox">{tr(Key::Sandbox)}</span>" "
                            {tr(Key::MobileWho)}
                        </legend>
                        <p class="muted">{tr(Key::MobileSandboxNote)}</p>
                        {move || users.get().into_iter().map(|u| {
                            let openid = u.openid.clone();
                            let value = u.openid.clone();
                            let pick = u.openid.clone();
                            view! {
                                <label class="choice">
                                    <input
                                        type="radio"
                                        name="wechat_user"
                                        value=value
                                        prop:checked=move || chosen.get() == openid
                                        on:change=move |_| chosen.set(pick.clone())
                                    />
                                    <span>{u.nickname.clone()}</span>
                                    <code class="muted">{u.openid.clone()}</code>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <div class="mobile-actions">
                        <button type="button" class="btn btn-primary btn-block" disabled=move || busy.get() on:click=confirm>
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
            </main>
        </div>
    }
}
