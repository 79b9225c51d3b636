//! The phone's side of a QR ticket (provider sync, 支付宝授权): what the code asks for; a sign-in
//! with WeChat or Alipay on the way in (a phone that has not signed in for this code is sent
//! there first and comes back here, or is told that it failed, with a way to try again); then
//! the person confirms or declines. Each page brings its wording, how its ticket is read,
//! confirmed and declined, and what it shows of the ticket.

use domain::{
    Lang,
    api::{PhoneIdentity, TicketState},
};
use leptos::prelude::*;

use crate::{
    api::ApiError,
    components::{
        error_note::ErrorNote,
        mobile_shell::{Brand, MobileShell},
    },
    i18n::{Key, request_lang, tr, use_i18n},
    state::{
        phone_sign_in::{self, SignInWith},
        write::ServerWrite,
    },
};

/// A kind of phone ticket: what its page says, how it is read, confirmed and declined, and
/// what the page shows of it.
pub trait PhoneTicket: Clone + Send + Sync + Sized + 'static {
    const WORDING: PhoneTicketWording;
    /// The ticket's state, and who signed in on this phone browser for it, if anyone.
    fn state_and_who(&self) -> (TicketState, Option<&PhoneIdentity>);
    fn read(id: String) -> impl Future<Output = Result<Self, ApiError>> + 'static;
    fn confirm(id: String) -> impl Future<Output = Result<Self, ApiError>> + 'static;
    fn decline(id: String) -> impl Future<Output = Result<(), ApiError>> + 'static;
    /// What the ticket asks for, as read.
    fn summary(self) -> impl IntoView + 'static;
    /// Who signed in.
    fn who(identity: PhoneIdentity) -> impl IntoView + 'static;
    /// The completed ticket.
    fn done(self) -> Option<impl IntoView + 'static>;
    /// Who signed in and the buttons to confirm or decline, with what the page says around
    /// them (nothing more by default).
    fn confirming(
        who: impl IntoView + 'static,
        buttons: impl IntoView + 'static,
    ) -> impl IntoView + 'static {
        (who, buttons)
    }
}

/// What a ticket's page says where the flow is the same.
#[derive(Debug, Clone, Copy)]
pub struct PhoneTicketWording {
    pub title: Key,
    /// The document's title (WeChat's browser shows it in its top bar).
    pub document_title: fn(Lang) -> &'static str,
    pub brand: Brand,
    pub sign_in_with: SignInWith,
    /// While the phone is on its way to sign in.
    pub signing_in: Key,
    /// The label of who signed in.
    pub who: Key,
    pub confirm: Key,
    pub confirm_test_id: &'static str,
    /// After declining.
    pub cancelled: Key,
}

/// The page of the ticket `id` (from the address), of kind `T`.
pub fn phone_ticket_page<T: PhoneTicket>(id: String) -> impl IntoView {
    let wording = T::WORDING;
    let i18n = use_i18n();
    let with = wording.sign_in_with;
    let id = StoredValue::new(id);
    let id = move || id.get_value();
    let sign_in_error = phone_sign_in::came_back_with();
    let came_back_failed = sign_in_error.is_some();
    let signing_in = RwSignal::new(false);
    let declined = RwSignal::new(false);
    // The ticket as last read or confirmed.
    let ticket = RwSignal::new(None::<T>);
    let read = LocalResource::new(move || T::read(id()));
    Effect::new(move |_| {
        if let Some(Ok(t)) = read.get() {
            // Nobody signed in on this phone yet: off to sign in first (unless it just failed,
            // which the page says, with a way to try again).
            let (state, who) = t.state_and_who();
            if state.is_open() && who.is_none() && !came_back_failed {
                signing_in.set(true);
                phone_sign_in::start(with, &id(), request_lang());
            }
            ticket.set(Some(t));
        }
    });
    let confirm = ServerWrite::new(
        |id: &String| T::confirm(id.clone()),
        move |t| ticket.set(Some(t)),
    );
    let decline = ServerWrite::new(
        |id: &String| T::decline(id.clone()),
        move |()| declined.set(true),
    );
    let (confirm_error, decline_error) = (confirm.error(), decline.error());
    let error = Signal::derive(move || {
        confirm_error
            .get()
            .or_else(|| decline_error.get())
            .or_else(|| read.get().and_then(Result::err))
            .or_else(|| sign_in_error.clone())
    });
    let (confirming, declining) = (confirm.pending(), decline.pending());
    let busy = move || confirming.get() || declining.get();
    let open =
        move || ticket.get().is_some_and(|t| t.state_and_who().0.is_open()) && !declined.get();
    let signed_in = move || ticket.get().and_then(|t| t.state_and_who().1.cloned());

    view! {
        <MobileShell title=wording.title document_title=wording.document_title brand=wording.brand>
            <ErrorNote error=error/>
            {move || ticket.get().map(T::summary)}
            <Show when=move || open() && signing_in.get()>
                <p class="note note-info" role="status">{tr(wording.signing_in)}</p>
            </Show>
            <Show when=move || open() && !signing_in.get() && signed_in().is_none()>
                <div class="mobile-actions">
                    <a class="btn btn-primary btn-block" data-testid="sign-in-again"
                        href=move || phone_sign_in::start_url(with, &id(), i18n.lang())>
                        {tr(Key::MobileSignInAgain)}
                    </a>
                </div>
            </Show>
            <Show when=move || open() && signed_in().is_some()>
                {T::confirming(
                    view! {
                        <section class="card">
                            <dl class="facts">
                                <dt>{tr(wording.who)}</dt>
                                <dd data-testid="signed-in-as">{move || signed_in().map(T::who)}</dd>
                            </dl>
                        </section>
                    },
                    view! {
                        <div class="mobile-actions">
                            <button type="button" class="btn btn-primary btn-block" data-testid=wording.confirm_test_id
                                disabled=busy on:click=move |_| confirm.send(id())>
                                {tr(wording.confirm)}
                            </button>
                            <button type="button" class="btn btn-block" disabled=busy on:click=move |_| decline.send(id())>
                                {tr(Key::MobileCancel)}
                            </button>
                        </div>
                    },
                )}
            </Show>
            <Show when=move || declined.get()>
                <p class="note note-warn" role="status">{tr(wording.cancelled)}</p>
            </Show>
            {move || ticket.get().filter(|t| t.state_and_who().0 == TicketState::Completed).and_then(T::done)}
        </MobileShell>
    }
}
