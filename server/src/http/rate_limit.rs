//! Per-client-address limits on what an outsider reaches without a session: `POST /session`
//! and the phone routes (`/api/v1/m/*`). A fixed one-minute window per address and route
//! class, counted in the database so that every replica behind a load balancer counts the
//! same requests; beyond the limit the answer is `RateLimited` with `Retry-After`. The sandbox's
//! `SANDBOX_UNLIMITED_ADDRESSES` are not counted (see [`super::Settings::unlimited`]).

use std::sync::atomic::{AtomicI64, Ordering};

use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};
use domain::{ErrorCode, error::ErrorReason};

use super::{AppState, middleware::ClientIp};
use crate::{AppError, store::RequestClass};

const WINDOW_MS: i64 = 60_000;

/// The window a request at `now_ms` counts in: its first millisecond.
fn window_start(now_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(WINDOW_MS)
}

/// What a limit counts: an IPv4 address, or the /64 network of an IPv6 address (one subscriber
/// line commonly holds a whole /64, so its addresses are one client).
pub fn bucket(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let network = u128::from(v6) & !(u128::from(u64::MAX));
            format!("{}/64", std::net::Ipv6Addr::from(network))
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(String::new, |v4| v4.to_string()),
        _ => ip.to_owned(),
    }
}

/// The layer's own state: when this process last forgot the windows of past minutes (at most
/// once a window, so that the table holds about one minute's addresses).
#[derive(Debug, Default)]
pub struct IpLimits {
    purged: AtomicI64,
}

impl IpLimits {
    /// Counts a request; `Some(seconds to wait)` when it is over `limit` for the window. A
    /// database that cannot count lets the request through (the handler behind it needs the
    /// database too, and answers for itself).
    async fn count(
        &self,
        state: &AppState,
        class: RequestClass,
        ip: &str,
        limit: u32,
    ) -> Option<u64> {
        let now_ms = state.clock.now_ms();
        let start = window_start(now_ms);
        if self.purged.swap(start, Ordering::Relaxed) != start
            && let Err(error) = state.store.forget_request_windows(start).await
        {
            tracing::warn!(%error, "could not forget past request windows");
        }
        match state.store.count_request(class, &bucket(ip), start).await {
            Ok(requests) => {
                (requests > limit).then(|| crate::clock::seconds_until(start + WINDOW_MS, now_ms))
            }
            Err(error) => {
                tracing::warn!(%error, "could not count a request");
                None
            }
        }
    }
}

/// The layer: counts `POST /api/v1/session` and `/api/v1/m/*` per client address.
pub async fn limit(
    State((limits, state)): State<(std::sync::Arc<IpLimits>, AppState)>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let class = if path == "/api/v1/session" && request.method() == Method::POST {
        Some((
            RequestClass::SignIn,
            state.settings.login_requests_per_minute,
        ))
    } else if path.starts_with("/api/v1/m/") {
        Some((
            RequestClass::Phone,
            state.settings.phone_requests_per_minute,
        ))
    } else {
        None
    };
    if let Some((class, max)) = class {
        let ip = request
            .extensions()
            .get::<ClientIp>()
            .map_or("unknown", |c| c.0.as_str());
        if state.settings.unlimited(ip) {
            return next.run(request).await;
        }
        if let Some(wait_s) = limits.count(&state, class, ip, max).await {
            tracing::warn!(%ip, ?class, "request limit reached");
            return AppError::new(ErrorCode::RateLimited)
                .with_reason(ErrorReason::TooManyRequests)
                .with_retry_after(wait_s)
                .into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_network_counts_as_one_client() {
        assert_eq!(bucket("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(bucket("2001:db8:1:2::ffff"), "2001:db8:1:2::/64");
        assert_eq!(bucket("2001:db8:1:3::1"), "2001:db8:1:3::/64");
        assert_eq!(bucket("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(bucket("192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn a_window_is_one_minute_from_its_first_millisecond() {
        assert_eq!(window_start(120_000), 120_000);
        assert_eq!(window_start(179_999), 120_000);
        assert_eq!(window_start(180_000), 180_000);
    }
}
