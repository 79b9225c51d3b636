//! The API router and its OpenAPI document, built together so that no route goes undocumented.

use std::sync::Arc;

use axum::{Json, Router, routing::get};
use domain::ErrorCode;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use crate::{AppError, routes};

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

/// The `/api/v1` routes and their OpenAPI document, split from one build of the router.
fn build(state: &AppState) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (v1, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", routes::v1(state))
        .split_for_parts();
    document_every_status(&mut document);
    (v1, document)
}

/// `/api/v1/...`, `/api/openapi.json`, and the JSON 404 for every other `/api` path.
pub fn api_router(state: &AppState) -> Router {
    let (v1, document) = build(state);
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
    build(state).1
}

/// Adds the answers that layers and extractors give every route, so that each operation lists
/// every status it can answer: `401` where a session is needed, `429` where a per-address limit
/// applies, `422` for a body or a query that breaks its rules, `404` for a path ID that names
/// nothing of the account's, and `500`.
fn document_every_status(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        ContentBuilder, Ref, RefOr, ResponseBuilder,
        path::{HttpMethod, ParameterIn},
    };
    let envelope = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in &mut document.paths.paths {
        let public = path.starts_with("/api/v1/m/")
            || path.starts_with("/api/v1/sandbox/")
            || path == "/api/v1/health";
        let limited = path.starts_with("/api/v1/m/");
        for method in [
            HttpMethod::Get,
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Delete,
        ] {
            let operation = match method {
                HttpMethod::Get => item.get.as_mut(),
                HttpMethod::Post => item.post.as_mut(),
                HttpMethod::Put => item.put.as_mut(),
                HttpMethod::Delete => item.delete.as_mut(),
                _ => None,
            };
            let Some(operation) = operation else {
                continue;
            };
            let sign_in = path == "/api/v1/session" && method == HttpMethod::Post;
            let has = |place: ParameterIn| {
                operation
                    .parameters
                    .as_ref()
                    .is_some_and(|ps| ps.iter().any(|p| p.parameter_in == place))
            };
            let (has_query, has_path) = (has(ParameterIn::Query), has(ParameterIn::Path));
            let responses = &mut operation.responses.responses;
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| envelope(description));
            };
            if !public && !sign_in && path != "/api/v1/session" {
                add("401", "No session, or it has ended: sign in again.");
            }
            if limited || sign_in {
                add(
                    "429",
                    "Too many requests from this address: wait `Retry-After` seconds.",
                );
            }
            if operation.request_body.is_some() {
                add(
                    "422",
                    "The body is not what the operation takes, or breaks a field rule.",
                );
            }
            if has_query {
                add(
                    "422",
                    "A query parameter is malformed or breaks its rule (the field says which).",
                );
            }
            if has_path {
                add(
                    "404",
                    "Nothing of this kind with that ID belongs to the account.",
                );
            }
            add(
                "500",
                "Something failed on the server: quote the request id.",
            );
        }
    }
}
