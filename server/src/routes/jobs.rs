//! `/jobs`: the progress of the account's durable jobs (同步买单子商户, and the re-attribution of
//! a sub-merchant's transactions), polled by the console.

use axum::{
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use domain::api::{Job, JobKind, JobState};
use domain::paths;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppError, AppState,
    http::{ApiJson, ApiPath, ApiQuery, CurrentSession},
    jobs,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_job))
        .routes(routes!(list_jobs))
}

/// A job's progress: processed / total, counts, failed rows, rate and ETA; when its worker
/// went quiet, when another instance takes it over. `ETag`/304.
#[utoipa::path(get, path = paths::JOB, tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = Job), (status = 304), (status = 404, body = domain::ErrorEnvelope)))]
async fn get_job(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let job = state
        .store
        .job(session.account.id.as_str(), &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = jobs::view(&job, state.clock.now_ms());
    // A job waiting to be taken over changes nothing stored, yet its answer changes: the
    // countdown is part of the tag.
    let takeover = view
        .takeover_in_s
        .map(|s| format!("-t{s}"))
        .unwrap_or_default();
    let etag = format!(
        "\"{}-{}-{}{takeover}\"",
        job.state.as_str(),
        job.updated_at_ms,
        job.processed
    );
    crate::respond::conditional(&headers, &etag, || ApiJson(view).into_response())
}

/// Query of `GET /jobs`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct JobsQuery {
    #[param(value_type = Option<JobKind>)]
    kind: Option<String>,
    #[param(value_type = Option<JobState>)]
    state: Option<String>,
}

/// The account's recent jobs, newest first (e.g. the running sync when the page is opened).
#[utoipa::path(get, path = paths::JOBS, tag = "jobs", params(JobsQuery), responses((status = 200, body = Vec<Job>)))]
async fn list_jobs(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiQuery(query): ApiQuery<JobsQuery>,
) -> Result<ApiJson<Vec<Job>>, AppError> {
    let mut errors = crate::error::FieldErrors::default();
    let kind = query.kind.as_deref().and_then(|k| {
        errors.check(
            "kind",
            domain::rules::choice(k, &JobKind::ALL, JobKind::as_str),
        )
    });
    let job_state = query.state.as_deref().and_then(|s| {
        errors.check(
            "state",
            domain::rules::choice(s, &JobState::ALL, JobState::as_str),
        )
    });
    errors.finish()?;
    let now = state.clock.now_ms();
    let jobs = state
        .store
        .jobs(session.account.id.as_str(), kind, job_state)
        .await?;
    Ok(ApiJson(jobs.iter().map(|j| jobs::view(j, now)).collect()))
}
