//! 同步买单服务商信息: the QR dialog. It asks for a ticket, draws its URL, counts down, polls
//! 待扫码 → 已扫码 → 同步中 → 完成, and shows what the sync did. Closing it cancels an open
//! ticket.

use std::rc::Rc;

use domain::api::{ProviderSyncResult, ProviderSyncTicket, TicketState};
use leptos::prelude::*;

use crate::{
    api,
    components::{
        dialog::Dialog,
        error_note::ErrorNote,
        qr_ticket_panel::{QrTicketPanel, Reconnecting},
    },
    format::{listed, with_id},
    i18n::{Key, fill, tr, use_i18n},
    location::page_url,
    state::qr_ticket::{QrTicketView, TicketApi, use_qr_ticket},
};

/// The address the phone opens for a ticket.
pub fn mobile_url(ticket_id: &str) -> String {
    page_url(&domain::navigation::provider_sync_phone_path(ticket_id))
}

#[component]
pub fn ProviderSyncDialog(
    /// Called when the dialog closes.
    on_close: Callback<()>,
    /// Called when a sync completes (the list refreshes).
    on_synced: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let api = TicketApi {
        create: Rc::new(|| Box::pin(api::create_provider_sync_ticket())),
        poll: Rc::new(|id, etag| {
            Box::pin(async move { api::poll_provider_sync_ticket(&id, etag.as_deref()).await })
        }),
        cancel: Rc::new(|id| Box::pin(async move { api::cancel_provider_sync_ticket(&id).await })),
    };
    let qr = use_qr_ticket(
        api,
        Callback::new(move |t: ProviderSyncTicket| {
            if t.state == TicketState::Completed {
                on_synced.run(());
            }
        }),
    );
    let QrTicketView {
        ticket,
        error,
        offline,
        state: shown_state,
        start,
        close,
        ..
    } = qr;
    let start = move || start.run(());
    let shown_state = move || shown_state.get();
    let close = Callback::new(move |()| {
        close.run(());
        on_close.run(());
    });

    let payload =
        Signal::derive(move || ticket.get().map(|t| mobile_url(&t.id)).unwrap_or_default());
    let account = move || ticket.get().map(|t| t.account);

    view! {
        <Dialog title=Signal::derive(move || i18n.t(Key::SyncDialogTitle).to_owned()) on_close=close wide=true>
            <ErrorNote error=error/>
            <Show when=move || ticket.get().is_some()>
                <div class="sync-layout">
                    <QrTicketPanel ticket=qr payload=payload label=Key::QrLabel/>
                    <div class="sync-side">
                        <p class="sync-target">
                            {tr(Key::SyncTarget)}" "
                            <strong data-testid="sync-target">
                                {move || account().map(|a| with_id(a.id.as_str(), &a.name, i18n.lang()))}
                            </strong>
                        </p>
                        <Steps state=Signal::derive(shown_state)/>
                        <Reconnecting offline=offline/>
                        {move || match shown_state() {
                            Some(TicketState::Scanned) => Some(view! { <p class="note note-info">{tr(Key::ScannedHint)}</p> }.into_any()),
                            Some(TicketState::Cancelled) => Some(view! { <p class="note note-warn">{tr(Key::StateCancelled)}</p> }.into_any()),
                            Some(TicketState::Failed) => Some(view! { <p class="note note-error">{tr(Key::StateFailed)}</p> }.into_any()),
                            _ => None,
                        }}
                        {move || ticket.get().and_then(|t| t.result.map(|r| view! {
                            <SyncResult result=r confirmed_by=t.confirmed_by.unwrap_or_default()/>
                        }))}
                        <ul class="warnings">
                            <li><strong>{tr(Key::WarnAdminOnly)}</strong></li>
                            <li>{tr(Key::WarnLandsHere)}</li>
                            <li><strong>{tr(Key::WarnNoSharing)}</strong></li>
                            <li>{tr(Key::WarnRescan)}</li>
                        </ul>
                    </div>
                </div>
            </Show>
            <Show when=move || ticket.get().is_none() && error.get().is_some()>
                <button type="button" class="btn btn-primary" on:click=move |_| start()>{tr(Key::Retry)}</button>
            </Show>
        </Dialog>
    }
}

