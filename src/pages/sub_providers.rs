//! 子服务商: the provider's sub-providers (Tencent Cloud account ID, name, rebate ratio,
//! remark); add one, or edit one in place. Every field is checked as it is typed, by the rule
//! the server applies again. `?add=ID` opens the add form with that account ID. (A sub-merchant's
//! editor registers an ID typed there in place, with the same rule.)

use domain::{api::SubProvider, rules::AccountId};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api,
    components::{error_note::ErrorNote, field::TextField, loaded::Loaded},
    i18n::{Key, tr},
    state::{form::Form, write::ServerWrite},
};

#[component]
pub fn SubProvidersPage() -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let list = LocalResource::new(move || {
        version.track();
        api::sub_providers()
    });
    // The sub-provider in the form, and whether it is a new one.
    let blank = |account_id: String| SubProvider {
        account_id,
        name: String::new(),
        rebate_ratio: String::new(),
        remark: String::new(),
    };
    let asked = use_query_map()
        .get_untracked()
        .get("add")
        .filter(|id| AccountId::parse(id).is_ok());
    let editing = RwSignal::new(asked.map(|id| (blank(id), true)));
    let saved = Callback::new(move |()| {
        editing.set(None);
        version.update(|v| *v += 1);
    });
    view! {
        <div class="page-head">
            <div>
                <h1 class="page-title">{tr(Key::SubProvidersTitle)}</h1>
                <p class="muted">{tr(Key::SubProvidersSubtitle)}</p>
            </div>
            <button type="button" class="btn btn-primary" data-testid="add-sub-provider"
                on:click=move |_| editing.set(Some((blank(String::new()), true)))>
                {tr(Key::AddSubProvider)}
            </button>
        </div>
        {move || editing.get().map(|(current, create)| view! {
            <SubProviderForm current=current create=create on_saved=saved
                on_cancel=Callback::new(move |()| editing.set(None))/>
        })}
        <section class="card">
            <Loaded resource=list let:items>
                {
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
                                                        on:click=move |_| editing.set(Some((row.clone(), false)))>
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
                }
            </Loaded>
        </section>
    }
}

/// Adds a sub-provider (`create`: its account ID may be typed) or edits one (its account ID
/// fixed).
#[component]
fn SubProviderForm(
    current: SubProvider,
    create: bool,
    on_saved: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let account_id = RwSignal::new(current.account_id);
    let name = RwSignal::new(current.name);
    let rebate_ratio = RwSignal::new(current.rebate_ratio);
    let remark = RwSignal::new(current.remark);
    let value = move || SubProvider {
        account_id: account_id.get(),
        name: name.get(),
        rebate_ratio: rebate_ratio.get(),
        remark: remark.get(),
    };
    let form = Form::new();
    let save = ServerWrite::for_form(
        form,
        move |body: &SubProvider| {
            let body = body.clone();
            async move { api::save_sub_provider(&body, create).await }
        },
        move |_| on_saved.run(()),
    );
    let error = save.error();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submit();
        let body = value();
        if body.check().is_empty() {
            save.send(body);
        }
    };
    let field = move |field: &'static str, label: Key, signal: RwSignal<String>| {
        let message = form.message(field, signal, move |_| value().error_of(field));
        view! {
            <TextField name=field label=tr(label) value=signal message=message form=form
                input_class="input" disabled=field == "account_id" && !create/>
        }
    };
    view! {
        <form class="card" on:submit=submit data-testid="sub-provider-form" novalidate>
            <div class="kv-list">
                {field("account_id", Key::FieldSubProvider, account_id)}
                {create.then(|| view! { <p class="field-note">{tr(Key::FindAccountId)}</p> })}
                {field("name", Key::FieldSubProviderName, name)}
                {field("rebate_ratio", Key::FieldRebateRatio, rebate_ratio)}
                {field("remark", Key::FieldRemark, remark)}
            </div>
            <ErrorNote error=error/>
            <div class="form-actions">
                <button type="button" class="btn" on:click=move |_| on_cancel.run(())>{tr(Key::Cancel)}</button>
                <button type="submit" class="btn btn-primary" data-testid="save-sub-provider">{tr(Key::Save)}</button>
            </div>
        </form>
    }
}
