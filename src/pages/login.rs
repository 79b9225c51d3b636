//! 登录: Tencent Cloud account ID and password. The account-ID rule runs as the user types.

use domain::{
    FieldError,
    api::LoginRequest,
    demo::DEMO_ACCOUNTS,
    rules::{self, AccountId},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{self, ApiError},
    components::{error_note::ErrorNote, field::TextField, language_switch::LanguageSwitch},
    format::role_key,
    i18n::{Key, tr, use_i18n},
};

/// Where to go after signing in: the `next` query if it is a path of this site.
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| domain::navigation::safe_next(n).is_some())
        .unwrap_or_else(|| "/".to_owned())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();

    let account_id = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let account_touched = RwSignal::new(false);
    let submitted = RwSignal::new(false);

    let login = Action::new_local(|request: &LoginRequest| {
        let request = request.clone();
        async move { api::login(&request).await }
    });
    let server_error = RwSignal::new(None::<ApiError>);
    // The server's verdict on a field holds until the field changes.
    let server_fields = RwSignal::new((None::<FieldError>, None::<FieldError>));
    Effect::new(move |_| {
        account_id.track();
        server_fields.update(|f| f.0 = None);
    });
    Effect::new(move |_| {
        password.track();
        server_fields.update(|f| f.1 = None);
    });

    let account_error = Signal::derive(move || {
        AccountId::parse(&account_id.get())
            .err()
            .or_else(|| server_fields.get().0)
    });
    let password_error = Signal::derive(move || {
        rules::login_password(&password.get())
            .err()
            .or_else(|| server_fields.get().1)
    });
    // A letter shows the rule at once; length waits until the field is left or submitted.
    let show_account_error = Signal::derive(move || {
        account_touched.get()
            || submitted.get()
            || account_id.with(|v| v.trim().bytes().any(|b| !b.is_ascii_digit()))
    });

    Effect::new(move |_| {
        let Some(result) = login.value().get() else {
            return;
        };
        match result {
            Ok(_) => {
                let next = safe_next(query.with_untracked(|q| q.get("next")));
                // The console is the other entry: a full page load.
                crate::app::go_to(&next, false);
            }
            Err(error) => {
                server_fields.set((
                    error.field("account_id").cloned(),
                    error.field("password").cloned(),
                ));
                server_error.set(Some(error));
            }
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        server_error.set(None);
        if account_error.get_untracked().is_some() || password_error.get_untracked().is_some() {
            return;
        }
        login.dispatch(LoginRequest {
            account_id: account_id.get_untracked().trim().to_owned(),
            password: password.get_untracked().into(),
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
                    label=Key::AccountId
                    value=account_id
                    error=account_error
                    show_error=show_account_error
                    placeholder=Key::AccountIdPlaceholder
                    input_mode="numeric"
                    autocomplete="username"
                    on_blur=Callback::new(move |()| account_touched.set(true))
                />
                <TextField
                    name="password"
                    label=Key::Password
                    value=password
                    error=password_error
                    show_error=submitted
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
                                            on:click=move |_| account_id.set(id.to_owned())
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
