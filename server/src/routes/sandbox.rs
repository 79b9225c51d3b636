//! Sandbox-only controls; mounted only when the upstream is the sandbox.

use axum::{extract::State, http::StatusCode};
use domain::api::{NewSandboxProvider, SandboxLatency, SyncedProvider};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppError, AppState, error::ApiJson, upstream::WechatUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(wechat_users))
        .routes(routes!(add_provider))
        .routes(routes!(set_latency))
}

/// The longest latency the sandbox accepts, so a demo cannot be made to hang.
const MAX_LATENCY_MS: u32 = 10_000;

/// Makes every later upstream call wait — "WeChat is slow today" — so that long work can be
/// watched (沙箱).
#[utoipa::path(put, path = "/sandbox/latency", tag = "sandbox", request_body = SandboxLatency,
    responses((status = 204)))]
async fn set_latency(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SandboxLatency>,
) -> Result<StatusCode, AppError> {
    let sandbox = state.upstream.sandbox().ok_or_else(AppError::not_found)?;
    if request.latency_ms > MAX_LATENCY_MS {
        return Err(AppError::field(
            "latency_ms",
            domain::FieldError::TooLarge {
                max: u64::from(MAX_LATENCY_MS),
            },
        ));
    }
    sandbox.set_latency(std::time::Duration::from_millis(u64::from(
        request.latency_ms,
    )));
    Ok(StatusCode::NO_CONTENT)
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
