//! Form fields: a labelled input with its message inline. When a field's error shows is the
//! rule of the form it belongs to ([`Form`]).

use leptos::prelude::*;

use crate::{
    i18n::{Key, use_i18n},
    state::form::Form,
};

/// A labelled text input with its message inline (`{id}-error`, announced as it changes).
#[component]
pub fn TextField(
    /// The field's name (its server verdicts are filed under it); also its element id.
    name: &'static str,
    /// The element id when it is not `name` (several forms on one page).
    #[prop(optional, into)]
    id: Option<String>,
    #[prop(into)] label: TextProp,
    /// The label is read to assistive technology only (the row names the field).
    #[prop(optional)]
    hide_label: bool,
    value: RwSignal<String>,
    /// The message to show (see [`Form::error`]), in the current language.
    #[prop(into)]
    message: Signal<Option<String>>,
    /// Told when the user edits the value (the server's verdict on it is forgotten).
    #[prop(optional)]
    form: Option<Form>,
    #[prop(optional)] placeholder: Option<Key>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] input_mode: Option<&'static str>,
    /// A class on the input itself (`input` for the compact look).
    #[prop(optional)]
    input_class: Option<&'static str>,
    /// Several lines (a key, a remark).
    #[prop(optional)]
    multiline: bool,
    #[prop(optional, into)] disabled: Signal<bool>,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
    /// A note under the input (what is stored).
    #[prop(optional, into)]
    note: Option<Signal<String>>,
    /// A control beside the input (获取验证码).
    #[prop(optional_no_strip)]
    beside: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = id.unwrap_or_else(|| name.to_owned());
    let error_id = format!("{id}-error");
    let invalid = move || message.with(Option::is_some);
    let aria_invalid = move || if invalid() { "true" } else { "false" };
    let on_input = move |ev: leptos::ev::Event| {
        value.set(event_target_value(&ev));
        if let Some(form) = form {
            form.edited(name);
        }
    };
    let aria_label = {
        let label = label.clone();
        move || hide_label.then(|| label.get().to_string())
    };
    let input = if multiline {
        view! {
            <textarea
                id=id.clone()
                name=name
                class=input_class
                rows="4"
                spellcheck="false"
                autocomplete=autocomplete
                aria-label=aria_label.clone()
                aria-invalid=aria_invalid
                aria-describedby=error_id.clone()
                disabled=disabled
                prop:value=move || value.get()
                on:input=on_input
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                name=name
                class=input_class
                type=input_type
                autocomplete=autocomplete
                inputmode=input_mode
                list=list
                placeholder=move || placeholder.map(|k| i18n.t(k))
                aria-label=aria_label.clone()
                aria-invalid=aria_invalid
                aria-describedby=error_id.clone()
                disabled=disabled
                prop:value=move || value.get()
                on:input=on_input
            />
        }
        .into_any()
    };
    let input = match beside {
        Some(beside) => view! { <div class="code-row">{input}{beside()}</div> }.into_any(),
        None => input,
    };
    view! {
        <div class="field" class:field-invalid=invalid>
            {(!hide_label).then(|| view! { <label for=id.clone()>{move || label.get()}</label> })}
            {input}
            {note.map(|note| view! { <p class="field-note">{note}</p> })}
            <p class="field-error" id=error_id role="status">{message}</p>
        </div>
    }
}
