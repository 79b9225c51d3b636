//! The answers several routes share: `201 Created` with a `Location`, `202 Accepted` with the
//! job that does the work, and conditional GETs for the resources the console polls.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use domain::api::Job;

use crate::{AppError, error::ApiJson};

/// `201 Created` with the new resource's `Location`.
pub fn created<T: serde::Serialize>(location: &str, body: T) -> Result<Response, AppError> {
    Ok((
        StatusCode::CREATED,
        [(
            header::LOCATION,
            HeaderValue::from_str(location).map_err(AppError::internal)?,
        )],
        ApiJson(body),
    )
        .into_response())
}

/// `202 Accepted`: the job that does the work, and where to follow it.
pub fn accepted(job: Job) -> Result<Response, AppError> {
    let location =
        HeaderValue::from_str(&format!("/api/v1/jobs/{}", job.id)).map_err(AppError::internal)?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        ApiJson(job),
    )
        .into_response())
}

/// Answers a conditional GET: `304` when `If-None-Match` carries `etag`, else `body`; both
/// with the tag and `private, no-cache` (polled resources revalidate every time).
pub fn conditional(
    headers: &HeaderMap,
    etag: &str,
    body: impl FnOnce() -> Response,
) -> Result<Response, AppError> {
    let tag = HeaderValue::from_str(etag).map_err(AppError::internal)?;
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if matches {
        axum::http::StatusCode::NOT_MODIFIED.into_response()
    } else {
        body()
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, tag);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}
