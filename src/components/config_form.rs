//! A configuration form section: fields checked by their `domain` rule as the user types, the
//! server's verdict shown on the same fields, write-only secrets shown masked.

use std::{future::Future, pin::Pin};

use domain::{
    FieldError,
    provider_config::{FormErrors, ProviderDetail, SecretStatus},
};
use leptos::prelude::*;

use crate::{
    api::ApiError,
    components::error_note::ErrorNote,
    format::local_time,
    i18n::{Key, fill, tr, use_i18n},
};

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Write-only: shown masked once set; blank keeps it.
    Secret,
    Multiline,
    /// A secret entered over several lines (a private key).
    SecretMultiline,
    /// A masked input that is never shown back (a password for a file).
    Password,
    /// A file read in the browser and sent as base64 (a certificate).
    File {
        accept: &'static str,
    },
    /// A PNG or JPEG image, sent and shown as a `data:` URL.
    Image,
}

/// Reads the first file of a file input: its name and bytes.
async fn read_file(input: web_sys::HtmlInputElement) -> Option<(String, Vec<u8>)> {
    let file = input.files()?.get(0)?;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .ok()?;
    Some((file.name(), js_sys::Uint8Array::new(&buffer).to_vec()))
}

fn encode_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An image file as a `data:` URL, typed by its content (the rule rejects anything else).
fn image_url(bytes: &[u8]) -> String {
    let kind = domain::rules::image_type(bytes).unwrap_or("application/octet-stream");
    format!("data:{kind};base64,{}", encode_base64(bytes))
}

/// One field of a form.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: Key,
    pub kind: FieldKind,
}

