//! 开通微信买单 on the phone: the SMS code and the binding.

use domain::api::{MaidanBinding, MaidanBound, MaidanSmsRequest, MaidanSmsSent};
use gloo_net::http::Request;

use super::{
    ApiError, BASE,
    transport::{json, send, with_body, with_lang},
};

/// `POST /m/maidan/sms-codes`: 获取验证码.
pub async fn send_maidan_code(body: &MaidanSmsRequest) -> Result<MaidanSmsSent, ApiError> {
    let url = format!("{BASE}/m/maidan/sms-codes");
    json(send(with_body(with_lang(Request::post(&url)), body)).await?).await
}

/// `POST /m/maidan/bindings`: 已有商户号？立即绑定.
pub async fn bind_maidan(body: &MaidanBinding) -> Result<MaidanBound, ApiError> {
    let url = format!("{BASE}/m/maidan/bindings");
    json(send(with_body(with_lang(Request::post(&url)), body)).await?).await
}
