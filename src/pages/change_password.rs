//! 修改密码: the current password, then the new one twice. Each field is checked as it is
//! typed by the rule the server applies again; afterwards the account's other sessions have
//! ended, and this one goes on. Below it, 退出所有设备 ends every session, this one too.

use domain::rules;
use leptos::prelude::*;

use crate::{
    api::{self, ApiError},
    app::{LOGIN, go_to},
    components::{error_note::ErrorNote, field::TextField},
    i18n::{Key, tr},
    state::session::use_session,
};

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let attempted = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);

    // The rule's verdict on what is typed, else what the server said of that field.
    let server = move |name: &'static str| error.get().and_then(|e| e.field(name).cloned());
    let current_error = Signal::derive(move || {
        rules::login_password(&current.get())
            .err()
            .or_else(|| server("current_password"))
    });
    let new_error = Signal::derive(move || {
        rules::new_password(&new.get())
            .err()
            .or_else(|| server("new_password"))
    });
    let again_error = Signal::derive(move || rules::same_password(&new.get(), &again.get()).err());
    let shown = |value: RwSignal<String>| {
        Signal::derive(move || attempted.get() || !value.get().is_empty())
    };
    let page_error = Signal::derive(move || {
        error
            .get()
            .filter(|e| e.field("current_password").is_none() && e.field("new_password").is_none())
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        attempted.set(true);
        done.set(false);
        if current_error.get_untracked().is_some()
            || rules::new_password(&new.get_untracked()).is_err()
            || again_error.get_untracked().is_some()
        {
            return;
        }
        busy.set(true);
        error.set(None);
        let (old, fresh) = (current.get_untracked(), new.get_untracked());
        leptos::task::spawn_local(async move {
            match api::change_password(&old, &fresh).await {
                Ok(()) => {
                    done.set(true);
                    attempted.set(false);
                    for field in [current, new, again] {
                        field.set(String::new());
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    // A server verdict about a field is forgotten as soon as that field changes.
    Effect::new(move |_| {
        current.track();
        new.track();
        if error.get_untracked().is_some_and(|e| {
            e.field("current_password").is_some() || e.field("new_password").is_some()
        }) {
            error.set(None);
        }
    });

    view! {
        <div class="page-head">
            <div>
                <h1 class="page-title">{tr(Key::ChangePasswordTitle)}</h1>
                <p class="muted">{tr(Key::ChangePasswordSubtitle)}</p>
            </div>
        </div>
        <section class="card narrow">
            <ErrorNote error=page_error/>
            <Show when=move || done.get()>
                <p class="note note-ok" role="status" data-testid="password-changed">
                    {tr(Key::PasswordChanged)}
                </p>
            </Show>
            <form on:submit=submit novalidate=true>
                <TextField name="current_password" label=Key::FieldCurrentPassword value=current
                    error=current_error show_error=shown(current) input_type="password"
                    autocomplete="current-password"/>
                <TextField name="new_password" label=Key::FieldNewPassword value=new
                    error=new_error show_error=shown(new) input_type="password"
                    autocomplete="new-password"/>
                <TextField name="new_password_again" label=Key::FieldNewPasswordAgain value=again
                    error=again_error show_error=shown(again) input_type="password"
                    autocomplete="new-password"/>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" data-testid="change-password"
                        disabled=move || busy.get()>
                        {tr(Key::ChangePassword)}
                    </button>
                </div>
            </form>
        </section>
        <SignOutEverywhere/>
    }
}

/// 退出所有设备: for a device lost or left signed in somewhere.
#[component]
fn SignOutEverywhere() -> impl IntoView {
    let session = use_session();
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let sign_out = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::sign_out_everywhere().await {
                Ok(()) => {
                    session.signed_out();
                    go_to(LOGIN, false);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <h2>{tr(Key::SignOutEverywhere)}</h2>
            <p class="muted">{tr(Key::SignOutEverywhereHint)}</p>
            <ErrorNote error=error/>
            <div class="form-actions">
                <button type="button" class="btn" data-testid="sign-out-everywhere"
                    disabled=move || busy.get() on:click=sign_out>
                    {tr(Key::SignOutEverywhere)}
                </button>
            </div>
        </section>
    }
}
