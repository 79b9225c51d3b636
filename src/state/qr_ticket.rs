//! A QR ticket on screen (provider sync, Alipay authorization): asks for one, counts down,
//! polls it until it ends, shows it expired as soon as the countdown says so, and cancels it
//! when its dialog closes.

use std::{future::Future, pin::Pin, rc::Rc};

use domain::{
    api::{AlipayAuthorizationTicket, ProviderSyncTicket, TicketState},
    poll::PollOutcome,
};
use leptos::prelude::*;

use crate::{
    api::{ApiError, Polled},
    state::poll::{self, Stop, now_ms},
};

/// What every QR ticket says about itself.
pub trait QrTicket: Clone + Send + Sync + 'static {
    fn id(&self) -> &str;
    fn state(&self) -> TicketState;
    fn expires_in_s(&self) -> u64;
}

macro_rules! qr_tickets {
    ($($ticket:ty),*) => {$(
        impl QrTicket for $ticket {
            fn id(&self) -> &str {
                &self.id
            }
            fn state(&self) -> TicketState {
                self.state
            }
            fn expires_in_s(&self) -> u64 {
                self.expires_in_s
            }
        }
    )*};
}

qr_tickets!(ProviderSyncTicket, AlipayAuthorizationTicket);

type Reply<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;
/// Reads a ticket by ID, conditionally on the `ETag` last seen.
type Poll<T> = Rc<dyn Fn(String, Option<String>) -> Reply<Polled<T>>>;

/// How to ask for, read and cancel one kind of ticket.
pub struct TicketApi<T> {
    pub create: Rc<dyn Fn() -> Reply<T>>,
    pub poll: Poll<T>,
    pub cancel: Rc<dyn Fn(String) -> Reply<()>>,
}

/// The ticket on screen and what the dialog shows of it.
pub struct QrTicketView<T: QrTicket> {
    pub ticket: RwSignal<Option<T>>,
    pub error: RwSignal<Option<ApiError>>,
    /// The last poll failed on the network; polling goes on.
    pub offline: RwSignal<bool>,
    /// The server's state, or expired as soon as the countdown reaches zero.
    pub state: Signal<Option<TicketState>>,
    pub seconds_left: Signal<u64>,
    /// Asks for a fresh ticket (the first one is asked for at once).
    pub start: Callback<()>,
    /// Stops polling and cancels a ticket that is still open.
    pub close: Callback<()>,
}

impl<T: QrTicket> Clone for QrTicketView<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: QrTicket> Copy for QrTicketView<T> {}

/// Starts a ticket of `api`'s kind; `on_change` sees every new version.
pub fn use_qr_ticket<T: QrTicket>(api: TicketApi<T>, on_change: Callback<T>) -> QrTicketView<T> {
    let ticket = RwSignal::new(None::<T>);
    let error = RwSignal::new(None::<ApiError>);
    let offline = RwSignal::new(false);
    let deadline = RwSignal::new(0.0_f64);
    let now = RwSignal::new(now_ms());
    let poller = StoredValue::new(Stop::default());
    let api = StoredValue::new_local(api);

    let tick =
        set_interval_with_handle(move || now.set(now_ms()), std::time::Duration::from_secs(1));
    on_cleanup(move || {
        if let Ok(handle) = tick {
            handle.clear();
        }
        poller.get_value().stop();
    });

    let seconds_left =
        Signal::derive(move || ((deadline.get() - now.get()) / 1000.0).ceil().max(0.0) as u64);
    let state = Signal::derive(move || {
        ticket.get().map(|t| {
            if t.state().is_open() && seconds_left.get() == 0 {
                TicketState::Expired
            } else {
                t.state()
            }
        })
    });
    let land = move |latest: T| {
        deadline.set(now_ms() + latest.expires_in_s() as f64 * 1000.0);
        ticket.set(Some(latest.clone()));
        on_change.run(latest);
    };

    let start = Callback::new(move |()| {
        poller.get_value().stop();
        ticket.set(None);
        error.set(None);
        let (create, poll_once) = api.with_value(|a| (a.create.clone(), a.poll.clone()));
        leptos::task::spawn_local(async move {
            let created = match create().await {
                Ok(created) => created,
                Err(e) => {
                    error.set(Some(e));
                    return;
                }
            };
            let id = created.id().to_owned();
            land(created);
            let stop = Stop::default();
            poller.set_value(stop.clone());
            let etag = StoredValue::new(None::<String>);
            poll::spawn(stop, move || {
                let (id, poll_once) = (id.clone(), poll_once.clone());
                async move {
                    match poll_once(id, etag.get_value()).await {
                        Ok(Polled::Changed(latest, tag)) => {
                            offline.set(false);
                            etag.set_value(tag);
                            let done = latest.state().is_final();
                            land(latest);
                            (!done).then_some(PollOutcome::Changed)
                        }
                        Ok(Polled::Unchanged) => {
                            offline.set(false);
                            Some(PollOutcome::Unchanged)
                        }
                        Err(e) => {
                            let outcome = poll::outcome_of(&e);
                            // A busy server is not a lost connection: the code waits quietly.
                            offline.set(outcome == Some(PollOutcome::Failed));
                            if outcome.is_none() {
                                error.set(Some(e));
                            }
                            outcome
                        }
                    }
                }
            });
        });
    });
    start.run(());

    let close = Callback::new(move |()| {
        poller.get_value().stop();
        if let Some(t) = ticket.get_untracked()
            && t.state().is_open()
        {
            let cancel = api.with_value(|a| a.cancel.clone());
            let id = t.id().to_owned();
            leptos::task::spawn_local(async move {
                let _ = cancel(id).await;
            });
        }
    });

    QrTicketView {
        ticket,
        error,
        offline,
        state,
        seconds_left,
        start,
        close,
    }
}
