//! 概览: the signed-in account and the way through the console, in the seed's order.

use leptos::prelude::*;

use crate::{
    format::{local_time, role_key},
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
