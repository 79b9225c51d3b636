//! A copy button with its outcome beside it (复制 → 已复制, or why not).

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{Key, tr};

/// A copy button with its outcome next to it.
#[component]
pub fn CopyButton(text: String, #[prop(into)] test_id: String) -> impl IntoView {
    let outcome = RwSignal::new(None::<bool>);
    let text = StoredValue::new(text);
    let copy = move |_| {
        let Some(clipboard) = web_sys::window().map(|w| w.navigator().clipboard()) else {
            outcome.set(Some(false));
            return;
        };
        let promise = clipboard.write_text(&text.get_value());
        leptos::task::spawn_local(async move {
            outcome.set(Some(JsFuture::from(promise).await.is_ok()));
        });
    };
    view! {
        <button type="button" class="btn btn-small" on:click=copy data-testid=test_id>{tr(Key::Copy)}</button>
        {move || outcome.get().map(|ok| view! {
            <span class=if ok { "copy-ok" } else { "field-error" } role="status">
                {tr(if ok { Key::Copied } else { Key::CopyFailed })}
            </span>
        })}
    }
}
