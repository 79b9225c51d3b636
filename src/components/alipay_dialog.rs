//! 支付宝授权: the QR code a sub-merchant scans to authorize Alipay collection. Counts down,
//! follows 待扫码 → 已扫码 → 已授权, and cancels an open code when closed.

use std::rc::Rc;

use domain::api::{AlipayAuthorizationTicket, TicketState};
use leptos::prelude::*;

use crate::{
    api,
    components::{
        dialog::Dialog,
        error_note::ErrorNote,
        qr_ticket_panel::{QrTicketPanel, Reconnecting},
    },
    i18n::{Key, fill, tr, use_i18n},
    location::page_url,
    state::qr_ticket::{QrTicketView, TicketApi, use_qr_ticket},
};

#[component]
pub fn AlipayDialog(
    sub_merchant_id: i64,
    /// Called when the dialog closes; `true` once the merchant has authorized.
    on_close: Callback<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = sub_merchant_id;
    let api = TicketApi {
        create: Rc::new(move || Box::pin(api::create_alipay_authorization(id))),
        poll: Rc::new(move |ticket, etag| {
            Box::pin(
                async move { api::poll_alipay_authorization(id, &ticket, etag.as_deref()).await },
            )
        }),
        cancel: Rc::new(move |ticket| {
            Box::pin(async move { api::cancel_alipay_authorization(id, &ticket).await })
        }),
    };
    let qr = use_qr_ticket(api, Callback::new(|_: AlipayAuthorizationTicket| {}));
    let QrTicketView {
        ticket,
        error,
        offline,
        state,
        start,
        close,
        ..
    } = qr;
    let close = Callback::new(move |()| {
        close.run(());
        let done = state.get_untracked() == Some(TicketState::Completed);
        on_close.run(done);
    });
    let payload = Signal::derive(move || {
        ticket
            .get()
            .map(|t| page_url(&domain::navigation::alipay_authorization_phone_path(&t.id)))
            .unwrap_or_default()
    });

    view! {
        <Dialog title=Signal::derive(move || i18n.t(Key::AlipayTitle).to_owned()) on_close=close>
            <ErrorNote error=error/>
            <Show when=move || ticket.get().is_some()>
                <QrTicketPanel ticket=qr payload=payload label=Key::AlipayQrLabel class="alipay-qr" test_id="alipay-qr"/>
                <div class="alipay-state" data-testid="alipay-state" data-state=move || state.get().map(TicketState::as_str)>
                    {move || match state.get() {
                        Some(TicketState::Pending) => view! { <p class="muted">{tr(Key::AlipayScan)}</p> }.into_any(),
                        Some(TicketState::Scanned) => view! { <p class="note note-info" role="status">{tr(Key::AlipayScanned)}</p> }.into_any(),
                        Some(TicketState::Completed) => {
                            let user_id = ticket.get().and_then(|t| t.authorized).map(|a| a.user_id).unwrap_or_default();
                            view! {
                                <p class="note note-ok" role="status">{fill(i18n.t(Key::AlipayDone), &[("user_id", user_id)])}</p>
                                <div class="form-actions">
                                    <button type="button" class="btn btn-primary" on:click=move |_| close.run(())>{tr(Key::Done)}</button>
                                </div>
                            }.into_any()
                        }
                        Some(TicketState::Cancelled) => view! { <p class="note note-warn" role="status">{tr(Key::AlipayCancelled)}</p> }.into_any(),
                        _ => ().into_any(),
                    }}
                </div>
                <Reconnecting offline=offline/>
            </Show>
            <Show when=move || ticket.get().is_none() && error.get().is_some()>
                <button type="button" class="btn btn-primary" on:click=move |_| start.run(())>{tr(Key::Retry)}</button>
            </Show>
        </Dialog>
    }
}
