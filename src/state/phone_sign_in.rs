//! The phone's sign-in with WeChat or Alipay: the server sends the browser to the identity
//! provider and back to the page, with `sign_in_error`, `reason` and `request_id` in the
//! query when it did not work out.

use domain::{ErrorBody, ErrorCode, error::ErrorReason};

use crate::{api::ApiError, app::query_param};

/// Who a phone signs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInWith {
    Wechat,
    Alipay,
}

/// Where the server starts the sign-in for a QR ticket.
pub fn start_url(with: SignInWith, ticket: &str) -> String {
    let provider = match with {
        SignInWith::Wechat => "wechat",
        SignInWith::Alipay => "alipay",
    };
    format!(
        "{}/m/{provider}-oauth/start?ticket={ticket}",
        crate::api::BASE
    )
}

/// Leaves the page for the identity provider (through the server's start).
pub fn start(with: SignInWith, ticket: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(&start_url(with, ticket));
    }
}

/// The error the sign-in came back with, if any.
pub fn came_back_with() -> Option<ApiError> {
    let code = ErrorCode::parse(&query_param("sign_in_error")?)?;
    let reason: Option<ErrorReason> = query_param("reason")
        .and_then(|r| serde_wasm_bindgen::from_value(wasm_bindgen::JsValue::from_str(&r)).ok());
    Some(ApiError::Api(ErrorBody {
        code,
        message: String::new(),
        reason,
        fields: Default::default(),
        retry_after_s: None,
        request_id: query_param("request_id").unwrap_or_default(),
    }))
}
