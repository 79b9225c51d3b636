//! An API error as a person reads it: the sentence, then the request id to quote.

use leptos::prelude::*;

use crate::{
    api::ApiError,
    i18n::{Key, use_i18n},
};

/// Shows the error's sentence in the current language, with its request id.
#[component]
pub fn ErrorNote(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().map(|error| {
            let request_id = error.request_id().map(|id| {
                view! {
                    <span class="request-id">{i18n.t(Key::RequestId)}": "<code>{id.to_owned()}</code></span>
                }
            });
            view! {
                <div class="note note-error" role="alert">
                    <span class="note-text">{error.describe(i18n.lang())}</span>
                    {request_id}
                </div>
            }
        })
    }
}
