//! Sandbox-only controls; mounted only when the upstream is the sandbox.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppError, AppState, error::ApiJson, upstream::WechatUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(wechat_users))
}

/// The sandbox's WeChat users, for the phone page's identity picker (沙箱).
#[utoipa::path(get, path = "/sandbox/wechat-users", tag = "sandbox",
    responses((status = 200, body = Vec<WechatUser>)))]
async fn wechat_users(State(state): State<AppState>) -> Result<ApiJson<Vec<WechatUser>>, AppError> {
    let sandbox = state.upstream.sandbox().ok_or_else(AppError::not_found)?;
    Ok(ApiJson(sandbox.wechat_users()))
}
