//! Liveness and readiness.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use domain::api::{Health, PartHealth, Readiness, ReadinessCheck, ReadinessState};
use domain::paths;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, http::ApiJson};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
}

/// Liveness: the server answers and names its upstream.
#[utoipa::path(get, path = paths::HEALTH, tag = "system", responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> ApiJson<Health> {
    ApiJson(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        upstream: state.upstream.kind().into(),
    })
}

/// Readiness: the database answers (and, on SQLite, its file is where it was opened), the
/// upstream answers a signed call (probed at most every 5 s) and this process's job workers
/// showed a sign of life within the job lease, and its sealing key is still the database's. The upstream down leaves the replica `degraded`
/// but in service (`200`: every replica shares the upstream, so taking one out takes all out);
/// the database or the workers down, `503`. The body says only ok, degraded or down per part:
/// why (which may name a file or an address) goes to the log, under the request's id.
#[utoipa::path(get, path = paths::HEALTH_READY, tag = "system", responses(
    (status = 200, body = Readiness, description = "ready, or degraded: the upstream fails but this replica serves"),
    (status = 503, body = Readiness, description = "not ready: the database or the job workers fail, or a rotation replaced the sealing key"),
))]
async fn ready(State(state): State<AppState>) -> Response {
    let database = state.store.ping().await.map_err(|e| e.to_string());
    let upstream = state
        .readiness
        .check(state.upstream.as_ref(), state.clock.now_ms())
        .await;
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
