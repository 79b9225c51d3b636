//! The console shell: top bar, left navigation, and the page (the router's outlet). It stays
//! mounted while the pages change, and guards every page inside it: a signed-out visitor is
//! sent to the login page and brought back afterwards.

use domain::{
    api::AccountRole,
    navigation::{LOGIN_PATH, login_url},
};
use leptos::prelude::*;
use leptos_router::{
    components::{A, Outlet},
    hooks::use_location,
};

use crate::{
    api,
    app::go_to,
    components::language_switch::LanguageSwitch,
    i18n::{Key, tr, use_i18n},
    state::{session::use_session, write::ServerWrite},
};

/// The signed-in console around the current page.
#[component]
pub fn Shell() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    // Tracks only the session: reading the location untracked keeps the redirect itself
    // from triggering another one. (The server redirects a visitor it knows is signed out; this
    // catches a session that ends while the page is open, and static hosting.)
    Effect::new(move |_| {
        if session.checked() && session.info().is_none() {
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                location.pathname.get_untracked()
            } else {
                format!("{}?{search}", location.pathname.get_untracked())
            };
            go_to(&login_url(&here), true);
        }
    });
    view! {
        <Show
            when=move || session.info().is_some()
            fallback=|| view! { <div class="boot">{tr(Key::Loading)}</div> }
        >
            <div class="shell">
                <TopBar/>
                <div class="shell-body">
                    <SideNav/>
                    <main class="page"><Outlet/></main>
                </div>
            </div>
        </Show>
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let session = use_session();
    let i18n = use_i18n();
    let sign_out = ServerWrite::new(
        |()| api::logout(),
        move |()| {
            session.signed_out();
            go_to(LOGIN_PATH, false);
        },
    );
    let account = move || session.info().map(|s| s.account);
    let sandbox = move || session.info().is_some_and(|s| s.sandbox);
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"云"</span>
                <span class="brand-name">{tr(Key::ProductName)}</span>
            </a>
            <Show when=sandbox>
                <span class="badge badge-sandbox" title=move || i18n.t(Key::SandboxHint)>
                    {tr(Key::Sandbox)}
                </span>
            </Show>
            <div class="topbar-spacer"></div>
            <div class="topbar-account" data-testid="account">
                <span class="account-name">{move || account().map(|a| a.name)}</span>
                <span class="account-id">
                    {tr(Key::AccountId)}": "
                    <code>{move || account().map(|a| a.id.to_string())}</code>
                </span>
            </div>
            <LanguageSwitch/>
            <A href="/account/password" attr:class="btn btn-ghost" attr:data-testid="change-password-link">
                {tr(Key::ChangePassword)}
            </A>
            <button
                type="button"
                class="btn btn-ghost"
                on:click=move |_| sign_out.send(())
            >
                {tr(Key::SignOut)}
            </button>
        </header>
    }
}

#[component]
fn SideNav() -> impl IntoView {
    let session = use_session();
    let provider = move || {
        session
            .info()
            .is_some_and(|s| s.account.role == AccountRole::Provider)
    };
    view! {
        <nav class="sidenav" aria-label="main">
            <A href="/" exact=true>{tr(Key::NavOverview)}</A>
            <Show when=provider>
                <A href="/providers">{tr(Key::NavProviders)}</A>
            </Show>
            <A href="/sub-merchants">{tr(Key::NavSubMerchants)}</A>
            <Show when=provider>
                <A href="/sub-providers">{tr(Key::NavSubProviders)}</A>
            </Show>
            <A href="/transactions">{tr(Key::NavTransactions)}</A>
            <Show when=provider>
                <A href="/maidan/open">{tr(Key::NavOpenMaidan)}</A>
                <A href="/audit">{tr(Key::NavAudit)}</A>
            </Show>
        </nav>
    }
}
