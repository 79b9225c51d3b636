//! 重置认证密钥和签名公私钥: confirm by typing the merchant ID; the browser makes the signing
//! key pair and sends only the public key; the authentication key and the private key are then
//! shown once, with copy buttons and a key file, and the dialog stays until 我已保存 is ticked.

use domain::api::{KeyResetIssued, SubMerchantSummary};
use leptos::{ev, prelude::*};
use wasm_bindgen::JsCast;

use crate::{
    api,
    components::{
        copy_button::CopyButton, dialog::Dialog, error_note::ErrorNote, field::TextField,
    },
    crypto,
    format::local_time,
    i18n::{Key, fill, tr, use_i18n},
    state::write::ServerWrite,
};

/// The secrets, while the dialog shows them: the server's answer (with the authentication
/// key) and the private key made here. Dropped with the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Issued {
    issued: KeyResetIssued,
    private_key_pem: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Confirm,
    Working,
    Shown(Box<Issued>),
}

/// A file name from the sub-merchant's name and merchant ID, safe on every system.
pub fn key_file_name(name: &str, merchant_id: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_control() || r#"\/:*?"<>|"#.contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    format!("{}-{merchant_id}-keys.txt", name.trim())
}

/// Saves `contents` as a text file named `name` (a download, made in the page).
fn download_text(name: &str, contents: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&contents.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let document = web_sys::window()?.document()?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    web_sys::Url::revoke_object_url(&url).ok()
}

