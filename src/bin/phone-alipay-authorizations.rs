//! Entry point of the phone page of an Alipay authorization QR code
//! (`/m/alipay-authorizations/<ticket>`), a bundle of its own.

use console::pages::mobile_alipay::MobileAlipayPage;
use domain::navigation::ALIPAY_AUTHORIZATION_PHONE_PAGE;
use leptos::prelude::*;

fn main() {
    console::mount_phone(ALIPAY_AUTHORIZATION_PHONE_PAGE, |rest| match rest {
        [ticket] => Some(view! { <MobileAlipayPage id=(*ticket).to_owned()/> }),
        _ => None,
    });
}
