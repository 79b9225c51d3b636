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
    /// The window the table was last purged in: at most once per window, so that a full table
    /// does not cost every newcomer a pass over it.
    purged: std::sync::atomic::AtomicI64,
}

const WINDOW_MS: i64 = 60_000;
/// The most addresses tracked at once (about 100 bytes each). When a window has seen more, the
/// addresses beyond them share one window, so that a flood of new addresses costs no memory and
/// still meets a limit.
const MAX_TRACKED: usize = 100_000;
const OVERFLOW: &str = "overflow";

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

impl IpLimits {
    /// Counts a request; `Some(seconds to wait)` when it is over `limit` for the window.
    fn count(&self, class: Class, ip: &str, limit: u32, now_ms: i64) -> Option<u64> {
        let Ok(mut windows) = self.windows.lock() else {
            return None;
        };
        let start = now_ms - now_ms.rem_euclid(WINDOW_MS);
        let mut key = (class, bucket(ip));
        if windows.len() >= MAX_TRACKED && !windows.contains_key(&key) {
            let ordering = std::sync::atomic::Ordering::Relaxed;
            if self.purged.swap(start, ordering) != start {
                windows.retain(|_, (at, _)| *at == start);
            }
            if windows.len() >= MAX_TRACKED {
                key.1 = OVERFLOW.to_owned();
            }
        }
        let entry = windows.entry(key).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        (entry.1 > limit).then(|| crate::clock::seconds_until(start + WINDOW_MS, now_ms))
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

    #[test]
    fn an_ipv6_network_counts_as_one_client() {
        assert_eq!(bucket("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(bucket("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(bucket("192.0.2.7"), "192.0.2.7");
        let limits = IpLimits::default();
        let now = 1_000_000 * WINDOW_MS;
        for host in 0..3 {
            assert_eq!(
                limits.count(Class::Phone, &format!("2001:db8:1:2::{host:x}"), 3, now),
                None
            );
        }
        assert!(
            limits
                .count(Class::Phone, "2001:db8:1:2::ffff", 3, now)
                .is_some()
        );
        assert_eq!(limits.count(Class::Phone, "2001:db8:1:3::1", 3, now), None);
    }

    #[test]
    fn a_flood_of_new_addresses_shares_one_window_once_the_table_is_full() {
        let limits = IpLimits::default();
        let now = 1_000_000 * WINDOW_MS;
        for n in 0..MAX_TRACKED {
            let ip = std::net::Ipv4Addr::from(u32::try_from(n).unwrap()).to_string();
            assert_eq!(limits.count(Class::Phone, &ip, 3, now), None);
        }
        // The table holds no more; newcomers share the overflow window and meet its limit.
        for n in 0..3 {
            assert_eq!(
                limits.count(Class::Phone, &format!("10.9.0.{n}"), 3, now),
                None
            );
        }
        assert!(limits.count(Class::Phone, "10.9.1.1", 3, now).is_some());
        assert_eq!(limits.windows.lock().unwrap().len(), MAX_TRACKED + 1);
        // A known address keeps its own window; the next minute starts afresh.
        assert_eq!(limits.count(Class::Phone, "0.0.0.5", 3, now), None);
        assert_eq!(
            limits.count(Class::Phone, "10.9.1.1", 3, now + WINDOW_MS),
            None
        );
    }
}
