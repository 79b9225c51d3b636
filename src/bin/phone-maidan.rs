//! Entry point of the phone page of 开通微信买单 (`/m/maidan`), a bundle of its own.

use console::pages::mobile_maidan::MobileMaidanPage;
use domain::navigation::MAIDAN_PHONE_PAGE;
use leptos::prelude::*;

fn main() {
    console::mount_phone(MAIDAN_PHONE_PAGE, |rest| {
        rest.is_empty().then(|| view! { <MobileMaidanPage/> })
    });
}
