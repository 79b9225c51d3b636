//! The answers several routes share: a page of a list, `201 Created` with a `Location`, `202
//! Accepted` with the job that does the work, conditional GETs for the resources the console polls, and the
//! compression of API answers (never of one that carries a secret).

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use domain::api::{Job, Page};

use crate::{AppError, error::ApiJson};

/// The store's page `found` as the API answers a list (`{items, total, page, page_size}`):
/// page `page` of `page_size` rows.
pub fn page<T>(found: crate::store::Page<T>, page: u32, page_size: u32) -> ApiJson<Page<T>> {
    let crate::store::Page { items, total } = found;
    ApiJson(Page {
        items,
        total,
        page,
        page_size,
    })
}

/// Marks a response that must travel uncompressed: it carries a secret, and a compressed
/// secret beside data an attacker can influence leaks through the compressed length (BREACH).
#[derive(Debug, Clone, Copy)]
pub struct Uncompressed;

/// Which responses [`tower_http::compression::CompressionLayer`] compresses: what its default
/// predicate would (bodies of 32 bytes or more, not images, not event streams), unless marked
/// [`Uncompressed`]. Files served precompressed already carry their `Content-Encoding` and pass
/// through as they are.
#[derive(Clone, Default)]
pub struct CompressWhen(tower_http::compression::DefaultPredicate);

impl tower_http::compression::Predicate for CompressWhen {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        response.extensions().get::<Uncompressed>().is_none() && self.0.should_compress(response)
    }
}

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
