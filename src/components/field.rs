//! A labelled form field whose rule message appears inline, as the user types.

use domain::FieldError;
use leptos::prelude::*;

use crate::i18n::{Key, use_i18n};

/// A text input with its label and its rule's message.
///
/// `error` is the rule's verdict on the current value (browser rule or server's answer);
/// it is shown once `show_error` is true.
#[component]
pub fn TextField(
    /// The field's name; also its element id.
    name: &'static str,
    label: Key,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<FieldError>>,
    #[prop(into)] show_error: Signal<bool>,
    #[prop(optional)] placeholder: Option<Key>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] input_mode: Option<&'static str>,
    #[prop(optional)] on_blur: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let message = move || {
        show_error
            .get()
            .then(|| error.get())
            .flatten()
            .map(|e| e.message(i18n.lang()))
    };
    let error_id = format!("{name}-error");
    view! {
        <div class="field" class:field-invalid=move || message().is_some()>
            <label for=name>{move || i18n.t(label)}</label>
            <input
                id=name
                name=name
                type=input_type
                autocomplete=autocomplete
                inputmode=input_mode
                placeholder=move || placeholder.map(|k| i18n.t(k))
                aria-invalid=move || if message().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| {
                    if let Some(cb) = on_blur {
                        cb.run(());
                    }
                }
            />
            <p class="field-error" id=error_id role="status">{message}</p>
        </div>
    }
}
