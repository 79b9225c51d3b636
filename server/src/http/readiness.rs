//! The upstream's part of `/health/ready`, asked at most every few seconds per replica.

use std::sync::Mutex;

use crate::upstream::MaidanUpstream;

/// How long an upstream probe's answer is reused: a load balancer asking every second costs
/// the upstream one call per replica every few seconds.
const UPSTREAM_PROBE_MS: i64 = 5_000;

/// The last upstream probe: when (ms) and what it found.
#[derive(Debug, Default)]
pub struct UpstreamProbe(Mutex<Option<(i64, Result<(), String>)>>);

impl UpstreamProbe {
    /// Whether the upstream answers a signed call at `now_ms`, or why not: the last probe's
    /// answer while it is fresh.
    pub async fn check(&self, upstream: &dyn MaidanUpstream, now_ms: i64) -> Result<(), String> {
        if let Ok(last) = self.0.lock()
            && let Some((at, found)) = last.as_ref()
            && now_ms - at < UPSTREAM_PROBE_MS
        {
            return found.clone();
        }
        // A cheap signed call: a WeChat user nobody is.
        let found = upstream
            .wechat_user("readiness-probe")
            .await
            .map(drop)
            .map_err(|e| e.to_string());
        if let Ok(mut last) = self.0.lock() {
            *last = Some((now_ms, found.clone()));
        }
        found
    }
}
