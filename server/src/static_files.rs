//! The built SPA: hashed assets cached forever, `index.html` revalidated, client routes
//! answered with `index.html` (precompressed `.br`/`.gz` served when the browser accepts them).

use std::path::Path;

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use tower_http::services::{ServeDir, ServeFile};

/// Serves `dist`, or nothing when there is no build (API-only tests).
pub fn router(dist: Option<&Path>) -> Router {
    let Some(dist) = dist else {
        return Router::new();
    };
    let index = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let value = if hashed && !html && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// True for names with a content hash, such as `console-0123456789abcdef_bg.wasm`.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split(['-', '.', '_'])
        .any(|part| part.len() >= 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed_asset("/console-0d5c1e7a9b2f4c31_bg.wasm"));
        assert!(is_hashed_asset("/main-0d5c1e7a9b2f4c31.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/providers"));
        assert!(!is_hashed_asset("/favicon.svg"));
    }
}
