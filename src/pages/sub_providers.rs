//! 子服务商: the provider's sub-providers (Tencent Cloud account ID, name, rebate ratio,
//! remark); add one, or edit one in place. Every field is checked as it is typed, by the rule
//! the server applies again.

use domain::api::SubProvider;
use leptos::prelude::*;

use crate::{
    api::{self, ApiError},
    components::error_note::ErrorNote,
    i18n::{Key, tr, use_i18n},
};

#[component]
pub fn SubProvidersPage() -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let list = LocalResource::new(move || {
        version.track();
        api::sub_providers()
    });
    let editing = RwSignal::new(None::<SubProvider>);
    let saved = Callback::new(move |()| {
        editing.set(None);
        version.update(|v| *v += 1);
    });
    let error = Signal::derive(move || list.get().and_then(Result::err));
    view! {
        <div class="page-head">
            <div>
                <h1 class="page-title">{tr(Key::SubProvidersTitle)}</h1>
                <p class="muted">{tr(Key::SubProvidersSubtitle)}</p>
            </div>
            <button type="button" class="btn btn-primary" data-testid="add-sub-provider"
                on:click=move |_| editing.set(Some(SubProvider {
                    account_id: String::new(),
                    name: String::new(),
                    rebate_ratio: String::new(),
                    remark: String::new(),
                }))>
                {tr(Key::AddSubProvider)}
            </button>
        </div>
        {move || editing.get().map(|current| view! {
            <SubProviderForm current=current on_saved=saved on_cancel=Callback::new(move |()| editing.set(None))/>
        })}
        <section class="card">
            <ErrorNote error=error/>
            {move || list.get().and_then(Result::ok).map(|items| {
                if items.is_empty() {
                    view! { <p class="empty-row">{tr(Key::NoSubProviders)}</p> }.into_any()
                } else {
                    view! {
                        <table class="table" data-testid="sub-providers">
                            <thead><tr>
                                <th>{tr(Key::FieldSubProvider)}</th>
                                <th>{tr(Key::FieldSubProviderName)}</th>
                                <th>{tr(Key::FieldRebateRatio)}</th>
                                <th>{tr(Key::FieldRemark)}</th>
                                <th>{tr(Key::ColActions)}</th>
                            </tr></thead>
                            <tbody>
                                {items.into_iter().map(|s| {
                                    let row = s.clone();
                                    let key = s.account_id.clone();
                                    view! {
                                        <tr data-account-id=key>
                                            <td><code>{s.account_id}</code></td>
                                            <td>{s.name}</td>
                                            <td>{s.rebate_ratio}</td>
                                            <td>{s.remark}</td>
                                            <td>
                                                <button type="button" class="btn btn-small"
                                                    on:click=move |_| editing.set(Some(row.clone()))>
                                                    {tr(Key::Edit)}
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            })}
        </section>
    }
}

/// Adds a sub-provider (empty account ID) or edits one (its account ID fixed).
#[component]
fn SubProviderForm(
    current: SubProvider,
    on_saved: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let create = current.account_id.is_empty();
    let fields = [
        (
            "account_id",
            Key::FieldSubProvider,
            RwSignal::new(current.account_id),
        ),
        (
            "name",
            Key::FieldSubProviderName,
            RwSignal::new(current.name),
        ),
        (
            "rebate_ratio",
            Key::FieldRebateRatio,
            RwSignal::new(current.rebate_ratio),
        ),
        ("remark", Key::FieldRemark, RwSignal::new(current.remark)),
    ];
    let value = move || SubProvider {
        account_id: fields[0].2.get(),
        name: fields[1].2.get(),
        rebate_ratio: fields[2].2.get(),
        remark: fields[3].2.get(),
    };
    let submitted = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let message = move |name: &'static str, typed: bool| {
        let local = value()
            .check()
            .into_iter()
            .find(|(f, _)| *f == name)
            .map(|(_, e)| e);
        let remote = server_error.get().and_then(|e| e.field(name).cloned());
        (submitted.get() || typed)
            .then(|| local.or(remote))
            .flatten()
            .map(|e| e.message(i18n.lang()))
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        let body = value();
        if !body.check().is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::save_sub_provider(&body, create).await {
                Ok(_) => on_saved.run(()),
                Err(e) => server_error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="card" on:submit=save data-testid="sub-provider-form" novalidate>
            <div class="kv-list">
                {fields.into_iter().map(|(name, label, signal)| {
                    let typed = RwSignal::new(false);
                    let fixed = name == "account_id" && !create;
                    view! {
                        <div class="field" class:field-invalid=move || message(name, typed.get()).is_some()>
                            <label for=name>{move || i18n.t(label)}</label>
                            <input id=name class="input" disabled=fixed
                                prop:value=move || signal.get()
                                on:input=move |ev| { typed.set(true); signal.set(event_target_value(&ev)); }/>
                            <p class="field-error" role="status">{move || message(name, typed.get())}</p>
                        </div>
                    }
                }).collect_view()}
            </div>
            <ErrorNote error=server_error/>
            <div class="form-actions">
                <button type="button" class="btn" on:click=move |_| on_cancel.run(())>{tr(Key::Cancel)}</button>
                <button type="submit" class="btn btn-primary" data-testid="save-sub-provider">{tr(Key::Save)}</button>
            </div>
        </form>
    }
}
