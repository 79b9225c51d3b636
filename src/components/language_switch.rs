//! 中文 / English.

use domain::Lang;
use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

/// A button that switches to the other language; the choice persists.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button
            type="button"
            class="btn btn-ghost lang-switch"
            title=move || i18n.t(Key::LanguageSwitchTitle)
            on:click=move |_| {
                let next = match i18n.lang() {
                    Lang::Zh => Lang::En,
                    Lang::En => Lang::Zh,
                };
                i18n.set(next);
            }
        >
            {move || i18n.t(Key::LanguageSwitch)}
        </button>
    }
}
