//! Sandbox-only controls; mounted only when the upstream is the sandbox.

use axum::{extract::State, http::StatusCode};
use domain::api::{NewSandboxProvider, SyncedProvider};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppError, AppState, error::ApiJson, upstream::WechatUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(wechat_users))
        .routes(routes!(add_provider))
}

/// Adds a provider upstream, administered by a sandbox WeChat user — as if it had just been
/// created in WeChat Maidan (沙箱).
#[utoipa::path(post, path = "/sandbox/providers", tag = "sandbox", request_body = NewSandboxProvider,
    responses((status = 201, body = SyncedProvider)))]
async fn add_provider(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<NewSandboxProvider>,
) -> Result<(StatusCode, ApiJson<SyncedProvider>), AppError> {
    let sandbox = state.upstream.sandbox().ok_or_else(AppError::not_found)?;
    let mut errors = crate::error::FieldErrors::default();
    let name = request.name.trim();
    errors.check(
        "name",
        if name.is_empty() {
            Err(domain::FieldError::Required)
        } else {
            Ok(())
        },
    );
    errors.check(
        "admin_openid",
        if sandbox
            .wechat_users()
            .iter()
            .any(|u| u.openid == request.admin_openid)
        {
            Ok(())
        } else {
            Err(domain::FieldError::Required)
        },
    );
    errors.finish()?;
    let provider = sandbox
        .add_provider(name, &request.admin_openid)
        .ok_or_else(|| AppError::internal("sandbox lock poisoned"))?;
    Ok((
        StatusCode::CREATED,
        ApiJson(SyncedProvider {
            provider_id: provider.provider_id,
            name: provider.name,
        }),
    ))
}

/// The sandbox's WeChat users, for the phone page's identity picker (沙箱).
#[utoipa::path(get, path = "/sandbox/wechat-users", tag = "sandbox",
    responses((status = 200, body = Vec<WechatUser>)))]
async fn wechat_users(State(state): State<AppState>) -> Result<ApiJson<Vec<WechatUser>>, AppError> {
    let sandbox = state.upstream.sandbox().ok_or_else(AppError::not_found)?;
    Ok(ApiJson(sandbox.wechat_users()))
}