/// 待扫码 → 已扫码 → 同步中 → 完成, with the current step marked.
#[component]
fn Steps(state: Signal<Option<TicketState>>) -> impl IntoView {
    let i18n = use_i18n();
    let rank = move || match state.get() {
        Some(TicketState::Pending) => 0,
        Some(TicketState::Scanned) => 1,
        Some(TicketState::Syncing) => 2,
        // Completed: every step is done.
        Some(TicketState::Completed) => 4,
        _ => -1,
    };
    let steps = [
        Key::StepPending,
        Key::StepScanned,
        Key::StepSyncing,
        Key::StepCompleted,
    ];
    view! {
        <ol class="steps-bar" data-testid="sync-steps">
            {steps
                .into_iter()
                .enumerate()
                .map(|(i, key)| {
                    let i = i as i32;
                    view! {
                        <li
                            class=move || match rank() {
                                r if r > i => "done",
                                r if r == i => "current",
                                _ => "",
                            }
                            aria-current=move || (rank() == i).then_some("step")
                        >
                            {move || i18n.t(key)}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

/// New / updated / unchanged / skipped, each skipped provider with its reason.
#[component]
pub fn SyncResult(result: ProviderSyncResult, confirmed_by: String) -> impl IntoView {
    let i18n = use_i18n();
    let ProviderSyncResult {
        new,
        updated,
        unchanged,
        skipped,
    } = result;
    // Names with their IDs, in the reader's language's brackets and list separator.
    let names = move |list: &[domain::api::SyncedProvider]| {
        let list: Vec<(String, String)> = list
            .iter()
            .map(|p| (p.name.clone(), p.provider_id.clone()))
            .collect();
        move || {
            let lang = i18n.lang();
            listed(list.iter().map(|(name, id)| with_id(name, id, lang)), lang)
        }
    };
    let rows = [
        (Key::ResultNew, new.len(), names(&new), "new"),
        (
            Key::ResultUpdated,
            updated.len(),
            names(&updated),
            "updated",
        ),
        (
            Key::ResultUnchanged,
            unchanged.len(),
            names(&unchanged),
            "unchanged",
        ),
    ];
    view! {
        <section class="sync-result" data-testid="sync-result">
            <h3>{tr(Key::ResultTitle)}</h3>
            <Show when={
                let empty = confirmed_by.is_empty();
                move || !empty
            }>
                <p class="muted">{tr(Key::ResultConfirmedBy)}{
                    let who = confirmed_by.clone();
                    move || fill(i18n.t(Key::ReasonAfter), &[("reason", who.clone())])
                }</p>
            </Show>
            <dl class="result-counts">
                {rows
                    .into_iter()
                    .map(|(key, count, names, id)| view! {
                        <div class="result-row" data-kind=id>
                            <dt>{move || i18n.t(key)}</dt>
                            <dd><strong>{count}</strong>" "<span class="muted">{names}</span></dd>
                        </div>
                    })
                    .collect_view()}
                <div class="result-row" data-kind="skipped">
                    <dt>{tr(Key::ResultSkipped)}</dt>
                    <dd>
                        <strong>{skipped.len()}</strong>
                        <ul class="skipped">
                            {skipped
                                .into_iter()
                                .map(|s| view! {
                                    <li>
                                        {move || {
                                            let lang = i18n.lang();
                                            let reason = fill(Key::ReasonAfter.text(lang), &[("reason", s.reason.message(lang).to_owned())]);
                                            with_id(&s.name, &s.provider_id, lang) + &reason
                                        }}
                                    </li>
                                })
                                .collect_view()}
                        </ul>
                    </dd>
                </div>
            </dl>
        </section>
    }
}
