//! Per-client-address limits on what an outsider reaches without a session: `POST /session`
//! and the phone routes (`/api/v1/m/*`). A fixed one-minute window per address and route
//! class, kept in this process; beyond the limit the answer is `RateLimited` with
//! `Retry-After`.

use std::{collections::HashMap, sync::Mutex};

use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};
use domain::{ErrorCode, error::ErrorReason};

use crate::{AppError, AppState, middleware::ClientIp};

/// Which limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Class {
    SignIn,
    Phone,
}

/// The windows of every address seen lately.
#[derive(Debug, Default)]
pub struct IpLimits {
    windows: Mutex<HashMap<(Class, String), (i64, u32)>>,
}

const WINDOW_MS: i64 = 60_000;

impl IpLimits {
    /// Counts a request; `Some(seconds to wait)` when it is over `limit` for the window.
    fn count(&self, class: Class, ip: &str, limit: u32, now_ms: i64) -> Option<u64> {
        let Ok(mut windows) = self.windows.lock() else {
            return None;
        };
        let start = now_ms - now_ms.rem_euclid(WINDOW_MS);
        if windows.len() > 10_000 {
            windows.retain(|_, (at, _)| *at == start);
        }
        let entry = windows.entry((class, ip.to_owned())).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        (entry.1 > limit)
            .then(|| u64::try_from((start + WINDOW_MS - now_ms + 999) / 1000).unwrap_or(1))
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
        Some((Class::SignIn, state.settings.login_requests_per_minute))
    } else if path.starts_with("/api/v1/m/") {
        Some((Class::Phone, state.settings.phone_requests_per_minute))
    } else {
        None
    };
    if let Some((class, max)) = class {
        let ip = request
            .extensions()
            .get::<ClientIp>()
            .map_or("unknown", |c| c.0.as_str());
        if let Some(wait_s) = limits.count(class, ip, max, state.clock.now_ms()) {
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
    fn each_address_has_its_own_window() {
        let limits = IpLimits::default();
        let now = 1_000_000 * WINDOW_MS + 15_000;
        for _ in 0..3 {
            assert_eq!(limits.count(Class::SignIn, "a", 3, now), None);
        }
        assert_eq!(limits.count(Class::SignIn, "a", 3, now), Some(45));
        assert_eq!(limits.count(Class::SignIn, "b", 3, now), None);
        assert_eq!(limits.count(Class::Phone, "a", 3, now), None);
        assert_eq!(
            limits.count(Class::SignIn, "a", 3, now + 45_000),
            None,
            "a new window"
        );
    }
}
