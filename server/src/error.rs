//! The one error type of the API. A handler returns `Err(AppError)`, which renders itself as
//! the JSON envelope in the request's language with its id (the [`RequestId`] and language set
//! for the request by [`crate::http::middleware::request_context`]) and logs what went wrong
//! (internal details go to the log only).

use std::collections::BTreeMap;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    ErrorBody, ErrorCode, ErrorEnvelope, FieldError, Lang,
    error::{ErrorReason, FieldIssue, describe},
};

/// An API error before it is rendered for a particular request.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code:?} {detail:?}")]
pub struct AppError {
    pub code: ErrorCode,
    pub reason: Option<ErrorReason>,
    pub fields: BTreeMap<String, FieldError>,
    pub retry_after_s: Option<u64>,
    /// Server-side detail for the log; never sent to the client.
    pub detail: Option<String>,
}

impl AppError {
    pub fn new(code: ErrorCode) -> Self {
        AppError {
            code,
            reason: None,
            fields: BTreeMap::new(),
            retry_after_s: None,
            detail: None,
        }
    }

    pub fn not_found() -> Self {
        AppError::new(ErrorCode::NotFound)
    }

    /// An unexpected failure: the client sees only `Internal` and the request id.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::new(ErrorCode::Internal).with_detail(detail)
    }

    /// A `Validation` error on one field.
    pub fn field(name: &str, error: FieldError) -> Self {
        AppError::new(ErrorCode::Validation).and_field(name, error)
    }

    pub fn and_field(mut self, name: &str, error: FieldError) -> Self {
        self.fields.insert(name.to_owned(), error);
        self
    }

    pub fn with_reason(mut self, reason: ErrorReason) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_s = Some(seconds.max(1));
        self
    }

    pub fn with_detail(mut self, detail: impl std::fmt::Display) -> Self {
        self.detail = Some(detail.to_string());
        self
    }

    /// The body for a request with this id, in this language.
    pub fn body(&self, lang: Lang, request_id: &str) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: describe(self.code, self.reason, self.retry_after_s, lang),
            reason: self.reason,
            fields: self
                .fields
                .iter()
                .map(|(name, rule)| {
                    let issue = FieldIssue {
                        rule: rule.clone(),
                        message: rule.message(lang),
                    };
                    (name.clone(), issue)
                })
                .collect(),
            retry_after_s: self.retry_after_s,
            request_id: request_id.to_owned(),
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Collects field errors so that one response names every wrong field at once.
#[derive(Debug, Default)]
pub struct FieldErrors(BTreeMap<String, FieldError>);

impl FieldErrors {
    /// Runs a rule on a field, keeping its error.
    pub fn check<T>(&mut self, name: &str, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.insert(name.to_owned(), e)).ok()
    }

    /// `Ok` when every field passed.
    /// Records every `(field, error)` of a rule that checks several fields at once.
    pub fn check_all(&mut self, errors: Vec<(&'static str, FieldError)>) {
        for (name, error) in errors {
            self.0.insert(name.to_owned(), error);
        }
    }

    /// `Validation` with every field `errors` names, or nothing when it names none.
    pub fn refuse(errors: Vec<(&'static str, FieldError)>) -> Result<(), AppError> {
        let mut all = FieldErrors::default();
        all.check_all(errors);
        all.finish()
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            let mut error = AppError::new(ErrorCode::Validation);
            error.fields = self.0;
            Err(error)
        }
    }
}

/// The JSON envelope in the request's language with its id (see [`current_request`]) and `Retry-After` when there is a wait; the detail
/// goes to the log only.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (id, lang) = current_request();
        if self.code == ErrorCode::Internal {
            tracing::error!(request_id = %id.0, detail = ?self.detail, "internal error");
        } else if let Some(detail) = &self.detail {
            tracing::info!(request_id = %id.0, code = ?self.code, %detail, "request refused");
        }
        let envelope = ErrorEnvelope {
            error: self.body(lang, &id.0),
        };
        let mut response = (self.status(), axum::Json(envelope)).into_response();
        if let Some(seconds) = self.retry_after_s {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(error: crate::store::StoreError) -> Self {
        AppError::internal(error)
    }
}

impl From<crate::upstream::UpstreamError> for AppError {
    fn from(error: crate::upstream::UpstreamError) -> Self {
        AppError::internal(error)
    }
}

/// A JSON body of the API, answered or read; read, its rejection is an [`AppError`] (the
/// extractor is in [`crate::http`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The request's id: in every log line, the `x-request-id` header and every error envelope.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    /// A fresh id: `req_` and 16 hex digits.
    pub fn generate() -> RequestId {
        let mut bytes = [0_u8; 8];
        // A request id needs uniqueness, not secrecy; fall back to the clock if the OS says no.
        if getrandom::fill(&mut bytes).is_err() {
            bytes = crate::clock::Clock::now_ms(&crate::clock::SystemClock).to_be_bytes();
        }
        RequestId(format!("req_{:016x}", u64::from_be_bytes(bytes)))
    }
}

tokio::task_local! {
    /// The id and language of the request being answered, for errors rendered deep inside it.
    static REQUEST: (RequestId, Lang);
}

/// Answers a request as `id` in `lang`: what [`current_request`] finds inside `answer`.
pub async fn answering<T>(id: RequestId, lang: Lang, answer: impl Future<Output = T>) -> T {
    REQUEST.scope((id, lang), answer).await
}

/// The id and language of the request this task answers (see [`answering`]); without it (a
/// router tested alone), a fresh id and the default language.
pub fn current_request() -> (RequestId, Lang) {
    REQUEST
        .try_with(Clone::clone)
        .unwrap_or_else(|_| (RequestId::generate(), Lang::default()))
}

/// The id of the request this task answers; `None` outside a request (a job worker).
pub fn current_request_id() -> Option<String> {
    REQUEST.try_with(|(id, _)| id.0.clone()).ok()
}

#[cfg(test)]
mod tests {
    use axum::{Router, body::Body, http::Request, routing::get};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    #[test]
    fn request_ids_are_sixteen_hex_digits() {
        let RequestId(id) = RequestId::generate();
        let digits = id.strip_prefix("req_").unwrap();
        assert_eq!(digits.len(), 16, "{id}");
        assert!(
            digits
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }

    #[tokio::test]
    async fn a_router_without_the_request_layer_still_answers_the_envelope() {
        let router: Router = Router::new().route(
            "/limited",
            get(|| async {
                Err::<(), _>(AppError::new(ErrorCode::RateLimited).with_retry_after(7))
            }),
        );
        let response = router
            .oneshot(Request::get("/limited").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let envelope: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let error = &envelope["error"];
        assert_eq!(error["code"], "RateLimited");
        assert_eq!(error["retry_after_s"], 7);
        assert!(error["message"].as_str().unwrap().contains("7"), "{error}");
        assert!(error["request_id"].as_str().unwrap().starts_with("req_"));
    }
}
