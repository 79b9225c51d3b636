//! The typed API client: one async fn per endpoint. Every non-2xx answer is decoded into the
//! server's error envelope, so the UI can show its sentence and request id.

use domain::{
    ErrorBody, ErrorCode, ErrorEnvelope, FieldError, Lang,
    api::{Health, LoginRequest, SessionInfo},
};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use crate::i18n::request_lang;

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with its error envelope.
    #[error("{}: {}", .0.code.as_str(), .0.message)]
    Api(ErrorBody),
    /// The server could not be reached, or answered something unreadable.
    #[error("network: {0}")]
    Network(String),
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Api(body) => Some(body.code),
            ApiError::Network(_) => None,
        }
    }

    /// The sentence to show, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            ApiError::Api(body) => body.describe(lang),
            ApiError::Network(_) => lang
                .pick(
                    "连接中断，请检查网络后重试。",
                    "Connection lost. Check your network and try again.",
                )
                .to_owned(),
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Api(body) => Some(&body.request_id),
            ApiError::Network(_) => None,
        }
    }

    /// The server's verdict on one field, if it named it.
    pub fn field(&self, name: &str) -> Option<&FieldError> {
        match self {
            ApiError::Api(body) => body.fields.get(name).map(|issue| &issue.rule),
            ApiError::Network(_) => None,
        }
    }
}

const BASE: &str = "/api/v1";

fn with_lang(request: RequestBuilder) -> RequestBuilder {
    request
        .header("Accept-Language", request_lang().tag())
        .header("Accept", "application/json")
}

async fn error_of(response: Response) -> ApiError {
    match response.json::<ErrorEnvelope>().await {
        Ok(envelope) => ApiError::Api(envelope.error),
        Err(_) => ApiError::Network(format!("HTTP {}", response.status())),
    }
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let request = request.map_err(|e| ApiError::Network(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if response.ok() {
        Ok(response)
    } else {
        Err(error_of(response).await)
    }
}

async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    response
        .json::<T>()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))
}

/// `POST /session`: signs in.
pub async fn login(request: &LoginRequest) -> Result<SessionInfo, ApiError> {
    let response = send(with_lang(Request::post(&format!("{BASE}/session"))).json(request)).await?;
    json(response).await
}

/// `GET /session`: who is signed in; `None` when nobody is.
pub async fn current_session() -> Result<Option<SessionInfo>, ApiError> {
    match send(with_lang(Request::get(&format!("{BASE}/session"))).build()).await {
        Ok(response) => json(response).await.map(Some),
        Err(e) if e.code() == Some(ErrorCode::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `DELETE /session`: signs out.
pub async fn logout() -> Result<(), ApiError> {
    send(with_lang(Request::delete(&format!("{BASE}/session"))).build()).await?;
    Ok(())
}

/// `GET /health`: liveness and which upstream the server talks to.
pub async fn health() -> Result<Health, ApiError> {
    let response = send(with_lang(Request::get(&format!("{BASE}/health"))).build()).await?;
    json(response).await
}
