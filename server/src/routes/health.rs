//! Liveness and readiness.

use std::sync::Mutex;

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use domain::api::{Health, PartHealth, Readiness, ReadinessCheck, ReadinessState};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, error::ApiJson};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

/// Liveness: the server answers and names its upstream.
#[utoipa::path(get, path = "/health", tag = "system", responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> ApiJson<Health> {
    ApiJson(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        upstream: state.upstream.kind().into(),
    })
}

/// How long an upstream probe's answer is reused: a load balancer asking every second costs
/// the upstream one call per replica every few seconds.
const UPSTREAM_PROBE_MS: i64 = 5_000;

/// The last upstream probe: when (ms) and what it found.
#[derive(Debug, Default)]
pub struct UpstreamProbe(Mutex<Option<(i64, Result<(), String>)>>);

impl UpstreamProbe {
    async fn check(&self, state: &AppState) -> Result<(), String> {
        let now = state.clock.now_ms();
        if let Ok(last) = self.0.lock()
            && let Some((at, found)) = last.as_ref()
            && now - at < UPSTREAM_PROBE_MS
        {
            return found.clone();
        }
        // A cheap signed call: a WeChat user nobody is.
        let found = state
            .upstream
            .wechat_user("readiness-probe")
            .await
            .map(drop)
            .map_err(|e| e.to_string());
        if let Ok(mut last) = self.0.lock() {
            *last = Some((now, found.clone()));
        }
        found
    }
}

/// Readiness: the database answers (and, on SQLite, its file is where it was opened), the
/// upstream answers a signed call (probed at most every 5 s) and this process's job workers
/// showed a sign of life within the job lease, and its sealing key is still the database's. The upstream down leaves the replica `degraded`
/// but in service (`200`: every replica shares the upstream, so taking one out takes all out);
/// the database or the workers down, `503`. The body says only ok, degraded or down per part:
/// why (which may name a file or an address) goes to the log, under the request's id.
#[utoipa::path(get, path = "/health/ready", tag = "system", responses(
    (status = 200, body = Readiness, description = "ready, or degraded: the upstream fails but this replica serves"),
    (status = 503, body = Readiness, description = "not ready: the database or the job workers fail, or a rotation replaced the sealing key"),
))]
async fn ready(State(state): State<AppState>) -> Response {
    let database = state.store.ping().await.map_err(|e| e.to_string());
    let upstream = state.readiness.check(&state).await;
    let lease_ms = i64::try_from(state.settings.job_lease.as_millis()).unwrap_or(i64::MAX);
    let jobs = match state.workers.last_beat() {
        None => Err("no job worker runs in this process".to_owned()),
        Some(at) if state.clock.now_ms() - at > lease_ms => Err(format!(
            "the job workers last showed a sign of life {} s ago",
            (state.clock.now_ms() - at) / 1000
        )),
        Some(_) => Ok(()),
    };
    let sealing = if state.vault.is_retired() {
        Err(
            "a rotation replaced this replica's sealing key: restart it with the new one"
                .to_owned(),
        )
    } else {
        Ok(())
    };
    // What a failing part costs: the upstream only some flows, the others the whole replica.
    let parts = [
        ("database", database, PartHealth::Down),
        ("upstream", upstream, PartHealth::Degraded),
        ("jobs", jobs, PartHealth::Down),
        ("sealing_key", sealing, PartHealth::Down),
    ];
    let mut checks = Vec::with_capacity(parts.len());
    for (name, found, failing) in parts {
        let status = match found {
            Ok(()) => PartHealth::Ok,
            Err(reason) => {
                // The request's id is on this line (its span), and in the answer's header.
                tracing::warn!(part = name, health = failing.as_str(), %reason, "readiness: a part fails");
                failing
            }
        };
        checks.push(ReadinessCheck {
            name: name.to_owned(),
            status,
        });
    }
    let status = if checks.iter().any(|c| c.status == PartHealth::Down) {
        ReadinessState::NotReady
    } else if checks.iter().any(|c| c.status == PartHealth::Degraded) {
        ReadinessState::Degraded
    } else {
        ReadinessState::Ready
    };
    let code = if status == ReadinessState::NotReady {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (code, ApiJson(Readiness { status, checks })).into_response()
}
