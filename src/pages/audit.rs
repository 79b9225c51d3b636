//! 操作记录: who changed what in the account, newest first (field names, never values).

use domain::api::ListQuery;
use leptos::prelude::*;

use crate::{
    api,
    components::{error_note::ErrorNote, pager::Pager},
    format::{action_key, audit_field, audit_target, listed, local_time},
    i18n::{Key, tr, use_i18n},
};

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let page = RwSignal::new(1_u32);
    let events = LocalResource::new(move || {
        let query = ListQuery {
            q: None,
            page: Some(page.get()),
            page_size: Some(ListQuery::DEFAULT_PAGE_SIZE),
        };
        async move { api::audit_events(&query).await }
    });
    let error = Signal::derive(move || events.get().and_then(Result::err));
    view! {
        <h1 class="page-title">{tr(Key::AuditTitle)}</h1>
        <p class="muted page-lead">{tr(Key::AuditSubtitle)}</p>
        <section class="card">
            <ErrorNote error=error/>
            {move || events.get().and_then(Result::ok).map(|list| {
                if list.items.is_empty() {
                    return view! { <p class="empty-row">{tr(Key::AuditEmpty)}</p> }.into_any();
                }
                let pages = list.pages();
                let total = list.total;
                view! {
                    <table class="table" data-testid="audit">
                        <thead><tr>
                            <th>{tr(Key::ColTime)}</th>
                            <th>{tr(Key::ColActor)}</th>
                            <th>{tr(Key::ColAction)}</th>
                            <th>{tr(Key::ColTarget)}</th>
                            <th>{tr(Key::ColFields)}</th>
                        </tr></thead>
                        <tbody>
                            {list.items.into_iter().map(|e| {
                                let action = e.action;
                                let target = e.target.clone();
                                let fields = e.fields.clone();
                                view! {
                                    <tr>
                                        <td>{local_time(&e.at)}</td>
                                        <td><code>{e.actor}</code></td>
                                        <td>{move || i18n.t(action_key(action))}</td>
                                        <td data-testid="audit-target">{move || match audit_target(&target, i18n.lang()) {
                                            (text, Some(href)) => view! { <a href=href>{text}</a> }.into_any(),
                                            (text, None) => view! { <span>{text}</span> }.into_any(),
                                        }}</td>
                                        <td data-testid="audit-fields">{move || {
                                            let lang = i18n.lang();
                                            listed(fields.iter().map(|f| audit_field(f, lang)), lang)
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <Pager page=page total=total pages=pages/>
                }.into_any()
            })}
        </section>
    }
}
