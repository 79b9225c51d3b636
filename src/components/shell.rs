//! The console shell: top bar, left navigation, and the page (the router's outlet). It stays
//! mounted while the pages change, and guards every page inside it: a signed-out visitor is
//! sent to the login page and brought back afterwards. On a narrow screen (a phone) the
//! navigation is a drawer behind the top bar's menu button, with the account and its actions.

use domain::{
    api::AccountRole,
    navigation::{LOGIN_PATH, login_url},
};
use leptos::{html, prelude::*};
use leptos_router::{
    components::{A, Outlet},
    hooks::use_location,
};

use crate::{
    api,
    components::{
        dialog::{focus, keep_tab_inside},
        language_switch::LanguageSwitch,
    },
    i18n::{Key, tr, use_i18n},
    location::go_to,
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
    let drawer = Drawer::default();
    view! {
        <Show
            when=move || session.info().is_some()
            fallback=|| view! { <div class="boot">{tr(Key::Loading)}</div> }
        >
            <div class="shell">
                <TopBar drawer/>
                <div class="shell-body">
                    <SideNav drawer/>
                    // Takes the focus when what had it is gone (a dialog's opener).
                    <main class="page" tabindex="-1"><Outlet/></main>
                </div>
            </div>
        </Show>
    }
}

/// The navigation drawer of narrow screens: open or not, and the button that opens it (focus
/// returns there when it closes). On a wide screen the navigation is always shown.
#[derive(Clone, Copy, Default)]
struct Drawer {
    open: RwSignal<bool>,
    button: NodeRef<html::Button>,
    nav: NodeRef<html::Nav>,
}

impl Drawer {
    /// Opens the drawer and moves the focus to its first link, once it is shown.
    fn show(self) {
        self.open.set(true);
        request_animation_frame(move || {
            let first = self
                .nav
                .get_untracked()
                .and_then(|nav| nav.query_selector("a").ok().flatten());
            if let Some(link) = first {
                focus(&link);
            }
        });
    }

    /// Closes the drawer and gives the focus back to the menu button.
    fn hide(self) {
        self.open.set(false);
        if let Some(button) = self.button.get_untracked() {
            let _ = button.focus();
        }
    }
}

#[component]
fn TopBar(drawer: Drawer) -> impl IntoView {
    let session = use_session();
    let i18n = use_i18n();
    let sandbox = move || session.info().is_some_and(|s| s.sandbox);
    view! {
        <header class="topbar">
            <button
                type="button"
                class="btn btn-ghost menu-button"
                node_ref=drawer.button
                aria-controls="sidenav"
                aria-expanded=move || drawer.open.get().to_string()
                aria-label=move || i18n.t(Key::Menu)
                data-testid="menu-button"
                on:click=move |_| {
                    if drawer.open.get_untracked() { drawer.hide() } else { drawer.show() }
                }
            >
                <span class="menu-icon" aria-hidden="true"></span>
            </button>
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
            <div class="wide-only">
                <AccountBadge/>
            </div>
            <LanguageSwitch/>
            <div class="wide-only topbar-actions">
                <AccountActions/>
            </div>
        </header>
    }
}

/// Who is signed in: the account's name and ID. (The drawer's copy carries no test ID: the
/// top bar's is the one.)
#[component]
fn AccountBadge(#[prop(optional)] in_drawer: bool) -> impl IntoView {
    let session = use_session();
    let account = move || session.info().map(|s| s.account);
    view! {
        <div class="topbar-account" data-testid=(!in_drawer).then_some("account")>
            <span class="account-name">{move || account().map(|a| a.name)}</span>
            <span class="account-id">
                {tr(Key::AccountId)}": "
                <code>{move || account().map(|a| a.id.to_string())}</code>
            </span>
        </div>
    }
}

/// 修改密码 and 退出登录: in the top bar on a wide screen, in the drawer on a narrow one.
#[component]
fn AccountActions(#[prop(optional)] in_drawer: bool) -> impl IntoView {
    let session = use_session();
    let sign_out = ServerWrite::new(
        |()| api::logout(),
        move |()| {
            session.signed_out();
            go_to(LOGIN_PATH, false);
        },
    );
    view! {
        <A
            href="/account/password"
            attr:class="btn btn-ghost"
            attr:data-testid=(!in_drawer).then_some("change-password-link")
        >
            {tr(Key::ChangePassword)}
        </A>
        <button type="button" class="btn btn-ghost" on:click=move |_| sign_out.send(())>
            {tr(Key::SignOut)}
        </button>
    }
}

#[component]
fn SideNav(drawer: Drawer) -> impl IntoView {
    let session = use_session();
    let i18n = use_i18n();
    let provider = move || {
        session
            .info()
            .is_some_and(|s| s.account.role == AccountRole::Provider)
    };
    // While the drawer is open, Tab stays inside it and Escape closes it.
    let on_keydown = move |event: web_sys::KeyboardEvent| {
        if !drawer.open.get_untracked() {
            return;
        }
        if event.key() == "Escape" {
            drawer.hide();
        } else if let Some(nav) = drawer.nav.get_untracked() {
            keep_tab_inside(&nav, &event);
        }
    };
    // Following a link in the drawer closes it (the page it opens takes the focus).
    let on_click = move |event: web_sys::MouseEvent| {
        let on_link = event
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .and_then(|e| e.closest("a").ok().flatten())
            .is_some();
        if on_link {
            drawer.open.set(false);
        }
    };
    view! {
        <div
            class="drawer-backdrop"
            class:open=move || drawer.open.get()
            aria-hidden="true"
            on:click=move |_| drawer.hide()
        ></div>
        <nav
            id="sidenav"
            class="sidenav"
            class:open=move || drawer.open.get()
            node_ref=drawer.nav
            aria-label=move || i18n.t(Key::NavLabel)
            on:keydown=on_keydown
            on:click=on_click
        >
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
            <div class="sidenav-account narrow-only">
                <AccountBadge in_drawer=true/>
                <AccountActions in_drawer=true/>
            </div>
        </nav>
    }
}
