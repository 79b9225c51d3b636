//! A path the console does not have.

use leptos::prelude::*;

use crate::i18n::{Key, tr};

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <div class="empty-state">
            <h1>{tr(Key::NotFoundTitle)}</h1>
            <p class="muted">{tr(Key::NotFoundBody)}</p>
            <a class="btn btn-primary" href="/" rel="external">{tr(Key::BackHome)}</a>
        </div>
    }
}
