//! Layers every request passes through: the request's id, language and client address with
//! its log line, CSRF protection and the security headers (their order is in
//! [`super::with_layers`]).

use std::time::Instant;

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use domain::{ErrorCode, Lang, error::ErrorReason};

use super::AppState;
pub use crate::error::{RequestId, current_request_id};
use crate::{AppError, error::answering};

impl RequestId {
    /// The id a trusted proxy gave the request (`x-request-id`), if it is a plain token of at
    /// most 64 letters, digits and `._:-`; anything else is not carried into our logs.
    fn from_proxy(value: &str) -> Option<RequestId> {
        let ok = (1..=64).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
        ok.then(|| RequestId(value.to_owned()))
    }
}

/// The client's address: the peer's, or — only when the peer is a trusted proxy
/// (`CONSOLE_TRUSTED_PROXIES`) — the right-most address in `X-Forwarded-For` that is not a
/// trusted proxy itself. `unknown` in tests without a socket.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .cloned()
            .unwrap_or_else(|| ClientIp("unknown".to_owned())))
    }
}

/// The address of the peer the request came from (`None` in tests without a socket).
fn peer(request: &Request) -> Option<std::net::IpAddr> {
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Whether the request came straight from a trusted proxy (`CONSOLE_TRUSTED_PROXIES`).
fn from_trusted_proxy(request: &Request, trusted: &[ipnet::IpNet]) -> bool {
    peer(request).is_some_and(|ip| trusted.iter().any(|net| net.contains(&ip)))
}

/// The client's address of a request (see [`ClientIp`]).
pub fn client_ip(request: &Request, trusted: &[ipnet::IpNet]) -> String {
    let Some(peer) = peer(request) else {
        return "unknown".to_owned();
    };
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    // Right to left: the entries the trusted proxies appended come last; the first one that is
    // not a trusted proxy is the client. An entry that is not an address (whatever the client
    // wrote before it) ends the walk: then the proxy closest to us is all we know.
    let entries: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        match entry.parse::<std::net::IpAddr>() {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return ip.to_string(),
            Err(_) => break,
        }
    }
    client.to_string()
}

/// The language a request asks for: a `lang` query parameter (`zh-CN` or `en`) first — a
/// download the console links to, whose request carries the browser's `Accept-Language` but
/// not the language the page is shown in — then `Accept-Language`.
pub fn asked_lang(uri: &axum::http::Uri, headers: &HeaderMap) -> Lang {
    uri.query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("lang="))
        .map(Lang::from_tag)
        .unwrap_or_else(|| request_lang(headers))
}

/// The language of the request's `Accept-Language` (Chinese unless English comes first).
pub fn request_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_tag)
        .unwrap_or_default()
}

/// The route a request matched, as written (`/api/v1/m/provider-sync-tickets/{id}`): what the
/// log names instead of the path, which may carry a ticket ID or a mobile number.
#[derive(Debug, Clone)]
pub struct RouteTemplate(pub String);

/// Puts the matched route's template on the response, for the log line.
pub async fn record_route(request: Request, next: Next) -> Response {
    let template = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(template) = template {
        response.extensions_mut().insert(RouteTemplate(template));
    }
    response
}

/// Gives each request an id, a language and its client's address, renders [`AppError`]s as the
/// JSON envelope, and writes one log line per request.
pub async fn request_context(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    // A trusted proxy's id is kept, so that its logs and ours name the request alike.
    let id = from_trusted_proxy(&request, &state.settings.trusted_proxies)
        .then(|| request.headers().get("x-request-id"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::from_proxy)
        .unwrap_or_else(RequestId::generate);
    let lang = asked_lang(request.uri(), request.headers());
    let method = request.method().clone();
    let api = request.uri().path().starts_with("/api/");
    let client = client_ip(&request, &state.settings.trusted_proxies);
    request.extensions_mut().insert(id.clone());
    request.extensions_mut().insert(lang);
    request.extensions_mut().insert(ClientIp(client.clone()));

    // Every line logged while the request is answered carries its id and method; the route's
    // template is added once the router has matched it, the status and latency at the end
    // (on the request's own line).
    let span = tracing::info_span!(
        "request",
        request_id = %id.0,
        %method,
        route = tracing::field::Empty,
        status = tracing::field::Empty,
        ms = tracing::field::Empty,
    );
    let mut response = tracing::Instrument::instrument(
        answering(id.clone(), lang, next.run(request)),
        span.clone(),
    )
    .await;
    // The route's template, never the raw path (it may carry a ticket ID or a mobile); a path
    // that matched no route is named by its kind only.
    let route = match response.extensions().get::<RouteTemplate>() {
        Some(template) => template.0.clone(),
        None if api => "(no such API route)".to_owned(),
        None => "(static file)".to_owned(),
    };
    span.record("route", tracing::field::display(&route));

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        headers.insert("x-request-id", value);
    }
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.record("status", status);
    span.record("ms", elapsed.as_millis() as u64);
    span.in_scope(|| tracing::info!(%client, "request"));
    metrics::histogram!(
        "console_http_request_duration_seconds",
        "method" => crate::metrics::method_label(&method),
        "route" => route,
        "status" => status.to_string(),
    )
    .record(elapsed.as_secs_f64());
    response
}

/// CSRF protection: a state-changing request that a browser marks as coming from another
/// origin is refused. Browsers always send `Origin` on cross-origin writes; clients that are
/// not browsers send neither header and carry no ambient cookies to abuse.
pub async fn reject_cross_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || is_same_origin(request.headers(), state.settings.public_origin.as_deref()) {
        next.run(request).await
    } else {
        AppError::new(ErrorCode::Forbidden)
            .with_reason(ErrorReason::CrossOrigin)
            .into_response()
    }
}

fn is_same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let header_str = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match header_str(header::ORIGIN.as_str()) {
        Some(origin) => match public_origin {
            Some(expected) => origin == expected.trim_end_matches('/'),
            None => {
                let host = header_str(header::HOST.as_str()).unwrap_or_default();
                origin
                    .split_once("://")
                    .is_some_and(|(_, authority)| !host.is_empty() && authority == host)
            }
        },
        None => !matches!(
            header_str("sec-fetch-site"),
            Some("cross-site" | "same-site")
        ),
    }
}

/// The Content-Security-Policy of every response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Two years, subdomains included: sent only when the console is served over https.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// Security headers on every response, the SPA's files and the API alike.
pub async fn add_security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if state.settings.secure_cookies() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            axum::http::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ];
    for (name, value) in set {
        headers.insert(name, value);
    }
    response
}
