//! The router and the shared state every page finds in context.

use domain::Lang;
use leptos::prelude::*;
#[cfg(split_pages)]
use leptos_router::lazy_route;
use leptos_router::{
    Lazy, LazyRoute,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use crate::{
    components::shell::Shell,
    i18n::{Key, follow_document_title, provide_i18n},
    pages::{
        audit::AuditPage, change_password::ChangePasswordPage, login::LoginPage,
        not_found::NotFoundPage, open_maidan::OpenMaidanPage, overview::OverviewPage,
        provider_detail::ProviderDetailPage, providers::ProvidersPage,
        sub_merchant_detail::SubMerchantDetailPage, sub_merchants::SubMerchantsPage,
        sub_providers::SubProvidersPage, transactions::TransactionsPage,
    },
    state::session::provide_session,
};

/// The console's pages beyond the overview and the providers (the first table a newcomer sees),
/// each a [`LazyRoute`]: in the console's bundle (`cargo xtask dist` builds it with
/// `--cfg split_pages`) each is a wasm module of its own, fetched when the page is first
/// opened, so signing in downloads the shell, the overview and the providers page with what
/// they share with the others, not every page. Built without that flag (`trunk serve`, the
/// browser tests) the pages stay in the one module, behind the same routes.
macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[derive(Debug)]
        struct $route;

        #[cfg(split_pages)]
        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }

        #[cfg(not(split_pages))]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    ProviderDetailRoute => ProviderDetailPage,
    AuditRoute => AuditPage,
    ChangePasswordRoute => ChangePasswordPage,
    SubMerchantsRoute => SubMerchantsPage,
    SubMerchantDetailRoute => SubMerchantDetailPage,
    SubProvidersRoute => SubProvidersPage,
    TransactionsRoute => TransactionsPage,
    OpenMaidanRoute => OpenMaidanPage,
}

/// The console: every page behind sign-in, inside one shell that stays while the pages
/// change. The server sends a visitor without a session to the public entry's login page
/// before this bundle is fetched.
#[component]
pub fn App() -> impl IntoView {
    provide_i18n();
    follow_document_title(product_name);
    provide_session();
    view! {
        <Router>
            <Routes fallback=NotFoundPage>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=OverviewPage/>
                    <Route path=path!("/providers") view=ProvidersPage/>
                    <Route path=path!("/providers/:id") view={Lazy::<ProviderDetailRoute>::new()}/>
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()}/>
                    <Route path=path!("/account/password") view={Lazy::<ChangePasswordRoute>::new()}/>
                    <Route path=path!("/sub-merchants") view={Lazy::<SubMerchantsRoute>::new()}/>
                    <Route path=path!("/sub-merchants/:id") view={Lazy::<SubMerchantDetailRoute>::new()}/>
                    <Route path=path!("/sub-providers") view={Lazy::<SubProvidersRoute>::new()}/>
                    <Route path=path!("/transactions") view={Lazy::<TransactionsRoute>::new()}/>
                    <Route path=path!("/maidan/open") view={Lazy::<OpenMaidanRoute>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The title of the console's and the login page's documents.
fn product_name(lang: Lang) -> &'static str {
    Key::ProductName.text(lang)
}

/// The login page, a bundle of its own: it is what a first visit downloads. The server
/// serves it at `/login` only, so it needs no router (and leaves its weight out).
#[component]
pub fn LoginApp() -> impl IntoView {
    provide_i18n();
    follow_document_title(product_name);
    view! { <LoginPage/> }
}

/// A page a phone opens from a QR code, `page` of [`domain::navigation::PHONE_PAGES`]. Each is
/// a bundle of its own and a page load of its own (the phone follows links and sign-ins out and
/// back), so the address is matched once, without a router and its weight: `view` makes the
/// page from the rest of the address below `/m/<page>/`, or says there is no such page there.
pub fn phone_app<V: IntoView + 'static>(
    page: &str,
    view: impl FnOnce(&[&str]) -> Option<V>,
) -> AnyView {
    provide_i18n();
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    match domain::navigation::phone_page(&path) {
        Some((here, rest)) if here == page => view(&rest).map(IntoAny::into_any),
        _ => None,
    }
    .unwrap_or_else(|| view! { <NotFoundPage/> }.into_any())
}
