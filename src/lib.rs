//! The Cloud Pay Console single-page app (Leptos, client-side rendered).
//!
//! - [`app`]: the router and the providers of shared state.
//! - [`api`]: the typed API client, one async fn per endpoint.
//! - [`i18n`]: every visible string, in Chinese (default) and English.
//! - [`state`]: browser state logic (the signed-in session).
//! - [`location`]: the browser's address: query parameters, links of this origin, and full page
//!   loads between the entries.
//! - [`crypto`]: key pairs made in the browser (WebCrypto).
//! - [`format`]: times, money and the labels of the domain's enums.
//! - [`components`]: the console shell and reusable pieces (fields, error notes).
//! - [`pages`]: one module per screen.
//!
//! Field rules and error messages come from the `domain` crate, shared with the server.

pub mod api;
pub mod app;
pub mod components;
pub mod crypto;
pub mod format;
pub mod i18n;
pub mod location;
pub mod pages;
pub mod state;

/// In development builds, a panic is written to the browser console with where it happened
/// (the release bundles leave this out: it would cost their size).
fn report_panics() {
    #[cfg(debug_assertions)]
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}

/// Mounts the console on `<body>`.
pub fn mount() {
    report_panics();
    leptos::mount::mount_to_body(app::App);
}

/// Mounts the login page on `<body>`.
pub fn mount_login() {
    report_panics();
    leptos::mount::mount_to_body(app::LoginApp);
}

/// Mounts a phone page on `<body>` (a bundle of its own, `src/bin/phone-*.rs`): `page` names
/// it, `view` makes it from the rest of its address ([`app::phone_app`]).
pub fn mount_phone<V: leptos::prelude::IntoView + 'static>(
    page: &'static str,
    view: impl FnOnce(&[&str]) -> Option<V> + 'static,
) {
    report_panics();
    leptos::mount::mount_to_body(move || app::phone_app(page, view));
}
