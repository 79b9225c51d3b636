//! The phone page a scanned provider-sync QR code opens: it names the target account and
//! where the code came from. Who is confirming comes from WeChat: a phone that has not signed
//! in for this code is sent through WeChat OAuth first and comes back here; then the assistant
//! admin confirms or cancels.

use domain::{
    Lang,
    api::{MobileProviderSyncTicket, PhoneIdentity, TicketState},
};
use leptos::prelude::*;

use crate::{
    api::{self, ApiError},
    components::{
        mobile_shell::Brand,
        phone_ticket::{PhoneTicket, PhoneTicketWording, phone_ticket_page},
        provider_sync_dialog::SyncResult,
    },
    format::local_time,
    i18n::{Key, tr},
    state::phone_sign_in::SignInWith,
};

/// The document's title (WeChat's browser shows it in its top bar); the same as the page's
/// `<title>` in Chinese.
fn document_title(lang: Lang) -> &'static str {
    lang.pick(
        "同步买单服务商信息 · 云支付",
        "Sync WeChat Maidan providers · Cloud Pay",
    )
}

impl PhoneTicket for MobileProviderSyncTicket {
    const WORDING: PhoneTicketWording = PhoneTicketWording {
        title: Key::MobileTitle,
        document_title,
        brand: Brand::CloudPay,
        sign_in_with: SignInWith::Wechat,
        signing_in: Key::MobileSigningIn,
        who: Key::MobileWho,
        confirm: Key::MobileConfirm,
        confirm_test_id: "mobile-confirm",
        cancelled: Key::MobileCancelled,
    };

    fn state_and_who(&self) -> (TicketState, Option<&PhoneIdentity>) {
        (self.state, self.signed_in_as.as_ref())
    }

    async fn read(id: String) -> Result<Self, ApiError> {
        api::mobile_provider_sync_ticket(&id).await
    }

    async fn confirm(id: String) -> Result<Self, ApiError> {
        api::confirm_provider_sync(&id).await
    }

    async fn decline(id: String) -> Result<(), ApiError> {
        api::decline_provider_sync(&id).await
    }

    fn summary(self) -> impl IntoView + 'static {
        view! {
            <section class="card">
                <dl class="facts">
                    <dt>{tr(Key::MobileTarget)}</dt>
                    <dd data-testid="mobile-target">
                        <strong>{self.account.id.to_string()}</strong>
                        <br/>
                        {self.account.name.clone()}
                    </dd>
                    <dt>{tr(Key::MobileRequested)}</dt>
                    <dd>{local_time(&self.requested_at)}</dd>
                    <dt>{tr(Key::MobileRequestedIp)}</dt>
                    <dd><code>{self.requested_ip.clone()}</code></dd>
                </dl>
            </section>
        }
    }

    fn who(who: PhoneIdentity) -> impl IntoView + 'static {
        view! { <strong>{who.name}</strong>" "<code class="muted">{who.id}</code> }
    }

    fn confirming(
        who: impl IntoView + 'static,
        buttons: impl IntoView + 'static,
    ) -> impl IntoView + 'static {
        view! { <p class="note note-info">{tr(Key::MobileCheck)}</p>{who}{buttons} }
    }

    fn done(self) -> Option<impl IntoView + 'static> {
        self.result.map(|r| {
            view! {
                <p class="note note-ok" role="status">{tr(Key::MobileDone)}</p>
                <section class="card"><SyncResult result=r confirmed_by=String::new()/></section>
            }
        })
    }
}

#[component]
pub fn MobileProviderSyncPage(
    /// The ticket, from the address.
    id: String,
) -> impl IntoView {
    phone_ticket_page::<MobileProviderSyncTicket>(id)
}
