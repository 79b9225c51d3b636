//! Form fields and the one rule for when a field's error shows: the field's own rule as soon
//! as something is typed in it (a missing value only once the form has been submitted), else
//! the server's verdict on that field, held until the field changes.

use domain::FieldError;
use leptos::prelude::*;

use crate::{
    api::ApiError,
    i18n::{Key, use_i18n},
};

/// The rule: the field's own verdict once typed in (`Required` once submitted), else the
/// server's.
pub fn shown_error(
    local: Option<FieldError>,
    typed: bool,
    submitted: bool,
    server: Option<FieldError>,
) -> Option<FieldError> {
    local
        .filter(|e| submitted || (typed && *e != FieldError::Required))
        .or(server)
}

/// A form in progress: whether it was submitted, and the server's verdict on its fields.
#[derive(Debug, Clone, Copy)]
pub struct Form {
    submitted: RwSignal<bool>,
    server: RwSignal<Vec<(String, FieldError)>>,
    edits: RwSignal<u32>,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            submitted: RwSignal::new(false),
            server: RwSignal::new(Vec::new()),
            edits: RwSignal::new(0),
        }
    }
}

impl Form {
    pub fn new() -> Form {
        Form::default()
    }

    /// Every rule's verdict shows from now on; the server's last verdicts are forgotten.
    pub fn submit(&self) {
        self.submitted.set(true);
        self.server.set(Vec::new());
    }

    /// Back to a fresh form (after it was saved, or reset to stored values).
    pub fn reset(&self) {
        self.submitted.set(false);
        self.server.set(Vec::new());
    }

    /// Keeps the server's verdict on each field its refusal names.
    pub fn refused(&self, error: &ApiError) {
        if let ApiError::Api(body) = error {
            self.server.set(
                body.fields
                    .iter()
                    .map(|(name, issue)| (name.clone(), issue.rule.clone()))
                    .collect(),
            );
        }
    }

    /// How many edits the user has made (reactive): something shown until the next edit
    /// compares with it.
    pub fn edits(&self) -> u32 {
        self.edits.get()
    }

    pub fn edits_untracked(&self) -> u32 {
        self.edits.get_untracked()
    }

    /// The user changed the field `name`: the server's verdict on it no longer holds.
    pub fn edited(&self, name: &str) {
        self.edits.update(|n| *n += 1);
        if self
            .server
            .with_untracked(|s| s.iter().any(|(n, _)| n == name))
        {
            self.server.update(|s| s.retain(|(n, _)| n != name));
        }
    }

    /// The error to show for the field `name` holding `value`, of which its rule says `local`.
    pub fn error(&self, name: &str, value: &str, local: Option<FieldError>) -> Option<FieldError> {
        let server = self
            .server
            .with(|s| s.iter().find(|(n, _)| n == name).map(|(_, e)| e.clone()));
        shown_error(
            local,
            !value.trim().is_empty(),
            self.submitted.get(),
            server,
        )
    }

    /// The message [`TextField`] shows for the field `name` holding `value`, whose rule is
    /// `rule` (it may look at other fields too), in the current language.
    pub fn message(
        self,
        name: &'static str,
        value: RwSignal<String>,
        rule: impl Fn(&str) -> Option<FieldError> + Send + Sync + 'static,
    ) -> Signal<Option<String>> {
        let i18n = use_i18n();
        Signal::derive(move || {
            value
                .with(|v| self.error(name, v, rule(v)))
                .map(|e| e.message(i18n.lang()))
        })
    }
}

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
