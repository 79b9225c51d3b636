//! The built SPA, as entries, each a page with its own bundle: the login page (`dist/login/`),
//! each page a phone opens from a QR code (`/m/<page>/...`, `dist/phone/<page>/`) and the
//! console (every other page, `dist/index.html`). A visitor without a live session asking for
//! a console page is sent to the login page before the console's bundle is fetched. Hashed assets are cached forever, pages revalidated, and
//! precompressed `.br`/`.gz` served when the browser accepts them.

use std::path::Path;

use axum::{
    Router,
    extract::{OptionalFromRequestParts, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    routing::get_service,
};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use domain::navigation::{self, LOGIN_ENTRY, LOGIN_PATH, PHONE_ENTRY, PHONE_PAGES, PHONE_PREFIX};

use super::AppState;
use crate::auth::CurrentSession;

fn page(file: &Path) -> ServeFile {
    ServeFile::new(file).precompressed_br().precompressed_gzip()
}

/// Serves `dist`, or nothing when there is no build (API-only tests).
pub fn router(state: &AppState) -> Router {
    let Some(dist) = state.settings.dist.as_deref() else {
        return Router::new();
    };
    let console = dist.join("index.html");
    // A build without an entry serves the console page in its place.
    let entry = |name: &str| {
        Some(dist.join(name).join("index.html"))
            .filter(|p| p.exists())
            .unwrap_or_else(|| console.clone())
    };
    let console_page = page(&console);
    let missing = move |request: Request| {
        let console_page = console_page.clone();
        async move {
            // Only a page navigation falls back to the console's page; a missing file is 404.
            if is_page_navigation(&request) {
                get_service(console_page)
                    .with_state(())
                    .oneshot(request)
                    .await
                    .into_response()
            } else {
                axum::http::StatusCode::NOT_FOUND.into_response()
            }
        }
    };
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(axum::handler::HandlerWithoutStateExt::into_service(missing));
    let mut router = Router::new().route_service(LOGIN_PATH, page(&entry(LOGIN_ENTRY)));
    for phone_page in PHONE_PAGES {
        let file = page(&entry(&format!("{PHONE_ENTRY}/{phone_page}")));
        router = router
            .route_service(&format!("{PHONE_PREFIX}{phone_page}"), file.clone())
            .route_service(&format!("{PHONE_PREFIX}{phone_page}/{{*rest}}"), file);
    }
    router
        .fallback_service(files)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            signed_in_or_login,
        ))
        .layer(axum::middleware::from_fn(cache_control))
        .layer(axum::middleware::from_fn(vary_by_encoding))
}

/// A console page (a path that names no file and is not public) needs a live session: without
/// one, `303` to the login page. An address below `/m/` that is no phone page is a console
/// address like any other unknown one.
async fn signed_in_or_login(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let console_page = !(path == LOGIN_PATH
        || navigation::phone_page(path).is_some()
        || path.starts_with("/api/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|name| name.contains('.')));
    if !console_page {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let session = <CurrentSession as OptionalFromRequestParts<AppState>>::from_request_parts(
        &mut parts, &state,
    )
    .await;
    match session {
        Ok(Some(_)) => next.run(Request::from_parts(parts, body)).await,
        Ok(None) => {
            let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            Redirect::to(&navigation::login_url(here)).into_response()
        }
        Err(error) => error.into_response(),
    }
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

/// `Vary: Accept-Encoding` on every file and page, exactly once: a cache in front (a CDN) must
/// key its copies by the encoding the client accepts, or it would hand a `.br` sibling to a
/// client that cannot read brotli. A precompressed answer (brotli or gzip) gets it here; so does
/// a plain one, unless the compression layer outside will compress it (that layer adds its own).
async fn vary_by_encoding(request: Request, next: Next) -> Response {
    use tower_http::compression::Predicate;
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED) {
        return response;
    }
    let precompressed = response.headers().contains_key(header::CONTENT_ENCODING);
    let varies = response
        .headers()
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"));
    // What the compression layer checks before it compresses (and adds its own `Vary`).
    let compressed_outside = !precompressed
        && !response.headers().contains_key(header::CONTENT_RANGE)
        && crate::respond::CompressWhen::default().should_compress(&response);
    if !varies && !compressed_outside {
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Whether a request for a path that names no file is a page the browser navigates to (then
/// the console's page answers): its last segment has no file extension, and the browser does not
/// say it wants a script, a style, an image or data.
fn is_page_navigation(request: &Request) -> bool {
    let path = request.uri().path();
    let named_file = path
        .rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'));
    let destination = request
        .headers()
        .get("sec-fetch-dest")
        .and_then(|v| v.to_str().ok());
    !named_file
        && destination.is_none_or(|d| matches!(d, "document" | "iframe" | "empty"))
        && !path.starts_with("/api/")
}

/// True for names trunk gave a content hash, such as `console-0123456789abcdef_bg.wasm`: the
/// part after the last `-`, up to the first `.` or `_`, is a 64-bit hash in hex, written without
/// leading zeros (so 1 to 16 digits).
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((_, tail)) = name.rsplit_once('-') else {
        return false;
    };
    let Some(end) = tail.find(['.', '_']) else {
        return false;
    };
    let hash = &tail[..end];
    (1..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed_asset("/console-0d5c1e7a9b2f4c31_bg.wasm"));
        assert!(is_hashed_asset("/main-0d5c1e7a9b2f4c31.css"));
        // A hash with a leading zero is written with 15 digits.
        assert!(is_hashed_asset("/console-d5c1e7a9b2f4c31_bg.wasm"));
        assert!(is_hashed_asset("/login/login-c545658d268f05f.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/alipay-app-key.pem"));
        assert!(!is_hashed_asset("/providers"));
        assert!(!is_hashed_asset("/favicon.svg"));
    }
}
