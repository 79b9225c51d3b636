//! Liveness.

use axum::extract::State;
use domain::api::Health;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, error::ApiJson};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// Liveness: the server answers and names its upstream.
#[utoipa::path(get, path = "/health", tag = "system", responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> ApiJson<Health> {
    ApiJson(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        upstream: state.upstream.kind().into(),
    })
}