#[component]
pub fn KeyResetDialog(
    sub_merchant: SubMerchantSummary,
    /// Called when the dialog closes; `true` when keys were reset.
    on_close: Callback<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let step = RwSignal::new(Step::Confirm);
    let typed = RwSignal::new(String::new());
    let saved = RwSignal::new(false);
    let nagged = RwSignal::new(false);
    // Trouble on this side of the wire: the sentence's key, and the browser's detail.
    let local_error = RwSignal::new(None::<(Key, String)>);
    let SubMerchantSummary {
        id,
        name,
        merchant_id,
        out_sub_mch_id,
        out_mch_id,
        ..
    } = sub_merchant;
    let ids = StoredValue::new((out_mch_id, out_sub_mch_id));
    let expected = StoredValue::new(merchant_id.clone());
    let matches = move || expected.with_value(|m| typed.get().trim() == m);
    let mismatch = move || {
        let value = typed.get();
        let value = value.trim();
        !value.is_empty() && expected.with_value(|m| !m.starts_with(value))
    };

    // Leaving the page while the secrets are on screen and not yet saved asks first.
    let guard = window_event_listener(ev::beforeunload, move |event| {
        if matches!(step.get_untracked(), Step::Shown(_)) && !saved.get_untracked() {
            event.prevent_default();
        }
    });
    on_cleanup(move || guard.remove());

    // Makes the key pair here, sends its public half, and checks what the server kept.
    let reset = ServerWrite::new(
        move |()| async move {
            let keys = match crypto::generate_signing_keys().await {
                Ok(keys) => keys,
                Err(e) => return Ok(Err((Key::KeyGenFailed, e.0))),
            };
            let issued = api::reset_keys(id, keys.public_key_spki).await?;
            // The server must keep exactly the public key made here, or the private key would
            // sign for nothing.
            if issued.keys.public_key_sha256 != keys.public_key_sha256 {
                return Ok(Err((Key::KeyMismatch, String::new())));
            }
            Ok(Ok(Issued {
                private_key_pem: keys.private_key_pem,
                issued,
            }))
        },
        move |outcome| match outcome {
            Ok(issued) => step.set(Step::Shown(Box::new(issued))),
            Err(trouble) => {
                local_error.set(Some(trouble));
                step.set(Step::Confirm);
            }
        },
    );
    let error = reset.error();
    Effect::new(move |_| {
        if error.with(Option::is_some) {
            step.set(Step::Confirm);
        }
    });
    let start = move |_| {
        if matches() {
            step.set(Step::Working);
            local_error.set(None);
            reset.send(());
        }
    };
    let close = Callback::new(move |()| match step.get_untracked() {
        Step::Shown(_) if !saved.get_untracked() => nagged.set(true),
        Step::Shown(_) => on_close.run(true),
        Step::Working => {}
        Step::Confirm => on_close.run(false),
    });

    let file_name = key_file_name(&name, &merchant_id);
    let file = StoredValue::new((file_name, name.clone(), merchant_id.clone()));
    let download = move |secrets: &Issued| {
        let (file_name, name, merchant_id) = file.get_value();
        let keys = &secrets.issued.keys;
        let (out_mch_id, out_sub_mch_id) = ids.get_value();
        // What a cash register is configured with, beside the secrets it needs.
        let contents = format!(
            "{title}\n\n{sub}: {name} ({merchant_id})\n{out_mch}: {out_mch_id}\n{out_sub}: {out_sub_mch_id}\n{reset_at}: {at}\n\n{auth_type}: {auth_type_value}\n{auth}:\n{auth_key}\n\n{sign_type}: {sign_type_value}\n{fp}:\n{sha}\n\n{private}:\n{pem}\n{keep}\n",
            title = i18n.t(Key::KeyFileTitle),
            sub = i18n.t(Key::ColSubMerchantName),
            out_mch = i18n.t(Key::FieldOutMchId),
            out_sub = i18n.t(Key::FieldOutSubMchId),
            reset_at = i18n.t(Key::KeyResetAt),
            at = keys.reset_at,
            auth_type = i18n.t(Key::FieldAuthType),
            auth_type_value = keys.authentication_type.as_str(),
            auth = i18n.t(Key::FieldAuthKey),
            auth_key = secrets.issued.authentication_key.expose(),
            sign_type = i18n.t(Key::FieldSignType),
            sign_type_value = keys.signature_type.as_str(),
            fp = i18n.t(Key::KeyFingerprint),
            sha = keys.public_key_sha256,
            private = i18n.t(Key::FieldPrivateKey),
            pem = secrets.private_key_pem,
            keep = i18n.t(Key::KeyFileKeep),
        );
        download_text(&file_name, &contents);
    };

    view! {
        <Dialog title=Signal::derive(move || i18n.t(Key::KeyReset).to_owned()) on_close=close wide=true>
            <div data-testid="key-reset">
            {move || match step.get() {
                Step::Confirm | Step::Working => view! {
                    <p class="note note-warn">{tr(Key::KeyResetWarn)}</p>
                    <p class="muted">{tr(Key::KeyResetHow)}</p>
                    <TextField name="confirm-merchant-id" value=typed input_class="input" input_mode="numeric"
                        label=move || fill(i18n.t(Key::KeyResetTypeId), &[("merchant_id", expected.get_value())])
                        message=Signal::derive(move || mismatch().then(|| i18n.t(Key::KeyResetMismatch).to_owned()))/>
                    <ErrorNote error=error/>
                    {move || local_error.get().map(|(key, detail)| view! {
                        <p class="note note-error" role="alert">{fill(i18n.t(key), &[("detail", detail)])}</p>
                    })}
                    <div class="form-actions">
                        <button type="button" class="btn" on:click=move |_| close.run(())>{tr(Key::Cancel)}</button>
                        <button type="button" class="btn btn-danger" data-testid="confirm-reset"
                            disabled=move || !matches() || step.get() == Step::Working
                            on:click=start>
                            {move || i18n.t(if step.get() == Step::Working { Key::Generating } else { Key::ConfirmReset })}
                        </button>
                    </div>
                }.into_any(),
                Step::Shown(secrets) => {
                    let secrets = *secrets;
                    let keys = secrets.issued.keys.clone();
                    let for_download = secrets.clone();
                    view! {
                        <p class="note note-warn" role="status">{tr(Key::KeysIssued)}</p>
                        <div class="secret">
                            <div class="secret-head">
                                <h3>{tr(Key::FieldAuthKey)}</h3>
                                <CopyButton text=secrets.issued.authentication_key.expose().to_owned() test_id="copy-auth-key"/>
                            </div>
                            <code class="secret-value" data-testid="auth-key">{secrets.issued.authentication_key.expose().to_owned()}</code>
                        </div>
                        <div class="secret">
                            <div class="secret-head">
                                <h3>{tr(Key::FieldPrivateKey)}</h3>
                                <CopyButton text=secrets.private_key_pem.clone() test_id="copy-private-key"/>
                            </div>
                            <textarea class="input secret-pem" readonly rows="8" spellcheck="false"
                                data-testid="private-key" prop:value=secrets.private_key_pem.clone()></textarea>
                        </div>
                        <dl class="kv-list" data-testid="issued-ids">
                            {move || {
                                let (out_mch_id, out_sub_mch_id) = ids.get_value();
                                view! {
                                    <div class="kv"><dt>{tr(Key::FieldOutMchId)}</dt><dd><code>{out_mch_id.clone()}</code><CopyButton text=out_mch_id test_id="copy-out-mch-id"/></dd></div>
                                    <div class="kv"><dt>{tr(Key::FieldOutSubMchId)}</dt><dd><code>{out_sub_mch_id.clone()}</code><CopyButton text=out_sub_mch_id test_id="copy-out-sub-mch-id"/></dd></div>
                                }
                            }}
                            <div class="kv"><dt>{tr(Key::FieldAuthType)}</dt><dd><code>{keys.authentication_type.as_str()}</code></dd></div>
                            <div class="kv"><dt>{tr(Key::FieldSignType)}</dt><dd><code>{keys.signature_type.as_str()}</code></dd></div>
                            <div class="kv"><dt>{tr(Key::KeyFingerprint)}</dt><dd><code class="fingerprint" data-testid="issued-fingerprint">{keys.public_key_sha256.clone()}</code></dd></div>
                            <div class="kv"><dt>{tr(Key::KeyResetAt)}</dt><dd>{local_time(&keys.reset_at)}</dd></div>
                        </dl>
                        <div class="form-actions form-actions-split">
                            <button type="button" class="btn" data-testid="download-keys" on:click=move |_| download(&for_download)>
                                {tr(Key::DownloadKeys)}
                            </button>
                            <label class="choice">
                                <input type="checkbox" data-testid="saved"
                                    prop:checked=move || saved.get()
                                    on:change=move |ev| { saved.set(event_target_checked(&ev)); nagged.set(false); }/>
                                <span>{tr(Key::SavedKeys)}</span>
                            </label>
                            <button type="button" class="btn btn-primary" data-testid="keys-done"
                                disabled=move || !saved.get()
                                on:click=move |_| close.run(())>
                                {tr(Key::Done)}
                            </button>
                        </div>
                        <Show when=move || nagged.get()>
                            <p class="note note-error" role="alert" data-testid="save-first">{tr(Key::SaveFirst)}</p>
                        </Show>
                    }.into_any()
                }
            }}
            </div>
        </Dialog>
    }
}
