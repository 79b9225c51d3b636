//! The extractors of the API's own inputs, whose rejections are [`AppError`]s: a JSON body
//! ([`ApiJson`]), path parameters ([`ApiPath`]) and a query string ([`ApiQuery`]).

use axum::extract::{
    FromRequest, Request,
    rejection::{JsonRejection, PathRejection, QueryRejection},
};
use domain::{ErrorCode, error::ErrorReason};

use crate::error::{ApiJson, AppError};

/// Path parameters whose rejection is the JSON 404.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// A query string whose rejection is the JSON 422.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

/// A JSON body whose rejection is the JSON 422.
impl<T, S> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(ApiJson(value))
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::new(ErrorCode::Validation)
            .with_reason(ErrorReason::MalformedRequest)
            .with_detail(json_rejection_detail(&rejection))
    }
}

/// What the log may keep of a refused JSON body: what kind of wrong, the field and the
/// position, never a value (serde's messages quote them: a password, a key).
fn json_rejection_detail(rejection: &JsonRejection) -> String {
    let text = rejection.body_text();
    let position = text
        .rfind(" at line ")
        .map_or("", |at| text[at..].trim_start());
    match rejection {
        JsonRejection::JsonDataError(_) => {
            let message = text.split_once("target type: ").map_or("", |(_, m)| m);
            let (field, what) = message.split_once(": ").unwrap_or((".", message));
            // `missing field `x`` and `unknown field `x`` name a field, not a value.
            let what = ["missing field", "unknown field"]
                .into_iter()
                .find(|kind| what.starts_with(kind))
                .map_or("a value of the wrong kind", |_| {
                    what.split(" at line ").next().unwrap_or_default()
                });
            format!("JSON body: {what} (field {field}) {position}")
        }
        JsonRejection::JsonSyntaxError(_) => format!("JSON body: not JSON {position}"),
        JsonRejection::MissingJsonContentType(_) => "JSON body: no JSON content type".to_owned(),
        _ => format!("JSON body: not read ({})", rejection.status()),
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        // serde quotes what it could not read (a search, a mobile): the log keeps only that
        // the query string was refused.
        AppError::new(ErrorCode::Validation)
            .with_reason(ErrorReason::MalformedRequest)
            .with_detail(format!("query string: not read ({})", rejection.status()))
    }
}

/// A path segment that is not an ID of the route's kind (`/sub-merchants/abc`, or a number past
/// `i64`) names nothing there: 404, like an ID that does not exist.
impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        // A path segment may be a QR ticket's ID: never in the log.
        AppError::new(ErrorCode::NotFound)
            .with_detail(format!("path parameter: not read ({})", rejection.status()))
    }
}
