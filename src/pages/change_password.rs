//! 修改密码: the current password, then the new one twice. Each field is checked as it is
//! typed by the rule the server applies again; afterwards the account's other sessions have
//! ended, and this one goes on. Below it, 退出所有设备 ends every session, this one too.

use domain::rules;
use leptos::prelude::*;

use crate::{
    api,
    components::{error_note::ErrorNote, field::TextField},
    i18n::{Key, tr},
    location::go_to,
    state::{form::Form, session::use_session, write::ServerWrite},
};

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let form = Form::new();
    let done = RwSignal::new(false);
    let change = ServerWrite::for_form(
        form,
        |(old, fresh): &(String, String)| {
            let (old, fresh) = (old.clone(), fresh.clone());
            async move { api::change_password(&old, &fresh).await }
        },
        move |()| {
            done.set(true);
            form.reset();
            for field in [current, new, again] {
                field.set(String::new());
            }
        },
    );
    let error = change.error();
    let current_message = form.message("current_password", current, |v| {
        rules::login_password(v).err()
    });
    let new_message = form.message("new_password", new, |v| rules::new_password(v).err());
    let again_message = form.message("new_password_again", again, move |v| {
        rules::same_password(&new.get(), v).err()
    });
    // A refusal about a field shows at that field; any other above the form.
    let page_error = Signal::derive(move || {
        error
            .get()
            .filter(|e| e.field("current_password").is_none() && e.field("new_password").is_none())
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit();
        done.set(false);
        let (old, fresh) = (current.get_untracked(), new.get_untracked());
        if rules::login_password(&old).is_err()
            || rules::new_password(&fresh).is_err()
            || rules::same_password(&fresh, &again.get_untracked()).is_err()
        {
            return;
        }
        change.send((old, fresh));
    };
    let busy = change.pending();

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
                <TextField name="current_password" label=tr(Key::FieldCurrentPassword) value=current
                    message=current_message form=form input_type="password"
                    autocomplete="current-password"/>
                <TextField name="new_password" label=tr(Key::FieldNewPassword) value=new
                    message=new_message form=form input_type="password"
                    autocomplete="new-password"/>
                <TextField name="new_password_again" label=tr(Key::FieldNewPasswordAgain) value=again
                    message=again_message form=form input_type="password"
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
    let sign_out = ServerWrite::new(
        |()| api::sign_out_everywhere(),
        move |()| {
            session.signed_out();
            go_to(domain::navigation::LOGIN_PATH, false);
        },
    );
    let busy = sign_out.pending();
    view! {
        <section class="card narrow">
            <h2>{tr(Key::SignOutEverywhere)}</h2>
            <p class="muted">{tr(Key::SignOutEverywhereHint)}</p>
            <ErrorNote error=sign_out.error()/>
            <div class="form-actions">
                <button type="button" class="btn" data-testid="sign-out-everywhere"
                    disabled=move || busy.get() on:click=move |_| sign_out.send(())>
                    {tr(Key::SignOutEverywhere)}
                </button>
            </div>
        </section>
    }
}
