//! The HTTP layer: what every route stands on, and the application assembled from the routes.
//!
//! [`app`] builds the whole surface from an [`AppState`] ([`state`]): the JSON API under
//! `/api/v1` with its OpenAPI document split from the same build ([`openapi`]), the SPA's files
//! ([`static_files`]), and the layers every request passes through ([`with_layers`]:
//! [`middleware`] and per-address [`rate_limit`]s). Routes take their inputs through the
//! extractors here: the API's own JSON, path and query ([`extract`]), the signed-in session
//! ([`session`]) and what it may change ([`access`]).

pub mod access;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod rate_limit;
pub mod readiness;
pub mod serve;
pub mod session;
pub mod state;
pub mod static_files;

use axum::Router;

pub use crate::{
    auth::{CurrentSession, ProviderSession, SessionCookie},
    error::ApiJson,
};
pub use access::changeable_sub_merchant;
pub use extract::{ApiPath, ApiQuery};
pub use middleware::{ClientIp, RequestId};
pub use readiness::UpstreamProbe;
pub use state::{AppState, Settings};

use crate::{AppError, respond, upstream::sandbox_oauth};

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let api = openapi::api_router(&state);
    let static_files = static_files::router(&state);
    let mut router = Router::new().merge(api).merge(static_files);
    if let Some(sandbox) = state.sandbox_oauth.clone() {
        router = router.nest(sandbox_oauth::MOUNT, sandbox_oauth::router(sandbox));
    }
    with_layers(
        router.route_layer(axum::middleware::from_fn(middleware::record_route)),
        state,
    )
}

/// What every request passes through, around `routes`: security headers, the request's id,
/// language and client address with the error envelope and the log line, per-address limits,
/// CSRF protection, a handler's panic turned into the `Internal` envelope, and the answer
/// compressed (brotli or gzip, as the client accepts; never a secret's, see
/// [`respond::Uncompressed`]).
pub fn with_layers(routes: Router, state: AppState) -> Router {
    routes
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                axum::response::IntoResponse::into_response(AppError::internal(
                    "a handler panicked",
                ))
            },
        ))
        .layer(axum::middleware::from_fn_with_state(
            (
                std::sync::Arc::new(rate_limit::IpLimits::default()),
                state.clone(),
            ),
            rate_limit::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::reject_cross_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::request_context,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            middleware::add_security_headers,
        ))
        .layer(
            tower_http::compression::CompressionLayer::new()
                .br(true)
                .gzip(true)
                .quality(tower_http::CompressionLevel::Fastest)
                .compress_when(respond::CompressWhen::default()),
        )
}
