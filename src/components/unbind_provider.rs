//! 解绑: removes a provider synced by mistake, with its sub-merchants, once its ID is typed
//! again. The rule that checks the typing is the server's.

use domain::rules;
use leptos::prelude::*;
use leptos_router::{NavigateOptions, hooks::use_navigate};

use crate::{
    api,
    components::{error_note::ErrorNote, field::TextField},
    i18n::{Key, fill, tr, use_i18n},
    state::{form::Form, write::ServerWrite},
};

#[component]
pub fn UnbindProvider(provider_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let typed = RwSignal::new(String::new());
    let form = Form::new();
    let expected = provider_id.clone();
    let message = form.message("confirm", typed, move |v| {
        rules::typed_confirmation(v, &expected).err()
    });
    let navigate = use_navigate();
    let gone = provider_id.clone();
    let unbind = ServerWrite::for_form(
        form,
        |(id, confirm): &(String, String)| {
            let (id, confirm) = (id.clone(), confirm.clone());
            async move { api::unbind_provider(&id, &confirm).await }
        },
        move |()| {
            navigate(
                &format!("/providers?unbound={gone}"),
                NavigateOptions::default(),
            );
        },
    );
    let error = unbind.error();
    let page_error = Signal::derive(move || error.get().filter(|e| e.field("confirm").is_none()));
    let busy = unbind.pending();
    let label = {
        let id = provider_id.clone();
        move || fill(i18n.t(Key::UnbindConfirmLabel), &[("id", id.clone())])
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit();
        let confirm = typed.get_untracked();
        if rules::typed_confirmation(&confirm, &provider_id).is_ok() {
            unbind.send((provider_id.clone(), confirm));
        }
    };
    view! {
        <section class="card card-danger" data-testid="unbind-provider">
            <h2>{tr(Key::UnbindTitle)}</h2>
            <p class="note note-warn"><strong>{tr(Key::UnbindHint)}</strong></p>
            <ErrorNote error=page_error/>
            <form on:submit=submit novalidate=true>
                <TextField name="confirm" id="unbind-confirm" label=Signal::derive(label) value=typed
                    message=message form=form/>
                <div class="form-actions">
                    <button type="submit" class="btn btn-danger" data-testid="unbind"
                        disabled=move || busy.get()>
                        {tr(Key::Unbind)}
                    </button>
                </div>
            </form>
        </section>
    }
}
