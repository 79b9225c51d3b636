//! 登录: Tencent Cloud account ID and password. The account-ID rule runs as the user types.

use domain::{
    api::LoginRequest,
    demo::DEMO_ACCOUNTS,
    rules::{self, AccountId},
};
use leptos::prelude::*;

use crate::{
    api,
    components::{error_note::ErrorNote, field::TextField, language_switch::LanguageSwitch},
    format::role_key,
    i18n::{Key, tr, use_i18n},
    state::{form::Form, write::ServerWrite},
};

/// Where to go after signing in: the `next` query if it is a path of this site. (Read from
/// the address itself: the login bundle has no router.)
fn safe_next() -> String {
    crate::location::query_param("next")
        .filter(|n| domain::navigation::safe_next(n).is_some())
        .unwrap_or_else(|| "/".to_owned())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();

    let account_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = Form::new();

    let login = ServerWrite::for_form(
        form,
        |request: &LoginRequest| {
            let request = request.clone();
            async move { api::login(&request).await }
        },
        move |_| {
            // The console is the other entry: a full page load.
            crate::location::go_to(&safe_next(), false);
        },
    );
    let server_error = login.error();
    let account_message = form.message("account_id", account_id, |v| AccountId::parse(v).err());
    let password_message = form.message("password", password, |v| rules::login_password(v).err());

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit();
        login.forget();
        let (id, secret) = (account_id.get_untracked(), password.get_untracked());
        if AccountId::parse(&id).is_err() || rules::login_password(&secret).is_err() {
            return;
        }
        login.send(LoginRequest {
            account_id: id.trim().to_owned(),
            password: secret.into(),
        });
    };

    // The demo accounts are offered only when the server says its upstream is the sandbox.
    let sandbox = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        if let Ok(health) = api::health().await {
            sandbox.set(health.upstream == "sandbox");
        }
    });
    let pending = login.pending();
    view! {
        <div class="login-screen">
            <div class="login-lang">
                <LanguageSwitch/>
            </div>
            <form class="login-card" on:submit=on_submit novalidate=true>
                <div class="login-brand">
                    <span class="brand-mark" aria-hidden="true">"云"</span>
                    <div>
                        <h1>{tr(Key::LoginTitle)}</h1>
                        <p class="muted">{tr(Key::LoginSubtitle)}</p>
                    </div>
                </div>
                <TextField
                    name="account_id"
                    label=tr(Key::AccountId)
                    value=account_id
                    message=account_message
                    form=form
                    placeholder=Key::AccountIdPlaceholder
                    input_mode="numeric"
                    autocomplete="username"
                />
                <TextField
                    name="password"
                    label=tr(Key::Password)
                    value=password
                    message=password_message
                    form=form
                    input_type="password"
                    autocomplete="current-password"
                />
                <ErrorNote error=server_error/>
                <button type="submit" class="btn btn-primary btn-block" disabled=pending>
                    {move || if pending.get() { i18n.t(Key::SigningIn) } else { i18n.t(Key::SignIn) }}
                </button>
                <Show when=move || sandbox.get()>
                <details class="demo-accounts">
                    <summary>
                        <span class="badge badge-sandbox">{tr(Key::Sandbox)}</span>
                        " "
                        {tr(Key::DemoAccounts)}
                    </summary>
                    <ul>
                        {DEMO_ACCOUNTS
                            .iter()
                            .map(|(id, name, role)| {
                                let id = *id;
                                view! {
                                    <li>
                                        <button
                                            type="button"
                                            class="link"
                                            on:click=move |_| {
                                                account_id.set(id.to_owned());
                                                form.edited("account_id");
                                            }
                                        >
                                            <code>{id}</code>
                                        </button>
                                        " "{*name}" · "{move || i18n.t(role_key(*role))}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </details>
                </Show>
            </form>
        </div>
    }
}
