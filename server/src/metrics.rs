//! Prometheus metrics (`METRICS_ADDR`, off by default): served by a listener of their own, so
//! that the console's public address never exposes them.
//!
//! Recorded where they happen, through the `metrics` facade (a no-op until [`install`] runs):
//!
//! | series | labels | where |
//! |---|---|---|
//! | `console_http_request_duration_seconds` (histogram) | `method`, `route` (template), `status` | [`crate::middleware::request_context`] |
//! | `console_jobs_finished_total` | `kind`, `state` (`succeeded`, `failed`) | [`crate::jobs`] |
//! | `console_job_pages_total` | `kind` | [`crate::jobs`]: a sync page or re-attribution batch committed |
//! | `console_upstream_call_duration_seconds` (histogram) | `call`, `outcome` (`ok`, `unavailable`, `rejected`, `refused`) | [`crate::upstream::Observed`] |
//! | `console_upstream_retries_total` | `call` | [`crate::retry::RetryPolicy::run`] |
//! | `console_login_failures_total` | | a wrong password |
//! | `console_login_locks_total` | | a wrong password that locks the account from its address |
//! | `console_login_refusals_total` | `reason` (`locked`, `account_ceiling`) | a sign-in refused unchecked |
//! | `console_login_slowed_total` | | a sign-in slowed: its account is at its hourly ceiling of failures |
//! | `console_db_pool_connections` (gauge) | `state` (`idle`, `in_use`, `max`) | read at each scrape |

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use axum::{Router, http::header, response::IntoResponse, routing::get};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::store::Store;

/// Upper bounds of the latency histograms, in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs this process's recorder (once; later calls answer the same handle) and starts its
/// upkeep: samples are folded into the histograms every few seconds, scraped or not.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            // Refused only for an empty list of buckets.
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed; /metrics stays empty");
            }
            describe();
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".to_owned())
                .spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_secs(5));
                        upkeep.run_upkeep();
                    }
                })
                .map_err(|e| tracing::warn!(error = %e, "no metrics upkeep thread"))
                .ok();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_histogram!(
        "console_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer a request, by method, route template and status."
    );
    describe_counter!(
        "console_jobs_finished_total",
        "Jobs that ended, by kind and final state."
    );
    describe_counter!(
        "console_job_pages_total",
        "Sync pages and re-attribution batches committed, by job kind."
    );
    describe_histogram!(
        "console_upstream_call_duration_seconds",
        Unit::Seconds,
        "WeChat Maidan upstream calls (retries inside a call included), by call and outcome."
    );
    describe_counter!(
        "console_upstream_retries_total",
        "Upstream calls tried again after a transient failure, by call."
    );
    describe_counter!("console_login_failures_total", "Wrong passwords.");
    describe_counter!(
        "console_login_locks_total",
        "Wrong passwords that locked an account from an address."
    );
    describe_counter!(
        "console_login_refusals_total",
        "Sign-ins refused before the password was checked, by reason."
    );
    describe_counter!(
        "console_login_slowed_total",
        "Sign-ins slowed because their account is at its hourly ceiling of failures."
    );
    describe_gauge!(
        "console_db_pool_connections",
        "Database pool connections: idle, in use, and the most allowed."
    );
}

/// The `/metrics` service; the pool gauges are read as it is scraped.
pub fn router(handle: PrometheusHandle, store: Arc<dyn Store>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let (handle, store) = (handle.clone(), store.clone());
            async move {
                let pool = store.pool_use();
                for (state, value) in [
                    ("idle", pool.idle),
                    ("in_use", pool.in_use),
                    ("max", pool.max),
                ] {
                    metrics::gauge!("console_db_pool_connections", "state" => state)
                        .set(f64::from(value));
                }
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    handle.render(),
                )
                    .into_response()
            }
        }),
    )
}

/// Serves `/metrics` on `listener` for as long as the process runs.
pub async fn serve(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    store: Arc<dyn Store>,
) -> std::io::Result<()> {
    axum::serve(listener, router(handle, store)).await
}

/// A request's method as a label: the standard ones by name, anything else as `other`, so
/// that a client cannot grow the series without bound.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
