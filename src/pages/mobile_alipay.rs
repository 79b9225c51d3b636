//! The phone page a 支付宝授权 QR code opens: which provider asks to collect for which
//! sub-merchant. The merchant authorizes the provider's app in Alipay (a phone that has not
//! done so for this code is sent there first and comes back here), then confirms or cancels.

use domain::{
    Lang,
    api::{MobileAlipayAuthorization, PhoneIdentity, TicketState},
};
use leptos::prelude::*;

use crate::{
    api::{self, ApiError},
    components::{
        mobile_shell::Brand,
        phone_ticket::{PhoneTicket, PhoneTicketWording, phone_ticket_page},
    },
    format::local_time,
    i18n::{Key, fill, tr, use_i18n},
    state::phone_sign_in::SignInWith,
};

/// The document's title (WeChat's browser shows it in its top bar); the same as the page's
/// `<title>` in Chinese.
fn document_title(lang: Lang) -> &'static str {
    lang.pick(
        "支付宝子商户授权 · 云支付",
        "Alipay sub-merchant authorization · Cloud Pay",
    )
}

impl PhoneTicket for MobileAlipayAuthorization {
    const WORDING: PhoneTicketWording = PhoneTicketWording {
        title: Key::MobileAlipayTitle,
        document_title,
        brand: Brand::Alipay,
        sign_in_with: SignInWith::Alipay,
        signing_in: Key::MobileAlipaySigningIn,
        who: Key::MobileAlipayWho,
        confirm: Key::MobileAlipayConfirm,
        confirm_test_id: "alipay-confirm",
        cancelled: Key::MobileAlipayCancelled,
    };

    fn state_and_who(&self) -> (TicketState, Option<&PhoneIdentity>) {
        (self.state, self.signed_in_as.as_ref())
    }

    async fn read(id: String) -> Result<Self, ApiError> {
        api::mobile_alipay_authorization(&id).await
    }

    async fn confirm(id: String) -> Result<Self, ApiError> {
        api::confirm_alipay_authorization(&id).await
    }

    async fn decline(id: String) -> Result<(), ApiError> {
        api::decline_alipay_authorization(&id).await
    }

    fn summary(self) -> impl IntoView + 'static {
        let i18n = use_i18n();
        view! {
            <section class="card">
                <p data-testid="alipay-ask">
                    {move || fill(i18n.t(Key::MobileAlipayAsk), &[
                        ("provider", self.provider_name.clone()),
                        ("name", self.sub_merchant_name.clone()),
                        ("merchant_id", self.merchant_id.clone()),
                    ])}
                </p>
            </section>
        }
    }

    fn who(who: PhoneIdentity) -> impl IntoView + 'static {
        view! { <code>{who.id}</code> }
    }

    fn done(self) -> Option<impl IntoView + 'static> {
        self.authorized.map(|a| view! {
            <p class="note note-ok" role="status" data-testid="alipay-done">{tr(Key::MobileAlipayDone)}</p>
            <section class="card">
                <dl class="facts">
                    <dt>{tr(Key::AlipayUserId)}</dt>
                    <dd><code>{a.user_id}</code></dd>
                    <dt>{tr(Key::AlipayAuthorizedAt)}</dt>
                    <dd>{local_time(&a.authorized_at)}</dd>
                </dl>
            </section>
        })
    }
}

#[component]
pub fn MobileAlipayPage(
    /// The ticket, from the address.
    id: String,
) -> impl IntoView {
    phone_ticket_page::<MobileAlipayAuthorization>(id)
}
