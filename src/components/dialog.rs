//! A modal dialog: title, body, a close button; Escape closes it too.

use leptos::{ev, prelude::*};

use crate::i18n::{Key, tr};

#[component]
pub fn Dialog(
    #[prop(into)] title: Signal<String>,
    on_close: Callback<()>,
    children: Children,
    #[prop(optional)] wide: bool,
) -> impl IntoView {
    let handle = window_event_listener(ev::keydown, move |event| {
        if event.key() == "Escape" {
            on_close.run(());
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <div class="dialog-backdrop">
            <div class="dialog" class:dialog-wide=wide role="dialog" aria-modal="true" aria-labelledby="dialog-title">
                <header class="dialog-header">
                    <h2 id="dialog-title">{move || title.get()}</h2>
                    <button type="button" class="btn btn-ghost dialog-close" on:click=move |_| on_close.run(())>
                        {tr(Key::Close)}
                    </button>
                </header>
                <div class="dialog-body">{children()}</div>
            </div>
        </div>
    }
}
