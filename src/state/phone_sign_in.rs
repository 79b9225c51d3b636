//! The phone's sign-in with WeChat or Alipay: the server sends the browser to the identity
//! provider and back to the page, with `sign_in_error`, `reason` and `request_id` in the
//! query when it did not work out. The page's language goes along, so that a page the server
//! shows on the way speaks it.

use domain::{ErrorBody, ErrorCode, Lang, error::ErrorReason};

use crate::{api::ApiError, location::query_param};

/// Who a phone signs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInWith {
    Wechat,
    Alipay,
}

/// Where the server starts the sign-in for a QR ticket, from a page in `lang`.
pub fn start_url(with: SignInWith, ticket: &str, lang: Lang) -> String {
    let provider = match with {
        SignInWith::Wechat => "wechat",
        SignInWith::Alipay => "alipay",
    };
    format!(
        "{}/m/{provider}-oauth/start?ticket={ticket}&lang={}",
        crate::api::BASE,
        lang.tag()
    )
}

/// Leaves the page (in `lang`) for the identity provider (through the server's start).
pub fn start(with: SignInWith, ticket: &str, lang: Lang) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(&start_url(with, ticket, lang));
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
