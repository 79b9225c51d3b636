//! The typed API client: one async fn per endpoint, in a module per area of the API (all
//! reachable from here, `api::login`, `api::list_providers`, …). Every non-2xx answer is decoded
//! into the server's error envelope, so the UI can show its sentence and request id.
//!
//! - [`transport`]: requests in the page's language, JSON bodies, errors, conditional polls.
//! - [`session`]: signing in and out, the password, the server's health.
//! - [`providers`]: providers, their configuration, and the provider-sync QR tickets.
//! - [`sub_merchants`]: sub-merchants, their channel, profile, sub-provider and keys, and the
//!   Alipay authorization QR tickets.
//! - [`sub_providers`], [`jobs`] (the sub-merchant sync), [`activity`] (transactions, audit log),
//!   [`maidan`] (the phone's 开通微信买单).

use domain::{ErrorBody, ErrorCode, FieldError, Lang};

mod activity;
mod jobs;
mod maidan;
mod providers;
mod session;
mod sub_merchants;
mod sub_providers;
mod transport;

pub use self::{
    activity::*,
    jobs::*,
    maidan::*,
    providers::*,
    session::*,
    sub_merchants::*,
    sub_providers::*,
    transport::{Polled, query_string},
};

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with its error envelope.
    #[error("{}: {}", .0.code.as_str(), .0.message)]
    Api(ErrorBody),
    /// The server could not be reached, or answered something unreadable.
    #[error("network: {0}")]
    Network(String),
    /// The server (or a proxy before it) is busy and asked to come back after these seconds.
    #[error("busy: retry after {0} s")]
    Busy(u64),
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Api(body) => Some(body.code),
            ApiError::Network(_) | ApiError::Busy(_) => None,
        }
    }

    /// The sentence to show, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            ApiError::Api(body) => body.describe(lang),
            ApiError::Busy(seconds) => {
                domain::error::describe(ErrorCode::RateLimited, None, Some(*seconds), lang)
            }
            ApiError::Network(_) => lang
                .pick(
                    "连接中断，请检查网络后重试。",
                    "Connection lost. Check your network and try again.",
                )
                .to_owned(),
        }
    }

    /// Seconds the server asked to wait (`RateLimited`, or a busy answer's `Retry-After`).
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            ApiError::Api(body) => body.retry_after_s,
            ApiError::Busy(seconds) => Some(*seconds),
            ApiError::Network(_) => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Api(body) => Some(&body.request_id),
            ApiError::Network(_) | ApiError::Busy(_) => None,
        }
    }

    /// The server's verdict on one field, if it named it.
    pub fn field(&self, name: &str) -> Option<&FieldError> {
        match self {
            ApiError::Api(body) => body.fields.get(name).map(|issue| &issue.rule),
            ApiError::Network(_) | ApiError::Busy(_) => None,
        }
    }
}

/// Where the API lives on the console's origin.
pub const BASE: &str = "/api/v1";
