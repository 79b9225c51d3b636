//! The API router and its OpenAPI document, built together so that no route goes undocumented.

use std::sync::Arc;

use axum::{Json, Router, routing::get};
use domain::ErrorCode;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{AppError, AppState, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cloud Pay Console API",
        description = "JSON API of the Cloud Pay Console for WeChat Maidan service providers. \
            Every error is `{\"error\": {code, message, fields, request_id}}`."
    ),
    components(schemas(domain::ErrorEnvelope, domain::ErrorCode))
)]
struct ApiDoc;

/// `/api/v1/...`, `/api/openapi.json`, and the JSON 404 for every other `/api` path.
pub fn api_router(state: &AppState) -> Router {
    let (v1, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", routes::v1(state))
        .split_for_parts();
    let document = Arc::new(document);
    v1.route(
        "/api/openapi.json",
        get(move || {
            let document = Arc::clone(&document);
            async move { Json(document) }
        }),
    )
    .route("/api", axum::routing::any(api_not_found))
    .route("/api/{*rest}", axum::routing::any(api_not_found))
    .with_state(state.clone())
}

async fn api_not_found() -> AppError {
    AppError::new(ErrorCode::NotFound)
}

/// The OpenAPI document alone (for `cargo xtask` and tests).
pub fn document(state: &AppState) -> utoipa::openapi::OpenApi {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", routes::v1(state))
        .split_for_parts()
        .1
}
