//! The JSON API under `/api/v1`, one module per area, each with its own `router()`.

pub mod alipay_authorization;
pub mod health;
pub mod jobs;
pub mod maidan;
pub mod phone_sign_in;
pub mod phone_ticket;
pub mod provider_config;
pub mod provider_sync;
pub mod providers;
pub mod sandbox;
pub mod session;
pub mod sub_merchant_keys;
pub mod sub_merchants;
pub mod sub_providers;
pub mod transactions;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every `/api/v1` route, with its OpenAPI description.
pub fn v1(state: &AppState) -> OpenApiRouter<AppState> {
    let mut router = OpenApiRouter::new()
        .merge(health::router())
        .merge(session::router())
        .merge(providers::router())
        .merge(provider_sync::router())
        .merge(provider_config::router())
        .merge(sub_merchants::router())
        .merge(jobs::router())
        .merge(sub_merchant_keys::router())
        .merge(alipay_authorization::router())
        .merge(sub_providers::router())
        .merge(transactions::router())
        .merge(maidan::router())
        .merge(phone_sign_in::router());
    if state.upstream.sandbox().is_some() {
        router = router.merge(sandbox::router());
    }
    router
}
