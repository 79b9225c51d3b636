//! A configuration form section: fields checked by their `domain` rule as the user types, the
//! server's verdict shown on the same fields, write-only secrets shown masked. A provider's
//! three sections and a sub-merchant's 基本信息 are each one of these; what a save answers is
//! the caller's type.

use std::{future::Future, pin::Pin};

use domain::provider_config::{FormErrors, SecretStatus};
use leptos::prelude::*;

use crate::{
    api::ApiError,
    components::{error_note::ErrorNote, field::TextField},
    format::local_time,
    i18n::{Key, fill, tr, use_i18n},
    state::{form::Form, write::ServerWrite},
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

/// A save on its way: the server's answer (what it stored) or its refusal.
pub type Saving<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

#[component]
pub fn ConfigForm<T>(
    title: Key,
    subtitle: Option<Key>,
    /// Used in element ids, e.g. `wechat`.
    id: &'static str,
    fields: Vec<FieldSpec>,
    /// The stored values; the form resets to them when they change.
    initial: Signal<Values>,
    secrets: Signal<Vec<(&'static str, SecretStatus)>>,
    check: fn(&Values, &[(&'static str, SecretStatus)]) -> FormErrors,
    /// Sends the values for the object `target` (a provider's ID, a sub-merchant's).
    save: fn(String, Values) -> Saving<T>,
    target: String,
    on_saved: Callback<T>,
    /// Shows 取消 beside 保存 (a form opened from a page that also shows the values).
    #[prop(optional)]
    on_cancel: Option<Callback<()>>,
) -> impl IntoView
where
    T: Send + Sync + 'static,
{
    let i18n = use_i18n();
    let form = Form::new();
    // One value per field, reset to the stored values whenever they change.
    let slots: Vec<(&'static str, RwSignal<String>)> = fields
        .iter()
        .map(|spec| (spec.name, RwSignal::new(String::new())))
        .collect();
    let slots = StoredValue::new(slots);
    let slot = move |name: &'static str| {
        slots.with_value(|s| s.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    };
    let values = Memo::new(move |_| {
        slots.with_value(|s| s.iter().map(|(n, v)| (*n, v.get())).collect::<Values>())
    });
    Effect::new(move |_| {
        let stored = initial.get();
        slots.with_value(|s| {
            for (name, v) in s {
                v.set(value(&stored, name).to_owned());
            }
        });
        form.reset();
    });

    let local_errors = Memo::new(move |_| {
        let secrets = secrets.get();
        values.with(|v| check(v, &secrets))
    });
    let local_error = move |name: &'static str| {
        local_errors.with(|errors| {
            errors
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, e)| e.clone())
        })
    };
    let target = StoredValue::new(target);
    // 已保存 shows until the next edit: the form's edit count when the save was answered.
    let saved_at = RwSignal::new(None::<u32>);
    let saved = move || saved_at.get() == Some(form.edits());
    let save = ServerWrite::for_form(
        form,
        move |values: &Values| save(target.get_value(), values.clone()),
        move |detail| {
            saved_at.set(Some(form.edits_untracked()));
            on_saved.run(detail);
        },
    );
    let server_error = save.error();
    let pending = save.pending();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit();
        saved_at.set(None);
        save.forget();
        if local_errors.get_untracked().is_empty() {
            save.send(values.get_untracked());
        }
    };

    let rows = fields
        .into_iter()
        .map(|spec| {
            let FieldSpec { name, label, kind } = spec;
            let input_id = format!("{id}-{name}");
            let error_id = format!("{input_id}-error");
            let Some(current) = slot(name) else {
                return ().into_any();
            };
            let message = form.message(name, current, move |_| local_error(name));
            let chosen = RwSignal::new(None::<String>);
            // A saved (or reloaded) form forgets the file that was chosen.
            Effect::new(move |_| {
                initial.track();
                chosen.set(None);
            });
            let set = move |content: String| {
                current.set(content);
                form.edited(name);
            };
            let secret_note = Signal::derive(move || {
                let status = secrets
                    .with(|s| s.iter().find(|(n, _)| *n == name).map(|(_, st)| st.clone()))
                    .filter(|s| s.set);
                match kind {
                    FieldKind::Secret | FieldKind::SecretMultiline => match status {
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
                    },
                    FieldKind::File { .. } => match (chosen.get(), status) {
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
                    },
                    _ => String::new(),
                }
            });
            let input = match kind {
                FieldKind::Text | FieldKind::Secret | FieldKind::Password => {
                    return view! {
                        <TextField name=name id=input_id label=tr(label) value=current
                            message=message form=form note=secret_note
                            input_type=if kind == FieldKind::Text { "text" } else { "password" }
                            autocomplete=if kind == FieldKind::Text { "off" } else { "new-password" }/>
                    }
                    .into_any();
                }
                FieldKind::Multiline | FieldKind::SecretMultiline => {
                    return view! {
                        <TextField name=name id=input_id label=tr(label) value=current
                            message=message form=form note=secret_note multiline=true/>
                    }
                    .into_any();
                }
                FieldKind::Image => view! {
                    <div class="image-field">
                        {move || {
                            let url = current.get();
                            // A file that is no image (refused by the rule) has no preview.
                            let image = url.starts_with("data:image/").then_some(url.clone());
                            (!url.is_empty()).then(|| view! {
                                {image.map(|url| view! {
                                    <img class="image-preview" src=url alt=move || i18n.t(label)/>
                                })}
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
                            aria-invalid=move || if message.with(Option::is_some) { "true" } else { "false" }
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
                .into_any(),
                FieldKind::File { accept } => view! {
                    <input
                        id=input_id.clone()
                        name=name
                        type="file"
                        accept=accept
                        aria-invalid=move || if message.with(Option::is_some) { "true" } else { "false" }
                        aria-describedby=error_id.clone()
                        on:change=move |ev| {
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            leptos::task::spawn_local(async move {
                                let (file, bytes) = read_file(input).await.unwrap_or_default();
                                chosen.set((!file.is_empty()).then_some(file));
                                set(encode_base64(&bytes));
                            });
                        }
                    />
                }
                .into_any(),
            };
            // A file is no text: the same frame, around a file input.
            view! {
                <div class="field" class:field-invalid=move || message.with(Option::is_some)>
                    <label for=input_id>{tr(label)}</label>
                    {input}
                    <p class="field-note">{secret_note}</p>
                    <p class="field-error" id=error_id role="status">{message}</p>
                </div>
            }
            .into_any()
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
                        <Show when=saved>
                            <span class="badge badge-ok" role="status">{tr(Key::Saved)}</span>
                        </Show>
                        {on_cancel.map(|cancel| view! {
                            <button type="button" class="btn" on:click=move |_| cancel.run(())>
                                {tr(Key::Cancel)}
                            </button>
                        })}
                        <button type="submit" class="btn btn-primary" disabled=pending>
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
