//! 概览: the signed-in account and the way through the console, in the seed's order.

use leptos::prelude::*;

use crate::{
    components::shell::role_key,
    i18n::{Key, tr, use_i18n},
    state::session::use_session,
};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let info = move || session.info();
    view! {
        <h1 class="page-title">{tr(Key::OverviewTitle)}</h1>
        <section class="card">
            <h2>{tr(Key::OverviewAccount)}</h2>
            <dl class="facts">
                <dt>{tr(Key::AccountId)}</dt>
                <dd><code data-testid="overview-account-id">{move || info().map(|s| s.account.id.to_string())}</code></dd>
                <dt>{tr(Key::OverviewName)}</dt>
                <dd>{move || info().map(|s| s.account.name)}</dd>
                <dt>{tr(Key::OverviewRole)}</dt>
                <dd>{move || info().map(|s| i18n.t(role_key(s.account.role)))}</dd>
                <dt>{tr(Key::OverviewSessionEnds)}</dt>
                <dd>{move || info().map(|s| local_time(&s.expires_at))}</dd>
            </dl>
            <Show when=move || info().is_some_and(|s| s.sandbox)>
                <p class="note note-info">
                    <span class="badge badge-sandbox">{tr(Key::Sandbox)}</span>
                    " "
                    {tr(Key::SandboxHint)}
                </p>
            </Show>
        </section>
        <section class="card">
            <h2>{tr(Key::OverviewGuideTitle)}</h2>
            <ol class="steps">
                <li>{tr(Key::GuideStep1)}</li>
                <li>{tr(Key::GuideStep2)}</li>
                <li>{tr(Key::GuideStep3)}</li>
                <li>{tr(Key::GuideStep4)}</li>
                <li>{tr(Key::GuideStep5)}</li>
            </ol>
        </section>
    }
}

/// An RFC 3339 instant in the browser's local time.
pub fn local_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}