/// Field values by name, in form order.
pub type Values = Vec<(&'static str, String)>;

/// The value of `name`.
pub fn value<'a>(values: &'a Values, name: &str) -> &'a str {
    values
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Whether the secret `name` is stored.
pub fn stored(secrets: &[(&'static str, SecretStatus)], name: &str) -> bool {
    secrets.iter().any(|(n, s)| *n == name && s.set)
}

pub type Saving = Pin<Box<dyn Future<Output = Result<ProviderDetail, ApiError>>>>;

#[component]
pub fn ConfigForm(
    title: Key,
    subtitle: Option<Key>,
    /// Used in element ids, e.g. `wechat`.
    id: &'static str,
    fields: Vec<FieldSpec>,
    /// The stored values; the form resets to them when they change.
    initial: Signal<Values>,
    secrets: Signal<Vec<(&'static str, SecretStatus)>>,
    check: fn(&Values, &[(&'static str, SecretStatus)]) -> FormErrors,
    save: fn(String, Values) -> Saving,
    provider_id: String,
    on_saved: Callback<ProviderDetail>,
) -> impl IntoView {
    let i18n = use_i18n();
    let values = RwSignal::new(Values::new());
    let submitted = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let server_fields = RwSignal::new(Vec::<(String, FieldError)>::new());
    Effect::new(move |_| {
        values.set(initial.get());
        submitted.set(false);
        server_fields.set(Vec::new());
    });

    let local_errors = Memo::new(move |_| {
        let secrets = secrets.get();
        values.with(|v| check(v, &secrets))
    });
    let error_of = move |name: &'static str| {
        let local = local_errors.with(|errors| {
            errors
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, e)| e.clone())
        });
        let typed = values.with(|v| !value(v, name).trim().is_empty());
        let shown_local =
            local.filter(|e| submitted.get() || (typed && *e != FieldError::Required));
        shown_local.or_else(|| {
            server_fields.with(|f| f.iter().find(|(n, _)| n == name).map(|(_, e)| e.clone()))
        })
    };
    let provider = StoredValue::new(provider_id);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        saved.set(false);
        server_error.set(None);
        if !local_errors.get_untracked().is_empty() {
            return;
        }
        pending.set(true);
        let future = save(provider.get_value(), values.get_untracked());
        leptos::task::spawn_local(async move {
            match future.await {
                Ok(detail) => {
                    saved.set(true);
                    on_saved.run(detail);
                }
                Err(error) => {
                    if let ApiError::Api(body) = &error {
                        server_fields.set(
                            body.fields
                                .iter()
                                .map(|(n, issue)| (n.clone(), issue.rule.clone()))
                                .collect(),
                        );
                    }
                    server_error.set(Some(error));
                }
            }
            pending.set(false);
        });
    };

    let rows = fields
        .into_iter()
        .map(|spec| {
            let FieldSpec { name, label, kind } = spec;
            let input_id = format!("{id}-{name}");
            let error_id = format!("{input_id}-error");
            let on_input = move |ev: leptos::ev::Event| {
                let text = event_target_value(&ev);
                saved.set(false);
                server_fields.update(|f| f.retain(|(n, _)| n != name));
                values.update(|v| {
                    if let Some(slot) = v.iter_mut().find(|(n, _)| *n == name) {
                        slot.1 = text;
                    } else {
                        v.push((name, text));
                    }
                });
            };
            let current = move || values.with(|v| value(v, name).to_owned());
            let message = move || error_of(name).map(|e| e.message(i18n.lang()));
            let chosen = RwSignal::new(None::<String>);
            // A saved (or reloaded) form forgets the file that was chosen.
            Effect::new(move |_| {
                initial.track();
                chosen.set(None);
            });
            let secret_note = move || {
                let status = secrets
                    .with(|s| s.iter().find(|(n, _)| *n == name).map(|(_, st)| st.clone()))
                    .filter(|s| s.set);
                match kind {
                    FieldKind::Secret | FieldKind::SecretMultiline => Some(match status {
                        Some(s) => fill(
                            i18n.t(Key::SecretKept),
                            &[
                                ("hint", s.hint.unwrap_or_default()),
                                (
                                    "at",
                                    s.set_at.as_deref().map(local_time).unwrap_or_default(),
                                ),
                            ],
                        ),
                        None => i18n.t(Key::SecretNotSet).to_owned(),
                    }),
                    FieldKind::File { .. } => Some(match (chosen.get(), status) {
                        (Some(file), _) => fill(i18n.t(Key::FileChosen), &[("name", file)]),
                        (None, Some(s)) => {
                            let note = fill(
                                i18n.t(Key::CertificateSet),
                                &[
                                    ("serial", s.hint.unwrap_or_default()),
                                    (
                                        "until",
                                        s.expires_at.as_deref().map(local_time).unwrap_or_default(),
                                    ),
                                ],
                            );
                            if s.expiring_soon {
                                format!("{note} ⚠ {}", i18n.t(Key::CertificateExpiring))
                            } else {
                                note
                            }
                        }
                        (None, None) => i18n.t(Key::CertificateNotSet).to_owned(),
                    }),
                    _ => None,
                }
            };
            let input = match kind {
                FieldKind::Multiline | FieldKind::SecretMultiline => view! {
                    <textarea
                        id=input_id.clone()
                        name=name
                        rows="4"
                        spellcheck="false"
                        autocomplete="off"
                        aria-invalid=move || if message().is_some() { "true" } else { "false" }
                        aria-describedby=error_id.clone()
                        prop:value=current
                        on:input=on_input
                    ></textarea>
                }
                .into_any(),
                FieldKind::Image => {
                    let set = move |content: String| {
                        saved.set(false);
                        server_fields.update(|f| f.retain(|(n, _)| n != name));
                        values.update(|v| {
                            v.retain(|(n, _)| *n != name);
                            v.push((name, content));
                        });
                    };
                    view! {
                        <div class="image-field">
                            {move || {
                                let url = current();
                                (!url.is_empty()).then(|| view! {
                                    <img class="image-preview" src=url alt=move || i18n.t(label)/>
                                    <button type="button" class="link" on:click=move |_| set(String::new())>
                                        {tr(Key::Remove)}
                                    </button>
                                })
                            }}
                            <input
                                id=input_id.clone()
                                name=name
                                type="file"
                                accept="image/png,image/jpeg"
                                aria-invalid=move || if message().is_some() { "true" } else { "false" }
                                aria-describedby=error_id.clone()
                                on:change=move |ev| {
                                    let input: web_sys::HtmlInputElement = event_target(&ev);
                                    leptos::task::spawn_local(async move {
                                        if let Some((_, bytes)) = read_file(input).await {
                                            set(image_url(&bytes));
                                        }
                                    });
                                }
                            />
                        </div>
                    }
                    .into_any()
                }
                FieldKind::File { accept } => view! {
                    <input
                        id=input_id.clone()
                        name=name
                        type="file"
                        accept=accept
                        aria-invalid=move || if message().is_some() { "true" } else { "false" }
                        aria-describedby=error_id.clone()
                        on:change=move |ev| {
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            leptos::task::spawn_local(async move {
                                let (file, bytes) = read_file(input).await.unwrap_or_default();
                                let content = encode_base64(&bytes);
                                chosen.set((!file.is_empty()).then_some(file));
                                saved.set(false);
                                server_fields.update(|f| f.retain(|(n, _)| n != name));
                                values.update(|v| {
                                    v.retain(|(n, _)| *n != name);
                                    v.push((name, content));
                                });
                            });
                        }
                    />
                }
                .into_any(),
                FieldKind::Text | FieldKind::Secret | FieldKind::Password => view! {
                    <input
                        id=input_id.clone()
                        name=name
                        type=if kind == FieldKind::Text { "text" } else { "password" }
                        autocomplete=if kind == FieldKind::Text { "off" } else { "new-password" }
                        aria-invalid=move || if message().is_some() { "true" } else { "false" }
                        aria-describedby=error_id.clone()
                        prop:value=current
                        on:input=on_input
                    />
                }
                .into_any(),
            };
            view! {
                <div class="field" class:field-invalid=move || message().is_some()>
                    <label for=input_id>{move || i18n.t(label)}</label>
                    {input}
                    <p class="field-note">{secret_note}</p>
                    <p class="field-error" id=error_id role="status">{message}</p>
                </div>
            }
        })
        .collect_view();

    view! {
        <section class="card config" data-testid=format!("section-{id}")>
            <form on:submit=on_submit novalidate=true>
                <header class="config-head">
                    <div>
                        <h2>{tr(title)}</h2>
                        {subtitle.map(|k| view! { <p class="muted">{tr(k)}</p> })}
                    </div>
                    <div class="config-actions">
                        <Show when=move || saved.get()>
                            <span class="badge badge-ok" role="status">{tr(Key::Saved)}</span>
                        </Show>
                        <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                            {move || i18n.t(if pending.get() { Key::Saving } else { Key::Save })}
                        </button>
                    </div>
                </header>
                <ErrorNote error=server_error/>
                <div class="config-grid">{rows}</div>
            </form>
        </section>
    }
}
