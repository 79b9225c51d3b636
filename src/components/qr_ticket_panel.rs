//! The code side of a QR-ticket dialog (同步买单服务商信息, 支付宝授权): the code, dimmed once it
//! can no longer be scanned, its countdown, and 刷新二维码 when it has ended.

use domain::api::TicketState;
use leptos::prelude::*;

use crate::{
    components::qr_canvas::QrCanvas,
    i18n::{Key, fill, tr, use_i18n},
    state::qr_ticket::{QrTicket, QrTicketView},
};

#[component]
pub fn QrTicketPanel<T: QrTicket>(
    ticket: QrTicketView<T>,
    /// The address the phone opens (empty until there is a ticket).
    #[prop(into)]
    payload: Signal<String>,
    /// What the code is, for assistive technology.
    label: Key,
    /// A class of its own besides `sync-qr`.
    #[prop(optional)]
    class: &'static str,
    #[prop(optional)] test_id: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    let QrTicketView {
        state,
        seconds_left,
        start,
        ..
    } = ticket;
    let open = move || {
        matches!(
            state.get(),
            Some(TicketState::Pending | TicketState::Scanned)
        )
    };
    let ended = move || {
        matches!(
            state.get(),
            Some(TicketState::Expired | TicketState::Cancelled | TicketState::Failed)
        )
    };
    let class = if class.is_empty() {
        "sync-qr".to_owned()
    } else {
        format!("sync-qr {class}")
    };
    view! {
        <div class=class data-testid=test_id>
            <div class="qr-frame" class:qr-dim=move || !open()>
                <QrCanvas payload=payload size=208 label=Signal::derive(move || i18n.t(label).to_owned())/>
            </div>
            <p class="sync-countdown" data-testid="countdown">
                {move || match state.get() {
                    Some(TicketState::Pending | TicketState::Scanned) => {
                        fill(i18n.t(Key::ExpiresIn), &[("s", seconds_left.get().to_string())])
                    }
                    Some(TicketState::Expired) => i18n.t(Key::QrExpired).to_owned(),
                    _ => String::new(),
                }}
            </p>
            <Show when=ended>
                <button type="button" class="btn btn-primary" on:click=move |_| start.run(())>
                    {tr(Key::RefreshQr)}
                </button>
            </Show>
        </div>
    }
}

/// 连接中断，正在重试… while the ticket's polls fail on the network.
#[component]
pub fn Reconnecting(offline: RwSignal<bool>) -> impl IntoView {
    view! {
        <Show when=move || offline.get()>
            <p class="note note-warn" role="status">{tr(Key::ConnectionRetrying)}</p>
        </Show>
    }
}
