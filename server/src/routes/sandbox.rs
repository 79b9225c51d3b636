//! Sandbox-only controls; mounted only when the upstream is the sandbox.

use axum::{extract::State, http::StatusCode};
use domain::api::{
    NewSandboxProvider, SandboxLatency, SandboxMerchant, SandboxSmsCode, SyncedProvider,
};
use domain::paths;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppError, AppState,
    http::{ApiJson, ApiPath},
    upstream::WechatUser,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(wechat_users))
        .routes(routes!(add_provider))
        .routes(routes!(set_latency))
        .routes(routes!(merchant))
        .routes(routes!(latest_code))
}

/// A sandbox merchant ID's registered contact mobile and settlement card, for testers filling
/// the phone binding form (沙箱).
#[utoipa::path(get, path = paths::SANDBOX_MERCHANT, tag = "sandbox",
    params(("merchant_id" = String, Path, description = "a sandbox WeChat Pay merchant ID")),
    responses((status = 200, body = SandboxMerchant), (status = 404, body = domain::ErrorEnvelope)))]
async fn merchant(
    State(state): State<AppState>,
    ApiPath(merchant_id): ApiPath<String>,
) -> Result<ApiJson<SandboxMerchant>, AppError> {
    let sandbox = state.upstream.sandbox().ok_or_else(AppError::not_found)?;
    let found = sandbox
        .sub_merchant_by_id(&merchant_id)
        .ok_or_else(AppError::not_found)?;
    let (mobile, bank_card) = sandbox
        .merchant_contact(&merchant_id)
        .ok_or_else(AppError::not_found)?;
    let opened = state
        .upstream
        .maidan_opened(&merchant_id)
        .await
        .map_err(AppError::internal)?
        .unwrap_or(false);
    Ok(ApiJson(SandboxMerchant {
        merchant_id,
        name: found.name,
        mobile,
        bank_card,
        maidan_opened: opened,
    }))
}

/// The latest binding code texted to a mobile (沙箱; tests read it here).
#[utoipa::path(get, path = paths::SANDBOX_SMS_CODE, tag = "sandbox",
    params(("mobile" = String, Path, description = "the mobile the code was texted to")),
    responses((status = 200, body = SandboxSmsCode), (status = 404, body = domain::ErrorEnvelope)))]
async fn latest_code(
    State(state): State<AppState>,
    ApiPath(mobile): ApiPath<String>,
) -> Result<ApiJson<SandboxSmsCode>, AppError> {
    let sandbox = state.upstream.sandbox().ok_or_else(AppError::not_found)?;
    let code = sandbox
        .latest_code(&mobile)
        .ok_or_else(AppError::not_found)?;
    Ok(ApiJson(SandboxSmsCode { mobile, code }))
}

/// Makes every later upstream call wait — "WeChat is slow today" — so that long work can be
/// watched (沙箱).
#[utoipa::path(put, path = paths::SANDBOX_LATENCY, tag = "sandbox", request_body = SandboxLatency,
    responses((status = 204)))]
async fn set_latency(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SandboxLatency>,
) -> Result<StatusCode, AppError> {
    let sandbox = state.upstream.sandbox().ok_or_else(AppError::not_found)?;
    if request.latency_ms > SandboxLatency::MAX_MS {
        return Err(AppError::field(
            "latency_ms",
            domain::FieldError::TooLarge {
                max: u64::from(SandboxLatency::MAX_MS),
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
#[utoipa::path(post, path = paths::SANDBOX_PROVIDERS, tag = "sandbox", request_body = NewSandboxProvider,
    responses((status = 201, body = SyncedProvider)))]
async fn add_provider(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<NewSandboxProvider>,
) -> Result<(StatusCode, ApiJson<SyncedProvider>), AppError> {
    let sandbox = state.upstream.sandbox().ok_or_else(AppError::not_found)?;
    let mut errors = crate::error::FieldErrors::default();
    let name = errors.check(
        "name",
        domain::rules::required(&request.name).and_then(|n| domain::rules::text(n, 64)),
    );
    let users = sandbox.wechat_users();
    if !users.iter().any(|u| u.openid == request.admin_openid) {
        errors.check::<()>(
            "admin_openid",
            Err(domain::FieldError::Choice {
                values: users.iter().map(|u| u.openid.clone()).collect(),
            }),
        );
    }
    errors.finish()?;
    let provider = sandbox
        .add_provider(name.unwrap_or_default(), &request.admin_openid)
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
#[utoipa::path(get, path = paths::SANDBOX_WECHAT_USERS, tag = "sandbox",
    responses((status = 200, body = Vec<WechatUser>)))]
async fn wechat_users(State(state): State<AppState>) -> Result<ApiJson<Vec<WechatUser>>, AppError> {
    let sandbox = state.upstream.sandbox().ok_or_else(AppError::not_found)?;
    Ok(ApiJson(sandbox.wechat_users()))
}
