//! Entry point of the phone page of a provider-sync QR code (`/m/provider-sync/<ticket>`), a
//! bundle of its own.

use console::pages::mobile_provider_sync::MobileProviderSyncPage;
use domain::navigation::PROVIDER_SYNC_PHONE_PAGE;
use leptos::prelude::*;

fn main() {
    console::mount_phone(PROVIDER_SYNC_PHONE_PAGE, |rest| match rest {
        [ticket] => Some(view! { <MobileProviderSyncPage id=(*ticket).to_owned()/> }),
        _ => None,
    });
}
